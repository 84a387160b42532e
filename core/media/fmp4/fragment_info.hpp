// What the segmenter needs from a 'moof' (ISO/IEC 14496-12 §8.8.4-8.8.12): its sequence
// number and, per track fragment, the decode time and every sample's duration, size,
// flags and composition offset with tfhd and trex defaults applied.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/media/fmp4/box_reader.hpp"
#include "core/media/fmp4/init_info.hpp"
#include "core/media/fmp4/parse_error.hpp"

namespace bvlive::fmp4 {

// tfhd flags (§8.8.7).
inline constexpr std::uint32_t kTfhdBaseDataOffset = 0x000001;
inline constexpr std::uint32_t kTfhdSampleDescriptionIndex = 0x000002;
inline constexpr std::uint32_t kTfhdDefaultSampleDuration = 0x000008;
inline constexpr std::uint32_t kTfhdDefaultSampleSize = 0x000010;
inline constexpr std::uint32_t kTfhdDefaultSampleFlags = 0x000020;
inline constexpr std::uint32_t kTfhdDurationIsEmpty = 0x010000;
inline constexpr std::uint32_t kTfhdDefaultBaseIsMoof = 0x020000;

// trun flags (§8.8.8).
inline constexpr std::uint32_t kTrunDataOffset = 0x000001;
inline constexpr std::uint32_t kTrunFirstSampleFlags = 0x000004;
inline constexpr std::uint32_t kTrunSampleDuration = 0x000100;
inline constexpr std::uint32_t kTrunSampleSize = 0x000200;
inline constexpr std::uint32_t kTrunSampleFlags = 0x000400;
inline constexpr std::uint32_t kTrunSampleCompositionTimeOffset = 0x000800;

struct SampleInfo {
  std::uint32_t duration = 0;
  std::uint32_t size = 0;
  std::uint32_t flags = 0;
  std::int64_t composition_offset = 0;  // signed in trun version 1
};

struct TrackFragmentInfo {
  std::uint32_t track_id = 0;
  TrackKind kind = TrackKind::other;
  std::uint32_t timescale = 0;
  std::uint32_t tfhd_flags = 0;
  std::optional<std::uint64_t> base_data_offset;
  SampleDefaults defaults;  // trex, overridden by whatever tfhd carries
  // tfdt (§8.8.12); absent in fragments that rely on the sum of earlier durations.
  std::optional<std::uint64_t> base_media_decode_time;
  std::vector<SampleInfo> samples;  // every trun, in order
  std::uint64_t total_duration = 0;  // in timescale ticks

  bool starts_independent() const { return !samples.empty() && sample_is_sync_at(0); }
  bool sample_is_sync_at(std::size_t index) const;
};

struct FragmentInfo {
  std::uint32_t sequence_number = 0;
  std::vector<TrackFragmentInfo> tracks;
  bool stream_has_video = false;  // the init segment declares a video track

  const TrackFragmentInfo* find(std::uint32_t track_id) const;
  const TrackFragmentInfo* video() const;
  // Where a decoder can start: the video track's first sample is sync. In an audio-only
  // stream every fragment is; in a stream with video, a fragment without video is not
  // (the video after it would start mid-GOP).
  bool starts_independent() const;
};

// Upper bound on samples in one trun: a guard against allocating for a hostile count when
// the samples carry no per-sample fields and so cost no bytes.
inline constexpr std::uint32_t kMaxSamplesPerTrun = 1u << 20;

// Parses the payload of a 'moof'; tracks not in `init` are an error.
Parsed<FragmentInfo> parse_moof(ByteSpan moof_payload, const InitInfo& init);

}  // namespace bvlive::fmp4
