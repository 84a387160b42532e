// Cuts the outputs of one transcoding ffmpeg (one fMP4 stream per rendition of a ladder)
// into segments that line up across renditions, so a player can switch between variants
// at any segment boundary and segment N of every rendition covers the same time.
//
// Rendition 0 leads: a SegmentCutter decides its segments from its keyframes. The others
// follow: every follower fragment goes to the leader segment that holds its midpoint. The
// renditions have keyframes on the same source frames (forced by the packager), but their
// timestamps may differ by a few tens of milliseconds (encoder delay, millisecond FLV
// times), so boundaries are matched by nearest time, not by equality. A follower closes
// its segment as soon as its next fragment would most likely fall after the leader's
// boundary, and waits while the leader has not decided yet (a leader slower than its
// followers: the top rung of an all-transcoded ladder). Pure: time comes from the fragments.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <vector>

#include "media/fmp4/segment_cutter.hpp"

namespace bvlive::fmp4 {

struct AlignedSegment {
  std::size_t rendition = 0;
  Segment segment;  // sequence_number: the leader's, the same in every rendition
};

class RenditionAligner {
 public:
  RenditionAligner(std::size_t renditions, double target_seconds);

  // Adds a fragment of one rendition; returns the segments that closed, in any rendition.
  std::vector<AlignedSegment> push(std::size_t rendition, TimedFragment fragment);
  // End of the stream: closes the leader's open segment, then everything followers hold.
  std::vector<AlignedSegment> flush();

  std::size_t renditions() const { return 1 + followers_.size(); }

 private:
  struct Follower {
    std::deque<TimedFragment> pending;  // not yet placed in a leader segment
    std::optional<Segment> open;
    std::uint64_t index = 0;            // the leader segment being built
  };

  void place(std::size_t rendition, Follower& f, std::vector<AlignedSegment>& out);
  static void close(std::size_t rendition, Follower& f, std::vector<AlignedSegment>& out);

  SegmentCutter leader_;
  std::vector<double> leader_ends_;  // end time of each leader segment, by sequence number
  bool leader_done_ = false;
  std::vector<Follower> followers_;  // renditions 1..n
};

}  // namespace bvlive::fmp4
