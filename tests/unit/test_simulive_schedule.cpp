// When a simulive's playout ends the live ends (with auto_end, whichever comes first);
// ENCODING waits for the VOD job, not a timer; create and update check what a live refers
// to through the daemon's hook (not for an update that changes nothing); and once the
// VOD has begun its source is fixed while its window can still move, with the schedule
// following. Over a real SQLite file, as the daemon runs it.
#define BOOST_TEST_MODULE simulive_schedule
#include <boost/test/unit_test.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "rpc/error.hpp"
#include "schedule/due.hpp"
#include "service/live_service.hpp"
#include "support/boost_json.hpp"
#include "support/rpc_errors.hpp"
#include "support/process.hpp"

using namespace bvlive;
using bvtest::contains;
using bvtest::error_of;
using bvtest::starts_with;
using nlohmann::json;

namespace {

constexpr TimeMs kSecond = 1000, kMinute = 60 * kSecond, kHour = 60 * kMinute;

// Whole seconds, so a time survives format_rfc3339 and back unchanged.
TimeMs now_s() { return now_ms() / kSecond * kSecond; }

struct Fixture {
  bvtest::TempDir dir{"bvlive-simsched"};
  std::unique_ptr<Store> store;
  std::unique_ptr<LiveService> svc;
  Fixture() { reopen(); }
  // A daemon (re)start now, over the same database.
  void reopen() {
    svc.reset();
    store.reset();
    store = std::make_unique<Store>(dir / "bvlive.db", true);
    svc = std::make_unique<LiveService>(*store, ScheduleRules{}, dir / "media", now_ms());
  }
  json create(json body) { return svc->create({{"live", std::move(body)}}, Caller{1000, "op"}); }
  json update(const std::string& id, json patch) { return svc->update({{"id", id}, {"live", std::move(patch)}}, Caller{1000, "op"}); }
  json live(const std::string& id) { return svc->get({{"id", id}})["live"]; }
  std::string state_of(const std::string& id) { return live(id)["state"]; }
  std::string id_of(const std::string& custom_id) { return live(custom_id)["id"]; }
  // PREVIEW then start: the live is LIVE.
  void go_live(const std::string& id) {
    svc->op(Trigger::Preview, {{"id", id}}, {});
    svc->op(Trigger::Start, {{"id", id}}, {});
    BOOST_TEST_REQUIRE(state_of(id) == "LIVE");
  }
  json last_event(const std::string& id) { return svc->events({{"id", id}})["events"].back(); }
};

json simulive(const std::string& custom_id, const std::string& library_id = "lib_video") {
  return {{"name", custom_id}, {"custom_id", custom_id}, {"type", "simulive"}, {"source", {{"library", {{"id", library_id}}}}}};
}

json window(TimeMs started, TimeMs ended) {
  return {{"started_at", format_rfc3339(started)}, {"ended_at", format_rfc3339(ended)}};
}

LiveRecord live_record(const json& body, TimeMs started_at) {
  LiveRecord l;
  l.id = "live_x";
  l.spec = live_spec_from_json(body);
  l.state = LiveState::Live;
  l.state_changed_at = started_at;
  l.live_started_at = started_at;
  return l;
}


}  // namespace

BOOST_AUTO_TEST_CASE(live_ends_at_the_playout_end_or_auto_end_whichever_is_first) {
  const TimeMs t0 = 1'800'000'000'000;
  const ScheduleRules rules;

  LiveRecord l = live_record(simulive("s"), t0);
  BOOST_TEST(!next_automatic(l, rules).has_value(), "no playout end, no auto_end: nothing due");

  l.playout_ends_at = t0 + 10 * kMinute;
  auto due = next_automatic(l, rules);
  BOOST_TEST_REQUIRE(due.has_value());
  BOOST_TEST(to_string(due->trigger) == "end");
  BOOST_TEST(due->at == t0 + 10 * kMinute);

  json body = simulive("s");
  body["schedule"] = {{"auto_end", "5m"}};
  l = live_record(body, t0);
  BOOST_TEST(next_automatic(l, rules)->at == t0 + 5 * kMinute, "auto_end alone");
  l.playout_ends_at = t0 + 10 * kMinute;
  BOOST_TEST(next_automatic(l, rules)->at == t0 + 5 * kMinute, "auto_end first");
  l.playout_ends_at = t0 + 2 * kMinute;
  BOOST_TEST(next_automatic(l, rules)->at == t0 + 2 * kMinute, "playout end first");
  BOOST_TEST(to_string(next_automatic(l, rules)->trigger) == "end");

  // The playout end only matters while LIVE.
  l.state = LiveState::Preview;
  BOOST_TEST(!next_automatic(l, rules).has_value());
}

