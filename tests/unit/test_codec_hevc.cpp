#define BOOST_TEST_MODULE codec_hevc
#include <boost/test/unit_test.hpp>
#include <random>
#include <vector>

#include "core/media/codec/hevc_config.hpp"
#include "core/media/codec/nal_units.hpp"
#include "support/parsed_checks.hpp"

using bvtest::is_error;
using bvtest::value_of;
using namespace bvlive::codec;

namespace {

// hvcC records written by ffmpeg's mov muxer (x265's version SEI turned off with info=0 so
// the record holds just VPS, SPS and PPS):
// ffmpeg -f lavfi -i testsrc2=s=1280x720:r=30 -t 0.2 -c:v libx265
//        -x265-params log-level=error:info=0 -tag:v hvc1 -f mp4 hevc_720.mp4
// ffprobe: Main, level 93, 1280x720, 30/1.
const Bytes kHvcc720 = {
    0x01, 0x01, 0x60, 0x00, 0x00, 0x00, 0x90, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x5d, 0xf0, 0x00, 0xfc, 0xfd, 0xf8, 0xf8, 0x00, 0x00, 0x0f, 0x03, 0xa0,
    0x00, 0x01, 0x00, 0x18, 0x40, 0x01, 0x0c, 0x01, 0xff, 0xff, 0x01, 0x60,
    0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00,
    0x5d, 0x95, 0x98, 0x09, 0xa1, 0x00, 0x01, 0x00, 0x2b, 0x42, 0x01, 0x01,
    0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00,
    0x03, 0x00, 0x5d, 0xa0, 0x02, 0x80, 0x80, 0x2d, 0x16, 0x59, 0x59, 0xa4,
    0x93, 0x2b, 0xc0, 0x5a, 0x02, 0x00, 0x00, 0x03, 0x00, 0x02, 0x00, 0x00,
    0x03, 0x00, 0x3c, 0x10, 0xa2, 0x00, 0x01, 0x00, 0x07, 0x44, 0x01, 0xc1,
    0x72, 0xb4, 0x62, 0x40,
};

// The same with -s 1920x1080 -r 25. ffprobe: Main, level 120, 1920x1080, 25/1.
const Bytes kHvcc1080 = {
    0x01, 0x01, 0x60, 0x00, 0x00, 0x00, 0x90, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x78, 0xf0, 0x00, 0xfc, 0xfd, 0xf8, 0xf8, 0x00, 0x00, 0x0f, 0x03, 0xa0,
    0x00, 0x01, 0x00, 0x18, 0x40, 0x01, 0x0c, 0x01, 0xff, 0xff, 0x01, 0x60,
    0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00,
    0x78, 0x95, 0x98, 0x09, 0xa1, 0x00, 0x01, 0x00, 0x2a, 0x42, 0x01, 0x01,
    0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00,
    0x03, 0x00, 0x78, 0xa0, 0x03, 0xc0, 0x80, 0x10, 0xe5, 0x96, 0x56, 0x69,
    0x24, 0xca, 0xf0, 0x16, 0x80, 0x80, 0x00, 0x00, 0x03, 0x00, 0x80, 0x00,
    0x00, 0x0c, 0x84, 0xa2, 0x00, 0x01, 0x00, 0x07, 0x44, 0x01, 0xc1, 0x72,
    0xb4, 0x62, 0x40,
};

// The same with -s 854x480 -r 30 -pix_fmt yuv420p10le. ffprobe: Main 10, level 90,
// 854x480 (coded 856 wide, conformance window of one chroma column), 30/1.
const Bytes kHvcc854Main10 = {
    0x01, 0x02, 0x20, 0x00, 0x00, 0x00, 0x90, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x5a, 0xf0, 0x00, 0xfc, 0xfd, 0xfa, 0xfa, 0x00, 0x00, 0x0f, 0x03, 0xa0,
    0x00, 0x01, 0x00, 0x18, 0x40, 0x01, 0x0c, 0x01, 0xff, 0xff, 0x02, 0x20,
    0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00,
    0x5a, 0x95, 0x98, 0x09, 0xa1, 0x00, 0x01, 0x00, 0x2c, 0x42, 0x01, 0x01,
    0x02, 0x20, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00,
    0x03, 0x00, 0x5a, 0xa0, 0x06, 0xb2, 0x01, 0xe1, 0xd6, 0xd9, 0x65, 0x66,
    0x92, 0x4c, 0xaf, 0x01, 0x68, 0x08, 0x00, 0x00, 0x03, 0x00, 0x08, 0x00,
    0x00, 0x03, 0x00, 0xf0, 0x40, 0xa2, 0x00, 0x01, 0x00, 0x07, 0x44, 0x01,
    0xc1, 0x72, 0xb4, 0x62, 0x40,
};

// -s 640x360 -r 60 -pix_fmt yuv422p10le -x265-params ...:temporal-layers=1: the range
// extensions profile (4) with its constraint flags, and two temporal sub-layers, so the SPS
// carries sub-layer profile_tier_level fields. ffprobe: Rext, level 90, 640x360, 60/1.
const Bytes kHvcc422TwoLayers = {
    0x01, 0x04, 0x08, 0x00, 0x00, 0x00, 0x9d, 0x08, 0x00, 0x00, 0x00, 0x00,
    0x5a, 0xf0, 0x00, 0xfc, 0xfe, 0xfa, 0xfa, 0x00, 0x00, 0x13, 0x03, 0xa0,
    0x00, 0x01, 0x00, 0x1b, 0x40, 0x01, 0x0c, 0x02, 0xff, 0xff, 0x04, 0x08,
    0x00, 0x00, 0x03, 0x00, 0x9d, 0x08, 0x00, 0x00, 0x03, 0x00, 0x00, 0x5a,
    0x00, 0x00, 0x95, 0x98, 0xac, 0xc0, 0x48, 0xa1, 0x00, 0x01, 0x00, 0x2e,
    0x42, 0x01, 0x02, 0x04, 0x08, 0x00, 0x00, 0x03, 0x00, 0x9d, 0x08, 0x00,
    0x00, 0x03, 0x00, 0x00, 0x5a, 0x00, 0x00, 0xb0, 0x05, 0x02, 0x01, 0x69,
    0x36, 0x59, 0x59, 0x8a, 0xcd, 0x24, 0x99, 0x5e, 0x02, 0xd0, 0x10, 0x00,
    0x00, 0x03, 0x00, 0x10, 0x00, 0x00, 0x03, 0x03, 0xc0, 0x80, 0xa2, 0x00,
    0x01, 0x00, 0x07, 0x44, 0x01, 0xc1, 0x72, 0xb4, 0x62, 0x40,
};

ByteSpan span(const Bytes& bytes) { return bytes; }

Bytes remake(const HevcConfig& config) {
  std::vector<ByteSpan> vps, sps, pps;
  for (const Bytes& unit : config.vps) vps.push_back(unit);
  for (const Bytes& unit : config.sps) sps.push_back(unit);
  for (const Bytes& unit : config.pps) pps.push_back(unit);
  return make_hevc_config(vps, sps, pps);
}

}  // namespace

