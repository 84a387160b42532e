#define BOOST_TEST_MODULE codec_aac
#include <boost/test/unit_test.hpp>
#include <random>
#include <vector>

#include "core/media/codec/aac_config.hpp"
#include "support/parsed_checks.hpp"

using bvtest::is_error;
using bvtest::value_of;
using namespace bvlive::codec;

namespace {

// First ADTS headers of ffmpeg's native AAC encoder (ffmpeg has no HE-AAC encoder in Debian,
// so the SBR/PS configs below are written from ISO/IEC 14496-3 by hand):
// ffmpeg -f lavfi -i sine=f=440:r=48000 -ac 2 -t 0.2 -c:a aac -b:a 128k -f adts aac_48k_st.aac
// (the next syncword is at byte 295)
const Bytes kAdts48kStereo = {0xff, 0xf1, 0x4c, 0x80, 0x24, 0xff, 0xfc};
// ffmpeg -f lavfi -i sine=f=440:r=44100 -t 0.2 -c:a aac -ac 1 -f adts aac_44k_mono.aac
// (next syncword at byte 265)
const Bytes kAdts44kMono = {0xff, 0xf1, 0x50, 0x40, 0x21, 0x3f, 0xfc};
// ffmpeg -f lavfi -i sine=f=440:r=48000 -t 0.2 -ac 6 -c:a aac -f adts aac_48k_51.aac
// (next syncword at byte 382; ffprobe: LC, 48000 Hz, 6 channels, 5.1)
const Bytes kAdts48k51 = {0xff, 0xf1, 0x4d, 0x80, 0x2f, 0xdf, 0xfc};

// The AudioSpecificConfig ffmpeg's mov muxer writes in esds for the 48 kHz stereo encode
// (-f mp4): AAC LC, then the backward-compatible sync extension 0x2b7 saying "no SBR".
const Bytes kAscFfmpegMp4 = {0x11, 0x90, 0x56, 0xe5, 0x00};

}  // namespace

BOOST_AUTO_TEST_CASE(adts_headers_from_ffmpeg) {
  const AdtsFrame stereo = value_of(parse_adts_header(kAdts48kStereo));
  BOOST_TEST(stereo.header_size == 7u);
  BOOST_TEST(stereo.frame_size == 295u);
  BOOST_TEST(stereo.raw_data_blocks == 1);
  BOOST_TEST(stereo.config.object_type == 2);
  BOOST_TEST(stereo.config.sampling_index == 3);
  BOOST_TEST(stereo.config.sample_rate == 48000);
  BOOST_TEST(stereo.config.channel_configuration == 2);
  BOOST_TEST(stereo.config.channels == 2);
  BOOST_TEST(stereo.config.samples_per_frame == 1024);
  BOOST_TEST(aac_codecs(stereo.config) == "mp4a.40.2");

  const AdtsFrame mono = value_of(parse_adts_header(kAdts44kMono));
  BOOST_TEST(mono.frame_size == 265u);
  BOOST_TEST(mono.config.sampling_index == 4);
  BOOST_TEST(mono.config.sample_rate == 44100);
  BOOST_TEST(mono.config.channels == 1);

  const AdtsFrame surround = value_of(parse_adts_header(kAdts48k51));
  BOOST_TEST(surround.frame_size == 382u);
  BOOST_TEST(surround.config.channel_configuration == 6);
  BOOST_TEST(surround.config.channels == 6);
}

BOOST_AUTO_TEST_CASE(adts_with_crc_and_several_blocks) {
  Bytes protected_header = kAdts48kStereo;
  protected_header[1] = 0xf0;  // protection_absent = 0: a 16-bit CRC follows
  protected_header[6] |= 0x03;  // four raw data blocks
  protected_header.insert(protected_header.end(), {0x12, 0x34});
  const AdtsFrame frame = value_of(parse_adts_header(protected_header));
  BOOST_TEST(frame.header_size == 9u);
  BOOST_TEST(frame.raw_data_blocks == 4);
  // The CRC bytes must be there.
  BOOST_TEST(is_error(parse_adts_header(ByteSpan(protected_header).first(8))));
}

