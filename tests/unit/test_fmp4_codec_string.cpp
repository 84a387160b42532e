#define BOOST_TEST_MODULE fmp4_codec_string
#include <boost/test/unit_test.hpp>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/media/fmp4/box_builder.hpp"
#include "core/media/fmp4/codec_string.hpp"
#include "core/media/hls/codecs_from_init.hpp"
#include "support/process.hpp"

using namespace bvlive::fmp4;

namespace {

// moov > trak > mdia > minf > stbl > stsd > `entry`.
Bytes trak_with(const Bytes& entry) {
  const Bytes stsd = make_full_box(fourcc("stsd"), 0, 0, ByteBuilder().u32(1).bytes(entry).take());
  const Bytes stbl = make_box(fourcc("stbl"), stsd);
  const Bytes minf = make_box(fourcc("minf"), stbl);
  const Bytes mdia = make_box(fourcc("mdia"), minf);
  return make_box(fourcc("trak"), mdia);
}

Bytes avc1_entry(std::uint8_t profile, std::uint8_t compatibility, std::uint8_t level) {
  ByteBuilder b;
  b.u32(0).u16(0).u16(1);                // SampleEntry: reserved, data_reference_index
  b.u16(0).u16(0).u32(0).u32(0).u32(0);  // pre_defined, reserved, pre_defined[3]
  b.u16(640).u16(360).u32(0x00480000).u32(0x00480000).u32(0).u16(1);
  for (int i = 0; i < 32; ++i) b.u8(0);  // compressorname
  b.u16(0x0018).u16(0xFFFF);             // depth, pre_defined
  const Bytes avcc = make_box(
      fourcc("avcC"),
      ByteBuilder().u8(1).u8(profile).u8(compatibility).u8(level).u8(0xFF).u8(0xE0).u8(0).take());
  return make_box(fourcc("avc1"), ByteBuilder().bytes(b.data()).bytes(avcc).take());
}

Bytes mp4a_entry(std::uint8_t object_type, std::vector<std::uint8_t> audio_specific_config) {
  ByteBuilder b;
  b.u32(0).u16(0).u16(1);  // SampleEntry
  b.u32(0).u32(0).u16(2).u16(16).u16(0).u16(0).u32(48000u << 16);
  ByteBuilder dsi;
  dsi.u8(0x05)
      .u8(static_cast<std::uint8_t>(audio_specific_config.size()))
      .bytes(audio_specific_config);
  ByteBuilder dcd;  // DecoderConfigDescriptor with a 4-byte length, as some muxers write
  dcd.u8(object_type).u8(0x15).u24(0).u32(128000).u32(128000).bytes(dsi.data());
  ByteBuilder es;
  es.u16(1)
      .u8(0)
      .u8(0x04)
      .u8(0x80)
      .u8(0x80)
      .u8(0x80)
      .u8(static_cast<std::uint8_t>(dcd.data().size()))
      .bytes(dcd.data());
  ByteBuilder esd;
  esd.u8(0x03).u8(static_cast<std::uint8_t>(es.data().size())).bytes(es.data());
  const Bytes esds = make_full_box(fourcc("esds"), 0, 0, esd.data());
  return make_box(fourcc("mp4a"), ByteBuilder().bytes(b.data()).bytes(esds).take());
}

std::string codecs_of(const Bytes& moov_payload) {
  auto parsed = rfc6381_codecs(moov_payload);
  if (const auto* failure = std::get_if<ParseError>(&parsed)) return "error: " + failure->message;
  return std::get<std::string>(parsed);
}

}  // namespace

BOOST_AUTO_TEST_CASE(avc_and_aac_tracks_in_track_order) {
  const Bytes moov =
      concat({trak_with(avc1_entry(0x64, 0x00, 0x1F)), trak_with(mp4a_entry(0x40, {0x11, 0x90}))});
  BOOST_TEST(codecs_of(moov) == "avc1.64001f,mp4a.40.2");
  const Bytes baseline = trak_with(avc1_entry(0x42, 0xC0, 0x1E));
  BOOST_TEST(codecs_of(baseline) == "avc1.42c01e");
}

