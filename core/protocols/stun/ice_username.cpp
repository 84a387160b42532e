#include "protocols/stun/ice_username.hpp"

namespace bvlive::stun {

std::optional<std::pair<std::string, std::string>> split_username(std::string_view username) {
  const std::size_t colon = username.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == username.size()) return std::nullopt;
  const std::string_view ours = username.substr(0, colon);
  const std::string_view theirs = username.substr(colon + 1);
  if (theirs.find(':') != std::string_view::npos) return std::nullopt;
  return std::pair{std::string(ours), std::string(theirs)};
}

}  // namespace bvlive::stun
