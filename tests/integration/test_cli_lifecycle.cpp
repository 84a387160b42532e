// Every bvlive command against a real bvlived: output, exit codes, and the lifecycle
// walked end to end (core/rpc/README.md, docs/ARCHITECTURE.md#live-lifecycle, bvlive(1)).
#define BOOST_TEST_MODULE cli_lifecycle
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/checks.hpp"
#include "support/lives.hpp"
#include "support/media_files.hpp"
#include "support/process.hpp"

using namespace bvtest;
using nlohmann::json;

namespace {

const std::string kSeed = std::string(BVLIVE_TEST_DATA) + "/seed_create_body.json";

// One daemon per test case, in its own directory.
struct DaemonFixture {
  TempDir dir;
  DaemonProcess daemon{dir.path()};
  Cli cli{daemon.socket()};
  DaemonFixture() { daemon.start(); }
  ~DaemonFixture() {
    if (daemon.running()) {
      const int rc = daemon.stop();
      BOOST_CHECK_MESSAGE(rc == 0, "bvlived exited with " << rc << " on SIGTERM; log:\n" << daemon.log());
    }
  }
};

// Creates a live from flags (-q prints just the id) and returns its id.
std::string create_live(const Cli& cli, std::vector<std::string> flags) {
  flags.insert(flags.begin(), {"create", "-q"});
  RunResult r = cli.run(flags);
  BOOST_TEST_REQUIRE(r.code == 0, "create failed" << r.describe());
  auto ls = lines_of(r.out);
  BOOST_TEST_REQUIRE(ls.size() == 1u, "create -q should print exactly the id" << r.describe());
  return ls[0];
}

// Runs a lifecycle op that must succeed; returns its stdout.
std::string op_ok(const Cli& cli, const std::string& op, const std::string& id, const std::string& expect_state) {
  RunResult r = cli.run({op, id});
  BOOST_TEST_REQUIRE(r.code == 0, op << " " << id << " should succeed" << r.describe());
  BOOST_TEST(state_of(cli, id) == expect_state, "after " << op << " the live should be " << expect_state);
  return r.out;
}

// A refused op: exit 3, stderr names the current state and every state it is allowed from,
// and nothing changed (list --json and the history are identical before and after).
void expect_refused(const Cli& cli, const std::string& id, const std::string& op, const std::string& state,
                    const std::vector<std::string>& allowed) {
  const std::string before = list_json_text(cli);
  const json events_before = events_of(cli, id);
  std::vector<std::string> args = {op, id};
  if (op == "delete") args.push_back("--yes");
  RunResult r = cli.run(args);
  BOOST_TEST(r.code == 3, op << " in " << state << " must be refused with exit 3" << r.describe());
  BOOST_TEST(contains(r.err, state), op << ": stderr should name the current state " << state << r.describe());
  for (const auto& a : allowed)
    BOOST_TEST(contains(r.err, a), op << ": stderr should name the allowed state " << a << r.describe());
  BOOST_TEST(r.out.empty(), op << ": a refused op prints nothing on stdout" << r.describe());
  BOOST_TEST(list_json_text(cli) == before, op << " refused but `list --json` changed");
  const json events_after = events_of(cli, id);
  BOOST_TEST(events_after == events_before,
             op << " refused but the history changed:" << joined(history(events_after)));
}

// Every leaf of `want` (the seed body) must come back with the same value at the same
// path, except `allowed` paths (documented normalizations).
void compare_leaves(const json& want, const json& got, const std::string& path, std::vector<std::string>& diffs) {
  if (want.is_object()) {
    if (!got.is_object()) {
      diffs.push_back(path + " (not an object: " + got.dump() + ")");
      return;
    }
    for (const auto& [k, v] : want.items()) {
      if (!got.contains(k)) {
        diffs.push_back(path + "." + k + " (missing)");
        continue;
      }
      compare_leaves(v, got[k], path + "." + k, diffs);
    }
  } else if (want.is_array()) {
    if (!got.is_array() || got.size() != want.size()) {
      diffs.push_back(path + " (" + want.dump() + " became " + got.dump() + ")");
      return;
    }
    for (std::size_t i = 0; i < want.size(); ++i)
      compare_leaves(want[i], got[i], path + "[" + std::to_string(i) + "]", diffs);
  } else if (want != got) {
    diffs.push_back(path + " (" + want.dump() + " became " + got.dump() + ")");
  }
}

}  // namespace

// ---------------------------------------------------------------------------

