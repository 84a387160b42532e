// One LL-HLS partial segment (RFC 8216bis §4.4.4.9, EXT-X-PART): a run of fragments at the
// start of, or inside, a media segment, published before the segment is complete so that
// players can start on it. Files sit beside their segment: "S/seg_00000042.p3.m4s" is part 3
// of "S/seg_00000042.m4s".
#pragma once

#include <cstdint>
#include <string>

#include "util/time.hpp"

namespace bvlive::hls {

struct PartRecord {
  std::string live_id;
  std::string session_id;
  std::string rendition;  // "" or the ladder rung, as in SegmentRecord
  std::int64_t seq = 0;   // the parent segment's media sequence number
  int index = 0;          // 0, 1, 2, ... within the parent segment
  double duration = 0;    // seconds
  bool independent = false;  // starts with a keyframe (EXT-X-PART INDEPENDENT=YES)
  std::string file;       // "SESSION/seg_00000042.p3.m4s"
  std::int64_t bytes = 0;
  // The parent segment's EXT-X-PROGRAM-DATE-TIME (what its SegmentRecord will say): which
  // AES-128 key period its parts are sealed in.
  TimeMs program_date_time = 0;

  bool operator==(const PartRecord&) const = default;
};

// The file of part `index` of the segment stored as `segment_file`: ".pINDEX" goes before the
// extension, the folder stays ("S/720p/seg_00000042.m4s", 3 -> "S/720p/seg_00000042.p3.m4s").
inline std::string part_file(const std::string& segment_file, int index) {
  const std::size_t slash = segment_file.rfind('/');
  const std::size_t base = slash == std::string::npos ? 0 : slash + 1;
  std::size_t dot = segment_file.rfind('.');
  if (dot == std::string::npos || dot <= base) dot = segment_file.size();  // no extension
  return segment_file.substr(0, dot) + ".p" + std::to_string(index) + segment_file.substr(dot);
}

}  // namespace bvlive::hls
