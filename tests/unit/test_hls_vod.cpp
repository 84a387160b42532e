#define BOOST_TEST_MODULE hls_vod
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <boost/test/unit_test.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "core/media/hls/vod_playlist.hpp"
#include "support/media.hpp"
#include "support/playlist_text.hpp"
#include "support/process.hpp"
#include "support/segments.hpp"
#include "util/time.hpp"

using namespace bvlive;
using namespace bvlive::hls;

namespace {

const TimeMs kT0 = bvtest::kSegmentsT0;
using bvtest::add_session;

using namespace bvtest::playlist_text;  // lines, count_prefix, has_line, uris

}  // namespace

BOOST_AUTO_TEST_CASE(two_sessions_make_one_discontinuity) {
  std::vector<SegmentRecord> all;
  add_session(all, "s1", 3);
  add_session(all, "s2", 2);
  const std::string text = vod_playlist(all, std::nullopt, std::nullopt, "");
  BOOST_TEST(lines(text).front() == "#EXTM3U");
  BOOST_TEST(has_line(text, "#EXT-X-PLAYLIST-TYPE:VOD"));
  BOOST_TEST(count_prefix(text, "#EXT-X-PLAYLIST-TYPE") == 1u);
  BOOST_TEST(lines(text).back() == "#EXT-X-ENDLIST");
  BOOST_TEST(has_line(text, "#EXT-X-MEDIA-SEQUENCE:0"));
  BOOST_TEST(has_line(text, "#EXT-X-TARGETDURATION:2"));
  BOOST_TEST(count_prefix(text, "#EXT-X-DISCONTINUITY") - count_prefix(text, "#EXT-X-DISCONTINUITY-") == 1u);
  BOOST_TEST(has_line(text, "#EXT-X-MAP:URI=\"s1/init.mp4\""));
  BOOST_TEST(has_line(text, "#EXT-X-MAP:URI=\"s2/init.mp4\""));
  BOOST_TEST(count_prefix(text, "#EXT-X-PROGRAM-DATE-TIME:") == 2u);
  BOOST_TEST(has_line(text, "#EXT-X-PROGRAM-DATE-TIME:2026-11-24T10:00:00.000Z"));
  // s2 begins 5 s after s1's end at 10:00:06.
  BOOST_TEST(has_line(text, "#EXT-X-PROGRAM-DATE-TIME:2026-11-24T10:00:11.000Z"));
  const std::vector<std::string> expected = {"s1/seg_0.m4s", "s1/seg_1.m4s", "s1/seg_2.m4s",
                                             "s2/seg_3.m4s", "s2/seg_4.m4s"};
  BOOST_TEST(uris(text) == expected, boost::test_tools::per_element());
  // The discontinuity sits right before s2's map.
  const auto all_lines = lines(text);
  const auto map2 = std::find(all_lines.begin(), all_lines.end(), "#EXT-X-MAP:URI=\"s2/init.mp4\"");
  BOOST_TEST_REQUIRE((map2 != all_lines.begin() && map2 != all_lines.end()));
  BOOST_TEST(*(map2 - 1) == "#EXT-X-DISCONTINUITY");
  BOOST_TEST(vod_duration(all, std::nullopt, std::nullopt) == 10.0);
}

BOOST_AUTO_TEST_CASE(window_selects_overlapping_segments) {
  std::vector<SegmentRecord> all;
  add_session(all, "s1", 5);  // 10:00:00 .. 10:00:10, 2 s each
  // [10:00:03, 10:00:07): seg 1 (2-4), seg 2 (4-6), seg 3 (6-8).
  const std::string text = vod_playlist(all, kT0 + 3000, kT0 + 7000, "../");
  const std::vector<std::string> expected = {"../s1/seg_1.m4s", "../s1/seg_2.m4s",
                                             "../s1/seg_3.m4s"};
  BOOST_TEST(uris(text) == expected, boost::test_tools::per_element());
  BOOST_TEST(has_line(text, "#EXT-X-MEDIA-SEQUENCE:1"));
  BOOST_TEST(has_line(text, "#EXT-X-MAP:URI=\"../s1/init.mp4\""));
  BOOST_TEST(has_line(text, "#EXT-X-PROGRAM-DATE-TIME:2026-11-24T10:00:02.000Z"));
  BOOST_TEST(count_prefix(text, "#EXT-X-PROGRAM-DATE-TIME:") == 1u);
  BOOST_TEST(vod_duration(all, kT0 + 3000, kT0 + 7000) == 6.0);
  // Bounds are half-open: a segment ending exactly at `from`, or starting at `to`, is out.
  BOOST_TEST(vod_segments(all, kT0 + 4000, kT0 + 6000).size() == 1u);
  BOOST_TEST(vod_segments(all, kT0 + 4000, kT0 + 6000).front().seq == 2);
  // Open bounds.
  BOOST_TEST(vod_segments(all, kT0 + 8000, std::nullopt).size() == 1u);
  BOOST_TEST(vod_segments(all, std::nullopt, kT0 + 1).size() == 1u);
}

BOOST_AUTO_TEST_CASE(window_inside_the_second_session_has_no_discontinuity) {
  std::vector<SegmentRecord> all;
  add_session(all, "s1", 3);
  add_session(all, "s2", 3);  // from 10:00:11
  const std::string text = vod_playlist(all, kT0 + 11000, std::nullopt, "");
  BOOST_TEST(count_prefix(text, "#EXT-X-DISCONTINUITY") - count_prefix(text, "#EXT-X-DISCONTINUITY-") == 0u);
  BOOST_TEST(has_line(text, "#EXT-X-MEDIA-SEQUENCE:3"));
  BOOST_TEST(has_line(text, "#EXT-X-MAP:URI=\"s2/init.mp4\""));
  BOOST_TEST(count_prefix(text, "#EXT-X-MAP:") == 1u);
}

