#include "daemon/ingest/srt/srt_event_queue.hpp"

#include <stdexcept>

namespace bvlive {

SrtEventQueue::SrtEventQueue(uv_loop_t* loop, Handler on_batch) : on_batch_(std::move(on_batch)) {
  if (uv_async_init(loop, async_.get(), [](uv_async_t* a) {
        if (auto* self = static_cast<SrtEventQueue*>(a->data)) self->drain();
      }) != 0)
    throw std::runtime_error("uv_async_init failed");
  async_.mark_initialized();
  async_->data = this;
}

void SrtEventQueue::wake_locked() {
  // uv_async_send coalesces; sending only on the empty -> non-empty edge spares a syscall per packet.
  if (pending_.size() == 1) uv_async_send(async_.get());
}

void SrtEventQueue::push(SrtEvent event) {
  std::lock_guard lock(mutex_);
  pending_bytes_ += event.bytes.size();
  pending_.push_back(std::move(event));
  wake_locked();
}

bool SrtEventQueue::push_data(int conn, std::span<const std::uint8_t> bytes, std::size_t max_pending) {
  std::lock_guard lock(mutex_);
  if (pending_bytes_ + bytes.size() > max_pending) return false;
  pending_bytes_ += bytes.size();
  if (!pending_.empty() && pending_.back().kind == SrtEvent::Kind::Data && pending_.back().conn == conn) {
    auto& into = pending_.back().bytes;
    into.insert(into.end(), bytes.begin(), bytes.end());
    return true;
  }
  SrtEvent e;
  e.kind = SrtEvent::Kind::Data;
  e.conn = conn;
  e.bytes.assign(bytes.begin(), bytes.end());
  pending_.push_back(std::move(e));
  wake_locked();
  return true;
}

void SrtEventQueue::log(LogLevel level, std::string line) {
  SrtEvent e;
  e.kind = SrtEvent::Kind::Log;
  e.level = level;
  e.text = std::move(line);
  push(std::move(e));
}

void SrtEventQueue::drain() {
  std::vector<SrtEvent> batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(pending_);
    pending_bytes_ = 0;
  }
  if (!batch.empty()) on_batch_(batch);
}

}  // namespace bvlive