BOOST_FIXTURE_TEST_CASE(create_seed_body_verbatim_and_from_stdin, DaemonFixture) {
  // The seed's example create body, byte for byte, via `create --json FILE`: its enabled
  // watermark names the placeholder library id "string", which is refused by name.
  RunResult r = cli.run({"create", "--json", kSeed});
  CHECK_EXIT(r, 2);
  BOOST_TEST(contains(r.err, "live.security.watermark.image.library_id: no library item 'string'"), r.describe());
  BOOST_TEST(cli.json({"list"})["lives"].empty(), "a refused create stored a live");

  // With a real image in its place, the rest of the body is taken as is.
  const std::string png = dir / "watermark.png";
  make_test_image(png);
  RunResult added = cli.run({"-q", "library", "add", png});
  REQUIRE_EXIT(added, 0);
  const std::string image_id = added.out.substr(0, added.out.find('\n'));
  std::string seed_text = read_file(kSeed);
  const std::string placeholder = "\"image\":{ \"library_id\":\"string\" }";
  BOOST_TEST_REQUIRE(contains(seed_text, placeholder));
  seed_text.replace(seed_text.find(placeholder), placeholder.size(), "\"image\":{ \"library_id\":\"" + image_id + "\" }");
  const std::string seed_file = dir / "seed.json";
  write_file(seed_file, seed_text);
  r = cli.run({"create", "--json", seed_file});
  REQUIRE_EXIT(r, 0);
  json out = parse_out(r);
  BOOST_TEST_REQUIRE(out.contains("live"), r.describe());
  const json& live = out["live"];
  BOOST_TEST(live["state"] == "WAIT_FOR_PREVIEW", r.describe());
  BOOST_TEST(live["broadcast_mode"] == "BROADCAST_MODE_TRADITIONAL_LIVE");
  BOOST_TEST(live["type"] == "LIVE_TYPE_LIVE");
  BOOST_TEST(live["resolution"] == "LIVE_RESOLUTION_HD");
  BOOST_TEST(live["ingestion_types"] == json::array({"LIVE_STREAM_INGEST_TYPE_RTMP"}));
  BOOST_TEST(live["security"]["privacy"]["type"] == "SECURITY_PRIVACY_TYPE_PUBLIC");
  BOOST_TEST(live["security"]["watermark"]["position"] == "WATERMARK_POSITION_TOP_RIGHT");
  BOOST_TEST(live["custom_id"] == "string");
  BOOST_TEST(live["name"] == "string");
  BOOST_TEST(live["id"].is_string());
  BOOST_TEST(!live["id"].get<std::string>().empty());
  BOOST_TEST(live["stream_key"].is_string());
  BOOST_TEST(live["channel_state"] == "IDLE");
  for (const char* k : {"created_at", "updated_at", "state_changed_at", "live_started_at", "live_ended_at",
                        "current_session", "schedule", "next_transition"})
    BOOST_TEST(live.contains(k), "LIVE lacks " << k);
  // scheduled_at (2019) is in the past: prepared at once.
  json trans = out.value("transitions", json::array());
  BOOST_TEST_REQUIRE(trans.size() == 2u, trans.dump());
  BOOST_TEST(trans[0]["from"] == "SCHEDULED");
  BOOST_TEST(trans[0]["to"] == "PREPARING");
  BOOST_TEST(trans[1]["to"] == "WAIT_FOR_PREVIEW");

  // Everything the body said comes back (long enum names), bar the documented normalizations.
  const json seed = json::parse(seed_text);
  std::vector<std::string> diffs;
  compare_leaves(seed["live"], live, "live", diffs);
  const std::set<std::string> normalized = {
      "live.ingestion_types (\"LIVE_STREAM_INGEST_TYPE_RTMP\" became [\"LIVE_STREAM_INGEST_TYPE_RTMP\"])",
      "live.security.geo_control[0] (\"string\" became \"STRING\")"};
  for (const auto& d : diffs) BOOST_TEST(normalized.count(d) == 1u, "seed body field changed: " << d);

  // The same body again: duplicate custom_id.
  const std::string before = list_json_text(cli);
  r = cli.run({"create", "--json", seed_file});
  CHECK_EXIT(r, 3);
  BOOST_TEST(contains(r.err, "custom_id"), r.describe());
  BOOST_TEST(contains(r.err, "string"), r.describe());
  BOOST_TEST(list_json_text(cli) == before, "a refused create changed the list");

  // From stdin with `--json -` (custom_id changed so it is not a duplicate).
  std::string body = seed_text;
  const std::string from = "\"custom_id\":\"string\"";
  BOOST_TEST_REQUIRE(contains(body, from));
  body.replace(body.find(from), from.size(), "\"custom_id\":\"from-stdin\"");
  r = cli.run_stdin(body, {"create", "--json", "-"});
  REQUIRE_EXIT(r, 0);
  BOOST_TEST(parse_out(r)["live"]["custom_id"] == "from-stdin");
  BOOST_TEST(parse_out(r)["live"]["state"] == "WAIT_FOR_PREVIEW");

  // `-f -` with a bare object (no {"live": ...} wrapper), human output.
  r = cli.run_stdin(R"({"name": "Bare body", "custom_id": "bare", "broadcast_mode": "dvr"})", {"create", "-f", "-"});
  REQUIRE_EXIT(r, 0);
  BOOST_TEST(contains(r.out, "bare"), r.describe());
  BOOST_TEST(contains(r.out, "Bare body"), r.describe());
  BOOST_TEST(contains(r.out, "WAIT_FOR_PREVIEW"), r.describe());
  BOOST_TEST(live_of(cli, "bare")["broadcast_mode"] == "BROADCAST_MODE_DVR");

  // A file plus flags: flags win.
  r = cli.run({"create", "-f", seed_file, "--custom-id", "flagged", "--name", "Other name", "-o", "json"});
  REQUIRE_EXIT(r, 0);
  BOOST_TEST(parse_out(r)["live"]["name"] == "Other name");
  BOOST_TEST(parse_out(r)["live"]["custom_id"] == "flagged");

  BOOST_TEST(cli.json({"list"})["lives"].size() == 4u);
}

