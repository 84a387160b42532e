// kill -9 of bvlived with lives in every lifecycle state that is quickly reached, about
// ten of them LIVE with an RTMP push each, and a VOD job running (issue "faults").
// After a restart on the same state dir every live is where it was (or where its
// documented recovery takes it), encoders push again, the same playback URL paths go on,
// and the VOD job that was killed runs again and its VOD plays.
// bvlived(8) PERSISTENCE, "After downtime" and LIVE-TO-VOD; docs/ARCHITECTURE.md
// "Persistence" (start-up). test_persistence.cpp covers kill -9 right after an acknowledged
// op, test_live_to_vod.cpp a restart during a lone catchup job: this one kills a busy daemon.
#define BOOST_TEST_MODULE crash_recovery
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <map>
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

// LIVE lives with an encoder each (320x240). Ten as the issue asks; on 2 cores under ASan
// this plus the two VOD lives' pushes is the load the daemon has to carry through the crash.
constexpr int kLiveCount = 10;
constexpr Ms kFarEnd = 10min;
// The MPEG-4 library video the killed job transcodes: long enough to be mid-job at the
// kill (about 2x real time here under ASan with the encoders running), short enough to redo.
constexpr int kSlowSeconds = 20;

struct Fixture {
  TempDir dir{"bvlive-crash"};
  std::unique_ptr<DaemonProcess> daemon = start_daemon(dir);
  Cli cli{daemon->socket()};
  Ports ports = ports_of(cli);
  std::vector<std::unique_ptr<BackgroundProcess>> encoders;

  std::string create(std::vector<std::string> flags) {
    flags.insert(flags.begin(), {"--json", "create"});
    const RunResult r = cli.run(flags);
    REQUIRE_EXIT(r, 0);
    return parse_out(r)["live"]["id"].get<std::string>();
  }

  std::string http(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(ports.http) + path; }
  static std::string media_path(const std::string& id) { return "/live/" + id + "/media.m3u8"; }
  static std::string index_path(const std::string& id) { return "/live/" + id + "/index.m3u8"; }

  // An encoder pushing to the live's RTMP URL as `show` gives it now (the port may have changed).
  void push(const std::string& id) {
    const std::string url = live_of(cli, id)["urls"]["rtmp"].get<std::string>();
    encoders.push_back(std::make_unique<BackgroundProcess>(
        encoder_argv(url, "flv", "320x240"), dir / ("encoder" + std::to_string(encoders.size()) + ".log")));
  }

  json sessions(const std::string& id) const { return cli.json({"sessions", id})["sessions"]; }

  // Waits until `id` has `count` sessions, the newest (first listed) in `state`.
  void wait_session(const std::string& id, std::size_t count, const std::string& state, Ms timeout = 40s) {
    json last;
    const bool ok = poll_until(
        [&] {
          last = sessions(id);
          return last.size() == count && last[0]["state"] == state;
        },
        timeout, 250ms);
    BOOST_TEST_REQUIRE(ok, "no session #" << count << " of " << id << " in " << state << "; sessions: " << last.dump(2)
                                          << "\ndaemon log:\n"
                                          << daemon->log());
  }

  // The media playlist once it lists at least `seconds` (and answers 200).
  std::string wait_listed(const std::string& id, double seconds, Ms timeout = 40s) {
    HttpReply r;
    const bool ok = poll_until(
        [&] {
          r = http_get(http(media_path(id)));
          return r.status == 200 && playlist_duration(r.body) >= seconds;
        },
        timeout, 250ms);
    BOOST_TEST_REQUIRE(ok, id << ": the media playlist never listed " << seconds << " s" << r.describe()
                              << "\ndaemon log:\n"
                              << daemon->log());
    return r.body;
  }

