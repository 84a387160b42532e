// Receiver statistics and the RTCP the WHIP peer sends back (RFC 3550 §6.4.2, A.1; RFC 4585).
#define BOOST_TEST_MODULE rtp_receive_stats
#include <boost/test/unit_test.hpp>

#include "protocols/rtp/receive_stats.hpp"

using namespace bvlive::rtp;

namespace {
std::uint32_t word(const std::vector<std::uint8_t>& b, std::size_t at) {
  return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) | (std::uint32_t{b[at + 2]} << 8) | b[at + 3];
}
}  // namespace

BOOST_AUTO_TEST_CASE(counts_losses_across_a_sequence_wrap) {
  ReceiveStats s(0x1234);
  for (std::uint32_t seq = 65530; seq < 65546; ++seq)
    if (seq != 65534 && seq != 65537) s.on_packet(static_cast<std::uint16_t>(seq));  // two lost
  s.on_packet(65533);  // a late duplicate counts as received, as RFC 3550 does
  const ReportBlock b = s.report();
  BOOST_TEST(b.ssrc == 0x1234u);
  BOOST_TEST(b.extended_highest_seq == 65536u + 9);  // 65545 after one wrap
  BOOST_TEST(b.cumulative_lost == 1);                // 16 expected, 15 counted
  BOOST_TEST(b.fraction_lost == (1 * 256) / 16);
  // The next interval without loss reports fraction 0 and keeps the cumulative count.
  for (std::uint32_t seq = 10; seq < 20; ++seq) s.on_packet(static_cast<std::uint16_t>(seq));
  const ReportBlock c = s.report();
  BOOST_TEST(c.fraction_lost == 0);
  BOOST_TEST(c.cumulative_lost == 1);
}

BOOST_AUTO_TEST_CASE(receiver_report_and_pli_layout) {
  ReportBlock b{0xAABBCCDD, 64, 3, 70000, 0};
  const auto rr = receiver_report(0x62766c76, std::span<const ReportBlock>(&b, 1));
  BOOST_REQUIRE_EQUAL(rr.size(), 32u);
  BOOST_TEST(rr[0] == 0x81);  // V=2, one report block
  BOOST_TEST(rr[1] == 201);
  BOOST_TEST(((rr[2] << 8) | rr[3]) == 7);  // 8 words - 1
  BOOST_TEST(word(rr, 4) == 0x62766c76u);
  BOOST_TEST(word(rr, 8) == 0xAABBCCDDu);
  BOOST_TEST(word(rr, 12) == ((64u << 24) | 3u));
  BOOST_TEST(word(rr, 16) == 70000u);
  const auto pli = picture_loss_indication(1, 0xAABBCCDD);
  BOOST_REQUIRE_EQUAL(pli.size(), 12u);
  BOOST_TEST(pli[0] == 0x81);  // FMT 1
  BOOST_TEST(pli[1] == 206);
  BOOST_TEST(word(pli, 8) == 0xAABBCCDDu);
}
