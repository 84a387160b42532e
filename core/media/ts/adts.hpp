// Splits the payload of an AAC audio PES (stream_type 0x0F, ISO/IEC 13818-1 Table 2-34)
// into its ADTS frames (ISO/IEC 14496-3 §1.A.2.2 adts_fixed_header/adts_variable_header):
// a 12-bit syncword 0xFFF, a sampling_frequency_index, and a 13-bit frame_length that
// counts the header too. A PES holds whole frames, so anything that does not divide into
// them is damage and the caller drops the PES.
#pragma once

#include <cstdint>
#include <vector>

#include "core/media/ts/common.hpp"

namespace bvlive::ts {

struct AdtsFrame {
  ByteSpan bytes;              // the whole frame, ADTS header included; a view into the input
  std::uint32_t sample_rate = 0;
  std::uint32_t samples = 0;   // 1024 per raw data block
};

Parsed<std::vector<AdtsFrame>> split_adts(ByteSpan payload);

}  // namespace bvlive::ts
