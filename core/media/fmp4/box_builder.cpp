// GCC 12 at -O3 reports -Wstringop-overflow inside std::vector::insert here (a
// known false positive of its range analysis); the inserts are plain appends.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#endif

#include "core/media/fmp4/box_builder.hpp"

#include <limits>

namespace bvlive::fmp4 {

namespace {

void put(Bytes& out, std::uint64_t value, int width) {
  for (int i = width - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

}  // namespace

ByteBuilder& ByteBuilder::u8(std::uint8_t v) { put(data_, v, 1); return *this; }
ByteBuilder& ByteBuilder::u16(std::uint16_t v) { put(data_, v, 2); return *this; }
ByteBuilder& ByteBuilder::u24(std::uint32_t v) { put(data_, v, 3); return *this; }
ByteBuilder& ByteBuilder::u32(std::uint32_t v) { put(data_, v, 4); return *this; }
ByteBuilder& ByteBuilder::u64(std::uint64_t v) { put(data_, v, 8); return *this; }
ByteBuilder& ByteBuilder::fourcc(FourCC code) { put(data_, code, 4); return *this; }

ByteBuilder& ByteBuilder::bytes(std::span<const std::uint8_t> more) {
  data_.insert(data_.end(), more.begin(), more.end());
  return *this;
}

ByteBuilder& ByteBuilder::full_box_header(std::uint8_t version, std::uint32_t flags) {
  return u8(version).u24(flags);
}

Bytes make_box(FourCC type, std::span<const std::uint8_t> payload, bool large) {
  const std::uint64_t small_total = 8 + std::uint64_t(payload.size());
  large = large || small_total > std::numeric_limits<std::uint32_t>::max();
  ByteBuilder out;
  if (large) {
    out.u32(1).fourcc(type).u64(small_total + 8);
  } else {
    out.u32(static_cast<std::uint32_t>(small_total)).fourcc(type);
  }
  out.bytes(payload);
  return out.take();
}

Bytes make_full_box(FourCC type, std::uint8_t version, std::uint32_t flags,
                    std::span<const std::uint8_t> payload) {
  ByteBuilder body;
  body.full_box_header(version, flags).bytes(payload);
  return make_box(type, body.data());
}

Bytes concat(std::initializer_list<std::span<const std::uint8_t>> parts) {
  Bytes out;
  for (const auto& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

}  // namespace bvlive::fmp4