BOOST_AUTO_TEST_CASE(encoding_has_no_automatic_transition) {
  json body = simulive("s");
  body["live_vod"] = {{"source", "catchup"}, {"started_at", "2030-01-01T00:00:00Z"}, {"ended_at", "2030-01-02T00:00:00Z"}};
  body["schedule"] = {{"auto_end", "5m"}, {"close_after", "1h"}};
  LiveRecord l = live_record(body, 1000);
  l.state = LiveState::Encoding;
  l.playout_ends_at = 2000;
  BOOST_TEST(!next_automatic(l, ScheduleRules{}).has_value());
}

BOOST_FIXTURE_TEST_SUITE(service, Fixture)

BOOST_AUTO_TEST_CASE(set_playout_end_schedules_the_end_and_survives_a_restart) {
  create(simulive("sim"));
  go_live("sim");
  BOOST_TEST(!svc->next_due().has_value());
  BOOST_TEST(live("sim")["next_transition"].is_null());

  const TimeMs at = now_s() + kHour;
  svc->set_playout_end(id_of("sim"), at);
  BOOST_TEST(svc->next_due().value_or(0) == at);
  BOOST_TEST(live("sim")["next_transition"] == json({{"trigger", "end"}, {"at", format_rfc3339(at)}}));

  reopen();  // persisted: a restarted daemon still ends it then
  BOOST_TEST(svc->next_due().value_or(0) == at);
  BOOST_TEST(store->load_lives().at(0).playout_ends_at.value_or(0) == at);

  BOOST_TEST(svc->run_due(at - 1).empty());
  BOOST_TEST(state_of("sim") == "LIVE");
  const auto applied = svc->run_due(at);
  BOOST_TEST_REQUIRE(applied.size() == 1u);
  BOOST_TEST(to_string(applied[0].trigger) == "end");
  BOOST_TEST(applied[0].cause == "schedule");
  BOOST_TEST(state_of("sim") == "LIVE_END");
  const json ev = last_event("sim");
  BOOST_TEST(ev["trigger"] == "end");
  BOOST_TEST(ev["from"] == "LIVE");
  BOOST_TEST(ev["to"] == "LIVE_END");
  BOOST_TEST(ev["cause"] == "schedule");
}

BOOST_AUTO_TEST_CASE(playout_end_and_auto_end_the_first_wins) {
  json body = simulive("sim");
  body["schedule"] = {{"auto_end", "1h"}};
  create(body);
  go_live("sim");
  const TimeMs started = store->load_lives().at(0).live_started_at.value();
  BOOST_TEST(svc->next_due().value_or(0) == started + kHour);

  svc->set_playout_end("sim", started + 2 * kHour);  // custom_id works too
  BOOST_TEST(svc->next_due().value_or(0) == started + kHour, "auto_end comes first");
  svc->set_playout_end("sim", started + 10 * kMinute);
  BOOST_TEST(svc->next_due().value_or(0) == started + 10 * kMinute, "the playout ends first");

  svc->set_playout_end("no-such-live", started);  // nothing to do, no error
  BOOST_TEST(svc->next_due().value_or(0) == started + 10 * kMinute);
}

