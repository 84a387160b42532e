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
#include <utility>
#include <vector>

#include "core/media/fmp4/segment_cutter.hpp"

namespace bvlive::fmp4 {

struct AlignedSegment {
  std::size_t rendition = 0;
  Segment segment;  // sequence_number: the leader's, the same in every rendition
};

// A fragment as it joins its segment: an LL-HLS partial segment, published before the
// segment closes. A follower's fragment is placed once the leader has reached its time.
struct PlacedFragment {
  std::size_t rendition = 0;
  std::uint64_t sequence_number = 0;  // the segment it belongs to (the leader's numbering)
  std::size_t index = 0;              // its position in that segment: 0, 1, 2, ...
  double segment_start_seconds = 0;   // where that segment starts
  double start_seconds = 0;
  double duration_seconds = 0;
  bool independent = false;
  Bytes bytes;                        // a copy: the segment keeps its own
};

struct AlignerOptions {
  // Every fragment starts at a keyframe (ffmpeg's frag_keyframe alone): the leader closes a
  // segment as soon as it holds the target. False when fragments are also cut by duration
  // (LL-HLS parts): a segment then closes at the first keyframe fragment past the target.
  bool keyframe_fragments = true;
  // Keep a PlacedFragment of every fragment placed, for take_placed().
  bool report_placed = false;
};

class RenditionAligner {
 public:
  RenditionAligner(std::size_t renditions, double target_seconds, AlignerOptions options = {});

  // Adds a fragment of one rendition; returns the segments that closed, in any rendition.
  std::vector<AlignedSegment> push(std::size_t rendition, TimedFragment fragment);
  // End of the stream: closes the leader's open segment, then everything followers hold.
  std::vector<AlignedSegment> flush();

  // The fragments placed since the last call, in the order they were placed (with
  // options.report_placed). Call after push() or flush(), once their closed segments are handled.
  std::vector<PlacedFragment> take_placed() { return std::exchange(placed_, {}); }

  std::size_t renditions() const { return 1 + followers_.size(); }

 private:
  struct Follower {
    std::deque<TimedFragment> pending;  // not yet placed in a leader segment
    std::optional<Segment> open;
    std::uint64_t index = 0;            // the leader segment being built
  };

  void place(std::size_t rendition, Follower& f, std::vector<AlignedSegment>& out);
  static void close(std::size_t rendition, Follower& f, std::vector<AlignedSegment>& out);
  void report(std::size_t rendition, const Segment& segment, std::size_t index, const TimedFragment& fragment);

  SegmentCutter leader_;
  std::vector<double> leader_ends_;  // end time of each leader segment, by sequence number
  bool leader_done_ = false;
  std::vector<Follower> followers_;  // renditions 1..n
  bool keyframe_fragments_ = true;
  bool report_placed_ = false;
  std::vector<PlacedFragment> placed_;
};

}  // namespace bvlive::fmp4
