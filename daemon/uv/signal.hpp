// A uv signal watcher that calls a std::function.
#pragma once

#include <functional>

#include "uv/handle.hpp"

namespace bvlive::uv {

class Signal {
 public:
  Signal(uv_loop_t* loop, int signum, std::function<void()> cb);

 private:
  UvHandle<uv_signal_t> sig_;
  std::function<void()> cb_;
};

}  // namespace bvlive::uv
