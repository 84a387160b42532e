// Which elementary streams the demuxer understands, named by the PMT's stream_type
// (ISO/IEC 13818-1 §2.4.4.9, Table 2-34).
#pragma once

#include <cstdint>
#include <string_view>

namespace bvlive::ts {

enum class StreamKind { h264, hevc, aac, other };

struct ElementaryStream {
  std::uint16_t pid = 0;
  std::uint8_t stream_type = 0;
  StreamKind kind = StreamKind::other;
  bool operator==(const ElementaryStream&) const = default;
};

// 0x1B H.264, 0x24 HEVC, 0x0F AAC in ADTS. AAC in LATM (0x11) and everything else is
// `other`: listed in the program, never split into samples.
StreamKind kind_of_stream_type(std::uint8_t stream_type);

std::string_view name_of(StreamKind kind);

}  // namespace bvlive::ts
