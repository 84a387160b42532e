// 'cbcs' end to end with an independent decoder: ffmpeg makes H.264 + AAC, our remuxer
// (core/media/remux) turns it into an init segment and fragments, core/media/cenc
// encrypts them, and Debian's ffmpeg (whose mov demuxer decrypts cbcs given
// -decryption_key) must give back the same packets and decoded frames, bit for bit.
// Without the key, or with a wrong one, the frames must not come back.
#define BOOST_TEST_MODULE cenc_ffmpeg
#include <boost/test/unit_test.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "core/media/cenc/fragment_encryptor.hpp"
#include "core/media/cenc/init_encryptor.hpp"
#include "core/media/fmp4/stream_splitter.hpp"
#include "core/media/remux/remuxer.hpp"
#include "support/media_files.hpp"
#include "support/process.hpp"

using namespace bvlive;
using namespace std::chrono_literals;
using bvlive::fmp4::Bytes;

namespace {

const cenc::Block16 kKid{0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6, 0x07, 0x18, 0x29, 0x3a, 0x4b, 0x5c, 0x6d, 0x7e, 0x8f, 0x90};
const cenc::Block16 kKey{0x3c, 0x4f, 0xcf, 0x09, 0x88, 0x15, 0xf7, 0xab, 0xa6, 0xd2, 0xae, 0x28, 0x16, 0x15, 0x7e, 0x2b};
const cenc::Block16 kIv{0x9f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78, 0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0};

std::string hex(const cenc::Block16& b) { return bvtest::hex(std::string(b.begin(), b.end())); }

Bytes read_bytes(const std::string& path) {
  const std::string text = bvtest::read_file(path);
  return Bytes(text.begin(), text.end());
}

void write_bytes(const std::string& path, const Bytes& bytes) {
  bvtest::write_file(path, std::string(bytes.begin(), bytes.end()));
}

void make_source(const std::string& path, const std::string& format, const std::string& video_codec) {
  const auto r = bvtest::run({"ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                              "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                              "-t", "3", "-c:v", video_codec, "-bf", "2", "-g", "25", "-pix_fmt", "yuv420p", "-c:a", "aac",
                              "-b:a", "64k", "-f", format, path},
                             bvtest::with_timeout(60s));
  BOOST_REQUIRE_MESSAGE(r.code == 0, r.describe());
}

// The error of a result, "" when it has a value (messages are evaluated either way).
template <class T>
std::string why(const fmp4::Parsed<T>& result) {
  const auto* bad = std::get_if<fmp4::ParseError>(&result);
  return bad ? bad->message : "";
}

struct Streams {
  Bytes clear, encrypted;
  std::size_t fragments = 0;
};

// Our remuxer's output, clear and encrypted, as two fMP4 files.
Streams remux_and_encrypt(remux::Container container, const Bytes& input) {
  remux::Remuxer remuxer(container, {});
  remux::RemuxOutput out;
  remuxer.feed(input, out);
  remuxer.finish(out);
  BOOST_REQUIRE_MESSAGE(!out.unusable, out.unusable.value_or(""));
  Streams s;
  std::vector<cenc::TrackEncryption> tracks;
  const std::vector<cenc::PsshBox> pssh{{cenc::kClearKeySystemId, {kKid}, {}, {}},
                                        {cenc::kWidevineSystemId, {kKid}, Bytes{0x12, 0x10, 0xa1, 0xb2}, {}}};
  for (const auto& m : out.media) {
    if (const auto* init = std::get_if<fmp4::InitSegment>(&m)) {
      auto enc = cenc::encrypt_init(init->bytes, {kKid, kKey, kIv}, pssh);
      BOOST_REQUIRE_MESSAGE(std::holds_alternative<cenc::EncryptedInit>(enc), why(enc));
      auto& done = std::get<cenc::EncryptedInit>(enc);
      BOOST_REQUIRE_EQUAL(done.tracks.size(), 2u);
      tracks = done.tracks;
      s.clear.insert(s.clear.end(), init->bytes.begin(), init->bytes.end());
      s.encrypted.insert(s.encrypted.end(), done.bytes.begin(), done.bytes.end());
    } else {
      const auto& f = std::get<fmp4::Fragment>(m);
      auto enc = cenc::encrypt_fragment(f, tracks);
      BOOST_REQUIRE_MESSAGE(std::holds_alternative<fmp4::Fragment>(enc), why(enc));
      s.clear.insert(s.clear.end(), f.bytes.begin(), f.bytes.end());
      const auto& bytes = std::get<fmp4::Fragment>(enc).bytes;
      s.encrypted.insert(s.encrypted.end(), bytes.begin(), bytes.end());
      ++s.fragments;
    }
  }
  return s;
}

// framemd5 of the file through a pipe (see framemd5_of_bytes), which must succeed.
std::vector<std::string> md5s_ok(const std::string& path, const std::string& map, const std::string& key, bool copy) {
  const auto r = bvtest::framemd5_of_bytes(bvtest::read_file(path), map, key, copy);
  BOOST_REQUIRE_MESSAGE(r.code == 0, r.describe());
  return bvtest::framemd5_hashes(r.out);
}

// ffprobe's trace log names each sample entry ("4CC=encv"); its packets list the side
// data the demuxer attaches to encrypted samples ("Encryption info").
bvtest::RunResult probe(const std::string& path) {
  const auto r = bvtest::run({"ffprobe", "-v", "trace", "-show_entries",
                              "packet=stream_index:packet_side_data=side_data_type", "-of", "csv=p=0", path});
  BOOST_REQUIRE_MESSAGE(r.code == 0, r.describe());
  return r;
}

void check_round_trip(const bvtest::TempDir& dir, const Streams& s, const std::string& codec) {
  write_bytes(dir / "clear.mp4", s.clear);
  write_bytes(dir / "enc.mp4", s.encrypted);
  // Kept after the run, for mp4dump and players.
  bvtest::run({"mkdir", "-p", std::string(BVLIVE_ARTIFACTS_DIR) + "/cenc"});
  write_bytes(std::string(BVLIVE_ARTIFACTS_DIR) + "/cenc/" + codec + "-clear.mp4", s.clear);
  write_bytes(std::string(BVLIVE_ARTIFACTS_DIR) + "/cenc/" + codec + "-cbcs.mp4", s.encrypted);
  const std::string key = hex(kKey);

  // ffprobe sees protected sample entries, and encrypted packets in both streams; none of
  // it in the clear file.
  const auto encrypted = probe(dir / "enc.mp4");
  BOOST_TEST(encrypted.err.find("4CC=encv") != std::string::npos);
  BOOST_TEST(encrypted.err.find("4CC=enca") != std::string::npos);
  BOOST_TEST(encrypted.err.find("type:'sinf'") != std::string::npos);
  BOOST_TEST(encrypted.err.find("type:'pssh'") != std::string::npos);
  BOOST_TEST(encrypted.out.find("0,Encryption info") != std::string::npos, encrypted.out);
  BOOST_TEST(encrypted.out.find("1,Encryption info") != std::string::npos, encrypted.out);
  const auto clear = probe(dir / "clear.mp4");
  BOOST_TEST(clear.err.find("4CC=mp4a") != std::string::npos);  // the log does name entries
  BOOST_TEST(clear.err.find("4CC=encv") == std::string::npos);
  BOOST_TEST(clear.out.find("Encryption") == std::string::npos, clear.out);

  for (const std::string map : {"0:v", "0:a"}) {
    // Packets, bit for bit, then decoded frames.
    const auto clear_packets = md5s_ok(dir / "clear.mp4", map, "", true);
    const auto decrypted_packets = md5s_ok(dir / "enc.mp4", map, key, true);
    const auto clear_frames = md5s_ok(dir / "clear.mp4", map, "", false);
    const auto decrypted_frames = md5s_ok(dir / "enc.mp4", map, key, false);
    BOOST_TEST_MESSAGE(map << ": " << clear_packets.size() << " packets, " << clear_frames.size() << " frames");
    BOOST_TEST(!clear_frames.empty());
    BOOST_TEST(decrypted_packets == clear_packets, boost::test_tools::per_element());
    BOOST_TEST(decrypted_frames == clear_frames, boost::test_tools::per_element());

    // The stored packets are not the clear ones: every audio frame and every picture
    // (no slice of our test pictures is too short to hold a protected block) changed.
    const auto stored_packets = md5s_ok(dir / "enc.mp4", map, "", true);
    BOOST_TEST(stored_packets.size() == clear_packets.size());
    BOOST_TEST_MESSAGE(map << ": " << bvtest::count_equal(stored_packets, clear_packets) << " stored packets equal to clear");
    BOOST_TEST(bvtest::count_equal(stored_packets, clear_packets) == 0u);

    // Without the key and with a wrong one: decoding fails, or no frame comes out right.
    cenc::Block16 wrong = kKey;
    wrong[0] ^= 1;
    for (const std::string& k : {std::string(), hex(wrong)}) {
      const auto r = bvtest::framemd5_of_bytes(bvtest::read_file(dir / "enc.mp4"), map, k, false);
      const auto frames = bvtest::framemd5_hashes(r.out);
      BOOST_TEST_MESSAGE(map << (k.empty() ? " without key" : " wrong key") << ": exit " << r.code << ", "
                             << frames.size() << " frames, " << bvtest::count_equal(frames, clear_frames) << " equal to clear");
      BOOST_TEST((r.code != 0 || bvtest::count_equal(frames, clear_frames) == 0u), r.describe());
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(h264_and_aac_from_flv_decrypt_to_the_same_frames) {
  bvtest::TempDir dir("bvlive-cenc");
  make_source(dir / "in.flv", "flv", "libx264");
  const Streams s = remux_and_encrypt(remux::Container::flv, read_bytes(dir / "in.flv"));
  BOOST_TEST(s.fragments >= 3u);
  check_round_trip(dir, s, "h264");

  // The encrypted stream still splits and parses as our segmenter reads fMP4.
  fmp4::StreamSplitter splitter;
  std::size_t fragments = 0;
  for (const auto& ev : splitter.feed(s.encrypted)) {
    BOOST_REQUIRE(!std::holds_alternative<fmp4::SplitError>(ev));
    fragments += std::holds_alternative<fmp4::Fragment>(ev);
  }
  BOOST_TEST(fragments == s.fragments);
}

BOOST_AUTO_TEST_CASE(hevc_and_aac_from_mpegts_decrypt_to_the_same_frames) {
  bvtest::TempDir dir("bvlive-cenc");
  make_source(dir / "in.ts", "mpegts", "libx265");
  const Streams s = remux_and_encrypt(remux::Container::mpegts, read_bytes(dir / "in.ts"));
  check_round_trip(dir, s, "hevc");
}
