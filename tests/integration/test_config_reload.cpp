// bvlived.toml against a real daemon: [[live]] tables applied at start and on
// `bvlive reload` / SIGHUP; bad files refused with FILE:LINE:COLUMN and the running
// state kept; --check-config; a bad file at start (bvlived.toml(5) RECONCILIATION and
// RELOAD, share/bvlived.toml).
#define BOOST_TEST_MODULE config_reload
#include <boost/test/unit_test.hpp>

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

// "FILE:LINE:COLUMN" of the first occurrence of `needle` in `text` (1-based).
std::string position_of(const std::string& file, const std::string& text, const std::string& needle) {
  const auto at = text.find(needle);
  BOOST_TEST_REQUIRE(at != std::string::npos, "test bug: '" << needle << "' not in the config");
  int line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < at; ++i)
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  return file + ":" + std::to_string(line) + ":" + std::to_string(at - line_start + 1);
}

// "FILE:LINE:" of the line holding `needle` (for syntax errors, whose column is the parser's to choose).
std::string line_prefix_of(const std::string& file, const std::string& text, const std::string& needle) {
  const std::string pos = position_of(file, text, needle);
  return pos.substr(0, pos.rfind(':') + 1);
}

std::string live_table(const std::string& custom_id, const std::string& name, const std::string& extra = "") {
  return "[[live]]\ncustom_id = \"" + custom_id + "\"\nname = \"" + name + "\"\n" + extra + "\n";
}

struct ConfigFixture {
  TempDir dir;
  std::string config = dir / "bvlived.toml";
  std::unique_ptr<DaemonProcess> daemon;
  std::unique_ptr<Cli> cli;

  void start_with(const std::string& text) {
    write_file(config, text);
    DaemonOptions o;
    o.config = config;
    daemon = std::make_unique<DaemonProcess>(dir.path(), o);
    cli = std::make_unique<Cli>(daemon->socket());
    try {
      daemon->start();
    } catch (const std::exception& e) {
      BOOST_FAIL("bvlived did not start: " << e.what());
    }
  }
  ~ConfigFixture() {
    if (daemon && daemon->running()) {
      const int rc = daemon->stop();
      BOOST_CHECK_MESSAGE(rc == 0, "bvlived exited with " << rc << " on SIGTERM; log:\n" << daemon->log());
    }
  }
  std::vector<std::string> custom_ids() const {
    std::vector<std::string> out;
    const json lives = cli->json({"list"})["lives"];
    for (const auto& l : lives) out.push_back(l["custom_id"].is_string() ? l["custom_id"].get<std::string>() : "-");
    return out;
  }
  RunResult check_config(const std::string& file) const {
    return run({BVLIVED_BIN, "--check-config", "--config", file}, with_timeout(20s));
  }
};

bool json_has(const json& array, const json& value) {
  for (const auto& v : array)
    if (v == value) return true;
  return false;
}

