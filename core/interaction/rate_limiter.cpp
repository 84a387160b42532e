#include "core/interaction/rate_limiter.hpp"

#include <algorithm>

namespace bvlive::interaction {

RateLimiter::RateLimiter(int burst, DurationMs interval)
    : burst_(std::max(1, burst)), interval_(std::max<DurationMs>(1, interval)) {}

DurationMs RateLimiter::take(const std::string& key, TimeMs now) {
  if (next_.size() >= forget_at_) forget_idle(now);
  TimeMs& full_at = next_.try_emplace(key, now).first->second;
  const TimeMs base = std::max(full_at, now);
  // The bucket holds `burst` posts: refuse while the next post would put it more than
  // `burst` intervals ahead of now.
  const TimeMs allowed_from = base - static_cast<TimeMs>(burst_ - 1) * interval_;
  if (now < allowed_from) return allowed_from - now;
  full_at = base + interval_;
  return 0;
}

void RateLimiter::undo(const std::string& key) {
  if (const auto found = next_.find(key); found != next_.end()) found->second -= interval_;
}

void RateLimiter::forget_idle(TimeMs now) {
  std::erase_if(next_, [now](const auto& entry) { return entry.second <= now; });
  // Many clients posting at once: grow rather than sweep on every post.
  forget_at_ = std::max<std::size_t>(1024, next_.size() * 2);
}

}  // namespace bvlive::interaction
