// The application service over a real SQLite file: transitions are persisted
// before they are returned, refusals change nothing, schedules missed while the
// daemon was down are applied with cause missed-schedule, and config
// reconciliation is all-or-nothing.
#define BOOST_TEST_MODULE live_service
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>

#include "config/config_loader.hpp"
#include "rpc/error.hpp"
#include "service/live_service.hpp"

using namespace bvlive;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct Fixture {
  fs::path dir;
  std::string db;
  std::unique_ptr<Store> store;
  std::unique_ptr<LiveService> svc;
  Fixture() {
    char tmpl[] = "/tmp/bvlive-svc-XXXXXX";
    dir = ::mkdtemp(tmpl);
    db = (dir / "bvlive.db").string();
    open(now_ms());
  }
  ~Fixture() { fs::remove_all(dir); }
  // Simulates a daemon (re)start at `started_at`.
  void open(TimeMs started_at, ScheduleRules rules = {}) {
    svc.reset();
    store.reset();
    store = std::make_unique<Store>(db, true);
    svc = std::make_unique<LiveService>(*store, rules, (dir / "media").string(), started_at);
  }
  json create(json body) { return svc->create({{"live", std::move(body)}}, Caller{1000, "op"}); }
  std::string state_of(const std::string& id) { return svc->get({{"id", id}})["live"]["state"]; }
  std::vector<std::string> causes(const std::string& id) {
    std::vector<std::string> out;
    const json events = svc->events({{"id", id}});
    for (const auto& e : events["events"]) out.push_back(e["cause"]);
    return out;
  }
};

ErrorKind kind_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const RpcError& e) {
    return e.kind();
  }
  BOOST_FAIL("expected an RpcError");
  return ErrorKind::Internal;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(service, Fixture)

BOOST_AUTO_TEST_CASE(create_without_schedule_prepares_at_once) {
  auto r = create({{"name", "News"}, {"custom_id", "news"}});
  BOOST_TEST(r["live"]["state"] == "WAIT_FOR_PREVIEW");
  BOOST_TEST(r["transitions"].size() == 2u);
  BOOST_TEST(fs::is_directory(dir / "media" / r["live"]["id"].get<std::string>()));
  const auto ev = svc->events({{"id", "news"}})["events"];
  BOOST_REQUIRE(ev.size() == 3u);
  BOOST_TEST(ev[0]["trigger"] == "create");
  BOOST_TEST(ev[0]["uid"] == 1000);
  BOOST_TEST(ev[2]["to"] == "WAIT_FOR_PREVIEW");
}

BOOST_AUTO_TEST_CASE(create_with_future_schedule_waits) {
  const TimeMs at = now_ms() + 48LL * 3600 * 1000;
  auto r = create({{"name", "Gala"}, {"scheduled_at", format_rfc3339(at)}});
  BOOST_TEST(r["live"]["state"] == "SCHEDULED");
  BOOST_TEST(r["live"]["next_transition"]["trigger"] == "prepare-due");
  BOOST_TEST(svc->next_due().value() == at - 12LL * 3600 * 1000);
}

BOOST_AUTO_TEST_CASE(ops_are_persisted_before_they_return) {
  create({{"name", "A"}, {"custom_id", "a"}});
  svc->op(Trigger::Preview, {{"id", "a"}}, {});
  svc->op(Trigger::Start, {{"id", "a"}}, {});
  Store other(db, true);  // a second connection sees the committed state
  auto lives = other.load_lives();
  BOOST_REQUIRE(lives.size() == 1u);
  BOOST_TEST(to_string(lives[0].state) == "LIVE");
  BOOST_TEST(lives[0].live_started_at.has_value());
}

BOOST_AUTO_TEST_CASE(refused_op_changes_nothing) {
  create({{"name", "A"}, {"custom_id", "a"}});
  const auto before = svc->events({{"id", "a"}});
  try {
    svc->op(Trigger::Start, {{"id", "a"}}, {});
    BOOST_FAIL("start from WAIT_FOR_PREVIEW was allowed");
  } catch (const RpcError& e) {
    BOOST_TEST(to_string(e.kind()) == "conflict");
    BOOST_TEST(e.data()["state"] == "WAIT_FOR_PREVIEW");
    BOOST_TEST(e.data()["allowed_from"] == json::array({"PREVIEW"}));
    BOOST_TEST(std::string(e.what()) == "a: cannot start: live is WAIT_FOR_PREVIEW; start is allowed from PREVIEW");
  }
  BOOST_TEST(svc->events({{"id", "a"}}) == before);
  BOOST_TEST(state_of("a") == "WAIT_FOR_PREVIEW");
}

