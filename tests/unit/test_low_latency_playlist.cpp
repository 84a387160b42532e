#define BOOST_TEST_MODULE low_latency_playlist
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "core/media/hls/low_latency_playlist.hpp"
#include "core/media/hls/partial_segment.hpp"
#include "support/ll_hls_rules.hpp"
#include "support/playlist_text.hpp"
#include "support/segments.hpp"

using namespace bvlive;
using namespace bvlive::hls;
using namespace bvtest::playlist_text;

namespace {

// Segments named as the segmenter names them: SESSION/seg_%08d.m4s.
void add(std::vector<SegmentRecord>& all, const std::string& session, int count, double duration = 2.0) {
  const std::size_t first = all.size();
  bvtest::add_session(all, session, count, duration);
  for (std::size_t i = first; i < all.size(); ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "seg_%08lld.m4s", static_cast<long long>(all[i].seq));
    all[i].file = session + "/" + name;
  }
}

std::vector<PartRecord> parts_of(const std::string& session, const std::string& segment_file, std::int64_t seq,
                                 int count, double duration) {
  std::vector<PartRecord> out;
  for (int i = 0; i < count; ++i)
    out.push_back(PartRecord{"live1", session, "", seq, i, duration, i == 0, part_file(segment_file, i), 100});
  return out;
}

// `per_segment` parts for every segment, and `open` parts of the segment after the last.
std::vector<PartRecord> parts_for(const std::vector<SegmentRecord>& all, int open, int per_segment = 4) {
  std::vector<PartRecord> out;
  for (const SegmentRecord& s : all) {
    auto p = parts_of(s.session_id, s.file, s.seq, per_segment, s.duration / per_segment);
    out.insert(out.end(), p.begin(), p.end());
  }
  const SegmentRecord& last = all.back();
  char name[32];
  std::snprintf(name, sizeof name, "seg_%08lld.m4s", static_cast<long long>(last.seq + 1));
  auto p = parts_of(last.session_id, last.session_id + "/" + name, last.seq + 1, open, last.duration / per_segment);
  out.insert(out.end(), p.begin(), p.end());
  return out;
}

LowLatencyOptions ll_options() {
  LowLatencyOptions ll;
  ll.part_target = 0.5;
  return ll;
}

std::string violations_text(const std::vector<std::string>& violations) {
  std::string out;
  for (const auto& v : violations) out += "\n  " + v;
  return out;
}

#define CHECK_LL_RULES(text)                                                           \
  do {                                                                                 \
    const auto violations_ = bvtest::ll_hls_violations(text);                          \
    BOOST_TEST(violations_.empty(), "violations:" << violations_text(violations_) << "\n" << (text)); \
  } while (0)

bool has_violation(const std::vector<std::string>& violations, const std::string& part) {
  for (const auto& v : violations)
    if (v.find(part) != std::string::npos) return true;
  return false;
}

// The index of the first line equal to `line` (lines().size() if none).
std::size_t line_index(const std::string& text, const std::string& line) {
  const auto all = lines(text);
  std::size_t i = 0;
  while (i < all.size() && all[i] != line) ++i;
  return i;
}

}  // namespace

BOOST_AUTO_TEST_CASE(part_file_puts_the_index_before_the_extension) {
  BOOST_TEST(part_file("S/seg_00000042.m4s", 3) == "S/seg_00000042.p3.m4s");
  BOOST_TEST(part_file("S/720p/seg_00000042.m4s", 0) == "S/720p/seg_00000042.p0.m4s");
  BOOST_TEST(part_file("seg_7.m4s", 12) == "seg_7.p12.m4s");
  BOOST_TEST(part_file("S.x/seg", 1) == "S.x/seg.p1");  // a dot in the folder is no extension
}

