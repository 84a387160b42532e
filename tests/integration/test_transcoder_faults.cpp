// Faults of a session's ffmpeg packager, with real processes: the child bvlived runs for an
// ABR live (or with media.remux = "ffmpeg") is killed (SIGKILL) or stopped (SIGSTOP) under a
// LIVE session. A user expects the daemon to notice at once, say why in the live's events
// and the log, and keep the viewers' playlist going: the child is restarted (a
// discontinuity, new segments playable by ffprobe), a stuck one is warned about, then
// killed and restarted; no zombie is left (bvlived(8) SESSIONS, "Packager restarts").
#define BOOST_TEST_MODULE transcoder_faults
#include <boost/test/unit_test.hpp>

#include <csignal>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/checks.hpp"
#include "support/lives.hpp"
#include "support/media.hpp"
#include "support/process.hpp"

using namespace bvtest;
using nlohmann::json;

namespace {

struct FaultFixture {
  explicit FaultFixture(const std::string& config) : daemon(start_daemon(dir, config)) {}
  TempDir dir{"bvlive-faults"};
  std::unique_ptr<DaemonProcess> daemon;
  Cli cli{daemon->socket()};
  Ports ports = ports_of(cli);
  std::unique_ptr<BackgroundProcess> encoder;

  std::string url(const std::string& id, const std::string& file) const {
    return "http://127.0.0.1:" + std::to_string(ports.http) + "/live/" + id + "/" + file;
  }
  json sessions(const std::string& id) { return cli.json({"sessions", id})["sessions"]; }

  // A live pushed from a `size` test pattern, started, with its playlist listing segments.
  std::string live_and_pushing(std::vector<std::string> flags, const std::string& size) {
    flags.insert(flags.begin(), {"-q", "create"});
    const RunResult created = cli.run(flags);
    REQUIRE_EXIT(created, 0);
    const std::string id = created.out.substr(0, created.out.find('\n'));
    REQUIRE_EXIT(cli.run({"preview", id}), 0);
    encoder = std::make_unique<BackgroundProcess>(
        encoder_argv(live_of(cli, id)["urls"]["rtmp"].get<std::string>(), "flv", size), dir / "encoder.log");
    json last;
    const bool live = poll_until(
        [&] {
          last = sessions(id);
          return last.size() == 1 && last[0]["state"] == "LIVE";
        },
        40s);
    BOOST_TEST_REQUIRE(live, "sessions: " << last.dump() << "\nlog:\n" << daemon->log());
    REQUIRE_EXIT(cli.run({"start", id}), 0);
    BOOST_TEST_REQUIRE(poll_until([&] { return playlist_uris(playlist(id)).size() >= 2; }, 20s),
                       "no segments listed: " << playlist(id));
    return id;
  }

  std::string playlist(const std::string& id) {
    const HttpReply r = http_get(url(id, "media.m3u8"));
    return r.status == 200 ? r.body : "";
  }

  // The one ffmpeg child of bvlived (the session's packager).
  pid_t packager_pid() {
    std::vector<pid_t> pids;
    poll_until([&] { return (pids = children_named(daemon->pid(), "ffmpeg")).size() == 1; }, 10s);
    BOOST_TEST_REQUIRE(pids.size() == 1u, "ffmpeg children of bvlived: " << json(children_of(daemon->pid())).dump());
    return pids[0];
  }

  std::vector<std::string> event_details(const std::string& id) {
    std::vector<std::string> out;
    for (const auto& e : events_of(cli, id)) out.push_back(e["detail"].is_string() ? e["detail"].get<std::string>() : "");
    return out;
  }
  bool has_event(const std::string& id, const std::string& text) {
    for (const auto& d : event_details(id))
      if (contains(d, text)) return true;
    return false;
  }

  // Waits until the playlist lists at least `count` segments it did not list in `before`,
  // after an EXT-X-DISCONTINUITY; returns the last of them.
  std::string wait_new_segments(const std::string& id, const std::set<std::string>& before, std::size_t count) {
    std::string text, last;
    const bool ok = poll_until(
        [&] {
          text = playlist(id);
          std::size_t fresh = 0;
          for (const auto& u : playlist_uris(text))
            if (!before.count(u)) {
              ++fresh;
              last = u;
            }
          return fresh >= count;
        },
        30s, 250ms);
    BOOST_TEST_REQUIRE(ok, "no new segments after the fault:\n" << text << "\nlog:\n" << daemon->log());
    return last;
  }

