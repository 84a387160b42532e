#define BOOST_TEST_MODULE codec_h264
#include <boost/test/unit_test.hpp>
#include <random>
#include <vector>

#include "core/media/codec/h264_config.hpp"
#include "core/media/codec/nal_units.hpp"
#include "support/parsed_checks.hpp"

using bvtest::is_error;
using bvtest::value_of;
using namespace bvlive::codec;

namespace {

// avcC of: ffmpeg -f lavfi -i testsrc2=s=1280x720:r=30 -t 0.2 -c:v libx264 -profile:v high
//          -pix_fmt yuv420p -f mp4 h264_720.mp4
// ffprobe: High, level 31, 1280x720, 30/1. ffmpeg writes the High-profile extension
// (fd f8 f8 00: 4:2:0, 8-bit luma and chroma, no SPS extensions) after the PPS.
const Bytes kAvcc720 = {
    0x01, 0x64, 0x00, 0x1f, 0xff, 0xe1, 0x00, 0x1a, 0x67, 0x64, 0x00, 0x1f,
    0xac, 0xd9, 0x40, 0x50, 0x05, 0xbb, 0x01, 0x10, 0x00, 0x00, 0x03, 0x00,
    0x10, 0x00, 0x00, 0x03, 0x03, 0xc0, 0xf1, 0x83, 0x19, 0x60, 0x01, 0x00,
    0x06, 0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0, 0xfd, 0xf8, 0xf8, 0x00,
};

// avcC of: ffmpeg -f lavfi -i testsrc2=s=1280x720:r=50 -t 0.2 -c:v libx264
//          -profile:v high422 -pix_fmt yuv422p10le -f mp4 h264_422.mp4
// ffprobe: High 4:2:2, level 32, 1280x720, yuv422p10le, 50/1.
const Bytes kAvcc422 = {
    0x01, 0x7a, 0x00, 0x20, 0xff, 0xe1, 0x00, 0x1a, 0x67, 0x7a, 0x00, 0x20,
    0xb6, 0xcd, 0x94, 0x05, 0x00, 0x5b, 0xb0, 0x11, 0x00, 0x00, 0x03, 0x00,
    0x01, 0x00, 0x00, 0x03, 0x00, 0x64, 0x0f, 0x18, 0x31, 0x96, 0x01, 0x00,
    0x06, 0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0, 0xfe, 0xfa, 0xfa, 0x00,
};

// SPS and PPS of: ffmpeg -f lavfi -i testsrc2=s=1920x1080:r=25 -t 0.2 -c:v libx264
//                 -profile:v main -pix_fmt yuv420p -f h264 h264_1080.h264
// ffprobe: Main, level 40, 1920x1080 (coded 1088, cropped by 8 rows), 25/1.
const Bytes kSps1080Main = {
    0x67, 0x4d, 0x40, 0x28, 0xec, 0xa0, 0x3c, 0x01, 0x13, 0xf2, 0xe0, 0x22,
    0x00, 0x00, 0x03, 0x00, 0x02, 0x00, 0x00, 0x03, 0x00, 0x64, 0x1e, 0x30,
    0x63, 0x2c,
};
const Bytes kPps1080Main = {0x68, 0xeb, 0xe3, 0xcb, 0x20};

// SPS of: ffmpeg -f lavfi -i testsrc2=s=854x480:r=30000/1001 -t 0.2 -c:v libx264
//         -profile:v baseline -pix_fmt yuv420p -f h264 h264_854.h264
// ffprobe: Constrained Baseline, level 31, 854x480 (coded 864, cropped by 10), 30000/1001.
const Bytes kSps854Baseline = {
    0x67, 0x42, 0xc0, 0x1f, 0xd9, 0x00, 0xd8, 0x3d, 0xe6, 0xf0, 0x11, 0x00,
    0x00, 0x03, 0x03, 0xe9, 0x00, 0x00, 0xea, 0x60, 0x0f, 0x18, 0x32, 0x48,
};
const Bytes kPps854Baseline = {0x68, 0xcb, 0x83, 0xcb, 0x20};

// SPS of: ffmpeg -f lavfi -i testsrc2=s=1920x1080:r=25 -t 0.2 -c:v libx264 -profile:v high
//         -pix_fmt yuv420p -flags +ildct+ilme -x264-params interlaced=1 -f h264 h264_1080i.h264
// ffprobe: High, level 40, 1920x1080, field_order tt, 25/1. frame_mbs_only_flag is 0: the
// height counts field macroblock pairs and the crop unit is 4 rows.
const Bytes kSps1080i = {
    0x67, 0x64, 0x00, 0x28, 0xac, 0xd9, 0x40, 0x78, 0x04, 0x4f, 0xde, 0x02,
    0x20, 0x00, 0x00, 0x03, 0x00, 0x20, 0x00, 0x00, 0x06, 0x43, 0xe2, 0xc5,
    0xb2, 0xc0,
};

// SPS of: ffmpeg -f lavfi -i testsrc2=s=640x360:r=24 -t 0.2 -c:v libx264 -profile:v high444
//         -pix_fmt yuv444p -f h264 h264_444.h264
// ffprobe: High 4:4:4 Predictive, level 30, 640x360 (coded 368, crop unit 1 row), 24/1.
const Bytes kSps444 = {
    0x67, 0xf4, 0x00, 0x1e, 0x91, 0x9b, 0x28, 0x14, 0x05, 0xff, 0x13, 0x80,
    0x88, 0x00, 0x00, 0x03, 0x00, 0x08, 0x00, 0x00, 0x03, 0x01, 0x80, 0x78,
    0xb1, 0x6c, 0xb0,
};

ByteSpan span(const Bytes& bytes) { return bytes; }

// Writes RBSP bits, then escapes them into a NAL unit payload (§7.4.1).
class BitWriter {
 public:
  BitWriter& u(unsigned count, std::uint32_t value) {
    for (unsigned i = count; i-- > 0;) {
      if (used_ % 8 == 0) bytes_.push_back(0);
      if ((value >> i) & 1u) bytes_.back() |= static_cast<std::uint8_t>(0x80u >> (used_ % 8));
      ++used_;
    }
    return *this;
  }
  BitWriter& ue(std::uint32_t value) {
    const std::uint64_t code = std::uint64_t{value} + 1;
    unsigned length = 0;
    while ((code >> length) > 1) ++length;
    u(length, 0);
    for (unsigned i = length + 1; i-- > 0;) u(1, static_cast<std::uint32_t>((code >> i) & 1u));
    return *this;
  }
  BitWriter& se(std::int32_t value) {
    return ue(value > 0 ? static_cast<std::uint32_t>(2 * value - 1)
                        : static_cast<std::uint32_t>(-2 * static_cast<std::int64_t>(value)));
  }
  Bytes nal(std::uint8_t header) {
    u(1, 1);  // rbsp_stop_one_bit, then alignment zeros
    Bytes out = {header};
    int zeros = 0;
    for (const std::uint8_t byte : bytes_) {
      if (zeros >= 2 && byte <= 3) {
        out.push_back(0x03);
        zeros = 0;
      }
      out.push_back(byte);
      zeros = byte == 0 ? zeros + 1 : 0;
    }
    return out;
  }

