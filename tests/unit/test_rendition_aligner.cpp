#define BOOST_TEST_MODULE rendition_aligner
#include <boost/test/unit_test.hpp>

#include <map>
#include <vector>

#include "media/fmp4/rendition_aligner.hpp"

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
