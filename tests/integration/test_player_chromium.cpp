// A real player on the daemon's HLS: Debian's chromium, headless, runs hls.js (from the npm
// registry, installed by the web_assets target) on tests/data/player/player.html against a
// live fed by ffmpeg over RTMP. The pusher paints its wall clock into the picture, so the page
// also proves it can read the frame on screen (what tests/bench/latency measures with).
//   - a live created with --ull, played with hls.js lowLatencyMode: it plays from LL-HLS, and
//     hls.js sees the parts and blocking reload and loads parts;
//   - a standard live, played with lowLatencyMode off: it plays, and advertises no LL-HLS.
#define BOOST_TEST_MODULE player_chromium
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "bench/common/clock_pattern.hpp"
#include "support/browser.hpp"
#include "support/checks.hpp"
#include "support/lives.hpp"
#include "support/media.hpp"
#include "support/process.hpp"

using namespace bvtest;
using nlohmann::json;

namespace {

const std::string kData = BVLIVE_TEST_DATA;

struct PlayerFixture {
  TempDir dir{"bvlive-player"};
  std::unique_ptr<DaemonProcess> daemon;
  std::unique_ptr<Cli> cli;
  Ports ports;
  std::unique_ptr<BackgroundProcess> pusher;

  PlayerFixture() {
    BOOST_TEST_REQUIRE(path_exists(hls_js_path()), hls_js_path() << " is missing: build the web_assets target");
    daemon = start_daemon(dir);
    cli = std::make_unique<Cli>(daemon->socket());
    ports = ports_of(*cli);
    BOOST_TEST_REQUIRE(ports.http > 0);
    BOOST_TEST_REQUIRE(ports.rtmp > 0);
  }

  std::string base() const { return "http://127.0.0.1:" + std::to_string(ports.http); }

  // A LIVE live fed by the clock pattern (640x360, 1 s keyframes, x264 zerolatency).
  std::string live_on_air(const std::string& name, bool ull) {
    std::vector<std::string> args = {"--json", "create", "--name", name};
    if (ull) args.push_back("--ull");
    RunResult r = cli->run(args);
    REQUIRE_EXIT(r, 0);
    const json live = parse_out(r)["live"];
    const std::string id = live["id"].get<std::string>();
    BOOST_TEST(live["ull_enabled"].get<bool>() == ull, live.dump());
    REQUIRE_EXIT(cli->run({"preview", id}), 0);
    bvbench::ClockPattern p;
    p.width = 640;
    p.height = 360;
    p.preset = "ultrafast";
    p.video_bitrate = "1000k";
    pusher = std::make_unique<BackgroundProcess>(
        bvbench::clock_pusher_argv("ffmpeg", "rtmp://127.0.0.1:" + std::to_string(ports.rtmp) + "/live/" +
                                                 live["stream_key"].get<std::string>(), p),
        dir / (id + "-ffmpeg.log"));
    json sessions;
    const bool on = poll_until(
        [&] {
          sessions = cli->json({"sessions", id})["sessions"];
          return !sessions.empty() && sessions[0]["state"] == "LIVE";
        },
        45s, 250ms);
    BOOST_TEST_REQUIRE(on, "no LIVE session: " << sessions.dump(2) << "\nffmpeg:\n"
                                               << pusher->log() << "\ndaemon log:\n" << daemon->log());
    REQUIRE_EXIT(cli->run({"start", id}), 0);
    BOOST_TEST_REQUIRE(wait_for_state(*cli, id, "LIVE"));
    return id;
  }

