#define BOOST_TEST_MODULE codec_nal_units
#include <boost/test/unit_test.hpp>
#include <vector>

#include "core/media/codec/bit_reader.hpp"
#include "core/media/codec/nal_units.hpp"

using namespace bvlive::codec;

namespace {

// The first 48 bytes of an x264 Annex B stream: 4-byte start codes before the SPS and PPS,
// a 3-byte one before the SEI (cut short here).
// ffmpeg -f lavfi -i testsrc2=s=1280x720:r=30 -t 0.2 -c:v libx264 -profile:v high
//        -pix_fmt yuv420p -f h264 h264_720.h264
const std::vector<std::uint8_t> kX264Start = {
    0x00, 0x00, 0x00, 0x01, 0x67, 0x64, 0x00, 0x1f, 0xac, 0xd9, 0x40, 0x50,
    0x05, 0xbb, 0x01, 0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00, 0x00, 0x03,
    0x03, 0xc0, 0xf1, 0x83, 0x19, 0x60, 0x00, 0x00, 0x00, 0x01, 0x68, 0xeb,
    0xe3, 0xcb, 0x22, 0xc0, 0x00, 0x00, 0x01, 0x06, 0x05, 0xff, 0xff, 0xaa,
};

Bytes bytes_of(ByteSpan span) { return Bytes(span.begin(), span.end()); }

}  // namespace

BOOST_AUTO_TEST_CASE(annexb_splits_x264_output_on_3_and_4_byte_start_codes) {
  const auto units = split_annexb(kX264Start);
  BOOST_TEST_REQUIRE(units.size() == 3u);
  BOOST_TEST(units[0].size() == 26u);  // the SPS, as ffmpeg stores it in avcC
  BOOST_TEST(units[0][0] == 0x67);
  BOOST_TEST(units[0].back() == 0x60);
  const Bytes pps = {0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0};
  BOOST_TEST(bytes_of(units[1]) == pps, boost::test_tools::per_element());
  BOOST_TEST(units[2].size() == 5u);
  BOOST_TEST(units[2][0] == 0x06);
}

BOOST_AUTO_TEST_CASE(annexb_skips_leading_garbage_empty_units_and_trailing_zeros) {
  const Bytes stream = {0xAB, 0xCD,                    // before any start code
                        0x00, 0x00, 0x01,              // an empty unit
                        0x00, 0x00, 0x01, 0x09, 0xF0,  // access unit delimiter
                        0x00, 0x00, 0x00, 0x00,        // trailing_zero_8bits
                        0x00, 0x00, 0x01, 0x65, 0x88, 0x00, 0x00};
  const auto units = split_annexb(stream);
  BOOST_TEST_REQUIRE(units.size() == 2u);
  BOOST_TEST(bytes_of(units[0]) == (Bytes{0x09, 0xF0}), boost::test_tools::per_element());
  BOOST_TEST(bytes_of(units[1]) == (Bytes{0x65, 0x88}), boost::test_tools::per_element());
  BOOST_TEST(split_annexb(Bytes{}).empty());
  BOOST_TEST(split_annexb(Bytes{0x00, 0x00, 0x01}).empty());
  BOOST_TEST(split_annexb(Bytes{0x00, 0x00, 0x00, 0x00}).empty());
  BOOST_TEST(split_annexb(Bytes{0x12, 0x34, 0x56}).empty());
}

BOOST_AUTO_TEST_CASE(length_prefixed_round_trips_and_rejects_overruns) {
  const auto annexb = split_annexb(kX264Start);
  Bytes sample;
  for (const ByteSpan unit : annexb) append_length_prefixed(sample, unit);
  BOOST_TEST(sample.size() == 3u * 4 + 26 + 6 + 5);
  BOOST_TEST(sample[3] == 26);
  const auto units = split_length_prefixed(sample, 4);
  BOOST_TEST_REQUIRE(units.has_value());
  BOOST_TEST_REQUIRE(units->size() == 3u);
  for (std::size_t i = 0; i < 3; ++i)
    BOOST_TEST(bytes_of((*units)[i]) == bytes_of(annexb[i]), boost::test_tools::per_element());

  const Bytes two = {0x00, 0x02, 0x09, 0xF0, 0x00, 0x00, 0x00, 0x01, 0x65};
  const auto short_units = split_length_prefixed(two, 2);
  BOOST_TEST_REQUIRE(short_units.has_value());
  BOOST_TEST(short_units->size() == 2u);  // the zero-length unit is skipped
  BOOST_TEST((*short_units)[1][0] == 0x65);
  const auto one = split_length_prefixed(Bytes{0x01, 0x09, 0x02, 0x65, 0x88}, 1);
  BOOST_TEST_REQUIRE(one.has_value());
  BOOST_TEST(one->size() == 2u);

  BOOST_TEST(!split_length_prefixed(Bytes{0x00, 0x00, 0x00, 0x05, 0x65}, 4));  // runs past end
  BOOST_TEST(!split_length_prefixed(Bytes{0x00, 0x00, 0x01, 0x65, 0x00, 0x00}, 4));  // partial length
  BOOST_TEST(!split_length_prefixed(Bytes{0xFF, 0xFF, 0xFF, 0xFF}, 4));
  BOOST_TEST(!split_length_prefixed(Bytes{0x01, 0x65}, 3));  // not an allowed length size
  BOOST_TEST(split_length_prefixed(Bytes{}, 4)->empty());
}

