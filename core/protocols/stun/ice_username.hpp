// ICE's USERNAME in connectivity checks is "RECEIVER-UFRAG:SENDER-UFRAG" (RFC 8445
// §7.2.2); the daemon finds the session by the first half.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace bvlive::stun {

// "ours:theirs" -> {local ufrag, remote ufrag}. Empty halves and a missing colon give
// nullopt. A ufrag holds no colon, so the split is at the first one, and more colons
// mean a malformed username (nullopt).
std::optional<std::pair<std::string, std::string>> split_username(std::string_view username);

}  // namespace bvlive::stun
