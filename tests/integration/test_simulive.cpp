// Simulive end to end (issue 5): a library video made by the real ffmpeg plays as a live
// through the packager (a session with protocol "file"), in each broadcast mode, and the
// live ends by itself when the video is over; a scheduled one starts by itself.
#define BOOST_TEST_MODULE simulive
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/checks.hpp"
#include "support/lives.hpp"
#include "support/media.hpp"
#include "support/media_files.hpp"
#include "support/process.hpp"

using namespace bvtest;
using nlohmann::json;

namespace {

constexpr int kVideoSeconds = 8;

// A daemon cutting 1 s segments with a 3-segment live window (so a traditional window
// visibly slides within the video), and an 8 s video in its library.
struct SimuliveFixture {
  TempDir dir{"bvlive-simu"};
  std::unique_ptr<DaemonProcess> daemon = start_daemon(dir, "[media]\nsegment_duration = 1\nlive_window = 3\n");
  Cli cli{daemon->socket()};
  Ports ports = ports_of(cli);
  std::string library_id;

  SimuliveFixture() {
    make_test_video(dir / "show.mp4", kVideoSeconds, "320x240");
    const RunResult r = cli.run({"-q", "library", "add", dir / "show.mp4"});
    REQUIRE_EXIT(r, 0);
    library_id = r.out.substr(0, r.out.find('\n'));
  }

  std::string create(const std::string& mode, std::vector<std::string> more = {}) {
    std::vector<std::string> a = {"--json",   "create",       "--name",   "Simulive " + mode, "--type",
                                  "simulive", "--library-id", library_id, "--broadcast-mode", mode};
    a.insert(a.end(), more.begin(), more.end());
    const RunResult r = cli.run(a);
    REQUIRE_EXIT(r, 0);
    return parse_out(r)["live"]["id"].get<std::string>();
  }

  std::string url(const std::string& id, const std::string& name) const {
    return "http://127.0.0.1:" + std::to_string(ports.http) + "/live/" + id + "/" + name;
  }
  HttpReply media(const std::string& id) const { return http_get(url(id, "media.m3u8")); }

  // The playout session once it is LIVE. A playback playout packages the whole file at
  // once, so it may be over (ENDED, having published) before we look.
  json wait_playout(const std::string& id, bool may_be_over) {
    json last;
    const bool ok = poll_until(
        [&] {
          last = cli.json({"sessions", id})["sessions"];
          if (last.empty()) return false;
          const json& s = last[0];
          return s["state"] == "LIVE" || (may_be_over && s["state"] == "ENDED" && s["segments"].get<int>() > 0);
        },
        30s, 200ms);
    BOOST_TEST_REQUIRE(ok, "no playout session for " << id << ": " << last.dump(2) << "\n" << daemon->log());
    BOOST_TEST(last.size() == 1u, last.dump(2));
    BOOST_TEST(last[0]["protocol"] == "file", last.dump(2));
    return last[0];
  }

  // Waits for the live to end by itself; returns its (only) session.
  json wait_live_end(const std::string& id) {
    BOOST_TEST_REQUIRE(wait_for_state(cli, id, "LIVE_END", 60s),
                       id << " did not end by itself (state " << state_of(cli, id)
                          << "); history:" << joined(history(events_of(cli, id))) << "\n"
                          << daemon->log());
    json s;
    BOOST_TEST_REQUIRE(poll_until(
        [&] {
          s = cli.json({"sessions", id})["sessions"][0];
          return s["state"] == "ENDED";
        },
        20s, 200ms));
    const std::string reason = s["end_reason"].get<std::string>();
    BOOST_TEST((contains(reason, "playout finished") || contains(reason, "LIVE_END")), s.dump(2));
    return s;
  }
};

int media_sequence(const std::string& playlist) {
  const auto l = playlist_lines(playlist, "#EXT-X-MEDIA-SEQUENCE:");
  return l.size() == 1 ? std::stoi(l[0].substr(22)) : -1;
}

// Preview, start, and the playout becomes the public live.
std::string start_simulive(SimuliveFixture& f, const std::string& mode) {
  const std::string id = f.create(mode);
  REQUIRE_EXIT(f.cli.run({"preview", id}), 0);
  REQUIRE_EXIT(f.cli.run({"start", id}), 0);
  f.wait_playout(id, mode == "playback");
  BOOST_TEST_REQUIRE(poll_until([&] { return !playlist_uris(f.media(id).body).empty(); }, 30s, 200ms),
                     f.media(id).describe());
  return id;
}

}  // namespace

