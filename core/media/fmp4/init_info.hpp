// What the segmenter needs from an init segment's moov: per track its id, kind, timescale,
// picture size, and the trex defaults that fragments fall back on (§8.8.3).
#pragma once

#include <cstdint>
#include <vector>

#include "core/media/fmp4/box_reader.hpp"
#include "core/media/fmp4/fourcc.hpp"
#include "core/media/fmp4/parse_error.hpp"

namespace bvlive::fmp4 {

enum class TrackKind { video, audio, other };

// Per-sample defaults from 'trex' (or 'tfhd' overrides in a fragment).
struct SampleDefaults {
  std::uint32_t sample_description_index = 1;
  std::uint32_t duration = 0;
  std::uint32_t size = 0;
  std::uint32_t flags = 0;
};

struct TrackInfo {
  std::uint32_t track_id = 0;
  FourCC handler = 0;  // 'vide', 'soun', ...
  TrackKind kind = TrackKind::other;
  std::uint32_t timescale = 0;  // mdhd ticks per second
  // tkhd width/height, integer part of the 16.16 fixed-point value (0 for audio).
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  bool has_trex = false;
  SampleDefaults defaults;
};

struct InitInfo {
  std::uint32_t movie_timescale = 0;  // mvhd
  std::vector<TrackInfo> tracks;

  const TrackInfo* find(std::uint32_t track_id) const;
  // The first video track, which drives segment timing; null for audio-only.
  const TrackInfo* video() const;
};

// Parses the payload of a 'moov' box. Every track needs tkhd, mdhd (non-zero timescale)
// and hdlr; a trex for an unknown track is an error.
Parsed<InitInfo> parse_moov(ByteSpan moov_payload);

}  // namespace bvlive::fmp4
