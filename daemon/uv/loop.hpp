// Owns a uv loop. Declared before every handle owner, it is destroyed after
// them: by then each handle is closing, so running the loop once more lets
// their close callbacks free them, and the loop can be closed cleanly, also
// when a constructor throws half-way.
#pragma once

#include <uv.h>

#include <memory>
#include <stdexcept>

namespace bvlive::uv {

class Loop {
 public:
  Loop() : loop_(std::make_unique<uv_loop_t>()) {
    if (uv_loop_init(loop_.get()) != 0) throw std::runtime_error("uv_loop_init failed");
  }
  ~Loop() {
    uv_run(loop_.get(), UV_RUN_DEFAULT);
    uv_loop_close(loop_.get());
  }
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;
  uv_loop_t* get() const { return loop_.get(); }

 private:
  std::unique_ptr<uv_loop_t> loop_;
};

}  // namespace bvlive::uv
