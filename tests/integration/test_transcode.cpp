// Transcoding with real processes (issue 6): ffmpeg pushes over RTMP, bvlived's packager
// scales the source to the live's resolution tier, makes an ABR ladder of aligned
// renditions, and draws a watermark before scaling; a plain HTTP client, ffprobe and an
// ffmpeg frame grab read the result the way a player (or a viewer's eye) would.
#define BOOST_TEST_MODULE transcode
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
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

// ultrafast: CI's two cores keep a 1080p ladder in real time.
const char* const kConfig = "[transcode]\npreset = \"ultrafast\"\n";

// The attributes of one #EXT-X-STREAM-INF line (quoted values unquoted) and its URI.
struct StreamInf {
  std::map<std::string, std::string> attrs;
  std::string uri;
  std::string attr(const std::string& name) const {
    const auto it = attrs.find(name);
    return it == attrs.end() ? "" : it->second;
  }
};

std::vector<StreamInf> variants_of(const std::string& master) {
  std::vector<StreamInf> out;
  const std::string tag = "#EXT-X-STREAM-INF:";
  std::size_t pos = 0;
  while ((pos = master.find(tag, pos)) != std::string::npos) {
    const std::size_t eol = master.find('\n', pos);
    const std::string list = master.substr(pos + tag.size(), eol - pos - tag.size());
    StreamInf v;
    for (std::size_t i = 0; i < list.size();) {
      const std::size_t eq = list.find('=', i);
      if (eq == std::string::npos) break;
      const std::string name = list.substr(i, eq - i);
      std::string value;
      std::size_t next;
      if (eq + 1 < list.size() && list[eq + 1] == '"') {
        const std::size_t close = list.find('"', eq + 2);
        value = list.substr(eq + 2, close - eq - 2);
        next = close == std::string::npos ? list.size() : close + 1;
      } else {
        next = std::min(list.find(',', eq), list.size());
        value = list.substr(eq + 1, next - eq - 1);
      }
      v.attrs[name] = value;
      i = next < list.size() && list[next] == ',' ? next + 1 : next;
    }
    const std::size_t uri_end = master.find('\n', eol + 1);
    if (eol != std::string::npos) v.uri = master.substr(eol + 1, uri_end - eol - 1);
    if (!v.uri.empty() && v.uri.back() == '\r') v.uri.pop_back();
    out.push_back(std::move(v));
    pos = eol == std::string::npos ? master.size() : eol;
  }
  return out;
}

long media_sequence(const std::string& playlist) {
  const auto lines = playlist_lines(playlist, "#EXT-X-MEDIA-SEQUENCE:");
  return lines.size() == 1 ? std::stol(lines[0].substr(22)) : -1;
}

std::vector<double> extinf_durations(const std::string& playlist) {
  std::vector<double> out;
  for (const auto& line : playlist_lines(playlist, "#EXTINF:")) out.push_back(std::stod(line.substr(8)));
  return out;
}

// One decoded RGB frame.
struct Frame {
  int width = 0, height = 0;
  std::string rgb;  // rgb24, row after row

  // Mean R, G, B over x in [x0, x1), y in [y0, y1).
  std::array<double, 3> mean(int x0, int y0, int x1, int y1) const {
    std::array<double, 3> sum{0, 0, 0};
    for (int y = y0; y < y1; ++y)
      for (int x = x0; x < x1; ++x)
        for (int c = 0; c < 3; ++c)
          sum[c] += static_cast<unsigned char>(rgb[(static_cast<std::size_t>(y) * width + x) * 3 + c]);
    const double n = static_cast<double>(x1 - x0) * (y1 - y0);
    return {sum[0] / n, sum[1] / n, sum[2] / n};
  }
};

std::string rgb_text(const std::array<double, 3>& c) {
  return "rgb(" + std::to_string(std::lround(c[0])) + ", " + std::to_string(std::lround(c[1])) + ", " +
         std::to_string(std::lround(c[2])) + ")";
}

bool is_blue(const std::array<double, 3>& c) { return c[2] > 190 && c[0] < 70 && c[1] < 70; }
bool is_gray(const std::array<double, 3>& c) {
  return std::all_of(c.begin(), c.end(), [](double v) { return v > 105 && v < 150; }) &&
         std::abs(c[0] - c[2]) < 20 && std::abs(c[1] - c[2]) < 20;
}

struct TranscodeFixture {
  TempDir dir{"bvlive-transcode"};
  std::unique_ptr<DaemonProcess> daemon = start_daemon(dir, kConfig);
  Cli cli{daemon->socket()};
  Ports ports = ports_of(cli);
  std::vector<std::unique_ptr<BackgroundProcess>> encoders;

