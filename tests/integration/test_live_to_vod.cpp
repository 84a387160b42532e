// Live to VOD end to end (issue 5): ffmpeg pushes over RTMP, `bvlive end` turns the live
// into ENCODING, the daemon finalizes the asset (catchup over the recorded sessions, a
// library video for replace, a reused VOD for playback), VOD_READY -> VOD -> LIVE_END follow
// the live_vod window, and players read it back over HTTP with ffprobe.
#define BOOST_TEST_MODULE live_to_vod
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <csignal>
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

// The lifecycle after `end` has its own clock; these bound every wait for it.
constexpr Ms kJobTimeout = 60s;
// The window's close is pushed far away unless a case moves it.
constexpr Ms kFarEnd = 10min;

struct VodFixture {
  TempDir dir{"bvlive-vod"};
  std::unique_ptr<DaemonProcess> daemon = start_daemon(dir);
  Cli cli{daemon->socket()};
  Ports ports = ports_of(cli);
  std::vector<std::unique_ptr<BackgroundProcess>> encoders;

  // Creates a live with `flags` (and a far-away VOD window) and opens it for ingest.
  std::string preview_live(std::vector<std::string> flags) {
    flags.insert(flags.begin(), {"--json", "create"});
    flags.insert(flags.end(), {"--vod-start", rfc3339_in(kFarEnd), "--vod-end", rfc3339_in(2 * kFarEnd)});
    const RunResult r = cli.run(flags);
    REQUIRE_EXIT(r, 0);
    const std::string id = parse_out(r)["live"]["id"].get<std::string>();
    REQUIRE_EXIT(cli.run({"preview", id}), 0);
    return id;
  }

  std::string http(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(ports.http) + path; }
  std::string index_url(const std::string& id) const { return http("/live/" + id + "/index.m3u8"); }
  std::string media_url(const std::string& id) const { return http("/live/" + id + "/media.m3u8"); }

  // Pushes to a live in PREVIEW until the session is LIVE, then starts the live.
  BackgroundProcess& push_and_start(const std::string& id) {
    BackgroundProcess& encoder = push(id);
    wait_session(id, 1, "LIVE");
    REQUIRE_EXIT(cli.run({"start", id}), 0);
    return encoder;
  }

  BackgroundProcess& push(const std::string& id) {
    const std::string url = live_of(cli, id)["urls"]["rtmp"].get<std::string>();
    encoders.push_back(std::make_unique<BackgroundProcess>(
        encoder_argv(url, "flv"), dir / ("encoder" + std::to_string(encoders.size()) + ".log")));
    return *encoders.back();
  }

  json sessions(const std::string& id) const { return cli.json({"sessions", id})["sessions"]; }

  // Waits until `id` has `count` sessions, the newest in `state`.
  void wait_session(const std::string& id, std::size_t count, const std::string& state, Ms timeout = 30s) {
    json last;
    const bool ok = poll_until(
        [&] {
          last = sessions(id);
          return last.size() == count && last[0]["state"] == state;
        },
        timeout, 200ms);
    BOOST_TEST_REQUIRE(ok, "no session #" << count << " of " << id << " in " << state << "; sessions: " << last.dump(2)
                                          << "\ndaemon log:\n"
                                          << daemon->log());
  }

  // Seconds the public media playlist lists, once it lists at least `seconds`.
  double wait_public_seconds(const std::string& id, double seconds, Ms timeout = 60s) {
    double listed = 0;
    const bool ok = poll_until(
        [&] {
          listed = playlist_duration(http_get(media_url(id)).body);
          return listed >= seconds;
        },
        timeout, 250ms);
    BOOST_TEST_REQUIRE(ok, id << " lists " << listed << " s publicly, expected " << seconds << "\n" << daemon->log());
    return listed;
  }

  // The live_vod window opens `start_in` from now (and closes far away); then `bvlive end`.
  // Returns when the window opens (Unix ms).
  std::int64_t end_with_vod_window(const std::string& id, Ms start_in) {
    const std::string start = rfc3339_in(start_in);
    REQUIRE_EXIT(cli.run({"update", id, "--vod-start", start, "--vod-end", rfc3339_in(kFarEnd)}), 0);
    const RunResult r = cli.run({"end", id});
    REQUIRE_EXIT(r, 0);
    BOOST_TEST(contains(r.out, "LIVE -> ENCODING"), r.describe());
    return *parse_rfc3339(start);
  }

