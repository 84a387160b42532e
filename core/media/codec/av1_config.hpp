// AV1 decoder configuration: the av1C record (AV1 Codec ISO Media File Format Binding §2.3,
// AV1CodecConfigurationRecord), the sequence header OBU (AV1 Bitstream & Decoding Process
// §5.5, color_config §5.5.2) found among low-overhead OBUs (§5.3), and the codecs value of
// the binding's "Codecs Parameter String" section ("av01.0.04M.08").
#pragma once

#include <cstdint>
#include <string>

#include "core/media/codec/bytes.hpp"

namespace bvlive::codec {

struct Av1Config {
  std::uint8_t seq_profile = 0;
  std::uint8_t seq_level_idx_0 = 0;
  std::uint8_t seq_tier_0 = 0;
  bool high_bitdepth = false;
  bool twelve_bit = false;
  bool monochrome = false;
  std::uint8_t chroma_subsampling_x = 1;
  std::uint8_t chroma_subsampling_y = 1;
  std::uint8_t chroma_sample_position = 0;
  bool initial_presentation_delay_present = false;
  std::uint8_t initial_presentation_delay_minus_one = 0;
  Bytes config_obus;  // the sequence header OBU (and any metadata OBUs), as stored
};

// Parses an av1C payload: marker 1, version 1, the fixed fields, then configOBUs.
Parsed<Av1Config> parse_av1_config(ByteSpan av1c_record);

struct Av1SequenceHeader {
  std::uint8_t seq_profile = 0;
  std::uint8_t seq_level_idx_0 = 0;  // of operating point 0, the one av1C describes
  std::uint8_t seq_tier_0 = 0;
  bool still_picture = false;
  bool reduced_still_picture_header = false;
  bool high_bitdepth = false;
  bool twelve_bit = false;
  int bit_depth = 8;
  bool monochrome = false;
  std::uint8_t chroma_subsampling_x = 1;
  std::uint8_t chroma_subsampling_y = 1;
  std::uint8_t chroma_sample_position = 0;
  int width = 0;  // max_frame_width_minus_1 + 1
  int height = 0;
  std::uint8_t color_primaries = 2;  // 2: unspecified
  std::uint8_t transfer_characteristics = 2;
  std::uint8_t matrix_coefficients = 2;
  bool full_range = false;
  double frame_rate = 0;  // from timing_info with equal_picture_interval, else 0
};

// Finds the first OBU_SEQUENCE_HEADER among `obus` (low-overhead bitstream format: each OBU
// with obu_has_size_field, except that a last OBU without one runs to the end) and parses it.
Parsed<Av1SequenceHeader> parse_av1_sequence_header(ByteSpan obus);

// An av1C record from a buffer holding a sequence header OBU (alone, or inside a temporal
// unit): the fields come from the parsed header, and configOBUs is that OBU, with a size
// field as the binding requires. Empty if no readable sequence header is found.
Bytes make_av1_config(ByteSpan sequence_header_obu);

// "av01." profile "." level (2 digits) tier (M or H) "." bit depth (2 digits). The optional
// fields (monochrome, subsampling, colour) are all-or-none and are omitted; a reader then
// assumes 4:2:0 BT.709 limited range, which only matters for capability checks.
std::string av1_codecs(const Av1Config& config);

}  // namespace bvlive::codec
