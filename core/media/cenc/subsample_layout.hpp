// Which bytes of a length-prefixed AVC/HEVC sample (ISO/IEC 14496-15) 'cbcs' leaves clear
// and which it protects: the subsample entries of 'senc' (ISO/IEC 23001-7 §9.5).
//
// Non-VCL NAL units (parameter sets, SEI, AUD, ...) stay entirely clear: players and
// hardware decoders read them before any licence is in. Of each VCL NAL unit (the coded
// slices) the length field and the first kClearLeadBytes bytes of the unit stay clear,
// the rest is protected (and the 1:9 pattern then encrypts 1 block in 10 of it).
//
// Why a fixed lead and not the exact slice header size: 23001-7 §10.4.2 wants the slice
// header clear, and 32 bytes (NAL header included) is the rule of Apple's Sample-AES
// (HLS "MPEG-2 Stream Encryption Format", which its FairPlay cbcs descends from); it
// covers the slice headers our encoders write (x264 with weighted prediction, ffmpeg's
// encoders) with no SPS/PPS state. It does not cover every legal header (HEVC with many
// entry points, long H.264 pred_weight_tables): parsing the slice header is the exact
// answer and a later step. A unit too short to hold one whole 16-byte block past the
// lead stays clear: the pattern would encrypt nothing in it.
//
// The protected part runs to the end of the unit, its trailing partial block included:
// the pattern leaves it clear (§9.6.1) and 'cbcs' needs no block alignment (unlike
// 'cenc' and 'cbc1'). BytesOfClearData is 16 bits: longer clear runs (a large SEI)
// become extra entries with no protected bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/media/cenc/cenc_types.hpp"

namespace bvlive::cenc {

enum class VideoCodec { avc, hevc };

inline constexpr std::size_t kClearLeadBytes = 32;

// Whether a NAL unit whose first header byte is `header` is a coded slice (VCL): H.264
// types 1-5 (§7.4.1.2), H.265 types 0-31 (§7.4.2.2).
bool is_vcl_nal(VideoCodec codec, std::uint8_t header);

// The subsample entries of `sample`, whose sizes add up to the sample's size. nullopt
// when `nal_length_size` is not 1, 2 or 4 or a unit runs past the end of the sample.
std::optional<std::vector<Subsample>> video_subsamples(ByteSpan sample, int nal_length_size, VideoCodec codec);

}  // namespace bvlive::cenc
