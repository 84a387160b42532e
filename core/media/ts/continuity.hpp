// The continuity_counter check for one PID (ISO/IEC 13818-1 §2.4.3.3): a 4-bit counter
// that steps by one with every packet carrying a payload. A packet may be sent twice in
// a row (same counter, same bytes): the copy is dropped. Any other step means packets
// were lost, unless the adaptation field's discontinuity_indicator says the jump is
// intended (§2.4.3.5).
#pragma once

#include <cstdint>

namespace bvlive::ts {

enum class Continuity { ok, duplicate, gap };

class ContinuityCheck {
 public:
  Continuity check(std::uint8_t counter, bool has_payload, bool discontinuity);
  void reset() { last_ = -1; duplicate_seen_ = false; }
  int last() const { return last_; }

 private:
  int last_ = -1;  // -1: nothing seen yet, so anything is accepted
  bool duplicate_seen_ = false;
};

}  // namespace bvlive::ts
