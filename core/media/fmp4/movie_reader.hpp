// Reads the sample tables of a (non-fragmented) MP4 movie's moov (ISO/IEC 14496-12 §8.6-8.7:
// stts, ctts, stss, stsz/stz2, stsc, stco/co64) into one list of samples per track: where
// each sample's bytes are in the file, its decode time, composition offset and whether a
// decoder can start there. What a simulive needs to play a library video without ffmpeg.
// Edit lists are not applied: a track starts at its first sample's decode time.
#pragma once

#include <cstdint>
#include <vector>

#include "core/media/fmp4/box_builder.hpp"
#include "core/media/fmp4/init_info.hpp"
#include "core/media/fmp4/parse_error.hpp"
#include "core/media/fmp4/sample_entry.hpp"

namespace bvlive::fmp4 {

struct MovieSample {
  std::uint64_t offset = 0;  // in the file
  std::uint32_t size = 0;
  std::int64_t dts = 0;      // track timescale
  std::int32_t composition_offset = 0;
  bool sync = true;
};

struct MovieTrack {
  std::uint32_t track_id = 0;
  TrackKind kind = TrackKind::other;
  std::uint32_t timescale = 0;
  FourCC entry_type = 0;     // 'avc1', 'hvc1', 'mp4a', ...
  Bytes config;              // see SampleEntryInfo::config
  std::uint8_t object_type = 0;
  std::vector<MovieSample> samples;
};

struct Movie {
  std::vector<MovieTrack> tracks;  // audio and video tracks, in trak order
};

// At most this many samples a track: a guard against allocating for a hostile count.
inline constexpr std::uint32_t kMaxMovieSamples = 50'000'000;

// `file_size`: samples must lie inside the file. A track whose tables disagree or point
// outside it is an error naming the table.
Parsed<Movie> read_movie(ByteSpan moov_payload, std::uint64_t file_size);

}  // namespace bvlive::fmp4
