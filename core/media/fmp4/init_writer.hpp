// Writes an init segment (ftyp + moov with an mvex) for fragmented MP4 (ISO/IEC 14496-12
// §8.8): what the in-process remuxer gives players as EXT-X-MAP. Every track is declared
// with empty sample tables; its samples come in fragments (fragment_writer.hpp).
#pragma once

#include <cstdint>
#include <vector>

#include "core/media/fmp4/box_builder.hpp"
#include "core/media/fmp4/init_info.hpp"

namespace bvlive::fmp4 {

struct TrackEntry {
  std::uint32_t track_id = 1;
  TrackKind kind = TrackKind::video;
  std::uint32_t timescale = 90'000;
  FourCC sample_entry = fourcc("avc1");  // 'avc1', 'hvc1', 'av01', 'mp4a'
  // The decoder configuration record: the payload of avcC / hvcC / av1C, or for mp4a the
  // AudioSpecificConfig (wrapped in an esds here).
  Bytes config;
  std::uint16_t width = 0, height = 0;                 // video
  std::uint32_t sample_rate = 0;                       // audio
  std::uint16_t channels = 0;                          // audio
};

// ftyp then moov. The tracks' order is the order of their trak boxes.
Bytes write_init_segment(const std::vector<TrackEntry>& tracks);

// The InitInfo a parse of write_init_segment's moov would give, without parsing it.
InitInfo init_info_of(const std::vector<TrackEntry>& tracks);

}  // namespace bvlive::fmp4
