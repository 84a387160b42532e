// What the origin serves of a live, and to whom, in each state: the rules behind
// /live/ID/... (the public) and /preview/ID/... (the host), as one pure function each, so
// they read as a table and are tested as one (tests/unit/test_playback_access.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "live/live_record.hpp"
#include "core/media/segment_record.hpp"

namespace bvlive {

struct PlaybackAccess {
  int status = 200;                            // 200: served; else the refusal's status
  std::string reason;                          // why not, for the viewer's player and logs
  std::optional<std::int64_t> retry_after_s;   // when to ask again (503)
  bool allowed() const { return status == 200; }
};

// The public. LIVE plays, VOD plays its VOD. Before LIVE: 404. After: ENCODING and VOD_READY
// answer 503 (with when to retry) and other states 410; but players already watching may
// still read the closed live playlist and its segments (`entry_playlist` false) while the
// VOD is being made or waits for its window, or for good when there is no VOD.
PlaybackAccess public_access(const LiveRecord& live, bool entry_playlist, TimeMs now);

// The host's preview (with the preview token): PREVIEW and LIVE, nothing else.
PlaybackAccess preview_access(const LiveRecord& live);

// A segment is public when it ends after LIVE began: what came before is rehearsal.
bool segment_is_public(const LiveRecord& live, const SegmentRecord& segment);

}  // namespace bvlive