  // Waits for `state`; the failure shows the history, the VOD asset and the daemon's log.
  void require_state(const std::string& id, const std::string& state, Ms timeout = kJobTimeout) {
    if (wait_for_state(cli, id, state, timeout)) return;
    const RunResult vod = cli.run({"--json", "vod", id});
    BOOST_FAIL(id << " never reached " << state << " (now " << state_of(cli, id) << "); history:"
                  << joined(history(events_of(cli, id))) << "\nvod:" << vod.describe() << "\ndaemon log:\n"
                  << daemon->log());
  }

  json vod(const std::string& id) const { return cli.json({"vod", id})["vod"]; }
};

// A refusal outside the live windows: `status`, a reason, and the state in X-Bvlive-State.
void check_refusal(const HttpReply& r, int status, const std::string& state) {
  BOOST_TEST(r.status == status, r.describe());
  const auto header = r.headers.find("x-bvlive-state");
  BOOST_TEST((header != r.headers.end() && header->second == state),
             "expected X-Bvlive-State: " << state << r.describe());
  BOOST_TEST(!r.body.empty(), r.describe());
  if (status != 503) return;
  BOOST_TEST_REQUIRE(r.headers.count("retry-after") == 1u, r.describe());
  // VOD_READY says how long until live_vod.started_at, at most the 8 s the cases give.
  if (state == "VOD_READY") BOOST_TEST(std::stoi(r.headers.at("retry-after")) <= 9, r.describe());
}

// The media playlist a master playlist points to, as a URL.
std::string media_of(const VodFixture& f, const std::string& id, const HttpReply& master) {
  const auto uris = playlist_uris(master.body);
  BOOST_TEST_REQUIRE(!uris.empty(), "master playlist lists no media playlist" << master.describe());
  const std::string& uri = uris.front();
  if (uri.rfind("http", 0) == 0) return uri;
  if (uri.rfind('/', 0) == 0) return f.http(uri);
  return f.http("/live/" + id + "/" + uri);
}

long long file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<long long>(st.st_size) : -1;
}

}  // namespace

