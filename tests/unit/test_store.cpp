// The SQLite store: schema, migrations, and that what is written survives reopening.
#define BOOST_TEST_MODULE store
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>

#include "store/migrations.hpp"
#include "service/live_service.hpp"
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
    store.insert_session({"s1", "b", "LIVE", "rtmp", "127.0.0.1:5000", "{}", 10, 2, 6, std::nullopt, std::nullopt, std::nullopt});
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

// ---------------------------------------------------------------------------
// Schema 2: the segment index and preview tokens.

namespace {
SegmentRecord segment(const std::string& live_id, std::int64_t seq) {
  SegmentRecord r;
  r.live_id = live_id;
  r.session_id = "ss_1";
  r.seq = seq;
  r.duration = 2.0 + static_cast<double>(seq) / 3;  // not representable exactly: a REAL round trip
  r.program_date_time = 1'700'000'000'000 + seq * 2000;
  r.file = "ss_1/seg_" + std::to_string(seq) + ".m4s";
  r.init_file = "ss_1/init.mp4";
  r.bytes = 100'000 + seq;
  return r;
}

std::int64_t count_rows(Store& store, const std::string& table) {
  auto st = store.db().prepare("SELECT count(*) FROM " + table);
  st.step();
  return st.integer(0);
}
}  // namespace

BOOST_AUTO_TEST_CASE(schema_version_is_8) {
  TempDir dir;
  Store store((dir.path / "db").string(), true);
  BOOST_TEST(Store::kSchemaVersion == 8);
  BOOST_TEST(store.schema_version() == 8);
  BOOST_TEST(count_rows(store, "chat_messages") == 0);  // migration 7: chat and polls
  BOOST_TEST(count_rows(store, "polls") == 0);
  BOOST_TEST(count_rows(store, "poll_votes") == 0);
}

BOOST_AUTO_TEST_CASE(segments_round_trip_in_seq_order) {
  TempDir dir;
  const auto path = (dir.path / "db").string();
  {
    Store store(path, true);
    store.insert_live(sample("a"));
    store.insert_live(sample("b"));
    for (std::int64_t seq : {2, 0, 1}) store.insert_segment(segment("a", seq));
    store.insert_segment(segment("b", 0));
    // One row per (live, seq).
    BOOST_CHECK_THROW(store.insert_segment(segment("a", 1)), sql::Error);
  }
  Store store(path, true);
  const auto segs = store.segments("a");
  BOOST_REQUIRE(segs.size() == 3u);
  for (std::int64_t i = 0; i < 3; ++i) {
    BOOST_TEST_INFO("seq " << i);
    BOOST_TEST((segs[static_cast<std::size_t>(i)] == segment("a", i)));  // duration compared exactly
  }
  BOOST_TEST(segs[1].duration == 2.0 + 1.0 / 3);
  BOOST_TEST(store.segments("b").size() == 1u);
  BOOST_TEST(store.segments("nope").empty());
}

BOOST_AUTO_TEST_CASE(a_seq_holds_one_segment_per_rendition) {
  TempDir dir;
  Store store((dir.path / "db").string(), true);
  store.insert_live(sample("a"));
  for (const char* r : {"720p", "360p"}) {
    auto s = segment("a", 0);
    s.rendition = r;
    store.insert_segment(s);
  }
  auto dup = segment("a", 0);
  dup.rendition = "720p";
  BOOST_CHECK_THROW(store.insert_segment(dup), sql::Error);
  const auto segs = store.segments("a");
  BOOST_REQUIRE(segs.size() == 2u);
  BOOST_TEST(segs[0].rendition == "360p");  // (seq, rendition) order
  BOOST_TEST(segs[1].rendition == "720p");
}

BOOST_AUTO_TEST_CASE(schema_6_keeps_the_segments_of_schema_5_as_single_renditions) {
  TempDir dir;
  const auto path = (dir.path / "db").string();
  {
    sql::Database db(path);
    for (std::size_t i = 0; i < 5; ++i) db.exec(store_migrations()[i]);
    db.exec("PRAGMA user_version=5");
    db.exec("INSERT INTO lives (id, name, state, spec, stream_key, created_at, updated_at, state_changed_at) "
            "VALUES ('a', 'A', 'LIVE', '{}', 'sk', 0, 0, 0)");
    db.exec("INSERT INTO segments (live_id, seq, session_id, duration, pdt, file, init_file, bytes) "
            "VALUES ('a', 7, 'se_1', 2.0, 1000, 'se_1/seg_7.m4s', 'se_1/init.mp4', 100)");
  }
  Store store(path, true);
  const auto segs = store.segments("a");
  BOOST_REQUIRE(segs.size() == 1u);
  BOOST_TEST(segs[0].seq == 7);
  BOOST_TEST(segs[0].rendition == "");
  BOOST_TEST(segs[0].file == "se_1/seg_7.m4s");
}