BOOST_AUTO_TEST_CASE(the_playout_end_leads_to_encoding_which_waits_for_the_vod_job) {
  const TimeMs now = now_s();
  json body = simulive("sim");
  body["live_vod"] = {{"source", "catchup"}};
  body["live_vod"].update(window(now + 2 * kHour, now + 3 * kHour));
  create(body);
  go_live("sim");
  svc->set_playout_end("sim", now + kHour);
  svc->run_due(now + kHour);
  BOOST_TEST(state_of("sim") == "ENCODING");
  BOOST_TEST(!svc->next_due().has_value(), "no timer leaves ENCODING");
  BOOST_TEST(svc->run_due(now + 10 * kHour).empty());
  BOOST_TEST(state_of("sim") == "ENCODING");

  BOOST_TEST(svc->vod_asset_ready("live_unknown").empty());
  const auto ready = svc->vod_asset_ready(id_of("sim"));
  BOOST_TEST_REQUIRE(ready.size() == 1u);
  BOOST_TEST(to_string(ready[0].trigger) == "vod-asset-ready");
  BOOST_TEST(ready[0].cause == "encoding");
  BOOST_TEST(state_of("sim") == "VOD_READY");
  BOOST_TEST(svc->vod_asset_ready(id_of("sim")).empty(), "only from ENCODING");
  BOOST_TEST(svc->next_due().value_or(0) == now + 2 * kHour);
}

BOOST_AUTO_TEST_CASE(vod_ready_with_an_open_window_goes_straight_to_vod) {
  const TimeMs now = now_s();
  json body = {{"name", "L"}, {"custom_id", "l"}, {"live_vod", {{"source", "catchup"}}}};
  body["live_vod"].update(window(now - kHour, now + kHour));
  create(body);
  go_live("l");
  svc->op(Trigger::End, {{"id", "l"}}, {});
  BOOST_TEST(state_of("l") == "ENCODING");
  const auto ts = svc->vod_asset_ready(id_of("l"));
  BOOST_TEST_REQUIRE(ts.size() == 2u);
  BOOST_TEST(to_string(*ts[0].to) == "VOD_READY");
  BOOST_TEST(to_string(*ts[1].to) == "VOD");
  BOOST_TEST(state_of("l") == "VOD");
  BOOST_TEST(svc->next_due().value_or(0) == now + kHour);
}

BOOST_AUTO_TEST_CASE(create_is_refused_when_the_reference_hook_throws_and_stores_nothing) {
  std::vector<std::string> checked;
  svc->check_references = [&](const LiveSpec& s) {
    checked.push_back(s.source.library_id.value_or(""));
    if (s.source.library_id == "lib_missing") throw_invalid("live.source.library.id", "no library item 'lib_missing'");
  };
  const auto e = error_of([&] { create(simulive("bad", "lib_missing")); });
  BOOST_TEST(to_string(e.kind()) == to_string(ErrorKind::InvalidParams));
  BOOST_TEST(std::string(e.what()) == "live.source.library.id: no library item 'lib_missing'");
  BOOST_TEST(svc->size() == 0u);
  BOOST_TEST(store->load_lives().empty());
  BOOST_TEST(checked == std::vector<std::string>{"lib_missing"});

  create(simulive("good", "lib_video"));
  BOOST_TEST(svc->size() == 1u);
  BOOST_TEST(checked.size() == 2u);
  BOOST_TEST(checked.back() == "lib_video");
  reopen();
  BOOST_TEST(svc->size() == 1u);
}

BOOST_AUTO_TEST_CASE(update_calls_the_hook_only_for_a_change_and_a_refusal_changes_nothing) {
  create(simulive("sim", "lib_video"));
  int calls = 0;
  svc->check_references = [&](const LiveSpec& s) {
    ++calls;
    if (s.source.library_id == "lib_missing") throw_invalid("live.source.library.id", "no library item 'lib_missing'");
  };
  const std::size_t events_before = svc->events({{"id", "sim"}})["events"].size();

  // Nothing changes: the hook is not asked.
  BOOST_TEST(update("sim", json::object())["changed"].empty());
  BOOST_TEST(update("sim", {{"name", "sim"}, {"source", {{"library", {{"id", "lib_video"}}}}}})["changed"].empty());
  BOOST_TEST(calls == 0);

  // A change is checked.
  const json r = update("sim", {{"metadata", {{"short_description", "Sunday"}}}});
  BOOST_TEST(r["changed"] == json::array({"metadata"}));
  BOOST_TEST(calls == 1);

  // A refused change leaves the live as it was, in memory and in the store.
  const json before = live("sim");
  const auto e = error_of([&] { update("sim", {{"source", {{"library", {{"id", "lib_missing"}}}}}}); });
  BOOST_TEST(to_string(e.kind()) == to_string(ErrorKind::InvalidParams));
  BOOST_TEST(calls == 2);
  BOOST_TEST(live("sim") == before);
  BOOST_TEST(svc->events({{"id", "sim"}})["events"].size() == events_before + 1);  // the metadata update only
  reopen();
  BOOST_TEST(store->load_lives().at(0).spec.source.library_id.value_or("") == "lib_video");
}