// Catchup over two sessions: ENCODING -> VOD_READY -> VOD with a VOD playlist and an MP4,
// then a moved vod-end closes it early and new viewers get 410.
BOOST_AUTO_TEST_CASE(catchup_over_two_sessions) {
  VodFixture f;
  const std::string id = f.preview_live({"--name", "Catchup", "--broadcast-mode", "dvr", "--live-vod", "catchup"});
  auto& first = f.push_and_start(id);
  f.wait_public_seconds(id, 6);
  CHECK_EXIT(f.cli.run({"vod", id}), 4);  // no VOD asset while LIVE

  first.stop(SIGINT);
  f.wait_session(id, 1, "ENDED", 20s);
  const double before_reconnect = playlist_duration(http_get(f.media_url(id)).body);
  f.push(id);
  f.wait_session(id, 2, "LIVE");
  f.wait_public_seconds(id, before_reconnect + 4);

  const std::int64_t opens = f.end_with_vod_window(id, 8s);
  // Players already watching get the last live window, closed.
  HttpReply ended;
  const bool closed = poll_until(
      [&] {
        ended = http_get(f.media_url(id));
        return contains(ended.body, "#EXT-X-ENDLIST");
      },
      10s, 100ms);
  BOOST_TEST(ended.status == 200, ended.describe());
  BOOST_TEST(closed, "the ended live's media playlist has no #EXT-X-ENDLIST" << ended.describe());
  BOOST_TEST(count_lines(ended.body, "#EXT-X-DISCONTINUITY") == 1u, ended.describe());
  const double recorded = playlist_duration(ended.body);

  // Until VOD, new viewers are told to come back (checked in whichever states we catch).
  std::vector<std::string> seen;
  const bool ready = poll_until(
      [&] {
        const std::string before = state_of(f.cli, id);
        if (before != "ENCODING" && before != "VOD_READY") return before == "VOD";
        const HttpReply r = http_get(f.index_url(id));
        if (state_of(f.cli, id) == before) {
          check_refusal(r, 503, before);
          if (std::find(seen.begin(), seen.end(), before) == seen.end()) seen.push_back(before);
        }
        return false;
      },
      kJobTimeout + 10s, 200ms);
  BOOST_TEST_MESSAGE("refusals checked in: " << joined(seen));
  BOOST_TEST_REQUIRE(ready, id << " never reached VOD; history:" << joined(history(events_of(f.cli, id)))
                               << "\ndaemon log:\n"
                               << f.daemon->log());
  const auto lines = history(events_of(f.cli, id));
  BOOST_TEST(has_line(lines, "LIVE -> ENCODING end/op"), joined(lines));
  BOOST_TEST(has_line(lines, "ENCODING -> VOD_READY vod-asset-ready/encoding"), joined(lines));
  const json open = find_event(events_of(f.cli, id), "VOD", "VOD_READY");
  BOOST_TEST_REQUIRE(!open.is_null(), joined(lines));
  BOOST_TEST(time_of(open["at"]) >= opens, "VOD opened before live_vod.started_at: " << open.dump());

  // The VOD playlist: complete, one discontinuity between the two sessions, readable.
  const HttpReply master = http_get(f.index_url(id));
  BOOST_TEST_REQUIRE(master.status == 200, master.describe());
  const HttpReply media = http_get(media_of(f, id, master));
  BOOST_TEST_REQUIRE(media.status == 200, media.describe());
  BOOST_TEST(contains(media.body, "#EXT-X-PLAYLIST-TYPE:VOD"), media.describe());
  BOOST_TEST(contains(media.body, "#EXT-X-ENDLIST"), media.describe());
  BOOST_TEST(count_lines(media.body, "#EXT-X-DISCONTINUITY") == 1u, media.describe());
  const auto uris = playlist_uris(media.body);
  BOOST_TEST_REQUIRE(!uris.empty(), media.describe());
  for (const auto& u : uris) BOOST_TEST(u.rfind("vod/", 0) == 0, u);
  BOOST_TEST(http_get(f.http("/live/" + id + "/" + uris.front())).status == 200);
  const double listed = playlist_duration(media.body);
  BOOST_TEST(std::abs(listed - recorded) <= 2.0, "VOD lists " << listed << " s, the live recorded " << recorded);
  check_h264_aac(ffprobe_streams(f.index_url(id)), 640, 360);
  const double probed = ffprobe_duration(f.index_url(id));
  BOOST_TEST(std::abs(probed - listed) <= 2.0, "ffprobe " << probed << " s, playlist " << listed << " s");

  // The asset as `bvlive vod` shows it, with its MP4.
  const json vod = f.vod(id);
  BOOST_TEST(vod["state"] == "READY", vod.dump(2));
  BOOST_TEST(vod["source"] == "LIVE_VOD_SOURCE_CATCHUP", vod.dump(2));
  BOOST_TEST(vod["live_id"] == id, vod.dump(2));
  BOOST_TEST(vod["segments"].get<std::size_t>() == uris.size(), vod.dump(2));
  BOOST_TEST(vod["discontinuities"] == 1, vod.dump(2));
  BOOST_TEST(std::abs(vod["duration_seconds"].get<double>() - listed) <= 0.5, vod.dump(2));
  BOOST_TEST(contains(vod["playlist_url"].get<std::string>(), "/live/" + id + "/index.m3u8"), vod.dump(2));
  BOOST_TEST(time_of(vod["window"]["started_at"]) == opens, vod.dump(2));
  BOOST_TEST_REQUIRE(vod["mp4"].is_object(), vod.dump(2));
  const std::string mp4 = vod["mp4"]["path"].get<std::string>();
  BOOST_TEST(path_exists(mp4), vod.dump(2));
  BOOST_TEST(vod["mp4"]["bytes"].get<long long>() == file_size(mp4), vod.dump(2));
  const double mp4_seconds = ffprobe_duration(mp4);
  // The first session was pushed (and previewed) before the window opened: its part starts
  // late, and the second still follows it with no gap.
  BOOST_TEST(std::abs(mp4_seconds - listed) <= 0.5, "MP4 " << mp4_seconds << " s, playlist " << listed << " s");
  const HttpReply download = http_get(f.http("/live/" + id + "/vod/" + id + ".mp4"));
  BOOST_TEST(download.status == 200, download.headers.size());
  BOOST_TEST(static_cast<long long>(download.body.size()) == file_size(mp4));
  CHECK_EXIT(f.cli.run({"vod", id, "--retry"}), 3);  // only a FAILED job is retried

  // Moving vod-end closes the window early; new viewers then get 410.
  REQUIRE_EXIT(f.cli.run({"update", id, "--vod-end", rfc3339_in(3s)}), 0);
  f.require_state(id, "LIVE_END", 30s);
  BOOST_TEST(!find_event(events_of(f.cli, id), "LIVE_END", "VOD").is_null(), joined(history(events_of(f.cli, id))));
  check_refusal(http_get(f.index_url(id)), 410, "LIVE_END");
  // Once the VOD window has closed, the recording is no longer offered in any form.
  check_refusal(http_get(f.media_url(id)), 410, "LIVE_END");
}

