// FLV muxing of RTMP media (the packager's stdin for RTMP pushes): header flags, the tag
// layout, @setDataFrame stripping, and that ffmpeg's own FLV is re-written byte for byte
// from its tags and read back by ffprobe.
#define BOOST_TEST_MODULE flv_writer
#include <boost/test/unit_test.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "core/media/flv/flv_writer.hpp"
#include "support/process.hpp"

using namespace bvlive::flv;

namespace {

Bytes amf0_string(std::string_view s) {
  // Sized up front: growing a 3-byte vector by insert trips GCC 12's -Warray-bounds (a false positive).
  Bytes out(3 + s.size());
  out[0] = 0x02;
  out[1] = static_cast<std::uint8_t>(s.size() >> 8);
  out[2] = static_cast<std::uint8_t>(s.size());
  std::copy(s.begin(), s.end(), out.begin() + 3);
  return out;
}

Bytes concat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::uint32_t be24(const std::uint8_t* p) { return (std::uint32_t{p[0]} << 16) | (std::uint32_t{p[1]} << 8) | p[2]; }
std::uint32_t be32(const std::uint8_t* p) { return (std::uint32_t{p[0]} << 24) | be24(p + 1); }

struct Tag {
  std::uint8_t type = 0;
  std::uint32_t timestamp = 0;
  Bytes body;
};

// A minimal FLV reader for the round trip: the tags of a whole file.
std::vector<Tag> read_tags(const Bytes& file) {
  std::vector<Tag> tags;
  BOOST_REQUIRE(file.size() >= 13u);
  std::size_t pos = 13;
  while (pos + 11 <= file.size()) {
    Tag t;
    t.type = file[pos];
    const std::uint32_t size = be24(&file[pos + 1]);
    t.timestamp = be24(&file[pos + 4]) | (std::uint32_t{file[pos + 7]} << 24);
    BOOST_REQUIRE(pos + 11 + size + 4 <= file.size());
    t.body.assign(file.begin() + static_cast<std::ptrdiff_t>(pos + 11),
                  file.begin() + static_cast<std::ptrdiff_t>(pos + 11 + size));
    BOOST_TEST(be32(&file[pos + 11 + size]) == size + 11);
    pos += 11 + size + 4;
    tags.push_back(std::move(t));
  }
  BOOST_TEST(pos == file.size());
  return tags;
}

}  // namespace

BOOST_AUTO_TEST_CASE(file_header_flags) {
  BOOST_TEST((file_header(true, true) == Bytes{'F', 'L', 'V', 1, 0x05, 0, 0, 0, 9, 0, 0, 0, 0}));
  BOOST_TEST((file_header(true, false) == Bytes{'F', 'L', 'V', 1, 0x04, 0, 0, 0, 9, 0, 0, 0, 0}));
  BOOST_TEST((file_header(false, true) == Bytes{'F', 'L', 'V', 1, 0x01, 0, 0, 0, 9, 0, 0, 0, 0}));
  BOOST_TEST((file_header(false, false) == Bytes{'F', 'L', 'V', 1, 0x00, 0, 0, 0, 9, 0, 0, 0, 0}));
}

BOOST_AUTO_TEST_CASE(tag_layout) {
  Bytes out{0xEE};  // appended after what is already there
  const Bytes body(300, 0x17);
  append_tag(out, kTagVideo, 0x12345678, body);
  BOOST_REQUIRE(out.size() == 1u + 11 + 300 + 4);
  BOOST_TEST(out[0] == 0xEE);
  const Bytes header(out.begin() + 1, out.begin() + 12);
  // type, 24-bit size (300), timestamp low 24 bits, extension byte (high 8), stream id 0.
  BOOST_TEST((header == Bytes{9, 0x00, 0x01, 0x2C, 0x34, 0x56, 0x78, 0x12, 0, 0, 0}));
  BOOST_TEST((Bytes(out.begin() + 12, out.begin() + 312) == body));
  BOOST_TEST((Bytes(out.end() - 4, out.end()) == Bytes{0, 0, 0x01, 0x37}));  // 311 = 11 + 300

  Bytes empty;
  append_tag(empty, kTagAudio, 5, {});
  BOOST_TEST((empty == Bytes{8, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 11}));

  Bytes big;
  append_tag(big, kTagScript, 0, Bytes(0x012345, 0));
  BOOST_TEST(big[0] == kTagScript);
  BOOST_TEST((Bytes(big.begin() + 1, big.begin() + 4) == Bytes{0x01, 0x23, 0x45}));
  BOOST_TEST(be32(&big[big.size() - 4]) == 0x012345u + 11);
}

