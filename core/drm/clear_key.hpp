// The built-in ClearKey mode of DRM protection: keys derived from the daemon's key secret
// (STATE_DIR/segment-key-secret), so nothing about them is stored or logged, and the
// licence exchange of W3C EME's ClearKey key system (EME §9.1.3 licence request, §9.1.4
// licence: JSON with base64url KIDs and keys) that the daemon answers behind the
// playback gate.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/drm/content_keys.hpp"

namespace bvlive::drm {

// One content key per live: KID, key and constant IV each HMAC-SHA256(secret, label)
// with its own label. Every rendition, restart and the VOD agree on it.
cenc::CencKey derive_content_key(std::span<const std::uint8_t> secret, std::string_view live_id);

// ContentKeys for the built-in ClearKey: the key above, ClearKey signalling only.
ContentKeys clear_key_content(std::span<const std::uint8_t> secret, std::string_view live_id);

// The KIDs a licence request names: {"kids":["base64url",...],"type":"temporary"}. An
// error saying what is wrong otherwise (not JSON, no kids, a KID not 16 bytes).
std::variant<std::vector<cenc::Block16>, std::string> parse_licence_request(std::string_view body);

// The licence: {"keys":[{"kty":"oct","kid":"...","k":"..."}],"type":"temporary"}.
std::string licence_response(std::span<const cenc::CencKey> keys);

}  // namespace bvlive::drm
