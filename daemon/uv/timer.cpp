#include "uv/timer.hpp"

#include <stdexcept>

namespace bvlive::uv {

Timer::Timer(uv_loop_t* loop) {
  if (uv_timer_init(loop, timer_.get()) != 0) throw std::runtime_error("uv_timer_init failed");
  timer_.mark_initialized();
  timer_->data = this;
}

void Timer::start(std::uint64_t timeout_ms, std::uint64_t repeat_ms, std::function<void()> cb) {
  cb_ = std::move(cb);
  timer_->data = this;
  uv_timer_start(
      timer_.get(),
      [](uv_timer_t* t) {
        if (auto* self = static_cast<Timer*>(t->data)) self->cb_();
      },
      timeout_ms, repeat_ms);
}

void Timer::stop() { uv_timer_stop(timer_.get()); }

}  // namespace bvlive::uv
