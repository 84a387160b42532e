// AES-128-CBC over a protected range with the 'cbcs' block pattern (ISO/IEC 23001-7 §9.6,
// §10.4), in place, with OpenSSL EVP.
//
// The chain starts from the IV at the start of every range (a range is one subsample's
// protected bytes, or a whole audio sample): 'cbcs' resets it per subsample (§10.4.1), so
// a decoder can decrypt each NAL unit without the others. Within a range the encrypted
// blocks form one CBC chain; skipped blocks are not part of it. A pattern cycle whose
// crypt blocks do not fit whole stays clear, as does a trailing partial block: CBC
// without padding keeps every sample its size.
#pragma once

#include <cstdint>
#include <span>

#include "core/media/cenc/cenc_types.hpp"

namespace bvlive::cenc {

// Encrypts `range` in place. Pattern {0, 0} encrypts every whole 16-byte block. Throws
// std::runtime_error only if OpenSSL fails.
void cbcs_encrypt(std::span<std::uint8_t> range, const Block16& key, const Block16& iv, Pattern pattern);
// The inverse, for checks and tests.
void cbcs_decrypt(std::span<std::uint8_t> range, const Block16& key, const Block16& iv, Pattern pattern);

}  // namespace bvlive::cenc
