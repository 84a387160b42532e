#include "core/api/api_key_registry.hpp"

#include "rpc/error.hpp"

namespace bvlive::api {
namespace {

using nlohmann::json;
constexpr TimeMs kLastUsedWriteEvery = 60 * 1000;

std::string name_param(const json& params) {
  if (!params.is_object() || !params.contains("name") || !params["name"].is_string())
    throw_invalid("name", "required: the key's name (1 to 64 characters of A-Z a-z 0-9 . _ -)");
  std::string name = params["name"].get<std::string>();
  if (!valid_api_key_name(name))
    throw_invalid("name", "'" + name + "' must be 1 to 64 characters of A-Z a-z 0-9 . _ -");
  return name;
}

}  // namespace

ApiKeyRegistry::ApiKeyRegistry(sql::Database& db) : store_(db) {
  for (auto& k : store_.load()) {
    name_by_hash_[k.hash] = k.name;
    by_name_[k.name] = std::move(k);
  }
}

json ApiKeyRegistry::create(const json& params, TimeMs now) {
  const std::string name = name_param(params);
  if (!params.contains("scope") || !params["scope"].is_string())
    throw_invalid("scope", "required: read, write or admin");
  const auto scope = parse_scope(params["scope"].get<std::string>());
  if (!scope) throw_invalid("scope", "'" + params["scope"].get<std::string>() + "' is not a scope; use read, write or admin");
  if (const auto it = by_name_.find(name); it != by_name_.end())
    throw RpcError(ErrorKind::Conflict,
                   "an API key named '" + name + "' exists already" +
                       (it->second.revoked_at ? " (revoked; names are not reused, so events stay unambiguous)" : ""),
                   {{"name", name}});
  const std::string key = new_api_key();
  ApiKeyRecord rec;
  rec.name = name;
  rec.scope = *scope;
  rec.hash = api_key_hash(key);
  rec.prefix = api_key_prefix(key);
  rec.created_at = now;
  store_.insert(rec);
  name_by_hash_[rec.hash] = name;
  json out = to_json(rec);
  out["key"] = key;
  by_name_[name] = std::move(rec);
  return {{"apikey", out}};
}

json ApiKeyRegistry::list() const {
  json out = json::array();
  std::vector<const ApiKeyRecord*> rows;
  for (const auto& [name, k] : by_name_) rows.push_back(&k);
  std::ranges::sort(rows, [](const ApiKeyRecord* a, const ApiKeyRecord* b) {
    return std::tie(a->created_at, a->name) < std::tie(b->created_at, b->name);
  });
  for (const auto* k : rows) out.push_back(to_json(*k));
  return {{"apikeys", out}};
}

json ApiKeyRegistry::revoke(const json& params, TimeMs now) {
  const std::string name = name_param(params);
  const auto it = by_name_.find(name);
  if (it == by_name_.end()) throw RpcError(ErrorKind::NotFound, "no API key named '" + name + "'", {{"name", name}});
  ApiKeyRecord& k = it->second;
  json out = {{"revoked", nullptr}, {"already_revoked", k.revoked_at.has_value()}};
  if (!k.revoked_at) {
    store_.set_revoked(name, now);
    k.revoked_at = now;
  }
  out["revoked"] = to_json(k);
  return out;
}

ApiKeyRegistry::Check ApiKeyRegistry::authenticate(std::string_view presented, TimeMs now) {
  const auto h = name_by_hash_.find(api_key_hash(presented));
  if (h == name_by_hash_.end()) return {nullptr, "the API key is not valid; make one with bvlive apikey create"};
  ApiKeyRecord& k = by_name_.at(h->second);
  if (k.revoked_at)
    return {nullptr, "the API key '" + k.name + "' was revoked at " + format_rfc3339(*k.revoked_at)};
  if (!k.last_used_at || now - *k.last_used_at >= kLastUsedWriteEvery) {
    store_.set_last_used(k.name, now);
    k.last_used_at = now;
  }
  return {&k, ""};
}

}  // namespace bvlive::api
