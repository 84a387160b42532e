// H.264 decoder configuration: the avcC record (AVCDecoderConfigurationRecord, ISO/IEC
// 14496-15 §5.3.3.1), the sequence parameter set (ITU-T H.264 §7.3.2.1.1, VUI §E.1.1) and
// the RFC 6381 codecs value ("avc1.64001f"). The muxer builds avcC from the SPS/PPS of a
// push and reads picture size and frame rate from the SPS.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/media/codec/bytes.hpp"

namespace bvlive::codec {

struct AvcConfig {
  std::uint8_t profile = 0;        // AVCProfileIndication (profile_idc)
  std::uint8_t compatibility = 0;  // profile_compatibility (the constraint_set flags byte)
  std::uint8_t level = 0;          // AVCLevelIndication (level_idc)
  int nal_length_size = 4;         // lengthSizeMinusOne + 1: 1, 2 or 4
  std::vector<Bytes> sps, pps;     // whole NAL units, header byte included
  // The High-profile extension (profiles 100, 110, 122, 144); the 4:2:0 8-bit defaults when
  // the record has none (older muxers omit it).
  int chroma_format_idc = 1;
  int bit_depth_luma = 8;
  int bit_depth_chroma = 8;
  std::vector<Bytes> sps_ext;
};

// Parses an avcC payload (from configurationVersion = 1 on). A record truncated inside its
// High-profile extension keeps the defaults there: many muxers write it wrongly or not at all.
Parsed<AvcConfig> parse_avc_config(ByteSpan avcc_record);

struct H264Sps {
  int profile_idc = 0;
  int constraint_flags = 0;  // constraint_set0..5 flags and reserved bits, as one byte
  int level_idc = 0;
  int seq_parameter_set_id = 0;
  int chroma_format_idc = 1;
  bool separate_colour_plane = false;
  int bit_depth_luma = 8;
  int bit_depth_chroma = 8;
  bool frame_mbs_only = true;  // false: the stream may carry fields (interlaced)
  int width = 0;               // after frame cropping
  int height = 0;
  int sar_width = 1;  // sample aspect ratio from the VUI, 1:1 when absent or unspecified
  int sar_height = 1;
  double frame_rate = 0;  // time_scale / (2 * num_units_in_tick) from VUI timing, else 0
};

// Parses a sequence parameter set NAL unit (its 1-byte header included, type 7), up to the
// VUI timing information.
Parsed<H264Sps> parse_h264_sps(ByteSpan nal);

// An avcC record with lengthSizeMinusOne = 3 (4-byte lengths, as append_length_prefixed
// writes) from whole SPS (type 7) and PPS (type 8) NAL units; profile, compatibility and
// level come from the first SPS, and for profiles 100/110/122/144 the chroma format and bit
// depths it declares are added as §5.3.3.1.2 requires. Empty if there is no SPS, a unit is
// of the wrong type, too long for its 16-bit length or too many, or the first SPS is unreadable.
Bytes make_avc_config(const std::vector<ByteSpan>& sps, const std::vector<ByteSpan>& pps);

// The RFC 6381 §3.3 codecs value: entry, then profile, compatibility and level as 2 hex
// digits each: "avc1.64001f".
std::string avc_codecs(const AvcConfig& config, std::string_view entry = "avc1");

}  // namespace bvlive::codec
