#include "core/media/codec/hevc_config.hpp"

#include <algorithm>
#include <cstdio>

#include "core/media/codec/bit_reader.hpp"
#include "core/media/codec/nal_units.hpp"
#include "core/media/codec/vui.hpp"
#include "core/media/fmp4/byte_cursor.hpp"

namespace bvlive::codec {
namespace {

ParseError error(const std::string& message) { return ParseError{"hevc: " + message}; }

constexpr int kNalVps = 32;
constexpr int kNalSps = 33;
constexpr int kNalPps = 34;
constexpr int kNalPrefixSei = 39;
constexpr int kNalSuffixSei = 40;

int nal_type(ByteSpan nal) { return nal.empty() ? -1 : (nal[0] >> 1) & 0x3F; }

struct ProfileTierLevel {
  std::uint8_t profile_space = 0;
  std::uint8_t tier_flag = 0;
  std::uint8_t profile_idc = 0;
  std::uint32_t compatibility_flags = 0;
  std::uint64_t constraint_flags = 0;
  std::uint8_t level_idc = 0;
};

// profile_tier_level(1, maxNumSubLayersMinus1) (§7.3.3): the general fields, then the
// sub-layer ones, which are skipped.
ProfileTierLevel read_profile_tier_level(BitReader& in, unsigned max_sub_layers_minus1) {
  ProfileTierLevel ptl;
  ptl.profile_space = static_cast<std::uint8_t>(in.bits(2));
  ptl.tier_flag = static_cast<std::uint8_t>(in.bits(1));
  ptl.profile_idc = static_cast<std::uint8_t>(in.bits(5));
  ptl.compatibility_flags = in.bits(32);
  // progressive_source_flag .. general_inbld_flag/reserved: exactly the 48 bits hvcC copies.
  const std::uint64_t high = in.bits(16);
  ptl.constraint_flags = (high << 32) | in.bits(32);
  ptl.level_idc = static_cast<std::uint8_t>(in.bits(8));
  bool profile_present[8] = {};
  bool level_present[8] = {};
  for (unsigned i = 0; i < max_sub_layers_minus1; ++i) {
    profile_present[i] = in.bit();
    level_present[i] = in.bit();
  }
  if (max_sub_layers_minus1 > 0)
    for (unsigned i = max_sub_layers_minus1; i < 8; ++i) in.skip(2);  // reserved_zero_2bits
  for (unsigned i = 0; i < max_sub_layers_minus1; ++i) {
    if (profile_present[i]) in.skip(88);  // sub_layer profile space .. constraint flags
    if (level_present[i]) in.skip(8);     // sub_layer_level_idc
  }
  return ptl;
}

// scaling_list_data() (§7.3.4): parsed only to skip it.
void skip_scaling_list_data(BitReader& in) {
  for (int size_id = 0; size_id < 4 && !in.failed(); ++size_id) {
    for (int matrix_id = 0; matrix_id < 6; matrix_id += size_id == 3 ? 3 : 1) {
      if (!in.bit()) {  // scaling_list_pred_mode_flag
        in.ue();        // scaling_list_pred_matrix_id_delta
        continue;
      }
      const int coefficients = std::min(64, 1 << (4 + (size_id << 1)));
      if (size_id > 1) in.se();  // scaling_list_dc_coef_minus8
      for (int i = 0; i < coefficients && !in.failed(); ++i) in.se();
    }
  }
}

// st_ref_pic_set(idx) (§7.3.7) as it appears in the SPS; returns false on out-of-range
// values. num_delta_pocs keeps NumDeltaPocs of each set, which inter prediction refers to.
bool skip_st_ref_pic_set(BitReader& in, unsigned idx, std::vector<unsigned>& num_delta_pocs) {
  bool inter_prediction = idx != 0 && in.bit();
  if (inter_prediction) {
    // delta_idx_minus1 is only coded in slice headers: in the SPS the reference is idx - 1.
    in.bit();  // delta_rps_sign
    in.ue();   // abs_delta_rps_minus1
    const unsigned reference = num_delta_pocs[idx - 1];
    unsigned count = 0;
    for (unsigned j = 0; j <= reference && !in.failed(); ++j) {
      const bool used_by_curr_pic = in.bit();
      const bool use_delta = used_by_curr_pic || in.bit();
      if (use_delta) ++count;
    }
    if (count > 32) return false;
    num_delta_pocs[idx] = count;
    return true;
  }
  const std::uint32_t negative = in.ue();
  const std::uint32_t positive = in.ue();
  if (negative > 16 || positive > 16) return false;
  for (std::uint32_t i = 0; i < negative + positive && !in.failed(); ++i) {
    in.ue();     // delta_poc_s0/s1_minus1
    in.skip(1);  // used_by_curr_pic_s0/s1_flag
  }
  num_delta_pocs[idx] = negative + positive;
  return true;
}

// vui_parameters() (§E.2.1) up to the timing information.
void read_vui_until_timing(BitReader& in, HevcSps& sps) {
  const AspectRatio sar = read_vui_common(in);
  sps.sar_width = sar.width;
  sps.sar_height = sar.height;
  in.skip(3);      // neutral_chroma_indication, field_seq, frame_field_info_present flags
  if (in.bit()) {  // default_display_window_flag
    for (int i = 0; i < 4; ++i) in.ue();
  }
  if (in.bit()) {  // vui_timing_info_present_flag
    const std::uint32_t num_units_in_tick = in.bits(32);
    const std::uint32_t time_scale = in.bits(32);
    if (!in.failed() && num_units_in_tick != 0 && time_scale != 0)
      sps.frame_rate = static_cast<double>(time_scale) / num_units_in_tick;
  }
}

void put16(Bytes& out, std::size_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value));
}

