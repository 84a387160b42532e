#include "live/playback_access.hpp"

#include <algorithm>
#include <cmath>

namespace bvlive {
namespace {

PlaybackAccess refuse(int status, std::string reason, std::optional<std::int64_t> retry = std::nullopt) {
  return {status, std::move(reason), retry};
}

// After the end, players already watching may still read the closed live playlist and its
// segments; not once a VOD window has come and gone (LIVE_END of a live with live_vod).
bool ended_live_still_listed(const LiveRecord& l) {
  if (l.state == LiveState::Encoding || l.state == LiveState::VodReady) return true;
  return l.state == LiveState::LiveEnd && !l.spec.live_vod.enabled();
}

}  // namespace

PlaybackAccess public_access(const LiveRecord& l, bool entry_playlist, TimeMs now) {
  if (l.state == LiveState::Live || l.state == LiveState::Vod) return {};
  const std::string& label = l.label();
  const std::string state(to_string(l.state));
  if (!l.live_started_at)
    return refuse(404, "live " + label + " has not started (state " + state +
                           "); public playback opens when it goes LIVE (bvlive start " + label + ")");
  if (!entry_playlist && ended_live_still_listed(l)) return {};
  if (l.state == LiveState::Encoding) return refuse(503, "live " + label + " has ended; its VOD is being prepared", 10);
  if (l.state == LiveState::VodReady) {
    const TimeMs opens = l.spec.live_vod.started_at.value_or(now);
    return refuse(503, "live " + label + " has ended; its VOD opens at " + format_rfc3339(opens),
                  std::max<TimeMs>(1, (opens - now + 999) / 1000));
  }
  return refuse(410, "live " + label + " has ended (state " + state + ")" +
                         (l.spec.live_vod.enabled() ? "; its VOD is no longer offered" : ""));
}

PlaybackAccess preview_access(const LiveRecord& l) {
  if (l.state == LiveState::Preview || l.state == LiveState::Live) return {};
  return refuse(404, "live " + l.label() + " is " + std::string(to_string(l.state)) +
                         "; the host preview exists in PREVIEW and LIVE");
}

bool segment_is_public(const LiveRecord& l, const SegmentRecord& s) {
  if (!l.live_started_at) return false;
  return s.program_date_time + static_cast<TimeMs>(std::llround(s.duration * 1000)) > *l.live_started_at;
}

}  // namespace bvlive