BOOST_AUTO_TEST_CASE(adts_damage_is_an_error) {
  for (std::size_t n = 0; n < 7; ++n)
    BOOST_TEST(is_error(parse_adts_header(ByteSpan(kAdts48kStereo).first(n))));
  Bytes no_sync = kAdts48kStereo;
  no_sync[1] = 0xe1;
  BOOST_TEST(is_error(parse_adts_header(no_sync)));
  Bytes layer = kAdts48kStereo;
  layer[1] = 0xf3;
  BOOST_TEST(is_error(parse_adts_header(layer)));
  Bytes reserved_rate = kAdts48kStereo;
  reserved_rate[2] = 0x74;  // sampling index 13
  BOOST_TEST(is_error(parse_adts_header(reserved_rate)));
  Bytes tiny = kAdts48kStereo;
  tiny[3] = 0x80;  // aac_frame_length 6: shorter than its own header
  tiny[4] = 0x00;
  tiny[5] = 0xdf;
  BOOST_TEST(is_error(parse_adts_header(tiny)));
}

BOOST_AUTO_TEST_CASE(audio_specific_config_from_ffmpeg_mp4) {
  const AacConfig config = value_of(parse_audio_specific_config(kAscFfmpegMp4));
  BOOST_TEST(config.object_type == 2);
  BOOST_TEST(config.sampling_index == 3);
  BOOST_TEST(config.sample_rate == 48000);
  BOOST_TEST(config.channel_configuration == 2);
  BOOST_TEST(config.channels == 2);
  BOOST_TEST(config.samples_per_frame == 1024);
  BOOST_TEST(config.extension_object_type == 0);  // the sync extension says sbrPresentFlag 0
  BOOST_TEST(aac_codecs(config) == "mp4a.40.2");
}

BOOST_AUTO_TEST_CASE(adts_to_audio_specific_config) {
  // What the muxer does: esds from the first ADTS header, the 2-byte AAC LC form.
  const AdtsFrame frame = value_of(parse_adts_header(kAdts48kStereo));
  BOOST_TEST(make_audio_specific_config(frame.config) == (Bytes{0x11, 0x90}),
             boost::test_tools::per_element());
  const AdtsFrame mono = value_of(parse_adts_header(kAdts44kMono));
  BOOST_TEST(make_audio_specific_config(mono.config) == (Bytes{0x12, 0x08}),
             boost::test_tools::per_element());
  const AdtsFrame surround = value_of(parse_adts_header(kAdts48k51));
  const Bytes made = make_audio_specific_config(surround.config);
  BOOST_TEST(made == (Bytes{0x11, 0xb0}), boost::test_tools::per_element());
  const AacConfig again = value_of(parse_audio_specific_config(made));
  BOOST_TEST(again.object_type == 2);
  BOOST_TEST(again.sample_rate == 48000);
  BOOST_TEST(again.channels == 6);
}

BOOST_AUTO_TEST_CASE(sbr_and_ps_signalling) {
  // Explicit hierarchical HE-AAC: AOT 5, core 24 kHz stereo, SBR output 48 kHz, core AOT 2.
  const Bytes he_aac = {0x2b, 0x11, 0x88, 0x00};
  const AacConfig he = value_of(parse_audio_specific_config(he_aac));
  BOOST_TEST(he.object_type == 2);
  BOOST_TEST(he.extension_object_type == 5);
  BOOST_TEST(he.sample_rate == 24000);
  BOOST_TEST(he.extension_sample_rate == 48000);
  BOOST_TEST(he.channels == 2);
  BOOST_TEST(aac_codecs(he) == "mp4a.40.5");
  BOOST_TEST(make_audio_specific_config(he) == he_aac, boost::test_tools::per_element());

  // HE-AAC v2: AOT 29 with a mono core (PS makes it stereo).
  const Bytes he_v2 = {0xeb, 0x09, 0x88, 0x00};
  const AacConfig v2 = value_of(parse_audio_specific_config(he_v2));
  BOOST_TEST(v2.object_type == 2);
  BOOST_TEST(v2.extension_object_type == 29);
  BOOST_TEST(v2.channel_configuration == 1);
  BOOST_TEST(aac_codecs(v2) == "mp4a.40.29");
  BOOST_TEST(make_audio_specific_config(v2) == he_v2, boost::test_tools::per_element());

  // Backward-compatible signalling: AAC LC 24 kHz, then sync extensions for SBR (48 kHz)
  // and PS.
  const AacConfig compatible_sbr =
      value_of(parse_audio_specific_config(Bytes{0x13, 0x10, 0x56, 0xe5, 0x98}));
  BOOST_TEST(compatible_sbr.object_type == 2);
  BOOST_TEST(compatible_sbr.extension_object_type == 5);
  BOOST_TEST(compatible_sbr.extension_sample_rate == 48000);
  const AacConfig compatible_ps =
      value_of(parse_audio_specific_config(Bytes{0x13, 0x10, 0x56, 0xe5, 0x9d, 0x48, 0x80}));
  BOOST_TEST(compatible_ps.extension_object_type == 29);
  BOOST_TEST(aac_codecs(compatible_ps) == "mp4a.40.29");
}

