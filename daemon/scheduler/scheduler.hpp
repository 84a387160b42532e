// Drives automatic transitions from one uv timer: it sleeps until the earliest
// due transition of any live (core/schedule/due.hpp), applies everything due,
// and sleeps again. Wakes at least every 2 s so a wall-clock step (NTP, `date -s`,
// suspend) is noticed within 2 s: schedules are wall-clock times, the uv timer is
// monotonic. A deadline stepped over fires at once, never early and never twice.
#pragma once

#include "service/live_service.hpp"
#include "uv/timer.hpp"

namespace bvlive {

class Scheduler {
 public:
  Scheduler(uv_loop_t* loop, LiveService& service);
  // Recomputes the next wake-up. Call after anything that may change a schedule.
  void rearm();
  // Applies everything due now (used at start-up for missed schedules), then rearms.
  void fire_now();
  void stop();

 private:
  uv::Timer timer_;
  LiveService& service_;
};

}  // namespace bvlive