BOOST_AUTO_TEST_CASE(live_playlist_lists_parts_of_the_newest_segments_and_the_open_one) {
  std::vector<SegmentRecord> all;
  add(all, "S1", 10);
  const auto parts = parts_for(all, 2);
  const std::string text = low_latency_playlist(all, parts, MediaPlaylistOptions{}, ll_options());
  CHECK_LL_RULES(text);

  BOOST_TEST(has_line(text, "#EXT-X-VERSION:9"));
  BOOST_TEST(has_line(text, "#EXT-X-TARGETDURATION:2"));
  BOOST_TEST(has_line(text, "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.500,CAN-SKIP-UNTIL=12.000"));
  BOOST_TEST(has_line(text, "#EXT-X-PART-INF:PART-TARGET=0.500"));
  BOOST_TEST(has_line(text, "#EXT-X-MEDIA-SEQUENCE:4"));  // the window of 6
  // Three complete segments of four parts, and the open segment's two.
  BOOST_TEST(count_prefix(text, "#EXT-X-PART:") == 14u);
  BOOST_TEST(has_line(text, "#EXT-X-PART:DURATION=0.50000,URI=\"S1/seg_00000007.p0.m4s\",INDEPENDENT=YES"));
  BOOST_TEST(has_line(text, "#EXT-X-PART:DURATION=0.50000,URI=\"S1/seg_00000007.p1.m4s\""));
  BOOST_TEST(!has_line(text, "#EXT-X-PART:DURATION=0.50000,URI=\"S1/seg_00000006.p0.m4s\",INDEPENDENT=YES"));
  // Parts come before their segment's EXTINF, the open ones after the last segment.
  const auto body = lines(text);
  const std::size_t last_part_of_9 = line_index(text, "#EXT-X-PART:DURATION=0.50000,URI=\"S1/seg_00000009.p3.m4s\"");
  BOOST_REQUIRE(last_part_of_9 + 2 < body.size());
  BOOST_TEST(body[last_part_of_9 + 1] == "#EXTINF:2.000,");
  BOOST_TEST(body[last_part_of_9 + 2] == "S1/seg_00000009.m4s");
  BOOST_TEST(body[last_part_of_9 + 3] ==
             "#EXT-X-PART:DURATION=0.50000,URI=\"S1/seg_00000010.p0.m4s\",INDEPENDENT=YES");
  BOOST_TEST(body.back() == "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"S1/seg_00000010.p2.m4s\"");

  const auto summary = bvtest::ll_hls_summary(text);
  BOOST_TEST(summary.last_msn == 10);
  BOOST_TEST(summary.last_part == 1);
  BOOST_TEST((last_msn_part(all, parts) == std::pair<std::int64_t, int>{10, 1}));
}

BOOST_AUTO_TEST_CASE(without_an_open_part_the_hint_is_part_0_of_the_next_segment) {
  std::vector<SegmentRecord> all;
  add(all, "S1", 5);
  const auto parts = parts_for(all, 0);
  const std::string text = low_latency_playlist(all, parts, MediaPlaylistOptions{}, ll_options());
  CHECK_LL_RULES(text);
  BOOST_TEST(lines(text).back() == "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"S1/seg_00000005.p0.m4s\"");
  BOOST_TEST((last_msn_part(all, parts) == std::pair<std::int64_t, int>{4, 3}));

  // Unpadded names keep their pattern.
  std::vector<SegmentRecord> plain;
  bvtest::add_session(plain, "S1", 3);
  const std::string plain_text = low_latency_playlist(plain, {}, MediaPlaylistOptions{}, ll_options());
  BOOST_TEST(lines(plain_text).back() == "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"S1/seg_3.p0.m4s\"");
}

BOOST_AUTO_TEST_CASE(parts_cover_at_least_three_target_durations) {
  std::vector<SegmentRecord> all;
  add(all, "S1", 10, 1.0);  // 1 s segments, target duration 2 (the hint): 6 s of parts
  const auto parts = parts_for(all, 0, 2);
  const std::string text = low_latency_playlist(all, parts, MediaPlaylistOptions{.window = 10}, ll_options());
  CHECK_LL_RULES(text);
  BOOST_TEST(count_prefix(text, "#EXT-X-PART:") == 12u);  // six segments of two parts
  BOOST_TEST(has_line(text, "#EXT-X-PART:DURATION=0.50000,URI=\"S1/seg_00000004.p0.m4s\",INDEPENDENT=YES"));
  BOOST_TEST(!has_line(text, "#EXT-X-PART:DURATION=0.50000,URI=\"S1/seg_00000003.p0.m4s\",INDEPENDENT=YES"));
}