  // A segment with the init segment the playlist names for it, as one file ffprobe reads.
  json probe_segment(const std::string& id, const std::string& uri) {
    const std::string text = playlist(id);
    std::string map;
    for (const auto& line : split_lines(text)) {
      if (starts_with(line, "#EXT-X-MAP:URI=\"")) map = line.substr(16, line.find('"', 16) - 16);
      if (line == uri) break;
    }
    BOOST_TEST_REQUIRE(!map.empty(), text);
    const HttpReply init = http_get(url(id, map));
    const HttpReply seg = http_get(url(id, uri));
    BOOST_TEST_REQUIRE(init.status == 200, init.describe());
    BOOST_TEST_REQUIRE(seg.status == 200, seg.describe());
    const std::string file = dir / "probe.mp4";
    write_file(file, init.body + seg.body);
    return ffprobe_streams(file);
  }

  static std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> out;
    std::size_t at = 0;
    while (at < text.size()) {
      const std::size_t eol = std::min(text.find('\n', at), text.size());
      out.push_back(text.substr(at, eol - at));
      at = eol + 1;
    }
    return out;
  }
  static bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }
};

// "Z" for a zombie, "" once the process is gone (reaped), else its state letter.
std::string proc_state(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return "";
  const auto paren = line.rfind(')');
  return paren == std::string::npos || paren + 2 >= line.size() ? "" : line.substr(paren + 2, 1);
}

bool has_video_stream(const json& streams) {
  for (const auto& s : streams["streams"])
    if (s["codec_type"] == "video" && s.value("width", 0) > 0) return true;
  return false;
}

struct AbrFixture : FaultFixture {
  // ultrafast: CI's two cores keep a 720p source's 480p and 360p rungs in real time.
  AbrFixture() : FaultFixture("[transcode]\npreset = \"ultrafast\"\n") {}
};
struct RemuxByFfmpegFixture : FaultFixture {
  // The ffmpeg packager on a passthrough push: the same child, without the encoding's CPU.
  RemuxByFfmpegFixture() : FaultFixture("[media]\nremux = \"ffmpeg\"\n") {}
};

}  // namespace

// The transcoder of an ABR live is killed: at once the history says so and a new ffmpeg
// takes over; the playlist goes on after a discontinuity with segments a player can read.
BOOST_FIXTURE_TEST_CASE(a_killed_transcoder_is_restarted, AbrFixture) {
  const std::string id = live_and_pushing({"--name", "abr", "--abr"}, "1280x720");
  const pid_t first = packager_pid();
  const std::string before_text = playlist(id);
  const auto before_uris = playlist_uris(before_text);
  const std::set<std::string> before(before_uris.begin(), before_uris.end());
  const std::size_t discontinuities = count_lines(before_text, "#EXT-X-DISCONTINUITY");

  BOOST_TEST_REQUIRE(::kill(first, SIGKILL) == 0);
  // Noticed at once: the history names the cause and the restart within a few seconds.
  BOOST_TEST_REQUIRE(poll_until([&] { return has_event(id, "packager restarted (1 of 3)"); }, 5s),
                     "no restart in the events: " << json(event_details(id)).dump() << "\nlog:\n" << daemon->log());
  BOOST_TEST(has_event(id, "killed by signal 9"), json(event_details(id)).dump());
  BOOST_TEST(contains(daemon->log(), "packager restarted (1 of 3)"), daemon->log());

  // A new child, the old one reaped (no zombie), the same session still LIVE.
  const pid_t second = packager_pid();
  BOOST_TEST(second != first);
  BOOST_TEST(poll_until([&] { return proc_state(first).empty(); }, 5s), "killed ffmpeg left as " << proc_state(first));
  const json s = sessions(id);
  BOOST_TEST_REQUIRE(s.size() == 1u, s.dump());
  BOOST_TEST(s[0]["state"] == "LIVE", s.dump());
  BOOST_TEST(live_of(cli, id)["signal_interrupted"].is_null(), live_of(cli, id).dump());

  // Viewers: new segments after a discontinuity, every rendition going on, readable.
  const std::string last = wait_new_segments(id, before, 2);
  const std::string after = playlist(id);
  BOOST_TEST(count_lines(after, "#EXT-X-DISCONTINUITY") > discontinuities, after);
  BOOST_TEST(has_video_stream(probe_segment(id, last)), "the new segment " << last << " has no video");
  const HttpReply master = http_get(url(id, "index.m3u8"));
  BOOST_TEST(master.status == 200, master.describe());
  for (const auto& uri : playlist_uris(master.body)) {
    const HttpReply rendition = http_get(url(id, uri));
    BOOST_TEST(rendition.status == 200, uri << rendition.describe());
    BOOST_TEST(count_lines(rendition.body, "#EXT-X-DISCONTINUITY") >= 1u, uri << "\n" << rendition.body);
  }
}

