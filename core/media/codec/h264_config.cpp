#include "core/media/codec/h264_config.hpp"
#include "util/hex.hpp"

#include <cstdio>

#include "core/media/codec/bit_reader.hpp"
#include "core/media/codec/nal_units.hpp"
#include "core/media/codec/vui.hpp"
#include "core/media/fmp4/byte_cursor.hpp"

namespace bvlive::codec {
namespace {

ParseError error(const std::string& message) { return ParseError{"h264: " + message}; }

constexpr std::uint8_t kNalSps = 7;
constexpr std::uint8_t kNalPps = 8;

// The profiles whose SPS carries chroma_format_idc, bit depths and scaling matrices
// (§7.3.2.1.1, plus the withdrawn High 4:4:4 profile 144 that old encoders still emit), and
// the ones whose avcC carries the extension (ISO/IEC 14496-15 §5.3.3.1.2).
bool has_chroma_info(int profile_idc) {
  switch (profile_idc) {
    case 100: case 110: case 122: case 244: case 44: case 83: case 144:
    case 86: case 118: case 128: case 138: case 139: case 134: case 135:
      return true;
    default:
      return false;
  }
}
bool avcc_has_extension(int profile) {
  return profile == 100 || profile == 110 || profile == 122 || profile == 144;
}

std::uint8_t nal_type(ByteSpan nal) { return nal.empty() ? 0 : nal[0] & 0x1Fu; }

// scaling_list() (§7.3.2.1.1.1): only the delta_scale values are coded; parsed to skip them.
void skip_scaling_list(BitReader& in, int size) {
  int last_scale = 8;
  int next_scale = 8;
  for (int j = 0; j < size && !in.failed(); ++j) {
    if (next_scale != 0) {
      const std::int32_t delta_scale = in.se();
      next_scale = static_cast<int>((last_scale + static_cast<std::int64_t>(delta_scale) + 256) % 256);
      if (next_scale < 0) next_scale += 256;
    }
    if (next_scale != 0) last_scale = next_scale;
  }
}

// The SPS fields from profile_idc through the bit depths: all that avcC needs, and the part
// of the SPS that cannot be misread by a parser that stops early.
bool read_sps_head(BitReader& in, H264Sps& sps, std::string& why) {
  sps.profile_idc = static_cast<int>(in.bits(8));
  sps.constraint_flags = static_cast<int>(in.bits(8));
  sps.level_idc = static_cast<int>(in.bits(8));
  const std::uint32_t sps_id = in.ue();
  if (sps_id > 31) {
    why = "seq_parameter_set_id out of range";
    return false;
  }
  sps.seq_parameter_set_id = static_cast<int>(sps_id);
  if (!has_chroma_info(sps.profile_idc)) return !in.failed();
  const std::uint32_t chroma = in.ue();
  if (chroma > 3) {
    why = "chroma_format_idc out of range";
    return false;
  }
  sps.chroma_format_idc = static_cast<int>(chroma);
  if (chroma == 3) sps.separate_colour_plane = in.bit();
  const std::uint32_t luma_minus8 = in.ue();
  const std::uint32_t chroma_minus8 = in.ue();
  if (luma_minus8 > 6 || chroma_minus8 > 6) {
    why = "bit depth out of range";
    return false;
  }
  sps.bit_depth_luma = 8 + static_cast<int>(luma_minus8);
  sps.bit_depth_chroma = 8 + static_cast<int>(chroma_minus8);
  return !in.failed();
}

// vui_parameters() (§E.1.1) up to the timing information, which is all the muxer uses.
void read_vui_until_timing(BitReader& in, H264Sps& sps) {
  const AspectRatio sar = read_vui_common(in);
  sps.sar_width = sar.width;
  sps.sar_height = sar.height;
  if (in.bit()) {  // timing_info_present_flag
    const std::uint32_t num_units_in_tick = in.bits(32);
    const std::uint32_t time_scale = in.bits(32);
    // A frame is two fields (ticks) in H.264 timing: frame rate = time_scale / (2 * tick).
    if (!in.failed() && num_units_in_tick != 0 && time_scale != 0)
      sps.frame_rate = static_cast<double>(time_scale) / (2.0 * num_units_in_tick);
  }
}

void put16(Bytes& out, std::size_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value));
}

std::string hex2(unsigned value) {
  const std::uint8_t byte = static_cast<std::uint8_t>(value);
  return hex_encode(std::span<const std::uint8_t>(&byte, 1));
}

