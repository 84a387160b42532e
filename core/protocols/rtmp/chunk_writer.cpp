#include "protocols/rtmp/chunk_writer.hpp"

#include <algorithm>

namespace bvlive::rtmp {

namespace {

void basic_header(unsigned fmt, std::uint32_t csid, std::vector<std::uint8_t>& out) {
  const auto top = static_cast<std::uint8_t>(fmt << 6);
  if (csid < 64) {
    out.push_back(static_cast<std::uint8_t>(top | csid));
  } else if (csid < 64 + 256) {
    out.push_back(top);
    out.push_back(static_cast<std::uint8_t>(csid - 64));
  } else {
    out.push_back(static_cast<std::uint8_t>(top | 1));
    out.push_back(static_cast<std::uint8_t>((csid - 64) & 0xFF));
    out.push_back(static_cast<std::uint8_t>((csid - 64) >> 8));
  }
}

void put_be(std::uint32_t v, int bytes, std::vector<std::uint8_t>& out) {
  for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

}  // namespace

void write_chunks(const Message& message, std::uint32_t chunk_size, std::vector<std::uint8_t>& out) {
  chunk_size = std::clamp<std::uint32_t>(chunk_size, 1, kMaxChunkSize);
  const std::uint32_t csid = std::clamp(message.csid, kMinChunkStreamId, kMaxChunkStreamId);
  const bool extended = message.timestamp >= 0xFFFFFF;
  const auto length = static_cast<std::uint32_t>(message.payload.size());

  basic_header(0, csid, out);
  put_be(extended ? 0xFFFFFF : message.timestamp, 3, out);
  put_be(length, 3, out);
  out.push_back(message.type_id);
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<std::uint8_t>(message.stream_id >> shift));
  if (extended) put_be(message.timestamp, 4, out);

  std::size_t sent = 0;
  for (;;) {
    const std::size_t n = std::min<std::size_t>(chunk_size, length - sent);
    out.insert(out.end(), message.payload.begin() + static_cast<std::ptrdiff_t>(sent),
               message.payload.begin() + static_cast<std::ptrdiff_t>(sent + n));
    sent += n;
    if (sent >= length) break;
    basic_header(3, csid, out);
    if (extended) put_be(message.timestamp, 4, out);
  }
}

std::vector<std::uint8_t> write_chunks(const Message& message, std::uint32_t chunk_size) {
  std::vector<std::uint8_t> out;
  write_chunks(message, chunk_size, out);
  return out;
}

}  // namespace bvlive::rtmp
