// RAII ownership of libuv handles.
//
// A libuv handle's memory must outlive uv_close() until its close callback runs,
// so an owner cannot simply free it in a destructor. UvHandle<T> allocates the
// handle on the heap and, when destroyed, closes it and frees it from the close
// callback. Owners keep a UvHandle member; nothing calls new/delete by hand.
#pragma once

#include <uv.h>

#include <memory>
#include <utility>

namespace bvlive::uv {

template <typename T>
class UvHandle {
 public:
  UvHandle() : h_(std::make_unique<T>()) { h_->data = nullptr; }
  UvHandle(const UvHandle&) = delete;
  UvHandle& operator=(const UvHandle&) = delete;
  UvHandle(UvHandle&&) noexcept = default;
  UvHandle& operator=(UvHandle&& other) noexcept {
    if (this != &other) {
      reset();
      h_ = std::move(other.h_);
      initialized_ = std::exchange(other.initialized_, false);
    }
    return *this;
  }
  ~UvHandle() { reset(); }

  T* get() const { return h_.get(); }
  T* operator->() const { return h_.get(); }
  uv_handle_t* handle() const { return reinterpret_cast<uv_handle_t*>(h_.get()); }
  uv_stream_t* stream() const { return reinterpret_cast<uv_stream_t*>(h_.get()); }

  // Call after a successful uv_*_init so the destructor knows to uv_close.
  void mark_initialized() { initialized_ = true; }
  bool initialized() const { return initialized_ && h_; }

  // Closes the handle (if initialized); memory is released by the close callback.
  void reset() {
    if (!h_) return;
    if (initialized_ && !uv_is_closing(handle())) {
      T* raw = h_.release();
      raw->data = nullptr;
      uv_close(reinterpret_cast<uv_handle_t*>(raw),
               [](uv_handle_t* hh) { std::unique_ptr<T> owned(reinterpret_cast<T*>(hh)); });
    } else if (!initialized_) {
      h_.reset();
    } else {
      // already closing: whoever started the close frees it
      (void)h_.release();
    }
    initialized_ = false;
  }

 private:
  std::unique_ptr<T> h_;
  bool initialized_ = false;
};

}  // namespace bvlive::uv