// The packager is stopped (SIGSTOP) past the health bound: the session warns; when it
// resumes it catches up by itself and the warning clears. Stopped for good, it is killed
// after the bound, reaped and restarted, and the playlist goes on.
BOOST_FIXTURE_TEST_CASE(a_stopped_packager_warns_then_is_restarted, RemuxByFfmpegFixture) {
  const std::string id = live_and_pushing({"--name", "stuck"}, "640x360");
  const pid_t first = packager_pid();

  BOOST_TEST_REQUIRE(::kill(first, SIGSTOP) == 0);
  json session;
  const bool warned = poll_until(
      [&] {
        session = sessions(id)[0];
        return session["warning"].is_string();
      },
      18s, 250ms);
  if (!warned) ::kill(first, SIGCONT);
  BOOST_TEST_REQUIRE(warned, "no warning for a stopped packager: " << session.dump() << "\nlog:\n" << daemon->log());
  BOOST_TEST(contains(session["warning"].get<std::string>(), "packager stuck"), session.dump());
  const RunResult show = cli.run({"show", id});
  BOOST_TEST(contains(show.out, "WARNING: packager stuck"), show.describe());
  BOOST_TEST(has_event(id, "WARNING packager stuck"), json(event_details(id)).dump());
  BOOST_TEST(contains(daemon->log(), "packager stuck"));

  // Resumed before the kill bound: the same child catches up, the warning clears.
  const auto uris = playlist_uris(playlist(id));
  const std::set<std::string> before_resume(uris.begin(), uris.end());
  BOOST_TEST_REQUIRE(::kill(first, SIGCONT) == 0);
  BOOST_TEST_REQUIRE(poll_until([&] { return sessions(id)[0]["warning"].is_null(); }, 10s),
                     "the warning stayed: " << sessions(id).dump());
  BOOST_TEST(has_event(id, "packager making progress again"), json(event_details(id)).dump());
  wait_new_segments(id, before_resume, 2);
  BOOST_TEST(packager_pid() == first);
  BOOST_TEST(!has_event(id, "packager restarted"), json(event_details(id)).dump());

  // Stopped for good: killed after the bound, reaped, a new one started.
  const auto uris2 = playlist_uris(playlist(id));
  const std::set<std::string> before_kill(uris2.begin(), uris2.end());
  BOOST_TEST_REQUIRE(::kill(first, SIGSTOP) == 0);
  const bool restarted = poll_until([&] { return has_event(id, "packager restarted (1 of 3)"); }, 35s, 250ms);
  if (!restarted) ::kill(first, SIGCONT);
  BOOST_TEST_REQUIRE(restarted, "a stuck packager was not restarted: " << json(event_details(id)).dump()
                                                                       << "\nlog:\n" << daemon->log());
  BOOST_TEST(has_event(id, "packager stuck for"), json(event_details(id)).dump());
  BOOST_TEST(poll_until([&] { return proc_state(first).empty(); }, 5s), "stuck ffmpeg left as " << proc_state(first));
  BOOST_TEST(packager_pid() != first);
  const std::string last = wait_new_segments(id, before_kill, 2);
  BOOST_TEST(has_video_stream(probe_segment(id, last)), "the new segment " << last << " has no video");
  const json s = sessions(id);
  BOOST_TEST(s.size() == 1u, s.dump());
  BOOST_TEST(s[0]["state"] == "LIVE", s.dump());
  BOOST_TEST(s[0]["warning"].is_null(), s.dump());
}
