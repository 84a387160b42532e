// Reads an FLV byte stream (Adobe FLV 10.1 §E.2-E.4) arriving in pieces of any size, as
// the RTMP listener writes it: the 9-byte header and PreviousTagSize0, then tags. Whole
// tags are handed over as views into the input where possible; only a tag split across
// pieces is copied. Never reads out of bounds; a bad header or an encrypted tag stops it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace bvlive::flv {

struct TagView {
  std::uint8_t type = 0;          // 8 audio, 9 video, 18 script data
  std::uint32_t timestamp = 0;    // full 32 bits (24 + extension), milliseconds
  std::span<const std::uint8_t> body;
};

class Reader {
 public:
  using OnTag = std::function<void(const TagView&)>;

  // Calls on_tag for every complete tag in order. False once the stream is unreadable
  // (error() says why); further input is ignored.
  bool feed(std::span<const std::uint8_t> bytes, const OnTag& on_tag);

  const std::string& error() const { return error_; }
  std::size_t buffered() const { return partial_.size(); }

 private:
  // Consumes what it can of `in`; returns the bytes used.
  std::size_t step(std::span<const std::uint8_t> in, const OnTag& on_tag);

  bool header_done_ = false;
  std::vector<std::uint8_t> partial_;  // the start of a header or tag split across feeds
  std::string error_;
};

}  // namespace bvlive::flv