void put_array(Bytes& out, int type, const std::vector<ByteSpan>& units) {
  out.push_back(static_cast<std::uint8_t>(0x80 | type));  // array_completeness = 1
  put16(out, units.size());
  for (const ByteSpan unit : units) {
    put16(out, unit.size());
    out.insert(out.end(), unit.begin(), unit.end());
  }
}

}  // namespace

Parsed<HevcConfig> parse_hevc_config(ByteSpan hvcc_record) {
  fmp4::ByteCursor in(hvcc_record);
  HevcConfig config;
  const std::uint8_t version = in.u8();
  const std::uint8_t profile = in.u8();
  config.profile_space = profile >> 6;
  config.tier_flag = (profile >> 5) & 1u;
  config.profile_idc = profile & 0x1Fu;
  config.compatibility_flags = in.u32();
  const std::uint64_t high = in.u16();
  config.constraint_flags = (high << 32) | in.u32();
  config.level_idc = in.u8();
  in.u16();  // min_spatial_segmentation_idc
  in.u8();   // parallelismType
  config.chroma_format_idc = in.u8() & 0x03;
  config.bit_depth_luma = 8 + (in.u8() & 0x07);
  config.bit_depth_chroma = 8 + (in.u8() & 0x07);
  in.u16();  // avgFrameRate
  const std::uint8_t flags = in.u8();
  config.num_temporal_layers = (flags >> 3) & 0x07;
  config.temporal_id_nested = (flags >> 2) & 1u;
  const int length_size_minus_one = flags & 0x03;
  const std::size_t arrays = in.u8();
  if (in.failed()) return error("hvcC is truncated");
  if (version != 1) return error("hvcC configurationVersion is not 1");
  if (length_size_minus_one == 2) return error("hvcC lengthSizeMinusOne is 2");
  config.nal_length_size = length_size_minus_one + 1;

  for (std::size_t a = 0; a < arrays; ++a) {
    const int type = in.u8() & 0x3F;
    const std::size_t count = in.u16();
    if (in.failed()) return error("hvcC array is truncated");
    std::vector<Bytes>* target = nullptr;
    if (type == kNalVps) target = &config.vps;
    if (type == kNalSps) target = &config.sps;
    if (type == kNalPps) target = &config.pps;
    if (type == kNalPrefixSei || type == kNalSuffixSei) target = &config.sei;
    for (std::size_t i = 0; i < count; ++i) {
      const std::size_t length = in.u16();
      if (in.failed() || length == 0 || length > in.remaining())
        return error("hvcC NAL unit is truncated or empty");
      const auto unit = hvcc_record.subspan(in.position(), length);
      if (target) target->emplace_back(unit.begin(), unit.end());
      in.skip(length);
    }
  }
  return config;
}

