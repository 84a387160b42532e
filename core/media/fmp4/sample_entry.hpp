// A track's first sample entry (stsd, ISO/IEC 14496-12 §8.5.2): its type and its decoder
// configuration. What the codecs string (codec_string.hpp) and the movie reader
// (movie_reader.hpp) both need from a trak.
#pragma once

#include <cstdint>

#include "core/media/fmp4/box_reader.hpp"
#include "core/media/fmp4/parse_error.hpp"

namespace bvlive::fmp4 {

struct SampleEntryInfo {
  FourCC type = 0;             // 'avc1', 'avc3', 'hvc1', 'hev1', 'av01', 'mp4a', ...
  // The configuration record: avcC / hvcC / av1C payload, or for mp4a the
  // DecoderSpecificInfo of its esds (the AudioSpecificConfig). Empty for other types.
  ByteSpan config;
  std::uint8_t object_type = 0;  // mp4a: the esds objectTypeIndication (0x40: MPEG-4 audio)
  std::uint16_t width = 0, height = 0;  // visual entries
  // An 'encv'/'enca' entry (common encryption): `type` is then its original format.
  bool encrypted = false;
};

// The first sample entry of a trak's payload (mdia > minf > stbl > stsd). An entry whose
// configuration box cannot be found or read is an error naming it.
Parsed<SampleEntryInfo> first_sample_entry(ByteSpan trak_payload);

// The payload of a box at `path` below `container_payload`, e.g. {"mdia", "minf", "stbl"}.
std::optional<Box> find_path(ByteSpan container_payload, std::initializer_list<FourCC> path);

}  // namespace bvlive::fmp4