BOOST_FIXTURE_TEST_CASE(create_from_flags, DaemonFixture) {
  const std::string sched = rfc3339_in(48h);
  RunResult r = cli.run({"create", "--name", "Sunday service", "--custom-id", "sunday", "--type", "live",
                         "--broadcast-mode", "dvr", "--resolution", "fhd", "--ingest", "rtmp,srt", "--ingest", "whip",
                         "--privacy", "token", "--device-limit", "3", "--description", "Weekly service", "--ull",
                         "--scheduled-at", sched, "--auto-preview", "15m", "--auto-start", "--auto-end", "1h30m",
                         "--close-after", "2h", "-o", "json"});
  REQUIRE_EXIT(r, 0);
  const json live = parse_out(r)["live"];
  BOOST_TEST(live["name"] == "Sunday service");
  BOOST_TEST(live["custom_id"] == "sunday");
  BOOST_TEST(live["type"] == "LIVE_TYPE_LIVE");
  BOOST_TEST(live["broadcast_mode"] == "BROADCAST_MODE_DVR");
  BOOST_TEST(live["resolution"] == "LIVE_RESOLUTION_FHD");
  BOOST_TEST(live["ingestion_types"] == json::array({"LIVE_STREAM_INGEST_TYPE_RTMP", "LIVE_STREAM_INGEST_TYPE_SRT",
                                                     "LIVE_STREAM_INGEST_TYPE_WHIP"}),
             live["ingestion_types"].dump());
  BOOST_TEST(live["security"]["privacy"]["type"] == "SECURITY_PRIVACY_TYPE_TOKEN");
  BOOST_TEST(live["security"]["privacy"]["token"]["device_limit"] == 3);
  BOOST_TEST(live["metadata"]["short_description"] == "Weekly service");
  BOOST_TEST(live["ull_enabled"] == true);
  BOOST_TEST(time_of(live["scheduled_at"]) == *parse_rfc3339(sched));
  BOOST_TEST(live["state"] == "SCHEDULED", "48 h ahead is beyond the default 12 h prepare_lead");
  BOOST_TEST(live["schedule"]["auto_start"] == true);
  BOOST_TEST(!live["schedule"]["auto_preview"].is_null());
  BOOST_TEST(!live["schedule"]["auto_end"].is_null());
  BOOST_TEST(!live["schedule"]["close_after"].is_null());
  BOOST_TEST(live["schedule"]["from_config"] == false);
  BOOST_TEST_REQUIRE(live["next_transition"].is_object(), live.dump());
  BOOST_TEST(live["next_transition"]["trigger"] == "prepare-due");
  BOOST_TEST(time_of(live["next_transition"]["at"]) == *parse_rfc3339(sched) - 12 * 3600 * 1000);

  // Default output: the live as key: value lines.
  r = cli.run({"create", "--name", "Plain"});
  REQUIRE_EXIT(r, 0);
  BOOST_TEST(contains(r.out, "name:"), r.describe());
  BOOST_TEST(contains(r.out, "Plain"), r.describe());
  BOOST_TEST(contains(r.out, "WAIT_FOR_PREVIEW"), r.describe());
  BOOST_TEST(contains(r.out, "stream_key:"), r.describe());

  // `--json` with no FILE, last on the line: just JSON output.
  r = cli.run({"create", "--name", "Json last", "--json"});
  REQUIRE_EXIT(r, 0);
  BOOST_TEST(parse_out(r)["live"]["name"] == "Json last");
  // ... and before the command name.
  r = cli.run({"--json", "create", "--name", "Json first"});
  REQUIRE_EXIT(r, 0);
  BOOST_TEST(parse_out(r)["live"]["name"] == "Json first");

  // -q: only the id.
  const std::string id = create_live(cli, {"--name", "Quiet"});
  BOOST_TEST(id.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") ==
                 std::string::npos,
             "id '" << id << "' is not URL-safe");
  BOOST_TEST(live_of(cli, id)["name"] == "Quiet");
}

BOOST_FIXTURE_TEST_CASE(list_table_filter_and_json, DaemonFixture) {
  RunResult r = cli.run({"list"});
  REQUIRE_EXIT(r, 0);
  BOOST_TEST(contains(r.out, "no lives"), r.describe());
  BOOST_TEST(cli.json({"list"}) == json({{"lives", json::array()}}));

  const std::string a = create_live(cli, {"--name", "Alpha", "--custom-id", "alpha", "--scheduled-at", rfc3339_in(48h)});
  const std::string b = create_live(cli, {"--name", "Bravo"});
  const std::string c = create_live(cli, {"--name", "Charlie", "--custom-id", "charlie"});
  op_ok(cli, "preview", "charlie", "PREVIEW");

  r = cli.run({"list"});
  REQUIRE_EXIT(r, 0);
  auto ls = lines_of(r.out);
  BOOST_TEST_REQUIRE(ls.size() == 4u, "header + 3 rows" << r.describe());
  for (const char* h : {"ID", "CUSTOM_ID", "NAME", "STATE"}) BOOST_TEST(contains(ls[0], h), r.describe());
  BOOST_TEST((contains(ls[1], a) && contains(ls[1], "alpha") && contains(ls[1], "SCHEDULED")), r.describe());
  BOOST_TEST((contains(ls[2], b) && contains(ls[2], "Bravo") && contains(ls[2], "WAIT_FOR_PREVIEW")), r.describe());
  BOOST_TEST((contains(ls[3], c) && contains(ls[3], "charlie") && contains(ls[3], "PREVIEW")), r.describe());

  // --state, any case.
  r = cli.run({"list", "--state", "scheduled"});
  REQUIRE_EXIT(r, 0);
  BOOST_TEST(lines_of(r.out).size() == 2u, r.describe());
  BOOST_TEST(contains(r.out, "alpha"), r.describe());
  BOOST_TEST(!contains(r.out, "Bravo"), r.describe());
  r = cli.run({"list", "--state", "PREVIEW"});
  REQUIRE_EXIT(r, 0);
  BOOST_TEST(lines_of(r.out).size() == 2u, r.describe());
  BOOST_TEST(contains(r.out, "charlie"), r.describe());
  r = cli.run({"list", "--state", "LIVE"});
  REQUIRE_EXIT(r, 0);
  BOOST_TEST(contains(r.out, "no lives"), r.describe());
  r = cli.run({"list", "--state", "bogus"});
  CHECK_EXIT(r, 2);
  BOOST_TEST(contains(r.err, "bogus"), r.describe());

  // --json: SUMMARY objects, oldest first.
  json lives = cli.json({"list"})["lives"];
  BOOST_TEST_REQUIRE(lives.size() == 3u, lives.dump());
  const std::set<std::string> keys = {"id", "custom_id", "name", "type", "state", "channel_state", "scheduled_at",
                                      "updated_at"};
  for (const auto& s : lives)
    for (const auto& k : keys) BOOST_TEST(s.contains(k), "summary lacks " << k << ": " << s.dump());
  BOOST_TEST(lives[0]["id"] == a);
  BOOST_TEST(lives[1]["id"] == b);
  BOOST_TEST(lives[2]["id"] == c);
  BOOST_TEST(lives[1]["custom_id"].is_null());
  BOOST_TEST(lives[1]["scheduled_at"].is_null());
  BOOST_TEST(lives[0]["type"] == "LIVE_TYPE_LIVE");
  json filtered = cli.json({"list", "--state", "wait_for_preview"})["lives"];
  BOOST_TEST_REQUIRE(filtered.size() == 1u, filtered.dump());
  BOOST_TEST(filtered[0]["id"] == b);

  // -q: ids, one per line.
  r = cli.run({"list", "-q"});
  REQUIRE_EXIT(r, 0);
  BOOST_TEST((lines_of(r.out) == std::vector<std::string>{a, b, c}), r.describe());
}

