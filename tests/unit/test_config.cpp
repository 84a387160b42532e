#define BOOST_TEST_MODULE config
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <unistd.h>

#include "config/config_loader.hpp"
#include "config/settings.hpp"

using namespace bvlive;

namespace {

const std::string kFile = "bvlived.toml";

// The ConfigError message for `text`, or fails the test when it parses.
std::string error_of(const std::string& text) {
  try {
    parse_config(text, kFile);
  } catch (const ConfigError& e) {
    return e.what();
  }
  BOOST_FAIL("expected a ConfigError for:\n" << text);
  return {};
}

void expect_error(const std::string& text, const std::string& prefix, const std::string& part) {
  const std::string msg = error_of(text);
  BOOST_TEST_INFO("message: " << msg);
  BOOST_TEST(msg.rfind(prefix, 0) == 0u);
  BOOST_TEST(msg.find(part) != std::string::npos);
  BOOST_TEST(msg.find('\n') == std::string::npos);
}

}  // namespace

BOOST_AUTO_TEST_CASE(source_pos_str) {
  BOOST_TEST((SourcePos{"a.toml", 3, 7}.str() == "a.toml:3:7"));
  BOOST_TEST((SourcePos{"a.toml", 0, 0}.str() == "a.toml"));
}

BOOST_AUTO_TEST_CASE(log_level_names) {
  BOOST_TEST(to_string(LogLevel::Debug) == "debug");
  BOOST_TEST(to_string(LogLevel::Info) == "info");
  BOOST_TEST(to_string(LogLevel::Warn) == "warn");
  BOOST_TEST(to_string(LogLevel::Error) == "error");
  for (auto l : {LogLevel::Debug, LogLevel::Info, LogLevel::Warn, LogLevel::Error})
    BOOST_TEST((parse_log_level(to_string(l)) == l));
  BOOST_TEST((parse_log_level("WARN") == LogLevel::Warn));
  BOOST_TEST(!parse_log_level("verbose").has_value());
  BOOST_TEST(!parse_log_level("").has_value());
}

BOOST_AUTO_TEST_CASE(empty_file_gives_defaults) {
  const Settings s = parse_config("", kFile);
  const Settings d;
  BOOST_TEST(s.config_file == kFile);
  BOOST_TEST(s.socket_path == d.socket_path);
  BOOST_TEST(s.socket_path.empty());
  BOOST_TEST(s.socket_group.empty());
  BOOST_TEST(s.socket_mode == 0660u);
  BOOST_TEST(s.state_dir.empty());
  BOOST_TEST((s.log_level == LogLevel::Info));
  BOOST_TEST(s.max_request_bytes == std::size_t{1} << 20);
  BOOST_TEST(s.sync_full);
  BOOST_TEST(s.prepare_lead == 12LL * 3600 * 1000);
  BOOST_TEST(s.close_after == 0);
  BOOST_TEST(s.lives.empty());

  // Comments and blank lines only: the same.
  const Settings c = parse_config("# nothing here\n\n   # really\n", kFile);
  BOOST_TEST(c.socket_mode == 0660u);
  BOOST_TEST(c.lives.empty());
}

BOOST_AUTO_TEST_CASE(every_key_parsed) {
  const Settings s = parse_config(R"(
[daemon]
socket = "/tmp/x/bvlived.sock"
socket_group = "video"
socket_mode = "0640"
state_dir = "/srv/bvlive"
log_level = "debug"
max_request_bytes = 65536
sync = "normal"

[defaults]
prepare_lead = "1h30m"
close_after = 90
)",
                                  kFile);
  BOOST_TEST(s.socket_path == "/tmp/x/bvlived.sock");
  BOOST_TEST(s.socket_group == "video");
  BOOST_TEST(s.socket_mode == 0640u);
  BOOST_TEST(s.state_dir == "/srv/bvlive");
  BOOST_TEST((s.log_level == LogLevel::Debug));
  BOOST_TEST(s.max_request_bytes == 65536u);
  BOOST_TEST(!s.sync_full);
  BOOST_TEST(s.prepare_lead == 90LL * 60 * 1000);
  BOOST_TEST(s.close_after == 90'000);
  BOOST_TEST(s.lives.empty());
}

BOOST_AUTO_TEST_CASE(socket_mode_forms) {
  BOOST_TEST(parse_config("[daemon]\nsocket_mode = 0o600\n", kFile).socket_mode == 0600u);
  BOOST_TEST(parse_config("[daemon]\nsocket_mode = 384\n", kFile).socket_mode == 0600u);
  BOOST_TEST(parse_config("[daemon]\nsocket_mode = \"777\"\n", kFile).socket_mode == 0777u);
  BOOST_TEST(parse_config("[daemon]\nsocket_mode = \"0\"\n", kFile).socket_mode == 0u);
  expect_error("[daemon]\nsocket_mode = 660\n", "bvlived.toml:2:15: ", "daemon.socket_mode");
  expect_error("[daemon]\nsocket_mode = \"0668\"\n", "bvlived.toml:2:15: ", "octal");
  expect_error("[daemon]\nsocket_mode = \"1777\"\n", "bvlived.toml:2:15: ", "0777");
  expect_error("[daemon]\nsocket_mode = true\n", "bvlived.toml:2:15: ", "got a boolean");
  expect_error("[daemon]\nsocket_mode = -1\n", "bvlived.toml:2:15: ", "negative");
}