BOOST_AUTO_TEST_CASE(audio_object_types_beyond_30_use_the_escape) {
  // HE-AAC v2 signalled explicitly is 29 (5 bits); 31 escapes to 32 + 6 more bits: 42 (USAC).
  BOOST_TEST(codecs_of(trak_with(mp4a_entry(0x40, {0xE9, 0x88}))) == "mp4a.40.29");
  BOOST_TEST(codecs_of(trak_with(mp4a_entry(0x40, {0xF9, 0x40, 0x00}))) == "mp4a.40.42");
  // MP3 carries no AudioSpecificConfig: the object type indication alone.
  BOOST_TEST(codecs_of(trak_with(mp4a_entry(0x6B, {}))) == "mp4a.6B");
}

BOOST_AUTO_TEST_CASE(unknown_or_damaged_entries_are_errors) {
  const Bytes vp9 = make_box(fourcc("vp09"), Bytes(78, 0));
  BOOST_TEST(codecs_of(trak_with(vp9)).find("'vp09'") != std::string::npos);
  const Bytes hevc = make_box(fourcc("hvc1"), Bytes(78, 0));  // no hvcC
  BOOST_TEST(codecs_of(trak_with(hevc)).find("hvc1 sample entry has no hvcC") != std::string::npos, codecs_of(trak_with(hevc)));
  Bytes avc = avc1_entry(0x64, 0, 0x28);
  avc.resize(avc.size() - 7);  // cut the avcC off
  avc[3] = static_cast<std::uint8_t>(avc.size());
  BOOST_TEST(codecs_of(trak_with(avc)).rfind("error: ", 0) == 0u);
  BOOST_TEST(codecs_of(Bytes{}) == "error: codecs: moov has no track");
  BOOST_TEST(codecs_of(Bytes{0, 0, 0, 9, 't', 'r'}).rfind("error: ", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(matches_what_ffprobe_says_of_an_ffmpeg_init_segment) {
  bvtest::TempDir dir("bvlive-codecs");
  const std::string out = dir / "out.mp4";
  const auto made = bvtest::run({"ffmpeg",    "-nostdin",
                                 "-loglevel", "error",
                                 "-f",        "lavfi",
                                 "-i",        "testsrc2=size=640x360:rate=25",
                                 "-f",        "lavfi",
                                 "-i",        "sine",
                                 "-t",        "2",
                                 "-c:v",      "libx264",
                                 "-c:a",      "aac",
                                 "-f",        "mp4",
                                 "-movflags", "+frag_keyframe+empty_moov+default_base_moof",
                                 out},
                                bvtest::with_timeout(std::chrono::seconds(120)));
  BOOST_REQUIRE_MESSAGE(made.code == 0, made.describe());
  const auto probe = bvtest::run({"ffprobe", "-v", "error", "-show_entries",
                                  "stream=codec_name,profile,level", "-of", "csv=p=0", out},
                                 bvtest::with_timeout(std::chrono::seconds(60)));
  BOOST_REQUIRE_MESSAGE(probe.code == 0, probe.describe());
  // "h264,High,30\naac,LC" (profile names and the level as an integer, 30 = 3.0).
  BOOST_TEST_MESSAGE("ffprobe: " << probe.out);
  BOOST_REQUIRE(probe.out.rfind("h264,High,30\n", 0) == 0u);
  BOOST_REQUIRE(probe.out.find("aac,LC") != std::string::npos);

  std::ifstream in(out, std::ios::binary);
  const Bytes file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto parsed = bvlive::hls::codecs_from_init(file);
  const auto* failure = std::get_if<ParseError>(&parsed);
  BOOST_REQUIRE_MESSAGE(!failure, (failure ? failure->message : ""));
  // High = 0x64, no constraint flags, level 3.0 = 0x1e; AAC LC = object type 2.
  BOOST_TEST(std::get<std::string>(parsed) == "avc1.64001e,mp4a.40.2");

  BOOST_TEST(std::get<ParseError>(bvlive::hls::codecs_from_init(Bytes{})).message ==
             "init segment has no moov box");
}