BOOST_FIXTURE_TEST_CASE(show_by_id_and_custom_id, DaemonFixture) {
  const std::string id = create_live(cli, {"--name", "Show me", "--custom-id", "show-me", "--description", "hello"});
  const json by_id = cli.json({"show", id});
  const json by_custom = cli.json({"show", "show-me"});
  BOOST_TEST(by_id == by_custom, "show by id and by custom_id differ:\n" << by_id.dump() << "\n" << by_custom.dump());
  BOOST_TEST(by_id["live"]["id"] == id);
  BOOST_TEST(by_id["live"]["custom_id"] == "show-me");

  RunResult r = cli.run({"show", "show-me"});
  REQUIRE_EXIT(r, 0);
  for (const std::string& s : {std::string("id:"), id, std::string("show-me"), std::string("Show me"),
                               std::string("state:"), std::string("WAIT_FOR_PREVIEW"), std::string("hello")})
    BOOST_TEST(contains(r.out, s), "show output lacks '" << s << "'" << r.describe());
  // The global option after the command name works as well.
  r = run({BVLIVE_BIN, "show", id, "--json", "--socket", daemon.socket()});
  REQUIRE_EXIT(r, 0);
  BOOST_TEST(parse_out(r) == by_id);

  r = cli.run({"show", "no-such-live"});
  CHECK_EXIT(r, 4);
  BOOST_TEST(contains(r.err, "no-such-live"), r.describe());
}

BOOST_FIXTURE_TEST_CASE(update_fields_and_frozen_after_live, DaemonFixture) {
  const std::string id = create_live(cli, {"--name", "Before", "--custom-id", "upd", "--scheduled-at", rfc3339_in(48h)});

  RunResult r = cli.run({"update", "upd", "--name", "After"});
  REQUIRE_EXIT(r, 0);
  BOOST_TEST(contains(r.out, "changed"), r.describe());
  BOOST_TEST(contains(r.out, "name"), r.describe());
  BOOST_TEST(live_of(cli, id)["name"] == "After");

  const std::string later = rfc3339_in(72h);
  r = cli.run({"update", "upd", "--scheduled-at", later, "--json"});
  REQUIRE_EXIT(r, 0);
  json res = parse_out(r);
  BOOST_TEST((std::find(res["changed"].begin(), res["changed"].end(), json("scheduled_at")) != res["changed"].end()),
             r.describe());
  json live = live_of(cli, "upd");
  BOOST_TEST(time_of(live["scheduled_at"]) == *parse_rfc3339(later));
  BOOST_TEST(time_of(live["next_transition"]["at"]) == *parse_rfc3339(later) - 12 * 3600 * 1000);
  BOOST_TEST(live["state"] == "SCHEDULED");

  // A merge patch from stdin: one nested field changes, its sibling stays.
  r = cli.run({"update", "upd", "--description", "short one"});
  REQUIRE_EXIT(r, 0);
  r = cli.run_stdin(R"({"metadata": {"long_description": "a longer one"}})", {"update", "upd", "-f", "-"});
  REQUIRE_EXIT(r, 0);
  live = live_of(cli, "upd");
  BOOST_TEST(live["metadata"]["long_description"] == "a longer one");
  BOOST_TEST(live["metadata"]["short_description"] == "short one", "a merge patch must keep sibling fields");

  r = cli.run({"update", "upd"});
  CHECK_EXIT(r, 2);  // nothing to update
  r = cli.run({"update", "nope", "--name", "x"});
  CHECK_EXIT(r, 4);
  const std::string before_bad = list_json_text(cli);
  r = cli.run_stdin(R"({"broadcast_mode": "playback"})", {"update", "upd", "-f", "-"});
  CHECK_EXIT(r, 2);
  BOOST_TEST(contains(r.err, "broadcast_mode"), r.describe());
  BOOST_TEST(list_json_text(cli) == before_bad, "a refused update changed the list");

  // Launch now, then walk to LIVE.
  r = cli.run({"update", "upd", "--scheduled-at", "none"});
  REQUIRE_EXIT(r, 0);
  BOOST_TEST_REQUIRE(wait_for_state(cli, "upd", "WAIT_FOR_PREVIEW"), "state is " << state_of(cli, "upd"));
  op_ok(cli, "preview", "upd", "PREVIEW");
  op_ok(cli, "start", "upd", "LIVE");

  // Frozen once LIVE: exit 3, the field and the state named, nothing changed.
  const std::string before = list_json_text(cli);
  const json live_before = live_of(cli, "upd");
  r = cli.run({"update", "upd", "--scheduled-at", rfc3339_in(96h)});
  CHECK_EXIT(r, 3);
  BOOST_TEST(contains(r.err, "scheduled_at"), r.describe());
  BOOST_TEST(contains(r.err, "LIVE"), r.describe());
  r = cli.run({"update", "upd", "--ull"});
  CHECK_EXIT(r, 3);
  BOOST_TEST(contains(r.err, "ull_enabled"), r.describe());
  BOOST_TEST(list_json_text(cli) == before, "a refused update changed the list");
  BOOST_TEST(live_of(cli, "upd") == live_before, "a refused update changed the live");

  // The name is not frozen.
  r = cli.run({"update", "upd", "--name", "Renamed while live"});
  REQUIRE_EXIT(r, 0);
  BOOST_TEST(live_of(cli, "upd")["name"] == "Renamed while live");
  BOOST_TEST(live_of(cli, "upd")["state"] == "LIVE");
}

