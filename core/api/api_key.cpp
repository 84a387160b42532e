#include "core/api/api_key.hpp"

#include <openssl/sha.h>

#include <array>

#include "live/live_spec.hpp"
#include "core/security/jwt.hpp"
#include "util/ascii.hpp"
#include "util/random_id.hpp"

namespace bvlive::api {

namespace {
constexpr std::string_view kKeyPrefix = "bvk_";
constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
}  // namespace

std::string_view to_string(Scope s) {
  switch (s) {
    case Scope::Read: return "read";
    case Scope::Write: return "write";
    case Scope::Admin: return "admin";
  }
  return "read";
}

std::optional<Scope> parse_scope(std::string_view text) {
  for (Scope s : {Scope::Read, Scope::Write, Scope::Admin})
    if (iequals(text, to_string(s))) return s;
  return std::nullopt;
}

std::string new_api_key() { return std::string(kKeyPrefix) + random_string(40, kAlphabet); }

std::string api_key_hash(std::string_view key) {
  std::array<std::uint8_t, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), digest.data());
  return security::encode_secret_hex(digest);
}

std::string api_key_prefix(std::string_view key) { return std::string(key.substr(0, kKeyPrefix.size() + 6)); }

// The same alphabet as a live's custom_id: safe in a URL path and a log line.
bool valid_api_key_name(std::string_view name) { return valid_custom_id(name); }

nlohmann::json to_json(const ApiKeyRecord& k) {
  auto time_or_null = [](const std::optional<TimeMs>& t) {
    return t ? nlohmann::json(format_rfc3339(*t)) : nlohmann::json(nullptr);
  };
  return {{"name", k.name},
          {"scope", std::string(to_string(k.scope))},
          {"prefix", k.prefix},
          {"created_at", format_rfc3339(k.created_at)},
          {"last_used_at", time_or_null(k.last_used_at)},
          {"revoked_at", time_or_null(k.revoked_at)}};
}

}  // namespace bvlive::api
