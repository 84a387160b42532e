#include "core/media/ts/keyframe_scan.hpp"

#include <cstdint>

namespace bvlive::ts {

namespace {

// Calls `test` with the first byte of every NAL unit header; stops at the first true.
template <class Test>
bool any_nal_header(ByteSpan data, Test test) {
  for (std::size_t i = 0; i + 3 < data.size(); ++i) {
    if (data[i + 2] > 1) {
      i += 2;  // no start code can end at i+2 or before; skip ahead
      continue;
    }
    if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1) {
      if (test(data[i + 3])) return true;
      i += 2;
    }
  }
  return false;
}

}  // namespace

bool h264_has_idr(ByteSpan annex_b) {
  return any_nal_header(annex_b, [](std::uint8_t h) { return (h & 0x1F) == 5; });
}

bool hevc_has_irap(ByteSpan annex_b) {
  return any_nal_header(annex_b, [](std::uint8_t h) {
    const unsigned type = (h >> 1) & 0x3F;
    return type >= 16 && type <= 23;
  });
}

bool is_keyframe(StreamKind kind, ByteSpan data) {
  switch (kind) {
    case StreamKind::h264: return h264_has_idr(data);
    case StreamKind::hevc: return hevc_has_irap(data);
    case StreamKind::aac: return true;
    case StreamKind::other: break;
  }
  return false;
}

}  // namespace bvlive::ts