BOOST_AUTO_TEST_CASE(rbsp_drops_emulation_prevention_bytes) {
  // The 720p SPS above has two: ...10 00 00 03 00 10 00 00 03 03 c0...
  const auto sps = split_annexb(kX264Start)[0];
  const Bytes rbsp = rbsp_of(sps);
  BOOST_TEST(rbsp.size() == sps.size() - 2);
  const Bytes middle(rbsp.begin() + 12, rbsp.begin() + 19);
  BOOST_TEST(middle == (Bytes{0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x03}),
             boost::test_tools::per_element());
  BOOST_TEST(rbsp_of(Bytes{0x00, 0x00, 0x03}) == (Bytes{0x00, 0x00}),
             boost::test_tools::per_element());
  BOOST_TEST(rbsp_of(Bytes{0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03}) ==
                 (Bytes{0x00, 0x03, 0x00, 0x00, 0x00, 0x00}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(bit_reader_reads_exp_golomb_and_fixed_fields) {
  // ue: 1 010 011 00100 00101 0001000 (0, 1, 2, 3, 4, 7); se: 010 011 00100 (+1, -1, +2);
  // then 10110.
  const Bytes data = {0xa6, 0x42, 0x88, 0x4c, 0x96};
  BitReader in(data);
  for (const std::uint32_t expected : {0u, 1u, 2u, 3u, 4u, 7u}) BOOST_TEST(in.ue() == expected);
  BOOST_TEST(in.se() == 1);
  BOOST_TEST(in.se() == -1);
  BOOST_TEST(in.se() == 2);
  BOOST_TEST(in.bits_left() == 5u);
  BOOST_TEST(in.bits(5) == 0b10110u);
  BOOST_TEST(!in.failed());
  BOOST_TEST(in.bits_left() == 0u);
  BOOST_TEST(in.bit() == false);  // past the end: zero, and the latch
  BOOST_TEST(in.failed());
}

BOOST_AUTO_TEST_CASE(bit_reader_reads_32_bits_and_latches_on_overrun) {
  const Bytes data = {0xDE, 0xAD, 0xBE, 0xEF, 0x80};
  BitReader in(data);
  in.skip(4);
  BOOST_TEST(in.bits(32) == 0xEADBEEF8u);
  BOOST_TEST(in.bits(0) == 0u);
  BOOST_TEST(in.bits(4) == 0u);
  BOOST_TEST(!in.failed());
  BOOST_TEST(in.bits(33) == 0u);  // wider than the interface allows
  BOOST_TEST(in.failed());

  BitReader skipper(data);
  skipper.skip(41);
  BOOST_TEST(skipper.failed());
  BOOST_TEST(skipper.bits_left() == 0u);
  BOOST_TEST(skipper.bits(1) == 0u);
}

BOOST_AUTO_TEST_CASE(exp_golomb_limits) {
  // 31 leading zeros: the largest value that fits, 2^32 - 2.
  Bytes max = {0x00, 0x00, 0x00, 0x01, 0xFF, 0xFF, 0xFF, 0xFE};
  BitReader ok(max);
  BOOST_TEST(ok.ue() == 0xFFFFFFFEu);
  BOOST_TEST(!ok.failed());
  // 32 leading zeros and more: a value beyond 32 bits, or hostile padding.
  const Bytes huge = {0x00, 0x00, 0x00, 0x00, 0x80, 0xFF, 0xFF, 0xFF, 0xFF};
  BitReader too_long(huge);
  BOOST_TEST(too_long.ue() == 0u);
  BOOST_TEST(too_long.failed());
  const Bytes zeros(4096, 0x00);
  BitReader all_zero(zeros);
  BOOST_TEST(all_zero.se() == 0);
  BOOST_TEST(all_zero.failed());
  // A prefix cut off by the end of the data.
  const Bytes short_prefix = {0x00, 0x01};
  BitReader cut(short_prefix);
  BOOST_TEST(cut.ue() == 0u);
  BOOST_TEST(cut.failed());
  // se of the largest codeNum stays in range: -(2^31 - 1).
  BitReader most_negative(max);
  BOOST_TEST(most_negative.se() == -2147483647);
}