BOOST_AUTO_TEST_CASE(set_data_frame_is_stripped) {
  const Bytes on_meta = concat(amf0_string("onMetaData"), Bytes{0x08, 0, 0, 0, 0, 0, 0, 9});
  const Bytes rtmp = concat(amf0_string("@setDataFrame"), on_meta);
  auto stripped = strip_set_data_frame(rtmp);
  BOOST_TEST((Bytes(stripped.begin(), stripped.end()) == on_meta));

  // Already an FLV script body: unchanged (the same bytes, not a copy).
  auto same = strip_set_data_frame(on_meta);
  BOOST_TEST(same.data() == on_meta.data());
  BOOST_TEST(same.size() == on_meta.size());
  // A name of the same length that is not @setDataFrame, a short body, an empty body.
  const Bytes other = concat(amf0_string("@setDataFramX"), on_meta);
  BOOST_TEST(strip_set_data_frame(other).size() == other.size());
  const Bytes short_body(rtmp.begin(), rtmp.begin() + 10);
  BOOST_TEST(strip_set_data_frame(short_body).size() == short_body.size());
  BOOST_TEST(strip_set_data_frame({}).empty());
  // The name alone: nothing left.
  BOOST_TEST(strip_set_data_frame(amf0_string("@setDataFrame")).empty());
}

// ffmpeg writes an FLV; its tags, re-muxed with file_header + append_tag (metadata coming
// in as RTMP's @setDataFrame form), give the same bytes, and ffprobe reads every frame.
BOOST_AUTO_TEST_CASE(rewritten_ffmpeg_flv_is_identical_and_readable) {
  bvtest::TempDir dir("bvlive-flv");
  const std::string source = dir / "source.flv";
  auto made = bvtest::run({"ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                           "testsrc2=size=160x90:rate=25", "-f", "lavfi", "-i", "sine", "-t", "1", "-c:v",
                           "libx264", "-g", "10", "-c:a", "aac", "-b:a", "32k", "-f", "flv", source},
                          bvtest::with_timeout(std::chrono::seconds(60)));
  BOOST_REQUIRE_MESSAGE(made.code == 0, made.describe());
  const std::string text = bvtest::read_file(source);
  const Bytes original(text.begin(), text.end());
  const auto tags = read_tags(original);
  BOOST_REQUIRE(tags.size() > 20u);
  BOOST_REQUIRE(tags[0].type == kTagScript);

  Bytes out = file_header(original[4] & 0x04, original[4] & 0x01);
  for (const auto& t : tags) {
    if (t.type == kTagScript) {
      const Bytes from_rtmp = concat(amf0_string("@setDataFrame"), t.body);
      append_tag(out, t.type, t.timestamp, strip_set_data_frame(from_rtmp));
    } else {
      append_tag(out, t.type, t.timestamp, t.body);
    }
  }
  BOOST_TEST((out == original));

  const std::string copy = dir / "copy.flv";
  bvtest::write_file(copy, std::string(out.begin(), out.end()));
  auto probe = bvtest::run({"ffprobe", "-v", "error", "-count_frames", "-show_entries",
                            "stream=codec_type,nb_read_frames", "-of", "csv=p=0", copy},
                           bvtest::with_timeout(std::chrono::seconds(60)));
  BOOST_REQUIRE_MESSAGE(probe.code == 0, probe.describe());
  BOOST_TEST_INFO(probe.out);
  BOOST_TEST(probe.out.find("video,25") != std::string::npos);
  BOOST_TEST(probe.out.find("audio,") != std::string::npos);
  BOOST_TEST(probe.err.empty());
}
