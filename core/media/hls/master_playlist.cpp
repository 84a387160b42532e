#include "core/media/hls/master_playlist.hpp"

#include <charconv>

namespace bvlive::hls {
namespace {

// Locale-independent, exactly three decimals (FRAME-RATE is a decimal-floating-point).
std::string three_decimals(double value) {
  char text[64];
  const auto result = std::to_chars(text, text + sizeof text, value, std::chars_format::fixed, 3);
  return std::string(text, result.ptr);
}

}  // namespace

std::string master_playlist(std::span<const Variant> variants) {
  std::string out = "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n";
  for (const Variant& v : variants) {
    out += "#EXT-X-STREAM-INF:BANDWIDTH=" + std::to_string(v.bandwidth);
    if (v.average_bandwidth) out += ",AVERAGE-BANDWIDTH=" + std::to_string(*v.average_bandwidth);
    if (v.width > 0 && v.height > 0)
      out += ",RESOLUTION=" + std::to_string(v.width) + "x" + std::to_string(v.height);
    if (v.frame_rate > 0) out += ",FRAME-RATE=" + three_decimals(v.frame_rate);
    if (!v.codecs.empty()) out += ",CODECS=\"" + v.codecs + "\"";
    out += "\n" + v.uri + "\n";
  }
  return out;
}

}  // namespace bvlive::hls
