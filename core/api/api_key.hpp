// API keys of the HTTP API (docs: man bvlive, "apikey"). A key is a random secret shown
// once; the store keeps only its SHA-256, so a copy of the database grants nothing.
// Scopes are cumulative: read < write < admin.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "util/time.hpp"

namespace bvlive::api {

enum class Scope { Read, Write, Admin };

std::string_view to_string(Scope s);
std::optional<Scope> parse_scope(std::string_view text);  // "read", "write", "admin" (any case)
inline bool allows(Scope have, Scope need) { return static_cast<int>(have) >= static_cast<int>(need); }

struct ApiKeyRecord {
  std::string name;    // what the operator calls it; recorded with every change it makes
  Scope scope = Scope::Read;
  std::string hash;    // lower-case hex SHA-256 of the key
  std::string prefix;  // the key's first characters, to recognise it in a list
  TimeMs created_at = 0;
  std::optional<TimeMs> last_used_at;
  std::optional<TimeMs> revoked_at;
};

// "bvk_" and 40 characters of [A-Za-z0-9] (238 bits) from the OpenSSL CSPRNG.
std::string new_api_key();
std::string api_key_hash(std::string_view key);
std::string api_key_prefix(std::string_view key);  // "bvk_" and 6 more characters
// 1 to 64 characters of A-Z a-z 0-9 . _ -
bool valid_api_key_name(std::string_view name);

// {"name","scope","prefix","created_at","last_used_at","revoked_at"}; never the hash.
nlohmann::json to_json(const ApiKeyRecord& k);

}  // namespace bvlive::api
