// Writes one movie fragment, moof then mdat (ISO/IEC 14496-12 §8.8.4-8.8.12), from samples
// the remuxer holds: per track a tfhd with default-base-is-moof (the segmenter copies
// fragments out of the stream, so sample data is located from each fragment's own moof), a
// version 1 tfdt (64-bit decode time) and a version 1 trun (signed composition offsets).
// The FragmentInfo a reader would parse from it comes along, so nobody parses it again.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/media/fmp4/box_builder.hpp"
#include "core/media/fmp4/fragment_info.hpp"
#include "core/media/fmp4/stream_splitter.hpp"

namespace bvlive::fmp4 {

struct FragmentSample {
  std::uint32_t duration = 0;          // track timescale ticks
  std::int32_t composition_offset = 0;
  bool sync = false;
  std::span<const std::uint8_t> data;  // must stay valid during write_fragment
};

struct TrackRun {
  std::uint32_t track_id = 1;
  TrackKind kind = TrackKind::video;
  std::uint32_t timescale = 90'000;
  std::uint64_t base_decode_time = 0;
  std::vector<FragmentSample> samples;
};

// Tracks without samples are left out. `stream_has_video`: whether the init segment declares
// a video track (see FragmentInfo::starts_independent).
Fragment write_fragment(std::uint32_t sequence_number, const std::vector<TrackRun>& tracks, bool stream_has_video);

}  // namespace bvlive::fmp4
