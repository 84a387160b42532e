#define BOOST_TEST_MODULE hls_playlist
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "core/media/hls/master_playlist.hpp"
#include "core/media/hls/media_playlist.hpp"
#include "core/media/hls/program_date_time.hpp"
#include "support/process.hpp"
#include "support/media.hpp"
#include "support/playlist_text.hpp"
#include "support/segments.hpp"
#include "util/time.hpp"

using namespace bvlive;
using namespace bvlive::hls;

namespace {

const TimeMs kT0 = bvtest::kSegmentsT0;
using bvtest::add_session;

using namespace bvtest::playlist_text;  // lines, count_prefix, has_line, uris

}  // namespace

BOOST_AUTO_TEST_CASE(program_date_time_always_has_milliseconds) {
  BOOST_TEST(format_program_date_time(kT0) == "2026-11-24T10:00:00.000Z");
  BOOST_TEST(format_program_date_time(kT0 + 1234) == "2026-11-24T10:00:01.234Z");
  BOOST_TEST(format_program_date_time(0) == "1970-01-01T00:00:00.000Z");
  BOOST_TEST(format_program_date_time(-1) == "1969-12-31T23:59:59.999Z");
  BOOST_TEST(format_program_date_time(*parse_rfc3339("2024-02-29T23:59:59.5Z")) ==
             "2024-02-29T23:59:59.500Z");
}

BOOST_AUTO_TEST_CASE(live_window_lists_the_last_n_and_starts_the_media_sequence_there) {
  std::vector<SegmentRecord> all;
  add_session(all, "s1", 10);
  MediaPlaylistOptions options{.view = View::Live, .window = 4};
  const auto selected = select_segments(all, options);
  BOOST_REQUIRE_EQUAL(selected.size(), 4u);
  BOOST_TEST(selected.front().seq == 6);
  BOOST_TEST(selected.back().seq == 9);

  const auto text = media_playlist(all, options);
  const auto l = lines(text);
  BOOST_REQUIRE(l.size() > 3);
  BOOST_TEST(l[0] == "#EXTM3U");
  BOOST_TEST(l[1] == "#EXT-X-VERSION:7");
  BOOST_TEST(has_line(text, "#EXT-X-MEDIA-SEQUENCE:6"));
  BOOST_TEST(has_line(text, "#EXT-X-DISCONTINUITY-SEQUENCE:0"));
  BOOST_TEST(has_line(text, "#EXT-X-TARGETDURATION:2"));
  BOOST_TEST(has_line(text, "#EXT-X-INDEPENDENT-SEGMENTS"));
  BOOST_TEST(count_prefix(text, "#EXT-X-PLAYLIST-TYPE") == 0u);
  BOOST_TEST(count_prefix(text, "#EXT-X-ENDLIST") == 0u);
  BOOST_TEST(count_prefix(text, "#EXTINF:2.000,") == 4u);
  BOOST_TEST(uris(text) == (std::vector<std::string>{"s1/seg_6.m4s", "s1/seg_7.m4s", "s1/seg_8.m4s",
                                                     "s1/seg_9.m4s"}),
             boost::test_tools::per_element());
  BOOST_TEST(count_prefix(text, "#EXT-X-MAP:URI=\"s1/init.mp4\"") == 1u);
  // Back-to-back segments state the time once.
  BOOST_TEST(count_prefix(text, "#EXT-X-PROGRAM-DATE-TIME:") == 1u);
  BOOST_TEST(has_line(text, "#EXT-X-PROGRAM-DATE-TIME:2026-11-24T10:00:12.000Z"));
}