// A count-prefixed list of 16-bit-length-prefixed parameter sets, as in avcC.
bool read_parameter_sets(fmp4::ByteCursor& in, ByteSpan record, std::size_t count,
                         std::vector<Bytes>& out) {
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t length = in.u16();
    if (in.failed() || length == 0 || length > in.remaining()) return false;
    const auto unit = record.subspan(in.position(), length);
    out.emplace_back(unit.begin(), unit.end());
    in.skip(length);
  }
  return true;
}

}  // namespace

Parsed<AvcConfig> parse_avc_config(ByteSpan avcc_record) {
  fmp4::ByteCursor in(avcc_record);
  AvcConfig config;
  const std::uint8_t version = in.u8();
  config.profile = in.u8();
  config.compatibility = in.u8();
  config.level = in.u8();
  const std::uint8_t length_size_minus_one = in.u8() & 0x03u;
  const std::size_t sps_count = in.u8() & 0x1Fu;
  if (in.failed()) return error("avcC is truncated");
  if (version != 1) return error("avcC configurationVersion is not 1");
  // lengthSizeMinusOne 2 (3-byte lengths) is not allowed (§5.3.3.1.2).
  if (length_size_minus_one == 2) return error("avcC lengthSizeMinusOne is 2");
  config.nal_length_size = length_size_minus_one + 1;
  if (!read_parameter_sets(in, avcc_record, sps_count, config.sps))
    return error("avcC sequence parameter set is truncated or empty");
  const std::size_t pps_count = in.u8();
  if (in.failed()) return error("avcC is truncated before numOfPictureParameterSets");
  if (!read_parameter_sets(in, avcc_record, pps_count, config.pps))
    return error("avcC picture parameter set is truncated or empty");

  if (avcc_has_extension(config.profile) && in.remaining() >= 4) {
    AvcConfig extended = config;
    extended.chroma_format_idc = in.u8() & 0x03u;
    extended.bit_depth_luma = 8 + (in.u8() & 0x07u);
    extended.bit_depth_chroma = 8 + (in.u8() & 0x07u);
    const std::size_t ext_count = in.u8();
    if (read_parameter_sets(in, avcc_record, ext_count, extended.sps_ext)) config = extended;
  }
  return config;
}

