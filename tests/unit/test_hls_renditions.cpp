#define BOOST_TEST_MODULE hls_renditions
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "core/media/hls/media_playlist.hpp"
#include "core/media/hls/renditions.hpp"
#include "support/playlist_text.hpp"
#include "support/segments.hpp"

using namespace bvlive;
using namespace bvlive::hls;

namespace {

// A ladder session: `count` seqs continuing `into`, one segment per rendition each, in
// (seq, rendition) order as the index keeps them.
void add_ladder_session(std::vector<SegmentRecord>& into, const std::string& session, int count,
                        const std::vector<std::string>& renditions, std::int64_t bytes_per_rendition = 1000) {
  std::vector<SegmentRecord> one;
  bvtest::add_session(one, session, count);
  const std::int64_t base = into.empty() ? 0 : into.back().seq + 1;
  std::vector<SegmentRecord> rows;
  for (auto s : one) {
    s.seq += base;
    for (std::size_t r = 0; r < renditions.size(); ++r) {
      SegmentRecord x = s;
      x.rendition = renditions[r];
      x.file = session + "/" + renditions[r] + "/seg_" + std::to_string(s.seq) + ".m4s";
      x.init_file = session + "/" + renditions[r] + "/init.mp4";
      x.bytes = bytes_per_rendition * static_cast<std::int64_t>(renditions.size() - r);
      rows.push_back(x);
    }
  }
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return std::tie(a.seq, a.rendition) < std::tie(b.seq, b.rendition); });
  into.insert(into.end(), rows.begin(), rows.end());
}

}  // namespace

BOOST_AUTO_TEST_CASE(rendition_names_and_playlists) {
  BOOST_TEST(rendition_height("720p") == 720);
  BOOST_TEST(rendition_height("2160p") == 2160);
  BOOST_TEST(rendition_height("") == 0);
  BOOST_TEST(rendition_height("p") == 0);
  BOOST_TEST(rendition_height("72x0p") == 0);
  BOOST_TEST(rendition_name(1080) == "1080p");
  BOOST_TEST(rendition_playlist("") == "media.m3u8");
  BOOST_TEST(rendition_playlist("480p") == "media_480p.m3u8");
  std::string r = "x";
  BOOST_TEST(rendition_of_playlist("media.m3u8", r));
  BOOST_TEST(r.empty());
  BOOST_TEST(rendition_of_playlist("media_360p.m3u8", r));
  BOOST_TEST(r == "360p");
  BOOST_TEST(!rendition_of_playlist("media_abc.m3u8", r));
  BOOST_TEST(!rendition_of_playlist("index.m3u8", r));
  BOOST_TEST(!rendition_of_playlist("media_720p.m3u8x", r));
}

BOOST_AUTO_TEST_CASE(each_rendition_playlist_lists_its_own_segments_once_per_seq) {
  std::vector<SegmentRecord> all;
  add_ladder_session(all, "s1", 5, {"720p", "480p", "360p"});
  const auto v480 = rendition_view(all, "480p");
  BOOST_REQUIRE_EQUAL(v480.size(), 5u);
  for (std::size_t i = 0; i < v480.size(); ++i) {
    BOOST_TEST(v480[i].seq == static_cast<std::int64_t>(i));
    BOOST_TEST(v480[i].rendition == "480p");
  }
  const auto top = rendition_view(all, "");
  BOOST_TEST(top.front().rendition == "720p");
  const auto text = media_playlist(rendition_view(all, "360p"), MediaPlaylistOptions{.view = View::Dvr});
  const auto uris = bvtest::playlist_text::uris(text);
  BOOST_REQUIRE_EQUAL(uris.size(), 5u);
  BOOST_TEST(uris.front() == "s1/360p/seg_0.m4s");
  BOOST_TEST(bvtest::playlist_text::has_line(text, "#EXT-X-MAP:URI=\"s1/360p/init.mp4\""));
  BOOST_TEST(session_renditions(all, "s1") == (std::vector<std::string>{"720p", "480p", "360p"}));
}

BOOST_AUTO_TEST_CASE(a_session_without_the_rendition_is_stood_in_for_by_the_nearest_below) {
  std::vector<SegmentRecord> all;
  add_ladder_session(all, "s1", 3, {"1080p", "720p", "360p"});
  bvtest::add_session(all, "s2", 2);  // a passthrough push: rendition ""
  add_ladder_session(all, "s3", 2, {"720p", "480p"});
  const auto v480 = rendition_view(all, "480p");
  BOOST_REQUIRE_EQUAL(v480.size(), 7u);
  BOOST_TEST(v480[0].rendition == "360p");  // s1 had no 480p: the highest below
  BOOST_TEST(v480[3].rendition == "");      // s2 had only its one rendition
  BOOST_TEST(v480[5].rendition == "480p");
  const auto v1080 = rendition_view(all, "1080p");
  BOOST_TEST(v1080[0].rendition == "1080p");
  BOOST_TEST(v1080[5].rendition == "720p");  // s3's top
  const auto v240 = rendition_view(all, "240p");
  BOOST_TEST(v240[0].rendition == "360p");   // nothing below: the lowest there is
  BOOST_TEST(v240[5].rendition == "480p");
  // The segments follow each other in seq order, so the playlist is continuous.
  for (std::size_t i = 1; i < v480.size(); ++i) BOOST_TEST(v480[i].seq == v480[i - 1].seq + 1);
  BOOST_TEST(session_renditions(all, "s2") == (std::vector<std::string>{""}));
}

BOOST_AUTO_TEST_CASE(bandwidth_is_measured_per_rendition) {
  std::vector<SegmentRecord> all;
  add_ladder_session(all, "s1", 4, {"720p", "360p"}, 1000);
  Variant top, low;
  measure_bandwidth(rendition_view(all, "720p"), top);
  measure_bandwidth(rendition_view(all, "360p"), low);
  BOOST_TEST(top.bandwidth == 8000);  // 2000 bytes every 2 s
  BOOST_TEST(low.bandwidth == 4000);
  BOOST_TEST(*low.average_bandwidth == 4000);
  Variant none;
  measure_bandwidth({}, none);
  BOOST_TEST(none.bandwidth == 1);
  BOOST_TEST(!none.average_bandwidth.has_value());
}

BOOST_AUTO_TEST_CASE(a_lower_rendition_trailing_the_top_one_is_not_stood_in_for) {
  std::vector<SegmentRecord> all;
  add_ladder_session(all, "s1", 4, {"720p", "360p"});
  // The top rendition's newest two seqs are written; the 360p ones come a moment later.
  const std::int64_t next = all.back().seq + 1;
  for (std::int64_t seq : {next, next + 1}) {
    SegmentRecord top = *std::find_if(all.begin(), all.end(), [](const SegmentRecord& s) { return s.rendition == "720p"; });
    top.seq = seq;
    top.file = "s1/720p/seg_" + std::to_string(seq) + ".m4s";
    all.push_back(top);
  }
  const auto v360 = rendition_view(all, "360p");
  BOOST_REQUIRE_EQUAL(v360.size(), 4u);
  BOOST_TEST(v360.back().rendition == "360p");
  BOOST_TEST(rendition_view(all, "720p").size() == 6u);
  // A gap inside the push (a segment the encoder of that rendition lost) is still filled.
  std::erase_if(all, [&](const SegmentRecord& s) { return s.seq == 1 && s.rendition == "360p"; });
  const auto gap = rendition_view(all, "360p");
  BOOST_REQUIRE_EQUAL(gap.size(), 4u);
  BOOST_TEST(gap[1].rendition == "720p");
}