BOOST_AUTO_TEST_CASE(daemon_value_errors) {
  expect_error("[daemon]\nlog_level = \"verbose\"\n", "bvlived.toml:2:13: ",
               "daemon.log_level: \"verbose\" is not a log level");
  expect_error("[daemon]\nmax_request_bytes = 1023\n", "bvlived.toml:2:21: ", "at least 1024");
  expect_error("[daemon]\nmax_request_bytes = \"1M\"\n", "bvlived.toml:2:21: ", "an integer");
  expect_error("[daemon]\nsync = \"off\"\n", "bvlived.toml:2:8: ", "\"full\" or \"normal\"");
  expect_error("[daemon]\nsocket = 5\n", "bvlived.toml:2:10: ", "daemon.socket: expected a string");
  expect_error("daemon = 5\n", "bvlived.toml:1:10: ", "daemon: expected a table");
  // A value parsed before the bad one does not hide it; the first in the file is reported.
  expect_error("[daemon]\nsync = \"x\"\nlog_level = \"y\"\n", "bvlived.toml:2:8: ", "daemon.sync");
  expect_error("[daemon]\nsync = \"full\"\nlog_level = \"y\"\n", "bvlived.toml:3:13: ",
               "daemon.log_level");
}

BOOST_AUTO_TEST_CASE(syntax_error_position) {
  const std::string msg = error_of("[daemon]\nsocket = \"/run/x.sock\"\nlog_level = = \"info\"\n");
  BOOST_TEST_INFO(msg);
  BOOST_TEST(msg.rfind("bvlived.toml:3:13: ", 0) == 0u);
  BOOST_TEST(msg.find("not valid TOML") != std::string::npos);
  expect_error("a = \"unterminated\n", "bvlived.toml:1:", "not valid TOML");
  expect_error("[daemon]\n[daemon]\n", "bvlived.toml:2:1: ", "not valid TOML");
}

BOOST_AUTO_TEST_CASE(unknown_keys) {
  expect_error("# comment\n\n[daemon]\nsokcet = \"/x\"\n", "bvlived.toml:4:1: ",
               "unknown key 'daemon.sokcet'; did you mean 'daemon.socket'?");
  expect_error("[defaults]\n  prepare = \"1h\"\n", "bvlived.toml:2:3: ", "unknown key 'defaults.prepare'");
  expect_error("[daemon]\nlog_level = \"info\"\n\n[listeners]\nrtmp = 1935\n", "bvlived.toml:4:2: ",
               "unknown key 'listeners'");
  expect_error("[daemon]\nzzzzzzzz = 1\n", "bvlived.toml:2:1: ", "the keys of [daemon] are socket");
  expect_error("[live]\ncustom_id = \"x\"\n", "bvlived.toml:1:2: ", "[[live]]");
  // In [[live]], other keys are body fields, but a near miss of a schedule key is refused.
  expect_error("[[live]]\ncustom_id = \"x\"\nauto_prevew = true\n", "bvlived.toml:3:1: ",
               "unknown key 'live.auto_prevew'; did you mean 'live.auto_preview'?");
}

BOOST_AUTO_TEST_CASE(bad_durations) {
  expect_error("\n[defaults]\nprepare_lead = \"12 hours\"\n", "bvlived.toml:3:16: ",
               "defaults.prepare_lead: \"12 hours\" is not a duration; use e.g. \"12h\"");
  expect_error("[defaults]\nclose_after = -5\n", "bvlived.toml:2:15: ", "negative");
  expect_error("[defaults]\nclose_after = 1.5\n", "bvlived.toml:2:15: ", "defaults.close_after");
  expect_error("[[live]]\ncustom_id = \"a\"\nauto_end = \"soon\"\n", "bvlived.toml:3:12: ",
               "live.auto_end: \"soon\" is not a duration");
  expect_error("[[live]]\ncustom_id = \"a\"\nauto_start = \"yes\"\n", "bvlived.toml:3:14: ",
               "live.auto_start: expected true or false");
}

BOOST_AUTO_TEST_CASE(live_custom_id_errors) {
  // Missing: at the [[live]] header.
  expect_error("[daemon]\nsync = \"full\"\n\n[[live]]\nname = \"x\"\n", "bvlived.toml:4:1: ",
               "no custom_id");
  // Duplicate: at the second one, naming the first.
  expect_error(R"([[live]]
custom_id = "a"

[[live]]
custom_id = "b"

[[live]]
name = "again"
custom_id = "a"
)",
               "bvlived.toml:9:13: ", "\"a\" is already declared at bvlived.toml:2:13");
  expect_error("[[live]]\ncustom_id = \"\"\n", "bvlived.toml:2:13: ", "not valid");
  expect_error("[[live]]\ncustom_id = \"has space\"\n", "bvlived.toml:2:13: ", "not valid");
  expect_error("[[live]]\ncustom_id = \"" + std::string(65, 'a') + "\"\n", "bvlived.toml:2:13: ",
               "not valid");
  expect_error("[[live]]\ncustom_id = 7\n", "bvlived.toml:2:13: ", "expected a string");
  BOOST_TEST(parse_config("[[live]]\ncustom_id = \"" + std::string(64, 'a') + "\"\n", kFile)
                 .lives.size() == 1u);
  BOOST_TEST(parse_config("[[live]]\ncustom_id = \"A.b_c-9\"\n", kFile).lives.at(0).custom_id ==
             "A.b_c-9");
}

