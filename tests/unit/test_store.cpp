// The SQLite store: schema, migrations, and that what is written survives reopening.
#define BOOST_TEST_MODULE store
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>

#include "store/migrations.hpp"
#include "store/store.hpp"

using namespace bvlive;
namespace fs = std::filesystem;

namespace {
struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/bvlive-store-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
};

LiveRecord sample(const std::string& id) {
  LiveRecord l;
  l.id = id;
  l.spec.name = "Live " + id;
  l.spec.custom_id = "c-" + id;
  l.spec.broadcast_mode = BroadcastMode::Dvr;
  l.spec.scheduled_at = 1'800'000'000'000;
  l.state = LiveState::Preview;
  l.stream_key = "sk_" + id;
  l.created_at = l.updated_at = l.state_changed_at = 1'700'000'000'000;
  return l;
}
}  // namespace

BOOST_AUTO_TEST_CASE(new_store_has_current_schema_and_wal) {
  TempDir dir;
  Store store((dir.path / "db").string(), true);
  BOOST_TEST(store.schema_version() == static_cast<int>(store_migrations().size()));
  auto st = store.db().prepare("PRAGMA journal_mode");
  st.step();
  BOOST_TEST(st.text(0) == "wal");
}

BOOST_AUTO_TEST_CASE(lives_events_and_sessions_survive_reopen) {
  TempDir dir;
  const auto path = (dir.path / "db").string();
  {
    Store store(path, true);
    store.insert_live(sample("a"));
    auto b = sample("b");
    b.spec.custom_id.reset();
    b.live_started_at = 1'700'000'100'000;
    store.insert_live(b);
    b.state = LiveState::Live;
    store.update_live(b);
    store.append_event({0, "b", 5, "PREVIEW", "LIVE", "start", "op", "", 1000});
    store.insert_session({"s1", "b", "LIVE", "rtmp", "127.0.0.1:5000", "{}", 10, 2, 6, std::nullopt, std::nullopt});
  }
  Store store(path, true);
  auto lives = store.load_lives();
  BOOST_REQUIRE(lives.size() == 2u);
  BOOST_TEST((lives[0].spec == sample("a").spec));
  BOOST_TEST(to_string(lives[1].state) == "LIVE");
  BOOST_TEST(lives[1].live_started_at.value() == 1'700'000'100'000);
  BOOST_TEST(!lives[1].spec.custom_id.has_value());
  auto ev = store.events("b", 0);
  BOOST_REQUIRE(ev.size() == 1u);
  BOOST_TEST(ev[0].trigger == "start");
  BOOST_TEST(ev[0].uid.value() == 1000);
  // Sessions left running are ended on the next start.
  auto orphans = store.end_orphaned_sessions(99, "daemon-restart");
  BOOST_TEST(orphans.size() == 1u);
  auto sessions = store.sessions("b");
  BOOST_TEST(sessions.at(0).state == "ENDED");
  BOOST_TEST(sessions.at(0).end_reason.value() == "daemon-restart");
}

BOOST_AUTO_TEST_CASE(custom_id_is_unique_in_the_schema) {
  TempDir dir;
  Store store((dir.path / "db").string(), false);
  store.insert_live(sample("a"));
  auto dup = sample("z");
  dup.spec.custom_id = "c-a";
  BOOST_CHECK_THROW(store.insert_live(dup), sql::Error);
}

BOOST_AUTO_TEST_CASE(uncommitted_transaction_leaves_nothing) {
  TempDir dir;
  Store store((dir.path / "db").string(), true);
  {
    sql::Transaction tx(store.db());
    store.insert_live(sample("a"));
  }  // no commit
  BOOST_TEST(store.load_lives().empty());
}

BOOST_AUTO_TEST_CASE(delete_removes_sessions_and_events) {
  TempDir dir;
  Store store((dir.path / "db").string(), true);
  store.insert_live(sample("a"));
  store.append_event({0, "a", 1, std::nullopt, "SCHEDULED", "create", "op", "", std::nullopt});
  store.delete_live("a");
  BOOST_TEST(store.load_lives().empty());
  BOOST_TEST(store.events("a", 0).empty());
}

BOOST_AUTO_TEST_CASE(newer_schema_is_refused) {
  TempDir dir;
  const auto path = (dir.path / "db").string();
  {
    Store store(path, true);
    store.db().exec("PRAGMA user_version=99");
  }
  BOOST_CHECK_EXCEPTION(Store(path, true), sql::Error, [](const sql::Error& e) {
    return std::string(e.what()).find("newer than this bvlived understands") != std::string::npos;
  });
}

BOOST_AUTO_TEST_CASE(a_file_that_is_not_a_database_is_refused_with_its_path) {
  TempDir dir;
  const auto path = (dir.path / "db").string();
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    std::fputs("this is not SQLite, just some text long enough to have a header.................", f);
    std::fclose(f);
  }
  BOOST_CHECK_EXCEPTION(Store(path, true), sql::Error, [&](const sql::Error& e) {
    const std::string msg = e.what();
    return msg.find(path) != std::string::npos && msg.find("move it aside") != std::string::npos;
  });
}
