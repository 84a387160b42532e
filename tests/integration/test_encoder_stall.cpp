// An encoder (ffmpeg pushing RTMP) stopped with SIGSTOP for a whole minute under a LIVE
// live, then continued. test_signal_interruption covers a short stop; past the RTMP
// connection's silence bound (30 s, bvlived(8) SESSIONS: "encoder sent nothing for 30 s")
// a user expects: the live shows the signal interrupted after media.signal_timeout, the
// session then ends with that reason while the live stays LIVE and interrupted, the
// resumed encoder does not bring the dead session back (its connection is gone), and a
// new push publishes and clears the mark.
//
// Wall time: about 80 s, nearly all of it the minute of the stop (sleeping, no CPU).
#define BOOST_TEST_MODULE encoder_stall
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <csignal>
#include <memory>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/checks.hpp"
#include "support/lives.hpp"
#include "support/media.hpp"
#include "support/process.hpp"

using namespace bvtest;
using nlohmann::json;

BOOST_AUTO_TEST_CASE(an_encoder_stopped_for_a_minute) {
  TempDir dir{"bvlive-stall"};
  // signal_timeout shortened: the interruption is seen in 2 s instead of 5.
  auto daemon = start_daemon(dir, "[media]\nsignal_timeout = \"2s\"\n");
  Cli cli{daemon->socket()};
  const Ports ports = ports_of(cli);
  const RunResult created = cli.run({"-q", "create", "--name", "stall"});
  REQUIRE_EXIT(created, 0);
  const std::string id = created.out.substr(0, created.out.find('\n'));
  REQUIRE_EXIT(cli.run({"preview", id}), 0);
  const std::string rtmp = live_of(cli, id)["urls"]["rtmp"].get<std::string>();
  auto sessions = [&] { return cli.json({"sessions", id})["sessions"]; };
  auto signal = [&] { return live_of(cli, id)["signal_interrupted"]; };
  auto publishing = [&](std::size_t count) {
    json last;
    const bool ok = poll_until(
        [&] {
          last = sessions();
          return last.size() == count && last[0]["state"] == "LIVE";
        },
        30s);
    BOOST_TEST_REQUIRE(ok, "sessions: " << last.dump() << "\nlog:\n" << daemon->log());
  };

  BackgroundProcess first(encoder_argv(rtmp, "flv"), dir / "encoder1.log");
  publishing(1);
  REQUIRE_EXIT(cli.run({"start", id}), 0);
  const std::string playlist_url = "http://127.0.0.1:" + std::to_string(ports.http) + "/live/" + id + "/media.m3u8";
  BOOST_TEST_REQUIRE(poll_until([&] { return contains(http_get(playlist_url).body, "#EXTINF"); }, 20s));

  // Stopped: interrupted after signal_timeout, the session still LIVE (the connection is open).
  BOOST_TEST_REQUIRE(::kill(first.pid(), SIGSTOP) == 0);
  const auto stopped_at = std::chrono::steady_clock::now();
  BOOST_TEST_REQUIRE(poll_until([&] { return signal().is_object(); }, 10s), live_of(cli, id).dump());
  BOOST_TEST(contains(signal()["reason"].get<std::string>(), "no media for 2s"), signal().dump());
  BOOST_TEST(sessions()[0]["state"] == "LIVE", sessions().dump());

  // Past the silence bound: the connection is closed and the session ENDED with that
  // reason; the live stays LIVE, interrupted (no slate configured: the playlist waits).
  json s;
  const bool ended = poll_until(
      [&] {
        s = sessions()[0];
        return s["state"] == "ENDED";
      },
      45s, 500ms);
  BOOST_TEST_REQUIRE(ended, "the stalled session never ended: " << s.dump() << "\nlog:\n" << daemon->log());
  const auto ended_after = std::chrono::steady_clock::now() - stopped_at;
  BOOST_TEST(ended_after > 25s, "ended too early");
  BOOST_TEST(contains(s.value("end_reason", ""), "encoder sent nothing for 30 s"), s.dump());
  BOOST_TEST(state_of(cli, id) == "LIVE");
  BOOST_TEST(signal().is_object(), live_of(cli, id).dump());
  const RunResult show = cli.run({"show", id});
  BOOST_TEST(contains(show.out, "INTERRUPTED since"), show.describe());

  // The rest of the minute, then the encoder resumes: its connection is gone, so it fails
  // and exits, and nothing of it comes back (still one session, ENDED, and interrupted).
  std::this_thread::sleep_until(stopped_at + 60s);
  BOOST_TEST_REQUIRE(::kill(first.pid(), SIGCONT) == 0);
  const auto code = first.wait(20s);
  BOOST_TEST(code.has_value(), "the resumed encoder kept running on a closed connection:\n" << first.log());
  if (code) BOOST_TEST(*code != 0, first.log());
  BOOST_TEST(sessions().size() == 1u, sessions().dump());
  BOOST_TEST(signal().is_object(), live_of(cli, id).dump());

  // A new push works: a second session publishes and the mark clears.
  BackgroundProcess second(encoder_argv(rtmp, "flv"), dir / "encoder2.log");
  publishing(2);
  BOOST_TEST_REQUIRE(poll_until([&] { return signal().is_null(); }, 20s), live_of(cli, id).dump());
  BOOST_TEST(state_of(cli, id) == "LIVE");
  BOOST_TEST(contains(http_get(playlist_url).body, "#EXT-X-DISCONTINUITY"), http_get(playlist_url).body);
}
