#include "core/vod/vod_summary.hpp"

#include <algorithm>

#include "core/media/fmp4/codec_string.hpp"
#include "core/media/fmp4/init_info.hpp"

namespace bvlive {

VodInfo summarize_vod(std::span<const SegmentRecord> segments) {
  VodInfo info;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (segments[i].duration > 0) info.duration_seconds += segments[i].duration;
    info.bytes += segments[i].bytes;
    if (i > 0 && is_discontinuity(segments[i - 1], segments[i])) ++info.discontinuities;
  }
  info.segments = static_cast<std::int64_t>(segments.size());
  return info;
}

hls::Variant vod_variant(std::span<const SegmentRecord> segments, fmp4::ByteSpan last_init, const std::string& uri) {
  hls::Variant v;
  v.uri = uri;
  double peak = 0, bytes = 0, seconds = 0;
  for (const auto& s : segments) {
    if (s.duration <= 0) continue;
    peak = std::max(peak, s.bytes * 8.0 / s.duration);
    bytes += static_cast<double>(s.bytes);
    seconds += s.duration;
  }
  v.bandwidth = std::max<std::int64_t>(static_cast<std::int64_t>(peak), 1);
  if (seconds > 0) v.average_bandwidth = static_cast<std::int64_t>(bytes * 8 / seconds);
  if (const auto moov = fmp4::find_child(last_init, fmp4::fourcc("moov"))) {
    if (auto codecs = fmp4::rfc6381_codecs(moov->payload); auto* text = std::get_if<std::string>(&codecs))
      v.codecs = *text;
    if (auto init = fmp4::parse_moov(moov->payload); auto* info = std::get_if<fmp4::InitInfo>(&init))
      if (const auto* video = info->video()) v.width = static_cast<int>(video->width), v.height = static_cast<int>(video->height);
  }
  return v;
}

}  // namespace bvlive
