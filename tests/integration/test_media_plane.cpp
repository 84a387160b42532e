// The media plane end to end with real processes: ffmpeg pushes over RTMP (and SRT),
// bvlived makes sessions, packages them (in process, or with an ffmpeg child when
// media.remux = "ffmpeg"), segments and serves HLS; ffprobe and a plain HTTP client read it
// back the way a player would (issue 3; docs/ARCHITECTURE.md#path-of-a-pushed-stream and
// #path-of-a-viewers-request).
#define BOOST_TEST_MODULE media_plane
#include <boost/test/unit_test.hpp>

#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
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

struct MediaFixture {
  TempDir dir{"bvlive-media"};
  std::unique_ptr<DaemonProcess> daemon;
  std::unique_ptr<Cli> cli;
  Ports ports;
  std::vector<std::unique_ptr<BackgroundProcess>> encoders;

  explicit MediaFixture(const std::string& config_text = "") {
    daemon = start_daemon(dir, config_text);
    cli = std::make_unique<Cli>(daemon->socket());
    ports = ports_of(*cli);
    BOOST_TEST_REQUIRE(ports.rtmp > 0);
    BOOST_TEST_REQUIRE(ports.http > 0);
  }

  // Creates a live in PREVIEW; returns its id.
  std::string preview_live(std::vector<std::string> flags) {
    flags.insert(flags.begin(), {"--json", "create"});
    RunResult r = cli->run(flags);
    REQUIRE_EXIT(r, 0);
    const std::string id = parse_out(r)["live"]["id"].get<std::string>();
    REQUIRE_EXIT(cli->run({"preview", id}), 0);
    return id;
  }

  json live(const std::string& id) { return live_of(*cli, id); }
  json sessions(const std::string& id) { return cli->json({"sessions", id})["sessions"]; }

  std::string rtmp_url(const std::string& id) { return live(id)["urls"]["rtmp"].get<std::string>(); }
  std::string http(const std::string& path) { return "http://127.0.0.1:" + std::to_string(ports.http) + path; }

  BackgroundProcess& push(const std::string& url, const std::string& format = "flv", int seconds = 0) {
    encoders.push_back(std::make_unique<BackgroundProcess>(
        encoder_argv(url, format, "640x360", seconds), dir / ("encoder" + std::to_string(encoders.size()) + ".log")));
    return *encoders.back();
  }

  // Waits for the newest session of `id` to be in `state`; returns it.
  json wait_session(const std::string& id, const std::string& state, Ms timeout = 30s) {
    json last;
    const bool ok = poll_until(
        [&] {
          last = sessions(id);
          return !last.empty() && last[0]["state"] == state;
        },
        timeout, 200ms);
    BOOST_TEST_REQUIRE(ok, "session of " << id << " never reached " << state << "; sessions: " << last.dump(2)
                                         << "\ndaemon log:\n"
                                         << daemon->log());
    return last[0];
  }

  int segment_count(const std::string& id) {
    const auto s = sessions(id);
    return s.empty() ? 0 : s[0]["segments"].get<int>();
  }
};

std::string public_master(MediaFixture& f, const std::string& id) { return f.http("/live/" + id + "/index.m3u8"); }
std::string public_media(MediaFixture& f, const std::string& id) { return f.http("/live/" + id + "/media.m3u8"); }

