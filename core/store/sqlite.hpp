// Thin RAII owners for a SQLite connection, prepared statements and transactions.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace bvlive::sql {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what, int code = 0) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }  // SQLite's primary result code (SQLITE_BUSY, ...); 0 when not from SQLite

 private:
  int code_;
};

// Another process holds the database's write lock longer than the busy timeout (5 s): a
// sqlite3 shell in a transaction, a backup tool, a second daemon on a copy of the state.
class Busy : public Error {
 public:
  using Error::Error;
};

class Statement;

class Database {
 public:
  // Opens (creating) the file; throws Error naming the path on failure.
  explicit Database(const std::string& path);
  void exec(std::string_view sql);  // one or more statements, no results
  Statement prepare(std::string_view sql);
  sqlite3* raw() const { return db_.get(); }
  std::int64_t changes() const { return sqlite3_changes64(db_.get()); }
  const std::string& path() const { return path_; }

 private:
  struct Closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  std::unique_ptr<sqlite3, Closer> db_;
  std::string path_;
};

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  // Binds by 1-based index; optional binds NULL when empty.
  Statement& bind(int i, std::string_view v);
  Statement& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  Statement& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Statement& bind(int i, std::int64_t v);
  Statement& bind(int i, double v);
  Statement& bind(int i, const std::optional<std::int64_t>& v);
  Statement& bind(int i, const std::optional<std::string>& v);
  Statement& bind_null(int i);
  // Steps once: true when a row is available.
  bool step();
  void run();  // steps to completion, expecting no rows
  void reset();

  std::string text(int col) const;
  std::optional<std::string> opt_text(int col) const;
  std::int64_t integer(int col) const;
  std::optional<std::int64_t> opt_integer(int col) const;
  double real(int col) const;

 private:
  struct Finalizer {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
  };
  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
};

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless commit() ran.
class Transaction {
 public:
  explicit Transaction(Database& db);
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();
  void commit();

 private:
  Database& db_;
  bool done_ = false;
};

}  // namespace bvlive::sql
