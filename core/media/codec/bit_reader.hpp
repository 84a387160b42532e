// MSB-first bit reads over a byte span for codec headers (H.264/H.265 RBSPs, AV1 OBUs, AAC
// configs), with Exp-Golomb codes (ITU-T H.264 §9.1, H.265 §9.2). Like ByteCursor, a read
// past the end yields zero and latches failed(), so a parser reads a whole header and checks
// once; an Exp-Golomb prefix longer than 31 zero bits (a value beyond 32 bits) also fails.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/media/codec/bytes.hpp"

namespace bvlive::codec {

class BitReader {
 public:
  explicit BitReader(ByteSpan bytes) : bytes_(bytes) {}
  // A reader only views its bytes: reading a temporary vector would dangle.
  explicit BitReader(Bytes&&) = delete;

  // The next `count` bits (0 to 32) as an unsigned value; more than 32 is a caller bug and fails.
  std::uint32_t bits(unsigned count) {
    if (count > 32) {
      fail();
      return 0;
    }
    if (count > bits_left()) {
      fail();
      return 0;
    }
    std::uint64_t value = 0;
    for (unsigned i = 0; i < count; ++i) {
      const std::uint8_t byte = bytes_[pos_ >> 3];
      value = (value << 1) | ((byte >> (7 - (pos_ & 7))) & 1u);
      ++pos_;
    }
    return static_cast<std::uint32_t>(value);
  }

  bool bit() { return bits(1) != 0; }

  void skip(std::size_t count) {
    if (count > bits_left()) {
      fail();
      return;
    }
    pos_ += count;
  }

  // ue(v): 2^leadingZeros - 1 + bits(leadingZeros). Values need at most 31 leading zeros to
  // fit 32 bits; a longer prefix is damage (or hostile) and fails rather than wrapping.
  std::uint32_t ue() {
    unsigned leading_zeros = 0;
    while (!bit()) {
      if (failed_) return 0;
      if (++leading_zeros > 31) {
        fail();
        return 0;
      }
    }
    if (leading_zeros == 0) return 0;
    const std::uint64_t suffix = bits(leading_zeros);
    if (failed_) return 0;
    return static_cast<std::uint32_t>((std::uint64_t{1} << leading_zeros) - 1 + suffix);
  }

  // se(v) (§9.1.1): codeNum k maps to (-1)^(k+1) * ceil(k / 2).
  std::int32_t se() {
    const std::int64_t k = ue();
    const std::int64_t magnitude = (k + 1) / 2;
    return static_cast<std::int32_t>((k & 1) ? magnitude : -magnitude);
  }

  std::size_t bits_left() const { return bytes_.size() * 8 - pos_; }
  std::size_t position() const { return pos_; }
  bool byte_aligned() const { return (pos_ & 7) == 0; }
  bool failed() const { return failed_; }

 private:
  void fail() {
    failed_ = true;
    pos_ = bytes_.size() * 8;
  }

  ByteSpan bytes_;
  std::size_t pos_ = 0;  // in bits
  bool failed_ = false;
};

}  // namespace bvlive::codec
