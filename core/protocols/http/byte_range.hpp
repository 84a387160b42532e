// The Range request header (RFC 9110 14.2), single byte ranges only.
#pragma once

#include <cstdint>
#include <string_view>

namespace bvlive::http {

struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;  // inclusive
  std::uint64_t length() const { return last - first + 1; }
};

struct RangeRequest {
  enum class Kind {
    Whole,          // no range, or one the server ignores (malformed, multi-range): send it all (200)
    Partial,        // `range` is satisfiable, clamped to the file: 206 + Content-Range
    Unsatisfiable,  // 416 + "Content-Range: bytes */SIZE"
  };
  Kind kind = Kind::Whole;
  ByteRange range{};
};

// Interprets a Range header value ("bytes=0-99", "bytes=100-", "bytes=-500") against a
// representation of `size` bytes. Multi-range requests are served whole, as RFC 9110
// allows, which keeps responses single-part.
RangeRequest parse_range(std::string_view header_value, std::uint64_t size);

}  // namespace bvlive::http