  std::string http(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(ports.http) + path; }
  std::string url(const std::string& id, const std::string& file) const { return http("/live/" + id + "/" + file); }
  json sessions(const std::string& id) { return cli.json({"sessions", id})["sessions"]; }

  // Creates a live from `flags` (or from a create body when `body` is not null) and
  // puts it in preview; returns its id.
  std::string preview_live(std::vector<std::string> flags, const json& body = nullptr) {
    RunResult r;
    if (body.is_null()) {
      flags.insert(flags.begin(), {"--json", "create"});
      r = cli.run(flags);
    } else {
      const std::string path = dir / ("body" + std::to_string(bodies_++) + ".json");
      write_file(path, body.dump());
      r = cli.run({"--json", "create", "-f", path});
    }
    REQUIRE_EXIT(r, 0);
    const std::string id = parse_out(r)["live"]["id"].get<std::string>();
    REQUIRE_EXIT(cli.run({"preview", id}), 0);
    return id;
  }

  // A test pattern of `size` pushed over RTMP in real time until the test ends.
  void push(const std::string& id, const std::string& size) {
    const std::string rtmp = live_of(cli, id)["urls"]["rtmp"].get<std::string>();
    encoders.push_back(std::make_unique<BackgroundProcess>(
        encoder_argv(rtmp, "flv", size), dir / ("encoder" + std::to_string(encoders.size()) + ".log")));
  }

  // A flat gray `size` picture with a sine, pushed over RTMP in real time until the test ends.
  void push_gray(const std::string& id, const std::string& size) {
    const std::string rtmp = live_of(cli, id)["urls"]["rtmp"].get<std::string>();
    encoders.push_back(std::make_unique<BackgroundProcess>(
        std::vector<std::string>{"ffmpeg", "-hide_banner", "-loglevel", "warning", "-nostdin", "-re",
                                 "-f", "lavfi", "-i", "color=c=gray:size=" + size + ":rate=25",
                                 "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000",
                                 "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25",
                                 "-keyint_min", "25", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k",
                                 "-f", "flv", rtmp},
        dir / ("encoder" + std::to_string(encoders.size()) + ".log")));
  }

  // Waits for the pushed session to be LIVE, starts the live, and waits until its public
  // master lists `variants` variants whose media playlists have at least `segments` segments.
  // Returns the session's id.
  std::string go_live(const std::string& id, std::size_t variants, std::size_t segments = 2) {
    json last;
    const bool live = poll_until(
        [&] {
          last = sessions(id);
          return !last.empty() && last[0]["state"] == "LIVE";
        },
        40s, 250ms);
    BOOST_TEST_REQUIRE(live, "the session of " << id << " never became LIVE; sessions: " << last.dump(2)
                                               << "\nencoder: " << encoders.back()->log() << "\ndaemon log:\n"
                                               << daemon->log());
    const std::string session = last[0]["id"].get<std::string>();
    REQUIRE_EXIT(cli.run({"start", id}), 0);
    HttpReply master;
    const bool ready = poll_until(
        [&] {
          master = http_get(url(id, "index.m3u8"));
          if (master.status != 200) return false;
          const auto vs = variants_of(master.body);
          if (vs.size() != variants) return false;
          for (const auto& v : vs)
            if (playlist_uris(http_get(url(id, v.uri)).body).size() < segments) return false;
          return true;
        },
        40s, 250ms);
    BOOST_TEST_REQUIRE(ready, "the master of " << id << " never listed " << variants << " variants with " << segments
                                               << " segments each:" << master.describe() << "\nsessions: "
                                               << sessions(id).dump(2) << "\ndaemon log:\n"
                                               << daemon->log());
    return session;
  }

  // The event details of `id` that concern `session`, one per line.
  std::string session_events(const std::string& id, const std::string& session) {
    std::string out;
    for (const auto& e : events_of(cli, id)) {
      const std::string text = e.dump();
      if (contains(text, session)) out += text + "\n";
    }
    return out;
  }

  // The first video frame ffmpeg decodes from `playlist_url`, as RGB.
  Frame grab_frame(const std::string& playlist_url, int width, int height) {
    const std::string raw = dir / ("frame" + std::to_string(frames_++) + ".rgb");
    const RunResult r = run({"ffmpeg", "-hide_banner", "-v", "error", "-nostdin", "-y", "-i", playlist_url, "-map",
                             "0:v:0", "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", raw},
                            with_timeout(30s));
    BOOST_TEST_REQUIRE(r.code == 0, "ffmpeg could not decode a frame of " << playlist_url << r.describe());
    Frame f{width, height, read_file(raw)};
    BOOST_TEST_REQUIRE(f.rgb.size() == static_cast<std::size_t>(width) * height * 3,
                       playlist_url << ": expected one " << width << "x" << height << " frame, got " << f.rgb.size()
                                    << " bytes");
    return f;
  }