BOOST_AUTO_TEST_CASE(end_goes_through_encoding_with_live_vod) {
  const TimeMs now = now_ms();
  create({{"name", "V"},
          {"custom_id", "v"},
          {"live_vod",
           {{"source", "catchup"},
            {"started_at", format_rfc3339(now + 3600 * 1000)},
            {"ended_at", format_rfc3339(now + 7200 * 1000)}}}});
  svc->op(Trigger::Preview, {{"id", "v"}}, {});
  svc->op(Trigger::Start, {{"id", "v"}}, {});
  auto r = svc->op(Trigger::End, {{"id", "v"}}, {});
  BOOST_TEST(r["transitions"][0]["to"] == "ENCODING");
  BOOST_TEST(r["live"]["state"] == "ENCODING", "ENCODING lasts until the VOD job is done");
  svc->run_due(now + 600 * 1000);
  BOOST_TEST(state_of("v") == "ENCODING", "no timer leaves ENCODING");
  auto ready = svc->vod_asset_ready(svc->get({{"id", "v"}})["live"]["id"].get<std::string>());
  BOOST_TEST_REQUIRE(ready.size() == 1u);
  BOOST_TEST(ready[0].cause == "encoding");
  BOOST_TEST(state_of("v") == "VOD_READY");
  svc->run_due(now + 3600 * 1000);
  BOOST_TEST(state_of("v") == "VOD");
  svc->run_due(now + 7200 * 1000);
  BOOST_TEST(state_of("v") == "LIVE_END");
}

BOOST_AUTO_TEST_CASE(missed_schedule_is_applied_at_restart) {
  const TimeMs now = now_ms();
  ScheduleRules rules;
  rules.prepare_lead = 0;
  open(now, rules);
  create({{"name", "S"}, {"custom_id", "s"}, {"scheduled_at", format_rfc3339(now + 3600 * 1000)},
          {"schedule", {{"auto_preview", true}}}});
  BOOST_TEST(state_of("s") == "SCHEDULED");
  // "Restart" two hours later: the prepare time passed while we were down.
  const TimeMs restart = now + 2 * 3600 * 1000;
  open(restart, rules);
  auto applied = svc->run_due(restart);
  BOOST_TEST(applied.size() == 3u);
  BOOST_TEST(state_of("s") == "PREVIEW");
  const auto c = causes("s");
  BOOST_TEST(c.at(1) == "missed-schedule");
}

BOOST_AUTO_TEST_CASE(ids_and_custom_ids_resolve_and_collide) {
  auto r = create({{"name", "A"}, {"custom_id", "a"}});
  const std::string id = r["live"]["id"];
  BOOST_TEST(svc->get({{"id", id}})["live"]["custom_id"] == "a");
  BOOST_TEST(to_string(kind_of([&] { create({{"name", "B"}, {"custom_id", "a"}}); })) == "conflict");
  BOOST_TEST(to_string(kind_of([&] { create({{"name", "B"}, {"custom_id", id}}); })) == "conflict");
  BOOST_TEST(to_string(kind_of([&] { svc->get({{"id", "nope"}}); })) == "not_found");
  BOOST_TEST(to_string(kind_of([&] { svc->get(json::object()); })) == "invalid_params");
  BOOST_TEST(svc->size() == 1u);
}

BOOST_AUTO_TEST_CASE(update_merges_and_freezes_stream_fields_once_live) {
  create({{"name", "A"}, {"custom_id", "a"}});
  auto r = svc->update({{"id", "a"}, {"live", {{"name", "A2"}, {"resolution", "fhd"}}}}, {});
  BOOST_TEST(r["changed"] == json::array({"name", "resolution"}));
  BOOST_TEST(r["live"]["resolution"] == "LIVE_RESOLUTION_FHD");
  svc->op(Trigger::Preview, {{"id", "a"}}, {});
  svc->op(Trigger::Start, {{"id", "a"}}, {});
  BOOST_TEST(to_string(kind_of([&] { svc->update({{"id", "a"}, {"live", {{"resolution", "hd"}}}}, {}); })) ==
             "conflict");
  // Metadata may still change during the live.
  r = svc->update({{"id", "a"}, {"live", {{"metadata", {{"short_description", "now on"}}}}}}, {});
  BOOST_TEST(r["changed"] == json::array({"metadata"}));
  // An invalid patch changes nothing.
  BOOST_TEST(to_string(kind_of([&] { svc->update({{"id", "a"}, {"live", {{"bogus", 1}}}}, {}); })) ==
             "invalid_params");
  BOOST_TEST(svc->get({{"id", "a"}})["live"]["name"] == "A2");
}

