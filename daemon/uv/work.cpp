#include "uv/work.hpp"

#include <stdexcept>

namespace bvlive::uv {
namespace {

struct Work {
  uv_work_t req{};
  std::function<void()> work;
  std::function<void(std::exception_ptr)> done;
  std::exception_ptr error;
};

}  // namespace

void queue_work(uv_loop_t* loop, std::function<void()> work,
                std::function<void(std::exception_ptr)> done) {
  auto w = std::make_unique<Work>();
  w->work = std::move(work);
  w->done = std::move(done);
  w->req.data = w.get();
  const int rc = uv_queue_work(
      loop, &w->req,
      [](uv_work_t* req) {
        auto* self = static_cast<Work*>(req->data);
        try {
          self->work();
        } catch (...) {
          self->error = std::current_exception();
        }
      },
      [](uv_work_t* req, int) {
        std::unique_ptr<Work> self(static_cast<Work*>(req->data));
        self->done(self->error);
      });
  if (rc != 0) throw std::runtime_error(std::string("uv_queue_work: ") + uv_strerror(rc));
  (void)w.release();  // owned by the request until its after-work callback
}

}  // namespace bvlive::uv
