// What players are told about a DRM live (core/drm): the SAMPLE-AES tags per system and
// where they go in media and master playlists, the ClearKey keys derived per live, the EME
// ClearKey licence exchange, and the base64 codec they share with JWS.
#define BOOST_TEST_MODULE drm_signalling
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/drm/clear_key.hpp"
#include "core/drm/hls_key_tags.hpp"
#include "core/media/hls/master_playlist.hpp"
#include "core/media/hls/media_playlist.hpp"
#include "util/base64.hpp"
#include "util/hex.hpp"

using namespace bvlive;
using namespace bvlive::drm;

namespace {

const std::vector<std::uint8_t> kSecret(32, 7);

std::vector<std::uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

SegmentRecord segment(std::int64_t seq, const std::string& session, const std::string& init) {
  SegmentRecord s;
  s.seq = seq;
  s.session_id = session;
  s.file = session + "/" + std::to_string(seq) + ".m4s";
  s.init_file = session + "/" + init;
  s.duration = 2.0;
  s.program_date_time = 1'700'000'000'000 + seq * 2000;
  s.independent = true;
  return s;
}

}  // namespace

BOOST_AUTO_TEST_CASE(base64_both_alphabets) {
  // RFC 4648 §10 test vectors.
  const std::vector<std::pair<std::string, std::string>> vectors = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    BOOST_TEST(base64_encode(std::string_view(plain)) == encoded);
    BOOST_TEST((base64_decode(encoded) == bytes_of(plain)), encoded);
  }
  const std::vector<std::uint8_t> high{0xfb, 0xff, 0xbf};
  BOOST_TEST(base64_encode(high) == "+/+/");
  BOOST_TEST(base64_encode(high, Base64::Url) == "-_-_");
  BOOST_TEST(!base64_decode("Zg="));     // wrong padding
  BOOST_TEST(!base64_decode("Zg"));      // none
  BOOST_TEST(!base64_decode("Zh=="));    // non-zero unused bits
  BOOST_TEST(!base64_decode("-_-_"));    // url alphabet where standard is expected
  BOOST_TEST(!base64_decode("Zg==", Base64::Url));
  BOOST_TEST(!base64_decode("Zm9v\n"));
}

BOOST_AUTO_TEST_CASE(clear_key_content_is_derived_per_live) {
  const auto a = derive_content_key(kSecret, "live-a"), again = derive_content_key(kSecret, "live-a");
  const auto b = derive_content_key(kSecret, "live-b");
  BOOST_TEST((a.kid == again.kid && a.key == again.key && a.iv == again.iv));
  BOOST_TEST((a.kid != b.kid && a.key != b.key && a.iv != b.iv));
  BOOST_TEST((a.key != a.kid && a.key != a.iv));
  const auto other_secret = derive_content_key(std::vector<std::uint8_t>(32, 8), "live-a");
  BOOST_TEST((other_secret.key != a.key));
  const ContentKeys c = clear_key_content(kSecret, "live-a");
  BOOST_TEST(c.has(DrmSystem::ClearKey));
  BOOST_TEST(!c.has(DrmSystem::Widevine));
  const auto pssh = c.pssh_boxes();
  BOOST_TEST_REQUIRE(pssh.size() == 1u);
  BOOST_TEST((pssh[0].system_id == cenc::kClearKeySystemId));
  BOOST_TEST_REQUIRE(pssh[0].kids.size() == 1u);
  BOOST_TEST((pssh[0].kids[0] == a.kid));
}

BOOST_AUTO_TEST_CASE(licence_exchange) {
  const auto key = derive_content_key(kSecret, "x");
  const std::string kid64 = base64_encode(key.kid, Base64::Url);
  const auto asked = parse_licence_request(R"({"kids":[")" + kid64 + R"("],"type":"temporary"})");
  BOOST_TEST_REQUIRE(std::holds_alternative<std::vector<cenc::Block16>>(asked));
  BOOST_TEST((std::get<std::vector<cenc::Block16>>(asked) == std::vector<cenc::Block16>{key.kid}));
  const auto licence = nlohmann::json::parse(licence_response(std::vector<cenc::CencKey>{key}));
  BOOST_TEST(licence["type"] == "temporary");
  BOOST_TEST(licence["keys"][0]["kty"] == "oct");
  BOOST_TEST(licence["keys"][0]["kid"] == kid64);
  BOOST_TEST(licence["keys"][0]["k"] == base64_encode(key.key, Base64::Url));
  BOOST_TEST(licence["keys"][0]["k"].get<std::string>().find('=') == std::string::npos);  // no padding (EME §9.1.4)

  const std::vector<std::pair<std::string, std::string>> bad = {
      {"kids", "not a JSON object"},
      {"[]", "not a JSON object"},
      {R"({"type":"temporary"})", "no \"kids\""},
      {R"({"kids":[]})", "no \"kids\""},
      {R"({"kids":["AAEC"]})", "not 16 bytes"},
      {R"({"kids":[7]})", "not 16 bytes"},
      {R"({"kids":["++++++++++++++++++++++"]})", "not 16 bytes"},  // standard alphabet
  };
  for (const auto& [body, why] : bad) {
    const auto r = parse_licence_request(body);
    BOOST_TEST_REQUIRE(std::holds_alternative<std::string>(r), body);
    BOOST_TEST(std::get<std::string>(r).find(why) != std::string::npos, body << ": " << std::get<std::string>(r));
  }
}

