// CPIX documents of SPEKE v2.0 (core/drm/cpix): the request bvlived renders, read back with
// pugixml for what the SPEKE v2 profile of CPIX 2.3 requires, and the parsing of answers laid
// out as the specification's examples are, with each way an answer can be wrong.
#define BOOST_TEST_MODULE cpix
#include <boost/test/unit_test.hpp>

#include <pugixml.hpp>

#include <cstring>
#include <set>

#include "core/drm/cpix.hpp"
#include "core/util/base64.hpp"

using namespace bvlive;
using namespace bvlive::drm;

namespace {

const cenc::Block16 kKid1{0x98, 0xee, 0x55, 0x96, 0xcd, 0x3e, 0xa2, 0x0d, 0x16, 0x3a, 0xe3, 0x82, 0x42, 0x0c, 0x6e, 0xff};
const cenc::Block16 kKid2{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00};
const cenc::Block16 kKey1{0xe5, 0xd1, 0x80, 0x83, 0x01, 0xae, 0x51, 0x8b, 0xb8, 0x74, 0x77, 0x87, 0xb4, 0xd9, 0x71, 0x27};
const cenc::Block16 kKey2{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

CpixRequest request(std::vector<cenc::Block16> kids, std::vector<DrmSystem> systems) {
  CpixRequest r;
  r.content_id = "live-abc123";
  r.kids = std::move(kids);
  r.systems = std::move(systems);
  return r;
}

// An empty version 0 'pssh' box of `system_id`: 32 bytes.
std::vector<std::uint8_t> pssh_box(const cenc::Block16& system_id) {
  std::vector<std::uint8_t> box{0, 0, 0, 32, 'p', 's', 's', 'h', 0, 0, 0, 0};
  box.insert(box.end(), system_id.begin(), system_id.end());
  box.insert(box.end(), {0, 0, 0, 0});
  return box;
}

std::string b64(std::string_view text) { return base64_encode(text); }
std::string b64(std::span<const std::uint8_t> bytes) { return base64_encode(bytes); }

// An answer as the SPEKE v2 live example lays it out: the request with keys, PSSH and HLS
// signalling filled in, plus a DRMSystem for a system bvlive does not know.
std::string answer(std::string key1_b64 = b64(kKey1)) {
  const std::string wv_media = "#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"data:text/plain;base64,AAAA\",KEYFORMAT=\"urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed\",KEYFORMATVERSIONS=\"1\"";
  const std::string fp_media = "#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"skd://98ee5596cd3ea20d163ae382420c6eff\",KEYFORMAT=\"com.apple.streamingkeydelivery\",KEYFORMATVERSIONS=\"1\"";
  const std::string fp_master = "#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES,URI=\"skd://98ee5596cd3ea20d163ae382420c6eff\",KEYFORMAT=\"com.apple.streamingkeydelivery\",KEYFORMATVERSIONS=\"1\"";
  return R"(<?xml version="1.0" encoding="UTF-8"?>
<cpix:CPIX contentId="live-abc123" version="2.3" xmlns:cpix="urn:dashif:org:cpix" xmlns:pskc="urn:ietf:params:xml:ns:keyprov:pskc">
  <cpix:ContentKeyList>
    <cpix:ContentKey kid="98ee5596-cd3e-a20d-163a-e382420c6eff" commonEncryptionScheme="cbcs" explicitIV="OFj2IjCsPJFfMAxmQxLGPw==">
      <cpix:Data><pskc:Secret><pskc:PlainValue>)" + key1_b64 + R"(</pskc:PlainValue></pskc:Secret></cpix:Data>
    </cpix:ContentKey>
  </cpix:ContentKeyList>
  <cpix:DRMSystemList>
    <cpix:DRMSystem kid="98ee5596-cd3e-a20d-163a-e382420c6eff" systemId="edef8ba9-79d6-4ace-a3c8-27dcd51d21ed">
      <cpix:PSSH>)" + b64(pssh_box(cenc::kWidevineSystemId)) + R"(</cpix:PSSH>
      <cpix:HLSSignalingData playlist="media">)" + b64(wv_media) + R"(</cpix:HLSSignalingData>
    </cpix:DRMSystem>
    <cpix:DRMSystem kid="98EE5596-CD3E-A20D-163A-E382420C6EFF" systemId="94CE86FB-07FF-4F43-ADB8-93D2FA968CA2">
      <cpix:HLSSignalingData playlist="media">)" + b64(fp_media) + R"(</cpix:HLSSignalingData>
      <cpix:HLSSignalingData playlist="master">)" + b64(fp_master) + R"(</cpix:HLSSignalingData>
    </cpix:DRMSystem>
    <cpix:DRMSystem kid="98ee5596-cd3e-a20d-163a-e382420c6eff" systemId="81376844-f976-481e-a84e-cc25d39b0b33">
      <cpix:URIExtXKey>bm90IG91cnM=</cpix:URIExtXKey>
    </cpix:DRMSystem>
  </cpix:DRMSystemList>
  <cpix:ContentKeyUsageRuleList>
    <cpix:ContentKeyUsageRule kid="98ee5596-cd3e-a20d-163a-e382420c6eff" intendedTrackType="ALL">
      <cpix:VideoFilter/><cpix:AudioFilter/>
    </cpix:ContentKeyUsageRule>
  </cpix:ContentKeyUsageRuleList>
</cpix:CPIX>)";
}

const std::string& error_of(const std::variant<CpixResponse, std::string>& r) {
  static const std::string none = "(parsed)";
  return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : none;
}

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_CASE(uuid_round_trip) {
  BOOST_TEST(kid_to_uuid(kKid1) == "98ee5596-cd3e-a20d-163a-e382420c6eff");
  BOOST_TEST((uuid_to_kid("98EE5596-CD3E-A20D-163A-E382420C6EFF") == kKid1));
  BOOST_TEST(!uuid_to_kid("98ee5596cd3ea20d163ae382420c6eff"));
  BOOST_TEST(!uuid_to_kid("98ee5596-cd3e-a20d-163a-e382420c6ef"));
  BOOST_TEST(!uuid_to_kid("98ee5596-cd3e-a20d-163a-e382420c6efg"));
}

BOOST_AUTO_TEST_CASE(request_has_what_speke_v2_requires) {
  const auto xml = render_cpix_request(request({kKid1}, {DrmSystem::Widevine, DrmSystem::PlayReady,
                                                         DrmSystem::FairPlay, DrmSystem::ClearKey}));
  pugi::xml_document doc;
  BOOST_REQUIRE(doc.load_string(xml.c_str()));
  const auto cpix = doc.child("cpix:CPIX");
  BOOST_REQUIRE(cpix);
  BOOST_TEST(cpix.attribute("contentId").value() == std::string("live-abc123"));
  BOOST_TEST(cpix.attribute("version").value() == std::string("2.3"));
  BOOST_TEST(cpix.attribute("xmlns:cpix").value() == std::string("urn:dashif:org:cpix"));
  BOOST_TEST(cpix.attribute("xmlns:pskc").value() == std::string("urn:ietf:params:xml:ns:keyprov:pskc"));

  const auto key = cpix.child("cpix:ContentKeyList").child("cpix:ContentKey");
  BOOST_TEST(key.attribute("kid").value() == std::string("98ee5596-cd3e-a20d-163a-e382420c6eff"));
  BOOST_TEST(key.attribute("commonEncryptionScheme").value() == std::string("cbcs"));
  BOOST_TEST(!key.child("cpix:Data"));  // the key is the server's to give
  BOOST_TEST(!key.next_sibling("cpix:ContentKey"));

  std::set<std::string> systems;
  for (auto s : cpix.child("cpix:DRMSystemList").children("cpix:DRMSystem")) {
    const std::string id = s.attribute("systemId").value();
    systems.insert(id);
    BOOST_TEST(s.attribute("kid").value() == std::string("98ee5596-cd3e-a20d-163a-e382420c6eff"));
    const bool fairplay = id == "94ce86fb-07ff-4f43-adb8-93d2fa968ca2";
    const bool clearkey = id == "1077efec-c0b2-4d02-ace3-3c1e52e2fb4b";
    BOOST_TEST(bool(s.child("cpix:PSSH")) == !fairplay, id);
    BOOST_TEST(std::string(s.child("cpix:PSSH").text().get()).empty());
    std::set<std::string> playlists;
    for (auto h : s.children("cpix:HLSSignalingData")) {
      playlists.insert(h.attribute("playlist").value());
      BOOST_TEST(std::string(h.text().get()).empty());
    }
    BOOST_TEST(playlists == (clearkey ? std::set<std::string>{} : std::set<std::string>{"media", "master"}), id);
  }
  BOOST_TEST(systems == (std::set<std::string>{"edef8ba9-79d6-4ace-a3c8-27dcd51d21ed", "9a04f079-9840-4286-ab92-e65be0885f95",
                                               "94ce86fb-07ff-4f43-adb8-93d2fa968ca2", "1077efec-c0b2-4d02-ace3-3c1e52e2fb4b"}));

  // One key for every track: intendedTrackType ALL with an empty AudioFilter and VideoFilter.
  BOOST_TEST(!cpix.child("cpix:ContentKeyPeriodList"));
  const auto rule = cpix.child("cpix:ContentKeyUsageRuleList").child("cpix:ContentKeyUsageRule");
  BOOST_TEST(rule.attribute("kid").value() == std::string("98ee5596-cd3e-a20d-163a-e382420c6eff"));
  BOOST_TEST(rule.attribute("intendedTrackType").value() == std::string("ALL"));
  BOOST_TEST(rule.child("cpix:AudioFilter"));
  BOOST_TEST(!rule.child("cpix:AudioFilter").first_attribute());
  BOOST_TEST(rule.child("cpix:VideoFilter"));
  BOOST_TEST(!rule.child("cpix:VideoFilter").first_attribute());
}

BOOST_AUTO_TEST_CASE(request_with_several_kids_has_key_periods) {
  auto r = request({kKid1, kKid2}, {DrmSystem::FairPlay});
  r.first_period_index = 7;
  const auto xml = render_cpix_request(r);
  pugi::xml_document doc;
  BOOST_REQUIRE(doc.load_string(xml.c_str()));
  const auto cpix = doc.child("cpix:CPIX");
  int keys = 0, drm = 0;
  for ([[maybe_unused]] auto k : cpix.child("cpix:ContentKeyList").children("cpix:ContentKey")) ++keys;
  for ([[maybe_unused]] auto s : cpix.child("cpix:DRMSystemList").children("cpix:DRMSystem")) ++drm;
  BOOST_TEST(keys == 2);
  BOOST_TEST(drm == 2);
  std::vector<std::pair<std::string, std::string>> periods;  // id, index
  for (auto p : cpix.child("cpix:ContentKeyPeriodList").children("cpix:ContentKeyPeriod"))
    periods.emplace_back(p.attribute("id").value(), p.attribute("index").value());
  BOOST_REQUIRE(periods.size() == 2u);
  BOOST_TEST(periods[0].second == "7");
  BOOST_TEST(periods[1].second == "8");
  std::size_t i = 0;
  for (auto rule : cpix.child("cpix:ContentKeyUsageRuleList").children("cpix:ContentKeyUsageRule")) {
    BOOST_REQUIRE(i < 2u);
    BOOST_TEST(rule.attribute("kid").value() == kid_to_uuid(i ? kKid2 : kKid1));
    BOOST_TEST(rule.child("cpix:KeyPeriodFilter").attribute("periodId").value() == periods[i].first);
    ++i;
  }
  BOOST_TEST(i == 2u);
}

BOOST_AUTO_TEST_CASE(content_id_is_escaped) {
  auto r = request({kKid1}, {});
  r.content_id = "a\"<&>b";
  pugi::xml_document doc;
  BOOST_REQUIRE(doc.load_string(render_cpix_request(r).c_str()));
  BOOST_TEST(doc.child("cpix:CPIX").attribute("contentId").value() == std::string("a\"<&>b"));
}

BOOST_AUTO_TEST_CASE(parses_an_answer_laid_out_as_the_spec_shows) {
  const auto parsed = parse_cpix_response(answer(), request({kKid1}, {DrmSystem::Widevine, DrmSystem::FairPlay}));
  BOOST_REQUIRE_MESSAGE(std::holds_alternative<CpixResponse>(parsed), error_of(parsed));
  const auto& r = std::get<CpixResponse>(parsed);
  BOOST_REQUIRE(r.keys.size() == 1u);
  BOOST_TEST((r.keys[0].kid == kKid1));
  BOOST_TEST((r.keys[0].key == kKey1));
  BOOST_REQUIRE(r.keys[0].explicit_iv);
  BOOST_TEST((*base64_decode("OFj2IjCsPJFfMAxmQxLGPw==") ==
              std::vector<std::uint8_t>(r.keys[0].explicit_iv->begin(), r.keys[0].explicit_iv->end())));
  // The unknown systemId (HLS AES-128 of some vendor) is left out.
  BOOST_REQUIRE(r.systems.size() == 2u);
  BOOST_TEST((r.systems[0].system == DrmSystem::Widevine));
  BOOST_TEST((r.systems[0].pssh == pssh_box(cenc::kWidevineSystemId)));
  BOOST_TEST(r.systems[0].hls_media_tag.starts_with("#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"data:text/plain;base64,"));
  BOOST_TEST(r.systems[0].hls_master_tag.empty());
  BOOST_TEST((r.systems[1].system == DrmSystem::FairPlay));
  BOOST_TEST((r.systems[1].kid == kKid1));  // the upper-case UUID
  BOOST_TEST(r.systems[1].pssh.empty());
  BOOST_TEST(contains(r.systems[1].hls_media_tag, "skd://98ee5596cd3ea20d163ae382420c6eff"));
  BOOST_TEST(r.systems[1].hls_master_tag.starts_with("#EXT-X-SESSION-KEY:"));
}

BOOST_AUTO_TEST_CASE(any_namespace_prefix_and_wrapped_base64) {
  const std::string xml = R"(<CPIX xmlns="urn:dashif:org:cpix" xmlns:p="urn:ietf:params:xml:ns:keyprov:pskc" contentId="x" version="2.3">
  <ContentKeyList>
    <ContentKey kid="11223344-5566-7788-99aa-bbccddeeff00"><Data><p:Secret><p:PlainValue>
      AQIDBAUGBwgJ
      CgsMDQ4PEA==
    </p:PlainValue></p:Secret></Data></ContentKey>
    <ContentKey kid="98ee5596-cd3e-a20d-163a-e382420c6eff"><Data><p:Secret><p:PlainValue>)" +
                          b64(kKey1) + R"(</p:PlainValue></p:Secret></Data></ContentKey>
  </ContentKeyList>
</CPIX>)";
  const auto parsed = parse_cpix_response(xml, request({kKid1, kKid2}, {}));
  BOOST_REQUIRE_MESSAGE(std::holds_alternative<CpixResponse>(parsed), error_of(parsed));
  const auto& r = std::get<CpixResponse>(parsed);
  BOOST_REQUIRE(r.keys.size() == 2u);  // in the order asked
  BOOST_TEST((r.keys[0].key == kKey1));
  BOOST_TEST((r.keys[1].key == kKey2));
  BOOST_TEST(!r.keys[1].explicit_iv);
}

BOOST_AUTO_TEST_CASE(errors_name_what_is_wrong) {
  const auto asked = request({kKid1}, {DrmSystem::Widevine, DrmSystem::FairPlay});

  BOOST_TEST(contains(error_of(parse_cpix_response("<html>Bad gateway", asked)), "not a CPIX document"));
  BOOST_TEST(contains(error_of(parse_cpix_response("", asked)), "not a CPIX document"));
  BOOST_TEST(contains(error_of(parse_cpix_response("<html/>", asked)), "not a CPIX document"));
  BOOST_TEST(contains(error_of(parse_cpix_response(R"(<cpix:CPIX xmlns:cpix="urn:other"/>)", asked)), "namespace"));

  // No key for the KID asked.
  const auto missing = error_of(parse_cpix_response(answer(), request({kKid2}, {})));
  BOOST_TEST(contains(missing, "no key for KID 11223344-5566-7788-99aa-bbccddeeff00"), missing);

  // A key of 32 bytes: the error says so without the key.
  const std::vector<std::uint8_t> long_key(32, 0xab);
  const auto wrong_size = error_of(parse_cpix_response(answer(b64(long_key)), asked));
  BOOST_TEST(contains(wrong_size, "98ee5596-cd3e-a20d-163a-e382420c6eff"), wrong_size);
  BOOST_TEST(contains(wrong_size, "32 bytes"), wrong_size);
  BOOST_TEST(!contains(wrong_size, b64(long_key)));

  const auto bad_b64 = error_of(parse_cpix_response(answer("5dGA*wGuUYu4dHeHtNlxJw=="), asked));
  BOOST_TEST(contains(bad_b64, "PlainValue is not base64"), bad_b64);

  std::string no_secret = answer();
  no_secret.replace(no_secret.find("<cpix:Data>"), no_secret.find("</cpix:Data>") + 12 - no_secret.find("<cpix:Data>"), "");
  BOOST_TEST(contains(error_of(parse_cpix_response(no_secret, asked)), "has no key"));

  std::string encrypted = answer();
  const auto at = encrypted.find("<pskc:PlainValue>");
  encrypted.replace(at, encrypted.find("</pskc:PlainValue>") + 18 - at,
                    "<pskc:EncryptedValue><enc:CipherData/></pskc:EncryptedValue>");
  BOOST_TEST(contains(error_of(parse_cpix_response(encrypted, asked)), "encrypted key"));

  std::string bad_pssh = answer();
  const auto p = bad_pssh.find("<cpix:PSSH>") + 11;
  bad_pssh.replace(p, bad_pssh.find("</cpix:PSSH>") - p, b64(std::string_view("not a box at all, no")));
  const auto pssh_error = error_of(parse_cpix_response(bad_pssh, asked));
  BOOST_TEST(contains(pssh_error, "widevine"), pssh_error);
  BOOST_TEST(contains(pssh_error, "not a 'pssh' box"), pssh_error);

  std::string bad_hls = answer();
  const auto h = bad_hls.find("<cpix:HLSSignalingData playlist=\"media\">") + 40;
  bad_hls.replace(h, bad_hls.find("</cpix:HLSSignalingData>", h) - h, "#EXT-X-KEY:raw");
  BOOST_TEST(contains(error_of(parse_cpix_response(bad_hls, asked)), "HLSSignalingData playlist=\"media\" is not base64"));

  std::string bad_iv = answer();
  bad_iv.replace(bad_iv.find("OFj2IjCsPJFfMAxmQxLGPw=="), 24, "AAAA");
  BOOST_TEST(contains(error_of(parse_cpix_response(bad_iv, asked)), "explicitIV"));
}
