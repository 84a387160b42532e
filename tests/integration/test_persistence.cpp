// What survives a crash, a stop and a restart; schedules applied on time and after
// downtime (docs/ARCHITECTURE.md#persistence; bvlived(8) PERSISTENCE: every change is
// committed before it is acknowledged, so kill -9 at any moment loses nothing acknowledged;
// "After downtime": a restarted daemon applies missed schedule transitions).
#define BOOST_TEST_MODULE persistence
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <csignal>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/checks.hpp"
#include "support/lives.hpp"
#include "support/process.hpp"

using namespace bvtest;
using nlohmann::json;

namespace {

std::string create_id(const Cli& cli, std::vector<std::string> flags) {
  flags.insert(flags.begin(), {"--json", "create"});
  RunResult r = cli.run(flags);
  REQUIRE_EXIT(r, 0);
  return parse_out(r)["live"]["id"].get<std::string>();
}

void start_or_fail(DaemonProcess& d) {
  try {
    d.start();
  } catch (const std::exception& e) {
    BOOST_FAIL("bvlived did not start: " << e.what());
  }
}

std::int64_t event_at(const json& events, const std::string& to, const std::string& from) {
  const json e = find_event(events, to, from);
  BOOST_TEST_REQUIRE(e.is_object(), "no " << from << " -> " << to << " event in" << joined(history(events)));
  return time_of(e["at"]);
}

}  // namespace

// (a) kill -9 right after an acknowledged op loses nothing.
BOOST_AUTO_TEST_CASE(kill9_after_acknowledged_start_loses_nothing) {
  TempDir dir;
  DaemonProcess daemon(dir.path());
  Cli cli(daemon.socket());
  start_or_fail(daemon);

  const std::string id = create_id(cli, {"--name", "Crash test", "--custom-id", "crash"});
  CHECK_EXIT(cli.run({"preview", "crash"}), 0);
  const json events_before = events_of(cli, "crash");

  RunResult r = cli.run({"--json", "start", "crash"});
  REQUIRE_EXIT(r, 0);
  const json acked = parse_out(r)["live"];
  daemon.kill9();
  BOOST_TEST(daemon.exit_code().value_or(-1) == 128 + SIGKILL);

  start_or_fail(daemon);  // same state dir; the stale socket file is replaced
  json live = live_of(cli, "crash");
  live.erase("urls");  // show adds the listeners' URLs; the restarted daemon has new ports
  BOOST_TEST(live["state"] == "LIVE", live.dump());
  BOOST_TEST(!live["live_started_at"].is_null(), live.dump());
  BOOST_TEST(live == acked, "the live after the crash differs from what start acknowledged:\nacked:  " << acked.dump()
                                                                                                  << "\nnow:    "
                                                                                                  << live.dump());
  const json events_after = events_of(cli, id);
  BOOST_TEST_REQUIRE(events_after.size() == events_before.size() + 1, "history:" << joined(history(events_after)));
  for (std::size_t i = 0; i < events_before.size(); ++i)
    BOOST_TEST(events_after[i] == events_before[i], "event " << i << " changed: " << events_after[i].dump());
  BOOST_TEST(history(json::array({events_after.back()})).at(0) == "PREVIEW -> LIVE start/op");
  // The restarted daemon serves ops on it as usual.
  CHECK_EXIT(cli.run({"end", "crash"}), 0);
  BOOST_TEST(state_of(cli, "crash") == "LIVE_END");
}

BOOST_AUTO_TEST_CASE(kill9_after_a_burst_of_creates_loses_nothing) {
  TempDir dir;
  DaemonProcess daemon(dir.path());
  Cli cli(daemon.socket());
  start_or_fail(daemon);

  std::vector<std::string> ids;
  for (int i = 0; i < 15; ++i) ids.push_back(create_id(cli, {"--name", "burst " + std::to_string(i)}));
  RunResult r = cli.run({"-q", "rotate-key", ids.back()});
  REQUIRE_EXIT(r, 0);
  const std::string key = r.out.substr(0, r.out.find('\n'));
  daemon.kill9();

  start_or_fail(daemon);
  const json lives = cli.json({"list"})["lives"];
  BOOST_TEST_REQUIRE(lives.size() == ids.size(), lives.dump());
  for (std::size_t i = 0; i < ids.size(); ++i) BOOST_TEST(lives[i]["id"] == ids[i]);
  BOOST_TEST(live_of(cli, ids.back())["stream_key"] == key, "the rotated key was acknowledged, then lost");
}

