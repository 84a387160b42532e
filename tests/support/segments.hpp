// Segment index records for playlist tests: sessions of back-to-back segments.
#pragma once

#include <string>
#include <vector>

#include "core/media/segment_record.hpp"
#include "util/time.hpp"

namespace bvtest {

inline const bvlive::TimeMs kSegmentsT0 = *bvlive::parse_rfc3339("2026-11-24T10:00:00Z");

// `count` back-to-back segments of one session, continuing `into`'s seq; the session starts
// `gap_ms` after the previous one ended (the first at kSegmentsT0).
inline void add_session(std::vector<bvlive::SegmentRecord>& into, const std::string& session, int count,
                        double duration = 2.0, bvlive::TimeMs gap_ms = 5000) {
  std::int64_t seq = into.empty() ? 0 : into.back().seq + 1;
  bvlive::TimeMs t = into.empty() ? kSegmentsT0
                                  : into.back().program_date_time +
                                        static_cast<bvlive::TimeMs>(into.back().duration * 1000) + gap_ms;
  for (int i = 0; i < count; ++i, ++seq) {
    bvlive::SegmentRecord s;
    s.live_id = "live1";
    s.session_id = session;
    s.seq = seq;
    s.duration = duration;
    s.program_date_time = t;
    s.file = session + "/seg_" + std::to_string(seq) + ".m4s";
    s.init_file = session + "/init.mp4";
    s.bytes = 1000;
    into.push_back(s);
    t += static_cast<bvlive::TimeMs>(duration * 1000);
  }
}

}  // namespace bvtest
