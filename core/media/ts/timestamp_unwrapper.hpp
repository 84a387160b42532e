// PTS and DTS are 33-bit counts of a 90 kHz clock (ISO/IEC 13818-1 §2.4.3.7, §2.7.4): they
// wrap to 0 every 2^33 ticks (about 26.5 hours). The unwrapper turns one stream's values
// into a continuous 64-bit timeline that starts at the first value seen: each value is
// placed at the step from the previous one that is shortest modulo 2^33, so it follows a
// wrap forward and small steps back alike.
#pragma once

#include <cstdint>
#include <optional>

namespace bvlive::ts {

inline constexpr std::uint64_t kTimestampModulus = std::uint64_t{1} << 33;

// (a - b) modulo 2^33 as a signed step in [-2^32, 2^32).
std::int64_t timestamp_step(std::uint64_t a, std::uint64_t b);

class TimestampUnwrapper {
 public:
  std::int64_t unwrap(std::uint64_t raw);

 private:
  std::optional<std::int64_t> last_;
};

}  // namespace bvlive::ts
