// Shared by the fuzz targets: cut one input into feed() pieces whose sizes come from the
// input itself, so the fuzzer explores how a byte-fed parser copes with every split.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace bvfuzz {

// The first byte seeds the piece sizes (1..64, or the whole rest when it is 0); the rest
// is the stream.
inline std::vector<std::span<const std::uint8_t>> pieces(std::span<const std::uint8_t> input,
                                                         std::span<const std::uint8_t>& stream) {
  std::vector<std::span<const std::uint8_t>> out;
  if (input.empty()) {
    stream = input;
    return out;
  }
  std::uint32_t state = input[0];
  stream = input.subspan(1);
  std::size_t pos = 0;
  while (pos < stream.size()) {
    std::size_t size = stream.size() - pos;
    if (input[0] != 0) {
      state = state * 1103515245u + 12345u;  // a fixed LCG: deterministic per input
      size = std::min<std::size_t>(size, 1 + (state >> 16) % 64);
    }
    out.push_back(stream.subspan(pos, size));
    pos += size;
  }
  return out;
}

}  // namespace bvfuzz
