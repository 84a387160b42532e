// Common encryption of a packager's output as it comes out: per rendition, each init
// segment becomes a 'cbcs' one (init_encryptor.hpp) and each fragment, segment or LL-HLS
// part alike, is encrypted with what that init said of its tracks (fragment_encryptor.hpp).
// It sits between any packager (in-process remux or ffmpeg) and the segment writer, so
// what reaches the disk, the live playlists and the VOD is encrypted.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/media/cenc/track_encryption.hpp"
#include "core/media/fmp4/stream_splitter.hpp"

namespace bvlive::cenc {

class OutputEncryptor {
 public:
  OutputEncryptor(CencKey key, std::vector<PsshBox> pssh) : key_(key), pssh_(std::move(pssh)) {}

  // Encrypts `event` in place (a SplitError passes through). The error, naming the
  // rendition, when it cannot: a codec cbcs is not written for, a fragment before any
  // init segment, damage.
  std::optional<std::string> encrypt(std::size_t rendition, fmp4::SplitEvent& event);

 private:
  CencKey key_;
  std::vector<PsshBox> pssh_;
  std::map<std::size_t, std::vector<TrackEncryption>> tracks_;  // per rendition, from its last init
};

}  // namespace bvlive::cenc
