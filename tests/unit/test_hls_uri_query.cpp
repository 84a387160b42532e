#define BOOST_TEST_MODULE hls_uri_query
#include <boost/test/unit_test.hpp>

#include "core/media/hls/uri_query.hpp"

using bvlive::hls::with_query;

BOOST_AUTO_TEST_CASE(every_uri_line_and_uri_attribute_gets_the_query) {
  const std::string in =
      "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-MAP:URI=\"se_1/init.mp4\"\n#EXTINF:2.000,\nse_1/seg_1.m4s\n"
      "#EXT-X-KEY:METHOD=AES-128,URI=\"key?n=3\",IV=0x01\n#EXTINF:2.000,\nvod/se_1/seg_2.m4s\n#EXT-X-ENDLIST\n";
  const std::string out = with_query(in, "token=t.k.s&device=d1");
  BOOST_TEST(out ==
             "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-MAP:URI=\"se_1/init.mp4?token=t.k.s&device=d1\"\n#EXTINF:2.000,\n"
             "se_1/seg_1.m4s?token=t.k.s&device=d1\n"
             "#EXT-X-KEY:METHOD=AES-128,URI=\"key?n=3&token=t.k.s&device=d1\",IV=0x01\n#EXTINF:2.000,\n"
             "vod/se_1/seg_2.m4s?token=t.k.s&device=d1\n#EXT-X-ENDLIST\n");
}

BOOST_AUTO_TEST_CASE(master_playlists_crlf_and_no_query) {
  const std::string master = "#EXTM3U\r\n#EXT-X-STREAM-INF:BANDWIDTH=1\r\nmedia_720p.m3u8\r\n\r\n";
  BOOST_TEST(with_query(master, "token=x") ==
             "#EXTM3U\r\n#EXT-X-STREAM-INF:BANDWIDTH=1\r\nmedia_720p.m3u8?token=x\r\n\r\n");
  BOOST_TEST(with_query(master, "") == master);
  BOOST_TEST(with_query("a.m3u8", "t=1") == "a.m3u8?t=1");  // no final newline
}