BOOST_AUTO_TEST_CASE(window_inside_the_second_of_three_sessions) {
  std::vector<SegmentRecord> all;
  add_session(all, "s1", 5);   // seq 0-4
  add_session(all, "s2", 10);  // seq 5-14
  add_session(all, "s3", 5);   // seq 15-19
  // The window ending at seq 12: the live as it was while s2 was being pushed.
  const std::span<const SegmentRecord> so_far(all.data(), 13);
  MediaPlaylistOptions options{.view = View::Live, .window = 3};
  auto text = media_playlist(so_far, options);
  BOOST_TEST(has_line(text, "#EXT-X-MEDIA-SEQUENCE:10"));
  BOOST_TEST(has_line(text, "#EXT-X-DISCONTINUITY-SEQUENCE:1"));
  BOOST_TEST(count_prefix(text, "#EXT-X-DISCONTINUITY") == 1u);  // only the -SEQUENCE tag

  // A window straddling s2 -> s3 has one discontinuity, and the sequence still counts s1 -> s2.
  options.window = 6;  // seq 14-19
  text = media_playlist(all, options);
  BOOST_TEST(has_line(text, "#EXT-X-MEDIA-SEQUENCE:14"));
  BOOST_TEST(has_line(text, "#EXT-X-DISCONTINUITY-SEQUENCE:1"));
  BOOST_TEST(count_prefix(text, "#EXT-X-DISCONTINUITY") == 2u);  // -SEQUENCE + one tag

  // Past the s2 -> s3 change the count is 2.
  options.window = 2;
  BOOST_TEST(has_line(media_playlist(all, options), "#EXT-X-DISCONTINUITY-SEQUENCE:2"));
}

