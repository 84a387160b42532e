#include "core/media/codec/av1_config.hpp"

#include <cstdio>
#include <optional>

#include "core/media/codec/bit_reader.hpp"

namespace bvlive::codec {
namespace {

ParseError error(const std::string& message) { return ParseError{"av1: " + message}; }

constexpr unsigned kObuSequenceHeader = 1;

// One OBU of a low-overhead stream (§5.3.1): its whole bytes and its payload.
struct Obu {
  unsigned type = 0;
  ByteSpan whole;
  ByteSpan payload;
  bool has_size_field = false;
};

// leb128() (§4.10.5): at most 8 bytes, and the value must fit 32 bits.
std::optional<std::uint64_t> read_leb128(ByteSpan bytes, std::size_t& pos) {
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i) {
    if (pos >= bytes.size()) return std::nullopt;
    const std::uint8_t byte = bytes[pos++];
    value |= std::uint64_t{byte & 0x7Fu} << (7 * i);
    if (!(byte & 0x80u)) return value <= 0xFFFFFFFFu ? std::optional(value) : std::nullopt;
  }
  return std::nullopt;
}

// The OBU at `pos`, advancing past it; nullopt on damage.
std::optional<Obu> next_obu(ByteSpan bytes, std::size_t& pos) {
  const std::size_t start = pos;
  if (pos >= bytes.size()) return std::nullopt;
  const std::uint8_t header = bytes[pos++];
  if (header & 0x80u) return std::nullopt;  // obu_forbidden_bit
  Obu obu;
  obu.type = (header >> 3) & 0x0Fu;
  obu.has_size_field = header & 0x02u;
  if (header & 0x04u) {  // obu_extension_flag: temporal and spatial ids
    if (pos >= bytes.size()) return std::nullopt;
    ++pos;
  }
  std::size_t size = bytes.size() - pos;
  if (obu.has_size_field) {
    const auto coded = read_leb128(bytes, pos);
    if (!coded || *coded > bytes.size() - pos) return std::nullopt;
    size = static_cast<std::size_t>(*coded);
  }
  obu.payload = bytes.subspan(pos, size);
  pos += size;
  obu.whole = bytes.subspan(start, pos - start);
  return obu;
}

std::optional<Obu> find_sequence_header(ByteSpan obus) {
  std::size_t pos = 0;
  while (pos < obus.size()) {
    const auto obu = next_obu(obus, pos);
    if (!obu) return std::nullopt;
    if (obu->type == kObuSequenceHeader) return obu;
  }
  return std::nullopt;
}

// uvlc() (§4.10.3); a 32-zero prefix means 2^32 - 1 without further bits.
std::uint32_t read_uvlc(BitReader& in) {
  unsigned leading_zeros = 0;
  while (!in.failed() && !in.bit()) ++leading_zeros;
  if (in.failed()) return 0;
  if (leading_zeros >= 32) return 0xFFFFFFFFu;
  return static_cast<std::uint32_t>((std::uint64_t{1} << leading_zeros) - 1 +
                                    in.bits(leading_zeros));
}

// color_config() (§5.5.2).
void read_color_config(BitReader& in, Av1SequenceHeader& seq) {
  seq.high_bitdepth = in.bit();
  if (seq.seq_profile == 2 && seq.high_bitdepth) seq.twelve_bit = in.bit();
  seq.bit_depth = seq.twelve_bit ? 12 : seq.high_bitdepth ? 10 : 8;
  seq.monochrome = seq.seq_profile == 1 ? false : in.bit();
  if (in.bit()) {  // color_description_present_flag
    seq.color_primaries = static_cast<std::uint8_t>(in.bits(8));
    seq.transfer_characteristics = static_cast<std::uint8_t>(in.bits(8));
    seq.matrix_coefficients = static_cast<std::uint8_t>(in.bits(8));
  }
  if (seq.monochrome) {
    seq.full_range = in.bit();
    seq.chroma_subsampling_x = seq.chroma_subsampling_y = 1;
    seq.chroma_sample_position = 0;  // CSP_UNKNOWN
    return;
  }
  // BT.709 primaries with sRGB transfer and identity matrix: RGB, always 4:4:4 full range.
  if (seq.color_primaries == 1 && seq.transfer_characteristics == 13 &&
      seq.matrix_coefficients == 0) {
    seq.full_range = true;
    seq.chroma_subsampling_x = seq.chroma_subsampling_y = 0;
  } else {
    seq.full_range = in.bit();
    if (seq.seq_profile == 0) {
      seq.chroma_subsampling_x = seq.chroma_subsampling_y = 1;
    } else if (seq.seq_profile == 1) {
      seq.chroma_subsampling_x = seq.chroma_subsampling_y = 0;
    } else if (seq.bit_depth == 12) {
      seq.chroma_subsampling_x = in.bit();
      seq.chroma_subsampling_y = seq.chroma_subsampling_x ? in.bit() : 0;
    } else {
      seq.chroma_subsampling_x = 1;
      seq.chroma_subsampling_y = 0;
    }
    if (seq.chroma_subsampling_x && seq.chroma_subsampling_y)
      seq.chroma_sample_position = static_cast<std::uint8_t>(in.bits(2));
  }
  in.skip(1);  // separate_uv_delta_q
}

// sequence_header_obu() (§5.5.1) up to color_config.
Parsed<Av1SequenceHeader> parse_sequence_header_payload(ByteSpan payload) {
  BitReader in(payload);
  Av1SequenceHeader seq;
  seq.seq_profile = static_cast<std::uint8_t>(in.bits(3));
  if (seq.seq_profile > 2) return error("seq_profile out of range");
  seq.still_picture = in.bit();
  seq.reduced_still_picture_header = in.bit();
  if (seq.reduced_still_picture_header) {
    seq.seq_level_idx_0 = static_cast<std::uint8_t>(in.bits(5));
  } else {
    bool decoder_model_info_present = false;
    unsigned buffer_delay_length = 0;
    if (in.bit()) {  // timing_info_present_flag: timing_info()
      const std::uint32_t num_units_in_display_tick = in.bits(32);
      const std::uint32_t time_scale = in.bits(32);
      if (in.bit()) {  // equal_picture_interval
        const std::uint64_t ticks = std::uint64_t{read_uvlc(in)} + 1;
        if (!in.failed() && num_units_in_display_tick != 0 && time_scale != 0)
          seq.frame_rate = static_cast<double>(time_scale) /
                           (static_cast<double>(num_units_in_display_tick) * ticks);
      }
      decoder_model_info_present = in.bit();
      if (decoder_model_info_present) {  // decoder_model_info()
        buffer_delay_length = in.bits(5) + 1;
        in.skip(32 + 5 + 5);  // num_units_in_decoding_tick, two length fields
      }
    }
    const bool initial_display_delay_present = in.bit();
    const unsigned operating_points = in.bits(5) + 1;
    for (unsigned i = 0; i < operating_points && !in.failed(); ++i) {
      in.skip(12);  // operating_point_idc
      const auto level = static_cast<std::uint8_t>(in.bits(5));
      const auto tier = static_cast<std::uint8_t>(level > 7 ? in.bits(1) : 0);
      if (i == 0) {
        seq.seq_level_idx_0 = level;
        seq.seq_tier_0 = tier;
      }
      if (decoder_model_info_present && in.bit())  // decoder_model_present_for_this_op
        in.skip(2 * buffer_delay_length + 1);      // operating_parameters_info()
      if (initial_display_delay_present && in.bit()) in.skip(4);
    }
  }
  const unsigned width_bits = in.bits(4) + 1;
  const unsigned height_bits = in.bits(4) + 1;
  seq.width = static_cast<int>(in.bits(width_bits)) + 1;
  seq.height = static_cast<int>(in.bits(height_bits)) + 1;
  if (!seq.reduced_still_picture_header && in.bit()) in.skip(4 + 3);  // frame id lengths
  in.skip(3);  // use_128x128_superblock, enable_filter_intra, enable_intra_edge_filter
  if (!seq.reduced_still_picture_header) {
    in.skip(4);  // interintra, masked compound, warped motion, dual filter
    const bool enable_order_hint = in.bit();
    if (enable_order_hint) in.skip(2);  // enable_jnt_comp, enable_ref_frame_mvs
    // seq_choose_screen_content_tools, else seq_force_screen_content_tools.
    const bool screen_content_tools = in.bit() || in.bit();
    if (screen_content_tools && !in.bit()) in.skip(1);  // choose, else force integer mv
    if (enable_order_hint) in.skip(3);                 // order_hint_bits_minus_1
  }
  in.skip(3);  // enable_superres, enable_cdef, enable_restoration
  read_color_config(in, seq);
  in.skip(1);  // film_grain_params_present
  if (in.failed()) return error("sequence header is truncated");
  return seq;
}

}  // namespace

