// The HTTP API's keys in the daemon's SQLite file (table api_keys, migration 8).
#pragma once

#include <string>
#include <vector>

#include "core/api/api_key.hpp"
#include "store/sqlite.hpp"

namespace bvlive {

class ApiKeyStore {
 public:
  explicit ApiKeyStore(sql::Database& db) : db_(db) {}

  void insert(const api::ApiKeyRecord& k);  // throws sql::Error on a duplicate name
  void set_revoked(const std::string& name, TimeMs at);
  void set_last_used(const std::string& name, TimeMs at);
  std::vector<api::ApiKeyRecord> load();  // by creation time

 private:
  sql::Database& db_;
};

}  // namespace bvlive
