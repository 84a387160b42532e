#include "core/security/jwt.hpp"
#include "util/base64.hpp"
#include "util/hex.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cmath>
#include <limits>
#include <stdexcept>

namespace bvlive::security {

namespace {

constexpr std::size_t kMacSize = 32;
// NumericDate bound: far beyond any real token, small enough that * 1000 stays in an int64.
constexpr double kMaxSeconds = 1e13;

std::span<const std::uint8_t> as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

void require_secret(std::span<const std::uint8_t> secret) {
  if (secret.empty()) throw std::invalid_argument("token signing secret is empty");
}

JwsResult jws_error(TokenError error, std::string reason) {
  JwsResult r;
  r.error = error;
  r.reason = std::move(reason);
  return r;
}

VerifyResult verify_error(TokenError error, std::string reason) {
  VerifyResult r;
  r.error = error;
  r.reason = std::move(reason);
  return r;
}

// A base64url part holding a JSON object, or nullopt.
std::optional<nlohmann::json> decode_json_part(std::string_view part) {
  auto bytes = base64url_decode(part);
  if (!bytes) return std::nullopt;
  auto json = nlohmann::json::parse(bytes->begin(), bytes->end(), nullptr, false);
  if (json.is_discarded() || !json.is_object()) return std::nullopt;
  return json;
}

// A NumericDate claim (seconds, possibly fractional) as ms.
std::optional<TimeMs> numeric_date_ms(const nlohmann::json& value) {
  if (value.is_number_integer()) {
    const auto s = value.get<std::int64_t>();
    if (s < -kMaxSeconds || s > kMaxSeconds) return std::nullopt;
    return s * 1000;
  }
  if (value.is_number_unsigned()) {
    const auto s = value.get<std::uint64_t>();
    if (s > kMaxSeconds) return std::nullopt;
    return static_cast<TimeMs>(s) * 1000;
  }
  if (value.is_number_float()) {
    const double s = value.get<double>();
    if (!std::isfinite(s) || s < -kMaxSeconds || s > kMaxSeconds) return std::nullopt;
    return static_cast<TimeMs>(std::floor(s * 1000.0));
  }
  return std::nullopt;
}

TimeMs whole_seconds(TimeMs ms) { return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000); }

}  // namespace

std::string base64url_encode(std::span<const std::uint8_t> bytes) { return base64_encode(bytes, Base64::Url); }

std::string base64url_encode(std::string_view text) { return base64url_encode(as_bytes(text)); }

std::optional<std::vector<std::uint8_t>> base64url_decode(std::string_view text) {
  return base64_decode(text, Base64::Url);
}

std::string encode_secret_hex(std::span<const std::uint8_t> secret) { return hex_encode(secret); }

std::optional<std::vector<std::uint8_t>> decode_secret_hex(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return std::vector<std::uint8_t>{};
  text = text.substr(first, text.find_last_not_of(kSpace) - first + 1);
  return hex_decode(text);
}

std::string_view token_error_name(TokenError error) {
  switch (error) {
    case TokenError::Malformed: return "malformed";
    case TokenError::BadSignature: return "bad_signature";
    case TokenError::Expired: return "expired";
  }
  return "malformed";
}

std::vector<std::uint8_t> hs256_mac(std::string_view signing_input, std::span<const std::uint8_t> secret) {
  std::vector<std::uint8_t> out(EVP_MAX_MD_SIZE);
  unsigned int out_len = 0;
  static const unsigned char kNoKey = 0;  // OpenSSL wants a pointer even for an empty key
  const void* key = secret.empty() ? static_cast<const void*>(&kNoKey) : secret.data();
  const auto input = as_bytes(signing_input);
  if (!HMAC(EVP_sha256(), key, static_cast<int>(secret.size()), input.data(), input.size(), out.data(), &out_len))
    throw std::runtime_error("HMAC-SHA256 failed in OpenSSL");
  out.resize(out_len);
  return out;
}

std::string sign_jws_hs256(const nlohmann::json& payload, std::span<const std::uint8_t> secret) {
  require_secret(secret);
  static const std::string kHeader = base64url_encode(std::string_view(R"({"alg":"HS256","typ":"JWT"})"));
  std::string token = kHeader + '.' + base64url_encode(std::string_view(payload.dump()));
  const auto mac = hs256_mac(token, secret);
  token += '.';
  token += base64url_encode(mac);
  return token;
}

