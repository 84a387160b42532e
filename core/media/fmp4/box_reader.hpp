// ISO BMFF box framing (ISO/IEC 14496-12 §4.2): a 32-bit size and a type, a 64-bit
// largesize when size == 1, "to the end of the enclosing span" when size == 0, and a
// 16-byte extended type after 'uuid'. Errors are values; nothing reads out of bounds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>

#include "core/media/fmp4/fourcc.hpp"

namespace bvlive::fmp4 {

using ByteSpan = std::span<const std::uint8_t>;

struct BoxHeader {
  FourCC type = 0;
  std::size_t header_size = 0;  // 8, 16 (largesize), +16 for 'uuid'
  // Whole box including the header; empty when size == 0 (runs to the end of its parent).
  std::optional<std::uint64_t> total_size;
};

enum class BoxError {
  truncated_header,   // fewer bytes than the header needs (a stream: wait for more)
  size_below_header,  // declared size smaller than its own header
  truncated_payload,  // declared size runs past the end of the span
};

std::string describe(BoxError error);

// The header at the start of `bytes`; looks at no byte past the header.
std::variant<BoxHeader, BoxError> parse_box_header(ByteSpan bytes);

struct Box {
  FourCC type = 0;
  std::size_t header_size = 0;
  ByteSpan bytes;    // header and payload
  ByteSpan payload;  // after the header
};

// Walks the boxes laid end to end in a span (a file, or a container's payload).
class BoxReader {
 public:
  explicit BoxReader(ByteSpan bytes) : rest_(bytes) {}

  bool at_end() const { return rest_.empty() || error_.has_value(); }
  // The next box, or empty at the end or on an error (then error() says which, and the
  // reader stays stopped).
  std::optional<Box> next();
  std::optional<BoxError> error() const { return error_; }
  std::size_t offset() const { return consumed_; }

 private:
  ByteSpan rest_;
  std::size_t consumed_ = 0;
  std::optional<BoxError> error_;
};

// The first child of `type` among the boxes in `container_payload`, if any. A malformed
// child list yields what came before the damage.
std::optional<Box> find_child(ByteSpan container_payload, FourCC type);

}  // namespace bvlive::fmp4