// (b) A transition that fell due while the daemon was stopped is applied at restart,
// with cause missed-schedule.
BOOST_AUTO_TEST_CASE(missed_schedule_applied_at_restart) {
  TempDir dir;
  const std::string sched = rfc3339_in(4s);
  const std::int64_t t_sched = *parse_rfc3339(sched);
  const std::string config = dir / "bvlived.toml";
  write_file(config,
             "[defaults]\n"
             "prepare_lead = \"0s\"\n"
             "\n"
             "[[live]]\n"
             "custom_id = \"declared\"\n"
             "name = \"Declared in the config\"\n"
             "scheduled_at = " + sched + "\n"
             "auto_preview = true\n"
             "auto_start = true\n");
  DaemonOptions opts;
  opts.config = config;
  DaemonProcess daemon(dir.path(), opts);
  Cli cli(daemon.socket());
  start_or_fail(daemon);

  const std::string id = create_id(cli, {"--name", "Missed", "--custom-id", "missed", "--scheduled-at", sched});
  json live = live_of(cli, "missed");
  BOOST_TEST_REQUIRE(live["state"] == "SCHEDULED", live.dump());
  BOOST_TEST_REQUIRE(live["next_transition"].is_object(), live.dump());
  BOOST_TEST(live["next_transition"]["trigger"] == "prepare-due");
  BOOST_TEST(time_of(live["next_transition"]["at"]) == t_sched);
  BOOST_TEST_REQUIRE(state_of(cli, "declared") == "SCHEDULED");
  const json events_before = events_of(cli, "missed");

  BOOST_TEST_REQUIRE(now_ms() < t_sched - 200, "too slow: the schedule fell due before the daemon could be stopped");
  BOOST_TEST(daemon.stop() == 0, daemon.log());
  sleep_until(t_sched, 700ms);

  start_or_fail(daemon);
  BOOST_TEST(state_of(cli, "missed") == "WAIT_FOR_PREVIEW");
  const json events = events_of(cli, "missed");
  BOOST_TEST_REQUIRE(events.size() >= events_before.size() + 2, joined(history(events)));
  for (std::size_t i = 0; i < events_before.size(); ++i) BOOST_TEST(events[i] == events_before[i]);
  const auto h = history(events);
  BOOST_TEST(h.at(events_before.size()) == "SCHEDULED -> PREPARING prepare-due/missed-schedule", joined(h));
  BOOST_TEST(h.at(events_before.size() + 1).rfind("PREPARING -> WAIT_FOR_PREVIEW resources-ready/", 0) == 0u,
             joined(h));
  BOOST_TEST(event_at(events, "PREPARING", "SCHEDULED") >= t_sched);

  // The declared live (auto_preview, auto_start) caught up all the way to LIVE.
  BOOST_TEST(state_of(cli, "declared") == "LIVE");
  const auto hd = history(events_of(cli, "declared"));
  for (const std::string& want : {std::string("SCHEDULED -> PREPARING prepare-due/missed-schedule"),
                                  std::string("WAIT_FOR_PREVIEW -> PREVIEW preview/missed-schedule"),
                                  std::string("PREVIEW -> LIVE start/missed-schedule")})
    BOOST_TEST(has_line(hd, want), "missing '" << want << "' in" << joined(hd));
  BOOST_TEST(contains(daemon.log(), "missed-schedule"), "the log should mention the missed schedule");
}