Parsed<HevcSps> parse_hevc_sps(ByteSpan nal) {
  if (nal.size() < 3) return error("SPS is truncated");
  if ((nal[0] & 0x80u) || nal_type(nal) != kNalSps) return error("not a sequence parameter set");
  const Bytes rbsp = rbsp_of(nal.subspan(2));
  BitReader in(rbsp);
  HevcSps sps;
  in.skip(4);  // sps_video_parameter_set_id
  const unsigned max_sub_layers_minus1 = in.bits(3);
  if (max_sub_layers_minus1 > 6) return error("sps_max_sub_layers_minus1 out of range");
  sps.max_sub_layers = static_cast<int>(max_sub_layers_minus1) + 1;
  sps.temporal_id_nesting = in.bit();
  const ProfileTierLevel ptl = read_profile_tier_level(in, max_sub_layers_minus1);
  sps.profile_space = ptl.profile_space;
  sps.tier_flag = ptl.tier_flag;
  sps.profile_idc = ptl.profile_idc;
  sps.compatibility_flags = ptl.compatibility_flags;
  sps.constraint_flags = ptl.constraint_flags;
  sps.level_idc = ptl.level_idc;
  if (in.ue() > 15) return error("sps_seq_parameter_set_id out of range");
  const std::uint32_t chroma = in.ue();
  if (chroma > 3) return error("chroma_format_idc out of range");
  sps.chroma_format_idc = static_cast<int>(chroma);
  if (chroma == 3) sps.separate_colour_plane = in.bit();
  const std::uint32_t coded_width = in.ue();
  const std::uint32_t coded_height = in.ue();
  std::uint32_t left = 0, right = 0, top = 0, bottom = 0;
  if (in.bit()) {  // conformance_window_flag
    left = in.ue();
    right = in.ue();
    top = in.ue();
    bottom = in.ue();
  }
  const std::uint32_t luma_minus8 = in.ue();
  const std::uint32_t chroma_minus8 = in.ue();
  if (luma_minus8 > 8 || chroma_minus8 > 8) return error("bit depth out of range");
  sps.bit_depth_luma = 8 + static_cast<int>(luma_minus8);
  sps.bit_depth_chroma = 8 + static_cast<int>(chroma_minus8);
  const std::uint32_t log2_max_poc_lsb_minus4 = in.ue();
  if (log2_max_poc_lsb_minus4 > 12) return error("log2_max_pic_order_cnt_lsb_minus4 out of range");
  const bool ordering_for_all = in.bit();  // sps_sub_layer_ordering_info_present_flag
  for (unsigned i = ordering_for_all ? 0 : max_sub_layers_minus1; i <= max_sub_layers_minus1; ++i) {
    in.ue();  // sps_max_dec_pic_buffering_minus1
    in.ue();  // sps_max_num_reorder_pics
    in.ue();  // sps_max_latency_increase_plus1
  }
  for (int i = 0; i < 6; ++i) in.ue();  // coding/transform block sizes and hierarchy depths
  if (in.bit() && in.bit()) skip_scaling_list_data(in);  // scaling list enabled, data present
  in.skip(2);                            // amp_enabled_flag, sample_adaptive_offset_enabled_flag
  if (in.bit()) {                        // pcm_enabled_flag
    in.skip(4 + 4);                      // pcm sample bit depths
    in.ue();                             // log2_min_pcm_luma_coding_block_size_minus3
    in.ue();                             // log2_diff_max_min_pcm_luma_coding_block_size
    in.skip(1);                          // pcm_loop_filter_disabled_flag
  }
  const std::uint32_t short_term_sets = in.ue();
  if (short_term_sets > 64) return error("num_short_term_ref_pic_sets out of range");
  std::vector<unsigned> num_delta_pocs(short_term_sets + 1, 0);
  for (std::uint32_t i = 0; i < short_term_sets && !in.failed(); ++i)
    if (!skip_st_ref_pic_set(in, i, num_delta_pocs)) return error("st_ref_pic_set out of range");
  if (in.bit()) {  // long_term_ref_pics_present_flag
    const std::uint32_t long_term = in.ue();
    if (long_term > 32) return error("num_long_term_ref_pics_sps out of range");
    for (std::uint32_t i = 0; i < long_term && !in.failed(); ++i)
      in.skip(log2_max_poc_lsb_minus4 + 4 + 1);  // lt_ref_pic_poc_lsb_sps, used_by_curr flag
  }
  in.skip(2);  // sps_temporal_mvp_enabled_flag, strong_intra_smoothing_enabled_flag
  if (in.bit()) read_vui_until_timing(in, sps);  // vui_parameters_present_flag
  if (in.failed()) return error("SPS is truncated");

  // 32768 luma samples a side is far beyond level 6.2 (8192x4320); larger is damage.
  if (coded_width == 0 || coded_height == 0 || coded_width > 32768 || coded_height > 32768)
    return error("picture size out of range");
  // Conformance window offsets count chroma samples (§7.4.3.2.1, Table 6-1).
  const int chroma_array_type = sps.separate_colour_plane ? 0 : sps.chroma_format_idc;
  const std::int64_t sub_width = (chroma_array_type == 1 || chroma_array_type == 2) ? 2 : 1;
  const std::int64_t sub_height = chroma_array_type == 1 ? 2 : 1;
  const std::int64_t width = std::int64_t{coded_width} - sub_width * (std::int64_t{left} + right);
  const std::int64_t height =
      std::int64_t{coded_height} - sub_height * (std::int64_t{top} + bottom);
  if (width <= 0 || height <= 0) return error("conformance window exceeds the picture");
  sps.width = static_cast<int>(width);
  sps.height = static_cast<int>(height);
  return sps;
}

