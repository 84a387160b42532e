// The API keys the daemon knows: created, listed and revoked by `bvlive apikey` (methods
// apikey.create/list/revoke) and checked on every HTTP API request. Every change is in
// SQLite before the caller hears of it; a revoked key is refused from the next request.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <string_view>

#include "core/api/api_key.hpp"
#include "store/api_key_store.hpp"

namespace bvlive::api {

class ApiKeyRegistry {
 public:
  explicit ApiKeyRegistry(sql::Database& db);

  // {"name", "scope"} -> {"apikey": {..., "key"}}: the only time the key is shown.
  nlohmann::json create(const nlohmann::json& params, TimeMs now);
  nlohmann::json list() const;
  // {"name"} -> {"revoked": {...}}; revoking a revoked key changes nothing and says so.
  nlohmann::json revoke(const nlohmann::json& params, TimeMs now);

  struct Check {
    const ApiKeyRecord* key = nullptr;  // set when the key is known and not revoked
    std::string refusal;                // why not, for the 401
  };
  // Looks a presented key up. Records its use (written to the store at most once a
  // minute per key, so a busy client does not turn every read into a write).
  Check authenticate(std::string_view presented, TimeMs now);

  std::size_t size() const { return by_name_.size(); }

 private:
  ApiKeyStore store_;
  std::map<std::string, ApiKeyRecord, std::less<>> by_name_;
  std::map<std::string, std::string, std::less<>> name_by_hash_;
};

}  // namespace bvlive::api
