#include "core/media/ts/pmt.hpp"

#include "core/media/fmp4/byte_cursor.hpp"

namespace bvlive::ts {

Parsed<Pmt> parse_pmt(const PsiSection& section) {
  if (section.table_id != kPmtTableId) return ParseError{"not a PMT section"};
  Pmt pmt;
  pmt.program_number = section.table_id_extension;
  pmt.version = section.version;
  fmp4::ByteCursor c(section.body);
  pmt.pcr_pid = c.u16() & 0x1FFF;
  c.skip(c.u16() & 0x0FFF);  // program_info descriptors
  if (c.failed()) return ParseError{"PMT program_info runs past the section"};
  while (c.remaining() > 0) {
    ElementaryStream es;
    es.stream_type = c.u8();
    es.pid = c.u16() & 0x1FFF;
    c.skip(c.u16() & 0x0FFF);  // ES_info descriptors
    if (c.failed()) return ParseError{"PMT stream entry runs past the section"};
    es.kind = kind_of_stream_type(es.stream_type);
    pmt.streams.push_back(es);
  }
  return pmt;
}

}  // namespace bvlive::ts
