// The in-process packager (daemon/packager/remux_packager over core/media/remux) end to end
// with real processes: a real bvlived on loopback, real pushes (ffmpeg over RTMP and SRT,
// tests/tools/rtmp_publish for Enhanced RTMP and for timestamps and damage no encoder
// makes on purpose), and the served HLS read back by ffmpeg/ffprobe as a player would.
// What a user checks: no ffmpeg per push, the frames they sent are the frames served (with
// their B-frames), audio-only and video-only streams, a new encoder configuration in the
// middle of a push, timestamps that wrap or jump, a damaged frame that ends only its own
// push, HEVC and AV1, and LL-HLS parts.
#define BOOST_TEST_MODULE remux
#include <boost/test/unit_test.hpp>

#include <sys/types.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/checks.hpp"
#include "support/lives.hpp"
#include "support/ll_hls_rules.hpp"
#include "support/media.hpp"
#include "support/media_files.hpp"
#include "support/playlist_text.hpp"
#include "support/process.hpp"

using namespace bvtest;
using nlohmann::json;

namespace {

constexpr int kGop = 25;                  // one keyframe a second in every source
constexpr double kSegmentTarget = 2.0;    // media.segment_duration's default

// ---------------------------------------------------------------------------
// Source files, made once per run by the real ffmpeg (short, small).

struct SourceSpec {
  std::string size;
  int seconds;
  std::vector<std::string> video;  // encoder options
};

const std::map<std::string, SourceSpec>& source_specs() {
  static const std::map<std::string, SourceSpec> specs = {
      // H.264 High with two B-frames between references: composition offsets in every GOP.
      {"h264", {"320x240", 6, {"-c:v", "libx264", "-preset", "ultrafast", "-bf", "2", "-g", "25", "-keyint_min", "25",
                               "-sc_threshold", "0", "-profile:v", "high", "-pix_fmt", "yuv420p"}}},
      // The second half of a push whose encoder changes its configuration: bigger, Baseline.
      {"h264_b", {"640x360", 4, {"-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-keyint_min", "25",
                                 "-sc_threshold", "0", "-profile:v", "baseline", "-pix_fmt", "yuv420p"}}},
      {"hevc", {"320x240", 4, {"-c:v", "libx265", "-preset", "ultrafast", "-x265-params",
                               "keyint=25:min-keyint=25:bframes=2:scenecut=0:log-level=error", "-pix_fmt", "yuv420p"}}},
  };
  return specs;
}

// The AV1 encoder this ffmpeg has: SVT-AV1 (fast) or libaom at its fastest.
std::vector<std::string> av1_encoder() {
  const RunResult r = run({"ffmpeg", "-hide_banner", "-encoders"}, with_timeout(30s));
  if (contains(r.out, "libsvtav1"))
    return {"-c:v", "libsvtav1", "-preset", "12", "-g", "25", "-pix_fmt", "yuv420p", "-svtav1-params", "verbosity=0"};
  if (contains(r.out, "libaom-av1"))
    return {"-c:v", "libaom-av1", "-cpu-used", "8", "-row-mt", "1", "-g", "25", "-keyint_min", "25", "-b:v", "300k",
            "-pix_fmt", "yuv420p"};
  return {};
}

// Path of source `name` ("h264", "h264_b", "hevc", "av1"): an MP4 of testsrc2 at 25 fps with
// a 1 kHz AAC sine, moov first. Fails the test case if ffmpeg cannot make it.
std::string source(const std::string& name) {
  static TempDir dir("bvlive-remux-src");
  static std::map<std::string, std::string> made;
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  if (auto it = made.find(name); it != made.end()) return it->second;
  SourceSpec spec;
  if (name == "av1") {
    spec = {"320x240", 4, av1_encoder()};
    if (spec.video.empty()) BOOST_FAIL("this ffmpeg has no AV1 encoder (libsvtav1 or libaom-av1)");
  } else {
    spec = source_specs().at(name);
  }
  const std::string path = dir / (name + ".mp4");
  std::vector<std::string> a = {"ffmpeg", "-hide_banner", "-v", "error", "-nostdin", "-y",
                                "-f", "lavfi", "-i", "testsrc2=size=" + spec.size + ":rate=25",
                                "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000",
                                "-t", std::to_string(spec.seconds)};
  a.insert(a.end(), spec.video.begin(), spec.video.end());
  a.insert(a.end(), {"-c:a", "aac", "-b:a", "64k", "-movflags", "+faststart", path});
  const RunResult r = run(a, with_timeout(180s));
  BOOST_TEST_REQUIRE(r.code == 0, "ffmpeg could not make the " << name << " source:" << r.describe());
  made[name] = path;
  return path;
}

// ---------------------------------------------------------------------------
// Reading back what is served.

// The md5 of every decoded video frame of `input` (a file or an HLS URL), in output order;
// every frame as decoded (no frame-rate conversion drops or repeats one).
std::vector<std::string> frame_hashes(const std::string& input) {
  const RunResult r = run({"ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-i", input, "-map", "0:v:0",
                           "-fps_mode", "passthrough", "-f", "framemd5", "-"},
                          with_timeout(120s));
  BOOST_TEST_REQUIRE(r.code == 0, "ffmpeg cannot decode " << input << r.describe());
  std::vector<std::string> out;
  for (const auto& line : lines_of(r.out)) {
    if (line[0] == '#') continue;
    std::string hash = line.substr(line.rfind(',') + 1);
    hash.erase(0, hash.find_first_not_of(' '));
    out.push_back(hash);
  }
  return out;
}

// Checks that `served` is `sent` from its start, or from a later frame of the first GOP
// (a player starts at a keyframe), frame for frame to the end. A push that was cut may miss
// frames of its last `tail_may_miss` (a GOP): there, the frames served must still be frames
// sent, in order, but some may be gone (a lost B-frame is not the last in output order).
void check_same_frames(const std::vector<std::string>& sent, const std::vector<std::string>& served,
                       const std::string& what, std::size_t tail_may_miss = 0) {
  BOOST_TEST_REQUIRE(!sent.empty());
  BOOST_TEST_REQUIRE(!served.empty(), what << ": no frame served");
  const auto first = std::find(sent.begin(), sent.end(), served.front());
  BOOST_TEST_REQUIRE((first != sent.end()), what << ": the first served frame (" << served.front()
                                                  << ") is none of the frames sent");
  const auto offset = static_cast<std::size_t>(first - sent.begin());
  BOOST_TEST(offset < static_cast<std::size_t>(kGop), what << ": the served video starts at frame " << offset);
  const std::size_t expected = sent.size() - offset;
  const std::size_t exact = expected - std::min(expected, tail_may_miss);  // frames that must all be there
  std::size_t differing = 0, first_difference = 0;
  for (std::size_t k = 0; k < std::min(exact, served.size()); ++k) {
    if (served[k] == sent[offset + k]) continue;
    if (differing++ == 0) first_difference = k;
  }
  BOOST_TEST(differing == 0u, what << ": " << differing << " of " << served.size()
                                   << " served frames differ from the frames sent, the first at served frame "
                                   << first_difference << " (sent frame " << offset + first_difference << ")");
  BOOST_TEST(served.size() >= exact, what << ": " << served.size() << " frames served of the " << expected
                                          << " sent from frame " << offset << " ("
                                          << expected - std::min(expected, served.size()) << " missing)");
  // The tail of a cut push: what is served of it is a subsequence of what was sent.
  std::size_t at = offset + exact;
  bool in_order = true;
  for (std::size_t k = exact; k < served.size(); ++k) {
    while (at < sent.size() && sent[at] != served[k]) ++at;
    if (at == sent.size()) {
      in_order = false;
      break;
    }
    ++at;
  }
  BOOST_TEST(in_order, what << ": the last GOP's served frames are not frames sent, in order");
  BOOST_TEST(served.size() <= expected, what << ": " << served.size() << " frames served, " << expected << " sent");
}

// The bytes an SRT push of `file` sends: ffmpeg's MPEG-TS of it (-map 0 -c copy), which
// the muxer makes the same every time.
std::int64_t mpegts_size(const TempDir& dir, const std::string& file) {
  const std::string out = dir / "size-check.ts";
  const RunResult r = run({"ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y", "-i", file, "-map", "0", "-c",
                           "copy", "-f", "mpegts", out},
                          with_timeout(60s));
  BOOST_TEST_REQUIRE(r.code == 0, r.describe());
  return static_cast<std::int64_t>(read_file(out).size());
}

// What of an SRT push reached bvlived. SRT's live mode may lose the last packets when the
// caller closes (unsent, or not yet due for delivery at the receiver): then the push was cut
// on the way and its last GOP may be missing; when every byte came, no frame may be.
struct SrtDelivery {
  std::int64_t received = 0, sent = 0;
  std::size_t tail_may_miss = 0;
  std::string describe() const {
    return "bvlived received " + std::to_string(received) + " of the " + std::to_string(sent) + " bytes ffmpeg sent";
  }
};

SrtDelivery srt_delivery(const TempDir& dir, const std::string& file, const json& session) {
  SrtDelivery d;
  d.received = session.value("bytes_in", std::int64_t{-1});
  d.sent = mpegts_size(dir, file);
  BOOST_TEST(d.received <= d.sent, d.describe());
  BOOST_TEST(d.received >= d.sent - 64 * 1316, d.describe() << ": more than the end of the push was lost");
  if (d.received < d.sent) {
    d.tail_may_miss = kGop;
    BOOST_TEST_MESSAGE("SRT lost the end of the push on the way (" << d.describe()
                                                                   << "): the last GOP may be missing");
  }
  return d;
}

// Video packets of `input` whose pts differs from their dts (B-frames, composition offsets).
int reordered_packets(const std::string& input, int* total = nullptr) {
  const RunResult r = run({"ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts,dts",
                           "-of", "csv=p=0", input},
                          with_timeout(60s));
  BOOST_TEST_REQUIRE(r.code == 0, r.describe());
  int n = 0, all = 0;
  for (const auto& line : lines_of(r.out)) {
    const auto comma = line.find(',');
    if (comma == std::string::npos) continue;
    ++all;
    std::string pts = line.substr(0, comma), dts = line.substr(comma + 1);
    while (!dts.empty() && (dts.back() == ',' || dts.back() == ' ')) dts.pop_back();
    n += pts != dts;
  }
  if (total) *total = all;
  return n;
}

// The streams ffprobe finds, as "video:h264:320x240" / "audio:aac".
std::vector<std::string> stream_summary(const json& probe) {
  std::vector<std::string> out;
  for (const auto& s : probe["streams"]) {
    std::string t = s.value("codec_type", "?") + ":" + s.value("codec_name", "?");
    if (s.value("codec_type", "") == "video")
      t += ":" + std::to_string(s.value("width", 0)) + "x" + std::to_string(s.value("height", 0));
    out.push_back(t);
  }
  return out;
}

std::string attribute(const std::string& line, const std::string& name) {
  const auto at = line.find(name + "=");
  if (at == std::string::npos) return "";
  const std::size_t begin = at + name.size() + 1;
  if (line[begin] == '"') return line.substr(begin + 1, line.find('"', begin + 1) - begin - 1);
  return line.substr(begin, line.find(',', begin) - begin);
}

// The CODECS of a master playlist's first variant, split at the commas.
std::vector<std::string> master_codecs(const std::string& master) {
  const auto inf = playlist_lines(master, "#EXT-X-STREAM-INF:");
  if (inf.empty()) return {};
  std::vector<std::string> out;
  std::istringstream in(attribute(inf[0], "CODECS"));
  std::string codec;
  while (std::getline(in, codec, ',')) out.push_back(codec);
  return out;
}

// One listed segment of a media playlist and the tags before it.
struct Listed {
  std::string uri;
  double duration = 0;
  std::optional<std::int64_t> stated_time;  // EXT-X-PROGRAM-DATE-TIME, when given for it
  std::string map;                          // the EXT-X-MAP URI in effect
  bool discontinuity = false;
};

std::vector<Listed> listed_segments(const std::string& playlist) {
  std::vector<Listed> out;
  Listed next;
  std::string map;
  for (const auto& line : playlist_text::lines(playlist)) {
    if (line.starts_with("#EXT-X-MAP:")) map = attribute(line, "URI");
    else if (line == "#EXT-X-DISCONTINUITY") next.discontinuity = true;
    else if (line.starts_with("#EXT-X-PROGRAM-DATE-TIME:"))
      next.stated_time = parse_rfc3339(line.substr(std::string("#EXT-X-PROGRAM-DATE-TIME:").size()));
    else if (line.starts_with("#EXTINF:")) next.duration = std::stod(line.substr(8));
    else if (!line.empty() && line[0] != '#') {
      next.uri = line;
      next.map = map;
      out.push_back(std::exchange(next, Listed{}));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// A daemon with its lives and pushes.

struct RemuxDaemon {
  TempDir dir{"bvlive-remux"};
  std::unique_ptr<DaemonProcess> daemon;
  std::unique_ptr<Cli> cli;
  Ports ports;
  std::vector<std::unique_ptr<BackgroundProcess>> pushes;

  explicit RemuxDaemon(const std::string& config = "") {
    daemon = start_daemon(dir, config);
    cli = std::make_unique<Cli>(daemon->socket());
    ports = ports_of(*cli);
    BOOST_TEST_REQUIRE(ports.rtmp > 0);
    BOOST_TEST_REQUIRE(ports.srt > 0);
    BOOST_TEST_REQUIRE(ports.http > 0);
  }

  // A live taking RTMP and SRT pushes, LIVE (public) before any push; `dvr`: a DVR live
  // without a VOD, whose playlist lists every segment from the push's first on.
  std::string live(const std::string& name, bool dvr, std::vector<std::string> flags = {}) {
    std::vector<std::string> args = {"--json", "create", "--name", name, "--ingest", "rtmp,srt"};
    if (dvr) args.insert(args.end(), {"--broadcast-mode", "dvr", "--live-vod", "none"});
    args.insert(args.end(), flags.begin(), flags.end());
    const RunResult r = cli->run(args);
    REQUIRE_EXIT(r, 0);
    const std::string id = parse_out(r)["live"]["id"].get<std::string>();
    REQUIRE_EXIT(cli->run({"preview", id}), 0);
    REQUIRE_EXIT(cli->run({"start", id}), 0);
    return id;
  }

  std::string rtmp_url(const std::string& id) { return live_of(*cli, id)["urls"]["rtmp"].get<std::string>(); }
  // ffmpeg's srt:// takes the latency in microseconds. SRT's live mode drops what is still
  // unsent when the caller closes (linger 0): a linger lets ffmpeg's last packets go out,
  // so that the whole file reaches bvlived.
  std::string srt_url(const std::string& id) {
    return live_of(*cli, id)["urls"]["srt"].get<std::string>() + "&latency=120000&linger=3";
  }
  std::string http(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(ports.http) + path; }
  std::string master_url(const std::string& id) const { return http("/live/" + id + "/index.m3u8"); }
  std::string media_url(const std::string& id) const { return http("/live/" + id + "/media.m3u8"); }
  std::string media(const std::string& id) const { return http_get(media_url(id)).body; }

  BackgroundProcess& spawn(std::vector<std::string> argv, const std::string& name) {
    pushes.push_back(std::make_unique<BackgroundProcess>(std::move(argv), dir / (name + ".log")));
    return *pushes.back();
  }
  // rtmp_publish [options] FILE URL
  BackgroundProcess& publish(const std::string& id, const std::string& file, std::vector<std::string> options,
                             const std::string& name) {
    std::vector<std::string> argv = {RTMP_PUBLISH_BIN};
    argv.insert(argv.end(), options.begin(), options.end());
    argv.insert(argv.end(), {file, rtmp_url(id)});
    return spawn(argv, name);
  }
  // ffmpeg -re -i FILE [maps] -c copy -f FORMAT URL: an encoder that sends what it has as it is.
  BackgroundProcess& copy_push(const std::string& file, const std::string& url, const std::string& format,
                               const std::string& name, std::vector<std::string> maps = {"-map", "0"}) {
    std::vector<std::string> argv = {"ffmpeg", "-hide_banner", "-loglevel", "warning", "-nostdin", "-re", "-i", file};
    argv.insert(argv.end(), maps.begin(), maps.end());
    argv.insert(argv.end(), {"-c", "copy", "-f", format, url});
    return spawn(argv, name);
  }

  json sessions(const std::string& id) { return cli->json({"sessions", id})["sessions"]; }
  int segments_of(const std::string& id) {
    const json s = sessions(id);
    return s.empty() ? 0 : s[0].value("segments", 0);
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
    BOOST_TEST_REQUIRE(ok, "the session of " << id << " never reached " << state << "; sessions: " << last.dump(2)
                                             << "\npushes:\n" << push_logs() << "\ndaemon log:\n" << daemon->log());
    return last[0];
  }

  // Waits for `push` to exit by itself and the session of `id` to end; the session.
  json wait_push_done(const std::string& id, BackgroundProcess& push, Ms timeout = 40s) {
    const auto code = push.wait(timeout);
    BOOST_TEST_REQUIRE(code.has_value(), "the push to " << id << " did not finish:\n" << push.log());
    BOOST_TEST(*code == 0, "the push to " << id << " failed:\n" << push.log());
    return wait_session(id, "ENDED", 20s);
  }

  // `bvlive end`, then the media playlist is closed (EXT-X-ENDLIST): players read it whole.
  void end_live(const std::string& id) {
    REQUIRE_EXIT(cli->run({"end", id}), 0);
    std::string text;
    BOOST_TEST_REQUIRE(poll_until([&] { return contains(text = media(id), "#EXT-X-ENDLIST"); }, 10s, 100ms),
                       id << " has no EXT-X-ENDLIST after end:\n" << text);
  }

  // The daemon ran the whole case and stops cleanly (exit 0: no crash, no sanitizer report).
  void stop_cleanly() {
    for (auto& p : pushes) p->stop(SIGKILL, 5s);
    BOOST_TEST(daemon->running(), "bvlived died during the case:\n" << daemon->log());
    const int code = daemon->stop(20s);
    BOOST_TEST(code == 0, "bvlived exited with " << code << ":\n" << daemon->log());
  }

  std::string push_logs() const {
    std::string out;
    for (const auto& p : pushes) out += "--- push " + std::to_string(p->pid()) + ":\n" + p->log();
    return out;
  }
};

}  // namespace

// 1. A passthrough push over RTMP and one over SRT are packaged in bvlived itself: while
// their segments are listed the daemon has no child process at all. With
// `[media] remux = "ffmpeg"` the same push has its ffmpeg child (the old way, and proof that
// the check sees a child when there is one).
BOOST_AUTO_TEST_CASE(passthrough_pushes_run_no_child_process) {
  {
    RemuxDaemon d;
    const std::string over_rtmp = d.live("no child rtmp", false);
    const std::string over_srt = d.live("no child srt", false);
    d.spawn(encoder_argv(d.rtmp_url(over_rtmp), "flv", "320x240"), "rtmp");
    d.spawn(encoder_argv(d.srt_url(over_srt), "mpegts", "320x240"), "srt");
    d.wait_session(over_rtmp, "LIVE");
    d.wait_session(over_srt, "LIVE");
    BOOST_TEST(d.sessions(over_srt)[0]["protocol"] == "srt");
    const int rtmp_before = d.segments_of(over_rtmp), srt_before = d.segments_of(over_srt);
    std::vector<std::string> seen;
    int samples = 0;
    poll_until(
        [&] {
          ++samples;
          for (const auto& c : children_of(d.daemon->pid())) seen.push_back(c);
          return d.segments_of(over_rtmp) >= rtmp_before + 2 && d.segments_of(over_srt) >= srt_before + 2;
        },
        20s, 50ms);
    BOOST_TEST(d.segments_of(over_rtmp) >= rtmp_before + 2, "the RTMP push stopped making segments\n"
                                                                << d.daemon->log());
    BOOST_TEST(d.segments_of(over_srt) >= srt_before + 2, "the SRT push stopped making segments\n" << d.daemon->log());
    BOOST_TEST(samples >= 10);
    BOOST_TEST(seen.empty(), "bvlived had children during passthrough pushes: " << json(seen).dump());
    // Players get the stream all the same.
    check_h264_aac(ffprobe_streams(d.master_url(over_rtmp)), 320, 240);
    check_h264_aac(ffprobe_streams(d.master_url(over_srt)), 320, 240);
    BOOST_TEST(children_of(d.daemon->pid()).empty());
    d.stop_cleanly();
  }
  {
    RemuxDaemon d("[media]\nremux = \"ffmpeg\"\n");
    const std::string id = d.live("ffmpeg child", false);
    d.spawn(encoder_argv(d.rtmp_url(id), "flv", "320x240"), "rtmp");
    d.wait_session(id, "LIVE");
    std::vector<std::string> kids;
    const bool one = poll_until(
        [&] {
          kids = children_of(d.daemon->pid());
          return kids.size() == 1 && kids[0].ends_with(" ffmpeg");
        },
        10s, 100ms);
    BOOST_TEST(one, "with remux = \"ffmpeg\" the push should have its ffmpeg child; children: " << json(kids).dump());
    d.stop_cleanly();
  }
}

// 2. Frames sent are frames served: H.264 with B-frames and AAC, copied by ffmpeg into RTMP
// and into SRT, played back from the DVR playlist, frame for frame (md5 of each decoded
// frame), with their composition offsets kept.
BOOST_AUTO_TEST_CASE(frame_exact_with_b_frames_over_rtmp_and_srt) {
  const std::string file = source("h264");
  const std::vector<std::string> sent = frame_hashes(file);
  BOOST_TEST_REQUIRE(sent.size() == 150u);
  BOOST_TEST_REQUIRE(reordered_packets(file) > 0, "the source has no B-frames");

  RemuxDaemon d;
  const std::string over_rtmp = d.live("frames rtmp", true);
  const std::string over_srt = d.live("frames srt", true);
  auto& rtmp = d.copy_push(file, d.rtmp_url(over_rtmp), "flv", "rtmp");
  auto& srt = d.copy_push(file, d.srt_url(over_srt), "mpegts", "srt");
  d.wait_push_done(over_rtmp, rtmp);
  const json srt_session = d.wait_push_done(over_srt, srt);
  d.end_live(over_rtmp);
  d.end_live(over_srt);
  const SrtDelivery srt_got = srt_delivery(d.dir, file, srt_session);

  struct Push {
    std::string id, what;
    std::size_t tail_may_miss;
  };
  for (const auto& p : {Push{over_rtmp, "RTMP", 0}, Push{over_srt, "SRT (" + srt_got.describe() + ")",
                                                             srt_got.tail_may_miss}}) {
    const std::string& id = p.id;
    BOOST_TEST_CONTEXT(p.what << " push, " << d.media_url(id)) {
      const std::string playlist = d.media(id);
      BOOST_TEST(count_lines(playlist, "#EXT-X-DISCONTINUITY") == 0u, playlist);
      check_same_frames(sent, frame_hashes(d.media_url(id)), p.what, p.tail_may_miss);
      int total = 0;
      const int reordered = reordered_packets(d.media_url(id), &total);
      BOOST_TEST((total <= static_cast<int>(sent.size()) &&
                  total + static_cast<int>(p.tail_may_miss) >= static_cast<int>(sent.size())),
                 total << " video packets served\n" << playlist);
      BOOST_TEST(reordered > 0, "no served video packet has pts != dts: the B-frames' composition offsets are lost");
      check_h264_aac(ffprobe_streams(d.media_url(id)), 320, 240);
    }
  }
  BOOST_TEST(children_of(d.daemon->pid()).empty());
  d.stop_cleanly();
}

// 3. Audio only and video only: the playlist carries exactly that stream, and the master
// playlist names only its codec.
BOOST_AUTO_TEST_CASE(audio_only_and_video_only_pushes) {
  const std::string file = source("h264");
  RemuxDaemon d;
  struct Case {
    std::string name, type, codec_prefix;
    std::string id;
    BackgroundProcess* push = nullptr;
  };
  std::vector<Case> cases = {{"audio only over RTMP", "audio", "mp4a.40.", "", nullptr},
                             {"video only over RTMP", "video", "avc1.", "", nullptr},
                             {"audio only over SRT", "audio", "mp4a.40.", "", nullptr}};
  for (auto& c : cases) c.id = d.live(c.name, true);
  cases[0].push = &d.publish(cases[0].id, file, {"--realtime", "--no-video"}, "audio-rtmp");
  cases[1].push = &d.publish(cases[1].id, file, {"--realtime", "--no-audio"}, "video-rtmp");
  cases[2].push = &d.copy_push(file, d.srt_url(cases[2].id), "mpegts", "audio-srt", {"-map", "0:a"});
  for (auto& c : cases) {
    BOOST_TEST_CONTEXT(c.name) {
      d.wait_session(c.id, "LIVE");
      BOOST_TEST_REQUIRE(poll_until([&] { return playlist_uris(d.media(c.id)).size() >= 2; }, 20s, 200ms),
                         d.media(c.id) << d.daemon->log());
      const HttpReply master = http_get(d.master_url(c.id));
      BOOST_TEST_REQUIRE(master.status == 200, master.describe());
      const auto codecs = master_codecs(master.body);
      BOOST_TEST(codecs.size() == 1u, master.body);
      BOOST_TEST((!codecs.empty() && codecs[0].starts_with(c.codec_prefix)), master.body);
    }
  }
  for (auto& c : cases) {
    BOOST_TEST_CONTEXT(c.name) {
      d.wait_push_done(c.id, *c.push);
      d.end_live(c.id);
      const json probe = ffprobe_streams(d.media_url(c.id));
      const auto streams = stream_summary(probe);
      BOOST_TEST_REQUIRE(streams.size() == 1u, json(streams).dump());
      BOOST_TEST(streams[0] == (c.type == "audio" ? std::string("audio:aac") : std::string("video:h264:320x240")),
                 json(streams).dump());
      BOOST_TEST(playlist_duration(d.media(c.id)) >= 5.0, d.media(c.id));
    }
  }
  d.stop_cleanly();
}

// 4. The encoder changes its configuration in the middle of a push (320x240 High, then
// 640x360 Baseline): a second init segment, a discontinuity before it, both served, and the
// segments after it are 640x360.
BOOST_AUTO_TEST_CASE(configuration_change_mid_push_makes_a_new_init_segment) {
  const std::string first = source("h264"), second = source("h264_b");
  RemuxDaemon d;
  const std::string id = d.live("config change", true);
  auto& push = d.publish(id, first, {"--then", second}, "then");
  const json session = d.wait_push_done(id, push);
  const std::string session_id = session["id"].get<std::string>();

  const std::string playlist = d.media(id);
  const auto maps = playlist_lines(playlist, "#EXT-X-MAP:");
  BOOST_TEST_REQUIRE(maps.size() == 2u, playlist);
  BOOST_TEST(attribute(maps[0], "URI") == session_id + "/init.mp4", playlist);
  BOOST_TEST(attribute(maps[1], "URI") == session_id + "/init-2.mp4", playlist);
  // The discontinuity comes right before the new map, and only there.
  const auto all_lines = playlist_text::lines(playlist);
  const auto at = std::find(all_lines.begin(), all_lines.end(), maps[1]);
  BOOST_TEST_REQUIRE((at != all_lines.begin() && at != all_lines.end()));
  BOOST_TEST(*(at - 1) == "#EXT-X-DISCONTINUITY", playlist);
  BOOST_TEST(count_lines(playlist, "#EXT-X-DISCONTINUITY") == 1u, playlist);

  const auto segments = listed_segments(playlist);
  BOOST_TEST_REQUIRE(segments.size() >= 4u, playlist);
  const std::string base = d.http("/live/" + id + "/");
  for (const auto& init : {session_id + "/init.mp4", session_id + "/init-2.mp4"}) {
    const HttpReply r = http_get(base + init);
    BOOST_TEST(r.status == 200, init << r.describe());
    BOOST_TEST(first_box(r.body) == "ftyp", init);
  }
  // A segment with its init segment, as a player joins: before the change and after it.
  auto probe_piece = [&](const Listed& s, const std::string& name) {
    const std::string piece = d.dir / name;
    {
      std::ofstream out(piece, std::ios::binary);
      out << http_get(base + s.map).body << http_get(base + s.uri).body;
    }
    return stream_summary(ffprobe_streams(piece));
  };
  const auto before = probe_piece(segments.front(), "before.mp4");
  const auto after = probe_piece(segments.back(), "after.mp4");
  BOOST_TEST(segments.front().map == session_id + "/init.mp4");
  BOOST_TEST(segments.back().map == session_id + "/init-2.mp4");
  BOOST_TEST((std::find(before.begin(), before.end(), "video:h264:320x240") != before.end()), json(before).dump());
  BOOST_TEST((std::find(after.begin(), after.end(), "video:h264:640x360") != after.end()), json(after).dump());
  BOOST_TEST((std::find(after.begin(), after.end(), "audio:aac") != after.end()), json(after).dump());
  // Six seconds of the first file and four of the second are listed.
  double first_part = 0, second_part = 0;
  for (const auto& s : segments) (s.map.ends_with("/init.mp4") ? first_part : second_part) += s.duration;
  BOOST_TEST(std::abs(first_part - 6.0) < 0.5, playlist);
  BOOST_TEST(std::abs(second_part - 4.0) < 0.5, playlist);
  // The host sees why.
  const std::string events = events_of(*d.cli, id).dump();
  BOOST_TEST(contains(events, "new init segment init-2.mp4"), events);
  d.stop_cleanly();
}

// 5. RTMP timestamps that wrap at 2^32 ms, or jump back or far ahead, in the middle of a
// push: segments keep coming with sane durations on a continuous wall clock, and the whole
// recording decodes without an error.
BOOST_AUTO_TEST_CASE(timestamp_wrap_and_jumps_keep_a_continuous_timeline) {
  const std::string file = source("h264");
  const std::vector<std::string> sent = frame_hashes(file);
  RemuxDaemon d;
  struct Case {
    std::string name;
    std::vector<std::string> options;
    std::string id;
    BackgroundProcess* push = nullptr;
  };
  std::vector<Case> cases = {
      {"32-bit wrap 4.3 s in", {"--timestamp-offset", "4294963000"}, "", nullptr},
      {"jump back 1.5 s at 2 s", {"--jump-after-ms", "2000:-1500"}, "", nullptr},
      {"jump ahead 10 min at 2 s", {"--jump-after-ms", "2000:600000"}, "", nullptr},
  };
  for (auto& c : cases) c.id = d.live(c.name, true);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    auto options = cases[i].options;
    options.push_back("--realtime");
    cases[i].push = &d.publish(cases[i].id, file, options, "ts" + std::to_string(i));
  }
  // Segments keep being listed while the pushes run (a 2 s segment closes at the keyframe
  // after it): the one after the jumps at 2 s before the push ends.
  std::vector<std::size_t> while_running(cases.size(), 0);
  poll_until(
      [&] {
        bool running = false;
        for (std::size_t i = 0; i < cases.size(); ++i) {
          if (!cases[i].push->running()) continue;
          running = true;
          while_running[i] = std::max(while_running[i], playlist_uris(d.media(cases[i].id)).size());
        }
        return !running;
      },
      30s, 200ms);
  for (auto& c : cases) {
    BOOST_TEST_CONTEXT(c.name) {
      d.wait_push_done(c.id, *c.push);
      const std::string playlist = d.media(c.id);
      const auto segments = listed_segments(playlist);
      BOOST_TEST(segments.size() >= 3u, playlist << d.daemon->log());
      BOOST_TEST(count_lines(playlist, "#EXT-X-DISCONTINUITY") == 0u, playlist);
      BOOST_TEST(playlist_lines(playlist, "#EXT-X-MAP:").size() == 1u, playlist);
      double total = 0, elapsed_since_stated = 0;
      std::optional<std::int64_t> last_stated;
      for (std::size_t k = 0; k < segments.size(); ++k) {
        const Listed& s = segments[k];
        const bool last = k + 1 == segments.size();
        BOOST_TEST((s.duration <= 3 * kSegmentTarget && (last ? s.duration > 0 : s.duration >= 0.5)),
                   "segment " << s.uri << " lasts " << s.duration << " s\n" << playlist);
        if (s.stated_time) {
          // A time stated again must be where the durations before it lead.
          if (last_stated)
            BOOST_TEST(std::llabs(*s.stated_time - (*last_stated + std::llround(elapsed_since_stated * 1000))) <= 100,
                       "EXT-X-PROGRAM-DATE-TIME jumps before " << s.uri << "\n" << playlist);
          last_stated = s.stated_time;
          elapsed_since_stated = 0;
        }
        BOOST_TEST_REQUIRE(last_stated.has_value(), "no EXT-X-PROGRAM-DATE-TIME before the first segment\n"
                                                        << playlist);
        elapsed_since_stated += s.duration;
        total += s.duration;
      }
      BOOST_TEST(std::abs(total - 6.0) < 0.6, "6 s pushed, " << total << " s listed\n" << playlist);
      BOOST_TEST(while_running[static_cast<std::size_t>(&c - &cases[0])] >= 2u,
                 "segments stopped being listed while the push ran\n" << playlist);
      d.end_live(c.id);
      const RunResult decode = run({"ffmpeg", "-hide_banner", "-nostdin", "-nostats", "-v", "error", "-i",
                                    d.media_url(c.id), "-f", "null", "-"},
                                   with_timeout(60s));
      BOOST_TEST(decode.code == 0, decode.describe());
      BOOST_TEST(decode.err.empty(), "decoding the recording reported errors:" << decode.describe());
      check_same_frames(sent, frame_hashes(d.media_url(c.id)), c.name);
    }
  }
  d.stop_cleanly();
}

// 6. A damaged video frame ends that push (its session in ERROR with a reason naming the
// frame, the encoder disconnected) and nothing else: another live's push goes on.
BOOST_AUTO_TEST_CASE(garbage_ends_only_its_own_push) {
  const std::string file = source("h264");
  RemuxDaemon d;
  const std::string damaged = d.live("damaged", false);
  const std::string healthy = d.live("healthy", false);
  d.publish(healthy, file, {"--realtime", "--loop", "20"}, "healthy");
  d.wait_session(healthy, "LIVE");
  auto& bad = d.publish(damaged, file, {"--realtime", "--loop", "5", "--garbage-after-ms", "2000"}, "damaged");
  const auto pushed_at = std::chrono::steady_clock::now();
  const json ended = d.wait_session(damaged, "ENDED", 30s);
  const std::string reason = ended.value("end_reason", "");
  BOOST_TEST(contains(reason, "damaged video frame"), ended.dump(2));
  // "rtmp_publish: sending a garbage video message (nal, 92 bytes) at timestamp 2000"
  const std::string said = bad.log();
  const auto stamp_at = said.find("garbage video message");
  BOOST_TEST_REQUIRE(stamp_at != std::string::npos, said);
  const std::string stamp = first_line(said.substr(said.find("at timestamp ", stamp_at) + 13));
  BOOST_TEST(contains(reason, "timestamp " + stamp + " ms"), "the reason does not name the frame at " << stamp
                                                                 << " ms: " << ended.dump(2));
  const json events = events_of(*d.cli, damaged);
  const std::string error_event = "session " + ended["id"].get<std::string>() + ": ERROR (";
  bool saw_error = false;
  for (const auto& e : events)
    if (contains(e.value("detail", ""), error_event) && contains(e.value("detail", ""), "damaged video frame"))
      saw_error = true;
  BOOST_TEST(saw_error, "no ERROR event naming the damaged frame: " << events.dump(2));
  // The server closed the connection: rtmp_publish gives up long before its 30 s of media.
  const auto code = bad.wait(15s);
  BOOST_TEST_REQUIRE(code.has_value(), "rtmp_publish still connected after its session failed:\n" << bad.log());
  BOOST_TEST(*code == 1, bad.log());
  const bool quick = std::chrono::steady_clock::now() - pushed_at < 20s;
  BOOST_TEST(quick, "rtmp_publish was not disconnected within 20 s");
  BOOST_TEST(mentions(bad.log(), {"closed by server", "connection lost", "connection error", "server refused"}), bad.log());

  // The other push is untouched: the same session, still making segments.
  const int before = d.segments_of(healthy);
  BOOST_TEST(poll_until([&] { return d.segments_of(healthy) >= before + 2; }, 15s, 200ms),
             "the healthy live stopped making segments:\n" << d.daemon->log());
  const json h = d.sessions(healthy);
  BOOST_TEST(h.size() == 1u, h.dump(2));
  BOOST_TEST(h[0]["state"] == "LIVE", h.dump(2));
  CHECK_EXIT(d.cli->run({"status"}), 0);
  BOOST_TEST(d.daemon->running());
  d.stop_cleanly();
}

// 7. Enhanced RTMP: HEVC and AV1 pushed with rtmp_publish (and HEVC over SRT) become hvc1 /
// av01 fMP4 that players decode, with the codec named in the master playlist.
BOOST_AUTO_TEST_CASE(enhanced_rtmp_hevc_and_av1_and_hevc_over_srt) {
  const std::string hevc = source("hevc"), av1 = source("av1");
  RemuxDaemon d;
  struct Case {
    std::string name, file, sample_entry, codec_name;
    std::string id;
    BackgroundProcess* push = nullptr;
  };
  std::vector<Case> cases = {{"HEVC over Enhanced RTMP", hevc, "hvc1", "hevc", "", nullptr},
                             {"AV1 over Enhanced RTMP", av1, "av01", "av1", "", nullptr},
                             {"HEVC over SRT", hevc, "hvc1", "hevc", "", nullptr}};
  for (auto& c : cases) c.id = d.live(c.name, true);
  cases[0].push = &d.publish(cases[0].id, hevc, {"--realtime"}, "hevc-rtmp");
  cases[1].push = &d.publish(cases[1].id, av1, {"--realtime"}, "av1-rtmp");
  cases[2].push = &d.copy_push(hevc, d.srt_url(cases[2].id), "mpegts", "hevc-srt");
  for (auto& c : cases) {
    BOOST_TEST_CONTEXT(c.name) {
      const json session = d.wait_push_done(c.id, *c.push);
      std::string what = c.name;
      std::size_t tail_may_miss = 0;
      if (contains(c.name, "SRT")) {
        const SrtDelivery got = srt_delivery(d.dir, c.file, session);
        what += " (" + got.describe() + ")";
        tail_may_miss = got.tail_may_miss;
      }
      const HttpReply master = http_get(d.master_url(c.id));
      BOOST_TEST_REQUIRE(master.status == 200, master.describe());
      const auto codecs = master_codecs(master.body);
      BOOST_TEST_REQUIRE(!codecs.empty(), master.body);
      BOOST_TEST(codecs[0].starts_with(c.sample_entry + "."), master.body);
      BOOST_TEST((codecs.size() == 2u && codecs[1].starts_with("mp4a.40.")), master.body);
      const auto maps = playlist_lines(d.media(c.id), "#EXT-X-MAP:");
      BOOST_TEST_REQUIRE(!maps.empty(), d.media(c.id));
      const HttpReply init = http_get(d.http("/live/" + c.id + "/" + attribute(maps[0], "URI")));
      BOOST_TEST_REQUIRE(init.status == 200, init.describe());
      BOOST_TEST(contains(init.body, c.sample_entry), "no " << c.sample_entry << " sample entry in the init segment");
      d.end_live(c.id);
      const auto streams = stream_summary(ffprobe_streams(d.media_url(c.id)));
      BOOST_TEST((streams.size() == 2u &&
                  std::find(streams.begin(), streams.end(), "video:" + c.codec_name + ":320x240") != streams.end() &&
                  std::find(streams.begin(), streams.end(), "audio:aac") != streams.end()),
                 json(streams).dump());
      const auto sent = frame_hashes(c.file);
      const auto served = frame_hashes(d.media_url(c.id));
      BOOST_TEST(served.size() + std::max<std::size_t>(2, tail_may_miss) >= sent.size(),
                 what << ": " << served.size() << " frames served of " << sent.size() << " sent");
      BOOST_TEST(served.size() <= sent.size(), served.size() << " frames served of " << sent.size() << " sent");
      check_same_frames(sent, served, what, tail_may_miss);
    }
  }
  d.stop_cleanly();
}

// 8. LL-HLS over the in-process packager: parts with a PART-TARGET, a segment made of its
// parts, the rules of the spec kept, and a stream players decode.
BOOST_AUTO_TEST_CASE(ll_hls_parts_from_the_in_process_packager) {
  const std::string file = source("h264");
  RemuxDaemon d("[media]\nlive_window = 12\nkeep_segments = 24\n");
  const std::string id = d.live("ull", false, {"--ull"});
  d.publish(id, file, {"--realtime", "--loop", "20"}, "ull");
  const std::string media_url = d.media_url(id);
  BOOST_TEST_REQUIRE(poll_until([&] { return ll_hls_summary(d.media(id)).open_parts > 0; }, 40s, 200ms),
                     "no open part listed:\n" << d.media(id) << d.daemon->log());
  // Over a few seconds of playlists, as a player polls them.
  std::size_t segments_checked = 0;
  for (int i = 0; i < 5; ++i) {
    const HttpReply m = http_get(media_url);
    BOOST_TEST_REQUIRE(m.status == 200, m.describe());
    const auto violations = ll_hls_violations(m.body);
    BOOST_TEST(violations.empty(), joined(violations) << "\n" << m.body);
    const auto inf = playlist_lines(m.body, "#EXT-X-PART-INF:");
    BOOST_TEST_REQUIRE(inf.size() == 1u, m.body);
    const double part_target = std::stod(attribute(inf[0], "PART-TARGET"));
    BOOST_TEST((part_target >= 0.2 && part_target <= 0.3334), inf[0]);
    // A segment whose parts are listed is exactly those parts.
    std::vector<std::string> pending;
    for (const auto& line : playlist_text::lines(m.body)) {
      if (line.starts_with("#EXT-X-PART:")) {
        pending.push_back(attribute(line, "URI"));
      } else if (!line.empty() && line[0] != '#') {
        if (!pending.empty()) {
          std::string joined_parts;
          for (const auto& p : pending) {
            const HttpReply part = http_get(d.http("/live/" + id + "/" + p));
            BOOST_TEST_REQUIRE(part.status == 200, p << part.describe());
            joined_parts += part.body;
          }
          const HttpReply whole = http_get(d.http("/live/" + id + "/" + line));
          BOOST_TEST_REQUIRE(whole.status == 200, whole.describe());
          BOOST_TEST((whole.body == joined_parts), line << " is not the concatenation of its " << pending.size()
                                                        << " parts");
          ++segments_checked;
        }
        pending.clear();
      }
    }
    sleep_for(700ms);
  }
  BOOST_TEST(segments_checked >= 5u);
  check_h264_aac(ffprobe_streams(d.master_url(id)), 320, 240);
  BOOST_TEST(children_of(d.daemon->pid()).empty(), json(children_of(d.daemon->pid())).dump());
  d.stop_cleanly();
}