// (c) While running, schedules fire on time, without any client poking the daemon.
BOOST_AUTO_TEST_CASE(schedule_fires_on_time_while_running) {
  TempDir dir;
  const std::string sched = rfc3339_in(4s);
  const std::int64_t S = *parse_rfc3339(sched);
  const std::string config = dir / "bvlived.toml";
  write_file(config,
             "[[live]]\n"
             "custom_id = \"auto\"\n"
             "name = \"Fully automatic\"\n"
             "scheduled_at = " + sched + "\n"
             "auto_preview = \"2s\"\n"
             "auto_start = true\n"
             "auto_end = \"2s\"\n"
             "close_after = \"1s\"\n");
  DaemonOptions opts;
  opts.config = config;
  DaemonProcess daemon(dir.path(), opts);
  Cli cli(daemon.socket());
  start_or_fail(daemon);

  json live = live_of(cli, "auto");
  BOOST_TEST(live["schedule"]["from_config"] == true);
  BOOST_TEST(live["schedule"]["auto_start"] == true);
  if (now_ms() < S - 2000 - 200) {
    BOOST_TEST(live["state"] == "WAIT_FOR_PREVIEW", live.dump());
    BOOST_TEST_REQUIRE(live["next_transition"].is_object(), live.dump());
    BOOST_TEST(live["next_transition"]["trigger"] == "preview");
    BOOST_TEST(time_of(live["next_transition"]["at"]) == S - 2000);
  }

  // No RPC until everything should have happened: only the daemon's own timer drives it.
  // PREVIEW at S-2s, LIVE at S, LIVE_END at S+2s, CLOSED at S+3s.
  sleep_until(S + 3000, 1200ms);
  BOOST_TEST(state_of(cli, "auto") == "CLOSED", "the schedule did not run on its own");
  BOOST_TEST(wait_for_state(cli, "auto", "CLOSED", 10s), "state is " << state_of(cli, "auto"));

  const json events = events_of(cli, "auto");
  const auto h = history(events);
  const std::vector<std::string> tail_expected = {
      "WAIT_FOR_PREVIEW -> PREVIEW preview/schedule",
      "PREVIEW -> LIVE start/schedule",
      "LIVE -> LIVE_END end/schedule",
      "LIVE_END -> CLOSED close-after/timeout",
  };
  BOOST_TEST_REQUIRE(h.size() >= tail_expected.size(), joined(h));
  BOOST_TEST(std::vector<std::string>(h.end() - 4, h.end()) == tail_expected, "history:" << joined(h));
  for (std::size_t i = events.size() - 4; i < events.size(); ++i)
    BOOST_TEST(events[i]["uid"].is_null(), "automatic transitions have no uid: " << events[i].dump());

  // Each one neither early nor more than 1.5 s late.
  const std::int64_t slack = 1500;
  const std::int64_t t_preview = event_at(events, "PREVIEW", "WAIT_FOR_PREVIEW");
  const std::int64_t t_live = event_at(events, "LIVE", "PREVIEW");
  const std::int64_t t_end = event_at(events, "LIVE_END", "LIVE");
  const std::int64_t t_closed = event_at(events, "CLOSED", "LIVE_END");
  BOOST_TEST(t_preview >= S - 2000, "PREVIEW early by " << (S - 2000 - t_preview) << " ms");
  BOOST_TEST(t_preview <= S - 2000 + slack, "PREVIEW late by " << (t_preview - (S - 2000)) << " ms");
  BOOST_TEST(t_live >= S, "LIVE early by " << (S - t_live) << " ms");
  BOOST_TEST(t_live <= S + slack, "LIVE late by " << (t_live - S) << " ms");
  BOOST_TEST(t_end >= t_live + 2000, "auto_end early by " << (t_live + 2000 - t_end) << " ms");
  BOOST_TEST(t_end <= t_live + 2000 + slack, "auto_end late by " << (t_end - t_live - 2000) << " ms");
  BOOST_TEST(t_closed >= t_end + 1000, "close_after early by " << (t_end + 1000 - t_closed) << " ms");
  BOOST_TEST(t_closed <= t_end + 1000 + slack, "close_after late by " << (t_closed - t_end - 1000) << " ms");
  live = live_of(cli, "auto");
  BOOST_TEST(time_of(live["live_started_at"]) == t_live);
  BOOST_TEST(time_of(live["live_ended_at"]) == t_end);
  BOOST_TEST(live["next_transition"].is_null(), live.dump());
}

