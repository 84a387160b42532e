#include "core/media/ts/pat.hpp"

#include "core/media/ts/packet.hpp"

namespace bvlive::ts {

Parsed<Pat> parse_pat(const PsiSection& section) {
  if (section.table_id != kPatTableId) return ParseError{"not a PAT section"};
  if (section.body.size() % 4 != 0) return ParseError{"PAT body is not whole 4-byte entries"};
  Pat pat;
  pat.transport_stream_id = section.table_id_extension;
  pat.version = section.version;
  for (std::size_t i = 0; i + 4 <= section.body.size(); i += 4) {
    const auto number = static_cast<std::uint16_t>(section.body[i] << 8 | section.body[i + 1]);
    const auto pid = static_cast<std::uint16_t>((section.body[i + 2] & 0x1F) << 8 | section.body[i + 3]);
    if (number == 0) continue;  // network_PID
    if (pid == kPatPid || pid == kNullPid) continue;  // cannot carry a PMT
    pat.first_program = PatProgram{number, pid};
    break;
  }
  return pat;
}

}  // namespace bvlive::ts