JwsResult verify_jws_hs256(std::string_view token, std::span<const std::uint8_t> secret) {
  const auto dot1 = token.find('.');
  const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return jws_error(TokenError::Malformed, "token is not a compact JWT (three base64url parts separated by '.')");

  const auto header = decode_json_part(token.substr(0, dot1));
  if (!header) return jws_error(TokenError::Malformed, "token header is not base64url-encoded JSON object");
  const auto alg = header->find("alg");
  if (alg == header->end() || !alg->is_string())
    return jws_error(TokenError::Malformed, "token header has no \"alg\"");
  if (alg->get<std::string>() != "HS256")
    return jws_error(TokenError::Malformed,
                     "token algorithm \"" + alg->get<std::string>() + "\" is not accepted; only HS256 is");
  if (header->contains("crit"))
    return jws_error(TokenError::Malformed, "token header has \"crit\" extensions, which are not supported");

  const auto signature = base64url_decode(token.substr(dot2 + 1));
  if (!signature) return jws_error(TokenError::Malformed, "token signature is not base64url");
  if (secret.empty()) return jws_error(TokenError::BadSignature, "no token signing secret is configured");
  const auto mac = hs256_mac(token.substr(0, dot2), secret);
  if (signature->size() != mac.size() || CRYPTO_memcmp(signature->data(), mac.data(), mac.size()) != 0)
    return jws_error(TokenError::BadSignature, "token signature does not match (tampered, or signed with another secret)");

  auto payload = decode_json_part(token.substr(dot1 + 1, dot2 - dot1 - 1));
  if (!payload) return jws_error(TokenError::Malformed, "token payload is not a base64url-encoded JSON object");
  JwsResult ok;
  ok.payload = std::move(payload);
  return ok;
}

std::string sign_playback_token(const PlaybackClaims& claims, std::span<const std::uint8_t> secret) {
  const nlohmann::json payload = {
      {"sub", claims.live_id},
      {"iat", whole_seconds(claims.issued_at)},
      {"exp", whole_seconds(claims.expires_at)},
      {"dl", claims.device_limit},
      {"jti", claims.token_id},
  };
  return sign_jws_hs256(payload, secret);
}

VerifyResult verify_playback_token(std::string_view token, std::span<const std::uint8_t> secret, TimeMs now) {
  auto jws = verify_jws_hs256(token, secret);
  if (!jws) return verify_error(jws.error, std::move(jws.reason));
  const nlohmann::json& p = *jws.payload;

  PlaybackClaims claims;
  for (const char* name : {"sub", "jti"}) {
    const auto it = p.find(name);
    if (it == p.end() || !it->is_string() || it->get_ref<const std::string&>().empty())
      return verify_error(TokenError::Malformed, std::string("token has no \"") + name + "\" claim (a non-empty string)");
  }
  claims.live_id = p["sub"].get<std::string>();
  claims.token_id = p["jti"].get<std::string>();
  for (const char* name : {"iat", "exp"}) {
    const auto it = p.find(name);
    const auto ms = it == p.end() ? std::nullopt : numeric_date_ms(*it);
    if (!ms)
      return verify_error(TokenError::Malformed, std::string("token has no \"") + name + "\" claim (seconds since 1970)");
    (std::string_view(name) == "iat" ? claims.issued_at : claims.expires_at) = *ms;
  }
  if (const auto dl = p.find("dl"); dl != p.end()) {
    if (!dl->is_number_integer() || dl->get<std::int64_t>() < 0 ||
        dl->get<std::int64_t>() > std::numeric_limits<int>::max())
      return verify_error(TokenError::Malformed, "token \"dl\" claim (device limit) is not a non-negative integer");
    claims.device_limit = static_cast<int>(dl->get<std::int64_t>());
  }
  if (now >= claims.expires_at)
    return verify_error(TokenError::Expired, "token expired at " + format_rfc3339(claims.expires_at));

  VerifyResult ok;
  ok.claims = std::move(claims);
  return ok;
}

}  // namespace bvlive::security