// replace: the VOD is the library video, not the push; playback: a second live reuses it.
BOOST_AUTO_TEST_CASE(replace_then_playback_reuses_it) {
  VodFixture f;
  make_test_video(f.dir / "edited.mp4", 6, "320x240");
  const RunResult added = f.cli.run({"-q", "library", "add", f.dir / "edited.mp4"});
  REQUIRE_EXIT(added, 0);
  const std::string lib = added.out.substr(0, added.out.find('\n'));

  const std::string first = f.preview_live({"--name", "Replaced", "--live-vod", "replace:" + lib});
  f.push_and_start(first);
  f.wait_public_seconds(first, 2);
  f.end_with_vod_window(first, 5s);
  f.require_state(first, "VOD");
  const json vod1 = f.vod(first);
  BOOST_TEST(vod1["state"] == "READY", vod1.dump(2));
  BOOST_TEST(vod1["source"] == "LIVE_VOD_SOURCE_REPLACE", vod1.dump(2));
  BOOST_TEST(vod1["source_ref"] == lib, vod1.dump(2));
  // The library video is 320 wide and 6 s long; the push was 640 wide.
  check_h264_aac(ffprobe_streams(f.index_url(first)), 320, 240);
  const double seconds1 = ffprobe_duration(f.index_url(first));
  BOOST_TEST(std::abs(seconds1 - 6.0) <= 1.0, "the replace VOD lasts " << seconds1 << " s");
  const HttpReply media1 = http_get(media_of(f, first, http_get(f.index_url(first))));
  BOOST_TEST(contains(media1.body, "#EXT-X-PLAYLIST-TYPE:VOD"), media1.describe());

  // While referenced by a replace, the library item cannot go.
  const RunResult rm = f.cli.run({"library", "rm", lib});
  CHECK_EXIT(rm, 3);
  BOOST_TEST(contains(rm.err, "live_vod.replace.id"), rm.describe());

  // A playback source must be a READY VOD.
  const RunResult bad = f.cli.run({"create", "--name", "Nothing to reuse", "--live-vod", "playback:nolive",
                                   "--vod-start", rfc3339_in(kFarEnd), "--vod-end", rfc3339_in(2 * kFarEnd)});
  CHECK_EXIT(bad, 2);
  BOOST_TEST(contains(bad.err, "live.live_vod.playback.id"), bad.describe());

  // playback:FIRST reuses the first live's VOD, nothing pushed.
  const std::string second = f.preview_live({"--name", "Rerun", "--live-vod", "playback:" + first});
  REQUIRE_EXIT(f.cli.run({"start", second}), 0);
  f.end_with_vod_window(second, 3s);
  f.require_state(second, "VOD");
  const json vod2 = f.vod(second);
  BOOST_TEST(vod2["state"] == "READY", vod2.dump(2));
  BOOST_TEST(vod2["source"] == "LIVE_VOD_SOURCE_PLAYBACK", vod2.dump(2));
  BOOST_TEST(vod2["source_ref"] == vod1["id"], vod2.dump(2));
  BOOST_TEST(vod2["id"] != vod1["id"], vod2.dump(2));
  BOOST_TEST(vod2["duration_seconds"].get<double>() == vod1["duration_seconds"].get<double>(), vod2.dump(2));
  BOOST_TEST(vod2["segments"] == vod1["segments"], vod2.dump(2));
  const double seconds2 = ffprobe_duration(f.index_url(second));
  BOOST_TEST(std::abs(seconds2 - seconds1) <= 0.1, "playback " << seconds2 << " s, its source " << seconds1 << " s");
}