BOOST_AUTO_TEST_CASE(hvcc_from_x265_main_720p) {
  const HevcConfig config = value_of(parse_hevc_config(kHvcc720));
  BOOST_TEST(config.profile_space == 0);
  BOOST_TEST(config.tier_flag == 0);
  BOOST_TEST(config.profile_idc == 1);
  BOOST_TEST(config.compatibility_flags == 0x60000000u);  // Main and Main 10 decoders
  BOOST_TEST(config.constraint_flags == 0x900000000000u);  // progressive, frame only
  BOOST_TEST(config.level_idc == 93);
  BOOST_TEST(config.chroma_format_idc == 1);
  BOOST_TEST(config.bit_depth_luma == 8);
  BOOST_TEST(config.bit_depth_chroma == 8);
  BOOST_TEST(config.nal_length_size == 4);
  BOOST_TEST(config.num_temporal_layers == 1);
  BOOST_TEST(config.temporal_id_nested);
  BOOST_TEST_REQUIRE(config.vps.size() == 1u);
  BOOST_TEST_REQUIRE(config.sps.size() == 1u);
  BOOST_TEST_REQUIRE(config.pps.size() == 1u);
  BOOST_TEST(config.vps[0].size() == 24u);
  BOOST_TEST(config.sps[0].size() == 43u);
  BOOST_TEST(config.pps[0] == (Bytes{0x44, 0x01, 0xc1, 0x72, 0xb4, 0x62, 0x40}),
             boost::test_tools::per_element());
  // Annex E: compatibility 0x60000000 bit-reversed is 6; x265 sets
  // general_progressive_source_flag and general_frame_only_constraint_flag (0x90) but not
  // non_packed_constraint_flag, so this is .90, not the .B0 of Apple's examples.
  BOOST_TEST(hevc_codecs(config) == "hvc1.1.6.L93.90");
  BOOST_TEST(hevc_codecs(config, "hev1") == "hev1.1.6.L93.90");

  const HevcSps sps = value_of(parse_hevc_sps(config.sps[0]));
  BOOST_TEST(sps.profile_idc == 1);
  BOOST_TEST(sps.compatibility_flags == 0x60000000u);
  BOOST_TEST(sps.constraint_flags == 0x900000000000u);
  BOOST_TEST(sps.level_idc == 93);
  BOOST_TEST(sps.max_sub_layers == 1);
  BOOST_TEST(sps.temporal_id_nesting);
  BOOST_TEST(sps.chroma_format_idc == 1);
  BOOST_TEST(sps.bit_depth_luma == 8);
  BOOST_TEST(sps.width == 1280);
  BOOST_TEST(sps.height == 720);
  BOOST_TEST(sps.frame_rate == 30.0);
}