BOOST_FIXTURE_TEST_CASE(full_walk_with_refusals_events_and_delete, DaemonFixture) {
  const std::string id = create_live(cli, {"--name", "Walk", "--custom-id", "walk"});
  BOOST_TEST_REQUIRE(state_of(cli, "walk") == "WAIT_FOR_PREVIEW");

  expect_refused(cli, "walk", "start", "WAIT_FOR_PREVIEW", {"PREVIEW"});
  expect_refused(cli, "walk", "end", "WAIT_FOR_PREVIEW", {"LIVE"});
  expect_refused(cli, "walk", "close", "WAIT_FOR_PREVIEW", {"LIVE_END"});
  expect_refused(cli, "walk", "reopen", "WAIT_FOR_PREVIEW", {"CLOSED"});
  expect_refused(cli, "walk", "archive", "WAIT_FOR_PREVIEW", {"LIVE_END", "CLOSED"});
  expect_refused(cli, "walk", "delete", "WAIT_FOR_PREVIEW", {"CLOSED", "ARCHIVED"});

  std::string out = op_ok(cli, "preview", "walk", "PREVIEW");
  BOOST_TEST(contains(out, "WAIT_FOR_PREVIEW -> PREVIEW"), out);
  expect_refused(cli, "walk", "preview", "PREVIEW", {"WAIT_FOR_PREVIEW"});
  out = op_ok(cli, "start", id, "LIVE");  // by id as well as by custom_id
  BOOST_TEST(contains(out, "PREVIEW -> LIVE"), out);
  expect_refused(cli, "walk", "start", "LIVE", {"PREVIEW"});
  expect_refused(cli, "walk", "close", "LIVE", {"LIVE_END"});
  out = op_ok(cli, "end", "walk", "LIVE_END");
  BOOST_TEST(contains(out, "LIVE -> LIVE_END"), out);
  BOOST_TEST(live_of(cli, "walk")["channel_state"] == "STOP");
  BOOST_TEST(!live_of(cli, "walk")["live_ended_at"].is_null());
  expect_refused(cli, "walk", "cancel", "LIVE_END", {"SCHEDULED", "PREPARING", "WAIT_FOR_PREVIEW", "PREVIEW", "LIVE"});
  expect_refused(cli, "walk", "end", "LIVE_END", {"LIVE"});
  out = op_ok(cli, "close", "walk", "CLOSED");
  BOOST_TEST(contains(out, "LIVE_END -> CLOSED"), out);
  expect_refused(cli, "walk", "start", "CLOSED", {"PREVIEW"});
  out = op_ok(cli, "reopen", "walk", "WAIT_FOR_PREVIEW");
  BOOST_TEST(contains(out, "CLOSED -> PREPARING"), out);
  BOOST_TEST(contains(out, "PREPARING -> WAIT_FOR_PREVIEW"), out);
  op_ok(cli, "preview", "walk", "PREVIEW");
  op_ok(cli, "start", "walk", "LIVE");
  out = op_ok(cli, "cancel", "walk", "CLOSED");
  BOOST_TEST(contains(out, "LIVE -> CLOSED"), out);
  out = op_ok(cli, "archive", "walk", "ARCHIVED");
  BOOST_TEST(contains(out, "CLOSED -> ARCHIVED"), out);
  expect_refused(cli, "walk", "reopen", "ARCHIVED", {"CLOSED"});
  expect_refused(cli, "walk", "archive", "ARCHIVED", {"LIVE_END", "CLOSED"});
  expect_refused(cli, "walk", "cancel", "ARCHIVED", {"WAIT_FOR_PREVIEW", "LIVE"});

  // The whole history, causes included; refused ops left no trace.
  const json events = events_of(cli, "walk");
  const std::vector<std::string> expected = {
      "- -> SCHEDULED create/op",
      "SCHEDULED -> PREPARING prepare-due/schedule",
      "PREPARING -> WAIT_FOR_PREVIEW resources-ready/schedule",
      "WAIT_FOR_PREVIEW -> PREVIEW preview/op",
      "PREVIEW -> LIVE start/op",
      "LIVE -> LIVE_END end/op",
      "LIVE_END -> CLOSED close/op",
      "CLOSED -> PREPARING reopen/op",
      "PREPARING -> WAIT_FOR_PREVIEW resources-ready/schedule",
      "WAIT_FOR_PREVIEW -> PREVIEW preview/op",
      "PREVIEW -> LIVE start/op",
      "LIVE -> CLOSED cancel/op",
      "CLOSED -> ARCHIVED archive/op",
  };
  BOOST_TEST(history(events) == expected, "history:" << joined(history(events)) << "\nexpected:" << joined(expected));
  std::int64_t last_seq = -1, last_at = 0;
  for (const auto& e : events) {
    BOOST_TEST(e["seq"].is_number_integer(), e.dump());
    if (e["seq"].is_number_integer()) {
      BOOST_TEST(e["seq"].get<std::int64_t>() > last_seq, "seq must increase: " << e.dump());
      last_seq = e["seq"].get<std::int64_t>();
    }
    const std::int64_t at = time_of(e["at"]);
    BOOST_TEST(at >= last_at, "events must be oldest first: " << e.dump());
    last_at = at;
    if (e["cause"] == "op")
      BOOST_TEST(e["uid"] == static_cast<std::int64_t>(::getuid()), "uid of an op is the caller's: " << e.dump());
    else
      BOOST_TEST(e["uid"].is_null(), "automatic transitions have no uid: " << e.dump());
  }

  RunResult r = cli.run({"events", "walk"});
  REQUIRE_EXIT(r, 0);
  auto ls = lines_of(r.out);
  BOOST_TEST(ls.size() == expected.size() + 1, "header + one line per event" << r.describe());
  BOOST_TEST((contains(ls.at(0), "FROM") && contains(ls.at(0), "CAUSE")), r.describe());
  BOOST_TEST(contains(r.out, "reopen"), r.describe());
  json limited = cli.json({"events", "walk", "--limit", "3"})["events"];
  BOOST_TEST(limited.size() == 3u, limited.dump());
  r = cli.run({"events", "walk", "--limit", "0"});
  CHECK_EXIT(r, 2);

  // delete: needs --yes without a terminal; then the live is gone.
  r = cli.run({"delete", "walk"});
  CHECK_EXIT(r, 2);
  BOOST_TEST(contains(r.err, "--yes"), r.describe());
  BOOST_TEST(state_of(cli, "walk") == "ARCHIVED");
  r = cli.run({"delete", "walk", "--yes"});
  REQUIRE_EXIT(r, 0);
  BOOST_TEST(contains(r.out, "deleted"), r.describe());
  BOOST_TEST(contains(r.out, id), r.describe());
  CHECK_EXIT(cli.run({"show", "walk"}), 4);
  CHECK_EXIT(cli.run({"show", id}), 4);
  CHECK_EXIT(cli.run({"events", id}), 4);
  BOOST_TEST(cli.json({"list"})["lives"].empty());
  // A new live may take the freed custom_id.
  create_live(cli, {"--name", "Walk again", "--custom-id", "walk"});
}

