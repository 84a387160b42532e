#include "uv/signal.hpp"

#include <stdexcept>

namespace bvlive::uv {

Signal::Signal(uv_loop_t* loop, int signum, std::function<void()> cb) : cb_(std::move(cb)) {
  if (uv_signal_init(loop, sig_.get()) != 0) throw std::runtime_error("uv_signal_init failed");
  sig_.mark_initialized();
  sig_->data = this;
  uv_signal_start(
      sig_.get(),
      [](uv_signal_t* s, int) {
        if (auto* self = static_cast<Signal*>(s->data)) self->cb_();
      },
      signum);
}

}  // namespace bvlive::uv