BOOST_AUTO_TEST_CASE(sps_sizes_bit_depths_and_rates) {
  const HevcConfig full_hd = value_of(parse_hevc_config(kHvcc1080));
  BOOST_TEST(hevc_codecs(full_hd) == "hvc1.1.6.L120.90");
  const HevcSps full_hd_sps = value_of(parse_hevc_sps(full_hd.sps[0]));
  BOOST_TEST(full_hd_sps.width == 1920);
  BOOST_TEST(full_hd_sps.height == 1080);
  BOOST_TEST(full_hd_sps.frame_rate == 25.0);

  const HevcConfig main10 = value_of(parse_hevc_config(kHvcc854Main10));
  BOOST_TEST(main10.profile_idc == 2);
  BOOST_TEST(main10.compatibility_flags == 0x20000000u);
  BOOST_TEST(main10.bit_depth_luma == 10);
  BOOST_TEST(main10.bit_depth_chroma == 10);
  BOOST_TEST(hevc_codecs(main10) == "hvc1.2.4.L90.90");
  const HevcSps main10_sps = value_of(parse_hevc_sps(main10.sps[0]));
  BOOST_TEST(main10_sps.profile_idc == 2);
  BOOST_TEST(main10_sps.bit_depth_luma == 10);
  BOOST_TEST(main10_sps.bit_depth_chroma == 10);
  BOOST_TEST(main10_sps.width == 854);
  BOOST_TEST(main10_sps.height == 480);
  BOOST_TEST(main10_sps.frame_rate == 30.0);
}

BOOST_AUTO_TEST_CASE(range_extensions_422_with_temporal_sub_layers) {
  const HevcConfig config = value_of(parse_hevc_config(kHvcc422TwoLayers));
  BOOST_TEST(config.profile_idc == 4);
  BOOST_TEST(config.compatibility_flags == 0x08000000u);
  BOOST_TEST(config.constraint_flags == 0x9d0800000000u);
  BOOST_TEST(config.chroma_format_idc == 2);
  BOOST_TEST(config.num_temporal_layers == 2);
  BOOST_TEST(!config.temporal_id_nested);
  BOOST_TEST(hevc_codecs(config) == "hvc1.4.10.L90.9D.08");

  const HevcSps sps = value_of(parse_hevc_sps(config.sps[0]));
  BOOST_TEST(sps.max_sub_layers == 2);
  BOOST_TEST(sps.profile_idc == 4);
  BOOST_TEST(sps.level_idc == 90);
  BOOST_TEST(sps.constraint_flags == 0x9d0800000000u);
  BOOST_TEST(sps.chroma_format_idc == 2);
  BOOST_TEST(sps.bit_depth_luma == 10);
  BOOST_TEST(sps.width == 640);
  BOOST_TEST(sps.height == 360);
  BOOST_TEST(sps.frame_rate == 60.0);
}

