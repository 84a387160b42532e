#include "core/media/ts/timestamp_unwrapper.hpp"

namespace bvlive::ts {

std::int64_t timestamp_step(std::uint64_t a, std::uint64_t b) {
  const std::uint64_t mask = kTimestampModulus - 1;
  const std::uint64_t step = (a - b) & mask;
  return step >= kTimestampModulus / 2 ? static_cast<std::int64_t>(step) - static_cast<std::int64_t>(kTimestampModulus)
                                       : static_cast<std::int64_t>(step);
}

std::int64_t TimestampUnwrapper::unwrap(std::uint64_t raw) {
  raw &= kTimestampModulus - 1;
  if (!last_) {
    last_ = static_cast<std::int64_t>(raw);
  } else {
    *last_ += timestamp_step(raw, static_cast<std::uint64_t>(*last_));
  }
  return *last_;
}

}  // namespace bvlive::ts
