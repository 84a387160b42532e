#include "core/media/cenc/sample_encryptor.hpp"

#include <string>

#include "core/media/cenc/cbcs_cipher.hpp"

namespace bvlive::cenc {

fmp4::Parsed<std::vector<Subsample>> encrypt_sample(std::span<std::uint8_t> sample, const TrackEncryption& track) {
  if (!track.video) {
    cbcs_encrypt(sample, track.key.key, track.key.iv, kNoPattern);
    return std::vector<Subsample>{};
  }
  auto layout = video_subsamples(sample, track.nal_length_size, *track.video);
  if (!layout)
    return fmp4::ParseError{"cenc: track " + std::to_string(track.track_id) +
                            ": a sample's NAL unit lengths run past its end"};
  std::size_t at = 0;
  for (const Subsample& s : *layout) {
    at += s.clear;
    cbcs_encrypt(sample.subspan(at, s.protected_bytes), track.key.key, track.key.iv, track.pattern);
    at += s.protected_bytes;
  }
  return std::move(*layout);
}

}  // namespace bvlive::cenc
