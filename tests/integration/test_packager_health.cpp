// Packager health with real processes: a packager that cannot keep up with a live push
// (ffmpeg reading its input at half speed, through a wrapper set as media.ffmpeg) puts a
// warning on the session, in `bvlive show`, the events and /metrics (issue 6, item 2).
#define BOOST_TEST_MODULE packager_health
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <memory>
#include <thread>
#include <string>

#include <nlohmann/json.hpp>

#include "support/checks.hpp"
#include "support/lives.hpp"
#include "support/media.hpp"
#include "support/process.hpp"

using namespace bvtest;
using nlohmann::json;

namespace {

// ffmpeg with "-readrate 0.5" before its input: half real time, whatever the input.
constexpr const char* kSlowFfmpeg = R"(#!/bin/sh
for a; do
  shift
  if [ "$a" = "-i" ]; then set -- "$@" -readrate 0.5 -i; else set -- "$@" "$a"; fi
done
exec ffmpeg "$@"
)";

}  // namespace

BOOST_AUTO_TEST_CASE(a_packager_slower_than_real_time_warns) {
  TempDir dir{"bvlive-health"};
  const std::string wrapper = dir / "slow-ffmpeg";
  write_file(wrapper, kSlowFfmpeg);
  BOOST_TEST_REQUIRE(::chmod(wrapper.c_str(), 0755) == 0);
  // The ffmpeg packager, as transcoding lives use it (a passthrough push has none by default).
  auto daemon = start_daemon(dir, "[media]\nremux = \"ffmpeg\"\nffmpeg = \"" + wrapper + "\"\n");
  Cli cli{daemon->socket()};
  const Ports ports = ports_of(cli);

  const RunResult created = cli.run({"-q", "create", "--name", "slow"});
  REQUIRE_EXIT(created, 0);
  const std::string id = created.out.substr(0, created.out.find('\n'));
  REQUIRE_EXIT(cli.run({"preview", id}), 0);
  BackgroundProcess encoder(encoder_argv(live_of(cli, id)["urls"]["rtmp"].get<std::string>(), "flv"),
                            dir / "encoder.log");

  // The session goes LIVE, then after ten seconds below real time carries the warning.
  json session;
  const bool warned = poll_until(
      [&] {
        const json sessions = cli.json({"sessions", id})["sessions"];
        if (sessions.empty()) return false;
        session = sessions[0];
        return session["warning"].is_string();
      },
      60s);
  BOOST_TEST_REQUIRE(warned, "no warning; last session: " << session.dump() << "\nlog:\n" << daemon->log());
  BOOST_TEST(session["state"] == "LIVE", session.dump());
  BOOST_TEST(contains(session["warning"].get<std::string>(), "slower than real time"), session.dump());

  const RunResult show = cli.run({"show", id});
  BOOST_TEST(contains(show.out, "WARNING: packager slower than real time"), show.describe());
  bool in_events = false;
  const json events = cli.json({"events", id})["events"];
  for (const auto& e : events)
    in_events = in_events || contains(e["detail"].get<std::string>(), "WARNING packager slower than real time");
  BOOST_TEST(in_events, "the warning is not in the events");
  const HttpReply metrics = http_get("http://127.0.0.1:" + std::to_string(ports.http) + "/metrics");
  BOOST_TEST(contains(metrics.body, "\nbvlive_sessions_slow 1\n"), metrics.describe());
}

// A packager at real time never warns: the same push through the plain ffmpeg.
BOOST_AUTO_TEST_CASE(a_real_time_packager_does_not_warn) {
  TempDir dir{"bvlive-health"};
  auto daemon = start_daemon(dir);
  Cli cli{daemon->socket()};
  const Ports ports = ports_of(cli);
  const RunResult created = cli.run({"-q", "create", "--name", "fine"});
  REQUIRE_EXIT(created, 0);
  const std::string id = created.out.substr(0, created.out.find('\n'));
  REQUIRE_EXIT(cli.run({"preview", id}), 0);
  BackgroundProcess encoder(encoder_argv(live_of(cli, id)["urls"]["rtmp"].get<std::string>(), "flv"),
                            dir / "encoder.log");
  // LIVE, then as long as the slow case needed to warn, plus margin.
  BOOST_TEST_REQUIRE(poll_until(
      [&] {
        const json s = cli.json({"sessions", id})["sessions"];
        return !s.empty() && s[0]["state"] == "LIVE";
      },
      30s));
  std::this_thread::sleep_for(14s);
  const json session = cli.json({"sessions", id})["sessions"][0];
  BOOST_TEST(session["warning"].is_null(), session.dump());
  const HttpReply metrics = http_get("http://127.0.0.1:" + std::to_string(ports.http) + "/metrics");
  BOOST_TEST(contains(metrics.body, "\nbvlive_sessions_slow 0\n"), metrics.describe());
}
