#include "core/media/flv/flv_writer.hpp"

#include <algorithm>
#include <array>
#include <string_view>

namespace bvlive::flv {

Bytes file_header(bool has_audio, bool has_video) {
  const std::uint8_t flags = static_cast<std::uint8_t>((has_audio ? 0x04 : 0) | (has_video ? 0x01 : 0));
  return {'F', 'L', 'V', 1, flags, 0, 0, 0, 9, 0, 0, 0, 0};
}

void append_tag(Bytes& out, std::uint8_t tag_type, std::uint32_t timestamp_ms, std::span<const std::uint8_t> body) {
  const auto size = static_cast<std::uint32_t>(body.size());
  const std::array<std::uint8_t, 11> header = {
      tag_type,
      static_cast<std::uint8_t>(size >> 16), static_cast<std::uint8_t>(size >> 8), static_cast<std::uint8_t>(size),
      static_cast<std::uint8_t>(timestamp_ms >> 16), static_cast<std::uint8_t>(timestamp_ms >> 8),
      static_cast<std::uint8_t>(timestamp_ms), static_cast<std::uint8_t>(timestamp_ms >> 24),  // extension byte
      0, 0, 0};  // stream id, always 0
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), body.begin(), body.end());
  const std::uint32_t previous = size + 11;
  const std::array<std::uint8_t, 4> trailer = {static_cast<std::uint8_t>(previous >> 24),
                                               static_cast<std::uint8_t>(previous >> 16),
                                               static_cast<std::uint8_t>(previous >> 8),
                                               static_cast<std::uint8_t>(previous)};
  out.insert(out.end(), trailer.begin(), trailer.end());
}

std::span<const std::uint8_t> strip_set_data_frame(std::span<const std::uint8_t> body) {
  // AMF0 string marker 0x02, 16-bit length 13, then the name.
  constexpr std::string_view kName = "@setDataFrame";
  if (body.size() < 3 + kName.size() || body[0] != 0x02 || body[1] != 0 || body[2] != kName.size()) return body;
  if (!std::equal(kName.begin(), kName.end(), body.begin() + 3)) return body;
  return body.subspan(3 + kName.size());
}

}  // namespace bvlive::flv