BOOST_FIXTURE_TEST_CASE(live_vod_walk_encoding_vod_ready_vod_live_end, DaemonFixture) {
  const std::string vod_start = rfc3339_in(4s);
  const std::string vod_end = rfc3339_in(6s);
  const std::int64_t t_start = *parse_rfc3339(vod_start), t_end = *parse_rfc3339(vod_end);
  const std::string id = create_live(
      cli, {"--name", "With VOD", "--custom-id", "vod", "--live-vod", "catchup", "--vod-start", vod_start,
            "--vod-end", vod_end});
  json live = live_of(cli, "vod");
  BOOST_TEST(live["live_vod"]["source"] == "LIVE_VOD_SOURCE_CATCHUP");
  op_ok(cli, "preview", "vod", "PREVIEW");
  op_ok(cli, "start", "vod", "LIVE");
  RunResult r = cli.run({"end", "vod"});
  REQUIRE_EXIT(r, 0);
  BOOST_TEST(contains(r.out, "LIVE -> ENCODING"), r.describe());
  // Nothing was pushed: the VOD job finds an empty recording and the asset is ready at once.
  const bool ready = wait_for_state(cli, "vod", "VOD_READY", 10s) || state_of(cli, "vod") == "VOD";
  BOOST_TEST(ready, "state is " << state_of(cli, "vod"));

  live = live_of(cli, "vod");
  if (now_ms() < t_start - 300 && live["state"] == "VOD_READY") {
    BOOST_TEST(live["state"] == "VOD_READY", live.dump());
    BOOST_TEST_REQUIRE(live["next_transition"].is_object(), live.dump());
    BOOST_TEST(live["next_transition"]["trigger"] == "vod-window-open");
    BOOST_TEST(time_of(live["next_transition"]["at"]) == t_start);
    expect_refused(cli, "vod", "close", "VOD_READY", {"LIVE_END"});
  } else {
    BOOST_TEST_MESSAGE("the machine is slow: VOD_READY checks skipped");
  }

  BOOST_TEST(wait_for_state(cli, "vod", "VOD", 12s), "state is " << state_of(cli, "vod"));
  BOOST_TEST(wait_for_state(cli, "vod", "LIVE_END", 12s), "state is " << state_of(cli, "vod"));

  const json events = events_of(cli, "vod");
  const std::vector<std::string> tail_expected = {
      "LIVE -> ENCODING end/op",
      "ENCODING -> ENCODING vod/encoding",
      "ENCODING -> VOD_READY vod-asset-ready/encoding",
      "VOD_READY -> VOD vod-window-open/schedule",
      "VOD -> LIVE_END vod-window-close/schedule",
  };
  auto h = history(events);
  BOOST_TEST_REQUIRE(h.size() >= tail_expected.size(), joined(h));
  BOOST_TEST(std::vector<std::string>(h.end() - 5, h.end()) == tail_expected, "history:" << joined(h));
  const json open = find_event(events, "VOD", "VOD_READY");
  const json close = find_event(events, "LIVE_END", "VOD");
  BOOST_TEST_REQUIRE((open.is_object() && close.is_object()), joined(h));
  BOOST_TEST(time_of(open["at"]) >= t_start, "VOD opened early: " << open.dump() << " vs " << vod_start);
  BOOST_TEST(time_of(open["at"]) <= t_start + 1500, "VOD opened late: " << open.dump() << " vs " << vod_start);
  BOOST_TEST(time_of(close["at"]) >= t_end, "VOD closed early: " << close.dump() << " vs " << vod_end);
  BOOST_TEST(time_of(close["at"]) <= t_end + 1500, "VOD closed late: " << close.dump() << " vs " << vod_end);

  op_ok(cli, "close", id, "CLOSED");
  op_ok(cli, "archive", id, "ARCHIVED");
}

