#include "store/api_key_store.hpp"

namespace bvlive {

void ApiKeyStore::insert(const api::ApiKeyRecord& k) {
  db_.prepare("INSERT INTO api_keys (name, scope, hash, prefix, created_at, last_used_at, revoked_at) VALUES (?,?,?,?,?,?,?)")
      .bind(1, k.name)
      .bind(2, std::string(api::to_string(k.scope)))
      .bind(3, k.hash)
      .bind(4, k.prefix)
      .bind(5, k.created_at)
      .bind(6, k.last_used_at)
      .bind(7, k.revoked_at)
      .run();
}

void ApiKeyStore::set_revoked(const std::string& name, TimeMs at) {
  db_.prepare("UPDATE api_keys SET revoked_at=? WHERE name=?").bind(1, at).bind(2, name).run();
}

void ApiKeyStore::set_last_used(const std::string& name, TimeMs at) {
  db_.prepare("UPDATE api_keys SET last_used_at=? WHERE name=?").bind(1, at).bind(2, name).run();
}

std::vector<api::ApiKeyRecord> ApiKeyStore::load() {
  auto st = db_.prepare(
      "SELECT name, scope, hash, prefix, created_at, last_used_at, revoked_at FROM api_keys ORDER BY created_at, name");
  std::vector<api::ApiKeyRecord> out;
  while (st.step()) {
    api::ApiKeyRecord k;
    k.name = st.text(0);
    k.scope = api::parse_scope(st.text(1)).value_or(api::Scope::Read);  // an unknown scope grants the least
    k.hash = st.text(2);
    k.prefix = st.text(3);
    k.created_at = st.integer(4);
    k.last_used_at = st.opt_integer(5);
    k.revoked_at = st.opt_integer(6);
    out.push_back(std::move(k));
  }
  return out;
}

}  // namespace bvlive
