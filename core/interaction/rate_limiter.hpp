// Posting speed per client: a burst of `burst` messages, then one per `interval` (the
// generic cell rate algorithm: one "theoretical arrival time" per key, no timers). A key
// whose time is past is as good as new and is forgotten when the table grows.
#pragma once

#include <cstddef>
#include <string>
#include <unordered_map>

#include "util/time.hpp"

namespace bvlive::interaction {

class RateLimiter {
 public:
  RateLimiter(int burst, DurationMs interval);

  // Counts one post by `key` at `now`: 0 when it may go, else how long (ms) until it may.
  // A refused post does not count.
  DurationMs take(const std::string& key, TimeMs now);
  // Gives back the post `take` just counted for `key` (another limit refused it).
  void undo(const std::string& key);
  std::size_t keys() const { return next_.size(); }

 private:
  void forget_idle(TimeMs now);

  int burst_;
  DurationMs interval_;
  std::unordered_map<std::string, TimeMs> next_;  // key -> when its bucket is full again
  std::size_t forget_at_ = 1024;                  // table size that triggers forget_idle
};

}  // namespace bvlive::interaction