 private:
  int frames_ = 0;
  int bodies_ = 0;
};

// The mark's rectangle, inset by `inset` px, must be blue; the same rectangle mirrored into
// the other three corners must be the gray of the source.
void check_mark_bottom_left(const Frame& f, int x0, int y0, int x1, int y1, int inset, const std::string& what) {
  const int ax = x0 + inset, ay = y0 + inset, bx = x1 - inset, by = y1 - inset;
  const auto mark = f.mean(ax, ay, bx, by);
  BOOST_TEST(is_blue(mark), what << ": the watermark at (" << ax << "," << ay << ")-(" << bx << "," << by
                                 << ") is " << rgb_text(mark) << ", not blue");
  const int W = f.width, H = f.height;
  const std::vector<std::pair<std::string, std::array<int, 4>>> others = {
      {"top-left", {ax, H - by, bx, H - ay}},
      {"top-right", {W - bx, H - by, W - ax, H - ay}},
      {"bottom-right", {W - bx, ay, W - ax, by}},
  };
  for (const auto& [corner, r] : others) {
    const auto c = f.mean(r[0], r[1], r[2], r[3]);
    BOOST_TEST(is_gray(c), what << ": the " << corner << " corner (" << r[0] << "," << r[1] << ")-(" << r[2] << ","
                                << r[3] << ") is " << rgb_text(c) << ", not the source's gray");
  }
}

}  // namespace

// A 1080p live with ABR: the 1080p source is copied and 720p, 480p, 360p are encoded from
// it; the master lists all four, each playable at its size, cut at the same points.
BOOST_FIXTURE_TEST_CASE(abr_ladder_of_a_1080p_live, TranscodeFixture) {
  const std::string id = preview_live({"--name", "Ladder", "--resolution", "1080p", "--abr"});
  BOOST_TEST(live_of(cli, id)["abr_enabled"] == true);
  push(id, "1920x1080");
  const std::string session = go_live(id, 4, 3);

  const HttpReply master = http_get(url(id, "index.m3u8"));
  const auto variants = variants_of(master.body);
  BOOST_TEST_REQUIRE(variants.size() == 4u, master.describe());
  const std::vector<std::pair<std::string, std::pair<int, int>>> expected = {
      {"1080p", {1920, 1080}}, {"720p", {1280, 720}}, {"480p", {854, 480}}, {"360p", {640, 360}}};
  std::vector<std::string> playlists;
  for (std::size_t i = 0; i < variants.size(); ++i) {
    const auto& v = variants[i];
    const auto& [name, size] = expected[i];
    const std::string resolution = std::to_string(size.first) + "x" + std::to_string(size.second);
    BOOST_TEST(v.attrs.count("BANDWIDTH") == 1u, name << master.describe());
    BOOST_TEST(v.attrs.count("AVERAGE-BANDWIDTH") == 1u, name << master.describe());
    if (v.attrs.count("BANDWIDTH")) BOOST_TEST(std::stol(v.attrs.at("BANDWIDTH")) > 1, name << master.describe());
    BOOST_TEST(v.attrs.count("RESOLUTION") == 1u, name << master.describe());
    if (v.attrs.count("RESOLUTION")) BOOST_TEST(v.attrs.at("RESOLUTION") == resolution, master.describe());
    BOOST_TEST(v.attrs.count("FRAME-RATE") == 1u, name << master.describe());
    if (v.attrs.count("FRAME-RATE")) BOOST_TEST(std::stod(v.attrs.at("FRAME-RATE")) == 25.0, master.describe());
    BOOST_TEST(v.attrs.count("CODECS") == 1u, name << master.describe());
    if (v.attrs.count("CODECS")) {
      BOOST_TEST(contains(v.attrs.at("CODECS"), "avc1."), master.describe());
      BOOST_TEST(contains(v.attrs.at("CODECS"), "mp4a."), master.describe());
    }
    BOOST_TEST(v.uri == "media_" + name + ".m3u8", master.describe());
    check_h264_aac(ffprobe_streams(url(id, v.uri)), size.first, size.second);
  }
  // The master itself plays the top variant; media.m3u8 is the top rendition.
  check_h264_aac(ffprobe_streams(url(id, "media.m3u8")), 1920, 1080);

  // Aligned: a segment of a given media sequence number lasts as long in every rendition
  // and each rendition lists its own files. The encoded rungs may trail the copied one by a
  // segment or two (encoding takes time, most on a loaded machine), so renditions are
  // compared on the sequence numbers they share, not on their lengths.
  std::vector<HttpReply> media(variants.size());
  for (std::size_t i = 0; i < variants.size(); ++i) media[i] = http_get(url(id, variants[i].uri));
  std::string all_text;
  for (std::size_t i = 0; i < media.size(); ++i) all_text += "\n--- " + variants[i].uri + media[i].describe();
  const auto by_sequence = [](const std::string& playlist) {
    std::map<long, double> seqs;
    long seq = media_sequence(playlist);
    for (double d : extinf_durations(playlist)) seqs[seq++] = d;
    return seqs;
  };
  const auto top = by_sequence(media[0].body);
  BOOST_TEST_REQUIRE(top.size() >= 3u, all_text);
  for (std::size_t i = 1; i < media.size(); ++i) {
    const auto rung = by_sequence(media[i].body);
    std::size_t shared = 0;
    for (const auto& [seq, d] : rung) {
      if (!top.count(seq)) continue;
      ++shared;
      BOOST_TEST(std::abs(d - top.at(seq)) <= 0.1,
                 variants[i].uri << " segment " << seq << " lasts " << d << " s, the top's " << top.at(seq) << all_text);
    }
    BOOST_TEST(shared >= 2u, variants[i].uri << " shares " << shared << " segments with the top rendition" << all_text);
    BOOST_TEST(!rung.empty(), all_text);
    if (!rung.empty())
      BOOST_TEST(top.rbegin()->first - rung.rbegin()->first <= 2,
                 variants[i].uri << " trails the top rendition by more than two segments" << all_text);
    // Its own segments, not the top's standing in.
    for (const auto& uri : playlist_uris(media[i].body))
      BOOST_TEST(contains(uri, expected[i].first), variants[i].uri << " lists " << uri << all_text);
  }

  const std::string events = session_events(id, session);
  for (const char* rung : {"720p 2800k", "480p 1400k", "360p 800k"})
    BOOST_TEST(contains(events, rung), "no \"" << rung << "\" in the session's events:\n" << events);
}