BOOST_AUTO_TEST_CASE(segment_of_an_unknown_live_is_refused) {
  TempDir dir;
  Store store((dir.path / "db").string(), true);
  BOOST_CHECK_THROW(store.insert_segment(segment("ghost", 0)), sql::Error);
}

BOOST_AUTO_TEST_CASE(delete_segments_before_keeps_the_rest_and_other_lives) {
  TempDir dir;
  Store store((dir.path / "db").string(), true);
  store.insert_live(sample("a"));
  store.insert_live(sample("b"));
  for (std::int64_t seq = 0; seq < 10; ++seq) store.insert_segment(segment("a", seq));
  for (std::int64_t seq = 0; seq < 3; ++seq) store.insert_segment(segment("b", seq));
  store.delete_segments_before("a", 7);
  const auto segs = store.segments("a");
  BOOST_REQUIRE(segs.size() == 3u);
  BOOST_TEST(segs[0].seq == 7);
  BOOST_TEST(segs[2].seq == 9);
  BOOST_TEST(store.segments("b").size() == 3u);
  store.delete_segments_before("a", 0);  // nothing before 0
  BOOST_TEST(store.segments("a").size() == 3u);
}

BOOST_AUTO_TEST_CASE(deleting_a_live_removes_its_segments) {
  TempDir dir;
  Store store((dir.path / "db").string(), true);
  store.insert_live(sample("a"));
  store.insert_live(sample("b"));
  for (std::int64_t seq = 0; seq < 4; ++seq) store.insert_segment(segment("a", seq));
  store.insert_segment(segment("b", 0));
  store.insert_session({"s1", "a", "ENDED", "rtmp", "", "{}", 0, 4, 1, 2, "end", std::nullopt});
  store.delete_live("a");
  BOOST_TEST(store.segments("a").empty());
  BOOST_TEST(store.sessions("a").empty());
  BOOST_TEST(count_rows(store, "segments") == 1);
  BOOST_TEST(store.segments("b").size() == 1u);
}

BOOST_AUTO_TEST_CASE(preview_token_round_trips) {
  TempDir dir;
  const auto path = (dir.path / "db").string();
  {
    Store store(path, true);
    auto a = sample("a");
    a.preview_token = "pt_abc";
    store.insert_live(a);
    a.preview_token = "pt_def";
    store.update_live(a);
  }
  Store store(path, true);
  BOOST_TEST(store.load_lives().at(0).preview_token == "pt_def");
}

BOOST_AUTO_TEST_CASE(schema_1_database_is_migrated_and_keeps_its_lives) {
  TempDir dir;
  const auto path = (dir.path / "db").string();
  {
    // A store as the first release wrote it: migration 1 only, one live.
    sql::Database db(path);
    db.exec(store_migrations()[0]);
    db.exec("PRAGMA user_version=1");
    const auto a = sample("a");
    db.prepare(
          "INSERT INTO lives (id, custom_id, name, state, spec, stream_key, created_at, updated_at, "
          "state_changed_at, live_started_at, live_ended_at, from_config) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")
        .bind(1, a.id)
        .bind(2, a.spec.custom_id)
        .bind(3, a.spec.name)
        .bind(4, "PREVIEW")
        .bind(5, to_json(a.spec).dump())
        .bind(6, a.stream_key)
        .bind(7, a.created_at)
        .bind(8, a.updated_at)
        .bind(9, a.state_changed_at)
        .bind_null(10)
        .bind_null(11)
        .bind(12, std::int64_t{0})
        .run();
  }
  std::string token;
  {
    Store store(path, true);
    BOOST_TEST(store.schema_version() == 8);
    auto lives = store.load_lives();
    BOOST_REQUIRE(lives.size() == 1u);
    BOOST_TEST(lives[0].id == "a");
    BOOST_TEST(lives[0].stream_key == "sk_a");
    BOOST_TEST((lives[0].spec == sample("a").spec));
    BOOST_TEST((lives[0].state == LiveState::Preview));
    BOOST_TEST(lives[0].preview_token.empty());
    BOOST_TEST(store.segments("a").empty());
    store.insert_segment(segment("a", 0));  // the new table is usable

    // The service gives such a live a preview token when it loads it, and stores it.
    LiveService svc(store, ScheduleRules{}, (dir.path / "media").string(), 1'700'000'000'000);
    const LiveRecord* live = svc.by_id_or_custom_id("a");
    BOOST_REQUIRE(live != nullptr);
    token = live->preview_token;
    BOOST_TEST(token.rfind("pt_", 0) == 0u);
    BOOST_TEST(token.size() > 16u);
  }
  Store store(path, true);
  BOOST_TEST(store.load_lives().at(0).preview_token == token);
  // A second load keeps the token it already has.
  LiveService svc(store, ScheduleRules{}, (dir.path / "media").string(), 1'700'000'000'000);
  BOOST_TEST(svc.by_id_or_custom_id("a")->preview_token == token);
}
