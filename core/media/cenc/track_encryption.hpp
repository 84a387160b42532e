// How one track is encrypted: what encrypt_init (init_encryptor.hpp) decided from the
// init segment, and what encrypt_fragment (fragment_encryptor.hpp) needs for each of the
// track's fragments. Keep it beside the init segment it came from.
#pragma once

#include <cstdint>
#include <optional>

#include "core/media/cenc/cenc_types.hpp"
#include "core/media/cenc/subsample_layout.hpp"
#include "core/media/fmp4/fourcc.hpp"

namespace bvlive::cenc {

struct TrackEncryption {
  std::uint32_t track_id = 0;
  fmp4::FourCC original_format = 0;  // 'avc1', 'hvc1', 'mp4a', ... (what 'frma' says)
  // Set for NAL video (subsample encryption with the pattern); empty for audio (whole
  // blocks of the whole sample, no subsamples).
  std::optional<VideoCodec> video;
  int nal_length_size = 4;  // avcC/hvcC lengthSizeMinusOne + 1
  Pattern pattern;          // kVideoPattern for video, kNoPattern for audio
  CencKey key;
  std::uint32_t trex_default_sample_size = 0;  // for fragments that state no sizes
};

}  // namespace bvlive::cenc