// A source above the live's tier is scaled down to it (after a restart once ffmpeg has
// measured it); one that fits is passed through as it is.
BOOST_FIXTURE_TEST_CASE(resolution_tier_scales_down_and_passes_through, TranscodeFixture) {
  const std::string big = preview_live({"--name", "Too big", "--no-abr"});
  const std::string small = preview_live({"--name", "Fits"});
  BOOST_TEST(live_of(cli, big)["resolution"] == live_of(cli, small)["resolution"]);  // hd, the default
  push(big, "1920x1080");
  push(small, "640x360");
  const std::string big_session = go_live(big, 1);
  const std::string small_session = go_live(small, 1);

  const HttpReply master = http_get(url(big, "index.m3u8"));
  const auto variants = variants_of(master.body);
  BOOST_TEST_REQUIRE(variants.size() == 1u, master.describe());
  BOOST_TEST(variants[0].attr("RESOLUTION") == "1280x720", master.describe());
  check_h264_aac(ffprobe_streams(url(big, variants[0].uri)), 1280, 720);
  check_h264_aac(ffprobe_streams(url(big, "index.m3u8")), 1280, 720);
  const std::string big_events = session_events(big, big_session);
  BOOST_TEST(contains(big_events, "packager restarted for its renditions"), big_events);
  BOOST_TEST(contains(big_events, "1920x1080"), big_events);
  BOOST_TEST(contains(big_events, "renditions 720p 2800k"), big_events);

  const HttpReply small_master = http_get(url(small, "index.m3u8"));
  const auto small_variants = variants_of(small_master.body);
  BOOST_TEST_REQUIRE(small_variants.size() == 1u, small_master.describe());
  BOOST_TEST(small_variants[0].attr("RESOLUTION") == "640x360", small_master.describe());
  check_h264_aac(ffprobe_streams(url(small, small_variants[0].uri)), 640, 360);
  const std::string small_events = session_events(small, small_session);
  BOOST_TEST(!contains(small_events, "renditions"), "a source that fits was transcoded:\n" << small_events);
}