BOOST_AUTO_TEST_CASE(a_segment_with_a_missing_part_lists_none) {
  std::vector<SegmentRecord> all;
  add(all, "S1", 6);
  auto parts = parts_for(all, 1);
  std::erase_if(parts, [](const PartRecord& p) { return p.seq == 4 && p.index == 2; });
  const std::string text = low_latency_playlist(all, parts, MediaPlaylistOptions{}, ll_options());
  BOOST_TEST(count_prefix(text, "#EXT-X-PART:") == 5u);  // segment 5's four and the open one
  for (const auto& line : lines(text)) BOOST_TEST(line.find("seg_00000004.p") == std::string::npos);
  // Too few parts for three target durations: the checker says so, and only that.
  const auto violations = bvtest::ll_hls_violations(text);
  BOOST_TEST(violations.size() == 1u, violations_text(violations));
  BOOST_TEST(has_violation(violations, "less than three target durations"));
}

BOOST_AUTO_TEST_CASE(ended_playlist_has_no_open_parts_and_no_hint) {
  std::vector<SegmentRecord> all;
  add(all, "S1", 8);
  MediaPlaylistOptions options;
  options.ended = true;
  LowLatencyOptions ll = ll_options();
  ll.rendition_reports = {"../720p/index.m3u8"};
  const std::string text = low_latency_playlist(all, parts_for(all, 2), options, ll);
  CHECK_LL_RULES(text);
  BOOST_TEST(lines(text).back() == "#EXT-X-ENDLIST");
  BOOST_TEST(count_prefix(text, "#EXT-X-PRELOAD-HINT") == 0u);
  BOOST_TEST(count_prefix(text, "#EXT-X-RENDITION-REPORT") == 0u);
  BOOST_TEST(count_prefix(text, "#EXT-X-PART:") == 12u);
  BOOST_TEST(text.find("seg_00000008.p") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(no_segment_yet_gives_a_valid_playlist_without_parts) {
  std::vector<SegmentRecord> none;
  const std::vector<PartRecord> open =
      parts_of("S1", "S1/seg_00000000.m4s", 0, 2, 0.5);  // no EXT-X-MAP to put them under yet
  const std::string text = low_latency_playlist(none, open, MediaPlaylistOptions{}, ll_options());
  CHECK_LL_RULES(text);
  BOOST_TEST(count_prefix(text, "#EXT-X-PART:") == 0u);
  BOOST_TEST(count_prefix(text, "#EXT-X-PRELOAD-HINT") == 0u);
}

BOOST_AUTO_TEST_CASE(open_parts_of_a_new_session_wait_for_its_first_segment) {
  std::vector<SegmentRecord> all;
  add(all, "S1", 6);
  auto parts = parts_for(all, 0);
  const auto next = parts_of("S2", "S2/seg_00000006.m4s", 6, 2, 0.5);
  parts.insert(parts.end(), next.begin(), next.end());
  const std::string text = low_latency_playlist(all, parts, MediaPlaylistOptions{}, ll_options());
  CHECK_LL_RULES(text);
  BOOST_TEST(text.find("S2/") == std::string::npos);
  BOOST_TEST(count_prefix(text, "#EXT-X-PRELOAD-HINT") == 0u);
  BOOST_TEST((blocking_reload(all, parts, {6, 0}) == BlockingAnswer::Wait));
}

BOOST_AUTO_TEST_CASE(uri_prefix_and_query_reach_parts_hint_and_reports) {
  std::vector<SegmentRecord> all;
  add(all, "S1", 6);
  MediaPlaylistOptions options;
  options.uri_prefix = "../";
  options.uri_query = "?token=abc";
  LowLatencyOptions ll = ll_options();
  ll.rendition_reports = {"../720p/index.m3u8", "../360p/index.m3u8"};
  const auto report = [](const std::string& uri) {
    return uri == "../720p/index.m3u8" ? std::pair<std::int64_t, int>{6, 1} : std::pair<std::int64_t, int>{5, -1};
  };
  const std::string text = low_latency_playlist(all, parts_for(all, 2), options, ll, false, report);
  CHECK_LL_RULES(text);
  BOOST_TEST(has_line(text, "#EXT-X-PART:DURATION=0.50000,URI=\"../S1/seg_00000005.p0.m4s?token=abc\",INDEPENDENT=YES"));
  BOOST_TEST(has_line(text, "#EXT-X-PART:DURATION=0.50000,URI=\"../S1/seg_00000006.p1.m4s?token=abc\""));
  BOOST_TEST(has_line(text, "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"../S1/seg_00000006.p2.m4s?token=abc\""));
  BOOST_TEST(has_line(text, "#EXT-X-RENDITION-REPORT:URI=\"../720p/index.m3u8?token=abc\",LAST-MSN=6,LAST-PART=1"));
  BOOST_TEST(has_line(text, "#EXT-X-RENDITION-REPORT:URI=\"../360p/index.m3u8?token=abc\",LAST-MSN=5"));
  for (const auto& line : bvtest::playlist_lines(text, "#EXT-X-MAP")) BOOST_TEST(line.find("?token=abc") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(delta_update_skips_segments_older_than_the_skip_boundary) {
  std::vector<SegmentRecord> all;
  add(all, "S1", 30);
  const auto parts = parts_for(all, 1);
  MediaPlaylistOptions options;
  options.view = View::Dvr;
  const std::string full = low_latency_playlist(all, parts, options, ll_options());
  const std::string delta = low_latency_playlist(all, parts, options, ll_options(), true);
  CHECK_LL_RULES(full);
  const auto violations = bvtest::ll_hls_delta_violations(full, delta);
  BOOST_TEST(violations.empty(), violations_text(violations) << "\n" << delta);

  // 12 s of CAN-SKIP-UNTIL: segments 0..23 end at least 12 s before the end.
  BOOST_TEST(count_prefix(full, "#EXT-X-SKIP") == 0u);
  BOOST_TEST(has_line(delta, "#EXT-X-SKIP:SKIPPED-SEGMENTS=24"));
  BOOST_TEST(has_line(delta, "#EXT-X-MEDIA-SEQUENCE:0"));
  BOOST_TEST(uris(delta).front() == "S1/seg_00000024.m4s");
  // The first segment listed restates its init segment and date.
  const auto body = lines(delta);
  const std::size_t skip = line_index(delta, "#EXT-X-SKIP:SKIPPED-SEGMENTS=24");
  BOOST_REQUIRE(skip + 3 < body.size());
  BOOST_TEST(body[skip + 1] == "#EXT-X-MAP:URI=\"S1/init.mp4\"");
  BOOST_TEST(body[skip + 2] == "#EXT-X-PROGRAM-DATE-TIME:2026-11-24T10:00:48.000Z");
  BOOST_TEST(body[skip + 3] == "#EXTINF:2.000,");

  // A short playlist has nothing old enough to skip.
  std::vector<SegmentRecord> few;
  add(few, "S1", 6);
  BOOST_TEST(count_prefix(low_latency_playlist(few, parts_for(few, 0), options, ll_options(), true), "#EXT-X-SKIP") ==
             0u);
}

BOOST_AUTO_TEST_CASE(delta_update_does_not_skip_past_a_discontinuity) {
  std::vector<SegmentRecord> all;
  add(all, "S1", 20);
  add(all, "S2", 10);
  const auto parts = parts_for(all, 1);
  MediaPlaylistOptions options;
  options.view = View::Dvr;
  const std::string full = low_latency_playlist(all, parts, options, ll_options());
  const std::string delta = low_latency_playlist(all, parts, options, ll_options(), true);
  const auto violations = bvtest::ll_hls_delta_violations(full, delta);
  BOOST_TEST(violations.empty(), violations_text(violations) << "\n" << delta);
  BOOST_TEST(has_line(delta, "#EXT-X-SKIP:SKIPPED-SEGMENTS=20"));
  BOOST_TEST(bvtest::count_lines(delta, "#EXT-X-DISCONTINUITY") == 1u);
  const auto body = lines(delta);
  const std::size_t skip = line_index(delta, "#EXT-X-SKIP:SKIPPED-SEGMENTS=20");
  BOOST_REQUIRE(skip + 2 < body.size());
  BOOST_TEST(body[skip + 1] == "#EXT-X-DISCONTINUITY");
  BOOST_TEST(body[skip + 2] == "#EXT-X-MAP:URI=\"S2/init.mp4\"");

  // A discontinuity near the start caps the skip there.
  std::vector<SegmentRecord> early;
  add(early, "S1", 2);
  add(early, "S2", 28);
  const std::string early_delta = low_latency_playlist(early, parts_for(early, 0), options, ll_options(), true);
  BOOST_TEST(has_line(early_delta, "#EXT-X-SKIP:SKIPPED-SEGMENTS=2"));
  BOOST_TEST(bvtest::count_lines(early_delta, "#EXT-X-DISCONTINUITY") == 1u);
  const auto early_violations =
      bvtest::ll_hls_delta_violations(low_latency_playlist(early, parts_for(early, 0), options, ll_options()), early_delta);
  BOOST_TEST(early_violations.empty(), violations_text(early_violations));
}

BOOST_AUTO_TEST_CASE(without_can_skip_there_is_no_delta_and_version_7) {
  std::vector<SegmentRecord> all;
  add(all, "S1", 30);
  LowLatencyOptions ll = ll_options();
  ll.can_skip = false;
  MediaPlaylistOptions options;
  options.view = View::Dvr;
  const std::string text = low_latency_playlist(all, parts_for(all, 1), options, ll, true);
  CHECK_LL_RULES(text);
  BOOST_TEST(has_line(text, "#EXT-X-VERSION:7"));
  BOOST_TEST(has_line(text, "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.500"));
  BOOST_TEST(count_prefix(text, "#EXT-X-SKIP") == 0u);
  BOOST_TEST(uris(text).size() == 30u);
}

BOOST_AUTO_TEST_CASE(part_target_is_raised_to_the_longest_part) {
  std::vector<SegmentRecord> all;
  add(all, "S1", 4);
  auto parts = parts_for(all, 0);
  LowLatencyOptions ll;  // 0.333 by default, parts of 0.5
  const std::string text = low_latency_playlist(all, parts, MediaPlaylistOptions{}, ll);
  CHECK_LL_RULES(text);
  BOOST_TEST(has_line(text, "#EXT-X-PART-INF:PART-TARGET=0.500"));
  const std::string exact = low_latency_playlist(all, {}, MediaPlaylistOptions{}, ll);
  BOOST_TEST(has_line(exact, "#EXT-X-PART-INF:PART-TARGET=0.333"));
  BOOST_TEST(has_line(exact, "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0.999,CAN-SKIP-UNTIL=12.000"));
}

BOOST_AUTO_TEST_CASE(the_checker_reports_broken_playlists) {
  const std::string head =
      "#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:2\n"
      "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.500,CAN-SKIP-UNTIL=12.0\n"
      "#EXT-X-PART-INF:PART-TARGET=0.5\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-MAP:URI=\"init.mp4\"\n";
  const std::string seg0 =
      "#EXT-X-PART:DURATION=0.50000,URI=\"s0.p0.m4s\",INDEPENDENT=YES\n#EXT-X-PART:DURATION=0.50000,URI=\"s0.p1.m4s\"\n"
      "#EXT-X-PART:DURATION=0.50000,URI=\"s0.p2.m4s\"\n#EXT-X-PART:DURATION=0.50000,URI=\"s0.p3.m4s\"\n"
      "#EXTINF:2.000,\ns0.m4s\n";
  const std::string good = head + seg0 + "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"s1.p0.m4s\"\n";
  CHECK_LL_RULES(good);

  const auto expect = [](const std::string& text, const std::string& violation) {
    const auto violations = bvtest::ll_hls_violations(text);
    BOOST_TEST(has_violation(violations, violation), "expected '" << violation << "' in:" << violations_text(violations));
  };
  std::string long_part = good;
  long_part.replace(long_part.find("0.50000,URI=\"s0.p1"), 7, "0.60000");
  expect(long_part, "exceeds PART-TARGET=0.5");
  expect(long_part, "add up to 2.100 s, its EXTINF says 2.000");
  std::string short_part = good;
  short_part.replace(short_part.find("0.50000,URI=\"s0.p1"), 7, "0.40000");
  expect(short_part, "under 85% of PART-TARGET");
  std::string wrong_hint = good;
  wrong_hint.replace(wrong_hint.find("s1.p0.m4s"), 9, "s1.p1.m4s");
  expect(wrong_hint, "is not the part after the last listed one");
  expect(good + "#EXT-X-PART:DURATION=0.50000,URI=\"s1.p0.m4s\"\n", "is not the part after the last listed one");
  std::string no_control = good;
  no_control.replace(no_control.find("#EXT-X-SERVER-CONTROL"), 21, "#EXT-X-X");
  expect(no_control, "no EXT-X-SERVER-CONTROL");
  std::string no_block = good;
  no_block.replace(no_block.find("CAN-BLOCK-RELOAD=YES"), 20, "CAN-BLOCK-RELOAD=NO");
  expect(no_block, "without CAN-BLOCK-RELOAD=YES");
  std::string small_hold = good;
  small_hold.replace(small_hold.find("PART-HOLD-BACK=1.500"), 20, "PART-HOLD-BACK=0.900");
  expect(small_hold, "less than twice PART-TARGET");
  std::string small_skip = good;
  small_skip.replace(small_skip.find("CAN-SKIP-UNTIL=12.0"), 19, "CAN-SKIP-UNTIL=6.0");
  expect(small_skip, "less than six target durations");
  std::string no_inf = good;
  no_inf.replace(no_inf.find("#EXT-X-PART-INF"), 15, "#EXT-X-XXXX-INF");
  expect(no_inf, "without EXT-X-PART-INF");
  expect(head + "#EXTINF:2.000,\nold.m4s\n" + seg0 + "#EXTINF:2.000,\nlate.m4s\n", "lists no parts though an older");
  expect(good + "#EXT-X-ENDLIST\n", "EXT-X-PRELOAD-HINT in an ended playlist");
  std::string skip_v8 = head + "#EXT-X-SKIP:SKIPPED-SEGMENTS=3\n" + seg0;
  skip_v8.replace(skip_v8.find("VERSION:9"), 9, "VERSION:8");
  expect(skip_v8, "EXT-X-SKIP needs EXT-X-VERSION 9");
  expect(head + "#EXT-X-SKIP:SKIPPED-SEGMENTS=3\n" + seg0, "skipped segments newer than the skip boundary");
  expect(head + seg0 + "#EXT-X-SKIP:SKIPPED-SEGMENTS=3\n", "EXT-X-SKIP after a segment");
}

BOOST_AUTO_TEST_CASE(the_delta_checker_compares_with_the_full_playlist) {
  std::vector<SegmentRecord> all;
  add(all, "S1", 30);
  MediaPlaylistOptions options;
  options.view = View::Dvr;
  const auto parts = parts_for(all, 1);
  const std::string full = low_latency_playlist(all, parts, options, ll_options());
  std::string delta = low_latency_playlist(all, parts, options, ll_options(), true);
  delta.replace(delta.find("SKIPPED-SEGMENTS=24"), 19, "SKIPPED-SEGMENTS=23");
  BOOST_TEST(has_violation(bvtest::ll_hls_delta_violations(full, delta), "delta skips 23 and lists 6 segments"));
}

BOOST_AUTO_TEST_CASE(blocking_reload_answers) {
  std::vector<SegmentRecord> all;
  add(all, "S1", 10);  // segments 0..9, parts 0 and 1 of segment 10 out
  const auto parts = parts_for(all, 2);
  const auto answer = [&](std::int64_t msn, std::optional<int> part = std::nullopt) {
    return blocking_reload(all, parts, BlockingRequest{msn, part});
  };
  BOOST_TEST((answer(5) == BlockingAnswer::Now));
  BOOST_TEST((answer(9) == BlockingAnswer::Now));
  BOOST_TEST((answer(9, 7) == BlockingAnswer::Now));  // segment 9 is complete
  BOOST_TEST((answer(10) == BlockingAnswer::Wait));   // not complete yet
  BOOST_TEST((answer(10, 0) == BlockingAnswer::Now));
  BOOST_TEST((answer(10, 1) == BlockingAnswer::Now));
  BOOST_TEST((answer(10, 2) == BlockingAnswer::Wait));
  BOOST_TEST((answer(11, 0) == BlockingAnswer::Wait));
  BOOST_TEST((answer(11) == BlockingAnswer::Wait));
  BOOST_TEST((answer(12) == BlockingAnswer::TooFar));  // more than two segments beyond 9
  BOOST_TEST((answer(12, 0) == BlockingAnswer::TooFar));
  BOOST_TEST((answer(-1) == BlockingAnswer::BadRequest));
  BOOST_TEST((answer(10, -1) == BlockingAnswer::BadRequest));

  // Before the first segment: 0 and 1 are worth waiting for, 2 is too far.
  const std::vector<SegmentRecord> none;
  BOOST_TEST((blocking_reload(none, {}, {0, std::nullopt}) == BlockingAnswer::Wait));
  BOOST_TEST((blocking_reload(none, {}, {1, 0}) == BlockingAnswer::Wait));
  BOOST_TEST((blocking_reload(none, {}, {2, std::nullopt}) == BlockingAnswer::TooFar));
  BOOST_TEST((last_msn_part(none, {}) == std::pair<std::int64_t, int>{-1, -1}));
}

BOOST_AUTO_TEST_CASE(blocking_query_parsing) {
  std::string error;
  BOOST_TEST(!parse_blocking_query(nullptr, nullptr, error));
  BOOST_TEST(error.empty());  // not a blocking request at all

  const std::string msn = "12", part = "3";
  BOOST_TEST((parse_blocking_query(&msn, nullptr, error) == BlockingRequest{12, std::nullopt}));
  BOOST_TEST(error.empty());
  BOOST_TEST((parse_blocking_query(&msn, &part, error) == BlockingRequest{12, 3}));

  BOOST_TEST(!parse_blocking_query(nullptr, &part, error));
  BOOST_TEST(error == "_HLS_part needs _HLS_msn (the media sequence number of the part's segment)");
  for (const std::string bad : {"-1", "abc", "1.5", "", "+3", "99999999999999999999", " 1"}) {
    BOOST_TEST(!parse_blocking_query(&bad, nullptr, error), bad);
    BOOST_TEST(error == "_HLS_msn must be a non-negative decimal integer, got '" + bad + "'");
    BOOST_TEST(!parse_blocking_query(&msn, &bad, error), bad);
    BOOST_TEST(error == "_HLS_part must be a non-negative decimal integer, got '" + bad + "'");
  }
  const std::string big_part = "99999999999";
  BOOST_TEST(!parse_blocking_query(&msn, &big_part, error));
  BOOST_TEST(error.find("_HLS_part") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_part_target_is_a_whole_number_of_frames_of_the_cut) {
  // 0.333 s cut at 0.3 s: 8 frames at 25 fps, 9 at 30, 8 at 24, 18 at 60.
  BOOST_TEST(frame_aligned_part_target(0.333, 25) == 0.32, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(frame_aligned_part_target(0.333, 30) == 0.3, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(frame_aligned_part_target(0.333, 24) == 8 / 24.0, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(frame_aligned_part_target(0.333, 60) == 0.3, boost::test_tools::tolerance(1e-9));
  // Both part lengths the packager makes (k and k - 1 frames) keep the 85% rule.
  for (const double fps : {24.0, 25.0, 29.97, 30.0, 50.0, 60.0}) {
    const double target = frame_aligned_part_target(0.333, fps);
    BOOST_TEST(target <= 0.3334 + 1 / fps, "fps " << fps);
    BOOST_TEST(target - 1 / fps >= 0.85 * target, "fps " << fps);
  }
  // No frame rate (audio only, or not known yet): the configured target.
  BOOST_TEST(frame_aligned_part_target(0.333, 0) == 0.333);
}
