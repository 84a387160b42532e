#define BOOST_TEST_MODULE rendition_aligner
#include <boost/test/unit_test.hpp>

#include <map>
#include <vector>

#include "core/media/fmp4/rendition_aligner.hpp"

using namespace bvlive::fmp4;

namespace {

// One rendition's fragments: a GOP of `gop` seconds each, shifted by `offset` seconds (an
// encoder's delay), every fragment independent. Bytes carry the fragment's index.
std::vector<TimedFragment> gops(int count, double gop, double offset = 0) {
  std::vector<TimedFragment> out;
  for (int i = 0; i < count; ++i)
    out.push_back(TimedFragment{offset + i * gop, gop, true, Bytes{static_cast<std::uint8_t>(i)}});
  return out;
}

// Segments by rendition: sequence number -> the fragment indexes it holds.
using Cut = std::map<std::size_t, std::map<std::uint64_t, std::vector<int>>>;

void collect(Cut& cut, const std::vector<AlignedSegment>& segments) {
  for (const auto& s : segments) {
    auto& frags = cut[s.rendition][s.segment.sequence_number];
    BOOST_TEST(frags.empty(), "segment " << s.segment.sequence_number << " of rendition " << s.rendition
                                         << " closed twice");
    for (const auto& b : s.segment.fragments) frags.push_back(b.at(0));
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_single_rendition_is_cut_like_the_segment_cutter) {
  RenditionAligner aligner(1, 2.0);
  Cut cut;
  for (auto& f : gops(6, 1.0)) collect(cut, aligner.push(0, std::move(f)));
  collect(cut, aligner.flush());
  BOOST_TEST(cut[0].size() == 3u);
  BOOST_TEST(cut[0][1] == (std::vector<int>{2, 3}));
}

BOOST_AUTO_TEST_CASE(followers_cut_where_the_leader_cut_despite_shifted_timestamps) {
  // The leader: a copied source with 2.021 s between keyframes; followers: encoded, 67 ms late.
  RenditionAligner aligner(3, 2.0);
  Cut cut;
  auto lead = gops(10, 2.021), f1 = gops(10, 2.021, 0.067), f2 = gops(10, 2.021, -0.03);
  for (int i = 0; i < 10; ++i) {
    collect(cut, aligner.push(0, std::move(lead[i])));
    collect(cut, aligner.push(1, std::move(f1[i])));
    collect(cut, aligner.push(2, std::move(f2[i])));
  }
  collect(cut, aligner.flush());
  for (std::size_t r = 0; r < 3; ++r) {
    BOOST_TEST_REQUIRE(cut[r].size() == 10u, "rendition " << r);
    for (int k = 0; k < 10; ++k) BOOST_TEST(cut[r][k] == (std::vector<int>{k}), "rendition " << r << " seq " << k);
  }
}

BOOST_AUTO_TEST_CASE(a_follower_ahead_of_the_leader_waits_for_its_boundary) {
  // Half-second GOPs, so a 2 s segment is four fragments; the follower arrives first.
  RenditionAligner aligner(2, 2.0);
  Cut cut;
  auto lead = gops(12, 0.5), follow = gops(12, 0.5, 0.02);
  for (auto& f : follow) collect(cut, aligner.push(1, std::move(f)));
  BOOST_TEST(cut[1].empty());  // nothing decided yet
  for (int i = 0; i < 4; ++i) collect(cut, aligner.push(0, std::move(lead[i])));
  BOOST_TEST(cut[0].size() == 1u);
  BOOST_TEST(cut[1].size() == 1u);
  BOOST_TEST(cut[1][0] == (std::vector<int>{0, 1, 2, 3}));
  for (int i = 4; i < 12; ++i) collect(cut, aligner.push(0, std::move(lead[i])));
  collect(cut, aligner.flush());
  BOOST_TEST(cut[0].size() == 3u);
  BOOST_TEST(cut[1].size() == 3u);
  BOOST_TEST(cut[1][2] == (std::vector<int>{8, 9, 10, 11}));
}

BOOST_AUTO_TEST_CASE(a_follower_behind_closes_a_segment_without_waiting_for_the_next_fragment) {
  RenditionAligner aligner(2, 2.0);
  Cut cut;
  auto lead = gops(4, 0.5), follow = gops(4, 0.5, 0.04);
  for (auto& f : lead) collect(cut, aligner.push(0, std::move(f)));
  BOOST_TEST(cut[0].size() == 1u);
  for (auto& f : follow) collect(cut, aligner.push(1, std::move(f)));
  // The fourth fragment ends the segment: no fifth one was needed to see it.
  BOOST_TEST(cut[1][0] == (std::vector<int>{0, 1, 2, 3}));
}

BOOST_AUTO_TEST_CASE(a_follower_drops_what_precedes_its_first_keyframe) {
  RenditionAligner aligner(2, 2.0);
  Cut cut;
  auto lead = gops(4, 1.0);
  std::vector<TimedFragment> follow = {TimedFragment{-0.5, 0.5, false, Bytes{99}}};
  for (auto& f : gops(4, 1.0)) follow.push_back(std::move(f));
  for (auto& f : lead) collect(cut, aligner.push(0, std::move(f)));
  for (auto& f : follow) collect(cut, aligner.push(1, std::move(f)));
  collect(cut, aligner.flush());
  BOOST_TEST(cut[1][0] == (std::vector<int>{0, 1}));
  BOOST_TEST(cut[1][1] == (std::vector<int>{2, 3}));
}

BOOST_AUTO_TEST_CASE(flush_closes_the_leader_then_gives_followers_the_rest) {
  RenditionAligner aligner(2, 4.0);
  Cut cut;
  auto lead = gops(3, 1.0), follow = gops(5, 1.0);
  for (auto& f : lead) collect(cut, aligner.push(0, std::move(f)));
  for (auto& f : follow) collect(cut, aligner.push(1, std::move(f)));
  BOOST_TEST(cut.count(1) == 0u);
  collect(cut, aligner.flush());
  BOOST_TEST(cut[0][0] == (std::vector<int>{0, 1, 2}));
  // The follower's extra fragments after the leader's end go into its last segment.
  BOOST_TEST(cut[1][0] == (std::vector<int>{0, 1, 2}));
  BOOST_TEST(cut[1][1] == (std::vector<int>{3, 4}));
}

namespace {

// LL-HLS input: 1 s GOPs at 25 fps cut into parts of 8 frames (320 ms), so every GOP is
// 8 + 8 + 8 + 1 frames; only the first part of a GOP is independent. Bytes carry a global
// fragment number.
std::vector<TimedFragment> parted_gops(int gops, double offset = 0) {
  std::vector<TimedFragment> out;
  const int frames[] = {8, 8, 8, 1};
  double t = offset;
  for (int g = 0; g < gops; ++g)
    for (int p = 0; p < 4; ++p) {
      const double d = frames[p] * 0.04;
      out.push_back(TimedFragment{t, d, p == 0, Bytes{static_cast<std::uint8_t>(out.size())}});
      t += d;
    }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(parts_are_reported_as_they_join_their_segment) {
  // Segments of 1 s close at each keyframe; every fragment is reported at once with its
  // segment and index, before that segment closes.
  RenditionAligner aligner(1, 1.0, AlignerOptions{.keyframe_fragments = false, .report_placed = true});
  Cut cut;
  const auto input = parted_gops(3);
  std::size_t n = 0;
  for (const auto& f : input) {
    collect(cut, aligner.push(0, f));
    const auto placed = aligner.take_placed();
    BOOST_TEST_REQUIRE(placed.size() == 1u);
    BOOST_TEST(placed[0].sequence_number == n / 4);
    BOOST_TEST(placed[0].index == n % 4);
    BOOST_TEST(placed[0].independent == (n % 4 == 0));
    BOOST_TEST(placed[0].bytes == f.bytes);
    BOOST_TEST(placed[0].duration_seconds == f.duration_seconds);
    // The segment a part belongs to is still open when the part is reported.
    BOOST_TEST(!cut[0].contains(placed[0].sequence_number));
    ++n;
  }
  collect(cut, aligner.flush());
  BOOST_TEST(aligner.take_placed().empty());
  BOOST_TEST_REQUIRE(cut[0].size() == 3u);
  // A segment is its parts, in order: nothing dropped, nothing doubled.
  for (int s = 0; s < 3; ++s) BOOST_TEST(cut[0][s] == (std::vector<int>{4 * s, 4 * s + 1, 4 * s + 2, 4 * s + 3}));
}

BOOST_AUTO_TEST_CASE(a_follower_keeps_the_short_last_part_of_a_gop) {
  // Two-GOP segments: the 40 ms part ending GOP 1 sits inside the segment. The follower must
  // neither close early nor drop it, and its parts are reported with the leader's numbering.
  RenditionAligner aligner(2, 2.0, AlignerOptions{.keyframe_fragments = false, .report_placed = true});
  Cut cut;
  auto lead = parted_gops(6), follow = parted_gops(6, 0.02);
  std::vector<PlacedFragment> placed;
  for (std::size_t i = 0; i < lead.size(); ++i) {
    collect(cut, aligner.push(0, lead[i]));
    collect(cut, aligner.push(1, follow[i]));
    for (auto& p : aligner.take_placed()) placed.push_back(std::move(p));
  }
  collect(cut, aligner.flush());
  for (auto& p : aligner.take_placed()) placed.push_back(std::move(p));
  for (std::size_t r = 0; r < 2; ++r) {
    BOOST_TEST_REQUIRE(cut[r].size() == 3u, "rendition " << r);
    for (int s = 0; s < 3; ++s) {
      std::vector<int> want;
      for (int k = 0; k < 8; ++k) want.push_back(8 * s + k);
      BOOST_TEST(cut[r][s] == want, "rendition " << r << " segment " << s);
    }
  }
  // Every fragment of each rendition was reported once, at the place the segment holds it.
  BOOST_TEST(placed.size() == lead.size() + follow.size());
  for (const auto& p : placed)
    BOOST_TEST(cut[p.rendition][p.sequence_number].at(p.index) == p.bytes.at(0),
               "rendition " << p.rendition << " segment " << p.sequence_number << " part " << p.index);
}
