#include "core/media/flv/flv_reader.hpp"

#include <algorithm>

namespace bvlive::flv {
namespace {

constexpr std::size_t kFileHeader = 9 + 4;  // header, PreviousTagSize0
constexpr std::size_t kTagHeader = 11;
constexpr std::size_t kTagTrailer = 4;      // PreviousTagSize

std::uint32_t u24(const std::uint8_t* p) { return (std::uint32_t(p[0]) << 16) | (std::uint32_t(p[1]) << 8) | p[2]; }

}  // namespace

bool Reader::feed(std::span<const std::uint8_t> bytes, const OnTag& on_tag) {
  while (error_.empty() && !bytes.empty()) {
    if (!partial_.empty()) {
      // Complete the unit started earlier: top up just enough to know its size, then all of it.
      const std::size_t need_header = header_done_ ? kTagHeader : kFileHeader;
      std::size_t want = need_header;
      if (header_done_ && partial_.size() >= kTagHeader) want = kTagHeader + u24(partial_.data() + 1) + kTagTrailer;
      const std::size_t take = std::min(want - std::min(want, partial_.size()), bytes.size());
      partial_.insert(partial_.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(take));
      bytes = bytes.subspan(take);
      if (partial_.size() < want) continue;
      if (header_done_ && want == kTagHeader) continue;  // now the size is known: loop to take the rest
      std::vector<std::uint8_t> unit;
      unit.swap(partial_);
      const std::size_t used = step(unit, on_tag);
      if (used < unit.size() && error_.empty()) error_ = "FLV stream out of step";
      continue;
    }
    const std::size_t used = step(bytes, on_tag);
    if (used == 0) {
      partial_.assign(bytes.begin(), bytes.end());
      break;
    }
    bytes = bytes.subspan(used);
  }
  return error_.empty();
}

std::size_t Reader::step(std::span<const std::uint8_t> in, const OnTag& on_tag) {
  std::size_t used = 0;
  while (error_.empty()) {
    const auto rest = in.subspan(used);
    if (!header_done_) {
      if (rest.size() < kFileHeader) return used;
      if (rest[0] != 'F' || rest[1] != 'L' || rest[2] != 'V') {
        error_ = "not an FLV stream";
        return used;
      }
      const std::uint32_t header_size = (std::uint32_t(rest[5]) << 24) | u24(rest.data() + 6);
      if (header_size != 9) {
        error_ = "FLV header of " + std::to_string(header_size) + " bytes (9 expected)";
        return used;
      }
      header_done_ = true;
      used += kFileHeader;
      continue;
    }
    if (rest.size() < kTagHeader) return used;
    const std::size_t size = u24(rest.data() + 1);
    if (rest.size() < kTagHeader + size + kTagTrailer) return used;
    if (rest[0] & 0x20) {
      error_ = "encrypted FLV tag (filter bit set)";
      return used;
    }
    TagView tag;
    tag.type = rest[0] & 0x1F;
    tag.timestamp = u24(rest.data() + 4) | (std::uint32_t(rest[7]) << 24);
    tag.body = rest.subspan(kTagHeader, size);
    used += kTagHeader + size + kTagTrailer;
    on_tag(tag);
  }
  return used;
}

}  // namespace bvlive::flv
