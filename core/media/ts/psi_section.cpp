#include "core/media/ts/psi_section.hpp"

#include "core/media/ts/crc32.hpp"

namespace bvlive::ts {

Parsed<PsiSection> parse_psi_section(ByteSpan section) {
  // 8 header bytes and a 4-byte CRC at least.
  if (section.size() < 12) return ParseError{"PSI section too short"};
  if ((section[1] & 0x80) == 0) return ParseError{"PSI section without section_syntax_indicator"};
  const std::size_t total = 3 + (static_cast<std::size_t>(section[1] & 0x0F) << 8 | section[2]);
  if (total != section.size()) return ParseError{"PSI section_length does not match the section"};
  PsiSection s;
  s.table_id = section[0];
  s.table_id_extension = static_cast<std::uint16_t>(section[3] << 8 | section[4]);
  s.version = static_cast<std::uint8_t>((section[5] >> 1) & 0x1F);
  s.current_next = (section[5] & 0x01) != 0;
  s.section_number = section[6];
  s.last_section_number = section[7];
  s.body = section.subspan(8, section.size() - 12);
  s.crc_ok = crc32_mpeg2(section) == 0;
  return s;
}

}  // namespace bvlive::ts
