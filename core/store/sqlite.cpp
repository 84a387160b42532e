#include "store/sqlite.hpp"

namespace bvlive::sql {
namespace {
[[noreturn]] void fail(sqlite3* db, std::string_view what) {
  const int code = db ? (sqlite3_errcode(db) & 0xff) : SQLITE_NOMEM;
  throw Error(std::string(what) + ": " + (db ? sqlite3_errmsg(db) : "out of memory"), code);
}
}  // namespace

Database::Database(const std::string& path) : path_(path) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  db_.reset(raw);
  if (rc != SQLITE_OK) fail(raw, "cannot open database " + path);
  sqlite3_busy_timeout(raw, 5000);
}

void Database::exec(std::string_view sql) {
  char* err = nullptr;
  const std::string s(sql);
  if (const int rc = sqlite3_exec(db_.get(), s.c_str(), nullptr, nullptr, &err); rc != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw Error("sqlite: " + msg + " (in: " + s.substr(0, 80) + ")", rc & 0xff);
  }
}

Statement Database::prepare(std::string_view sql) { return Statement(db_.get(), sql); }

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &raw, nullptr) != SQLITE_OK)
    fail(db, "prepare '" + std::string(sql.substr(0, 60)) + "'");
  stmt_.reset(raw);
}

Statement& Statement::bind(int i, std::string_view v) {
  if (sqlite3_bind_text(stmt_.get(), i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT) != SQLITE_OK)
    fail(db_, "bind");
  return *this;
}
Statement& Statement::bind(int i, std::int64_t v) {
  if (sqlite3_bind_int64(stmt_.get(), i, v) != SQLITE_OK) fail(db_, "bind");
  return *this;
}
Statement& Statement::bind(int i, double v) {
  if (sqlite3_bind_double(stmt_.get(), i, v) != SQLITE_OK) fail(db_, "bind");
  return *this;
}
double Statement::real(int col) const { return sqlite3_column_double(stmt_.get(), col); }
Statement& Statement::bind(int i, const std::optional<std::int64_t>& v) { return v ? bind(i, *v) : bind_null(i); }
Statement& Statement::bind(int i, const std::optional<std::string>& v) {
  return v ? bind(i, std::string_view(*v)) : bind_null(i);
}
Statement& Statement::bind_null(int i) {
  if (sqlite3_bind_null(stmt_.get(), i) != SQLITE_OK) fail(db_, "bind");
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(db_, "step");
}

void Statement::run() {
  while (step()) {
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

std::string Statement::text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_.get(), col));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_.get(), col))) : std::string();
}
std::optional<std::string> Statement::opt_text(int col) const {
  if (sqlite3_column_type(stmt_.get(), col) == SQLITE_NULL) return std::nullopt;
  return text(col);
}
std::int64_t Statement::integer(int col) const { return sqlite3_column_int64(stmt_.get(), col); }
std::optional<std::int64_t> Statement::opt_integer(int col) const {
  if (sqlite3_column_type(stmt_.get(), col) == SQLITE_NULL) return std::nullopt;
  return integer(col);
}

Transaction::Transaction(Database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }
Transaction::~Transaction() {
  if (!done_) {
    try {
      db_.exec("ROLLBACK");
    } catch (...) {
      // the connection is unusable anyway; nothing more to do in a destructor
    }
  }
}
void Transaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

}  // namespace bvlive::sql