BOOST_AUTO_TEST_CASE(target_duration_comes_from_the_selected_segments) {
  std::vector<SegmentRecord> all;
  add_session(all, "s1", 2, 6.0);
  add_session(all, "s2", 2, 2.0);
  BOOST_TEST(has_line(vod_playlist(all, std::nullopt, std::nullopt, ""), "#EXT-X-TARGETDURATION:6"));
  const TimeMs s2_start = all[2].program_date_time;
  BOOST_TEST(has_line(vod_playlist(all, s2_start, std::nullopt, ""), "#EXT-X-TARGETDURATION:2"));
  all[3].duration = 2.6;  // every EXTINF rounded to the nearest second must fit
  BOOST_TEST(has_line(vod_playlist(all, s2_start, std::nullopt, ""), "#EXT-X-TARGETDURATION:3"));
  all[3].duration = 2.4;
  BOOST_TEST(has_line(vod_playlist(all, s2_start, std::nullopt, ""), "#EXT-X-TARGETDURATION:2"));
}

BOOST_AUTO_TEST_CASE(empty_window_is_a_valid_empty_vod) {
  std::vector<SegmentRecord> all;
  add_session(all, "s1", 3);
  const std::string text = vod_playlist(all, kT0 + 60000, std::nullopt, "");
  BOOST_TEST(uris(text).empty());
  BOOST_TEST(has_line(text, "#EXT-X-PLAYLIST-TYPE:VOD"));
  BOOST_TEST(lines(text).back() == "#EXT-X-ENDLIST");
  BOOST_TEST(vod_duration(all, kT0 + 60000, std::nullopt) == 0.0);
  BOOST_TEST(uris(vod_playlist({}, std::nullopt, std::nullopt, "")).empty());
}

// ffmpeg cuts two real fMP4 sessions; ffprobe then reads the VOD over both, and over a
// window of the second alone, to the durations vod_duration() promises.
BOOST_AUTO_TEST_CASE(ffprobe_plays_a_vod_over_real_segments) {
  bvtest::TempDir dir{"bvlive-vod"};
  std::vector<SegmentRecord> all;
  TimeMs t = kT0;
  std::int64_t seq = 0;
  for (const std::string session : {"s1", "s2"}) {
    std::filesystem::create_directories(dir / session);
    const auto r = bvtest::run(
        {"ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f",
         "lavfi", "-i", "sine=duration=4", "-t", "4", "-c:v", "libx264", "-g", "25", "-pix_fmt",
         "yuv420p", "-c:a", "aac", "-f", "hls", "-hls_time", "2", "-hls_segment_type", "fmp4",
         "-hls_fmp4_init_filename", "init.mp4", "-hls_segment_filename",
         dir / (session + "/seg_%d.m4s"), "-hls_playlist_type", "vod", dir / (session + "/index.m3u8")},
        bvtest::with_timeout(std::chrono::seconds(60)));
    BOOST_TEST_REQUIRE(r.code == 0, r.describe());
    // The segments as the index would record them, durations from ffmpeg's own playlist.
    std::istringstream in(bvtest::read_file(dir / (session + "/index.m3u8")));
    double duration = 0;
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("#EXTINF:", 0) == 0) duration = std::stod(line.substr(8));
      if (line.empty() || line[0] == '#') continue;
      SegmentRecord s;
      s.session_id = session;
      s.seq = seq++;
      s.duration = duration;
      s.program_date_time = t;
      s.file = session + "/" + line;
      s.init_file = session + "/init.mp4";
      all.push_back(s);
      t += static_cast<TimeMs>(duration * 1000);
    }
    t += 10000;  // the encoder reconnects ten seconds later
  }
  BOOST_TEST_REQUIRE(all.size() >= 4u);

  const auto probed_duration = [&](std::optional<TimeMs> from, const std::string& name) {
    bvtest::write_file(dir / name, vod_playlist(all, from, std::nullopt, ""));
    const auto r = bvtest::run({"ffprobe", "-v", "error", "-print_format", "json", "-show_format",
                                dir / name},
                               bvtest::with_timeout(std::chrono::seconds(30)));
    BOOST_TEST_REQUIRE(r.code == 0, r.describe());
    const auto format = nlohmann::json::parse(r.out).at("format");
    BOOST_TEST(format.at("format_name") == "hls");
    return std::stod(format.at("duration").get<std::string>());
  };
  const double whole = probed_duration(std::nullopt, "all.m3u8");
  BOOST_TEST(std::abs(whole - vod_duration(all, std::nullopt, std::nullopt)) < 0.2, whole);
  BOOST_TEST(std::abs(whole - 8.0) < 0.3, whole);
  const TimeMs second_session = all[all.size() / 2].program_date_time;
  BOOST_TEST_REQUIRE(all[all.size() / 2].session_id == "s2");
  const double part = probed_duration(second_session, "s2.m3u8");
  BOOST_TEST(std::abs(part - vod_duration(all, second_session, std::nullopt)) < 0.2, part);
  BOOST_TEST(std::abs(part - 4.0) < 0.3, part);
}
