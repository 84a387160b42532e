// The values Common Encryption (ISO/IEC 23001-7) is made of, shared by the cipher, the
// subsample layout and the box writers: a content key with its KID and constant IV, the
// encryption pattern, a subsample entry, a 'pssh' to declare, and the DRM system ids.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "core/media/fmp4/box_builder.hpp"
#include "core/media/fmp4/box_reader.hpp"

namespace bvlive::cenc {

using fmp4::Bytes;
using fmp4::ByteSpan;
using Block16 = std::array<std::uint8_t, 16>;

// One content key. 'cbcs' as CMAF uses it (ISO/IEC 23000-19 §8.2.3) carries no IV per
// sample: the constant IV in 'tenc' starts the CBC chain of every subsample (§10.4.1 of
// 23001-7), so the IV belongs to the key, not to samples.
struct CencKey {
  Block16 kid{};  // default_KID, what a licence request names
  Block16 key{};  // AES-128
  Block16 iv{};   // default_constant_IV
};

// crypt_byte_block:skip_byte_block, in 16-byte blocks (23001-7 §9.6). {0, 0} is "no
// pattern": every whole block of the protected range is encrypted (§9.7, whole-block
// full-sample encryption, what 'cbcs' prescribes for tracks other than NAL video).
struct Pattern {
  std::uint8_t crypt = 0;
  std::uint8_t skip = 0;
  friend bool operator==(const Pattern&, const Pattern&) = default;
};

// The 1:9 pattern 23001-7 §10.4.2 recommends and Apple's FairPlay requires for video.
inline constexpr Pattern kVideoPattern{1, 9};
inline constexpr Pattern kNoPattern{0, 0};

// A subsample entry of 'senc' (23001-7 §7.2.2): clear bytes, then protected bytes.
struct Subsample {
  std::uint16_t clear = 0;
  std::uint32_t protected_bytes = 0;
  friend bool operator==(const Subsample&, const Subsample&) = default;
};

// A 'pssh' to put in the init segment (23001-7 §8.1): version 1, listing KIDs.
struct PsshBox {
  Block16 system_id{};
  std::vector<Block16> kids;
  Bytes data;  // the DRM system's own payload (may be empty, as for ClearKey)
  // A whole box as a key server gave it (CPIX PSSH): written as is, the fields above unused.
  Bytes box;
};

// SystemIDs from the DASH-IF registry (dashif.org/identifiers/content_protection).
inline constexpr Block16 kClearKeySystemId{0x10, 0x77, 0xef, 0xec, 0xc0, 0xb2, 0x4d, 0x02,
                                           0xac, 0xe3, 0x3c, 0x1e, 0x52, 0xe2, 0xfb, 0x4b};
inline constexpr Block16 kWidevineSystemId{0xed, 0xef, 0x8b, 0xa9, 0x79, 0xd6, 0x4a, 0xce,
                                           0xa3, 0xc8, 0x27, 0xdc, 0xd5, 0x1d, 0x21, 0xed};
inline constexpr Block16 kPlayReadySystemId{0x9a, 0x04, 0xf0, 0x79, 0x98, 0x40, 0x42, 0x86,
                                            0xab, 0x92, 0xe6, 0x5b, 0xe0, 0x88, 0x5f, 0x95};

}  // namespace bvlive::cenc