BOOST_FIXTURE_TEST_CASE(sessions_status_reload_rotate_key, DaemonFixture) {
  const std::string id = create_live(cli, {"--name", "Keys", "--custom-id", "keys"});

  // sessions: none yet.
  RunResult r = cli.run({"sessions", "keys"});
  REQUIRE_EXIT(r, 0);
  BOOST_TEST(contains(r.out, "no sessions"), r.describe());
  BOOST_TEST(cli.json({"sessions", id}) == json({{"sessions", json::array()}}));
  CHECK_EXIT(cli.run({"sessions", "nope"}), 4);

  // status.
  r = cli.run({"status"});
  REQUIRE_EXIT(r, 0);
  for (const std::string& s : {std::string("version"), std::string("pid"), std::to_string(daemon.pid()),
                               daemon.socket(), daemon.state_dir()})
    BOOST_TEST(contains(r.out, s), "status lacks '" << s << "'" << r.describe());
  json st = cli.json({"status"});
  BOOST_TEST(st["pid"] == daemon.pid());
  BOOST_TEST(st["socket"] == daemon.socket());
  BOOST_TEST(st["state_dir"] == daemon.state_dir());
  BOOST_TEST(st["config"] == daemon.config_path());
  BOOST_TEST(st["lives_total"] == 1);
  BOOST_TEST(st["lives_by_state"]["WAIT_FOR_PREVIEW"] == 1);
  BOOST_TEST(st["version"].is_string());
  BOOST_TEST(st["uptime_s"].is_number());

  // reload of an unchanged (empty) config.
  r = cli.run({"reload"});
  REQUIRE_EXIT(r, 0);
  BOOST_TEST(contains(r.out, "config"), r.describe());
  BOOST_TEST(contains(r.out, daemon.config_path()), r.describe());
  json rl = cli.json({"reload"});
  for (const char* k : {"created", "updated", "unchanged", "skipped"}) {
    BOOST_TEST(rl[k].is_array(), rl.dump());
    BOOST_TEST(rl[k].empty(), rl.dump());
  }
  BOOST_TEST(rl["config"] == daemon.config_path());

  // rotate-key: a new key each time; the old one is gone from show.
  const std::string k0 = live_of(cli, "keys")["stream_key"].get<std::string>();
  BOOST_TEST_REQUIRE(!k0.empty());
  r = cli.run({"rotate-key", "keys"});
  REQUIRE_EXIT(r, 0);
  BOOST_TEST(contains(r.out, "stream_key"), r.describe());
  BOOST_TEST(!contains(r.out, k0), r.describe());
  const std::string k1 = live_of(cli, "keys")["stream_key"].get<std::string>();
  BOOST_TEST(k1 != k0);
  BOOST_TEST(contains(r.out, k1), r.describe());
  r = cli.run({"show", "keys"});
  REQUIRE_EXIT(r, 0);
  BOOST_TEST(contains(r.out, k1), r.describe());
  BOOST_TEST(!contains(r.out, k0), "old key still shown" << r.describe());
  BOOST_TEST(!contains(cli.run({"--json", "show", "keys"}).out, k0), "old key still in show --json");
  r = cli.run({"rotate-key", id, "-q"});
  REQUIRE_EXIT(r, 0);
  const auto ls = lines_of(r.out);
  BOOST_TEST_REQUIRE(ls.size() == 1u, r.describe());
  BOOST_TEST(ls[0] != k1);
  BOOST_TEST(ls[0] != k0);
  BOOST_TEST(live_of(cli, id)["stream_key"] == ls[0]);
  json rk = cli.json({"rotate-key", "keys"});
  BOOST_TEST(rk["live"]["stream_key"].is_string());
  BOOST_TEST(rk["live"]["stream_key"] != ls[0]);
  CHECK_EXIT(cli.run({"rotate-key", "nope"}), 4);
  BOOST_TEST(live_of(cli, id)["state"] == "WAIT_FOR_PREVIEW", "rotating the key does not move the live");
}