// A daemon killed while ENCODING runs the job again on start and finishes it.
BOOST_AUTO_TEST_CASE(restart_during_encoding_finishes_the_job) {
  VodFixture f;
  const std::string id = f.preview_live({"--name", "Long", "--broadcast-mode", "dvr", "--live-vod", "catchup"});
  auto& enc = f.push_and_start(id);
  const double recorded = f.wait_public_seconds(id, 20);

  f.end_with_vod_window(id, 5s);
  const std::string after_end = state_of(f.cli, id);
  if (after_end == "ENCODING") {
    f.daemon->kill9();
    enc.stop(SIGKILL);
    f.daemon->start();
    f.ports = ports_of(f.cli);
  } else {
    BOOST_TEST_MESSAGE("the job was over before the kill (state " << after_end
                                                                  << "): the restart finds a finished asset");
    f.daemon->stop();
    f.daemon->start();
    f.ports = ports_of(f.cli);
  }
  f.require_state(id, "VOD");
  const json vod = f.vod(id);
  BOOST_TEST(vod["state"] == "READY", vod.dump(2));
  BOOST_TEST(vod["segments"].get<int>() > 0, vod.dump(2));
  BOOST_TEST_REQUIRE(vod["mp4"].is_object(), vod.dump(2));
  BOOST_TEST(path_exists(vod["mp4"]["path"].get<std::string>()), vod.dump(2));
  check_h264_aac(ffprobe_streams(f.index_url(id)), 640, 360);
  const double probed = ffprobe_duration(f.index_url(id));
  BOOST_TEST(probed >= recorded - 2.0, "VOD " << probed << " s, recorded at least " << recorded << " s");
  BOOST_TEST(std::abs(ffprobe_duration(vod["mp4"]["path"].get<std::string>()) - probed) <= 2.0);
}

// A job that fails leaves the live in ENCODING with the asset FAILED and its error;
// `bvlive vod ID --retry` runs it again once the cause is fixed.
BOOST_AUTO_TEST_CASE(failed_job_is_kept_and_retried) {
  VodFixture f;
  make_test_video(f.dir / "edited.mp4", 4, "320x240");
  const std::string good = read_file(f.dir / "edited.mp4");
  const json item = f.cli.json({"library", "add", f.dir / "edited.mp4"})["item"];
  const std::string stored = item["file"].get<std::string>();

  const std::string id =
      f.preview_live({"--name", "Broken edit", "--live-vod", "replace:" + item["id"].get<std::string>()});
  REQUIRE_EXIT(f.cli.run({"start", id}), 0);
  write_file(stored, "the stored video went bad\n");  // the packaging job cannot read it
  f.end_with_vod_window(id, 3s);

  json vod;
  BOOST_TEST_REQUIRE(poll_until(
                         [&] {
                           vod = f.vod(id);
                           return vod["state"] != "ENCODING";
                         },
                         kJobTimeout, 250ms),
                     vod.dump(2));
  BOOST_TEST_REQUIRE(vod["state"] == "FAILED", vod.dump(2));
  BOOST_TEST((vod["error"].is_string() && !vod["error"].get<std::string>().empty()), vod.dump(2));
  BOOST_TEST(state_of(f.cli, id) == "ENCODING");
  check_refusal(http_get(f.index_url(id)), 503, "ENCODING");
  const json events = events_of(f.cli, id);
  BOOST_TEST(contains(events.dump(), "FAILED"), "no event tells of the failed job: " << events.dump(2));

  write_file(stored, good);
  REQUIRE_EXIT(f.cli.run({"vod", id, "--retry"}), 0);
  f.require_state(id, "VOD");
  vod = f.vod(id);
  BOOST_TEST(vod["state"] == "READY", vod.dump(2));
  BOOST_TEST(vod["error"].is_null(), vod.dump(2));
  BOOST_TEST(vod["attempts"] == 2, vod.dump(2));
  BOOST_TEST(std::abs(ffprobe_duration(f.index_url(id)) - 4.0) <= 1.0);
}
