// Requests the origin answers later: LL-HLS blocking playlist reloads (_HLS_msn/_HLS_part)
// and requests for the part a playlist's preload hint names. Each waits, under a key (the
// live's id), until its check finds the answer ready (run again at every wake of its key),
// or until its deadline, when it gets its timeout answer. Bounded: past max_held requests,
// new ones get the timeout answer at once. One timer for all, armed at the nearest deadline.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <optional>
#include <string>

#include "protocols/http/response.hpp"
#include "uv/timer.hpp"

namespace bvlive {

class HeldRequests {
 public:
  using Check = std::function<std::optional<http::Response>()>;
  using Timeout = std::function<http::Response()>;

  HeldRequests(uv_loop_t* loop, std::size_t max_held = 20000);
  HeldRequests(const HeldRequests&) = delete;
  HeldRequests& operator=(const HeldRequests&) = delete;

  // A response the HTTP server answers later (http::Response::later): `check` now and at
  // every wake(key), `on_timeout` after timeout_ms.
  http::Response hold(std::string key, std::uint64_t timeout_ms, Check check, Timeout on_timeout);
  // Something changed for `key`: its waiting requests check again.
  void wake(const std::string& key);

  std::size_t size() const { return count_; }
  std::uint64_t answered_ready() const { return answered_ready_; }
  std::uint64_t timed_out() const { return timed_out_; }

 private:
  struct Waiter {
    std::uint64_t deadline = 0;  // uv_now()
    Check check;
    Timeout on_timeout;
    http::Response::Send send;
  };

  void add(const std::string& key, Waiter w);
  void on_timer();
  void arm();

  uv_loop_t* loop_;
  std::size_t max_held_;
  std::map<std::string, std::list<Waiter>, std::less<>> waiting_;
  std::size_t count_ = 0;
  std::uint64_t answered_ready_ = 0, timed_out_ = 0;
  std::optional<std::uint64_t> armed_for_;  // the deadline the timer fires for
  uv::Timer timer_;
};

}  // namespace bvlive
