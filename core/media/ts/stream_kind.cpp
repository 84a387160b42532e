#include "core/media/ts/stream_kind.hpp"

namespace bvlive::ts {

StreamKind kind_of_stream_type(std::uint8_t stream_type) {
  switch (stream_type) {
    case 0x1B: return StreamKind::h264;
    case 0x24: return StreamKind::hevc;
    case 0x0F: return StreamKind::aac;
    default: return StreamKind::other;
  }
}

std::string_view name_of(StreamKind kind) {
  switch (kind) {
    case StreamKind::h264: return "h264";
    case StreamKind::hevc: return "hevc";
    case StreamKind::aac: return "aac";
    case StreamKind::other: break;
  }
  return "other";
}

}  // namespace bvlive::ts