Parsed<H264Sps> parse_h264_sps(ByteSpan nal) {
  if (nal.size() < 4) return error("SPS is truncated");
  if ((nal[0] & 0x80u) || nal_type(nal) != kNalSps) return error("not a sequence parameter set");
  const Bytes rbsp = rbsp_of(nal.subspan(1));
  BitReader in(rbsp);
  H264Sps sps;
  std::string why;
  if (!read_sps_head(in, sps, why)) return error(why.empty() ? "SPS is truncated" : why);

  if (has_chroma_info(sps.profile_idc)) {
    in.skip(1);      // qpprime_y_zero_transform_bypass_flag
    if (in.bit()) {  // seq_scaling_matrix_present_flag
      const int lists = sps.chroma_format_idc != 3 ? 8 : 12;
      for (int i = 0; i < lists && !in.failed(); ++i)
        if (in.bit()) skip_scaling_list(in, i < 6 ? 16 : 64);
    }
  }
  if (in.ue() > 12) return error("log2_max_frame_num_minus4 out of range");
  const std::uint32_t poc_type = in.ue();
  if (poc_type > 2) return error("pic_order_cnt_type out of range");
  if (poc_type == 0) {
    if (in.ue() > 12) return error("log2_max_pic_order_cnt_lsb_minus4 out of range");
  } else if (poc_type == 1) {
    in.skip(1);  // delta_pic_order_always_zero_flag
    in.se();     // offset_for_non_ref_pic
    in.se();     // offset_for_top_to_bottom_field
    const std::uint32_t cycle = in.ue();
    if (cycle > 255) return error("num_ref_frames_in_pic_order_cnt_cycle out of range");
    for (std::uint32_t i = 0; i < cycle && !in.failed(); ++i) in.se();
  }
  in.ue();     // max_num_ref_frames
  in.skip(1);  // gaps_in_frame_num_value_allowed_flag
  const std::uint32_t width_in_mbs_minus1 = in.ue();
  const std::uint32_t height_in_map_units_minus1 = in.ue();
  sps.frame_mbs_only = in.bit();
  if (!sps.frame_mbs_only) in.skip(1);  // mb_adaptive_frame_field_flag
  in.skip(1);                           // direct_8x8_inference_flag
  std::uint32_t crop_left = 0, crop_right = 0, crop_top = 0, crop_bottom = 0;
  if (in.bit()) {  // frame_cropping_flag
    crop_left = in.ue();
    crop_right = in.ue();
    crop_top = in.ue();
    crop_bottom = in.ue();
  }
  if (in.bit()) read_vui_until_timing(in, sps);  // vui_parameters_present_flag
  if (in.failed()) return error("SPS is truncated");

  // 1024 macroblocks (16384 samples) a side is far beyond level 6.2; larger is damage.
  if (width_in_mbs_minus1 >= 1024 || height_in_map_units_minus1 >= 1024)
    return error("picture size out of range");
  // Crop units (§7.4.2.1.1, Table 6-1): chroma samples, and field pairs when not frame-only.
  const int chroma_array_type = sps.separate_colour_plane ? 0 : sps.chroma_format_idc;
  const std::int64_t sub_width = (chroma_array_type == 1 || chroma_array_type == 2) ? 2 : 1;
  const std::int64_t sub_height = chroma_array_type == 1 ? 2 : 1;
  const std::int64_t frame_factor = sps.frame_mbs_only ? 1 : 2;
  const std::int64_t crop_x = chroma_array_type == 0 ? 1 : sub_width;
  const std::int64_t crop_y = (chroma_array_type == 0 ? 1 : sub_height) * frame_factor;
  const std::int64_t coded_width = (std::int64_t{width_in_mbs_minus1} + 1) * 16;
  const std::int64_t coded_height = frame_factor * (std::int64_t{height_in_map_units_minus1} + 1) * 16;
  const std::int64_t width = coded_width - crop_x * (std::int64_t{crop_left} + crop_right);
  const std::int64_t height = coded_height - crop_y * (std::int64_t{crop_top} + crop_bottom);
  if (width <= 0 || height <= 0) return error("frame cropping exceeds the picture");
  sps.width = static_cast<int>(width);
  sps.height = static_cast<int>(height);
  return sps;
}

Bytes make_avc_config(const std::vector<ByteSpan>& sps, const std::vector<ByteSpan>& pps) {
  if (sps.empty() || sps.size() > 31 || pps.size() > 255) return {};
  for (const ByteSpan unit : sps)
    if (unit.size() < 4 || unit.size() > 0xFFFF || nal_type(unit) != kNalSps) return {};
  for (const ByteSpan unit : pps)
    if (unit.empty() || unit.size() > 0xFFFF || nal_type(unit) != kNalPps) return {};

  const ByteSpan first = sps.front();
  Bytes out;
  out.push_back(1);                                       // configurationVersion
  out.insert(out.end(), first.begin() + 1, first.begin() + 4);  // profile, compat, level
  out.push_back(0xFC | 3);                                // reserved, lengthSizeMinusOne = 3
  out.push_back(static_cast<std::uint8_t>(0xE0 | sps.size()));
  for (const ByteSpan unit : sps) {
    put16(out, unit.size());
    out.insert(out.end(), unit.begin(), unit.end());
  }
  out.push_back(static_cast<std::uint8_t>(pps.size()));
  for (const ByteSpan unit : pps) {
    put16(out, unit.size());
    out.insert(out.end(), unit.begin(), unit.end());
  }
  if (avcc_has_extension(first[1])) {
    const Bytes rbsp = rbsp_of(first.subspan(1));
    BitReader in(rbsp);
    H264Sps head;
    std::string why;
    if (!read_sps_head(in, head, why)) return {};
    out.push_back(static_cast<std::uint8_t>(0xFC | head.chroma_format_idc));
    out.push_back(static_cast<std::uint8_t>(0xF8 | (head.bit_depth_luma - 8)));
    out.push_back(static_cast<std::uint8_t>(0xF8 | (head.bit_depth_chroma - 8)));
    out.push_back(0);  // numOfSequenceParameterSetExt: SPS extensions (type 13) not carried
  }
  return out;
}

std::string avc_codecs(const AvcConfig& config, std::string_view entry) {
  return std::string(entry) + "." + hex2(config.profile) + hex2(config.compatibility) +
         hex2(config.level);
}

}  // namespace bvlive::codec
