// Writes big-endian fields and boxes. The segmenter uses it for boxes it emits itself;
// the tests use it to build inputs by hand.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <utility>
#include <vector>

#include "core/media/fmp4/fourcc.hpp"

namespace bvlive::fmp4 {

using Bytes = std::vector<std::uint8_t>;

class ByteBuilder {
 public:
  ByteBuilder& u8(std::uint8_t v);
  ByteBuilder& u16(std::uint16_t v);
  ByteBuilder& u24(std::uint32_t v);
  ByteBuilder& u32(std::uint32_t v);
  ByteBuilder& u64(std::uint64_t v);
  ByteBuilder& fourcc(FourCC code);
  ByteBuilder& bytes(std::span<const std::uint8_t> more);
  // version (8 bits) then flags (24 bits): the FullBox header.
  ByteBuilder& full_box_header(std::uint8_t version, std::uint32_t flags);

  const Bytes& data() const { return data_; }
  Bytes take() { return std::move(data_); }

 private:
  Bytes data_;
};

// A box with a 32-bit size, or a 64-bit largesize when `large` (or when it needs one).
Bytes make_box(FourCC type, std::span<const std::uint8_t> payload, bool large = false);
// A FullBox: the version/flags header is written ahead of `payload`.
Bytes make_full_box(FourCC type, std::uint8_t version, std::uint32_t flags,
                    std::span<const std::uint8_t> payload);
// Concatenation, for assembling containers from child boxes.
Bytes concat(std::initializer_list<std::span<const std::uint8_t>> parts);

}  // namespace bvlive::fmp4