 private:
  Bytes bytes_;
  unsigned used_ = 0;
};

}  // namespace

BOOST_AUTO_TEST_CASE(avcc_from_x264_high_720p) {
  const AvcConfig config = value_of(parse_avc_config(kAvcc720));
  BOOST_TEST(config.profile == 100);
  BOOST_TEST(config.compatibility == 0);
  BOOST_TEST(config.level == 31);
  BOOST_TEST(config.nal_length_size == 4);
  BOOST_TEST_REQUIRE(config.sps.size() == 1u);
  BOOST_TEST_REQUIRE(config.pps.size() == 1u);
  BOOST_TEST(config.sps[0].size() == 26u);
  BOOST_TEST(config.pps[0] == (Bytes{0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0}),
             boost::test_tools::per_element());
  BOOST_TEST(config.chroma_format_idc == 1);
  BOOST_TEST(config.bit_depth_luma == 8);
  BOOST_TEST(config.bit_depth_chroma == 8);
  BOOST_TEST(avc_codecs(config) == "avc1.64001f");
  BOOST_TEST(avc_codecs(config, "avc3") == "avc3.64001f");

  const H264Sps sps = value_of(parse_h264_sps(config.sps[0]));
  BOOST_TEST(sps.profile_idc == 100);
  BOOST_TEST(sps.constraint_flags == 0);
  BOOST_TEST(sps.level_idc == 31);
  BOOST_TEST(sps.chroma_format_idc == 1);
  BOOST_TEST(sps.bit_depth_luma == 8);
  BOOST_TEST(sps.bit_depth_chroma == 8);
  BOOST_TEST(sps.frame_mbs_only);
  BOOST_TEST(sps.width == 1280);
  BOOST_TEST(sps.height == 720);
  BOOST_TEST(sps.sar_width == 1);
  BOOST_TEST(sps.sar_height == 1);
  BOOST_TEST(sps.frame_rate == 30.0);
}

