#define BOOST_TEST_MODULE codec_av1
#include <boost/test/unit_test.hpp>
#include <random>
#include <vector>

#include "core/media/codec/av1_config.hpp"
#include "support/parsed_checks.hpp"

using bvtest::is_error;
using bvtest::value_of;
using namespace bvlive::codec;

namespace {

// av1C records written by ffmpeg's mov muxer; configOBUs is the sequence header OBU.
// ffmpeg -f lavfi -i testsrc2=s=1280x720:r=30 -t 0.2 -c:v libaom-av1 -cpu-used 8
//        -f mp4 av1_aom_720.mp4
// ffprobe: Main, level 5 (seq_level_idx 5 = level 3.1), 1280x720, yuv420p.
const Bytes kAv1cAom720 = {
    0x81, 0x05, 0x0c, 0x00, 0x0a, 0x0b, 0x00, 0x00, 0x00, 0x2d, 0x4c, 0xff,
    0xb3, 0xcc, 0xaf, 0x90, 0x04,
};

// The start of the same encode written as a low-overhead OBU stream (-f obu): a temporal
// delimiter, the sequence header, then the head of a frame OBU whose size runs on.
const Bytes kAomTemporalUnit = {
    0x12, 0x00, 0x0a, 0x0b, 0x00, 0x00, 0x00, 0x2d, 0x4c, 0xff, 0xb3, 0xcc,
    0xaf, 0x90, 0x04, 0x32, 0xc2, 0xbd, 0x01, 0x10, 0x00, 0x87, 0xc0, 0x02,
};

// ffmpeg -f lavfi -i testsrc2=s=1920x1080:r=25 -t 0.2 -c:v libsvtav1 -preset 12
//        -f mp4 av1_svt_1080.mp4
// ffprobe: Main, level 8 (4.0), 1920x1080, yuv420p.
const Bytes kAv1cSvt1080 = {
    0x81, 0x08, 0x0c, 0x00, 0x0a, 0x0b, 0x00, 0x00, 0x00, 0x42, 0xab, 0xbf,
    0xc3, 0x70, 0x0b, 0xe0, 0x01,
};

// ffmpeg -f lavfi -i testsrc2=s=854x480:r=30 -t 0.2 -c:v libsvtav1 -preset 12
//        -pix_fmt yuv420p10le -f mp4 av1_svt_854_10.mp4
// ffprobe: Main, level 4 (3.0), 854x480, yuv420p10le (SVT-AV1 codes 856 wide internally
// but signals the true size).
const Bytes kAv1cSvt854Ten = {
    0x81, 0x04, 0x4c, 0x00, 0x0a, 0x0b, 0x00, 0x00, 0x00, 0x24, 0xc6, 0xab,
    0xdf, 0x00, 0xbe, 0x10, 0x10,
};

// ffmpeg -f lavfi -i testsrc2=s=320x240:r=24 -t 0.1 -c:v libaom-av1 -cpu-used 8
//        -pix_fmt yuv444p -f mp4 av1_444.mp4
// ffprobe: High (seq_profile 1), level 0, 320x240, yuv444p.
const Bytes kAv1c444 = {
    0x81, 0x20, 0x00, 0x00, 0x0a, 0x0a, 0x20, 0x00, 0x00, 0x04, 0x3c, 0xff,
    0xbc, 0xda, 0xf9, 0x02,
};

// The same with -pix_fmt gray. ffprobe: Main, gray, color_range pc.
const Bytes kAv1cGray = {
    0x81, 0x00, 0x1c, 0x00, 0x0a, 0x0a, 0x00, 0x00, 0x00, 0x04, 0x3c, 0xff,
    0xbc, 0xda, 0xf9, 0x2a,
};

Av1SequenceHeader header_of(const Bytes& av1c) {
  return value_of(parse_av1_sequence_header(value_of(parse_av1_config(av1c)).config_obus));
}

}  // namespace

