#include "core/media/codec/nal_units.hpp"

namespace bvlive::codec {
namespace {

// The index just past the next 00 00 01 at or after `from`, or stream.size() if none.
std::size_t after_start_code(ByteSpan stream, std::size_t from, std::size_t& code_at) {
  for (std::size_t i = from; i + 3 <= stream.size(); ++i) {
    if (stream[i + 2] > 1) {
      i += 2;  // no start code can begin at i, i+1 or i+2 (its third byte would be > 1)
      continue;
    }
    if (stream[i] == 0 && stream[i + 1] == 0 && stream[i + 2] == 1) {
      code_at = i;
      return i + 3;
    }
  }
  code_at = stream.size();
  return stream.size();
}

}  // namespace

std::vector<ByteSpan> split_annexb(ByteSpan stream) {
  std::vector<ByteSpan> units;
  std::size_t code_at = 0;
  std::size_t begin = after_start_code(stream, 0, code_at);
  while (begin < stream.size()) {
    const std::size_t next = after_start_code(stream, begin, code_at);
    // A unit ends where the next start code begins; the zero bytes before it are the
    // 4-byte start code's leading zero or trailing_zero_8bits, not part of the unit.
    std::size_t end = code_at;
    while (end > begin && stream[end - 1] == 0) --end;
    if (end > begin) units.push_back(stream.subspan(begin, end - begin));
    begin = next;
  }
  return units;
}

std::optional<std::vector<ByteSpan>> split_length_prefixed(ByteSpan sample, int length_size) {
  if (length_size != 1 && length_size != 2 && length_size != 4) return std::nullopt;
  const auto width = static_cast<std::size_t>(length_size);
  std::vector<ByteSpan> units;
  std::size_t pos = 0;
  while (pos < sample.size()) {
    if (sample.size() - pos < width) return std::nullopt;
    std::size_t length = 0;
    for (std::size_t i = 0; i < width; ++i) length = (length << 8) | sample[pos + i];
    pos += width;
    if (length > sample.size() - pos) return std::nullopt;
    if (length > 0) units.push_back(sample.subspan(pos, length));
    pos += length;
  }
  return units;
}

void append_length_prefixed(Bytes& out, ByteSpan nal) {
  const auto length = static_cast<std::uint32_t>(nal.size());
  out.push_back(static_cast<std::uint8_t>(length >> 24));
  out.push_back(static_cast<std::uint8_t>(length >> 16));
  out.push_back(static_cast<std::uint8_t>(length >> 8));
  out.push_back(static_cast<std::uint8_t>(length));
  out.insert(out.end(), nal.begin(), nal.end());
}

Bytes rbsp_of(ByteSpan nal) {
  Bytes rbsp;
  rbsp.reserve(nal.size());
  int zeros = 0;
  for (const std::uint8_t byte : nal) {
    if (zeros >= 2 && byte == 0x03) {
      zeros = 0;
      continue;
    }
    zeros = byte == 0 ? zeros + 1 : 0;
    rbsp.push_back(byte);
  }
  return rbsp;
}

}  // namespace bvlive::codec
