// AES-128 segment protection: keys, IVs and ciphertext checked against the openssl command
// line (an independent implementation of AES-128-CBC), and the key tags of live and VOD
// playlists as RFC 8216 §4.3.2.4 and §5.2 read them.
#define BOOST_TEST_MODULE segment_protection
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "core/media/hls/media_playlist.hpp"
#include "core/media/hls/vod_keys.hpp"
#include "core/security/segment_cipher.hpp"
#include "support/playlist_text.hpp"
#include "support/process.hpp"
#include "support/segments.hpp"

using namespace bvlive;
using namespace bvlive::security;

namespace {

std::vector<std::uint8_t> bytes(std::string_view text) { return {text.begin(), text.end()}; }
const std::vector<std::uint8_t> kSecret = bytes("0123456789abcdef0123456789abcdef");

std::string hex(std::span<const std::uint8_t> b) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (auto c : b) (out += kDigits[c >> 4]) += kDigits[c & 15];
  return out;
}

// `openssl enc -d` over `sealed` with this key and IV; the clear text, or "" on failure.
std::string openssl_decrypt(const std::vector<std::uint8_t>& sealed, const SegmentKey& key, std::int64_t seq) {
  bvtest::TempDir dir;
  bvtest::write_file(dir / "in", std::string(sealed.begin(), sealed.end()));
  const auto r = bvtest::run({"openssl", "enc", "-d", "-aes-128-cbc", "-K", hex(key), "-iv", hex(sequence_iv(seq)),
                              "-in", dir / "in", "-out", dir / "out"});
  BOOST_TEST_INFO(r.describe());
  return r.code == 0 ? bvtest::read_file(dir / "out") : std::string();
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

BOOST_AUTO_TEST_CASE(openssl_decrypts_what_we_seal) {
  std::string clear;
  for (int i = 0; i < 5000; ++i) clear += static_cast<char>(i * 7 % 251);  // not a block multiple
  const SegmentKey key = segment_key(kSecret, "live1", "42");
  const auto sealed = encrypt_segment(bytes(clear), key, 1234);
  BOOST_TEST(sealed.size() == (clear.size() / 16 + 1) * 16);  // PKCS#7 always pads
  BOOST_TEST(std::string(sealed.begin(), sealed.end()) != clear.substr(0, sealed.size()));
  BOOST_TEST(openssl_decrypt(sealed, key, 1234) == clear);
  // The IV is the sequence number: another one does not give the clear text back.
  BOOST_TEST(openssl_decrypt(sealed, key, 1235) != clear);
  const auto back = decrypt_segment(sealed, key, 1234);
  BOOST_TEST(std::string(back.begin(), back.end()) == clear);
}

BOOST_AUTO_TEST_CASE(keys_differ_per_live_period_and_secret) {
  const auto a = segment_key(kSecret, "live1", "42");
  BOOST_TEST(hex(a) == hex(segment_key(kSecret, "live1", "42")));  // derived, so stable
  BOOST_TEST(hex(a) != hex(segment_key(kSecret, "live1", "43")));
  BOOST_TEST(hex(a) != hex(segment_key(kSecret, "live2", "42")));
  BOOST_TEST(hex(a) != hex(segment_key(bytes("another secret of thirty-two b.."), "live1", "42")));
  BOOST_TEST(hex(sequence_iv(0x0102)) == "00000000000000000000000000000102");
  BOOST_CHECK_THROW(decrypt_segment(encrypt_segment(bytes("hello"), a, 1), segment_key(kSecret, "live1", "43"), 1),
                    std::runtime_error);
}

BOOST_AUTO_TEST_CASE(key_periods_follow_the_rotation) {
  BOOST_TEST(key_period(0, 3'600'000) == 0);
  BOOST_TEST(key_period(3'599'999, 3'600'000) == 0);
  BOOST_TEST(key_period(3'600'000, 3'600'000) == 1);
  BOOST_TEST(key_period(-1, 3'600'000) == -1);
}

BOOST_AUTO_TEST_CASE(live_playlist_names_a_key_per_period_and_keeps_init_clear) {
  std::vector<SegmentRecord> all;
  bvtest::add_session(all, "s1", 4);  // 8 s from kSegmentsT0
  bvtest::add_session(all, "s2", 3);
  hls::MediaPlaylistOptions o;
  o.view = hls::View::Dvr;
  o.key_uri = [](const SegmentRecord& s) {
    return "keys/" + std::to_string(key_period(s.program_date_time, 5'000)) + ".key";
  };
  o.uri_query = "?token=T";
  const std::string text = hls::media_playlist(all, o);
  // Each map has the key switched off before it (but the first), and back on after it.
  const auto lines = bvtest::playlist_text::lines(text);
  int maps = 0;
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    if (!lines[i].starts_with("#EXT-X-MAP")) continue;
    if (maps++ > 0) BOOST_TEST(lines[i - 1] == "#EXT-X-KEY:METHOD=NONE", text);
    BOOST_TEST(lines[i + 1].starts_with("#EXT-X-KEY:METHOD=AES-128,URI=\"keys/"), text);
  }
  BOOST_TEST(maps == 2, text);
  // One tag per period change and per map; URIs carry the token; implicit IVs.
  const std::int64_t p0 = key_period(bvtest::kSegmentsT0, 5'000);
  BOOST_TEST(count(text, "URI=\"keys/" + std::to_string(p0) + ".key?token=T\"") == 1, text);
  BOOST_TEST(count(text, "METHOD=AES-128") >= 3, text);
  BOOST_TEST(count(text, "IV=") == 0, text);
  // Without key_uri: no key tags at all.
  o.key_uri = nullptr;
  BOOST_TEST(count(hls::media_playlist(all, o), "EXT-X-KEY") == 0);
}

BOOST_AUTO_TEST_CASE(a_gap_in_the_numbering_spells_out_the_iv) {
  std::vector<SegmentRecord> all;
  bvtest::add_session(all, "s1", 4);
  all.erase(all.begin() + 2);  // seq 0, 1, 3
  hls::MediaPlaylistOptions o;
  o.view = hls::View::Dvr;
  o.key_uri = [](const SegmentRecord&) { return std::string("keys/1.key"); };
  const std::string text = hls::media_playlist(all, o);
  BOOST_TEST(count(text, "IV=") == 1, text);
  BOOST_TEST(count(text, "URI=\"keys/1.key\",IV=0x00000000000000000000000000000003") == 1, text);
}

BOOST_AUTO_TEST_CASE(vod_playlists_get_key_tags_and_sequences) {
  std::vector<SegmentRecord> all;
  bvtest::add_session(all, "s1", 3);
  bvtest::add_session(all, "s2", 2);
  for (auto& s : all) s.seq += 10;
  hls::MediaPlaylistOptions o;
  o.view = hls::View::Vod;
  o.ended = true;
  o.uri_prefix = "vod/";
  const std::string plain = hls::media_playlist(all, o);
  const std::string keyed = hls::with_vod_key(plain, "keys/vod.key");
  BOOST_TEST(count(keyed, "#EXT-X-KEY:METHOD=AES-128,URI=\"keys/vod.key\"") == 2, keyed);
  BOOST_TEST(count(keyed, "#EXT-X-KEY:METHOD=NONE\n#EXT-X-MAP") == 1, keyed);
  BOOST_TEST(keyed.ends_with("#EXT-X-ENDLIST\n"), keyed);
  const auto seqs = hls::segment_sequences(keyed);
  BOOST_TEST(seqs.size() == all.size());
  for (const auto& s : all) BOOST_TEST(seqs.at("vod/" + s.file) == s.seq);
  BOOST_TEST(hls::segment_sequences("#EXTM3U\n#EXTINF:2,\na.m4s?token=x\n").at("a.m4s") == 0);
}
