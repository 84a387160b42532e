// Signal interruption with real processes: while a live is LIVE, an encoder that stops
// sending (SIGSTOP) or goes away (SIGKILL) marks the live signal-interrupted in `bvlive
// show`, the events and /metrics; media flowing again, or a new push publishing, clears
// it (issue 6, item 5).
#define BOOST_TEST_MODULE signal_interruption
#include <boost/test/unit_test.hpp>

#include <csignal>
#include <fstream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "support/checks.hpp"
#include "support/lives.hpp"
#include "support/media.hpp"
#include "support/media_files.hpp"
#include "support/playlist_text.hpp"
#include "support/process.hpp"

using namespace bvtest;
using nlohmann::json;

namespace {

struct SignalFixture {
  explicit SignalFixture(const std::string& media = "") : daemon(start_daemon(dir, "[media]\nsignal_timeout = \"2s\"\n" + media)) {}
  TempDir dir{"bvlive-signal"};
  std::unique_ptr<DaemonProcess> daemon;
  Cli cli{daemon->socket()};
  Ports ports = ports_of(cli);
  std::vector<std::unique_ptr<BackgroundProcess>> encoders;

  BackgroundProcess& push(const std::string& id) {
    encoders.push_back(std::make_unique<BackgroundProcess>(
        encoder_argv(live_of(cli, id)["urls"]["rtmp"].get<std::string>(), "flv"),
        dir / ("encoder" + std::to_string(encoders.size()) + ".log")));
    return *encoders.back();
  }
  // Waits for `count` sessions, the newest LIVE (publishing).
  void wait_publishing(const std::string& id, std::size_t count) {
    json last;
    const bool ok = poll_until(
        [&] {
          last = cli.json({"sessions", id})["sessions"];
          return last.size() == count && last[0]["state"] == "LIVE";
        },
        30s);
    BOOST_TEST_REQUIRE(ok, "sessions: " << last.dump() << "\nlog:\n" << daemon->log());
  }
  json signal(const std::string& id) { return live_of(cli, id)["signal_interrupted"]; }
  bool wait_signal(const std::string& id, bool lost) {
    return poll_until([&] { return signal(id).is_object() == lost; }, 20s);
  }
  std::string metrics() {
    return http_get("http://127.0.0.1:" + std::to_string(ports.http) + "/metrics").body;
  }
  std::vector<std::string> signal_events(const std::string& id) {
    std::vector<std::string> out;
    const json events = cli.json({"events", id})["events"];
    for (const auto& e : events)
      if (e["trigger"] == "signal") out.push_back(e["detail"].get<std::string>());
    return out;
  }
};

// media.slate: the playlist goes on with a still picture while the encoder is gone.
struct SlateFixture : SignalFixture {
  SlateFixture() : SignalFixture("slate = true\n") {}
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(stall_disconnect_and_recovery, SignalFixture) {
  const RunResult created = cli.run({"-q", "create", "--name", "signal"});
  REQUIRE_EXIT(created, 0);
  const std::string id = created.out.substr(0, created.out.find('\n'));
  REQUIRE_EXIT(cli.run({"preview", id}), 0);

  // In PREVIEW an encoder leaving is no interruption: nothing is public yet.
  BackgroundProcess& rehearsal = push(id);
  wait_publishing(id, 1);
  rehearsal.stop(SIGKILL);
  BOOST_TEST_REQUIRE(poll_until([&] { return cli.json({"sessions", id})["sessions"][0]["state"] == "ENDED"; }, 20s));
  BOOST_TEST(signal(id).is_null(), live_of(cli, id).dump());

  BackgroundProcess& first = push(id);
  wait_publishing(id, 2);
  REQUIRE_EXIT(cli.run({"start", id}), 0);
  BOOST_TEST(signal(id).is_null());
  BOOST_TEST(contains(metrics(), "\nbvlive_lives_signal_interrupted 0\n"));

  // The encoder stops sending (its connection stays open): after signal_timeout, interrupted.
  BOOST_TEST_REQUIRE(::kill(first.pid(), SIGSTOP) == 0);
  BOOST_TEST_REQUIRE(wait_signal(id, true), "no interruption after a stall; log:\n" << daemon->log());
  BOOST_TEST(contains(signal(id)["reason"].get<std::string>(), "no media for 2s"), signal(id).dump());
  const RunResult show = cli.run({"show", id});
  BOOST_TEST(contains(show.out, "INTERRUPTED since"), show.describe());
  BOOST_TEST(contains(metrics(), "\nbvlive_lives_signal_interrupted 1\n"));

  // It sends again: restored, in the same session.
  BOOST_TEST_REQUIRE(::kill(first.pid(), SIGCONT) == 0);
  BOOST_TEST_REQUIRE(wait_signal(id, false), "still interrupted after the encoder resumed: " << signal(id).dump());
  BOOST_TEST(cli.json({"sessions", id})["sessions"].size() == 2u);

  // It goes away: interrupted until a new push publishes.
  first.stop(SIGKILL);
  BOOST_TEST_REQUIRE(wait_signal(id, true), "no interruption after a disconnect");
  BOOST_TEST(contains(signal(id)["reason"].get<std::string>(), "ended"), signal(id).dump());
  push(id);
  wait_publishing(id, 3);
  BOOST_TEST_REQUIRE(wait_signal(id, false), "a new session published but the mark stayed: " << signal(id).dump());

  const auto lines = signal_events(id);
  BOOST_TEST_REQUIRE(lines.size() == 4u, "signal events: " << json(lines).dump());
  BOOST_TEST(contains(lines[0], "signal interrupted: no media for 2s"));
  BOOST_TEST(contains(lines[1], "signal restored: media flows again"));
  BOOST_TEST(contains(lines[2], "signal interrupted: session"));
  BOOST_TEST(contains(lines[3], "signal restored: session"));

  // Ending the live is not an interruption, and clears nothing that is not there.
  REQUIRE_EXIT(cli.run({"end", id}), 0);
  BOOST_TEST(signal(id).is_null());
  BOOST_TEST(signal_events(id).size() == 4u);
}

BOOST_FIXTURE_TEST_CASE(the_slate_plays_while_the_encoder_is_gone, SlateFixture) {
  const RunResult created = cli.run({"-q", "create", "--name", "slate", "--broadcast-mode", "dvr"});
  REQUIRE_EXIT(created, 0);
  const std::string id = created.out.substr(0, created.out.find('\n'));
  REQUIRE_EXIT(cli.run({"preview", id}), 0);
  BackgroundProcess& first = push(id);
  wait_publishing(id, 1);
  REQUIRE_EXIT(cli.run({"start", id}), 0);
  const std::string playlist_url = "http://127.0.0.1:" + std::to_string(ports.http) + "/live/" + id + "/media.m3u8";
  BOOST_TEST_REQUIRE(poll_until([&] { return contains(http_get(playlist_url).body, "#EXTINF"); }, 20s));

  // The encoder dies: a slate session takes over and publishes, and the mark stays.
  first.stop(SIGKILL);
  BOOST_TEST_REQUIRE(wait_signal(id, true), "no interruption after a disconnect");
  wait_publishing(id, 2);
  const json slate = cli.json({"sessions", id})["sessions"][0];
  BOOST_TEST(slate["protocol"] == "slate", slate.dump());
  BOOST_TEST(signal(id).is_object(), "the slate cleared the mark: " << live_of(cli, id).dump());
  // Players keep getting segments: the slate's, after a discontinuity, readable as H.264 1280x720.
  const std::string slate_id = slate["id"].get<std::string>();
  std::string text;
  std::vector<std::string> slate_uris;
  BOOST_TEST_REQUIRE(poll_until(
                         [&] {
                           text = http_get(playlist_url).body;
                           slate_uris.clear();
                           for (const auto& uri : playlist_text::uris(text))
                             if (uri.rfind(slate_id + "/", 0) == 0) slate_uris.push_back(uri);
                           return slate_uris.size() >= 2;
                         },
                         30s),
                     "no slate segments in the playlist:\n" << text << "\nlog:\n" << daemon->log());
  BOOST_TEST(contains(text, "#EXT-X-DISCONTINUITY"), text);
  // A slate segment with its init segment plays as H.264 1280x720 with audio.
  const std::string base = "http://127.0.0.1:" + std::to_string(ports.http) + "/live/" + id + "/";
  const auto piece = dir / "slate.mp4";
  {
    std::ofstream out(piece, std::ios::binary);
    out << http_get(base + slate_id + "/init.mp4").body << http_get(base + slate_uris.back()).body;
  }
  const json probe = ffprobe_streams(piece);
  check_h264_aac(probe, 1280, 720);

  // The next push replaces the slate and clears the mark.
  push(id);
  wait_publishing(id, 3);
  BOOST_TEST_REQUIRE(wait_signal(id, false), "a new session published but the mark stayed: " << signal(id).dump());
  const json sessions = cli.json({"sessions", id})["sessions"];
  BOOST_TEST(sessions[1]["id"] == slate_id);
  BOOST_TEST(sessions[1]["state"] == "ENDED");
  BOOST_TEST(contains(sessions[1].value("end_reason", ""), "replaced by a newer push"), sessions[1].dump());

  // Ending the live while the slate plays stops it and starts nothing else.
  encoders.back()->stop(SIGKILL);
  wait_publishing(id, 4);
  REQUIRE_EXIT(cli.run({"end", id}), 0);
  BOOST_TEST_REQUIRE(poll_until([&] { return cli.json({"sessions", id})["sessions"][0]["state"] == "ENDED"; }, 20s));
  BOOST_TEST(cli.json({"sessions", id})["sessions"].size() == 4u);
}