BOOST_AUTO_TEST_CASE(avcc_from_x264_high422_10bit) {
  const AvcConfig config = value_of(parse_avc_config(kAvcc422));
  BOOST_TEST(config.profile == 122);
  BOOST_TEST(config.level == 32);
  BOOST_TEST(config.chroma_format_idc == 2);
  BOOST_TEST(config.bit_depth_luma == 10);
  BOOST_TEST(config.bit_depth_chroma == 10);
  BOOST_TEST(avc_codecs(config) == "avc1.7a0020");

  const H264Sps sps = value_of(parse_h264_sps(config.sps[0]));
  BOOST_TEST(sps.profile_idc == 122);
  BOOST_TEST(sps.chroma_format_idc == 2);
  BOOST_TEST(sps.bit_depth_luma == 10);
  BOOST_TEST(sps.bit_depth_chroma == 10);
  BOOST_TEST(sps.width == 1280);
  BOOST_TEST(sps.height == 720);
  BOOST_TEST(sps.frame_rate == 50.0);
}

BOOST_AUTO_TEST_CASE(sps_cropping_and_frame_rates) {
  const H264Sps main = value_of(parse_h264_sps(kSps1080Main));
  BOOST_TEST(main.profile_idc == 77);
  BOOST_TEST(main.constraint_flags == 0x40);
  BOOST_TEST(main.level_idc == 40);
  BOOST_TEST(main.width == 1920);
  BOOST_TEST(main.height == 1080);
  BOOST_TEST(main.frame_rate == 25.0);

  const H264Sps baseline = value_of(parse_h264_sps(kSps854Baseline));
  BOOST_TEST(baseline.profile_idc == 66);
  BOOST_TEST(baseline.constraint_flags == 0xC0);
  BOOST_TEST(baseline.level_idc == 31);
  BOOST_TEST(baseline.width == 854);
  BOOST_TEST(baseline.height == 480);
  BOOST_TEST(baseline.frame_rate == 30000.0 / 1001.0, boost::test_tools::tolerance(1e-9));

  const H264Sps interlaced = value_of(parse_h264_sps(kSps1080i));
  BOOST_TEST(!interlaced.frame_mbs_only);
  BOOST_TEST(interlaced.width == 1920);
  BOOST_TEST(interlaced.height == 1080);
  BOOST_TEST(interlaced.frame_rate == 25.0);

  const H264Sps full_chroma = value_of(parse_h264_sps(kSps444));
  BOOST_TEST(full_chroma.profile_idc == 244);
  BOOST_TEST(full_chroma.chroma_format_idc == 3);
  BOOST_TEST(full_chroma.width == 640);
  BOOST_TEST(full_chroma.height == 360);
  BOOST_TEST(full_chroma.frame_rate == 24.0);
}

