// When is a live's next automatic transition due? Pure: a function of the live
// and the settings, so the daemon's timer, a restart and the tests all agree.
#pragma once

#include <optional>
#include <string_view>

#include "lifecycle/live_state.hpp"
#include "live/live_record.hpp"

namespace bvlive {

struct ScheduleRules {
  DurationMs prepare_lead = 12LL * 3600 * 1000;  // [defaults] prepare_lead
  DurationMs close_after = 0;                    // [defaults] close_after; 0 = never
};

struct DueTransition {
  Trigger trigger;
  TimeMs at;
};

// At most one automatic transition is pending per state:
//   SCHEDULED        prepare-due      at scheduled_at - prepare_lead (at once without scheduled_at)
//   PREPARING        resources-ready  at once
//   WAIT_FOR_PREVIEW preview          at scheduled_at - auto_preview (at once without scheduled_at);
//                                     with auto_start but no auto_preview: at scheduled_at
//   PREVIEW          start            at scheduled_at when auto_start (at once without scheduled_at)
//   LIVE             end              at live_started_at + auto_end, or when a simulive's playout
//                                     ends (playout_ends_at), whichever is first
//   ENCODING         (none: the daemon's VOD job raises vod-asset-ready when the asset is done)
//   VOD_READY        vod-window-open  at live_vod.started_at
//   VOD              vod-window-close at live_vod.ended_at
//   LIVE_END         close-after      at state_changed_at + close_after (live's, else default; 0 = never)
std::optional<DueTransition> next_automatic(const LiveRecord& live, const ScheduleRules& rules);

// The cause written to the history for an automatic transition: "timeout" for
// close-after, else "schedule"; "missed-schedule" when it fell due while the
// daemon was down: before the daemon started, for a live last changed before
// then (a live created later with a time in the past missed nothing).
std::string_view automatic_cause(const DueTransition& due, TimeMs daemon_started_at, TimeMs live_changed_at);

// Whether a reopened live goes straight to PREPARING.
bool prepare_due(const LiveSpec& spec, const ScheduleRules& rules, TimeMs now);

}  // namespace bvlive
