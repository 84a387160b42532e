// A one-shot/repeating uv timer that calls a std::function.
#pragma once

#include <functional>

#include "uv/handle.hpp"

namespace bvlive::uv {

class Timer {
 public:
  explicit Timer(uv_loop_t* loop);
  // Fires `cb` after `timeout_ms`, then every `repeat_ms` if non-zero. Replaces any pending start.
  void start(std::uint64_t timeout_ms, std::uint64_t repeat_ms, std::function<void()> cb);
  void stop();

 private:
  UvHandle<uv_timer_t> timer_;
  std::function<void()> cb_;
};

}  // namespace bvlive::uv
