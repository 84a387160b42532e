#include "core/media/cenc/box_splice.hpp"

namespace bvlive::cenc {

Bytes splice_child(const fmp4::Box& parent, const fmp4::Box& child, ByteSpan replacement) {
  const auto at = static_cast<std::size_t>(child.bytes.data() - parent.payload.data());
  const auto before = parent.payload.first(at);
  const auto after = parent.payload.subspan(at + child.bytes.size());
  return fmp4::make_box(parent.type, fmp4::concat({before, replacement, after}));
}

}  // namespace bvlive::cenc