BOOST_AUTO_TEST_CASE(make_hevc_config_matches_ffmpeg_byte_for_byte) {
  for (const Bytes* record : {&kHvcc720, &kHvcc1080, &kHvcc854Main10, &kHvcc422TwoLayers}) {
    const HevcConfig parsed = value_of(parse_hevc_config(*record));
    BOOST_TEST(remake(parsed) == *record, boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(make_then_parse_round_trips_from_annexb) {
  // The parameter sets as a push delivers them: Annex B, in front of the first IRAP.
  Bytes stream;
  const HevcConfig source = value_of(parse_hevc_config(kHvcc854Main10));
  for (const auto* list : {&source.vps, &source.sps, &source.pps}) {
    stream.insert(stream.end(), {0x00, 0x00, 0x00, 0x01});
    stream.insert(stream.end(), (*list)[0].begin(), (*list)[0].end());
  }
  std::vector<ByteSpan> vps, sps, pps;
  for (const ByteSpan unit : split_annexb(stream)) {
    const int type = (unit[0] >> 1) & 0x3F;
    (type == 32 ? vps : type == 33 ? sps : pps).push_back(unit);
  }
  const HevcConfig made = value_of(parse_hevc_config(make_hevc_config(vps, sps, pps)));
  BOOST_TEST(made.profile_idc == source.profile_idc);
  BOOST_TEST(made.compatibility_flags == source.compatibility_flags);
  BOOST_TEST(made.constraint_flags == source.constraint_flags);
  BOOST_TEST(made.level_idc == source.level_idc);
  BOOST_TEST(made.bit_depth_luma == 10);
  BOOST_TEST(made.nal_length_size == 4);
  BOOST_TEST(made.sps[0] == source.sps[0], boost::test_tools::per_element());
  BOOST_TEST(hevc_codecs(made) == hevc_codecs(source));
}

BOOST_AUTO_TEST_CASE(codecs_string_fields) {
  HevcConfig config;
  config.profile_space = 1;
  config.tier_flag = 1;
  config.profile_idc = 2;
  config.compatibility_flags = 0x80000001u;  // flags 0 and 31
  config.constraint_flags = 0xB00000000000u;
  config.level_idc = 153;
  BOOST_TEST(hevc_codecs(config) == "hvc1.A2.80000001.H153.B0");
  config.constraint_flags = 0;  // all six bytes zero: all omitted
  config.profile_space = 0;
  config.compatibility_flags = 0x40000000u;
  BOOST_TEST(hevc_codecs(config) == "hvc1.2.2.H153");
  config.constraint_flags = 0x000000000001u;  // the last byte keeps the zero ones before it
  BOOST_TEST(hevc_codecs(config) == "hvc1.2.2.H153.00.00.00.00.00.01");
}

BOOST_AUTO_TEST_CASE(hvcc_keeps_sei_and_skips_unknown_arrays) {
  Bytes record = kHvcc720;
  record[22] = 5;
  // A prefix SEI array and an access unit delimiter array (type 35, not kept).
  record.insert(record.end(), {0x27, 0x00, 0x01, 0x00, 0x04, 0x4e, 0x01, 0x05, 0x80});
  record.insert(record.end(), {0x23, 0x00, 0x01, 0x00, 0x03, 0x46, 0x01, 0x50});
  const HevcConfig config = value_of(parse_hevc_config(record));
  BOOST_TEST(config.sei.size() == 1u);
  BOOST_TEST(config.vps.size() == 1u);
  BOOST_TEST(config.pps.size() == 1u);
}

BOOST_AUTO_TEST_CASE(make_hevc_config_refuses_bad_input) {
  const HevcConfig config = value_of(parse_hevc_config(kHvcc720));
  const ByteSpan vps = config.vps[0], sps = config.sps[0], pps = config.pps[0];
  BOOST_TEST(make_hevc_config({}, {sps}, {pps}).empty());
  BOOST_TEST(make_hevc_config({vps}, {}, {pps}).empty());
  BOOST_TEST(make_hevc_config({vps}, {sps}, {}).empty());
  BOOST_TEST(make_hevc_config({sps}, {vps}, {pps}).empty());  // types swapped
  BOOST_TEST(make_hevc_config({vps}, {sps.first(12)}, {pps}).empty());  // unreadable SPS
}

BOOST_AUTO_TEST_CASE(damage_is_an_error) {
  // Any cut of the record loses a field, a count or part of a NAL unit.
  for (std::size_t n = 0; n < kHvcc720.size(); ++n)
    BOOST_TEST(is_error(parse_hevc_config(ByteSpan(kHvcc720).first(n))), "cut at " << n);
  Bytes version = kHvcc720;
  version[0] = 0;
  BOOST_TEST(is_error(parse_hevc_config(version)));
  Bytes three_byte_lengths = kHvcc720;
  three_byte_lengths[21] = 0x0e;
  BOOST_TEST(is_error(parse_hevc_config(three_byte_lengths)));
  Bytes more_arrays = kHvcc720;
  more_arrays[22] = 4;
  BOOST_TEST(is_error(parse_hevc_config(more_arrays)));

  const HevcConfig config = value_of(parse_hevc_config(kHvcc1080));
  const Bytes& sps = config.sps[0];
  // Cuts before the VUI timing fields (the last 10 bytes of this SPS hold them) fail.
  for (std::size_t n = 0; n + 10 < sps.size(); ++n)
    BOOST_TEST(is_error(parse_hevc_sps(ByteSpan(sps).first(n))), "cut at " << n);
  BOOST_TEST(is_error(parse_hevc_sps(config.vps[0])));  // not an SPS
  // 40 zero bits where sps_seq_parameter_set_id's Exp-Golomb code belongs.
  Bytes huge_prefix(sps.begin(), sps.begin() + 15);
  huge_prefix.insert(huge_prefix.end(), {0x00, 0x00, 0x00, 0x00, 0x00, 0x01});
  BOOST_TEST(is_error(parse_hevc_sps(huge_prefix)));
}

BOOST_AUTO_TEST_CASE(random_bytes_never_crash) {
  std::mt19937 random(77);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> length(0, 80);
  const HevcConfig config = value_of(parse_hevc_config(kHvcc422TwoLayers));
  for (int round = 0; round < 20000; ++round) {
    Bytes data(static_cast<std::size_t>(length(random)));
    for (auto& b : data) b = static_cast<std::uint8_t>(byte(random));
    if (data.size() > 2) {
      data[0] = 0x42;
      data[1] = 0x01;
    }
    const auto sps = parse_hevc_sps(data);
    if (const auto* ok = std::get_if<HevcSps>(&sps)) {
      BOOST_TEST_REQUIRE(ok->width > 0);
      BOOST_TEST_REQUIRE(ok->height > 0);
    }
    if (!data.empty()) data[0] = 0x01;
    (void)parse_hevc_config(data);
    Bytes mutated = kHvcc422TwoLayers;
    mutated[static_cast<std::size_t>(round) % mutated.size()] ^=
        static_cast<std::uint8_t>(1 + byte(random) % 255);
    (void)parse_hevc_config(mutated);
    Bytes sps_mutated = config.sps[0];
    sps_mutated[2 + static_cast<std::size_t>(round) % (sps_mutated.size() - 2)] =
        static_cast<std::uint8_t>(byte(random));
    (void)parse_hevc_sps(sps_mutated);
    const ByteSpan vps = config.vps[0], pps = config.pps[0];
    (void)make_hevc_config({vps}, {span(sps_mutated)}, {pps});
  }
}
