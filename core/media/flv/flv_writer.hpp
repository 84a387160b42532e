// FLV muxing of RTMP media messages (Adobe FLV 10.1 §E.2-E.4): the container the packager
// reads on stdin for RTMP pushes. RTMP audio/video/data message payloads are exactly FLV
// tag bodies, so a tag is an 11-byte header, the payload and the previous-tag-size word.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace bvlive::flv {

using Bytes = std::vector<std::uint8_t>;

inline constexpr std::uint8_t kTagAudio = 8;
inline constexpr std::uint8_t kTagVideo = 9;
inline constexpr std::uint8_t kTagScript = 18;

// "FLV", version 1, the audio/video flags, header size 9, then PreviousTagSize0 = 0.
Bytes file_header(bool has_audio, bool has_video);

// Appends one tag. `timestamp_ms` is the full 32-bit RTMP timestamp (24 bits + extension).
void append_tag(Bytes& out, std::uint8_t tag_type, std::uint32_t timestamp_ms,
                std::span<const std::uint8_t> body);

// RTMP encoders send metadata as `@setDataFrame("onMetaData", {...})`; an FLV file holds
// `onMetaData({...})`. Returns the body without the leading "@setDataFrame" string (the
// body unchanged when it does not start with it).
std::span<const std::uint8_t> strip_set_data_frame(std::span<const std::uint8_t> body);

}  // namespace bvlive::flv
