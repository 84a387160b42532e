// Four-character box and handler codes ("moov", "vide") as big-endian 32-bit values, so
// they compare as integers and print back as text.
#pragma once

#include <cstdint>
#include <string>

namespace bvlive::fmp4 {

using FourCC = std::uint32_t;

constexpr FourCC fourcc(const char (&code)[5]) {
  return (FourCC(std::uint8_t(code[0])) << 24) | (FourCC(std::uint8_t(code[1])) << 16) |
         (FourCC(std::uint8_t(code[2])) << 8) | FourCC(std::uint8_t(code[3]));
}

// Printable form for messages; bytes outside ASCII show as '?'.
std::string fourcc_text(FourCC code);

}  // namespace bvlive::fmp4
