// Enum values of the live body for flags and output, from core's tables
// (core/live/enums.hpp): flags accept the short CLI form (`dvr`) or the long API
// name (`BROADCAST_MODE_DVR`) in any case and send the long name; human output
// shows the short form.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "live/enums.hpp"

namespace bvlive::cli {

// The long name for `text` (a short or a long name, any case), or nothing.
template <typename E>
std::optional<std::string> to_long_name(std::string_view text) {
  if (auto v = parse_enum<E>(text)) return std::string(long_name(*v));
  return std::nullopt;
}

// "a|b|c": the short names of the values a user sets, for help and error messages.
template <typename E>
std::string short_names() {
  std::string out;
  for (const auto& row : enum_names<E>()) {
    if (row.long_name.ends_with("_UNSPECIFIED")) continue;
    if (!out.empty()) out += '|';
    out += short_name(row.value);
  }
  return out;
}

// The short form of any known long name (`LIVE_RESOLUTION_FHD` -> `fhd`); other text as is.
std::string to_short_name(std::string_view long_name);

}  // namespace bvlive::cli
