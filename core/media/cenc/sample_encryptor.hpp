// Encrypts one sample in place as 'cbcs' says for its track, and says which subsample
// entries describe it (ISO/IEC 23001-7 §9.5-§9.7, §10.4).
//
// Video (AVC/HEVC): subsample encryption, layout from subsample_layout.hpp, the track's
// pattern (1:9) over each protected part, the chain restarted from the constant IV at
// each one. Audio (AAC): whole-block full-sample encryption (§9.7): every whole 16-byte
// block of the sample in one CBC chain, a trailing partial block clear, no subsample
// entries. 'cbcs' applies the pattern to NAL video only (§10.4.2); §9.1 wants
// crypt/skip 0 in 'tenc' when no pattern is in effect, hence kNoPattern for audio.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/media/cenc/track_encryption.hpp"
#include "core/media/fmp4/parse_error.hpp"

namespace bvlive::cenc {

// The subsample entries (empty for audio). An unreadable video sample is an error and
// is left as it was.
fmp4::Parsed<std::vector<Subsample>> encrypt_sample(std::span<std::uint8_t> sample, const TrackEncryption& track);

}  // namespace bvlive::cenc