BOOST_AUTO_TEST_CASE(scheduled_at_forms) {
  auto body_of = [](const std::string& line) {
    return parse_config("[[live]]\ncustom_id = \"x\"\n" + line + "\n", kFile).lives.at(0).body;
  };
  BOOST_TEST(body_of("scheduled_at = 2026-11-29T10:00:00Z")["scheduled_at"] ==
             "2026-11-29T10:00:00Z");
  BOOST_TEST(body_of("scheduled_at = 2026-11-29T11:00:00+01:00")["scheduled_at"] ==
             "2026-11-29T10:00:00Z");
  BOOST_TEST(body_of("scheduled_at = 2026-11-29T10:00:00.250-00:30")["scheduled_at"] ==
             "2026-11-29T10:30:00.250Z");
  BOOST_TEST(body_of("scheduled_at = \"2026-11-29T12:00:00+02:00\"")["scheduled_at"] ==
             "2026-11-29T10:00:00Z");
  expect_error("[[live]]\ncustom_id = \"x\"\nscheduled_at = 2026-11-29T10:00:00\n",
               "bvlived.toml:3:16: ", "add Z or an offset");
  expect_error("[[live]]\ncustom_id = \"x\"\nscheduled_at = \"2026-11-29T10:00:00\"\n",
               "bvlived.toml:3:16: ", "add Z or an offset");
  expect_error("[[live]]\ncustom_id = \"x\"\nscheduled_at = \"tomorrow\"\n", "bvlived.toml:3:16: ",
               "not an RFC 3339 date-time");
  expect_error("[[live]]\ncustom_id = \"x\"\nscheduled_at = 2026-11-29\n", "bvlived.toml:3:16: ",
               "live.scheduled_at");
  // Local date-times are refused in nested body fields too.
  expect_error("[[live]]\ncustom_id = \"x\"\n[live.live_vod]\nstarted_at = 2026-11-29T10:00:00\n",
               "bvlived.toml:4:14: ", "live.live_vod.started_at: 2026-11-29T10:00:00 has no time zone; add Z");
}

BOOST_AUTO_TEST_CASE(live_body_and_schedule) {
  const Settings s = parse_config(R"([[live]]
custom_id = "sunday-service"
name = "Sunday service"
scheduled_at = 2026-11-29T10:00:00Z
auto_preview = "15m"
auto_start = true
auto_end = "1h30m"
close_after = "2h"
broadcast_mode = "dvr"
ull_enabled = false
ingestion_types = ["rtmp", "srt"]
ratio = 1.5
count = 3
live_vod = { source = "catchup", started_at = 2026-11-29T12:00:00+01:00 }

[live.security.privacy]
type = "token"
token = { device_limit = 2 }

[[live.showroom.libraries]]
id = "lib1"

[[live.showroom.libraries]]
id = "lib2"

[[live]]
custom_id = "second"
)",
                                  kFile);
  BOOST_TEST_REQUIRE(s.lives.size() == 2u);
  const LiveDecl& d = s.lives[0];
  BOOST_TEST(d.custom_id == "sunday-service");
  const nlohmann::json expected = nlohmann::json::parse(R"({
    "custom_id": "sunday-service",
    "name": "Sunday service",
    "scheduled_at": "2026-11-29T10:00:00Z",
    "broadcast_mode": "dvr",
    "ull_enabled": false,
    "ingestion_types": ["rtmp", "srt"],
    "ratio": 1.5,
    "count": 3,
    "live_vod": {"source": "catchup", "started_at": "2026-11-29T11:00:00Z"},
    "security": {"privacy": {"type": "token", "token": {"device_limit": 2}}},
    "showroom": {"libraries": [{"id": "lib1"}, {"id": "lib2"}]}
  })");
  BOOST_TEST_INFO("body: " << d.body.dump());
  BOOST_TEST((d.body == expected));
  BOOST_TEST(d.body["count"].is_number_integer());
  // Schedule keys are not in the body.
  for (auto k : {"auto_preview", "auto_start", "auto_end", "close_after"})
    BOOST_TEST(!d.body.contains(k));
  BOOST_TEST((d.schedule.auto_preview == DurationMs{15 * 60 * 1000}));
  BOOST_TEST(d.schedule.auto_start);
  BOOST_TEST((d.schedule.auto_end == DurationMs{90 * 60 * 1000}));
  BOOST_TEST((d.schedule.close_after == DurationMs{2 * 3600 * 1000}));
  BOOST_TEST(d.pos.str() == "bvlived.toml:1:1");

  const LiveDecl& e = s.lives[1];
  BOOST_TEST(e.custom_id == "second");
  BOOST_TEST((e.body == nlohmann::json{{"custom_id", "second"}}));
  BOOST_TEST((e.schedule == ScheduleDecl{}));
  BOOST_TEST(!e.schedule.auto_preview.has_value());
  BOOST_TEST(!e.schedule.auto_start);
  BOOST_TEST(e.pos.str() == "bvlived.toml:26:1");
}