// "missed-schedule" means the daemon was down when the transition fell due
// (core/schedule/due.hpp, core/rpc/README.md). A live created while the daemon runs
// missed nothing, even when its prepare time (scheduled_at - prepare_lead) is already past.
BOOST_AUTO_TEST_CASE(live_created_while_running_has_no_missed_schedule) {
  TempDir dir;
  DaemonProcess daemon(dir.path());
  Cli cli(daemon.socket());
  start_or_fail(daemon);

  // In one hour: within the default 12 h prepare_lead, so prepared at once.
  create_id(cli, {"--name", "Soon", "--custom-id", "soon", "--scheduled-at", rfc3339_in(3600s)});
  BOOST_TEST(state_of(cli, "soon") == "WAIT_FOR_PREVIEW");
  const auto h = history(events_of(cli, "soon"));
  BOOST_TEST(has_line(h, "SCHEDULED -> PREPARING prepare-due/schedule"),
             "a live created while bvlived runs must not be recorded as a missed schedule "
             "(automatic_cause() must not compare only the due time with the daemon's start):"
                 << joined(h));
}

// (d) SIGTERM: exit 0, socket removed, state kept.
BOOST_AUTO_TEST_CASE(sigterm_exits_0_and_removes_the_socket) {
  TempDir dir;
  DaemonProcess daemon(dir.path());
  Cli cli(daemon.socket());
  start_or_fail(daemon);
  const std::string id = create_id(cli, {"--name", "Kept", "--custom-id", "kept"});
  BOOST_TEST_REQUIRE(path_exists(daemon.socket()));

  BOOST_TEST(daemon.stop() == 0, "SIGTERM should exit 0; log:\n" << daemon.log());
  BOOST_TEST(!path_exists(daemon.socket()), "the socket file is left behind after SIGTERM");
  CHECK_EXIT(cli.run({"list"}), 69);

  start_or_fail(daemon);
  BOOST_TEST(state_of(cli, id) == "WAIT_FOR_PREVIEW");
  // SIGINT (Ctrl-C in a terminal) is a clean stop as well.
  BOOST_TEST_REQUIRE(daemon.signal(SIGINT));
  BOOST_TEST(poll_until([&] { return !daemon.running(); }, 10s), "bvlived ignored SIGINT");
  BOOST_TEST(daemon.exit_code().value_or(-1) == 0, daemon.log());
  BOOST_TEST(!path_exists(daemon.socket()));
}

// (e) One state dir, one daemon.
BOOST_AUTO_TEST_CASE(second_daemon_on_the_same_state_dir_refuses_to_start) {
  TempDir dir;
  DaemonProcess daemon(dir.path());
  Cli cli(daemon.socket());
  start_or_fail(daemon);
  create_id(cli, {"--name", "First", "--custom-id", "first"});
  const json status = cli.json({"status"});

  // Same state dir, another socket.
  const std::string other_sock = dir / "other.sock";
  RunResult r = run({BVLIVED_BIN, "--config", daemon.config_path(), "--socket", other_sock, "--state-dir",
                     daemon.state_dir()},
                    with_timeout(20s));
  CHECK_EXIT(r, 1);
  BOOST_TEST(contains(r.err, "another bvlived"), r.describe());
  BOOST_TEST(contains(r.err, daemon.state_dir()), "the message names the state dir" << r.describe());
  BOOST_TEST(!path_exists(other_sock), "the refused daemon left a socket behind");

  // Same state dir and same socket: refused, and the first daemon's socket is untouched.
  r = run(daemon.argv(), with_timeout(20s));
  CHECK_EXIT(r, 1);
  BOOST_TEST(contains(r.err, "another bvlived"), r.describe());

  // Another state dir but the same socket: refused as well.
  r = run({BVLIVED_BIN, "--config", daemon.config_path(), "--socket", daemon.socket(), "--state-dir",
           dir / "state2"},
          with_timeout(20s));
  CHECK_EXIT(r, 1);
  BOOST_TEST(contains(r.err, daemon.socket()), r.describe());

  BOOST_TEST(daemon.running());
  BOOST_TEST(path_exists(daemon.socket()), "a refused second daemon removed the first one's socket");
  RunResult st = cli.run({"--json", "status"});
  REQUIRE_EXIT(st, 0);
  BOOST_TEST(parse_out(st)["pid"] == status["pid"], "someone else answers on the socket");
  BOOST_TEST(state_of(cli, "first") == "WAIT_FOR_PREVIEW");
  BOOST_TEST(daemon.stop() == 0, daemon.log());
}
