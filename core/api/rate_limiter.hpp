// A token bucket per API key: `rate` requests a second on average, bursts of `burst`.
#pragma once

#include "util/time.hpp"

namespace bvlive::api {

class TokenBucket {
 public:
  TokenBucket(double rate_per_s, double burst, TimeMs now) : rate_(rate_per_s), burst_(burst), tokens_(burst), last_(now) {}
  // Takes one token. False when none is left; `retry_after_ms` then says when one will be.
  bool take(TimeMs now, TimeMs* retry_after_ms = nullptr);
  void set_limits(double rate_per_s, double burst);

 private:
  void refill(TimeMs now);
  double rate_;
  double burst_;
  double tokens_;
  TimeMs last_;
};

}  // namespace bvlive::api
