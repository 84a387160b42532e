// The Low-Latency HLS rules a media playlist must keep (RFC 8216bis §4.4.3.7-8, §4.4.4.9,
// §4.4.5.1-4, §6.2.5; Apple, "Enabling Low-Latency HLS"), checked on any playlist text: the
// unit tests run them on our renderer, the integration tests on what the daemon serves.
// Generic LL-HLS parsing; nothing here knows our file names.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bvtest {

// Human-readable violations ("EXT-X-PART DURATION=0.60000 exceeds PART-TARGET=0.5"), none for
// a good playlist. Checked: EXT-X-SERVER-CONTROL with CAN-BLOCK-RELOAD=YES; EXT-X-PART-INF
// whenever parts are listed; every part's DURATION at most PART-TARGET and, but for the last
// part of a segment and INDEPENDENT=YES parts, at least 85% of it; the parts before an EXTINF adding up to it (1 ms);
// PART-HOLD-BACK at least twice PART-TARGET; CAN-SKIP-UNTIL at least six target durations;
// parts listed for a run of newest segments only, covering at least the last three target
// durations unless they start at the first segment; the preload hint naming the part after
// the last listed one (the same segment's next index, or index 0 of the next segment, told
// apart by the numbers in the URIs); no open parts and no hint after EXT-X-ENDLIST; EXT-X-SKIP
// once, first, with version 9 and CAN-SKIP-UNTIL, leaving at least CAN-SKIP-UNTIL seconds
// of segments listed; rendition reports with a URI.
std::vector<std::string> ll_hls_violations(const std::string& playlist_text);

// What a player reads from a (possibly delta) playlist.
struct LlHlsSummary {
  std::int64_t media_sequence = 0;
  std::int64_t discontinuity_sequence = 0;
  std::int64_t skipped = 0;               // EXT-X-SKIP:SKIPPED-SEGMENTS
  std::vector<std::string> segment_uris;  // listed segments, in order
  std::size_t parts = 0;                  // EXT-X-PART lines
  std::size_t open_parts = 0;             // parts after the last segment
  std::int64_t last_msn = -1;             // the open segment if it has parts, else the last one
  int last_part = -1;                     // its last part index (-1: none)
  std::string preload_hint;               // EXT-X-PRELOAD-HINT TYPE=PART URI ("" = none)
  bool ended = false;
};
LlHlsSummary ll_hls_summary(const std::string& playlist_text);

// A delta update (_HLS_skip=YES) against the full playlist of the same moment: the same
// sequence numbers, SKIPPED-SEGMENTS plus the listed ones giving the full count, the listed
// ones the full playlist's newest, the same last part and hint; plus ll_hls_violations(delta).
std::vector<std::string> ll_hls_delta_violations(const std::string& full_text, const std::string& delta_text);

}  // namespace bvtest