Bytes make_hevc_config(const std::vector<ByteSpan>& vps, const std::vector<ByteSpan>& sps,
                       const std::vector<ByteSpan>& pps) {
  if (vps.empty() || sps.empty() || pps.empty()) return {};
  const auto valid = [](const std::vector<ByteSpan>& units, int type) {
    if (units.size() > 0xFFFF) return false;
    for (const ByteSpan unit : units)
      if (unit.size() < 2 || unit.size() > 0xFFFF || nal_type(unit) != type) return false;
    return true;
  };
  if (!valid(vps, kNalVps) || !valid(sps, kNalSps) || !valid(pps, kNalPps)) return {};
  const auto parsed = parse_hevc_sps(sps.front());
  const auto* info = std::get_if<HevcSps>(&parsed);
  if (!info) return {};

  Bytes out;
  out.push_back(1);  // configurationVersion
  out.push_back(static_cast<std::uint8_t>(info->profile_space << 6 | info->tier_flag << 5 |
                                          info->profile_idc));
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<std::uint8_t>(info->compatibility_flags >> shift));
  for (int shift = 40; shift >= 0; shift -= 8)
    out.push_back(static_cast<std::uint8_t>(info->constraint_flags >> shift));
  out.push_back(info->level_idc);
  // min_spatial_segmentation_idc 0 (none promised: it lives in the VUI's bitstream
  // restriction, which is not parsed) and parallelismType 0 (unknown).
  put16(out, 0xF000);
  out.push_back(0xFC);
  out.push_back(static_cast<std::uint8_t>(0xFC | info->chroma_format_idc));
  out.push_back(static_cast<std::uint8_t>(0xF8 | (info->bit_depth_luma - 8)));
  out.push_back(static_cast<std::uint8_t>(0xF8 | (info->bit_depth_chroma - 8)));
  put16(out, 0);  // avgFrameRate: unspecified
  // constantFrameRate 0, numTemporalLayers, temporalIdNested, lengthSizeMinusOne = 3.
  out.push_back(static_cast<std::uint8_t>(info->max_sub_layers << 3 |
                                          (info->temporal_id_nesting ? 1 : 0) << 2 | 3));
  out.push_back(3);  // numOfArrays
  put_array(out, kNalVps, vps);
  put_array(out, kNalSps, sps);
  put_array(out, kNalPps, pps);
  return out;
}

std::string hevc_codecs(const HevcConfig& config, std::string_view entry) {
  std::string codecs(entry);
  codecs += '.';
  if (config.profile_space > 0 && config.profile_space <= 3)
    codecs += static_cast<char>('A' + config.profile_space - 1);
  codecs += std::to_string(config.profile_idc);
  // The compatibility flags in reverse bit order (flag 0 becomes the least significant bit),
  // in hex without leading zeros: Main's flags 1 and 2 read "6".
  std::uint32_t reversed = 0;
  for (int i = 0; i < 32; ++i)
    if (config.compatibility_flags & (1u << (31 - i))) reversed |= 1u << i;
  char text[16];
  std::snprintf(text, sizeof text, ".%X.", reversed);
  codecs += text;
  codecs += config.tier_flag ? 'H' : 'L';
  codecs += std::to_string(config.level_idc);
  int last = -1;  // the last non-zero constraint byte; zero bytes after it are omitted
  for (int i = 0; i < 6; ++i)
    if ((config.constraint_flags >> (40 - 8 * i)) & 0xFFu) last = i;
  for (int i = 0; i <= last; ++i) {
    std::snprintf(text, sizeof text, ".%02X",
                  static_cast<unsigned>((config.constraint_flags >> (40 - 8 * i)) & 0xFFu));
    codecs += text;
  }
  return codecs;
}

}  // namespace bvlive::codec