BOOST_AUTO_TEST_CASE(tags_per_system) {
  ContentKeys c;
  c.key = derive_content_key(kSecret, "live");
  const std::string kid = hex_encode(c.key.kid);
  c.systems = {{DrmSystem::ClearKey, {}, {}, {}},
               {DrmSystem::Widevine, {0, 0, 0, 8, 'p', 's', 's', 'h'}, {}, {}},
               {DrmSystem::FairPlay, {}, {}, {}},
               {DrmSystem::PlayReady, {}, "#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"from-server\"", "#EXT-X-SESSION-KEY:X"}};
  const std::string media = media_key_tags(c, "clearkey?token=t");
  BOOST_TEST(media ==
             "#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"clearkey?token=t\",KEYFORMAT=\"org.w3.clearkey\",KEYFORMATVERSIONS=\"1\",KEYID=0x" + kid + "\n"
             "#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"data:text/plain;base64,AAAACHBzc2g=\",KEYFORMAT=\"urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed\",KEYFORMATVERSIONS=\"1\",KEYID=0x" + kid + "\n"
             "#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"skd://" + kid + "\",KEYFORMAT=\"com.apple.streamingkeydelivery\",KEYFORMATVERSIONS=\"1\",KEYID=0x" + kid + "\n"
             "#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"from-server\"\n");
  const std::string master = session_key_tags(c, "clearkey");
  BOOST_TEST(master.find("#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES,URI=\"clearkey\",KEYFORMAT=\"org.w3.clearkey\"") == 0u, master);
  BOOST_TEST(master.find("#EXT-X-SESSION-KEY:X\n") != std::string::npos, master);
  BOOST_TEST(master.find("#EXT-X-KEY") == std::string::npos, master);
}

BOOST_AUTO_TEST_CASE(tags_go_before_the_first_map_and_after_the_master_header) {
  const std::vector<SegmentRecord> all{segment(4, "s1", "init.mp4"), segment(5, "s1", "init.mp4"),
                                       segment(6, "s2", "init.mp4")};
  hls::MediaPlaylistOptions o;
  o.window = 0;
  const std::string tags = "#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"k\"\n";
  const std::string media = with_media_key_tags(hls::media_playlist(all, o), tags);
  // Once, before the first EXT-X-MAP: it stays in effect across the discontinuity's new map.
  BOOST_TEST(media.find(tags) != std::string::npos, media);
  BOOST_TEST(media.find("#EXT-X-KEY") == media.rfind("#EXT-X-KEY"), media);
  BOOST_TEST(media.find("#EXT-X-KEY") < media.find("#EXT-X-MAP"), media);
  BOOST_TEST(media.find("#EXT-X-MEDIA-SEQUENCE") < media.find("#EXT-X-KEY"), media);
  BOOST_TEST(media.find("METHOD=NONE") == std::string::npos, media);
  // No segment, no map: nothing to key.
  const std::string empty = hls::media_playlist({}, o);
  BOOST_TEST(with_media_key_tags(empty, tags) == empty);

  hls::Variant v;
  v.uri = "media.m3u8";
  v.bandwidth = 1000;
  const std::string master = hls::master_playlist(std::vector<hls::Variant>{v});
  const std::string session = "#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES,URI=\"k\"\n";
  const std::string keyed = with_session_key_tags(master, session);
  BOOST_TEST(keyed.find(session) != std::string::npos, keyed);
  BOOST_TEST(keyed.find("#EXT-X-SESSION-KEY") < keyed.find("#EXT-X-STREAM-INF"), keyed);
  BOOST_TEST(keyed.find("#EXT-X-INDEPENDENT-SEGMENTS") < keyed.find("#EXT-X-SESSION-KEY"), keyed);
  BOOST_TEST(keyed.size() == master.size() + session.size());
}
