// The Program Map Table (ISO/IEC 13818-1 §2.4.4.8, table_id 0x02): for one program, its
// PCR PID and the elementary streams with their stream_type. Descriptors are skipped.
#pragma once

#include <cstdint>
#include <vector>

#include "core/media/ts/common.hpp"
#include "core/media/ts/psi_section.hpp"
#include "core/media/ts/stream_kind.hpp"

namespace bvlive::ts {

struct Pmt {
  std::uint16_t program_number = 0;
  std::uint8_t version = 0;
  std::uint16_t pcr_pid = 0;
  std::vector<ElementaryStream> streams;  // in PMT order
};

inline constexpr std::uint8_t kPmtTableId = 0x02;

Parsed<Pmt> parse_pmt(const PsiSection& section);

}  // namespace bvlive::ts
