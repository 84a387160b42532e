// Master (multivariant) playlist (RFC 8216 §4.3.4): one EXT-X-STREAM-INF per rendition.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace bvlive::hls {

struct Variant {
  std::string uri{};  // the media playlist, relative to the master: "720p/live.m3u8?token=abc"
  std::int64_t bandwidth = 0;  // peak bits per second
  std::optional<std::int64_t> average_bandwidth{};
  int width = 0, height = 0;  // RESOLUTION when both are set
  double frame_rate = 0;      // FRAME-RATE when set
  std::string codecs{};       // RFC 6381: "avc1.64001f,mp4a.40.2" (omitted when empty)
};

std::string master_playlist(std::span<const Variant> variants);

}  // namespace bvlive::hls
