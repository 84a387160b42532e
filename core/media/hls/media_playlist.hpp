// Media playlists (RFC 8216 §4.3.3) over a live's segment index, one per view. Segments are
// fMP4 (CMAF), so version 7 with an EXT-X-MAP per session's init segment. Pure: the caller
// passes every segment of the live in seq order; a change of session_id between two
// consecutive records is a discontinuity (a new push from the encoder), and so is a change of
// init segment within a session (the encoder's configuration changed mid-push).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/media/segment_record.hpp"
#include "util/time.hpp"

namespace bvlive::hls {

enum class View {
  Preview,  // host preview: PREVIEW and LIVE segments, sliding window
  Live,     // public, traditional: sliding window, from LIVE's start when dvr_start is set
  Dvr,      // public, start-over: everything since LIVE began
  Vod,      // a finished recording: every segment given, PLAYLIST-TYPE:VOD (see vod_playlist.hpp)
};

struct MediaPlaylistOptions {
  View view = View::Live;
  // Preview and Live: the last `window` segments (0 or less: all of them).
  int window = 6;
  // LIVE's start. Dvr: the first segment listed is the first one whose
  // program_date_time + duration > dvr_start. Live: the window never reaches before it
  // either, so the public never sees preview footage. Ignored by Preview.
  std::optional<TimeMs> dvr_start{};
  bool ended = false;  // EXT-X-ENDLIST: no more segments will be added
  // Lower bound for EXT-X-TARGETDURATION (rounded up), so the value is right from the
  // first segment on and never has to grow.
  double target_duration_hint = 2.0;
  std::string uri_prefix{};  // prepended to file names: "" or "../"
  std::string uri_query{};   // appended to every URI verbatim: "?token=abc" ("" = none)
  // AES-128 protection: the key URI of each segment ("keys/42.key"; "" = in the clear).
  // Segments are encrypted with the implicit IV (their media sequence number); init
  // segments stay in the clear (an EXT-X-KEY:METHOD=NONE precedes each EXT-X-MAP).
  std::function<std::string(const SegmentRecord&)> key_uri{};
};

// An EXT-X-KEY IV attribute for a media sequence number: "0x" and 32 hex digits.
std::string iv_hex(std::int64_t seq);

// The segments the view lists, in order (a contiguous run of `all`).
std::vector<SegmentRecord> select_segments(std::span<const SegmentRecord> all,
                                           const MediaPlaylistOptions& options);

// The playlist text. EXT-X-TARGETDURATION comes from all segments, not just the selected
// ones, so that it never decreases while the window slides. EXT-X-PROGRAM-DATE-TIME is
// written on the first segment, after each discontinuity, and wherever a segment's time
// departs by more than half a second from the previous segment's time plus its duration
// (wall-clock drift or a gap); players interpolate in between. An empty selection gives a
// valid playlist with no segments.
std::string media_playlist(std::span<const SegmentRecord> all, const MediaPlaylistOptions& options);

}  // namespace bvlive::hls
