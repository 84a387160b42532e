// What libsrt's threads tell the loop thread: connections accepted, bytes received,
// connections closed, log lines. Producers (the SRT worker thread, libsrt's listen
// callback) push under a mutex; a uv_async_t wakes the loop, which takes the whole batch
// at once. Consecutive data for one connection is merged, so one wake carries many packets.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "config/settings.hpp"
#include "uv/handle.hpp"

namespace bvlive {

struct SrtEvent {
  enum class Kind { Accepted, Data, Closed, Log };
  Kind kind = Kind::Log;
  int conn = -1;                   // the SRT socket id (Accepted, Data, Closed)
  std::string key;                 // Accepted: the stream key from the streamid
  std::string text;                // Accepted: remote address; Closed: reason; Log: the line
  LogLevel level = LogLevel::Info;  // Log
  std::vector<std::uint8_t> bytes;  // Data
};

class SrtEventQueue {
 public:
  using Handler = std::function<void(std::vector<SrtEvent>& batch)>;
  // `on_batch` runs on the loop thread with everything pushed since the last wake.
  SrtEventQueue(uv_loop_t* loop, Handler on_batch);
  SrtEventQueue(const SrtEventQueue&) = delete;
  SrtEventQueue& operator=(const SrtEventQueue&) = delete;

  // Any thread. Must not be called once destruction has begun (owners join producers first).
  void push(SrtEvent event);
  // Any thread. Appends to the previous event when it is data for the same connection.
  // Returns false (and drops the bytes) when more than `max_pending` bytes wait for the loop.
  bool push_data(int conn, std::span<const std::uint8_t> bytes, std::size_t max_pending);
  void log(LogLevel level, std::string line);

 private:
  void drain();
  void wake_locked();

  uv::UvHandle<uv_async_t> async_;
  Handler on_batch_;
  std::mutex mutex_;
  std::vector<SrtEvent> pending_;
  std::size_t pending_bytes_ = 0;
};

}  // namespace bvlive