int connect_tcp(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

// Preview -> start -> DVR from LIVE's start -> reconnect with a discontinuity -> end.
BOOST_AUTO_TEST_CASE(rtmp_push_preview_start_dvr_reconnect_end) {
  MediaFixture f;
  const std::string id = f.preview_live({"--name", "DVR show", "--custom-id", "dvrshow", "--broadcast-mode", "dvr"});
  const json before = f.live(id);
  const std::string token = before["preview_token"].get<std::string>();
  BOOST_TEST(before["urls"]["rtmp"].get<std::string>().find(before["stream_key"].get<std::string>()) !=
             std::string::npos);

  auto& enc = f.push(f.rtmp_url(id));
  const json s1 = f.wait_session(id, "LIVE");
  BOOST_TEST(s1["protocol"] == "rtmp");
  BOOST_TEST(s1["remote"].get<std::string>().rfind("127.0.0.1:", 0) == 0, s1.dump());
  BOOST_TEST(f.live(id)["channel_state"] == "ACTIVE");
  // The list says the same as show.
  bool listed = false;
  const json list = f.cli->json({"list"});
  for (const auto& l : list["lives"])
    if (l["id"] == id) {
      listed = true;
      BOOST_TEST(l["channel_state"] == "ACTIVE", l.dump());
    }
  BOOST_TEST(listed);

  // Before start: the public URL says why it has nothing; the preview needs its token.
  HttpReply pub = http_get(public_master(f, id));
  BOOST_TEST(pub.status == 404, pub.describe());
  BOOST_TEST(contains(pub.body, "has not started"), pub.describe());
  BOOST_TEST(http_get(f.http("/live/" + id + "/media.m3u8")).status == 404);
  HttpReply no_token = http_get(f.http("/preview/" + id + "/index.m3u8"));
  BOOST_TEST(no_token.status == 403, no_token.describe());
  BOOST_TEST(contains(no_token.body, "preview token"), no_token.describe());
  BOOST_TEST(http_get(f.http("/preview/" + id + "/index.m3u8?token=pt_wrong")).status == 403);
  const std::string preview_url = f.http("/preview/" + id + "/index.m3u8?token=" + token);
  HttpReply preview = http_get(preview_url);
  BOOST_TEST(preview.status == 200, preview.describe());
  BOOST_TEST(preview.headers["content-type"] == "application/vnd.apple.mpegurl");
  BOOST_TEST(contains(preview.body, "CODECS=\"avc1."), preview.describe());
  check_h264_aac(ffprobe_streams(preview_url), 640, 360);
  // A preview segment exists but is not public.
  HttpReply pmedia = http_get(f.http("/preview/" + id + "/media.m3u8?token=" + token));
  const auto preview_uris = playlist_uris(pmedia.body);
  BOOST_TEST_REQUIRE(!preview_uris.empty(), pmedia.describe());
  const std::string preview_seg = preview_uris.front().substr(0, preview_uris.front().find('?'));
  BOOST_TEST(http_get(f.http("/live/" + id + "/" + preview_seg)).status == 404);

  // Let a few preview segments pass, so the DVR start is visibly not the first segment.
  BOOST_TEST_REQUIRE(poll_until([&] { return f.segment_count(id) >= 3; }, 30s, 200ms));
  REQUIRE_EXIT(f.cli->run({"start", id}), 0);
  const std::int64_t started_at = time_of(f.live(id)["live_started_at"]);
  BOOST_TEST_REQUIRE(poll_until([&] { return playlist_uris(http_get(public_media(f, id)).body).size() >= 2; }, 30s,
                                200ms),
                     "no public segments after start:\n" << f.daemon->log());
  HttpReply master = http_get(public_master(f, id));
  BOOST_TEST(master.status == 200, master.describe());
  BOOST_TEST(contains(master.body, "RESOLUTION=640x360"), master.describe());
  BOOST_TEST(master.headers["access-control-allow-origin"] == "*", master.describe());
  check_h264_aac(ffprobe_streams(public_master(f, id)), 640, 360);

  HttpReply media = http_get(public_media(f, id));
  BOOST_TEST(contains(media.body, "#EXT-X-PLAYLIST-TYPE:EVENT"), media.describe());
  BOOST_TEST(!contains(media.body, "#EXT-X-ENDLIST"), media.describe());
  // DVR begins at LIVE's start: the first listed segment is the one holding that instant.
  const auto pdts = playlist_lines(media.body, "#EXT-X-PROGRAM-DATE-TIME:");
  BOOST_TEST_REQUIRE(!pdts.empty(), media.describe());
  const std::int64_t first_pdt = *parse_rfc3339(pdts.front().substr(std::string("#EXT-X-PROGRAM-DATE-TIME:").size()));
  BOOST_TEST(first_pdt <= started_at + 100, media.describe() << "\nstarted_at " << started_at);
  BOOST_TEST(first_pdt > started_at - 3500, media.describe() << "\nstarted_at " << started_at);
  const auto seq_line = playlist_lines(media.body, "#EXT-X-MEDIA-SEQUENCE:");
  BOOST_TEST_REQUIRE(seq_line.size() == 1u);
  BOOST_TEST(std::stoi(seq_line[0].substr(22)) >= 2, "preview segments come before the DVR start" << media.describe());
  // Segments: immutable, right type, ranges honoured.
  const std::string seg_url = f.http("/live/" + id + "/" + playlist_uris(media.body).front());
  HttpReply seg = http_get(seg_url);
  BOOST_TEST(seg.status == 200, seg.headers.size());
  BOOST_TEST(seg.headers["content-type"] == "video/iso.segment");
  BOOST_TEST(contains(seg.headers["cache-control"], "immutable"));
  HttpReply part = http_request(seg_url, "GET", {{"Range", "bytes=0-99"}});
  BOOST_TEST(part.status == 206);
  BOOST_TEST(part.body.size() == 100u);
  BOOST_TEST(part.body == seg.body.substr(0, 100));

  // The encoder goes away: the session ends; a reconnect is a new session and the
  // playlist continues across a discontinuity.
  enc.stop(SIGINT);
  const json ended = f.wait_session(id, "ENDED", 20s);
  BOOST_TEST(ended["id"] == s1["id"]);
  BOOST_TEST(!ended["end_reason"].get<std::string>().empty());
  const std::size_t before_reconnect = playlist_uris(http_get(public_media(f, id)).body).size();
  f.push(f.rtmp_url(id));
  const json s2 = f.wait_session(id, "LIVE");
  BOOST_TEST(s2["id"] != s1["id"]);
  BOOST_TEST_REQUIRE(poll_until(
      [&] { return playlist_uris(http_get(public_media(f, id)).body).size() >= before_reconnect + 2; }, 30s, 200ms));
  media = http_get(public_media(f, id));
  BOOST_TEST(count_lines(media.body, "#EXT-X-DISCONTINUITY") == 1u, media.describe());
  BOOST_TEST(playlist_lines(media.body, "#EXT-X-MAP:").size() == 2u, media.describe());
  check_h264_aac(ffprobe_streams(public_master(f, id)), 640, 360);

  // end: the session ends with the live, the playlist is closed.
  REQUIRE_EXIT(f.cli->run({"end", id}), 0);
  const json s2_end = f.wait_session(id, "ENDED", 20s);
  BOOST_TEST(contains(s2_end["end_reason"].get<std::string>(), "LIVE_END"), s2_end.dump());
  BOOST_TEST(f.sessions(id).size() == 2u);
  BOOST_TEST_REQUIRE(poll_until([&] { return contains(http_get(public_media(f, id)).body, "#EXT-X-ENDLIST"); }, 10s));
  BOOST_TEST(f.daemon->stop() == 0);
  BOOST_TEST(children_named(f.daemon->pid(), "ffmpeg").empty());
}

// Traditional mode keeps a sliding window on disk and in the playlist.
BOOST_AUTO_TEST_CASE(traditional_window_and_retention) {
  MediaFixture f("[media]\nsegment_duration = 1\nlive_window = 3\nkeep_segments = 4\n");
  const std::string id = f.preview_live({"--name", "Window"});
  REQUIRE_EXIT(f.cli->run({"start", id}), 0);
  f.push(f.rtmp_url(id));
  f.wait_session(id, "LIVE");
  BOOST_TEST_REQUIRE(poll_until([&] { return f.segment_count(id) >= 7; }, 40s, 250ms), f.daemon->log());
  HttpReply media = http_get(public_media(f, id));
  BOOST_TEST(playlist_uris(media.body).size() == 3u, media.describe());
  BOOST_TEST(!contains(media.body, "PLAYLIST-TYPE"), media.describe());
  BOOST_TEST(std::stoi(playlist_lines(media.body, "#EXT-X-MEDIA-SEQUENCE:")[0].substr(22)) >= 4, media.describe());
  // Retention: at most keep_segments segment files remain for the session.
  const std::string session = f.sessions(id)[0]["id"].get<std::string>();
  auto r = run({"sh", "-c", "ls " + f.daemon->state_dir() + "/media/" + id + "/" + session + " | grep -c m4s$"});
  BOOST_TEST(std::stoi(r.out) <= 5, r.describe());  // keep_segments, plus one being added
  check_h264_aac(ffprobe_streams(public_master(f, id)), 640, 360);
}

// A wrong key or a live that takes no ingest gets no session; the key never reaches the log.
BOOST_AUTO_TEST_CASE(wrong_key_and_wrong_state_make_no_session) {
  MediaFixture f;
  const std::string id = f.preview_live({"--name", "Keyed"});
  const std::string url = f.rtmp_url(id);
  const std::string bad = url.substr(0, url.rfind('/') + 1) + "sk_thisIsNotTheKey123";
  auto& enc = f.push(bad, "flv", 10);
  const auto code = enc.wait(30s);
  BOOST_TEST(code.has_value());
  BOOST_TEST(*code != 0, enc.log());
  BOOST_TEST(f.sessions(id).empty());
  const std::string log = f.daemon->log();
  BOOST_TEST(contains(log, "publish refused: no live has this stream key"), log);
  BOOST_TEST(!contains(log, "sk_thisIsNotTheKey123"), log);
  BOOST_TEST(!contains(log, f.live(id)["stream_key"].get<std::string>()), log);

  // The right key on a live in WAIT_FOR_PREVIEW... is refused too, with the state named.
  RunResult r = f.cli->run({"--json", "create", "--name", "Not yet"});
  const std::string id2 = parse_out(r)["live"]["id"].get<std::string>();
  auto& enc2 = f.push(f.rtmp_url(id2), "flv", 10);
  BOOST_TEST(enc2.wait(30s).value_or(0) != 0, enc2.log());
  BOOST_TEST(f.sessions(id2).empty());
  BOOST_TEST(contains(f.daemon->log(), "pushes are accepted in PREVIEW and LIVE"));
}

// rotate-key during a push: the encoder using the old key is disconnected at once, the
// old key is refused on reconnect, the new one publishes; neither key reaches the log.
BOOST_AUTO_TEST_CASE(rotate_key_disconnects_the_push_using_the_old_key) {
  MediaFixture f;
  const std::string id = f.preview_live({"--name", "Rotated"});
  const std::string old_url = f.rtmp_url(id);
  auto& enc = f.push(old_url);
  f.wait_session(id, "LIVE");
  const RunResult r = f.cli->run({"-q", "rotate-key", id});
  REQUIRE_EXIT(r, 0);
  const std::string new_key = r.out.substr(0, r.out.find('\n'));
  BOOST_TEST(enc.wait(15s).has_value(), "the encoder with the old key is still connected\n" << enc.log());
  const json ended = f.wait_session(id, "ENDED", 20s);
  BOOST_TEST(contains(ended.dump(), "stream key was rotated"), ended.dump(2));
  auto& again = f.push(old_url, "flv", 10);
  BOOST_TEST(again.wait(30s).value_or(0) != 0, again.log());
  BOOST_TEST(f.sessions(id).size() == 1u);
  f.push(f.rtmp_url(id));
  BOOST_TEST(f.rtmp_url(id).ends_with(new_key));
  const bool second = poll_until([&] { return f.sessions(id).size() == 2u; }, 30s, 200ms);
  BOOST_TEST(second, f.sessions(id).dump(2));
  const std::string log = f.daemon->log();
  BOOST_TEST(!contains(log, new_key), log);
  BOOST_TEST(!contains(log, old_url.substr(old_url.rfind('/') + 1)), log);
}

// session_max_duration ends a push.
BOOST_AUTO_TEST_CASE(max_duration) {
  MediaFixture f("[media]\nsession_max_duration = \"6s\"\nremux = \"ffmpeg\"\n");
  const std::string id = f.preview_live({"--name", "Limits"});
  f.push(f.rtmp_url(id));
  f.wait_session(id, "LIVE");
  const json ended = f.wait_session(id, "ENDED", 20s);
  BOOST_TEST(contains(ended["end_reason"].get<std::string>(), "session_max_duration"), ended.dump());
}

// A killed packager is restarted three times; the fourth crash gives ERROR then ENDED and
// the live survives. The ffmpeg packager (media.remux = "ffmpeg"): the in-process one has
// no child to kill.
BOOST_AUTO_TEST_CASE(packager_crash) {
  MediaFixture f("[media]\nremux = \"ffmpeg\"\n");
  const std::string id = f.preview_live({"--name", "Crashes"});
  // A push; then its ffmpeg child is killed.
  f.push(f.rtmp_url(id));
  BOOST_TEST_REQUIRE(poll_until([&] { return f.sessions(id).size() == 1u && f.sessions(id)[0]["state"] == "LIVE"; },
                                30s, 200ms));
  // A LIVE session's packager is restarted after a crash, three times at most
  // (bvlived(8) SESSIONS); killed a fourth time, the session fails.
  pid_t killed = 0;
  for (int crash = 1; crash <= 4; ++crash) {
    std::vector<pid_t> kids;
    BOOST_TEST_REQUIRE(poll_until([&] {
      kids = children_named(f.daemon->pid(), "ffmpeg");
      return kids.size() == 1u && kids[0] != killed;
    }, 10s), "expected one new packager child before crash " << crash);
    killed = kids[0];
    ::kill(killed, SIGKILL);
    if (crash == 4) break;
    const std::string restarted = "packager restarted (" + std::to_string(crash) + " of 3)";
    BOOST_TEST_REQUIRE(poll_until([&] {
      for (const auto& e : events_of(*f.cli, id))
        if (contains(e.value("detail", ""), restarted)) return true;
      return false;
    }, 10s), "no '" << restarted << "' event: " << events_of(*f.cli, id).dump(2));
    BOOST_TEST(f.sessions(id)[0]["state"] == "LIVE");
  }
  const json crashed = f.wait_session(id, "ENDED", 20s);
  BOOST_TEST(contains(crashed["end_reason"].get<std::string>(), "packager failed"), crashed.dump());
  const auto events = events_of(*f.cli, id);
  bool saw_error = false;
  for (const auto& e : events)
    if (contains(e.value("detail", ""), crashed["id"].get<std::string>() + ": ERROR")) saw_error = true;
  BOOST_TEST(saw_error, "no ERROR event for the crashed session: " << events.dump(2));
  BOOST_TEST(f.live(id)["state"] == "PREVIEW");
  // The live still takes pushes.
  f.push(f.rtmp_url(id));
  BOOST_TEST(poll_until([&] { return f.sessions(id).size() == 2u && f.sessions(id)[0]["state"] == "LIVE"; }, 30s,
                        200ms),
             f.sessions(id).dump(2));
}

// Garbage and a stalled handshake on the RTMP port do not disturb a running push; a
// newer push with the same key replaces the running one.
BOOST_AUTO_TEST_CASE(garbage_stall_and_replacement) {
  MediaFixture f("[rtmp]\nhandshake_timeout = \"3s\"\n");
  const std::string id = f.preview_live({"--name", "Robust"});
  f.push(f.rtmp_url(id));
  f.wait_session(id, "LIVE");
  const int before = f.segment_count(id);

  const int garbage = connect_tcp(f.ports.rtmp);
  BOOST_TEST_REQUIRE(garbage >= 0);
  const std::string junk(4096, '\x7f');
  (void)!::send(garbage, junk.data(), junk.size(), MSG_NOSIGNAL);
  const int stalled = connect_tcp(f.ports.rtmp);
  (void)!::send(stalled, "\x03", 1, MSG_NOSIGNAL);  // C0, then nothing
  // The garbage connection is closed by the server.
  char buf[4096];
  ssize_t n = 1;
  const bool closed = poll_until([&] {
    n = ::recv(garbage, buf, sizeof buf, MSG_DONTWAIT);
    return n == 0;
  }, 10s, 100ms);
  BOOST_TEST(closed, "the server kept a garbage connection open");
  // The stalled client is dropped after handshake_timeout.
  BOOST_TEST(poll_until([&] { return ::recv(stalled, buf, sizeof buf, MSG_DONTWAIT) == 0; }, 15s, 200ms));
  ::close(garbage);
  ::close(stalled);
  BOOST_TEST(poll_until([&] { return f.segment_count(id) >= before + 2; }, 20s, 200ms));
  BOOST_TEST(f.sessions(id).size() == 1u);
  BOOST_TEST(f.sessions(id)[0]["state"] == "LIVE");

  // Garbage on the HTTP port: 400 with a body, and the origin keeps serving.
  const int hfd = connect_tcp(f.ports.http);
  const std::string bad = "GARBAGE\x01\x02 / HTTP/9\r\n\r\n";
  (void)!::send(hfd, bad.data(), bad.size(), MSG_NOSIGNAL);
  std::string answer;
  poll_until([&] {
    const ssize_t k = ::recv(hfd, buf, sizeof buf, MSG_DONTWAIT);
    if (k > 0) answer.append(buf, static_cast<std::size_t>(k));
    return k == 0;
  }, 10s, 50ms);
  ::close(hfd);
  BOOST_TEST(contains(answer, "400"), answer);
  BOOST_TEST(http_get(f.http("/healthz")).status == 200);

  // A second push with the same key replaces the first.
  const std::string first = f.sessions(id)[0]["id"].get<std::string>();
  f.push(f.rtmp_url(id));
  BOOST_TEST_REQUIRE(poll_until([&] { return f.sessions(id).size() == 2u && f.sessions(id)[0]["state"] == "LIVE"; },
                                30s, 200ms));
  const json old = f.sessions(id)[1];
  BOOST_TEST(old["id"] == first);
  BOOST_TEST(old["state"] == "ENDED");
  BOOST_TEST(contains(old["end_reason"].get<std::string>(), "replaced"), old.dump());
  BOOST_TEST(f.encoders[0]->wait(15s).has_value(), "the replaced encoder was not disconnected");

  // /metrics in Prometheus text format.
  HttpReply m = http_get(f.http("/metrics"));
  BOOST_TEST(m.status == 200);
  BOOST_TEST(contains(m.body, "bvlive_lives{state=\"PREVIEW\"} 1"), m.body);
  BOOST_TEST(contains(m.body, "bvlive_sessions_running 1"), m.body);
  BOOST_TEST(contains(m.body, "bvlive_http_responses_total{code=\"400\"}"), m.body);
  BOOST_TEST(contains(m.body, "bvlive_packager_speed{live=\"" + id + "\""), m.body);
}

// SRT: a push with the access-control streamid becomes a session like an RTMP one; a live
// that does not list srt in ingestion_types, or a wrong key, is refused in the handshake.
BOOST_AUTO_TEST_CASE(srt_push_and_refusals) {
  MediaFixture f;
  BOOST_TEST_REQUIRE(f.ports.srt > 0);
  const std::string id = f.preview_live({"--name", "Over SRT", "--ingest", "rtmp,srt"});
  const json live = f.live(id);
  const std::string url = live["urls"]["srt"].get<std::string>();
  BOOST_TEST(contains(url, "streamid=#!::r=" + live["stream_key"].get<std::string>() + ",m=publish"), url);
  f.push(url + "&latency=120000", "mpegts");
  const json s = f.wait_session(id, "LIVE");
  BOOST_TEST(s["protocol"] == "srt");
  REQUIRE_EXIT(f.cli->run({"start", id}), 0);
  BOOST_TEST_REQUIRE(poll_until([&] { return !playlist_uris(http_get(public_media(f, id)).body).empty(); }, 30s,
                                200ms));
  check_h264_aac(ffprobe_streams(public_master(f, id)), 640, 360);

  // Garbage datagrams on the SRT port do not disturb the push.
  const int before = f.segment_count(id);
  const int udp = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(f.ports.srt));
  ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  const std::string junk(1316, '\x55');
  for (int i = 0; i < 200; ++i)
    (void)!::sendto(udp, junk.data(), junk.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::close(udp);
  BOOST_TEST(poll_until([&] { return f.segment_count(id) >= before + 2; }, 20s, 200ms));
  BOOST_TEST(f.sessions(id).size() == 1u);

  // An RTMP-only live refuses SRT, and a wrong key is refused: no session either way.
  const std::string rtmp_only = f.preview_live({"--name", "RTMP only"});
  const json ro = f.live(rtmp_only);
  const std::string srt_base = url.substr(0, url.find('?'));
  auto& e1 = f.push(srt_base + "?streamid=" + ro["stream_key"].get<std::string>() + "&latency=120000", "mpegts", 8);
  auto& e2 = f.push(srt_base + "?streamid=sk_wrongwrongwrong&latency=120000", "mpegts", 8);
  BOOST_TEST(e1.wait(30s).value_or(0) != 0, e1.log());
  BOOST_TEST(e2.wait(30s).value_or(0) != 0, e2.log());
  BOOST_TEST(f.sessions(rtmp_only).empty());
  const std::string log = f.daemon->log();
  BOOST_TEST(contains(log, "does not take srt pushes"), log);
  BOOST_TEST(!contains(log, "sk_wrongwrongwrong"), log);
  BOOST_TEST(!contains(log, ro["stream_key"].get<std::string>()), log);
}

// kill -9 during a push: the packager child exits by itself (no orphan), the recording's
// index survives, the orphaned session is ended with a reason, and a new push continues
// the same playlist after a discontinuity.
BOOST_AUTO_TEST_CASE(recording_survives_a_daemon_crash) {
  MediaFixture f;
  const std::string id = f.preview_live({"--name", "Crashy", "--broadcast-mode", "dvr"});
  REQUIRE_EXIT(f.cli->run({"start", id}), 0);
  auto& enc = f.push(f.rtmp_url(id));
  f.wait_session(id, "LIVE");
  BOOST_TEST_REQUIRE(poll_until([&] { return f.segment_count(id) >= 3; }, 30s, 200ms));
  const auto before = playlist_uris(http_get(public_media(f, id)).body);
  // A passthrough push is packaged in the daemon itself: nothing outlives it.
  BOOST_TEST(children_named(f.daemon->pid(), "ffmpeg").empty());

  f.daemon->kill9();
  enc.stop(SIGKILL);

  f.daemon->start();
  f.ports = ports_of(*f.cli);
  const json orphan = f.sessions(id)[0];
  BOOST_TEST(orphan["state"] == "ENDED");
  BOOST_TEST(orphan["end_reason"] == "daemon-restart");
  const auto after = playlist_uris(http_get(public_media(f, id)).body);
  BOOST_TEST_REQUIRE(after.size() >= before.size());
  for (std::size_t i = 0; i < before.size(); ++i) BOOST_TEST(after[i] == before[i]);
  BOOST_TEST(http_get(f.http("/live/" + id + "/" + after.front())).status == 200);

  f.push(f.rtmp_url(id));
  f.wait_session(id, "LIVE");
  BOOST_TEST_REQUIRE(poll_until(
      [&] { return playlist_uris(http_get(public_media(f, id)).body).size() >= after.size() + 1; }, 30s, 200ms));
  const std::string media = http_get(public_media(f, id)).body;
  BOOST_TEST(count_lines(media, "#EXT-X-DISCONTINUITY") == 1u, media);
  check_h264_aac(ffprobe_streams(public_master(f, id)), 640, 360);
}
