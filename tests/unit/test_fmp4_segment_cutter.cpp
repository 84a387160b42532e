#define BOOST_TEST_MODULE fmp4_segment_cutter
#include <boost/test/unit_test.hpp>

#include <vector>

#include "core/media/fmp4/fragment_info.hpp"
#include "core/media/fmp4/sample_flags.hpp"
#include "core/media/fmp4/segment_cutter.hpp"

using namespace bvlive::fmp4;

namespace {

// Fragments of `fragment_seconds` each; every `per_gop`-th one starts a GOP. Each carries
// its index as its bytes so segments can be checked for what they hold.
std::vector<TimedFragment> fragments(int count, double fragment_seconds, int per_gop) {
  std::vector<TimedFragment> out;
  for (int i = 0; i < count; ++i)
    out.push_back(TimedFragment{i * fragment_seconds, fragment_seconds, i % per_gop == 0,
                                Bytes{static_cast<std::uint8_t>(i)}});
  return out;
}

std::vector<Segment> cut(std::vector<TimedFragment> input, double target = 2.0) {
  SegmentCutter cutter(target);
  std::vector<Segment> out;
  for (auto& fragment : input)
    if (auto segment = cutter.push(std::move(fragment))) out.push_back(std::move(*segment));
  if (auto last = cutter.flush()) out.push_back(std::move(*last));
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(one_second_gops_give_two_second_segments) {
  const auto segments = cut(fragments(10, 1.0, 1));
  BOOST_REQUIRE_EQUAL(segments.size(), 5u);
  for (std::size_t i = 0; i < segments.size(); ++i) {
    BOOST_TEST(segments[i].sequence_number == i);
    BOOST_TEST(segments[i].start_seconds == 2.0 * i);
    BOOST_TEST(segments[i].duration_seconds == 2.0);
    BOOST_TEST(segments[i].fragments.size() == 2u);
    BOOST_TEST(segments[i].fragments[0][0] == 2 * i);
  }
}

BOOST_AUTO_TEST_CASE(three_second_gops_give_three_second_segments) {
  for (int per_gop : {1, 3}) {  // one fragment per GOP, or three 1 s fragments per GOP
    const double fragment_seconds = 3.0 / per_gop;
    const auto segments = cut(fragments(4 * per_gop, fragment_seconds, per_gop));
    BOOST_REQUIRE_EQUAL(segments.size(), 4u);
    for (const auto& segment : segments) {
      BOOST_TEST(segment.duration_seconds == 3.0);
      BOOST_TEST(segment.fragments.size() == std::size_t(per_gop));
    }
  }
}

BOOST_AUTO_TEST_CASE(sub_gop_fragments_cut_only_at_independent_ones) {
  // 0.5 s fragments, a key frame every 1 s: segments of exactly 2 s, four fragments each.
  const auto segments = cut(fragments(12, 0.5, 2));
  BOOST_REQUIRE_EQUAL(segments.size(), 3u);
  for (const auto& segment : segments) {
    BOOST_TEST(segment.duration_seconds == 2.0);
    BOOST_TEST(segment.fragments.size() == 4u);
  }
}

BOOST_AUTO_TEST_CASE(rounding_does_not_push_a_cut_past_the_target) {
  // GOPs a hair under 1 s (timestamps rounded to a coarse timescale): two of them make
  // 1.999 s, which is within the tolerance and closes the segment at 2 GOPs, not 3.
  std::vector<TimedFragment> input;
  for (int i = 0; i < 6; ++i) input.push_back(TimedFragment{i * 0.9995, 0.9995, true, {}});
  const auto segments = cut(std::move(input));
  BOOST_REQUIRE_EQUAL(segments.size(), 3u);
  BOOST_TEST(segments[0].fragments.size() == 2u);
}

BOOST_AUTO_TEST_CASE(segments_always_start_independent) {
  auto input = fragments(6, 1.0, 3);
  input.erase(input.begin());  // start mid-GOP: the first two fragments cannot open one
  SegmentCutter cutter;
  std::vector<Segment> out;
  for (auto& fragment : input)
    if (auto segment = cutter.push(std::move(fragment))) out.push_back(std::move(*segment));
  BOOST_TEST(cutter.dropped_fragments() == 2u);
  BOOST_REQUIRE(cutter.has_open_segment());
  const auto last = cutter.flush();
  BOOST_REQUIRE(last);
  BOOST_TEST(out.empty());
  BOOST_TEST(last->start_seconds == 3.0);
  BOOST_TEST(last->duration_seconds == 3.0);
  BOOST_TEST(last->sequence_number == 0u);
  BOOST_TEST(!cutter.flush());
}

BOOST_AUTO_TEST_CASE(long_gops_make_long_segments_without_splitting_them) {
  // A 5 s GOP with a 2 s target: the cutter waits for the next independent fragment.
  const auto segments = cut(fragments(10, 1.0, 5));
  BOOST_REQUIRE_EQUAL(segments.size(), 2u);
  BOOST_TEST(segments[0].duration_seconds == 5.0);
}

BOOST_AUTO_TEST_CASE(timed_fragment_uses_the_video_track) {
  FragmentInfo info;
  TrackFragmentInfo audio;
  audio.kind = TrackKind::audio;
  audio.timescale = 48000;
  audio.base_media_decode_time = 48000;
  audio.total_duration = 1024;
  audio.samples = {SampleInfo{1024, 1, 0, 0}};
  TrackFragmentInfo video;
  video.kind = TrackKind::video;
  video.timescale = 90000;
  video.base_media_decode_time = 180000;
  video.total_duration = 45000;
  video.samples = {SampleInfo{45000, 1, kSyncSampleFlags, 0}};
  info.tracks = {audio, video};

  const auto timed = timed_fragment(info, Bytes{9});
  BOOST_REQUIRE(timed);
  BOOST_TEST(timed->start_seconds == 2.0);
  BOOST_TEST(timed->duration_seconds == 0.5);
  BOOST_TEST(timed->independent);
  BOOST_TEST(timed->bytes == Bytes{9});

  info.tracks[1].samples[0].flags = kNonSyncSampleFlags;
  BOOST_TEST(!timed_fragment(info, {})->independent);
  info.tracks[1].base_media_decode_time.reset();
  BOOST_TEST(!timed_fragment(info, {}));
  info.tracks.pop_back();  // audio only: times come from the audio track
  BOOST_TEST(timed_fragment(info, {})->start_seconds == 1.0);
}

// With keyframe fragments (ffmpeg's frag_keyframe), a segment closes on the fragment that
// completes it, not on the next one: the same segments, each available one GOP earlier.
BOOST_AUTO_TEST_CASE(keyframe_fragments_close_as_soon_as_the_target_is_reached) {
  SegmentCutter eager(2.0, /*keyframe_fragments=*/true);
  auto input = fragments(6, 1.0, 1);
  std::vector<std::size_t> closed_after;  // index of the fragment whose push closed a segment
  std::vector<Segment> out;
  for (std::size_t i = 0; i < input.size(); ++i)
    if (auto s = eager.push(std::move(input[i]))) {
      closed_after.push_back(i);
      out.push_back(std::move(*s));
    }
  BOOST_TEST(!eager.flush().has_value());
  BOOST_REQUIRE_EQUAL(out.size(), 3u);
  BOOST_TEST(closed_after == (std::vector<std::size_t>{1, 3, 5}), boost::test_tools::per_element());
  for (std::size_t i = 0; i < out.size(); ++i) {
    BOOST_TEST(out[i].start_seconds == 2.0 * i);
    BOOST_TEST(out[i].duration_seconds == 2.0);
    BOOST_TEST(out[i].fragments.size() == 2u);
  }
  // The lazy cutter closes the same segments a fragment later.
  const auto lazy = cut(fragments(6, 1.0, 1));
  BOOST_REQUIRE_EQUAL(lazy.size(), 3u);
  for (std::size_t i = 0; i < lazy.size(); ++i) BOOST_TEST(lazy[i].fragments == out[i].fragments);
}