  std::unique_ptr<HeadlessBrowser> play(const std::string& id, bool ll) {
    const std::string page = file_url(kData + "/player/player.html",
                                      {{"hls", "file://" + hls_js_path()},
                                       {"src", base() + "/live/" + id + "/index.m3u8"},
                                       {"ll", ll ? "1" : "0"}});
    return std::make_unique<HeadlessBrowser>(page, dir.path(), "chromium-" + id);
  }
};

// What a viewer would check, from the page's reports: it started, the video advanced by
// `seconds` of media while playing, and hls.js reported no fatal error. Returns the reports.
std::vector<json> watch(PlayerFixture& f, HeadlessBrowser& browser, double seconds) {
  auto played = [&] {
    const auto reports = browser.json_messages("player: ");
    double first = -1, last = -1;
    for (const auto& r : reports) {
      if (!r["currentTime"].is_number() || r["paused"].get<bool>()) continue;
      const double t = r["currentTime"].get<double>();
      if (first < 0) first = t;
      last = t;
    }
    return first >= 0 && last - first >= seconds;
  };
  const bool ok = browser.wait_for(played, 90s);
  const auto messages = browser.messages("player: ");
  std::string all;
  for (const auto& m : messages) all += "  " + m + "\n";
  BOOST_TEST_REQUIRE(ok, "the player did not play " << seconds << " s of the live; its reports:\n"
                                                    << all << "chromium log tail:\n"
                                                    << browser.log().substr(browser.log().size() > 4000 ? browser.log().size() - 4000 : 0)
                                                    << "\ndaemon log:\n" << f.daemon->log());
  BOOST_TEST(std::count(messages.begin(), messages.end(), "ready") == 1, all);
  for (const auto& m : messages) {
    BOOST_TEST(!m.starts_with("failed"), m);
    if (m.starts_with("error ")) {
      const json e = json::parse(m.substr(6), nullptr, false);
      BOOST_TEST(!(e.is_object() && e.value("fatal", false)), "fatal hls.js error: " << m);
    }
  }
  return browser.json_messages("player: ");
}

// The clock strip read from the frames on screen: every reading a real time that is not in
// the future and at most two minutes old (a misread bit is hours off), never going back.
void check_clock(const std::vector<json>& reports) {
  std::int64_t last = 0;
  int read = 0;
  for (const auto& r : reports) {
    if (!r.contains("frame_ms")) continue;
    ++read;
    const auto frame = r["frame_ms"].get<std::int64_t>(), now = r["now_ms"].get<std::int64_t>();
    BOOST_TEST(frame <= now, r.dump());
    BOOST_TEST(now - frame < 120000, r.dump());
    BOOST_TEST(frame >= last, r.dump());
    last = frame;
  }
  BOOST_TEST(read >= 3, "the clock strip was read from " << read << " frames only");
}

// The live's media playlist: index.m3u8, or the first variant it lists when it is a master.
std::string media_playlist(const std::string& live_url) {
  HttpReply r = http_get(live_url + "index.m3u8");
  BOOST_TEST_REQUIRE(r.status == 200, r.describe());
  if (r.body.find("#EXT-X-STREAM-INF") == std::string::npos) return r.body;
  const auto uris = playlist_uris(r.body);
  BOOST_TEST_REQUIRE(!uris.empty(), r.body);
  r = http_get(live_url + uris.front());
  BOOST_TEST_REQUIRE(r.status == 200, r.describe());
  return r.body;
}

}  // namespace

BOOST_AUTO_TEST_CASE(an_ull_live_plays_in_hls_js_low_latency_mode) {
  PlayerFixture f;
  const std::string id = f.live_on_air("Low latency", true);
  auto browser = f.play(id, true);
  const auto reports = watch(f, *browser, 6);
  const json& last = reports.back();
  BOOST_TEST(last["live"] == true, last.dump());
  check_clock(reports);

  const std::string playlist = media_playlist(f.base() + "/live/" + id + "/");
  BOOST_TEST_REQUIRE(playlist.find("#EXT-X-PART-INF") != std::string::npos, playlist);
  BOOST_TEST(last["parts"].get<int>() > 0, last.dump());
  BOOST_TEST(last["part_target"].get<double>() > 0, last.dump());
  BOOST_TEST(last["can_block_reload"] == true, last.dump());
  BOOST_TEST(last["part_loads"].get<int>() > 0, last.dump());
}

BOOST_AUTO_TEST_CASE(a_standard_live_plays_without_low_latency_mode) {
  PlayerFixture f;
  const std::string id = f.live_on_air("Standard", false);
  auto browser = f.play(id, false);
  const auto reports = watch(f, *browser, 6);
  const json& last = reports.back();
  BOOST_TEST(last["live"] == true, last.dump());
  BOOST_TEST(last["frag_loads"].get<int>() >= 3, last.dump());
  // A standard live advertises nothing of LL-HLS.
  BOOST_TEST(last["parts"].get<int>() == 0, last.dump());
  BOOST_TEST(last["can_block_reload"] == false, last.dump());
  BOOST_TEST(last["part_loads"].get<int>() == 0, last.dump());
  const std::string playlist = media_playlist(f.base() + "/live/" + id + "/");
  BOOST_TEST(playlist.find("#EXT-X-PART") == std::string::npos, playlist);
  check_clock(reports);
}
