#include "protocols/http/byte_range.hpp"

#include <cctype>
#include <optional>

namespace bvlive::http {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Decimal digits only; nullopt when empty, non-digit or overflowing.
std::optional<std::uint64_t> parse_uint(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const std::uint64_t digit = static_cast<std::uint64_t>(c - '0');
    if (v > (UINT64_MAX - digit) / 10) return std::nullopt;
    v = v * 10 + digit;
  }
  return v;
}

bool starts_with_bytes_unit(std::string_view s) {
  constexpr std::string_view unit = "bytes=";
  if (s.size() < unit.size()) return false;
  for (std::size_t i = 0; i < unit.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != unit[i]) return false;
  return true;
}

}  // namespace

RangeRequest parse_range(std::string_view header_value, std::uint64_t size) {
  const RangeRequest whole{};
  RangeRequest unsatisfiable{RangeRequest::Kind::Unsatisfiable, {}};
  std::string_view v = trim(header_value);
  if (!starts_with_bytes_unit(v)) return whole;
  v = trim(v.substr(6));
  if (v.find(',') != std::string_view::npos) return whole;
  const auto dash = v.find('-');
  if (dash == std::string_view::npos) return whole;
  const std::string_view a = trim(v.substr(0, dash));
  const std::string_view b = trim(v.substr(dash + 1));

  if (a.empty()) {  // suffix range: the last n bytes
    const auto n = parse_uint(b);
    if (!n) return whole;
    if (*n == 0 || size == 0) return unsatisfiable;
    const std::uint64_t len = *n < size ? *n : size;
    return {RangeRequest::Kind::Partial, {size - len, size - 1}};
  }
  const auto first = parse_uint(a);
  if (!first) return whole;
  std::uint64_t last = UINT64_MAX;
  if (!b.empty()) {
    const auto parsed = parse_uint(b);
    if (!parsed || *parsed < *first) return whole;
    last = *parsed;
  }
  if (*first >= size) return unsatisfiable;
  if (last > size - 1) last = size - 1;
  return {RangeRequest::Kind::Partial, {*first, last}};
}

}  // namespace bvlive::http