BOOST_AUTO_TEST_CASE(delete_removes_live_and_media) {
  auto r = create({{"name", "A"}, {"custom_id", "a"}});
  const fs::path media = dir / "media" / r["live"]["id"].get<std::string>();
  BOOST_TEST(to_string(kind_of([&] { svc->op(Trigger::Delete, {{"id", "a"}}, {}); })) == "conflict");
  svc->op(Trigger::Cancel, {{"id", "a"}}, {});
  svc->op(Trigger::Delete, {{"id", "a"}}, {});
  BOOST_TEST(!fs::exists(media));
  BOOST_TEST(svc->size() == 0u);
  BOOST_TEST(Store(db, true).load_lives().empty());
}

BOOST_AUTO_TEST_CASE(reopen_goes_back_to_the_schedule) {
  const TimeMs later = now_ms() + 72LL * 3600 * 1000;
  create({{"name", "A"}, {"custom_id", "a"}});
  svc->op(Trigger::Cancel, {{"id", "a"}}, {});
  auto r = svc->op(Trigger::Reopen, {{"id", "a"}}, {});
  BOOST_TEST(r["live"]["state"] == "WAIT_FOR_PREVIEW");  // no schedule: prepared at once
  create({{"name", "B"}, {"custom_id", "b"}, {"scheduled_at", format_rfc3339(later)}});
  svc->op(Trigger::Cancel, {{"id", "b"}}, {});
  r = svc->op(Trigger::Reopen, {{"id", "b"}}, {});
  BOOST_TEST(r["live"]["state"] == "SCHEDULED");
}

BOOST_AUTO_TEST_CASE(rotate_key_replaces_the_key_and_never_logs_it) {
  auto r = create({{"name", "A"}, {"custom_id", "a"}});
  const std::string old_key = r["live"]["stream_key"];
  const std::string new_key = svc->rotate_key({{"id", "a"}}, {})["live"]["stream_key"];
  BOOST_TEST(new_key != old_key);
  BOOST_TEST(svc->events({{"id", "a"}}).dump().find(new_key) == std::string::npos);
  BOOST_TEST(svc->events({{"id", "a"}}).dump().find(old_key) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(reconcile_creates_updates_and_skips) {
  const TimeMs at = now_ms() + 48LL * 3600 * 1000;
  LiveDecl a;
  a.custom_id = "a";
  a.body = {{"name", "A"}, {"scheduled_at", format_rfc3339(at)}};
  LiveDecl b;
  b.custom_id = "b";
  b.body = {{"name", "B"}};
  auto r = svc->reconcile({a, b});
  BOOST_TEST(r["created"] == json::array({"a", "b"}));
  BOOST_TEST(svc->get({{"id", "a"}})["live"]["schedule"]["from_config"] == true);
  svc->op(Trigger::Preview, {{"id", "b"}}, {});
  svc->op(Trigger::Start, {{"id", "b"}}, {});
  a.body["scheduled_at"] = format_rfc3339(at + 3600 * 1000);
  a.schedule.auto_start = true;
  b.body["scheduled_at"] = format_rfc3339(at);
  r = svc->reconcile({a, b});
  BOOST_TEST(r["updated"][0]["custom_id"] == "a");
  BOOST_TEST(r["updated"][0]["fields"] == json::array({"schedule", "scheduled_at"}));
  BOOST_TEST(r["skipped"][0]["custom_id"] == "b");
  BOOST_TEST(svc->get({{"id", "b"}})["live"]["scheduled_at"].is_null());  // running live untouched
  BOOST_TEST(svc->reconcile({a, b})["unchanged"] == json::array({"a"}));
  // Other fields of an existing live are reported, not applied.
  a.body["name"] = "A renamed";
  r = svc->reconcile({a, b});
  BOOST_TEST(r["not_applied"][0]["fields"] == json::array({"name"}));
  BOOST_TEST(svc->get({{"id", "a"}})["live"]["name"] == "A");
}

BOOST_AUTO_TEST_CASE(reconcile_is_all_or_nothing) {
  LiveDecl good;
  good.custom_id = "good";
  good.body = {{"name", "Good"}};
  LiveDecl bad;
  bad.custom_id = "bad";
  bad.body = {{"name", "Bad"}, {"broadcast_mode", "playback"}};
  bad.pos = {"bvlived.toml", 7, 1};
  bad.key_pos["broadcast_mode"] = {"bvlived.toml", 9, 1};
  try {
    svc->reconcile({good, bad});
    BOOST_FAIL("a bad [[live]] was accepted");
  } catch (const ConfigError& e) {
    BOOST_TEST(std::string(e.what()).rfind("bvlived.toml:9:1: ", 0) == 0u, e.what());
  }
  BOOST_TEST(svc->size() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