BOOST_AUTO_TEST_CASE(auto_preview_forms) {
  auto sched = [](const std::string& line) {
    return parse_config("[[live]]\ncustom_id = \"x\"\n" + line + "\n", kFile).lives.at(0).schedule;
  };
  BOOST_TEST((sched("auto_preview = true").auto_preview == DurationMs{0}));
  BOOST_TEST(!sched("auto_preview = false").auto_preview.has_value());
  BOOST_TEST((sched("auto_preview = \"10m\"").auto_preview == DurationMs{600'000}));
  BOOST_TEST((sched("auto_preview = 30").auto_preview == DurationMs{30'000}));
  BOOST_TEST((sched("auto_preview = \"0s\"").auto_preview == DurationMs{0}));
  BOOST_TEST(!sched("name = \"n\"").auto_preview.has_value());
  BOOST_TEST(!sched("auto_start = false").auto_start);
  expect_error("[[live]]\ncustom_id = \"x\"\nauto_preview = \"later\"\n", "bvlived.toml:3:16: ",
               "live.auto_preview");
  expect_error("[[live]]\ncustom_id = \"x\"\nauto_preview = [1]\n", "bvlived.toml:3:16: ",
               "live.auto_preview");
}

BOOST_AUTO_TEST_CASE(key_positions_and_locate) {
  const Settings s = parse_config(R"([daemon]
sync = "full"

[[live]]
custom_id = "x"
broadcast_mode = "dvr"
security.privacy.type = "token"
domains = ["a.example", "b.example"]

[live.metadata]
short_description = "s"
)",
                                  kFile);
  BOOST_TEST_REQUIRE(s.lives.size() == 1u);
  const LiveDecl& d = s.lives[0];
  auto where = [&](const std::string& k) {
    auto it = d.key_pos.find(k);
    return it == d.key_pos.end() ? std::string("(none)") : it->second.str();
  };
  BOOST_TEST(d.pos.str() == "bvlived.toml:4:1");
  BOOST_TEST(where("custom_id") == "bvlived.toml:5:1");
  BOOST_TEST(where("broadcast_mode") == "bvlived.toml:6:1");
  BOOST_TEST(where("security") == "bvlived.toml:7:1");
  BOOST_TEST(where("security.privacy") == "bvlived.toml:7:10");
  BOOST_TEST(where("security.privacy.type") == "bvlived.toml:7:18");
  BOOST_TEST(where("domains") == "bvlived.toml:8:1");
  BOOST_TEST(where("domains[1]") == "bvlived.toml:8:25");
  BOOST_TEST(where("metadata.short_description") == "bvlived.toml:11:1");

  BOOST_TEST(d.locate("live.broadcast_mode").str() == "bvlived.toml:6:1");
  BOOST_TEST(d.locate("broadcast_mode").str() == "bvlived.toml:6:1");
  BOOST_TEST(d.locate("live.security.privacy.type").str() == "bvlived.toml:7:18");
  // Deepest present key for a missing sub-field.
  BOOST_TEST(d.locate("live.security.privacy.token.device_limit").str() == "bvlived.toml:7:10");
  BOOST_TEST(d.locate("live.metadata.long_description").str() == "bvlived.toml:10:7");
  BOOST_TEST(d.locate("live.domains[1]").str() == "bvlived.toml:8:25");
  BOOST_TEST(d.locate("live.domains[7]").str() == "bvlived.toml:8:1");
  // Prefix only at a '.' or '[' boundary: "broadcast" is not "broadcast_mode".
  BOOST_TEST(d.locate("live.broadcast").str() == "bvlived.toml:4:1");
  BOOST_TEST(d.locate("live.broadcast_mode_x").str() == "bvlived.toml:4:1");
  BOOST_TEST(d.locate("live.resolution").str() == "bvlived.toml:4:1");
  BOOST_TEST(d.locate("live").str() == "bvlived.toml:4:1");
  BOOST_TEST(d.locate("").str() == "bvlived.toml:4:1");
}

BOOST_AUTO_TEST_CASE(load_file) {
  char path[] = "/tmp/bvlive_test_config_XXXXXX";
  const int fd = mkstemp(path);
  BOOST_TEST_REQUIRE(fd >= 0);
  close(fd);
  {
    std::ofstream out(path);
    out << "[daemon]\nlog_level = \"warn\"\n";
  }
  const Settings s = load_config_file(path);
  BOOST_TEST(s.config_file == path);
  BOOST_TEST((s.log_level == LogLevel::Warn));
  {
    std::ofstream out(path);
    out << "[daemon]\nlog_level = 3\n";
  }
  try {
    load_config_file(path);
    BOOST_FAIL("expected a ConfigError");
  } catch (const ConfigError& e) {
    BOOST_TEST(std::string(e.what()).rfind(std::string(path) + ":2:13: ", 0) == 0u);
  }
  std::remove(path);
  try {
    load_config_file(path);
    BOOST_FAIL("expected a ConfigError");
  } catch (const ConfigError& e) {
    BOOST_TEST(std::string(e.what()) == std::string(path) + ": cannot read: No such file or directory");
  }
  try {
    load_config_file("/tmp");
    BOOST_FAIL("expected a ConfigError");
  } catch (const ConfigError& e) {
    BOOST_TEST(std::string(e.what()).rfind("/tmp: cannot read: ", 0) == 0u);
  }
}

BOOST_AUTO_TEST_CASE(shipped_example_parses) {
  const std::string path = BVLIVE_TEST_DATA "/../../share/bvlived.toml";
  const Settings s = load_config_file(path);
  const Settings d;
  // As shipped, the example equals the built-in defaults.
  BOOST_TEST(s.socket_path == d.socket_path);
  BOOST_TEST(s.socket_group == d.socket_group);
  BOOST_TEST(s.socket_mode == d.socket_mode);
  BOOST_TEST(s.state_dir == d.state_dir);
  BOOST_TEST((s.log_level == d.log_level));
  BOOST_TEST(s.max_request_bytes == d.max_request_bytes);
  BOOST_TEST(s.sync_full == d.sync_full);
  BOOST_TEST(s.prepare_lead == d.prepare_lead);
  BOOST_TEST(s.close_after == d.close_after);
  BOOST_TEST(s.lives.empty());

  // Every key is present in it (uncommented), and its commented-out [[live]] examples
  // parse once uncommented.
  std::ifstream in(path);
  std::string line, text, examples;
  bool in_examples = false;
  while (std::getline(in, line)) {
    text += line + "\n";
    if (line.rfind("# Examples", 0) == 0) in_examples = true;
    else if (in_examples && line.rfind("# ", 0) == 0) examples += line.substr(2) + "\n";
    else if (in_examples && line == "#") examples += "\n";
  }
  for (auto k : {"socket =", "socket_group =", "socket_mode =", "state_dir =", "log_level =",
                 "max_request_bytes =", "sync =", "prepare_lead =", "close_after ="})
    BOOST_TEST(text.find(std::string("\n") + k) != std::string::npos, k);
  const Settings ex = parse_config(examples, "examples.toml");
  BOOST_TEST_REQUIRE(ex.lives.size() == 2u);
  BOOST_TEST(ex.lives[0].custom_id == "sunday-service");
  BOOST_TEST(ex.lives[0].body["security"]["privacy"]["type"] == "token");
  BOOST_TEST(ex.lives[1].custom_id == "town-hall");
  BOOST_TEST((ex.lives[1].schedule.auto_preview == DurationMs{0}));
}

// ---------------------------------------------------------------------------
// The media plane sections: [rtmp] [srt] [http] [media] and [daemon] public_host.

BOOST_AUTO_TEST_CASE(media_plane_defaults) {
  const Settings s = parse_config("", kFile);
  BOOST_TEST(s.public_host.empty());
  BOOST_TEST(s.rtmp.enabled);
  BOOST_TEST(s.rtmp.listen == "0.0.0.0");
  BOOST_TEST(s.rtmp.port == 1935);
  BOOST_TEST(s.rtmp.handshake_timeout == 10'000);
  BOOST_TEST(s.srt.enabled);
  BOOST_TEST(s.srt.listen == "0.0.0.0");
  BOOST_TEST(s.srt.port == 9000);
  BOOST_TEST(s.srt.latency == 120);
  BOOST_TEST(s.srt.passphrase.empty());
  BOOST_TEST(s.http.enabled);
  BOOST_TEST(s.http.listen == "0.0.0.0");
  BOOST_TEST(s.http.port == 8080);
  BOOST_TEST(s.http.public_url.empty());
  BOOST_TEST(s.http.idle_timeout == 30'000);
  BOOST_TEST(s.media.ffmpeg == "ffmpeg");
  BOOST_TEST(s.media.segment_duration == 2.0);
  BOOST_TEST(s.media.ull_segment_duration == 1.0);
  BOOST_TEST(s.media.ull_part_target == 333);
  BOOST_TEST(s.media.live_window == 6);
  BOOST_TEST(s.media.keep_segments == 12);
  BOOST_TEST(s.media.session_max_duration == 24LL * 3600 * 1000);
  BOOST_TEST(s.media.first_segment_timeout == 20'000);
  // Empty sections are the defaults too.
  const Settings e = parse_config("[rtmp]\n[srt]\n[http]\n[media]\n", kFile);
  BOOST_TEST((e.rtmp == RtmpSettings{}));
  BOOST_TEST((e.srt == SrtSettings{}));
  BOOST_TEST((e.http == HttpSettings{}));
  BOOST_TEST((e.media == MediaSettings{}));
}

BOOST_AUTO_TEST_CASE(media_plane_every_key_parsed) {
  const Settings s = parse_config(R"(
[daemon]
public_host = "live.example.com"

[rtmp]
enabled = false
listen = "127.0.0.1"
port = 11935
handshake_timeout = "5s"

[srt]
enabled = false
listen = "::"
port = 0
latency = "250ms"
passphrase = "0123456789"

[http]
enabled = false
listen = "::1"
port = 65535
public_url = "https://cdn.example.com/base/"
idle_timeout = "1m"

[media]
ffmpeg = "/opt/ffmpeg/bin/ffmpeg"
segment_duration = 4.5
live_window = 3
keep_segments = 3
session_max_duration = "2h"
first_segment_timeout = 45
)",
                                  kFile);
  BOOST_TEST(s.public_host == "live.example.com");
  BOOST_TEST(!s.rtmp.enabled);
  BOOST_TEST(s.rtmp.listen == "127.0.0.1");
  BOOST_TEST(s.rtmp.port == 11935);
  BOOST_TEST(s.rtmp.handshake_timeout == 5'000);
  BOOST_TEST(!s.srt.enabled);
  BOOST_TEST(s.srt.listen == "::");
  BOOST_TEST(s.srt.port == 0);
  BOOST_TEST(s.srt.latency == 250);
  BOOST_TEST(s.srt.passphrase == "0123456789");
  BOOST_TEST(!s.http.enabled);
  BOOST_TEST(s.http.listen == "::1");
  BOOST_TEST(s.http.port == 65535);
  BOOST_TEST(s.http.public_url == "https://cdn.example.com/base");  // trailing '/' dropped
  BOOST_TEST(s.http.idle_timeout == 60'000);
  BOOST_TEST(s.media.ffmpeg == "/opt/ffmpeg/bin/ffmpeg");
  BOOST_TEST(s.media.segment_duration == 4.5);
  BOOST_TEST(s.media.live_window == 3);
  BOOST_TEST(s.media.keep_segments == 3);
  BOOST_TEST(s.media.session_max_duration == 2LL * 3600 * 1000);
  BOOST_TEST(s.media.first_segment_timeout == 45'000);
  // Integer seconds for segment_duration, and the passphrase bounds (10 and 79).
  BOOST_TEST(parse_config("[media]\nsegment_duration = 6\n", kFile).media.segment_duration == 6.0);
  BOOST_TEST(parse_config("[srt]\npassphrase = \"" + std::string(79, 'p') + "\"\n", kFile).srt.passphrase.size() ==
             79u);
  BOOST_TEST(parse_config("[srt]\npassphrase = \"\"\n", kFile).srt.passphrase.empty());
}

BOOST_AUTO_TEST_CASE(media_plane_value_errors) {
  expect_error("[rtmp]\nport = 70000\n", "bvlived.toml:2:8: ", "rtmp.port: 70000 is out of range; use 0 to 65535");
  expect_error("[http]\nport = -1\n", "bvlived.toml:2:8: ", "http.port");
  expect_error("[srt]\nport = \"9000\"\n", "bvlived.toml:2:8: ", "srt.port: expected an integer");
  expect_error("[http]\nlisten = \"example.com\"\n", "bvlived.toml:2:10: ",
               "http.listen: \"example.com\" is not an IP address");
  expect_error("[rtmp]\nlisten = \"\"\n", "bvlived.toml:2:10: ", "rtmp.listen");
  expect_error("[srt]\npassphrase = \"abcde\"\n", "bvlived.toml:2:14: ",
               "SRT passphrases are 10 to 79 characters (this one has 5)");
  expect_error("[srt]\npassphrase = \"" + std::string(80, 'p') + "\"\n", "bvlived.toml:2:14: ", "(this one has 80)");
  expect_error("[http]\npublic_url = \"ftp://x\"\n", "bvlived.toml:2:14: ", "is not an http(s) URL");
  expect_error("[media]\nsegment_duration = 0.1\n", "bvlived.toml:2:20: ",
               "is out of range; use 0.5 to 30 (seconds)");
  expect_error("[media]\nsegment_duration = 31\n", "bvlived.toml:2:20: ", "use 0.5 to 30");
  expect_error("[media]\nsegment_duration = \"2s\"\n", "bvlived.toml:2:20: ", "a number of seconds");
  expect_error("[http]\nweb_root = \"/nonexistent/web\"\n", "bvlived.toml:2:12: ", "is not a directory");
  BOOST_TEST(parse_config("[http]\nweb_root = \"/tmp\"\n", kFile).http.web_root == "/tmp");
  // LL-HLS: a part is a piece of a segment, and Apple-sane lengths only.
  BOOST_TEST(parse_config("[media]\null_segment_duration = 2\null_part_target = \"500ms\"\n", kFile)
                 .media.ull_part_target == 500);
  expect_error("[media]\null_segment_duration = 0.2\n", "bvlived.toml:2:24: ", "use 0.5 to 30 (seconds)");
  expect_error("[media]\null_part_target = \"50ms\"\n", "bvlived.toml:2:19: ", "use \"100ms\" to \"1s\"");
  expect_error("[media]\null_part_target = \"1s\"\null_segment_duration = 0.5\n", "bvlived.toml:1:1: ",
               "media.ull_part_target is longer than media.ull_segment_duration");
  expect_error("[media]\nlive_window = 1\n", "bvlived.toml:2:15: ", "media.live_window: 1 is out of range; use 2 to");
  expect_error("[media]\nffmpeg = \"\"\n", "bvlived.toml:2:10: ", "media.ffmpeg: empty");
  expect_error("[rtmp]\nhandshake_timeout = 0\n", "bvlived.toml:2:21: ", "must be longer than 0");
  expect_error("[daemon]\npublic_host = \"https://live.example.com/\"\n", "bvlived.toml:2:15: ",
               "is not a host name");
  expect_error("rtmp = 1935\n", "bvlived.toml:1:8: ", "rtmp: expected a table ([rtmp])");
}

BOOST_AUTO_TEST_CASE(keep_segments_must_cover_the_live_window) {
  // Both explicit, and one explicit against the other's default (live_window 6, keep 12).
  expect_error("\n[media]\nlive_window = 10\nkeep_segments = 5\n", "bvlived.toml:2:",
               "media.keep_segments (5) is smaller than media.live_window (10)");
  expect_error("[media]\nlive_window = 20\n", "bvlived.toml:1:",
               "media.keep_segments (12) is smaller than media.live_window (20)");
  expect_error("[media]\nkeep_segments = 4\n", "bvlived.toml:1:",
               "media.keep_segments (4) is smaller than media.live_window (6)");
  BOOST_TEST(parse_config("[media]\nlive_window = 20\nkeep_segments = 20\n", kFile).media.keep_segments == 20);
}

BOOST_AUTO_TEST_CASE(media_plane_unknown_keys) {
  expect_error("[media]\nsegment_duraton = 2\n", "bvlived.toml:2:1: ",
               "unknown key 'media.segment_duraton'; did you mean 'media.segment_duration'?");
  expect_error("[rtmp]\nprot = 1935\n", "bvlived.toml:2:1: ", "did you mean 'rtmp.port'?");
  expect_error("[srt]\npassword = \"x\"\n", "bvlived.toml:2:1: ", "unknown key 'srt.password'");
  expect_error("[http]\nzzzzzzzz = 1\n", "bvlived.toml:2:1: ", "the keys of [http] are enabled, listen, port");
  expect_error("[daemon]\npublic_hots = \"x\"\n", "bvlived.toml:2:1: ", "did you mean 'daemon.public_host'?");
}

// A float in an error message reads as the user wrote it (0.1, not 0.10000000000000001).
BOOST_AUTO_TEST_CASE(float_values_are_shown_as_written) {
  expect_error("[media]\nsegment_duration = 0.1\n", "bvlived.toml:2:20: ",
               "media.segment_duration: 0.1 is out of range; use 0.5 to 30");
}

BOOST_AUTO_TEST_CASE(transcode_table) {
  const Settings d = parse_config("", kFile);
  BOOST_TEST(!d.media.transcode.abr);
  BOOST_TEST(d.media.transcode.preset == "veryfast");
  BOOST_TEST(d.media.transcode.ladder.size() == 5u);
  const Settings s = parse_config(R"(
[transcode]
abr = true
preset = "ultrafast"
keyframe_interval = "1s"
audio_kbps = 96
watermark_width = 0.2
watermark_margin = 0
[transcode.ladder]
360p = 700
1080p = 4500
)",
                                  kFile);
  const TranscodeSettings& t = s.media.transcode;
  BOOST_TEST(t.abr);
  BOOST_TEST(t.preset == "ultrafast");
  BOOST_TEST(t.keyframe_interval == 1.0);
  BOOST_TEST(t.audio_kbps == 96);
  BOOST_TEST(t.watermark_width == 0.2);
  BOOST_TEST(t.watermark_margin == 0.0);
  BOOST_REQUIRE(t.ladder.size() == 2u);
  BOOST_TEST(t.ladder[0].height == 1080);  // highest first, whatever the order in the file
  BOOST_TEST(t.ladder[0].video_kbps == 4500);
  BOOST_TEST(t.ladder[1].height == 360);
}

BOOST_AUTO_TEST_CASE(transcode_errors) {
  expect_error("[transcode]\npreset = \"turbo\"\n", "bvlived.toml:2:10: ", "not an x264 preset; use one of");
  expect_error("[transcode]\nkeyframe_interval = \"20s\"\n", "bvlived.toml:2:21: ", "\"250ms\" to \"10s\"");
  expect_error("[transcode]\nwatermark_width = 2\n", "bvlived.toml:2:19: ", "0.01 to 1");
  expect_error("[transcode]\nabr = \"yes\"\n", "bvlived.toml:2:7: ", "transcode.abr");
  expect_error("[transcode]\nbitrate = 1\n", "bvlived.toml:2:1: ", "the keys of [transcode] are");
  expect_error("[transcode.ladder]\nhd = 2800\n", "bvlived.toml:2:1: ", "not a rendition height");
  expect_error("[transcode.ladder]\n721p = 2800\n", "bvlived.toml:2:1: ", "an even number of lines");
  expect_error("[transcode.ladder]\n720p = 20\n", "bvlived.toml:2:8: ", "100 to 100000");
  expect_error("[transcode]\nladder = 5\n", "bvlived.toml:2:10: ", "[transcode.ladder]");
}

BOOST_AUTO_TEST_CASE(security_table) {
  BOOST_TEST(parse_config("", kFile).security.device_idle == 60'000);
  BOOST_TEST(parse_config("[security]\ndevice_idle = \"30s\"\n", kFile).security.device_idle == 30'000);
  expect_error("[security]\ndevice_idle = \"0s\"\n", "bvlived.toml:2:15: ", "longer than 0");
  expect_error("[security]\ngeo = 1\n", "bvlived.toml:2:1: ", "the keys of [security] are");
  BOOST_TEST(parse_config("", kFile).security.allow_missing_origin);
  BOOST_TEST(!parse_config("[security]\nmissing_origin = \"deny\"\n", kFile).security.allow_missing_origin);
  expect_error("[security]\nmissing_origin = \"block\"\n", "bvlived.toml:2:18: ", "\"allow\" or \"deny\"");
  // AES-128 key rotation.
  BOOST_TEST(parse_config("", kFile).security.key_rotation == 3'600'000);
  BOOST_TEST(parse_config("[security]\nkey_rotation = \"10m\"\n", kFile).security.key_rotation == 600'000);
  expect_error("[security]\nkey_rotation = \"5s\"\n", "bvlived.toml:2:16: ", "shorter than 10s");
  // Geo control: trusted proxies as networks, in canonical form; unknown countries denied by default.
  const auto proxies = parse_config("[security]\ntrusted_proxies = [\"127.0.0.1\", \" 10.0.0.0/8\", \"2001:DB8::/32\"]\n",
                                    kFile).security.trusted_proxies;
  BOOST_TEST(proxies == (std::vector<std::string>{"127.0.0.1/32", "10.0.0.0/8", "2001:db8::/32"}),
             boost::test_tools::per_element());
  expect_error("[security]\ntrusted_proxies = [\"10.0.0.1/8\"]\n", "bvlived.toml:2:20: ", "write the network as 10.0.0.0/8");
  expect_error("[security]\ntrusted_proxies = [\"proxy.example\"]\n", "bvlived.toml:2:20: ", "not an IP address");
  expect_error("[security]\ntrusted_proxies = \"127.0.0.1\"\n", "bvlived.toml:2:19: ", "an array of addresses");
  BOOST_TEST(!parse_config("", kFile).security.allow_unknown_country);
  BOOST_TEST(parse_config("[security]\nunknown_country = \"allow\"\n", kFile).security.allow_unknown_country);
  expect_error("[security]\ngeo_database = \"/nonexistent/country.mmdb\"\n", "bvlived.toml:2:16: ",
               "/nonexistent/country.mmdb");
}

BOOST_AUTO_TEST_CASE(chat_keys) {
  const auto defaults = parse_config("", kFile).chat;
  BOOST_TEST(defaults.max_length == 500);
  BOOST_TEST(defaults.history == 100);
  BOOST_TEST(defaults.rate_burst == 5);
  BOOST_TEST(defaults.rate_interval == 3'000);
  const auto c =
      parse_config("[chat]\nmax_length = 280\nhistory = 0\nrate_burst = 2\nrate_interval = \"500ms\"\n", kFile).chat;
  BOOST_TEST(c.max_length == 280);
  BOOST_TEST(c.history == 0);
  BOOST_TEST(c.rate_burst == 2);
  BOOST_TEST(c.rate_interval == 500);
  expect_error("[chat]\nmax_length = 0\n", "bvlived.toml:2:14: ", "out of range");
  expect_error("[chat]\nrate_interval = \"10ms\"\n", "bvlived.toml:2:17: ", "\"100ms\" to \"1h\"");
  expect_error("[chat]\nhistroy = 5\n", "bvlived.toml:2:1: ", "history");
}

// `bvlived --config-keys` lists what the loader reads: every listed key is accepted in its
// table (a value of the wrong type is refused for its value, never as an unknown key), and
// a key that is not listed is unknown.
BOOST_AUTO_TEST_CASE(config_keys_are_the_keys_the_loader_reads) {
  const auto keys = config_keys();
  BOOST_TEST_REQUIRE(keys.size() > 60u);
  for (const char* expected : {"daemon.socket", "rtmp.port", "tls.certificate", "tls.hsts_max_age", "media.remux",
                               "transcode.ladder", "chat.history", "live.auto_start", "live.close_after"})
    BOOST_TEST((std::find(keys.begin(), keys.end(), expected) != keys.end()), expected << " is not listed");
  for (const auto& key : keys) {
    const auto dot = key.find('.');
    const std::string table = key.substr(0, dot), name = key.substr(dot + 1);
    // An array of tables is no valid value for any key; [[live]] needs its custom_id.
    const std::string text = table == "live" ? "[[live]]\ncustom_id = \"x\"\n" + name + " = [[1]]\n"
                                             : "[" + table + "]\n" + name + " = [{a = 1}]\n";
    const std::string msg = error_of(text);
    BOOST_TEST(msg.find("unknown key") == std::string::npos, key << ": " << msg);
  }
  BOOST_TEST(error_of("[rtmp]\nnot_a_key = 1\n").find("unknown key 'rtmp.not_a_key'") != std::string::npos);
}