BOOST_AUTO_TEST_CASE(av1c_from_libaom_720p) {
  const Av1Config config = value_of(parse_av1_config(kAv1cAom720));
  BOOST_TEST(config.seq_profile == 0);
  BOOST_TEST(config.seq_level_idx_0 == 5);
  BOOST_TEST(config.seq_tier_0 == 0);
  BOOST_TEST(!config.high_bitdepth);
  BOOST_TEST(!config.twelve_bit);
  BOOST_TEST(!config.monochrome);
  BOOST_TEST(config.chroma_subsampling_x == 1);
  BOOST_TEST(config.chroma_subsampling_y == 1);
  BOOST_TEST(config.chroma_sample_position == 0);
  BOOST_TEST(!config.initial_presentation_delay_present);
  BOOST_TEST(config.config_obus.size() == 13u);
  BOOST_TEST(av1_codecs(config) == "av01.0.05M.08");

  const Av1SequenceHeader seq = value_of(parse_av1_sequence_header(config.config_obus));
  BOOST_TEST(seq.seq_profile == 0);
  BOOST_TEST(seq.seq_level_idx_0 == 5);
  BOOST_TEST(seq.seq_tier_0 == 0);
  BOOST_TEST(seq.bit_depth == 8);
  BOOST_TEST(seq.chroma_subsampling_x == 1);
  BOOST_TEST(seq.chroma_subsampling_y == 1);
  BOOST_TEST(seq.width == 1280);
  BOOST_TEST(seq.height == 720);
  BOOST_TEST(seq.color_primaries == 2);  // no colour description: unspecified
  BOOST_TEST(seq.transfer_characteristics == 2);
  BOOST_TEST(seq.matrix_coefficients == 2);
  BOOST_TEST(!seq.full_range);
}

