// Groups fragments into media segments: a segment starts at an independent fragment and
// closes at the first independent fragment after it holds at least the target duration,
// so segments follow the GOP (1 s GOPs and a 2 s target give 2 s segments; 3 s GOPs give
// 3 s segments). Pure and deterministic: time comes from the fragments, not a clock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/media/fmp4/box_builder.hpp"
#include "core/media/fmp4/fragment_info.hpp"

namespace bvlive::fmp4 {

struct TimedFragment {
  double start_seconds = 0;     // decode time of its first video sample
  double duration_seconds = 0;
  bool independent = false;     // a decoder can start here
  Bytes bytes;                  // moof+mdat
};

struct Segment {
  std::uint64_t sequence_number = 0;  // 0, 1, 2, ... in the order segments close
  double start_seconds = 0;
  double duration_seconds = 0;  // from its first fragment's start to its last's end
  std::vector<Bytes> fragments;
};

// Timing of a parsed fragment from the track that drives segmentation: the video track,
// or the first track when there is no video. Empty when that track has no tfdt or
// timescale. (Fragments without tfdt would need a running sum; ffmpeg always writes one.)
std::optional<TimedFragment> timed_fragment(const FragmentInfo& info, Bytes bytes);

class SegmentCutter {
 public:
  explicit SegmentCutter(double target_seconds = 2.0) : target_seconds_(target_seconds) {}
  // `keyframe_fragments`: the packager starts every fragment at a keyframe (ffmpeg's
  // frag_keyframe without frag_duration), so a segment may close as soon as it holds the
  // target instead of waiting for the next fragment: it is listed a GOP earlier.
  SegmentCutter(double target_seconds, bool keyframe_fragments)
      : target_seconds_(target_seconds), keyframe_fragments_(keyframe_fragments) {}

  // Adds a fragment; returns the segment it closed, if it closed one. Fragments that are
  // not independent arriving before any segment has started are dropped (counted).
  std::optional<Segment> push(TimedFragment fragment);
  // Closes the open segment at the end of the stream.
  std::optional<Segment> flush();

  // Where the last pushed fragment went: its segment and its position there (an LL-HLS
  // part's parent and index). Empty when it was dropped.
  struct Placement {
    std::uint64_t sequence_number = 0;
    std::size_t index = 0;
    double segment_start_seconds = 0;
  };
  const std::optional<Placement>& last_placement() const { return placement_; }

  std::size_t dropped_fragments() const { return dropped_; }
  bool has_open_segment() const { return open_.has_value(); }

 private:
  Segment close();

  double target_seconds_;
  bool keyframe_fragments_ = false;
  std::optional<Segment> open_;
  std::uint64_t next_sequence_ = 0;
  std::size_t dropped_ = 0;
  std::optional<Placement> placement_;
};

}  // namespace bvlive::fmp4