BOOST_AUTO_TEST_CASE(map_and_date_time_follow_each_discontinuity) {
  std::vector<SegmentRecord> all;
  add_session(all, "s1", 2);
  add_session(all, "s2", 2, 2.0, 7000);
  const auto text = media_playlist(all, MediaPlaylistOptions{.view = View::Live, .window = 0});
  const std::vector<std::string> expected{
      "#EXT-X-MAP:URI=\"s1/init.mp4\"",
      "#EXT-X-PROGRAM-DATE-TIME:2026-11-24T10:00:00.000Z",
      "#EXTINF:2.000,",
      "s1/seg_0.m4s",
      "#EXTINF:2.000,",
      "s1/seg_1.m4s",
      "#EXT-X-DISCONTINUITY",
      "#EXT-X-MAP:URI=\"s2/init.mp4\"",
      "#EXT-X-PROGRAM-DATE-TIME:2026-11-24T10:00:11.000Z",
      "#EXTINF:2.000,",
      "s2/seg_2.m4s",
      "#EXTINF:2.000,",
      "s2/seg_3.m4s",
  };
  auto l = lines(text);
  const auto first_map = std::find(l.begin(), l.end(), expected.front());
  BOOST_REQUIRE(first_map != l.end());
  const std::vector<std::string> body(first_map, l.end());
  BOOST_TEST(body == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_jump_in_wall_clock_time_is_stated_again) {
  std::vector<SegmentRecord> all;
  add_session(all, "s1", 3);
  all[2].program_date_time += 3000;  // a stall in the encoder
  const auto text = media_playlist(all, MediaPlaylistOptions{.view = View::Live});
  BOOST_TEST(count_prefix(text, "#EXT-X-PROGRAM-DATE-TIME:") == 2u);
  BOOST_TEST(has_line(text, "#EXT-X-PROGRAM-DATE-TIME:2026-11-24T10:00:07.000Z"));
}

BOOST_AUTO_TEST_CASE(dvr_starts_at_the_segment_running_when_live_began) {
  std::vector<SegmentRecord> all;
  add_session(all, "s1", 10);  // 10:00:00 .. 10:00:20, 2 s each
  // LIVE began at 10:00:07: segment 3 (06-08) holds that instant; 0-2 are preview only.
  MediaPlaylistOptions options{.view = View::Dvr, .dvr_start = kT0 + 7000};
  auto selected = select_segments(all, options);
  BOOST_REQUIRE_EQUAL(selected.size(), 7u);
  BOOST_TEST(selected.front().seq == 3);
  // A start exactly on a boundary does not take the segment that ends there.
  options.dvr_start = kT0 + 6000;
  BOOST_TEST(select_segments(all, options).front().seq == 3);
  // The window is ignored by DVR.
  options.window = 2;
  BOOST_TEST(select_segments(all, options).size() == 7u);

  const auto text = media_playlist(all, options);
  BOOST_TEST(has_line(text, "#EXT-X-PLAYLIST-TYPE:EVENT"));
  BOOST_TEST(has_line(text, "#EXT-X-MEDIA-SEQUENCE:3"));
  BOOST_TEST(has_line(text, "#EXT-X-PROGRAM-DATE-TIME:2026-11-24T10:00:06.000Z"));
  BOOST_TEST(count_prefix(text, "#EXT-X-ENDLIST") == 0u);

  // The public live window never reaches back before LIVE's start; the host preview does.
  options.view = View::Live;
  options.window = 6;
  options.dvr_start = kT0 + 15000;  // segment 7 (14-16) on
  BOOST_TEST(select_segments(all, options).size() == 3u);
  options.view = View::Preview;
  BOOST_TEST(select_segments(all, options).size() == 6u);
}

BOOST_AUTO_TEST_CASE(ended_playlists_close_with_endlist) {
  std::vector<SegmentRecord> all;
  add_session(all, "s1", 3);
  for (View view : {View::Preview, View::Live, View::Dvr}) {
    const auto text = media_playlist(all, MediaPlaylistOptions{.view = view, .ended = true});
    const auto l = lines(text);
    BOOST_REQUIRE(!l.empty());
    BOOST_TEST(l.back() == "#EXT-X-ENDLIST");
    BOOST_TEST(count_prefix(text, "#EXT-X-PLAYLIST-TYPE:EVENT") == (view == View::Dvr ? 1u : 0u));
  }
}

BOOST_AUTO_TEST_CASE(target_duration_comes_from_all_segments_and_the_hint) {
  std::vector<SegmentRecord> all;
  add_session(all, "s1", 10);
  all[1].duration = 4.6;  // long since slid out of the window
  MediaPlaylistOptions options{.view = View::Live, .window = 3};
  BOOST_TEST(has_line(media_playlist(all, options), "#EXT-X-TARGETDURATION:5"));
  // Segments count rounded to the nearest second (RFC 8216 §4.3.3.1): a GOP a frame longer
  // than the configured length does not raise the target.
  all[1].duration = 2.04;
  BOOST_TEST(has_line(media_playlist(all, options), "#EXT-X-TARGETDURATION:2"));
  all[1].duration = 4.2;
  BOOST_TEST(has_line(media_playlist(all, options), "#EXT-X-TARGETDURATION:4"));
  all[1].duration = 2.0;
  options.target_duration_hint = 2.5;
  BOOST_TEST(has_line(media_playlist(all, options), "#EXT-X-TARGETDURATION:3"));
  // A duration a hair over an integer prints as that integer and needs no more.
  options.target_duration_hint = 2.0;
  all[9].duration = 2.0000001;
  const auto text = media_playlist(all, options);
  BOOST_TEST(has_line(text, "#EXT-X-TARGETDURATION:2"));
  // Odd durations print with three decimals.
  all[9].duration = 1.9166666;
  BOOST_TEST(has_line(media_playlist(all, options), "#EXTINF:1.917,"));
}

BOOST_AUTO_TEST_CASE(prefix_and_query_apply_to_map_and_segments) {
  std::vector<SegmentRecord> all;
  add_session(all, "s1", 2);
  add_session(all, "s2", 1);
  const auto text = media_playlist(
      all,
      MediaPlaylistOptions{.view = View::Preview, .uri_prefix = "../", .uri_query = "?token=abc"});
  BOOST_TEST(has_line(text, "#EXT-X-MAP:URI=\"../s1/init.mp4?token=abc\""));
  BOOST_TEST(has_line(text, "#EXT-X-MAP:URI=\"../s2/init.mp4?token=abc\""));
  BOOST_TEST(uris(text) ==
                 (std::vector<std::string>{"../s1/seg_0.m4s?token=abc", "../s1/seg_1.m4s?token=abc",
                                           "../s2/seg_2.m4s?token=abc"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(empty_selections_are_valid_playlists) {
  const std::vector<SegmentRecord> none;
  auto text = media_playlist(none, MediaPlaylistOptions{.view = View::Live});
  BOOST_TEST(text ==
             "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n"
             "#EXT-X-DISCONTINUITY-SEQUENCE:0\n#EXT-X-INDEPENDENT-SEGMENTS\n");
  // DVR before LIVE's first segment: nothing yet, and the sequence points past what exists.
  std::vector<SegmentRecord> all;
  add_session(all, "s1", 3);
  add_session(all, "s2", 2);
  text = media_playlist(all, MediaPlaylistOptions{.view = View::Dvr, .dvr_start = kT0 + 3'600'000});
  BOOST_TEST(uris(text).empty());
  BOOST_TEST(has_line(text, "#EXT-X-MEDIA-SEQUENCE:5"));
  BOOST_TEST(has_line(text, "#EXT-X-DISCONTINUITY-SEQUENCE:1"));
}

BOOST_AUTO_TEST_CASE(a_segment_without_a_keyframe_drops_the_independent_promise) {
  std::vector<SegmentRecord> all;
  add_session(all, "s1", 3);
  all[2].independent = false;
  BOOST_TEST(count_prefix(media_playlist(all, MediaPlaylistOptions{.view = View::Live}),
                          "#EXT-X-INDEPENDENT-SEGMENTS") == 0u);
}

BOOST_AUTO_TEST_CASE(master_playlist_lists_every_variant_with_its_attributes) {
  const std::vector<Variant> variants{
      {.uri = "1080p/live.m3u8?token=abc",
       .bandwidth = 6'000'000,
       .average_bandwidth = 5'000'000,
       .width = 1920,
       .height = 1080,
       .frame_rate = 29.97,
       .codecs = "avc1.640028,mp4a.40.2"},
      {.uri = "audio/live.m3u8", .bandwidth = 128'000, .codecs = "mp4a.40.2"},
  };
  const auto text = master_playlist(variants);
  BOOST_TEST(text ==
             "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n"
             "#EXT-X-STREAM-INF:BANDWIDTH=6000000,AVERAGE-BANDWIDTH=5000000,RESOLUTION=1920x1080,"
             "FRAME-RATE=29.970,CODECS=\"avc1.640028,mp4a.40.2\"\n"
             "1080p/live.m3u8?token=abc\n"
             "#EXT-X-STREAM-INF:BANDWIDTH=128000,CODECS=\"mp4a.40.2\"\n"
             "audio/live.m3u8\n");
}

// Two sessions' fMP4 segments made by ffmpeg, listed by our DVR playlist: ffmpeg's own HLS
// demuxer must read across the discontinuity and decode all of it.
BOOST_AUTO_TEST_CASE(ffmpeg_plays_a_dvr_playlist_across_a_discontinuity) {
  bvtest::TempDir dir("bvlive-hls");
  std::vector<SegmentRecord> all;
  for (const std::string session : {"s1", "s2"}) {
    std::filesystem::create_directories(dir / session);
    const auto made = bvtest::run({"ffmpeg",
                                   "-nostdin",
                                   "-loglevel",
                                   "error",
                                   "-f",
                                   "lavfi",
                                   "-i",
                                   "testsrc2=size=320x180:rate=25",
                                   "-f",
                                   "lavfi",
                                   "-i",
                                   "sine",
                                   "-t",
                                   "6",
                                   "-c:v",
                                   "libx264",
                                   "-g",
                                   "50",
                                   "-c:a",
                                   "aac",
                                   "-f",
                                   "hls",
                                   "-hls_segment_type",
                                   "fmp4",
                                   "-hls_time",
                                   "2",
                                   "-hls_fmp4_init_filename",
                                   "init.mp4",
                                   "-hls_segment_filename",
                                   dir / (session + "/seg_%d.m4s"),
                                   dir / (session + "/ffmpeg.m3u8")},
                                  bvtest::with_timeout(std::chrono::seconds(120)));
    BOOST_REQUIRE_MESSAGE(made.code == 0, made.describe());
    add_session(all, session, 3);
    for (int i = 0; i < 3; ++i)  // ffmpeg numbers each run's files from 0
      all[all.size() - 3 + static_cast<std::size_t>(i)].file =
          session + "/seg_" + std::to_string(i) + ".m4s";
  }
  bvtest::write_file(dir / "dvr.m3u8",
                     media_playlist(all, MediaPlaylistOptions{.view = View::Dvr, .ended = true}));
  const auto probe =
      bvtest::run({"ffprobe", "-v", "error", "-show_entries", "format=duration:stream=codec_type",
                   "-of", "default=nw=1", dir / "dvr.m3u8"},
                  bvtest::with_timeout(std::chrono::seconds(60)));
  BOOST_REQUIRE_MESSAGE(probe.code == 0, probe.describe());
  BOOST_TEST(probe.out.find("codec_type=video") != std::string::npos);
  BOOST_TEST(probe.out.find("codec_type=audio") != std::string::npos);
  BOOST_TEST(probe.out.find("duration=12.0") != std::string::npos, probe.out);
  const auto decode =
      bvtest::run({"ffmpeg", "-nostdin", "-v", "error", "-i", dir / "dvr.m3u8", "-f", "null", "-"},
                  bvtest::with_timeout(std::chrono::seconds(120)));
  BOOST_TEST(decode.code == 0, decode.describe());
  BOOST_TEST(decode.err.empty(), decode.err);
}
