// The Program Association Table (ISO/IEC 13818-1 §2.4.4.3, table_id 0x00 on PID 0):
// program_number → PID of that program's PMT. Program 0 names the network information
// PID instead, not a program. We serve a single program: the first one listed.
#pragma once

#include <cstdint>
#include <optional>

#include "core/media/ts/common.hpp"
#include "core/media/ts/psi_section.hpp"

namespace bvlive::ts {

struct PatProgram {
  std::uint16_t program_number = 0;
  std::uint16_t pmt_pid = 0;
};

struct Pat {
  std::uint16_t transport_stream_id = 0;
  std::uint8_t version = 0;
  std::optional<PatProgram> first_program;  // nullopt: only a network PID (or nothing)
};

inline constexpr std::uint8_t kPatTableId = 0x00;

Parsed<Pat> parse_pat(const PsiSection& section);

}  // namespace bvlive::ts