BOOST_AUTO_TEST_CASE(sequence_header_found_in_a_temporal_unit) {
  const Av1SequenceHeader seq = value_of(parse_av1_sequence_header(kAomTemporalUnit));
  BOOST_TEST(seq.width == 1280);
  BOOST_TEST(seq.height == 720);
  BOOST_TEST(seq.seq_level_idx_0 == 5);
  // ffmpeg builds av1C from the same OBU; ours is byte-identical.
  BOOST_TEST(make_av1_config(kAomTemporalUnit) == kAv1cAom720, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(svt_av1_sizes_levels_and_bit_depth) {
  const Av1Config full_hd = value_of(parse_av1_config(kAv1cSvt1080));
  BOOST_TEST(av1_codecs(full_hd) == "av01.0.08M.08");
  const Av1SequenceHeader full_hd_seq = header_of(kAv1cSvt1080);
  BOOST_TEST(full_hd_seq.width == 1920);
  BOOST_TEST(full_hd_seq.height == 1080);
  BOOST_TEST(full_hd_seq.seq_level_idx_0 == 8);

  const Av1Config ten = value_of(parse_av1_config(kAv1cSvt854Ten));
  BOOST_TEST(ten.high_bitdepth);
  BOOST_TEST(!ten.twelve_bit);
  BOOST_TEST(av1_codecs(ten) == "av01.0.04M.10");
  const Av1SequenceHeader ten_seq = header_of(kAv1cSvt854Ten);
  BOOST_TEST(ten_seq.high_bitdepth);
  BOOST_TEST(ten_seq.bit_depth == 10);
  BOOST_TEST(ten_seq.width == 854);
  BOOST_TEST(ten_seq.height == 480);
}

BOOST_AUTO_TEST_CASE(profile_1_444_and_monochrome) {
  const Av1Config full_chroma = value_of(parse_av1_config(kAv1c444));
  BOOST_TEST(full_chroma.seq_profile == 1);
  BOOST_TEST(full_chroma.chroma_subsampling_x == 0);
  BOOST_TEST(full_chroma.chroma_subsampling_y == 0);
  BOOST_TEST(av1_codecs(full_chroma) == "av01.1.00M.08");
  const Av1SequenceHeader full_chroma_seq = header_of(kAv1c444);
  BOOST_TEST(full_chroma_seq.seq_profile == 1);
  BOOST_TEST(full_chroma_seq.chroma_subsampling_x == 0);
  BOOST_TEST(full_chroma_seq.width == 320);
  BOOST_TEST(full_chroma_seq.height == 240);

  const Av1Config gray = value_of(parse_av1_config(kAv1cGray));
  BOOST_TEST(gray.monochrome);
  const Av1SequenceHeader gray_seq = header_of(kAv1cGray);
  BOOST_TEST(gray_seq.monochrome);
  BOOST_TEST(gray_seq.full_range);
  BOOST_TEST(gray_seq.chroma_subsampling_x == 1);
  BOOST_TEST(gray_seq.chroma_subsampling_y == 1);
}

BOOST_AUTO_TEST_CASE(make_av1_config_matches_ffmpeg_and_round_trips) {
  for (const Bytes* record : {&kAv1cAom720, &kAv1cSvt1080, &kAv1cSvt854Ten, &kAv1c444, &kAv1cGray}) {
    const Av1Config parsed = value_of(parse_av1_config(*record));
    const Bytes made = make_av1_config(parsed.config_obus);
    BOOST_TEST(made == *record, boost::test_tools::per_element());
    const Av1Config again = value_of(parse_av1_config(made));
    BOOST_TEST(av1_codecs(again) == av1_codecs(parsed));
    BOOST_TEST(again.monochrome == parsed.monochrome);
    BOOST_TEST(again.chroma_subsampling_x == parsed.chroma_subsampling_x);
  }
}

BOOST_AUTO_TEST_CASE(sequence_header_without_size_field_gets_one) {
  // The 720p sequence header as the last OBU of a buffer, with obu_has_size_field = 0 and an
  // extension header (temporal_id 0, spatial_id 0).
  const Bytes bare = {0x0c, 0x00, 0x00, 0x00, 0x00, 0x2d, 0x4c, 0xff,
                      0xb3, 0xcc, 0xaf, 0x90, 0x04};
  const Av1SequenceHeader seq = value_of(parse_av1_sequence_header(bare));
  BOOST_TEST(seq.width == 1280);
  const Bytes made = make_av1_config(bare);
  const Bytes expected = {0x81, 0x05, 0x0c, 0x00, 0x0e, 0x00, 0x0b, 0x00, 0x00,
                          0x00, 0x2d, 0x4c, 0xff, 0xb3, 0xcc, 0xaf, 0x90, 0x04};
  BOOST_TEST(made == expected, boost::test_tools::per_element());
  BOOST_TEST(value_of(parse_av1_sequence_header(value_of(parse_av1_config(made)).config_obus))
                 .height == 720);
}

BOOST_AUTO_TEST_CASE(codecs_string_for_high_tier_and_12_bit) {
  Av1Config config;
  config.seq_profile = 2;
  config.seq_level_idx_0 = 13;
  config.seq_tier_0 = 1;
  config.high_bitdepth = true;
  config.twelve_bit = true;
  BOOST_TEST(av1_codecs(config) == "av01.2.13H.12");
}

BOOST_AUTO_TEST_CASE(damage_is_an_error) {
  for (std::size_t n = 0; n < 4; ++n)
    BOOST_TEST(is_error(parse_av1_config(ByteSpan(kAv1cAom720).first(n))));
  Bytes version = kAv1cAom720;
  version[0] = 0x82;
  BOOST_TEST(is_error(parse_av1_config(version)));
  // Every cut of the sequence header OBU: its size field then runs past the end.
  for (std::size_t n = 0; n < 13; ++n) {
    BOOST_TEST(is_error(parse_av1_sequence_header(ByteSpan(kAv1cAom720).subspan(4, n))));
    BOOST_TEST(make_av1_config(ByteSpan(kAv1cAom720).subspan(4, n)).empty());
  }
  // A size field that claims less than the header needs.
  Bytes short_payload = {0x0a, 0x03, 0x00, 0x00, 0x00};
  BOOST_TEST(is_error(parse_av1_sequence_header(short_payload)));
  // No sequence header: a temporal delimiter only, and a forbidden bit.
  BOOST_TEST(is_error(parse_av1_sequence_header(Bytes{0x12, 0x00})));
  BOOST_TEST(is_error(parse_av1_sequence_header(Bytes{0x8a, 0x0b})));
  // A leb128 size of more than 8 bytes, and one beyond 32 bits.
  BOOST_TEST(is_error(parse_av1_sequence_header(
      Bytes{0x0a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01})));
  BOOST_TEST(is_error(parse_av1_sequence_header(Bytes{0x0a, 0x80, 0x80, 0x80, 0x80, 0x10})));
  // seq_profile 7.
  BOOST_TEST(is_error(parse_av1_sequence_header(Bytes{0x0a, 0x02, 0xe0, 0x00})));
}

BOOST_AUTO_TEST_CASE(random_bytes_never_crash) {
  std::mt19937 random(5);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> length(0, 40);
  for (int round = 0; round < 20000; ++round) {
    Bytes data(static_cast<std::size_t>(length(random)));
    for (auto& b : data) b = static_cast<std::uint8_t>(byte(random));
    if (data.size() > 2) {
      data[0] = 0x0a;
      data[1] = static_cast<std::uint8_t>(data.size() - 2);
    }
    const auto seq = parse_av1_sequence_header(data);
    if (const auto* ok = std::get_if<Av1SequenceHeader>(&seq)) {
      BOOST_TEST_REQUIRE(ok->width > 0);
      BOOST_TEST_REQUIRE(ok->height > 0);
      BOOST_TEST_REQUIRE(ok->seq_profile <= 2);
    }
    (void)make_av1_config(data);
    Bytes mutated = kAv1cSvt854Ten;
    mutated[static_cast<std::size_t>(round) % mutated.size()] = static_cast<std::uint8_t>(byte(random));
    const auto config = parse_av1_config(mutated);
    if (const auto* ok = std::get_if<Av1Config>(&config))
      (void)parse_av1_sequence_header(ok->config_obus);
  }
}
