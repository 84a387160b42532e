// NAL unit framing for H.264 and H.265: Annex B byte streams (ITU-T H.264 Annex B, H.265
// Annex B) as pushed over RTMP/SRT/MPEG-TS, the length-prefixed form ISO/IEC 14496-15 §4.3.2
// uses in MP4 samples, and the removal of emulation prevention bytes (H.264 §7.4.1,
// H.265 §7.4.2) that turns a NAL unit's payload into its RBSP for bit-level parsing.
#pragma once

#include <optional>
#include <vector>

#include "core/media/codec/bytes.hpp"

namespace bvlive::codec {

// The NAL units of an Annex B stream, in order, without their 3- or 4-byte start codes and
// with trailing zero bytes (trailing_zero_8bits, the next 4-byte start code's first zero)
// trimmed. Bytes before the first start code and empty units are skipped. The spans view
// `stream`.
std::vector<ByteSpan> split_annexb(ByteSpan stream);

// The NAL units of a length-prefixed sample: each unit preceded by a big-endian length of
// `length_size` bytes (1, 2 or 4, from the avcC/hvcC lengthSizeMinusOne + 1). Zero-length
// units are skipped. nullopt if `length_size` is not 1, 2 or 4, or a length (or a length
// field) runs past the end: a damaged sample must not become a shorter valid one.
std::optional<std::vector<ByteSpan>> split_length_prefixed(ByteSpan sample, int length_size);

// Appends `nal` to `out` with a 4-byte big-endian length, the form make_avc_config and
// make_hevc_config declare (lengthSizeMinusOne = 3).
void append_length_prefixed(Bytes& out, ByteSpan nal);

// The RBSP of a NAL unit (header included or not): every 0x03 that follows two zero bytes is
// an emulation_prevention_three_byte and is dropped.
Bytes rbsp_of(ByteSpan nal);

}  // namespace bvlive::codec