BOOST_AUTO_TEST_CASE(frame_length_escape_and_explicit_rate) {
  const AacConfig short_frames = value_of(parse_audio_specific_config(Bytes{0x11, 0x94}));
  BOOST_TEST(short_frames.samples_per_frame == 960);
  BOOST_TEST(make_audio_specific_config(short_frames) == (Bytes{0x11, 0x94}),
             boost::test_tools::per_element());

  const AacConfig usac = value_of(parse_audio_specific_config(Bytes{0xf9, 0x46, 0x40}));
  BOOST_TEST(usac.object_type == 42);
  BOOST_TEST(usac.sample_rate == 48000);
  BOOST_TEST(usac.channels == 2);
  BOOST_TEST(aac_codecs(usac) == "mp4a.40.42");
  BOOST_TEST(make_audio_specific_config(usac) == (Bytes{0xf9, 0x46, 0x40}),
             boost::test_tools::per_element());

  const Bytes explicit_rate = {0x17, 0x80, 0x2a, 0xf8, 0x08};
  const AacConfig odd = value_of(parse_audio_specific_config(explicit_rate));
  BOOST_TEST(odd.sampling_index == 15);
  BOOST_TEST(odd.sample_rate == 22000);
  BOOST_TEST(odd.channels == 1);
  BOOST_TEST(make_audio_specific_config(odd) == explicit_rate, boost::test_tools::per_element());

  // Channel configuration 0: a program_config_element decides, which is not parsed.
  const AacConfig pce = value_of(parse_audio_specific_config(Bytes{0x11, 0x80}));
  BOOST_TEST(pce.channel_configuration == 0);
  BOOST_TEST(pce.channels == 0);
}

BOOST_AUTO_TEST_CASE(audio_specific_config_damage_is_an_error) {
  BOOST_TEST(is_error(parse_audio_specific_config(Bytes{})));
  BOOST_TEST(is_error(parse_audio_specific_config(Bytes{0x11})));
  BOOST_TEST(is_error(parse_audio_specific_config(Bytes{0x2b, 0x11})));  // HE-AAC cut short
  BOOST_TEST(is_error(parse_audio_specific_config(Bytes{0x16, 0x90})));  // index 13
  BOOST_TEST(is_error(parse_audio_specific_config(Bytes{0x07, 0x80, 0x00, 0x00, 0x10})));  // 0 Hz
  BOOST_TEST(is_error(parse_audio_specific_config(Bytes{0x01, 0x90})));  // null object type
  BOOST_TEST(make_audio_specific_config(AacConfig{0, 3, 48000, 2, 2, 1024, 0, 0}).empty());
  BOOST_TEST(make_audio_specific_config(AacConfig{2, 3, 0, 2, 2, 1024, 0, 0}).empty());
}

BOOST_AUTO_TEST_CASE(random_bytes_never_crash) {
  std::mt19937 random(42);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> length(0, 12);
  for (int round = 0; round < 50000; ++round) {
    Bytes data(static_cast<std::size_t>(length(random)));
    for (auto& b : data) b = static_cast<std::uint8_t>(byte(random));
    const auto config = parse_audio_specific_config(data);
    if (const auto* ok = std::get_if<AacConfig>(&config)) {
      BOOST_TEST_REQUIRE(ok->sample_rate > 0);
      BOOST_TEST_REQUIRE(!make_audio_specific_config(*ok).empty());
    }
    if (data.size() >= 2) {
      data[0] = 0xff;
      data[1] |= 0xf0;
    }
    const auto adts = parse_adts_header(data);
    if (const auto* ok = std::get_if<AdtsFrame>(&adts))
      BOOST_TEST_REQUIRE(ok->frame_size >= ok->header_size);
  }
}