Parsed<Av1Config> parse_av1_config(ByteSpan av1c_record) {
  if (av1c_record.size() < 4) return error("av1C is truncated");
  if (av1c_record[0] != 0x81) return error("av1C marker or version is not 1");
  Av1Config config;
  config.seq_profile = av1c_record[1] >> 5;
  config.seq_level_idx_0 = av1c_record[1] & 0x1Fu;
  const std::uint8_t flags = av1c_record[2];
  config.seq_tier_0 = flags >> 7;
  config.high_bitdepth = flags & 0x40u;
  config.twelve_bit = flags & 0x20u;
  config.monochrome = flags & 0x10u;
  config.chroma_subsampling_x = (flags >> 3) & 1u;
  config.chroma_subsampling_y = (flags >> 2) & 1u;
  config.chroma_sample_position = flags & 0x03u;
  config.initial_presentation_delay_present = av1c_record[3] & 0x10u;
  if (config.initial_presentation_delay_present)
    config.initial_presentation_delay_minus_one = av1c_record[3] & 0x0Fu;
  if (config.seq_profile > 2) return error("av1C seq_profile out of range");
  config.config_obus.assign(av1c_record.begin() + 4, av1c_record.end());
  return config;
}

Parsed<Av1SequenceHeader> parse_av1_sequence_header(ByteSpan obus) {
  const auto obu = find_sequence_header(obus);
  if (!obu) return error("no sequence header OBU");
  return parse_sequence_header_payload(obu->payload);
}

