#include "scheduler/scheduler.hpp"

#include <algorithm>

#include "log/log.hpp"

namespace bvlive {
namespace {
constexpr TimeMs kMaxSleepMs = 60'000;
}

Scheduler::Scheduler(uv_loop_t* loop, LiveService& service) : timer_(loop), service_(service) {}

void Scheduler::rearm() {
  const auto next = service_.next_due();
  const TimeMs now = now_ms();
  const TimeMs wait = next ? std::clamp<TimeMs>(*next - now, 0, kMaxSleepMs) : kMaxSleepMs;
  timer_.start(static_cast<std::uint64_t>(wait), 0, [this] { fire(); });
}

void Scheduler::stop() { timer_.stop(); }

void Scheduler::fire() {
  try {
    service_.run_due(now_ms());
  } catch (const std::exception& e) {
    // A failing transition (disk full, ...) must not stop the others: log and retry later.
    log::error("scheduler", std::string("automatic transition failed: ") + e.what());
    timer_.start(5000, 0, [this] { fire(); });
    return;
  }
  rearm();
}

}  // namespace bvlive