BOOST_AUTO_TEST_CASE(vod_source_is_fixed_once_encoding_but_its_window_can_move) {
  const TimeMs now = now_s();
  json body = {{"name", "L"}, {"custom_id", "l"}, {"live_vod", {{"source", "catchup"}}}};
  body["live_vod"].update(window(now + kHour, now + 2 * kHour));
  create(body);
  go_live("l");

  // While LIVE the VOD has not begun: its source may still change.
  update("l", {{"live_vod", {{"source", "replace"}, {"replace", {{"id", "lib_edit"}}}}}});
  BOOST_TEST(live("l")["live_vod"]["source"] == "LIVE_VOD_SOURCE_REPLACE");
  svc->op(Trigger::End, {{"id", "l"}}, {});
  BOOST_TEST_REQUIRE(state_of("l") == "ENCODING");

  const json before = live("l");
  for (const json& patch : {json{{"live_vod", {{"source", "catchup"}, {"replace", nullptr}}}},
                            json{{"live_vod", {{"replace", {{"id", "lib_other"}}}}}}}) {
    BOOST_TEST_CONTEXT(patch.dump()) {
      const auto e = error_of([&] { update("l", patch); });
      BOOST_TEST(to_string(e.kind()) == to_string(ErrorKind::Conflict));
      BOOST_TEST(e.data()["path"] == "live.live_vod.source");
      BOOST_TEST(e.data()["state"] == "ENCODING");
      BOOST_TEST(contains(e.what(), "live.live_vod.source: cannot change once the live has ended"), e.what());
      BOOST_TEST(contains(e.what(), "started_at and ended_at can move"), e.what());
      BOOST_TEST(live("l") == before);
    }
  }

  // The window moves while ENCODING ...
  const json moved = update("l", {{"live_vod", window(now + 3 * kHour, now + 4 * kHour)}});
  BOOST_TEST(moved["changed"] == json::array({"live_vod"}));
  BOOST_TEST(state_of("l") == "ENCODING");
  BOOST_TEST(!svc->next_due().has_value());
  svc->vod_asset_ready(id_of("l"));
  BOOST_TEST(state_of("l") == "VOD_READY");
  BOOST_TEST(svc->next_due().value_or(0) == now + 3 * kHour);
  svc->run_due(now + 3 * kHour);
  BOOST_TEST(state_of("l") == "VOD");
  BOOST_TEST(svc->next_due().value_or(0) == now + 4 * kHour);

  // ... and in VOD: the close follows ended_at; the source is still fixed.
  update("l", {{"live_vod", {{"ended_at", format_rfc3339(now + 6 * kHour)}}}});
  BOOST_TEST(svc->next_due().value_or(0) == now + 6 * kHour);
  BOOST_TEST(live("l")["next_transition"] == json({{"trigger", "vod-window-close"}, {"at", format_rfc3339(now + 6 * kHour)}}));
  const auto e = error_of([&] { update("l", {{"live_vod", {{"source", "catchup"}}}}); });
  BOOST_TEST(to_string(e.kind()) == to_string(ErrorKind::Conflict));
  BOOST_TEST(e.data()["state"] == "VOD");
  reopen();
  BOOST_TEST(svc->next_due().value_or(0) == now + 6 * kHour);
  BOOST_TEST(svc->run_due(now + 5 * kHour).empty());
  svc->run_due(now + 6 * kHour);
  BOOST_TEST(state_of("l") == "LIVE_END");
}

BOOST_AUTO_TEST_SUITE_END()
