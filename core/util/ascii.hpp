// ASCII-only text helpers: protocol tokens (HTTP header names, enum names) are ASCII and
// must not depend on the locale.
#pragma once

#include <string_view>

namespace bvlive {

constexpr char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

constexpr bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

}  // namespace bvlive