BOOST_AUTO_TEST_CASE(traditional_window_slides_then_ends) {
  SimuliveFixture f;
  const std::string id = start_simulive(f, "traditional");
  check_h264_aac(ffprobe_streams(f.url(id, "index.m3u8")), 320, 240);
  // An MP4 of H.264 and AAC needs no re-encoding: bvlived plays it itself, no ffmpeg child.
  BOOST_TEST(children_named(f.daemon->pid(), "ffmpeg").empty());
  std::string last;
  const bool slid = poll_until(
      [&] {
        last = f.media(id).body;
        BOOST_TEST(playlist_uris(last).size() <= 3u, last);
        return media_sequence(last) > 0;
      },
      30s, 250ms);
  BOOST_TEST(slid, "the window never slid:\n" << last);
  f.wait_live_end(id);
  BOOST_TEST(contains(f.media(id).body, "#EXT-X-ENDLIST"), f.media(id).describe());
}

BOOST_AUTO_TEST_CASE(dvr_grows_from_the_first_segment_then_ends) {
  SimuliveFixture f;
  const std::string id = start_simulive(f, "dvr");
  check_h264_aac(ffprobe_streams(f.url(id, "index.m3u8")), 320, 240);
  const std::string first = f.media(id).body;
  const std::string first_uri = playlist_uris(first).front();
  BOOST_TEST(media_sequence(first) == 0, first);
  std::size_t most = playlist_uris(first).size();
  bool grew = false;
  poll_until(
      [&] {
        const std::string now = f.media(id).body;
        const auto uris = playlist_uris(now);
        BOOST_TEST(media_sequence(now) == 0, now);
        BOOST_TEST_REQUIRE(!uris.empty(), now);
        BOOST_TEST(uris.front() == first_uri, now);
        BOOST_TEST(uris.size() >= most, now);
        grew = grew || uris.size() > most;
        most = std::max(most, uris.size());
        return contains(now, "#EXT-X-ENDLIST") || state_of(f.cli, id) != "LIVE";
      },
      60s, 250ms);
  BOOST_TEST(grew, "the DVR playlist never grew");
  f.wait_live_end(id);
  const std::string final_list = f.media(id).body;
  BOOST_TEST(playlist_uris(final_list).front() == first_uri, final_list);
  BOOST_TEST(std::abs(playlist_duration(final_list) - kVideoSeconds) <= 2.0, final_list);
}

BOOST_AUTO_TEST_CASE(playback_lists_the_whole_video_then_ends_on_schedule) {
  SimuliveFixture f;
  const std::string id = start_simulive(f, "playback");
  check_h264_aac(ffprobe_streams(f.url(id, "index.m3u8")), 320, 240);
  std::string media;
  BOOST_TEST_REQUIRE(poll_until(
                         [&] {
                           media = f.media(id).body;
                           return contains(media, "#EXT-X-ENDLIST");
                         },
                         60s, 250ms),
                     "no #EXT-X-ENDLIST:\n"
                         << media);
  BOOST_TEST(std::abs(playlist_duration(media) - kVideoSeconds) <= 2.0, media);
  f.wait_live_end(id);
  const auto lines = history(events_of(f.cli, id));
  BOOST_TEST(has_line(lines, "LIVE -> LIVE_END end/schedule"), joined(lines));
}

BOOST_AUTO_TEST_CASE(scheduled_simulive_starts_by_itself) {
  SimuliveFixture f;
  const std::string id = f.create("dvr", {"--scheduled-at", rfc3339_in(5s), "--auto-start"});
  BOOST_TEST_REQUIRE(wait_for_state(f.cli, id, "LIVE", 30s),
                     "state " << state_of(f.cli, id) << "; history:" << joined(history(events_of(f.cli, id))));
  const auto lines = history(events_of(f.cli, id));
  BOOST_TEST(has_line(lines, "PREVIEW -> LIVE start/schedule"), joined(lines));
  f.wait_playout(id, false);
  BOOST_TEST_REQUIRE(poll_until([&] { return !playlist_uris(f.media(id).body).empty(); }, 30s, 200ms));
  check_h264_aac(ffprobe_streams(f.url(id, "index.m3u8")), 320, 240);
  f.wait_live_end(id);
}