BOOST_FIXTURE_TEST_CASE(errors_and_exit_codes, DaemonFixture) {
  const std::string id = create_live(cli, {"--name", "Existing", "--custom-id", "existing"});
  create_live(cli, {"--name", "Other", "--custom-id", "other"});
  const std::string before = list_json_text(cli);

  // Usage errors: exit 2, nothing sent.
  const std::vector<std::vector<std::string>> bad_usage = {
      {"list", "--bogus"},
      {"create", "--name", "x", "--resolution", "8k"},
      {"create", "--name", "x", "--scheduled-at", "not-a-time"},
      {"create", "--name", "x", "--broadcast-mode", "sideways"},
      {"show"},
      {"frobnicate"},
      {},
      {"preview"},
      {"events", "existing", "--limit", "0"},
      {"create", "-f", "/nonexistent/body.json"},
  };
  for (const auto& args : bad_usage) {
    RunResult r = cli.run(args);
    CHECK_EXIT(r, 2);
    BOOST_TEST(!r.err.empty(), "a usage error must say what is wrong" << r.describe());
  }

  // Bodies the daemon refuses: exit 2 with the field path.
  RunResult r = cli.run({"create", "--name", "x", "--broadcast-mode", "playback"});
  CHECK_EXIT(r, 2);
  BOOST_TEST(contains(r.err, "live.broadcast_mode"), r.describe());
  r = cli.run_stdin(R"({"live": {"name": "x", "foo": 1}})", {"create", "-f", "-"});
  CHECK_EXIT(r, 2);
  BOOST_TEST(contains(r.err, "live.foo"), r.describe());
  r = cli.run_stdin(R"({"name": "x", "security": {"privacy": {"type": "bogus"}}})", {"create", "-f", "-"});
  CHECK_EXIT(r, 2);
  BOOST_TEST(contains(r.err, "live.security.privacy.type"), r.describe());
  r = cli.run_stdin(R"({"name": "x", "scheduled_at": "yesterday-ish"})", {"create", "--json", "-"});
  CHECK_EXIT(r, 2);
  BOOST_TEST(contains(r.err, "scheduled_at"), r.describe());
  r = cli.run_stdin("{not json", {"create", "-f", "-"});
  CHECK_EXIT(r, 2);
  r = cli.run_stdin(R"({"ull_enabled": true})", {"create", "-f", "-"});
  CHECK_EXIT(r, 2);
  BOOST_TEST(contains(r.err, "live.name"), r.describe());

  // Duplicate custom_id: exit 3 (create and update).
  r = cli.run({"create", "--name", "dup", "--custom-id", "existing"});
  CHECK_EXIT(r, 3);
  BOOST_TEST(contains(r.err, "existing"), r.describe());
  r = cli.run({"update", "other", "--custom-id", "existing"});
  CHECK_EXIT(r, 3);
  BOOST_TEST(contains(r.err, "existing"), r.describe());

  // Unknown id: exit 4 for every command that takes one.
  const std::vector<std::vector<std::string>> unknown = {
      {"show", "ghost"},    {"events", "ghost"}, {"sessions", "ghost"}, {"preview", "ghost"},
      {"start", "ghost"},   {"end", "ghost"},    {"cancel", "ghost"},   {"close", "ghost"},
      {"reopen", "ghost"},  {"archive", "ghost"}, {"rotate-key", "ghost"}, {"update", "ghost", "--name", "x"},
      {"delete", "ghost", "--yes"},
  };
  for (const auto& args : unknown) {
    r = cli.run(args);
    CHECK_EXIT(r, 4);
    BOOST_TEST(contains(r.err, "ghost"), r.describe());
  }

  BOOST_TEST(list_json_text(cli) == before, "refused and invalid requests changed the list");
  BOOST_TEST(live_of(cli, id)["state"] == "WAIT_FOR_PREVIEW");

  // A global option after the command name, and before it.
  CHECK_EXIT(run({BVLIVE_BIN, "list", "--socket", daemon.socket()}), 0);
  CHECK_EXIT(run({BVLIVE_BIN, "--socket", daemon.socket(), "-q", "list"}), 0);
  // BVLIVE_SOCKET is honoured when --socket is absent.
  RunOptions env;
  env.env["BVLIVE_SOCKET"] = daemon.socket();
  CHECK_EXIT(run({BVLIVE_BIN, "list"}, env), 0);

  // No daemon at all: exit 69.
  TempDir nowhere;
  Cli absent(nowhere / "bvlived.sock");
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"list"}, {"status"}, {"show", "x"}, {"create", "--name", "x"}, {"reload"}, {"start", "x"}}) {
    r = absent.run(args);
    CHECK_EXIT(r, 69);
    BOOST_TEST(contains(r.err, "cannot reach bvlived"), r.describe());
    BOOST_TEST(contains(r.err, nowhere / "bvlived.sock"), "the message names the socket" << r.describe());
  }
  // A path that is not a socket.
  write_file(nowhere / "not-a-socket", "x");
  CHECK_EXIT(Cli(nowhere / "not-a-socket").run({"list"}), 69);

  // And once the daemon is gone.
  BOOST_TEST(daemon.stop() == 0, daemon.log());
  r = cli.run({"list"});
  CHECK_EXIT(r, 69);
  BOOST_TEST(contains(r.err, "cannot reach bvlived"), r.describe());
}