BOOST_AUTO_TEST_CASE(sps_with_scaling_matrices_and_extended_sar) {
  // x264 puts custom matrices in the PPS, so this SPS is written by hand: High profile with
  // seq_scaling_matrix_present_flag, a 4x4 list ended early by a zero nextScale, a full
  // 8x8 list, poc type 1, cropping on both sides and a VUI with Extended_SAR.
  BitWriter w;
  w.u(8, 100).u(8, 0).u(8, 40).ue(0);  // profile, constraints, level, sps id
  w.ue(1).ue(0).ue(0).u(1, 0);         // 4:2:0, 8-bit, no transform bypass
  w.u(1, 1);                           // seq_scaling_matrix_present_flag
  for (int i = 0; i < 8; ++i) {
    const bool present = i == 0 || i == 6;
    w.u(1, present);
    if (i == 0) w.se(-8);  // nextScale 0: use the default list, no more deltas
    if (i == 6)
      for (int j = 0; j < 64; ++j) w.se(j % 2 ? 3 : -2);
  }
  w.ue(0).ue(1);                    // log2_max_frame_num_minus4, pic_order_cnt_type 1
  w.u(1, 0).se(-2).se(1).ue(3);     // poc type 1 fields with a 3-entry cycle
  w.se(4).se(-4).se(100000);        //
  w.ue(4).u(1, 0);                  // max_num_ref_frames, gaps
  w.ue(119).ue(67);                 // 1920 x 1088
  w.u(1, 1).u(1, 1);                // frame_mbs_only, direct_8x8_inference
  w.u(1, 1).ue(2).ue(3).ue(1).ue(3);  // crop 4+6 columns, 2+6 rows
  w.u(1, 1);                          // vui_parameters_present_flag
  w.u(1, 1).u(8, 255).u(16, 4).u(16, 3);  // Extended_SAR 4:3
  w.u(1, 0);                              // overscan
  w.u(1, 1).u(3, 5).u(1, 1).u(1, 1).u(8, 1).u(8, 1).u(8, 1);  // full range BT.709
  w.u(1, 1).ue(0).ue(0);                  // chroma location
  w.u(1, 1).u(32, 1001).u(32, 120000).u(1, 1);  // 59.94 fields: 59.94 frames
  w.u(1, 0).u(1, 0).u(1, 0).u(1, 0);            // no HRD, pic_struct, restriction
  const Bytes nal = w.nal(0x67);
  const H264Sps sps = value_of(parse_h264_sps(nal));
  BOOST_TEST(sps.profile_idc == 100);
  BOOST_TEST(sps.level_idc == 40);
  BOOST_TEST(sps.width == 1920 - 2 * (2 + 3));
  BOOST_TEST(sps.height == 1088 - 2 * (1 + 3));
  BOOST_TEST(sps.sar_width == 4);
  BOOST_TEST(sps.sar_height == 3);
  BOOST_TEST(sps.frame_rate == 120000.0 / 2002.0, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(make_avc_config_matches_ffmpeg_byte_for_byte) {
  // ffmpeg's mov muxer builds avcC from the same SPS/PPS; ours must be identical,
  // including the High-profile extension.
  for (const Bytes* record : {&kAvcc720, &kAvcc422}) {
    const AvcConfig parsed = value_of(parse_avc_config(*record));
    const Bytes made = make_avc_config({span(parsed.sps[0])}, {span(parsed.pps[0])});
    BOOST_TEST(made == *record, boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(make_then_parse_round_trips) {
  const Bytes made = make_avc_config({span(kSps1080Main)}, {span(kPps1080Main)});
  BOOST_TEST(made.size() == 6 + 2 + kSps1080Main.size() + 1 + 2 + kPps1080Main.size());
  const AvcConfig main = value_of(parse_avc_config(made));
  BOOST_TEST(main.profile == 77);
  BOOST_TEST(main.compatibility == 0x40);
  BOOST_TEST(main.level == 40);
  BOOST_TEST(main.nal_length_size == 4);
  BOOST_TEST(main.sps[0] == kSps1080Main, boost::test_tools::per_element());
  BOOST_TEST(main.pps[0] == kPps1080Main, boost::test_tools::per_element());
  BOOST_TEST(avc_codecs(main) == "avc1.4d4028");

  const AvcConfig baseline =
      value_of(parse_avc_config(make_avc_config({span(kSps854Baseline)}, {span(kPps854Baseline)})));
  BOOST_TEST(avc_codecs(baseline) == "avc1.42c01f");

  // Two PPS, and the 4:4:4 profile (244) whose avcC has no extension in §5.3.3.1.2.
  const Bytes two_pps = make_avc_config({span(kSps444)}, {span(kPps1080Main), span(kPps854Baseline)});
  const AvcConfig full_chroma = value_of(parse_avc_config(two_pps));
  BOOST_TEST(full_chroma.profile == 244);
  BOOST_TEST(full_chroma.pps.size() == 2u);
  BOOST_TEST(two_pps.size() == 6 + 2 + kSps444.size() + 1 + 2 * (2 + 5));
}

BOOST_AUTO_TEST_CASE(make_avc_config_refuses_what_it_cannot_describe) {
  BOOST_TEST(make_avc_config({}, {span(kPps1080Main)}).empty());
  BOOST_TEST(make_avc_config({span(kPps1080Main)}, {span(kSps1080Main)}).empty());  // swapped
  const Bytes stub = {0x67, 0x64};
  BOOST_TEST(make_avc_config({span(stub)}, {}).empty());
  // A High SPS whose bit depth is unreadable: the extension cannot be written truthfully.
  const Bytes broken = {0x67, 0x64, 0x00, 0x1f, 0x00, 0x00, 0x00, 0x00, 0x00};
  BOOST_TEST(make_avc_config({span(broken)}, {span(kPps1080Main)}).empty());
}

BOOST_AUTO_TEST_CASE(avcc_damage_is_an_error) {
  // Every cut before the end of the PPS loses a parameter set or a count.
  for (std::size_t n = 0; n < 43; ++n)
    BOOST_TEST(is_error(parse_avc_config(ByteSpan(kAvcc720).first(n))), "cut at " << n);
  // A cut inside the optional High-profile extension keeps the 4:2:0 8-bit defaults.
  const AvcConfig cut = value_of(parse_avc_config(ByteSpan(kAvcc422).first(45)));
  BOOST_TEST(cut.chroma_format_idc == 1);
  BOOST_TEST(cut.bit_depth_luma == 8);

  Bytes version = kAvcc720;
  version[0] = 2;
  BOOST_TEST(is_error(parse_avc_config(version)));
  Bytes three_byte_lengths = kAvcc720;
  three_byte_lengths[4] = 0xFE;
  BOOST_TEST(is_error(parse_avc_config(three_byte_lengths)));
  Bytes long_sps = kAvcc720;
  long_sps[7] = 0xFF;  // the SPS length runs past the end
  BOOST_TEST(is_error(parse_avc_config(long_sps)));
  Bytes many_pps = kAvcc720;
  many_pps[34] = 9;
  BOOST_TEST(is_error(parse_avc_config(many_pps)));
}

BOOST_AUTO_TEST_CASE(sps_damage_is_an_error) {
  // Cuts before the VUI timing fields (byte 21 of the 1080p SPS) must fail.
  for (std::size_t n = 0; n < 21; ++n)
    BOOST_TEST(is_error(parse_h264_sps(ByteSpan(kSps1080Main).first(n))), "cut at " << n);
  BOOST_TEST(is_error(parse_h264_sps(kPps1080Main)));  // not an SPS
  Bytes forbidden = kSps1080Main;
  forbidden[0] |= 0x80;
  BOOST_TEST(is_error(parse_h264_sps(forbidden)));

  // An Exp-Golomb prefix of 32+ zero bits where seq_parameter_set_id belongs.
  const Bytes huge_prefix = {0x67, 0x64, 0x00, 0x1f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xff};
  BOOST_TEST(is_error(parse_h264_sps(huge_prefix)));
  // A picture 2^20 macroblocks wide.
  BitWriter wide;
  wide.u(8, 66).u(8, 0).u(8, 30).ue(0).ue(0).ue(0).ue(0).ue(1).u(1, 0);
  wide.ue(1u << 20).ue(10).u(1, 1).u(1, 1).u(1, 0).u(1, 0);
  BOOST_TEST(is_error(parse_h264_sps(wide.nal(0x67))));
  // Cropping more than the picture.
  BitWriter over;
  over.u(8, 66).u(8, 0).u(8, 30).ue(0).ue(0).ue(0).ue(0).ue(1).u(1, 0);
  over.ue(9).ue(9).u(1, 1).u(1, 1).u(1, 1).ue(40).ue(40).ue(0).ue(0).u(1, 0);
  BOOST_TEST(is_error(parse_h264_sps(over.nal(0x67))));
}

BOOST_AUTO_TEST_CASE(random_bytes_never_crash) {
  std::mt19937 random(20240611);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> length(0, 64);
  for (int round = 0; round < 20000; ++round) {
    Bytes data(static_cast<std::size_t>(length(random)));
    for (auto& b : data) b = static_cast<std::uint8_t>(byte(random));
    if (!data.empty()) data[0] = 0x67;
    const auto sps = parse_h264_sps(data);
    if (const auto* ok = std::get_if<H264Sps>(&sps)) {
      BOOST_TEST_REQUIRE(ok->width > 0);
      BOOST_TEST_REQUIRE(ok->height > 0);
      BOOST_TEST_REQUIRE(ok->width <= 16384);
    }
    if (data.size() > 1) data[0] = 0x01;
    (void)parse_avc_config(data);
    // Mutations of a real record: one byte replaced.
    Bytes mutated = kAvcc720;
    mutated[static_cast<std::size_t>(round) % mutated.size()] = static_cast<std::uint8_t>(byte(random));
    (void)parse_avc_config(mutated);
    Bytes sps_mutated = kSps1080Main;
    sps_mutated[1 + static_cast<std::size_t>(round) % (sps_mutated.size() - 1)] =
        static_cast<std::uint8_t>(byte(random));
    (void)parse_h264_sps(sps_mutated);
  }
}
