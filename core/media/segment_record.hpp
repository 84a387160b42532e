// One media segment of a live as the segment index keeps it (SQLite table `segments`):
// what the playlists list and the origin serves. Files are relative to the live's media
// folder (STATE_DIR/media/LIVE_ID/), one sub-folder per session.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/time.hpp"

namespace bvlive {

struct SegmentRecord {
  std::string live_id;
  std::string session_id;
  std::int64_t seq = 0;        // per live: 0, 1, 2, ... across sessions (EXT-X-MEDIA-SEQUENCE)
  // "" for a session with one rendition; the ladder rung ("720p") when it made several.
  // The renditions of one seq cover the same time (see fmp4/rendition_aligner.hpp).
  std::string rendition;
  double duration = 0;         // seconds
  TimeMs program_date_time = 0;  // wall-clock time of its first frame (EXT-X-PROGRAM-DATE-TIME)
  std::string file;            // "SESSION_ID/seg_00000042.m4s", "SESSION_ID/720p/seg_00000042.m4s"
  std::string init_file;       // "SESSION_ID/init.mp4", "SESSION_ID/720p/init.mp4" (EXT-X-MAP)
  std::int64_t bytes = 0;
  bool independent = true;     // starts with a keyframe (always true for cut segments)

  bool operator==(const SegmentRecord&) const = default;
};

// Init segments are "init.mp4", then "init-2.mp4", "init-3.mp4", ... when the encoder's
// configuration changes in the middle of a push (a new init segment, a discontinuity).
inline std::string init_file_name(int generation) {
  return generation <= 1 ? std::string("init.mp4") : "init-" + std::to_string(generation) + ".mp4";
}
inline bool is_init_file(std::string_view rel) {
  const auto slash = rel.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? rel : rel.substr(slash + 1);
  return name == "init.mp4" || (name.starts_with("init-") && name.ends_with(".mp4"));
}

// Between two consecutive segments of a live: another push, or another init segment.
inline bool is_discontinuity(const SegmentRecord& before, const SegmentRecord& after) {
  return before.session_id != after.session_id || before.init_file != after.init_file;
}

}  // namespace bvlive