// A library image drawn at the bottom-left: 15% of the frame's width, 3% of its height from
// both edges, drawn before scaling so every rendition has it at the same place.
BOOST_FIXTURE_TEST_CASE(watermark_at_the_bottom_left, TranscodeFixture) {
  const std::string png = dir / "mark.png";
  const RunResult made = run({"ffmpeg", "-hide_banner", "-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i",
                              "color=c=blue:size=160x80", "-frames:v", "1", png},
                             with_timeout(30s));
  REQUIRE_EXIT(made, 0);
  const RunResult added = cli.run({"-q", "library", "add", png});
  REQUIRE_EXIT(added, 0);
  const std::string image = added.out.substr(0, added.out.find('\n'));
  const auto body = [&](const std::string& name, bool abr) {
    return json{{"live",
                 {{"name", name},
                  {"abr_enabled", abr},
                  {"security",
                   {{"watermark",
                     {{"enabled", true},
                      {"type", "WATERMARK_TYPE_IMAGE"},
                      {"position", "WATERMARK_POSITION_BOTTOM_LEFT"},
                      {"image", {{"library_id", image}}}}}}}}}};
  };
  const std::string single = preview_live({}, body("Marked", false));
  const std::string ladder = preview_live({}, body("Marked ladder", true));
  push_gray(single, "1280x720");
  push_gray(ladder, "1280x720");
  go_live(single, 1);
  go_live(ladder, 3);

  // 1280x720: the mark is 192x96 (160x80 scaled to 15% of 1280), 21.6 px from the left and
  // bottom edges (overlay puts it at x 20, even for 4:2:0): x 20..212, y 602..698. An 8 px
  // inset allows for rounding and chroma bleeding.
  const Frame top = grab_frame(url(single, "media.m3u8"), 1280, 720);
  check_mark_bottom_left(top, 20, 602, 212, 698, 8, "single rendition 1280x720");
  const Frame ladder_top = grab_frame(url(ladder, "media.m3u8"), 1280, 720);
  check_mark_bottom_left(ladder_top, 20, 602, 212, 698, 8, "ladder's 720p");
  // 360p: the same picture halved, mark included: x 10..106, y 301..349.
  const Frame low = grab_frame(url(ladder, "media_360p.m3u8"), 640, 360);
  check_mark_bottom_left(low, 10, 301, 106, 349, 5, "ladder's 360p");
}

// The catchup VOD of a ladder keeps every rendition: its master lists them, each plays at
// its size, and the downloadable MP4 is the top one.
BOOST_FIXTURE_TEST_CASE(a_ladder_vod_keeps_every_rendition, TranscodeFixture) {
  const std::string id = preview_live({"--name", "Ladder VOD", "--abr", "--broadcast-mode", "dvr", "--live-vod",
                                       "catchup", "--vod-start", rfc3339_in(1h), "--vod-end", rfc3339_in(2h)});
  push(id, "1280x720");
  go_live(id, 3, 3);
  encoders.back()->stop();
  // The window opens soon after the end; the VOD job itself takes well under a second.
  REQUIRE_EXIT(cli.run({"update", id, "--vod-start", rfc3339_in(5s), "--vod-end", rfc3339_in(1h)}), 0);
  REQUIRE_EXIT(cli.run({"end", id}), 0);
  BOOST_TEST_REQUIRE(wait_for_state(cli, id, "VOD", 60s),
                     id << " never reached VOD (now " << state_of(cli, id) << ")\n" << daemon->log());

  const HttpReply master = http_get(url(id, "index.m3u8"));
  const auto variants = variants_of(master.body);
  BOOST_TEST_REQUIRE(variants.size() == 3u, master.describe());
  const std::vector<std::pair<std::string, std::pair<int, int>>> expected = {
      {"720p", {1280, 720}}, {"480p", {854, 480}}, {"360p", {640, 360}}};
  for (std::size_t i = 0; i < variants.size(); ++i) {
    BOOST_TEST(variants[i].uri == "media_" + expected[i].first + ".m3u8", master.describe());
    BOOST_TEST(variants[i].attr("RESOLUTION") ==
                   std::to_string(expected[i].second.first) + "x" + std::to_string(expected[i].second.second),
               master.describe());
    const HttpReply playlist = http_get(url(id, variants[i].uri));
    BOOST_TEST(contains(playlist.body, "#EXT-X-ENDLIST"), playlist.describe());
    check_h264_aac(ffprobe_streams(url(id, variants[i].uri)), expected[i].second.first, expected[i].second.second);
  }
  const json vod = cli.json({"vod", id})["vod"];
  BOOST_TEST_REQUIRE(vod["mp4"].is_object(), vod.dump());
  const std::string live_id = vod["live_id"].get<std::string>();
  BOOST_TEST(contains(vod["mp4"]["url"].get<std::string>(), "/live/" + live_id + "/vod/" + live_id + ".mp4"), vod.dump());
  check_h264_aac(ffprobe_streams(url(id, "vod/" + live_id + ".mp4")), 1280, 720);
}