  void require_state(const std::string& id, const std::string& state, Ms timeout) {
    if (wait_for_state(cli, id, state, timeout)) return;
    const RunResult vod = cli.run({"--json", "vod", id});
    BOOST_FAIL(id << " never reached " << state << " (now " << state_of(cli, id) << "); history:"
                  << joined(history(events_of(cli, id))) << "\nvod:" << vod.describe() << "\ndaemon log:\n"
                  << daemon->log());
  }
};

// Every string of `want` appears in `have`, in the same order, as a contiguous run.
bool contains_run(const std::vector<std::string>& have, const std::vector<std::string>& want) {
  if (want.empty()) return true;
  return std::search(have.begin(), have.end(), want.begin(), want.end()) != have.end();
}

bool starts_with(const std::vector<std::string>& have, const std::vector<std::string>& prefix) {
  return have.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), have.begin());
}

std::string joined_uris(const std::vector<std::string>& uris) { return joined(uris); }

}  // namespace

BOOST_AUTO_TEST_CASE(kill9_with_lives_in_every_state_and_a_vod_job_running) {
  Fixture f;
  const std::int64_t t0 = now_ms();

  // Library videos: a short H.264 one (copied: its VOD is READY at once) and an MPEG-4 Part 2
  // one, which the replace job must transcode with libx264: that job is still running when
  // bvlived is killed.
  make_test_video(f.dir / "quick.mp4", 3, "320x240");
  const std::string slow_src = f.dir / "slow.mp4";
  {
    const RunResult r = run({"ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-f", "lavfi", "-i",
                             "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i",
                             "sine=frequency=1000:sample_rate=48000", "-t", std::to_string(kSlowSeconds), "-c:v", "mpeg4", "-q:v", "5",
                             "-c:a", "aac", "-b:a", "64k", "-y", slow_src},
                            with_timeout(60s));
    REQUIRE_EXIT(r, 0);
  }
  const std::string quick_lib = f.cli.json({"library", "add", f.dir / "quick.mp4"})["item"]["id"].get<std::string>();
  const std::string slow_lib = f.cli.json({"library", "add", slow_src})["item"]["id"].get<std::string>();
  const std::vector<std::string> far_window = {"--vod-start", rfc3339_in(kFarEnd), "--vod-end",
                                               rfc3339_in(2 * kFarEnd)};
  auto with_window = [&](std::vector<std::string> flags) {
    flags.insert(flags.end(), far_window.begin(), far_window.end());
    return flags;
  };

  // 1. Lives in every state reachable quickly.
  std::map<std::string, std::string> expected;  // id -> state after the restart
  const std::string waiting = f.create({"--name", "Waiting", "--custom-id", "waiting"});
  expected[waiting] = "WAIT_FOR_PREVIEW";
  const std::string previewing = f.create({"--name", "Previewing", "--custom-id", "previewing"});
  REQUIRE_EXIT(f.cli.run({"preview", previewing}), 0);
  expected[previewing] = "PREVIEW";
  const std::string cancelled = f.create({"--name", "Cancelled", "--custom-id", "cancelled"});
  REQUIRE_EXIT(f.cli.run({"cancel", cancelled}), 0);
  expected[cancelled] = "CLOSED";
  const std::string ended = f.create({"--name", "Ended", "--custom-id", "ended"});
  REQUIRE_EXIT(f.cli.run({"preview", ended}), 0);
  REQUIRE_EXIT(f.cli.run({"start", ended}), 0);
  REQUIRE_EXIT(f.cli.run({"end", ended}), 0);
  expected[ended] = "LIVE_END";
  // VOD_READY: a replace with an H.264 video is a copy, done in a moment.
  const std::string ready =
      f.create(with_window({"--name", "Ready", "--custom-id", "ready", "--live-vod", "replace:" + quick_lib}));
  REQUIRE_EXIT(f.cli.run({"preview", ready}), 0);
  REQUIRE_EXIT(f.cli.run({"start", ready}), 0);
  REQUIRE_EXIT(f.cli.run({"end", ready}), 0);
  expected[ready] = "VOD_READY";
  // The live whose job is killed: created now, ended just before the kill.
  const std::string encoding =
      f.create(with_window({"--name", "Encoding", "--custom-id", "encoding", "--live-vod", "replace:" + slow_lib}));
  REQUIRE_EXIT(f.cli.run({"preview", encoding}), 0);
  REQUIRE_EXIT(f.cli.run({"start", encoding}), 0);
  expected[encoding] = "VOD_READY";
  // A pushed catchup live, ended just before the kill as well (its job may or may not be over).
  const std::string catchup = f.create(
      with_window({"--name", "Catchup", "--custom-id", "catchup", "--broadcast-mode", "dvr", "--live-vod", "catchup"}));
  REQUIRE_EXIT(f.cli.run({"preview", catchup}), 0);
  f.push(catchup);
  expected[catchup] = "VOD_READY";

  // The LIVE lives: half DVR (start-over), half traditional (sliding window).
  std::vector<std::string> live_ids;
  std::map<std::string, std::string> mode;
  for (int i = 0; i < kLiveCount; ++i) {
    const std::string m = i % 2 == 0 ? "dvr" : "traditional";
    const std::string id = f.create({"--name", "Live " + std::to_string(i), "--custom-id", "live" + std::to_string(i),
                                     "--broadcast-mode", m});
    REQUIRE_EXIT(f.cli.run({"preview", id}), 0);
    f.push(id);
    live_ids.push_back(id);
    mode[id] = m;
  }
  f.wait_session(catchup, 1, "LIVE");
  REQUIRE_EXIT(f.cli.run({"start", catchup}), 0);
  for (const auto& id : live_ids) {
    f.wait_session(id, 1, "LIVE");
    REQUIRE_EXIT(f.cli.run({"start", id}), 0);
    expected[id] = "LIVE";
  }
  f.require_state(ready, "VOD_READY", 30s);
  BOOST_TEST_MESSAGE("set-up done in " << (now_ms() - t0) << " ms");

  // 2. What viewers see before the crash: the segments each LIVE live lists.
  std::map<std::string, std::vector<std::string>> before;  // id -> segment URIs of media.m3u8
  for (const auto& id : live_ids) before[id] = playlist_uris(f.wait_listed(id, 4));
  f.wait_listed(catchup, 4);
  std::map<std::string, std::string> state_before;
  for (const auto& [id, state] : expected) state_before[id] = state_of(f.cli, id);
  for (const auto& id : live_ids) BOOST_TEST_REQUIRE(state_before[id] == "LIVE");
  BOOST_TEST_REQUIRE(state_before[waiting] == "WAIT_FOR_PREVIEW");
  BOOST_TEST_REQUIRE(state_before[previewing] == "PREVIEW");
  BOOST_TEST_REQUIRE(state_before[cancelled] == "CLOSED");
  BOOST_TEST_REQUIRE(state_before[ended] == "LIVE_END");
  BOOST_TEST_REQUIRE(state_before[ready] == "VOD_READY");

  // 3. End the two VOD lives, then kill -9 while the transcoding job runs.
  REQUIRE_EXIT(f.cli.run({"end", catchup}), 0);
  REQUIRE_EXIT(f.cli.run({"end", encoding}), 0);
  const json vod_before = f.cli.json({"vod", encoding})["vod"];
  BOOST_TEST_REQUIRE(state_of(f.cli, encoding) == "ENCODING");
  BOOST_TEST_REQUIRE(vod_before["state"] == "ENCODING", "test precondition (not a daemon bug): the transcoding job was over before the kill; make kSlowSeconds longer: "
                                                            << vod_before.dump(2));
  const std::string catchup_at_kill = state_of(f.cli, catchup);
  const std::string vod_dir = f.daemon->state_dir() + "/media/" + live_of(f.cli, encoding)["id"].get<std::string>();
  // The job's ffmpeg (transcoding): orphaned by the kill, it must exit by itself
  // (daemon/process/ffmpeg_process.hpp "Orphans").
  const std::vector<pid_t> job_ffmpegs = children_named(f.daemon->pid(), "ffmpeg");
  BOOST_TEST(!job_ffmpegs.empty(), "no ffmpeg child of bvlived while the job runs: " << joined(children_of(f.daemon->pid())));
  f.daemon->kill9();
  BOOST_TEST(f.daemon->exit_code().value_or(-1) == 128 + SIGKILL);
  BOOST_TEST_MESSAGE("killed at " << (now_ms() - t0) << " ms; catchup was " << catchup_at_kill);

  // The RTMP encoders lose their server and exit; an encoder's operator (or its retry loop)
  // pushes again once the daemon is back.
  for (auto& e : f.encoders) e->wait(15s);
  for (auto& e : f.encoders) BOOST_TEST(!e->running(), "an encoder still runs after its server died");
  f.encoders.clear();

  for (const pid_t pid : job_ffmpegs) {
    const bool gone = poll_until([&] { return !path_exists("/proc/" + std::to_string(pid)); }, 15s, 100ms);
    BOOST_TEST(gone, "DAEMON BUG: the VOD job's ffmpeg (pid " << pid << ") still runs 15 s after bvlived was killed");
  }

  const std::int64_t t_restart = now_ms();
  try {
    f.daemon->start();
  } catch (const std::exception& e) {
    BOOST_FAIL("bvlived did not restart after kill -9: " << e.what());
  }
  f.ports = ports_of(f.cli);
  BOOST_TEST_MESSAGE("restarted in " << (now_ms() - t_restart) << " ms");

  // 4. Every live is where it was; the killed job's live is ENCODING (or already past it).
  for (const auto& [id, state] : state_before) {
    const std::string now = state_of(f.cli, id);
    if (id == encoding || id == catchup)
      BOOST_TEST((now == "ENCODING" || now == "VOD_READY"), id << " is " << now << " after the restart");
    else
      BOOST_TEST(now == state, id << " was " << state << " before kill -9, " << now << " after; history:"
                                  << joined(history(events_of(f.cli, id))));
  }
  // Sessions that ran at the crash are ENDED, none is left pretending to run.
  for (const auto& id : live_ids) {
    const json s = f.sessions(id);
    BOOST_TEST_REQUIRE(s.size() == 1u, s.dump(2));
    BOOST_TEST(s[0]["state"] == "ENDED", "DAEMON BUG: a session running at the crash is not ENDED: " << s.dump(2));
    BOOST_TEST(contains(s[0].dump(), "daemon-restart"), "the orphaned session's reason: " << s[0].dump(2));
  }
  // Between the restart and the new pushes a DVR viewer still gets what was recorded.
  for (const auto& id : live_ids) {
    if (mode[id] != "dvr") continue;
    const HttpReply r = http_get(f.http(Fixture::media_path(id)));
    BOOST_TEST(r.status == 200, id << r.describe());
    BOOST_TEST(contains_run(playlist_uris(r.body), before[id]),
               id << ": the recorded segments are not listed after the restart; before:" << joined_uris(before[id])
                  << r.describe());
  }

  // The encoders push again to the same lives (URLs rebuilt from `show`: the ports are new).
  for (const auto& id : live_ids) f.push(id);
  for (const auto& id : live_ids) f.wait_session(id, 2, "LIVE");

  for (const auto& id : live_ids) {
    BOOST_TEST(state_of(f.cli, id) == "LIVE", id);
    const std::vector<std::string> old = before[id];
    // Same path, new port: the playlist goes on past what it listed before the crash.
    HttpReply r;
    const bool grew = poll_until(
        [&] {
          r = http_get(f.http(Fixture::media_path(id)));
          if (r.status != 200) return false;
          const auto uris = playlist_uris(r.body);
          return !uris.empty() && std::find(old.begin(), old.end(), uris.back()) == old.end() &&
                 count_lines(r.body, "#EXT-X-DISCONTINUITY") >= 1u;
        },
        30s, 250ms);
    BOOST_TEST(grew, id << " (" << mode[id] << "): no new segment after the restart" << r.describe());
    const auto uris = playlist_uris(r.body);
    if (mode[id] == "dvr") {
      // Start-over: the old segments come first, then the new session after a discontinuity.
      BOOST_TEST(starts_with(uris, old), id << ": DVR playlist does not start with the segments listed before "
                                                "kill -9; before:"
                                            << joined_uris(old) << r.describe());
    }
    BOOST_TEST(!contains(r.body, "#EXT-X-ENDLIST"), id << r.describe());
    // The master playlist at the same path answers too, and the newest segment is served.
    BOOST_TEST(http_get(f.http(Fixture::index_path(id))).status == 200, id);
    if (!uris.empty()) {
      const std::string& last = uris.back();
      const std::string seg = last.rfind('/', 0) == 0 ? f.http(last) : f.http("/live/" + id + "/" + last);
      BOOST_TEST(http_get(seg).status == 200, id << ": " << seg);
    }
  }
  // A viewer's player actually plays one of them (DVR and traditional).
  check_h264_aac(ffprobe_streams(f.http(Fixture::index_path(live_ids[0]))), 320, 240);
  check_h264_aac(ffprobe_streams(f.http(Fixture::index_path(live_ids[1]))), 320, 240);

  // The killed job ran again and finished; so did the catchup one.
  f.require_state(encoding, "VOD_READY", 90s);
  BOOST_TEST_MESSAGE("rerun job done " << (now_ms() - t_restart) << " ms after the restart");
  f.require_state(catchup, "VOD_READY", 30s);
  const json vod = f.cli.json({"vod", encoding})["vod"];
  BOOST_TEST(vod["state"] == "READY", vod.dump(2));
  BOOST_TEST(vod["id"] == vod_before["id"], "the restarted job made another asset: " << vod.dump(2));
  BOOST_TEST(vod["attempts"].get<int>() >= 2, "the job was not run again: " << vod.dump(2));
  BOOST_TEST(vod["segments"].get<int>() > 0, vod.dump(2));
  BOOST_TEST_REQUIRE(vod["mp4"].is_object(), vod.dump(2));
  const std::string mp4 = vod["mp4"]["path"].get<std::string>();
  BOOST_TEST(contains(mp4, vod_dir), mp4);
  check_h264_aac(ffprobe_streams(mp4), 640, 360);
  BOOST_TEST(std::abs(ffprobe_duration(mp4) - kSlowSeconds) <= 1.0, "the MP4 of the rerun job is cut short");
  const auto h = history(events_of(f.cli, encoding));
  BOOST_TEST(has_line(h, "ENCODING -> VOD_READY vod-asset-ready/encoding"), joined(h));

  // Opening the windows: viewers play both VODs at their live's usual URL.
  for (const auto& id : {encoding, catchup})
    REQUIRE_EXIT(f.cli.run({"update", id, "--vod-start", rfc3339_in(1s), "--vod-end", rfc3339_in(kFarEnd)}), 0);
  f.require_state(encoding, "VOD", 15s);
  f.require_state(catchup, "VOD", 15s);
  check_h264_aac(ffprobe_streams(f.http(Fixture::index_path(encoding))), 640, 360);
  BOOST_TEST(std::abs(ffprobe_duration(f.http(Fixture::index_path(encoding))) - kSlowSeconds) <= 1.5);
  check_h264_aac(ffprobe_streams(f.http(Fixture::index_path(catchup))), 320, 240);
  const json cvod = f.cli.json({"vod", catchup})["vod"];
  BOOST_TEST(cvod["state"] == "READY", cvod.dump(2));
  BOOST_TEST(cvod["duration_seconds"].get<double>() >= 3.0, cvod.dump(2));

  for (auto& e : f.encoders) e->stop(SIGINT);
  BOOST_TEST(f.daemon->stop() == 0, f.daemon->log());
  BOOST_TEST_MESSAGE("total " << (now_ms() - t0) << " ms");
}
