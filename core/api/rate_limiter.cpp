#include "core/api/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace bvlive::api {

void TokenBucket::refill(TimeMs now) {
  if (now > last_) tokens_ = std::min(burst_, tokens_ + rate_ * static_cast<double>(now - last_) / 1000.0);
  last_ = std::max(last_, now);  // a clock stepping back refills nothing
}

bool TokenBucket::take(TimeMs now, TimeMs* retry_after_ms) {
  refill(now);
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return true;
  }
  if (retry_after_ms)
    *retry_after_ms = rate_ > 0 ? static_cast<TimeMs>(std::ceil((1.0 - tokens_) * 1000.0 / rate_)) : 60000;
  return false;
}

void TokenBucket::set_limits(double rate_per_s, double burst) {
  rate_ = rate_per_s;
  burst_ = burst;
  tokens_ = std::min(tokens_, burst_);
}

}  // namespace bvlive::api
