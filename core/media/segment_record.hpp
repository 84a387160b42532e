// One media segment of a live as the segment index keeps it (SQLite table `segments`):
// what the playlists list and the origin serves. Files are relative to the live's media
// folder (STATE_DIR/media/LIVE_ID/), one sub-folder per session.
#pragma once

#include <cstdint>
#include <string>

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

}  // namespace bvlive
