// The database locked by another process at start (a sqlite3 shell or a backup holding a
// write transaction): bvlived waits its 5 s busy timeout, then exits 75 (EX_TEMPFAIL) with
// a message naming the file and what to do, having changed nothing; it starts once the
// lock is gone.
#define BOOST_TEST_MODULE store_locked
#include <boost/test/unit_test.hpp>

#include <sqlite3.h>

#include <memory>
#include <string>

#include "support/checks.hpp"
#include "support/media.hpp"
#include "support/process.hpp"

using namespace bvtest;

BOOST_AUTO_TEST_CASE(a_locked_database_stops_the_start_with_exit_75) {
  TempDir dir{"bvlive-locked"};
  {
    // A first start makes the state directory and the database, with one live in it.
    auto daemon = start_daemon(dir);
    Cli cli(daemon->socket());
    REQUIRE_EXIT(cli.run({"-q", "create", "--name", "kept", "--custom-id", "kept"}), 0);
    BOOST_TEST_REQUIRE(daemon->stop() == 0);
  }
  const std::string db_path = dir / "state/bvlive.db";
  sqlite3* raw = nullptr;
  BOOST_TEST_REQUIRE(sqlite3_open(db_path.c_str(), &raw) == SQLITE_OK);
  std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db(raw, &sqlite3_close);
  BOOST_TEST_REQUIRE(sqlite3_exec(db.get(), "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) == SQLITE_OK);

  DaemonProcess locked(dir.path());  // the same state directory, an empty config
  BOOST_CHECK_THROW(locked.start(), std::runtime_error);
  BOOST_TEST_REQUIRE(poll_until([&] { return !locked.running(); }, 20s), "bvlived still runs:\n" << locked.log());
  BOOST_TEST(locked.exit_code().value_or(-1) == 75, locked.log());
  BOOST_TEST(contains(locked.log(), "bvlive.db is locked by another process"), locked.log());
  BOOST_TEST(contains(locked.log(), "start bvlived again"), locked.log());

  // The lock gone, the same state starts, the live still there.
  BOOST_TEST_REQUIRE(sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr) == SQLITE_OK);
  db.reset();
  DaemonProcess again(dir.path());
  again.start();
  Cli cli(again.socket());
  REQUIRE_EXIT(cli.run({"show", "kept"}), 0);
}
