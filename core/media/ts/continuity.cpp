#include "core/media/ts/continuity.hpp"

namespace bvlive::ts {

Continuity ContinuityCheck::check(std::uint8_t counter, bool has_payload, bool discontinuity) {
  if (discontinuity) {
    last_ = counter;
    duplicate_seen_ = false;
    return Continuity::ok;
  }
  // §2.4.3.3: the counter does not step on packets without a payload, and their value
  // is not reliable across muxers; they carry nothing we could lose.
  if (!has_payload) return Continuity::ok;
  if (last_ < 0) {
    last_ = counter;
    return Continuity::ok;
  }
  if (counter == last_) {
    // "shall not be sent more than two times consecutively": a third copy is an error.
    if (!duplicate_seen_) {
      duplicate_seen_ = true;
      return Continuity::duplicate;
    }
    return Continuity::gap;
  }
  const bool in_order = counter == ((last_ + 1) & 0x0F);
  last_ = counter;
  duplicate_seen_ = false;
  return in_order ? Continuity::ok : Continuity::gap;
}

}  // namespace bvlive::ts
