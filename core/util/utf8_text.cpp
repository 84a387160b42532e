#include "util/utf8_text.hpp"

namespace bvlive::utf8 {
namespace {

constexpr std::string_view kNoBreakSpace = "\xC2\xA0";

bool ascii_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

}  // namespace

std::size_t length(std::string_view text) {
  std::size_t n = 0;
  for (const char c : text)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

bool has_control(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b < 0x20 || b == 0x7F) return true;
    // U+0080..U+009F are encoded C2 80..C2 9F.
    if (b == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) <= 0x9F) return true;
    // U+202A..U+202E: E2 80 AA..AE; U+2066..U+2069: E2 81 A6..A9.
    if (b == 0xE2 && i + 2 < text.size()) {
      const auto b1 = static_cast<unsigned char>(text[i + 1]), b2 = static_cast<unsigned char>(text[i + 2]);
      if ((b1 == 0x80 && b2 >= 0xAA && b2 <= 0xAE) || (b1 == 0x81 && b2 >= 0xA6 && b2 <= 0xA9)) return true;
    }
  }
  return false;
}

std::string trim(std::string_view text) {
  for (bool changed = true; changed && !text.empty();) {
    changed = false;
    if (ascii_space(text.front())) text.remove_prefix(1), changed = true;
    else if (text.starts_with(kNoBreakSpace)) text.remove_prefix(kNoBreakSpace.size()), changed = true;
    if (text.empty()) break;
    if (ascii_space(text.back())) text.remove_suffix(1), changed = true;
    else if (text.ends_with(kNoBreakSpace)) text.remove_suffix(kNoBreakSpace.size()), changed = true;
  }
  return std::string(text);
}

}  // namespace bvlive::utf8
