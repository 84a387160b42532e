#include "util/byte_size.hpp"

#include <cstdio>

#include "util/ascii.hpp"

namespace bvlive {

std::optional<std::uint64_t> parse_byte_size(std::string_view text) {
  std::size_t i = 0;
  std::uint64_t value = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    const auto digit = static_cast<std::uint64_t>(text[i] - '0');
    if (value > (UINT64_MAX - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
    ++i;
  }
  if (i == 0) return std::nullopt;
  while (i < text.size() && text[i] == ' ') ++i;
  const std::string_view unit = text.substr(i);
  struct Unit {
    std::string_view name;
    std::uint64_t factor;
  };
  static constexpr Unit kUnits[] = {
      {"", 1},           {"b", 1},
      {"kb", 1000},      {"mb", 1000 * 1000},      {"gb", 1000ULL * 1000 * 1000},  {"tb", 1000ULL * 1000 * 1000 * 1000},
      {"k", 1ULL << 10}, {"m", 1ULL << 20},        {"g", 1ULL << 30},              {"t", 1ULL << 40},
      {"kib", 1ULL << 10}, {"mib", 1ULL << 20},    {"gib", 1ULL << 30},            {"tib", 1ULL << 40},
  };
  for (const auto& u : kUnits) {
    if (!iequals(unit, u.name)) continue;
    if (value > UINT64_MAX / u.factor) return std::nullopt;
    return value * u.factor;
  }
  return std::nullopt;
}

std::string format_byte_size(std::uint64_t bytes) {
  static constexpr const char* kNames[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double v = static_cast<double>(bytes);
  int unit = 0;
  while (v >= 1024 && unit < 6) {
    v /= 1024;
    ++unit;
  }
  char buf[32];
  if (unit == 0) std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  else std::snprintf(buf, sizeof buf, v < 10 ? "%.2f %s" : v < 100 ? "%.1f %s" : "%.0f %s", v, kNames[unit]);
  return buf;
}

}  // namespace bvlive
