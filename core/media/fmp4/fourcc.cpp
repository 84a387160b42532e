#include "core/media/fmp4/fourcc.hpp"

namespace bvlive::fmp4 {

std::string fourcc_text(FourCC code) {
  std::string text;
  for (int shift = 24; shift >= 0; shift -= 8) {
    const auto c = static_cast<unsigned char>((code >> shift) & 0xff);
    text += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
  }
  return text;
}

}  // namespace bvlive::fmp4