const json* find_custom(const json& array, const std::string& custom_id) {
  for (const auto& v : array)
    if (v.is_object() && v.value("custom_id", "") == custom_id) return &v;
  return nullptr;
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(live_tables_created_then_updated_by_reload_and_sighup, ConfigFixture) {
  const std::string alpha_at = rfc3339_in(48h);
  start_with("[defaults]\nprepare_lead = \"12h\"\n\n" +
             live_table("alpha", "Alpha", "scheduled_at = " + alpha_at + "\nbroadcast_mode = \"dvr\"\n") +
             live_table("bravo", "Bravo", "[live.metadata]\nshort_description = \"from the config\"\n"));

  BOOST_TEST((custom_ids() == std::vector<std::string>{"alpha", "bravo"}));
  json alpha = live_of(*cli, "alpha");
  BOOST_TEST(alpha["schedule"]["from_config"] == true, alpha.dump());
  BOOST_TEST(alpha["state"] == "SCHEDULED");
  BOOST_TEST(alpha["broadcast_mode"] == "BROADCAST_MODE_DVR");
  BOOST_TEST(time_of(alpha["scheduled_at"]) == *parse_rfc3339(alpha_at));
  json bravo = live_of(*cli, "bravo");
  BOOST_TEST(bravo["schedule"]["from_config"] == true, bravo.dump());
  BOOST_TEST(bravo["state"] == "WAIT_FOR_PREVIEW");
  BOOST_TEST(bravo["metadata"]["short_description"] == "from the config");
  RunResult r = cli->run({"show", "alpha"});
  BOOST_TEST(contains(r.out, "from config"), r.describe());
  const json first = events_of(*cli, "alpha").at(0);
  BOOST_TEST(first["cause"] == "config", first.dump());
  BOOST_TEST(first["uid"].is_null(), first.dump());

  // Move alpha, add charlie; `bvlive reload`.
  const std::string alpha_at2 = rfc3339_in(72h);
  write_file(config, live_table("alpha", "Alpha", "scheduled_at = \"" + alpha_at2 + "\"\nbroadcast_mode = \"dvr\"\n") +
                         live_table("bravo", "Bravo", "[live.metadata]\nshort_description = \"from the config\"\n") +
                         live_table("charlie", "Charlie", "ull_enabled = true\n"));
  r = cli->run({"reload"});
  REQUIRE_EXIT(r, 0);
  BOOST_TEST(contains(r.out, config), r.describe());
  const auto lines = [&] {
    std::vector<std::string> v;
    std::string s;
    for (char c : r.out) {
      if (c == '\n') { v.push_back(s); s.clear(); } else s += c;
    }
    return v;
  }();
  auto line_with = [&](const std::string& key) -> std::string {
    for (const auto& l : lines)
      if (l.rfind(key, 0) == 0) return l;
    return "";
  };
  BOOST_TEST(contains(line_with("created"), "charlie"), r.describe());
  BOOST_TEST(contains(line_with("updated"), "alpha"), r.describe());
  BOOST_TEST(contains(line_with("updated"), "scheduled_at"), r.describe());
  BOOST_TEST((custom_ids() == std::vector<std::string>{"alpha", "bravo", "charlie"}));
  alpha = live_of(*cli, "alpha");
  BOOST_TEST(time_of(alpha["scheduled_at"]) == *parse_rfc3339(alpha_at2));
  BOOST_TEST(time_of(alpha["next_transition"]["at"]) == *parse_rfc3339(alpha_at2) - 12 * 3600 * 1000);
  BOOST_TEST(live_of(*cli, "charlie")["ull_enabled"] == true);
  BOOST_TEST(live_of(*cli, "charlie")["schedule"]["from_config"] == true);
  const json alpha_events = events_of(*cli, "alpha");
  BOOST_TEST(alpha_events.back()["cause"] == "config", "the update is in the history as caused by the config:"
                                                           << joined(history(alpha_events)));

  // Reloading the same file changes nothing.
  json rep = cli->json({"reload"});
  BOOST_TEST(rep["created"].empty(), rep.dump());
  BOOST_TEST(rep["updated"].empty(), rep.dump());
  BOOST_TEST(rep["unchanged"] == json::array({"alpha", "bravo", "charlie"}), rep.dump());
  BOOST_TEST(rep["config"] == config);

  // SIGHUP reloads as well: alpha gets auto_start, delta appears.
  write_file(config, live_table("alpha", "Alpha",
                                "scheduled_at = \"" + alpha_at2 + "\"\nbroadcast_mode = \"dvr\"\nauto_start = true\n") +
                         live_table("bravo", "Bravo", "[live.metadata]\nshort_description = \"from the config\"\n") +
                         live_table("charlie", "Charlie", "ull_enabled = true\n") + live_table("delta", "Delta"));
  BOOST_TEST_REQUIRE(daemon->signal(SIGHUP));
  BOOST_TEST(poll_until([&] { return custom_ids().size() == 4; }, 10s), "SIGHUP did not create delta; log:\n"
                                                                          << daemon->log());
  BOOST_TEST(poll_until([&] { return live_of(*cli, "alpha")["schedule"]["auto_start"] == true; }, 10s),
             "SIGHUP did not update alpha's schedule");
  BOOST_TEST(contains(daemon->log(), "reloaded"), daemon->log());
  BOOST_TEST(daemon->running());
}

BOOST_FIXTURE_TEST_CASE(bad_files_are_refused_and_the_running_state_is_kept, ConfigFixture) {
  const std::string good = live_table("alpha", "Alpha", "scheduled_at = " + rfc3339_in(48h) + "\n") +
                           live_table("bravo", "Bravo");
  start_with(good);
  const std::string before = list_json_text(*cli);

  // A TOML syntax error.
  const std::string syntax = live_table("alpha", "Alpha") + "[[live]]\ncustom_id = \"broken\nname = \"Broken\"\n";
  write_file(config, syntax);
  RunResult r = cli->run({"reload"});
  BOOST_TEST(r.code != 0, "a file with a syntax error was accepted" << r.describe());
  CHECK_EXIT(r, 2);
  BOOST_TEST(contains(r.err, line_prefix_of(config, syntax, "custom_id = \"broken")),
             "stderr should hold FILE:LINE:COLUMN of the error" << r.describe());
  BOOST_TEST(list_json_text(*cli) == before, "a refused reload changed the lives");

  // The same through SIGHUP: logged, refused, daemon alive, nothing changed.
  BOOST_TEST_REQUIRE(daemon->signal(SIGHUP));
  BOOST_TEST(poll_until([&] { return contains(daemon->log(), "reload refused"); }, 10s), daemon->log());
  BOOST_TEST(contains(daemon->log(), line_prefix_of(config, syntax, "custom_id = \"broken")), daemon->log());
  BOOST_TEST(daemon->running());
  BOOST_TEST(list_json_text(*cli) == before, "a refused SIGHUP reload changed the lives");

  // A [[live]] with a field the create body refuses: the position of that key; and the
  // whole file is refused (echo, valid, is not created either).
  const std::string invalid = good + live_table("echo", "Echo") +
                              "[[live]]\ncustom_id = \"foxtrot\"\nname = \"Foxtrot\"\n  broadcast_mode = \"playback\"\n";
  write_file(config, invalid);
  r = cli->run({"reload"});
  CHECK_EXIT(r, 2);
  const std::string key_pos = position_of(config, invalid, "broadcast_mode = \"playback\"");
  BOOST_TEST(contains(r.err, key_pos + ":"), "stderr should name " << key_pos << r.describe());
  BOOST_TEST(contains(r.err, "broadcast_mode"), r.describe());
  BOOST_TEST(contains(r.err, "foxtrot"), r.describe());
  BOOST_TEST(list_json_text(*cli) == before, "a refused reload created or changed lives");

  // An unknown key, and a bad value.
  const std::string typo = "[daemon]\nlog_level = \"info\"\nsokcet = \"/tmp/x.sock\"\n\n" + good;
  write_file(config, typo);
  r = cli->run({"reload"});
  CHECK_EXIT(r, 2);
  BOOST_TEST(contains(r.err, position_of(config, typo, "sokcet") + ":"), r.describe());
  const std::string bad_value = "[defaults]\nprepare_lead = \"soon\"\n\n" + good;
  write_file(config, bad_value);
  r = cli->run({"reload"});
  CHECK_EXIT(r, 2);
  BOOST_TEST(contains(r.err, line_prefix_of(config, bad_value, "prepare_lead")), r.describe());
  // Two tables with one custom_id.
  const std::string dup = good + live_table("alpha", "Alpha again");
  write_file(config, dup);
  r = cli->run({"reload"});
  CHECK_EXIT(r, 2);
  BOOST_TEST(contains(r.err, "alpha"), r.describe());
  // The file is gone.
  ::unlink(config.c_str());
  r = cli->run({"reload"});
  BOOST_TEST(r.code != 0, r.describe());
  BOOST_TEST(contains(r.err, config), r.describe());
  BOOST_TEST(list_json_text(*cli) == before, "refused reloads changed the lives");

  // A good file again is applied.
  write_file(config, good + live_table("golf", "Golf"));
  r = cli->run({"reload"});
  REQUIRE_EXIT(r, 0);
  BOOST_TEST(contains(r.out, "golf"), r.describe());
  BOOST_TEST((custom_ids() == std::vector<std::string>{"alpha", "bravo", "golf"}));
}

BOOST_FIXTURE_TEST_CASE(a_live_that_went_live_is_skipped_and_not_changed, ConfigFixture) {
  start_with(live_table("onair", "On air") + live_table("waiting", "Waiting"));
  CHECK_EXIT(cli->run({"preview", "onair"}), 0);
  CHECK_EXIT(cli->run({"start", "onair"}), 0);
  const json onair_before = live_of(*cli, "onair");
  const std::size_t events_before = events_of(*cli, "onair").size();

  const std::string later = rfc3339_in(48h);
  write_file(config, live_table("onair", "On air", "scheduled_at = " + later + "\nauto_end = \"1h\"\n") +
                         live_table("waiting", "Waiting", "scheduled_at = " + later + "\n"));
  RunResult r = cli->run({"--json", "reload"});
  REQUIRE_EXIT(r, 0);
  const json rep = parse_out(r);
  const json* skipped = find_custom(rep["skipped"], "onair");
  BOOST_TEST_REQUIRE(skipped != nullptr, "onair is not reported skipped: " << rep.dump());
  BOOST_TEST(contains(skipped->value("reason", ""), "LIVE"), rep.dump());
  BOOST_TEST(find_custom(rep["updated"], "waiting") != nullptr, rep.dump());
  BOOST_TEST(!json_has(rep["unchanged"], "onair"), rep.dump());

  const json onair = live_of(*cli, "onair");
  BOOST_TEST(onair == onair_before, "a LIVE live was changed by the config:\nbefore " << onair_before.dump()
                                                                                     << "\nafter  " << onair.dump());
  BOOST_TEST(events_of(*cli, "onair").size() == events_before);
  BOOST_TEST(time_of(live_of(*cli, "waiting")["scheduled_at"]) == *parse_rfc3339(later));

  // The text report names it under "skipped".
  r = cli->run({"reload"});
  REQUIRE_EXIT(r, 0);
  BOOST_TEST(contains(r.out, "skipped"), r.describe());
  BOOST_TEST(contains(r.out.substr(r.out.find("skipped")), "onair"), r.describe());
}

// A reload that adds a schedule due soon must arm the daemon's timer: nothing else
// (no client request) should be needed for it to fire on time.
BOOST_FIXTURE_TEST_CASE(sighup_reload_arms_the_scheduler, ConfigFixture) {
  start_with(live_table("idle", "Idle"));  // nothing due: the scheduler sleeps long
  const std::string at = rfc3339_in(4s);
  const std::int64_t S = *parse_rfc3339(at);
  write_file(config, live_table("idle", "Idle") +
                         live_table("hup", "Added by SIGHUP",
                                    "scheduled_at = " + at + "\nauto_preview = \"2s\"\nauto_start = true\n"));
  BOOST_TEST_REQUIRE(daemon->signal(SIGHUP));
  // Watch the log, not the socket: every request re-arms the timer and would hide the bug.
  BOOST_TEST_REQUIRE(poll_until([&] { return contains(daemon->log(), "reloaded"); }, 10s), daemon->log());
  sleep_until(S, 1500ms);

  const auto h = history(events_of(*cli, "hup"));
  BOOST_TEST(has_line(h, "WAIT_FOR_PREVIEW -> PREVIEW preview/schedule"),
             "BUG: after a SIGHUP reload the scheduler timer is not re-armed (daemon.cpp SIGHUP handler calls "
             "reload() but not scheduler_->rearm()); PREVIEW was due at S-2s, LIVE at S, now S+1.5s:"
                 << joined(h));
  BOOST_TEST(has_line(h, "PREVIEW -> LIVE start/schedule"), "LIVE was due at " << at << joined(h));
  // Once anything pokes the daemon it catches up.
  BOOST_TEST(wait_for_state(*cli, "hup", "LIVE", 10s), "state is " << state_of(*cli, "hup"));
}

BOOST_FIXTURE_TEST_CASE(check_config_good_and_bad_files, ConfigFixture) {
  const std::string good_text = "[daemon]\nlog_level = \"debug\"\n\n[defaults]\nprepare_lead = \"1h\"\n\n" +
                                live_table("one", "One", "scheduled_at = 2030-01-01T10:00:00Z\nauto_start = true\n") +
                                live_table("two", "Two");
  const std::string good = dir / "good.toml";
  write_file(good, good_text);
  RunResult r = check_config(good);
  CHECK_EXIT(r, 0);
  BOOST_TEST(contains(r.out, good), r.describe());
  BOOST_TEST(contains(r.out, "ok"), r.describe());
  // The shipped example is valid.
  CHECK_EXIT(check_config(std::string(BVLIVE_TEST_DATA) + "/../../share/bvlived.toml"), 0);

  struct Bad {
    std::string name, text, expect;  // expect: a needle whose FILE:LINE: must be in stderr
    bool exact = false;              // FILE:LINE:COLUMN of the needle
    std::string note = "";
  };
  const std::vector<Bad> bads = {
      {"syntax", live_table("one", "One") + "[[live]]\ncustom_id = \"two\nname = \"Two\"\n", "custom_id = \"two"},
      {"unknown key", "[daemon]\nsokcet = \"x\"\n", "sokcet", true},
      {"bad duration", "[defaults]\nprepare_lead = \"soon\"\n", "prepare_lead"},
      {"duplicate custom_id", live_table("one", "One") + live_table("one", "Again"), "\"Again\""},
      {"invalid live field", live_table("one", "One") + "[[live]]\ncustom_id = \"pb\"\nname = \"PB\"\nbroadcast_mode = \"playback\"\n",
       "broadcast_mode", true,
       "\n(--check-config must validate [[live]] bodies as a start does: the daemon refuses this file with 78)"},
  };
  for (const auto& b : bads) {
    const std::string file = dir / ("bad-" + std::to_string(&b - bads.data()) + ".toml");
    write_file(file, b.text);
    r = check_config(file);
    BOOST_TEST(r.code == 78, b.name << ": --check-config should exit 78" << b.note << r.describe());
    std::string where = b.exact ? position_of(file, b.text, b.expect) + ":" : line_prefix_of(file, b.text, b.expect);
    if (b.name == "duplicate custom_id") where = file + ":";  // the second table's custom_id line
    BOOST_TEST(contains(r.err, where), b.name << ": stderr should hold " << where << r.describe());
  }
  r = check_config(dir / "missing.toml");
  CHECK_EXIT(r, 78);
  BOOST_TEST(contains(r.err, dir / "missing.toml"), r.describe());

  // Without --config it checks the file the daemon would read: $BVLIVE_CONFIG here.
  RunOptions env;
  env.env["BVLIVE_CONFIG"] = good;
  r = run({BVLIVED_BIN, "--check-config"}, env);
  CHECK_EXIT(r, 0);
  BOOST_TEST(contains(r.out, good), r.describe());
  env.env["BVLIVE_CONFIG"] = dir / "bad-0.toml";
  CHECK_EXIT(run({BVLIVED_BIN, "--check-config"}, env), 78);
}

BOOST_FIXTURE_TEST_CASE(bad_config_at_start_exits_78, ConfigFixture) {
  struct Bad {
    std::string name, text, needle;
  };
  const std::vector<Bad> bads = {
      {"syntax", "[defaults]\nclose_after = \"1h\n", "close_after"},
      {"invalid live field", live_table("ok", "OK") + "[[live]]\ncustom_id = \"pb\"\nname = \"PB\"\n  broadcast_mode = \"playback\"\n",
       "broadcast_mode"},
      {"unknown section", "[daemonn]\nsocket = \"x\"\n", "[daemonn]"},
  };
  for (const auto& b : bads) {
    write_file(config, b.text);
    DaemonOptions o;
    o.config = config;
    DaemonProcess d(dir.path(), o);
    RunResult r = run(d.argv(), with_timeout(20s));
    BOOST_TEST(r.code == 78, b.name << ": bvlived should exit 78 on a bad config"
                                    << (contains(r.err, "LeakSanitizer")
                                            ? "\nBUG (sanitizer build): Daemon::Daemon throws the ConfigError from "
                                              "reconcile() after uv_loop_init() without closing the loop; the leak "
                                              "turns exit 78 into 1"
                                            : "")
                                    << r.describe());
    BOOST_TEST(contains(r.err, line_prefix_of(config, b.text, b.needle)),
               b.name << ": stderr should hold FILE:LINE:COLUMN" << r.describe());
    BOOST_TEST(!path_exists(d.socket()), b.name << ": a socket was left behind");
  }
  // A missing config file named on the command line is a config error too.
  DaemonOptions o;
  o.config = dir / "nope.toml";
  DaemonProcess d(dir.path(), o);
  RunResult r = run(d.argv(), with_timeout(20s));
  CHECK_EXIT(r, 78);
  BOOST_TEST(contains(r.err, dir / "nope.toml"), r.describe());
}
