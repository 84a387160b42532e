#include "core/media/remux/elementary.hpp"

namespace bvlive::remux {

const char* codec_name(Codec c) {
  switch (c) {
    case Codec::h264: return "h264";
    case Codec::hevc: return "hevc";
    case Codec::av1: return "av1";
    case Codec::aac: return "aac";
  }
  return "?";
}

const char* sample_entry_name(Codec c) {
  switch (c) {
    case Codec::h264: return "avc1";
    case Codec::hevc: return "hvc1";
    case Codec::av1: return "av01";
    case Codec::aac: return "mp4a";
  }
  return "?";
}

}  // namespace bvlive::remux
