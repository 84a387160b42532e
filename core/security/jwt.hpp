// Signed playback tokens: HS256 JSON Web Tokens in compact form (RFC 7515 / RFC 7519).
// A live with privacy "token" serves media only to requests carrying a token that this
// daemon signed with its secret, for that live, not yet expired. Only HS256 is accepted:
// the algorithm is fixed here, never taken from the token ("alg":"none" is refused).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/time.hpp"

namespace bvlive::security {

// base64url (RFC 4648 section 5) without padding, as JWS uses it.
std::string base64url_encode(std::span<const std::uint8_t> bytes);
std::string base64url_encode(std::string_view text);
// Empty optional on any character outside [A-Za-z0-9_-] (padding '=' included), on an
// impossible length, or on non-zero unused trailing bits (one text per byte string).
std::optional<std::vector<std::uint8_t>> base64url_decode(std::string_view text);

// The signing secret as stored in the state directory: lower-case hex.
std::string encode_secret_hex(std::span<const std::uint8_t> secret);
// Empty optional unless an even number of hex digits (either case), surrounding ASCII
// whitespace (a trailing newline in the file) ignored.
std::optional<std::vector<std::uint8_t>> decode_secret_hex(std::string_view text);

enum class TokenError {
  Malformed,     // not three parts, bad base64url, bad JSON, alg not HS256, missing/bad claim
  BadSignature,  // signed with another secret, or tampered with
  Expired,       // now >= exp
};
// "malformed", "bad_signature", "expired".
std::string_view token_error_name(TokenError error);

// The generic layer: a JWS with header {"alg":"HS256","typ":"JWT"} over any JSON payload.
struct JwsResult {
  std::optional<nlohmann::json> payload;  // set when the token is well formed and its signature good
  TokenError error = TokenError::Malformed;
  std::string reason;  // human text, when !payload
  explicit operator bool() const { return payload.has_value(); }
};
// The 32-byte HMAC-SHA256 of `signing_input` ("BASE64URL(header).BASE64URL(payload)").
std::vector<std::uint8_t> hs256_mac(std::string_view signing_input, std::span<const std::uint8_t> secret);
// Throws std::invalid_argument on an empty secret.
std::string sign_jws_hs256(const nlohmann::json& payload, std::span<const std::uint8_t> secret);
// Checks the structure, that the header's alg is HS256 (and no "crit"), then the signature
// (constant time), then that the payload is a JSON object. Claims are not looked at.
JwsResult verify_jws_hs256(std::string_view token, std::span<const std::uint8_t> secret);

// What a playback token grants. Times are ms in memory, whole seconds in the JWT.
struct PlaybackClaims {
  std::string live_id;     // "sub"
  TimeMs issued_at = 0;    // "iat"
  TimeMs expires_at = 0;   // "exp"
  int device_limit = 0;    // "dl"; 0 = no limit from the token (the live's own applies)
  std::string token_id;    // "jti": devices are counted per token id
};

struct VerifyResult {
  std::optional<PlaybackClaims> claims;
  TokenError error = TokenError::Malformed;
  std::string reason;  // e.g. "token expired at 2026-03-01T10:00:00Z", when !claims
  explicit operator bool() const { return claims.has_value(); }
};

// Times are truncated to whole seconds. Throws std::invalid_argument on an empty secret.
std::string sign_playback_token(const PlaybackClaims& claims, std::span<const std::uint8_t> secret);
// sub, iat, exp and jti are required (dl optional, >= 0); expired when now >= exp.
// The caller still checks that claims->live_id is the live being requested.
VerifyResult verify_playback_token(std::string_view token, std::span<const std::uint8_t> secret, TimeMs now);

}  // namespace bvlive::security
