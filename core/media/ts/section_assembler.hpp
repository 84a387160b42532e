// Reassembles PSI sections (PAT, PMT, ...) carried on one PID (ISO/IEC 13818-1 §2.4.4).
// A packet with payload_unit_start_indicator set begins with a pointer_field: the count
// of bytes that still belong to the section in progress, after which a new section
// starts. Sections can span packets and several can share one; 0xFF after a section is
// stuffing to the end of the packet (§2.4.4.2). A section is at most 4 KiB
// (section_length is 12 bits, and private sections stop at 4093 bytes), so a longer
// declared length is damage and is dropped.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/media/ts/common.hpp"

namespace bvlive::ts {

inline constexpr std::size_t kMaxSectionBytes = 4096;

class SectionAssembler {
 public:
  // One packet's payload. Whole sections are appended to `sections`; anything dropped is
  // described in `warnings`.
  void push(ByteSpan payload, bool unit_start, std::vector<Bytes>& sections,
            std::vector<std::string>& warnings);
  // Packets were lost: the section in progress cannot be completed.
  void reset();

 private:
  void take(ByteSpan bytes, std::vector<Bytes>& sections, std::vector<std::string>& warnings);

  Bytes buffer_;            // the section in progress (at most kMaxSectionBytes + one payload)
  bool collecting_ = false; // false: waiting for a unit start
};

}  // namespace bvlive::ts
