// Runs a blocking job (copying or linking many files) on libuv's thread pool and calls
// back on the loop thread. The request frees itself; whatever `work` uses must be kept
// alive by what it captures (a shared_ptr), since a running thread cannot be stopped.
#pragma once

#include <uv.h>

#include <exception>
#include <functional>
#include <memory>

namespace bvlive::uv {

// `work` runs on a pool thread; `done` on the loop with the exception `work` threw (or null).
void queue_work(uv_loop_t* loop, std::function<void()> work,
                std::function<void(std::exception_ptr)> done);

}  // namespace bvlive::uv
