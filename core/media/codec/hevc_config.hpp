// H.265 decoder configuration: the hvcC record (HEVCDecoderConfigurationRecord, ISO/IEC
// 14496-15 §8.3.3.1), the sequence parameter set (ITU-T H.265 §7.3.2.2 with
// profile_tier_level §7.3.3, VUI §E.2.1) and the codecs value of ISO/IEC 14496-15 Annex E
// ("hvc1.1.6.L93.90").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/media/codec/bytes.hpp"

namespace bvlive::codec {

struct HevcConfig {
  std::uint8_t profile_space = 0;
  std::uint8_t tier_flag = 0;
  std::uint8_t profile_idc = 0;
  std::uint32_t compatibility_flags = 0;
  std::uint64_t constraint_flags = 0;  // 48 bits
  std::uint8_t level_idc = 0;
  int chroma_format_idc = 1;
  int bit_depth_luma = 8;
  int bit_depth_chroma = 8;
  int nal_length_size = 4;  // lengthSizeMinusOne + 1: 1, 2 or 4
  int num_temporal_layers = 1;
  bool temporal_id_nested = false;
  std::vector<Bytes> vps, sps, pps;  // whole NAL units, 2-byte header included
  std::vector<Bytes> sei;            // prefix/suffix SEI arrays some muxers add (x265 info)
};

// Parses an hvcC payload (from configurationVersion = 1 on). Arrays of other NAL unit types
// than VPS/SPS/PPS/SEI are skipped.
Parsed<HevcConfig> parse_hevc_config(ByteSpan hvcc_record);

struct HevcSps {
  std::uint8_t profile_space = 0;
  std::uint8_t tier_flag = 0;
  std::uint8_t profile_idc = 0;
  std::uint32_t compatibility_flags = 0;
  std::uint64_t constraint_flags = 0;  // 48 bits
  std::uint8_t level_idc = 0;
  int max_sub_layers = 1;  // sps_max_sub_layers_minus1 + 1
  bool temporal_id_nesting = false;
  int chroma_format_idc = 1;
  bool separate_colour_plane = false;
  int bit_depth_luma = 8;
  int bit_depth_chroma = 8;
  int width = 0;  // conformance window applied
  int height = 0;
  int sar_width = 1;  // sample aspect ratio from the VUI, 1:1 when absent or unspecified
  int sar_height = 1;
  double frame_rate = 0;  // vui_time_scale / vui_num_units_in_tick when present, else 0
};

// Parses a sequence parameter set NAL unit (its 2-byte header included, type 33), up to the
// VUI timing information.
Parsed<HevcSps> parse_hevc_sps(ByteSpan nal);

// An hvcC record with lengthSizeMinusOne = 3 from whole VPS (32), SPS (33) and PPS (34) NAL
// units: the general profile/tier/level, chroma format and bit depths come from the first
// SPS, and each array is marked complete (the sample entry is hvc1: no parameter sets in
// band). Empty if a list is empty, a unit has the wrong type or is too long, or the first SPS
// is unreadable.
Bytes make_hevc_config(const std::vector<ByteSpan>& vps, const std::vector<ByteSpan>& sps,
                       const std::vector<ByteSpan>& pps);

// The codecs value (ISO/IEC 14496-15 Annex E.3): entry; profile space letter (none, A, B,
// C) and profile_idc; the compatibility flags bit-reversed, in hex; L (Main tier) or H and
// level_idc; then each constraint byte in hex with trailing zero bytes omitted.
std::string hevc_codecs(const HevcConfig& config, std::string_view entry = "hvc1");

}  // namespace bvlive::codec