Bytes make_av1_config(ByteSpan sequence_header_obu) {
  const auto obu = find_sequence_header(sequence_header_obu);
  if (!obu) return {};
  const auto parsed = parse_sequence_header_payload(obu->payload);
  const auto* seq = std::get_if<Av1SequenceHeader>(&parsed);
  if (!seq) return {};

  Bytes out;
  out.push_back(0x81);  // marker, version 1
  out.push_back(static_cast<std::uint8_t>(seq->seq_profile << 5 | seq->seq_level_idx_0));
  out.push_back(static_cast<std::uint8_t>(
      seq->seq_tier_0 << 7 | seq->high_bitdepth << 6 | seq->twelve_bit << 5 |
      seq->monochrome << 4 | seq->chroma_subsampling_x << 3 | seq->chroma_subsampling_y << 2 |
      seq->chroma_sample_position));
  out.push_back(0);  // reserved, initial_presentation_delay_present = 0
  if (obu->has_size_field) {
    out.insert(out.end(), obu->whole.begin(), obu->whole.end());
    return out;
  }
  // Re-frame an OBU that ran to the end of its buffer with an explicit leb128 size.
  const std::size_t header_size = obu->whole.size() - obu->payload.size();
  out.push_back(static_cast<std::uint8_t>(obu->whole[0] | 0x02u));
  out.insert(out.end(), obu->whole.begin() + 1, obu->whole.begin() + header_size);
  std::size_t size = obu->payload.size();
  do {
    const auto low = static_cast<std::uint8_t>(size & 0x7Fu);
    size >>= 7;
    out.push_back(size ? (low | 0x80u) : low);
  } while (size);
  out.insert(out.end(), obu->payload.begin(), obu->payload.end());
  return out;
}

std::string av1_codecs(const Av1Config& config) {
  const int bit_depth = config.twelve_bit ? 12 : config.high_bitdepth ? 10 : 8;
  char text[32];
  std::snprintf(text, sizeof text, "av01.%u.%02u%c.%02d", unsigned{config.seq_profile},
                unsigned{config.seq_level_idx_0}, config.seq_tier_0 ? 'H' : 'M', bit_depth);
  return text;
}

}  // namespace bvlive::codec
