#include "scheduler/scheduler.hpp"

#include <algorithm>

#include "log/log.hpp"

namespace bvlive {
namespace {
// Schedules are in wall-clock time (now_ms(), CLOCK_REALTIME) but a uv timer counts on
// CLOCK_MONOTONIC, which a step of the wall clock (NTP, an operator's `date -s`, a resume
// from suspend) does not move. So no sleep is longer than this: after a step forward, a
// transition that became due fires within 2 s, not after the old monotonic delay; after a
// step back, the next wake-up finds it not due yet and sleeps again (never early, and
// never twice: applying a transition changes the live's state, so it is no longer due).
// Waking every 2 s costs one pass over the lives in memory.
constexpr TimeMs kMaxSleepMs = 2'000;
constexpr std::uint64_t kRetryMs = 5'000;
}

Scheduler::Scheduler(uv_loop_t* loop, LiveService& service) : timer_(loop), service_(service) {}

void Scheduler::rearm() {
  const auto next = service_.next_due();
  const TimeMs now = now_ms();
  const TimeMs wait = next ? std::clamp<TimeMs>(*next - now, 0, kMaxSleepMs) : kMaxSleepMs;
  timer_.start(static_cast<std::uint64_t>(wait), 0, [this] { fire_now(); });
}

void Scheduler::stop() { timer_.stop(); }

void Scheduler::fire_now() {
  // run_due skips a live whose transition fails (disk full, ...) and goes on
  // with the others; the failed one is still due, so retry it after a pause
  // instead of spinning.
  std::vector<std::string> failures;
  service_.run_due(now_ms(), &failures);
  for (const auto& f : failures) log::error("scheduler", "automatic transition failed, retrying in 5 s: " + f);
  if (!failures.empty()) {
    timer_.start(kRetryMs, 0, [this] { fire_now(); });
    return;
  }
  rearm();
}

}  // namespace bvlive
