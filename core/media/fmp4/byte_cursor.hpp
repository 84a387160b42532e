// Big-endian reads over a byte span that never go out of bounds: a read past the end
// yields zero and latches failed(), so a parser can read a whole fixed layout and check
// once at the end instead of after every field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace bvlive::fmp4 {

class ByteCursor {
 public:
  explicit ByteCursor(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  std::uint8_t u8() { return static_cast<std::uint8_t>(read(1)); }
  std::uint16_t u16() { return static_cast<std::uint16_t>(read(2)); }
  std::uint32_t u24() { return static_cast<std::uint32_t>(read(3)); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(read(4)); }
  std::uint64_t u64() { return read(8); }
  std::int32_t i32() { return static_cast<std::int32_t>(u32()); }

  void skip(std::size_t count) {
    if (count > remaining()) {
      fail();
      return;
    }
    pos_ += count;
  }

  std::size_t remaining() const { return bytes_.size() - pos_; }
  std::size_t position() const { return pos_; }
  bool failed() const { return failed_; }

 private:
  std::uint64_t read(std::size_t width) {
    if (width > remaining()) {
      fail();
      return 0;
    }
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < width; ++i) value = (value << 8) | bytes_[pos_ + i];
    pos_ += width;
    return value;
  }
  void fail() {
    failed_ = true;
    pos_ = bytes_.size();
  }

  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace bvlive::fmp4
