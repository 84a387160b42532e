// The long-form PSI section header shared by the PAT and the PMT (ISO/IEC 13818-1
// §2.4.4.3, §2.4.4.8): table_id, section_length, a 16-bit table_id_extension (the
// transport_stream_id or program_number), version_number, current_next_indicator and
// section numbers, then the table body, then CRC_32.
#pragma once

#include <cstdint>

#include "core/media/ts/common.hpp"

namespace bvlive::ts {

struct PsiSection {
  std::uint8_t table_id = 0;
  std::uint16_t table_id_extension = 0;
  std::uint8_t version = 0;
  bool current_next = false;  // false: the table applies later, not yet
  std::uint8_t section_number = 0;
  std::uint8_t last_section_number = 0;
  ByteSpan body;              // between the 8-byte header and CRC_32; a view into the input
  bool crc_ok = false;        // the caller decides what a mismatch means
};

// `section` is one whole section as SectionAssembler returns it.
Parsed<PsiSection> parse_psi_section(ByteSpan section);

}  // namespace bvlive::ts
