// The SPEKE v2 client (daemon/drm/speke_client) against our test key server
// (tests/support/speke_server): the keys and DRM signalling of several KIDs for the four
// systems, what the server saw of the request (SPEKE headers, CPIX elements, Basic
// credentials), and each way the exchange fails: wrong credentials, a server error, garbage,
// a stall past the timeout, nothing listening. Also the thread-pool wrapper on a libuv loop.
#define BOOST_TEST_MODULE speke_client
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <pugixml.hpp>

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include "core/util/base64.hpp"
#include "core/util/hex.hpp"
#include "daemon/drm/speke_client.hpp"
#include "support/speke_server.hpp"

using namespace bvlive;
using namespace bvlive::drm;
using bvtest::SpekeServer;

namespace {

const std::vector<DrmSystem> kAllSystems{DrmSystem::Widevine, DrmSystem::PlayReady, DrmSystem::FairPlay,
                                         DrmSystem::ClearKey};

cenc::Block16 kid_n(std::uint8_t n) {
  cenc::Block16 kid{};
  for (std::size_t i = 0; i < kid.size(); ++i) kid[i] = static_cast<std::uint8_t>(n * 17 + i);
  return kid;
}

CpixRequest request(std::size_t kids, std::vector<DrmSystem> systems = kAllSystems) {
  CpixRequest r;
  r.content_id = "live-42";
  for (std::size_t i = 0; i < kids; ++i) r.kids.push_back(kid_n(static_cast<std::uint8_t>(i + 1)));
  r.systems = std::move(systems);
  return r;
}

SpekeSettings settings_for(const SpekeServer& server, std::string user = "", std::string password = "") {
  SpekeSettings s;
  s.url = server.url();
  s.username = std::move(user);
  s.password = std::move(password);
  s.timeout_ms = 5000;
  return s;
}

std::string error_of(const std::variant<CpixResponse, std::string>& r) {
  return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : "(keys)";
}

bvtest::SpekeOptions failing(bvtest::SpekeMode mode, int status = 500) {
  bvtest::SpekeOptions o;
  o.mode = mode;
  o.error_status = status;
  return o;
}

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

// No spelling of any key the server would give for `asked` appears in `text`.
void check_no_key_in(const std::string& text, const SpekeServer& server, const CpixRequest& asked) {
  for (const auto& kid : asked.kids) {
    const auto key = server.key_for(kid);
    BOOST_TEST(!contains(text, base64_encode(key)), text);
    BOOST_TEST(!contains(text, hex_encode(key)), text);
    BOOST_TEST(!contains(text, hex_encode(key, true)), text);
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(keys_and_signalling_for_several_kids_and_all_systems) {
  SpekeServer server({.username = "packager", .password = "s3cret:pw"});
  auto settings = settings_for(server, "packager", "s3cret:pw");
  settings.headers = {"X-Api-Key: abc123"};
  const auto asked = request(3);

  const auto result = fetch_keys(settings, asked);
  BOOST_REQUIRE_MESSAGE(std::holds_alternative<CpixResponse>(result), error_of(result));
  const auto& answer = std::get<CpixResponse>(result);

  BOOST_REQUIRE(answer.keys.size() == 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    BOOST_TEST((answer.keys[i].kid == asked.kids[i]));
    BOOST_TEST((answer.keys[i].key == server.key_for(asked.kids[i])));
  }
  BOOST_TEST(answer.systems.size() == 3u * 4u);
  for (const auto& kid : asked.kids)
    for (DrmSystem system : kAllSystems) {
      const auto it = std::find_if(answer.systems.begin(), answer.systems.end(),
                                   [&](const CpixSystemData& d) { return d.kid == kid && d.system == system; });
      BOOST_REQUIRE_MESSAGE(it != answer.systems.end(), info(system).name);
      BOOST_TEST((it->pssh == SpekeServer::pssh_for(system, kid)), info(system).name);
      BOOST_TEST(it->pssh.empty() == (system == DrmSystem::FairPlay));
      if (system == DrmSystem::ClearKey) {
        BOOST_TEST(it->hls_media_tag.empty());
        continue;
      }
      BOOST_TEST(it->hls_media_tag == SpekeServer::hls_tag_for(system, kid, false));
      BOOST_TEST(it->hls_master_tag == SpekeServer::hls_tag_for(system, kid, true));
      BOOST_TEST(it->hls_media_tag.starts_with("#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\""));
      BOOST_TEST(it->hls_master_tag.starts_with("#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES,"));
      BOOST_TEST(contains(it->hls_media_tag, "KEYFORMAT=\"" + std::string(info(system).keyformat) + "\""));
    }
  // The Widevine box carries the KID in its protobuf (field 2), the PlayReady one a WRMHEADER.
  const auto wv = SpekeServer::pssh_for(DrmSystem::Widevine, asked.kids[0]);
  BOOST_TEST((std::search(wv.begin(), wv.end(), asked.kids[0].begin(), asked.kids[0].end()) != wv.end()));

  // What the server saw.
  const auto seen = server.requests();
  BOOST_REQUIRE(seen.size() == 1u);
  const auto& r = seen[0];
  BOOST_TEST(r.method == "POST");
  BOOST_TEST(r.path == "/speke/v2.0/copyProtection");
  BOOST_TEST(r.header("Content-Type") == "application/xml");
  BOOST_TEST(r.header("X-Speke-Version") == "2.0");
  BOOST_TEST(r.header("Authorization") == "Basic " + base64_encode(std::string_view("packager:s3cret:pw")));
  BOOST_TEST(r.header("X-Api-Key") == "abc123");
  BOOST_TEST((r.kids == asked.kids));
  BOOST_TEST((std::set<DrmSystem>(r.systems.begin(), r.systems.end()) ==
              std::set<DrmSystem>(kAllSystems.begin(), kAllSystems.end())));
  pugi::xml_document doc;
  BOOST_REQUIRE(doc.load_string(r.body.c_str()));
  const auto cpix = doc.child("cpix:CPIX");
  BOOST_TEST(cpix.attribute("version").value() == std::string("2.3"));
  BOOST_TEST(cpix.attribute("contentId").value() == std::string("live-42"));
  BOOST_TEST(cpix.child("cpix:ContentKeyList").child("cpix:ContentKey").attribute("commonEncryptionScheme").value() ==
             std::string("cbcs"));
  BOOST_TEST(cpix.child("cpix:ContentKeyUsageRuleList").child("cpix:ContentKeyUsageRule").attribute("intendedTrackType").value() ==
             std::string("ALL"));
  BOOST_TEST(cpix.child("cpix:ContentKeyPeriodList"));  // three KIDs: three key periods
}

BOOST_AUTO_TEST_CASE(wrong_or_missing_credentials_are_401) {
  SpekeServer server({.username = "packager", .password = "right"});
  const auto asked = request(2);
  for (const auto& [user, password] : {std::pair<std::string, std::string>{"packager", "wrong"}, {"", ""}}) {
    const auto error = error_of(fetch_keys(settings_for(server, user, password), asked));
    BOOST_TEST(contains(error, "answered 401"), error);
    BOOST_TEST(contains(error, "check [drm] username and password"), error);
    BOOST_TEST(contains(error, server.url()), error);
    BOOST_TEST(!contains(error, "wrong"), error);  // nor the password
    check_no_key_in(error, server, asked);
  }
  BOOST_TEST(server.requests().size() == 2u);
  BOOST_TEST(server.requests()[1].header("Authorization").empty());
}

BOOST_AUTO_TEST_CASE(server_error_status) {
  SpekeServer server(failing(SpekeServer::Mode::HttpError, 500));
  const auto error = error_of(fetch_keys(settings_for(server), request(1)));
  BOOST_TEST(contains(error, "answered 500"), error);
  BOOST_TEST(contains(error, "fails as asked"), error);  // the server's own words, quoted

  server.set_mode(SpekeServer::Mode::HttpError, 404);
  const auto not_found = error_of(fetch_keys(settings_for(server), request(1)));
  BOOST_TEST(contains(not_found, "answered 404: check [drm] key_server"), not_found);
}

BOOST_AUTO_TEST_CASE(garbage_is_not_cpix) {
  SpekeServer server(failing(SpekeServer::Mode::Garbage));
  const auto asked = request(1);
  const auto error = error_of(fetch_keys(settings_for(server), asked));
  BOOST_TEST(contains(error, "not a CPIX document"), error);
  check_no_key_in(error, server, asked);
}

BOOST_AUTO_TEST_CASE(a_stall_times_out_within_the_timeout) {
  SpekeServer server(failing(SpekeServer::Mode::Stall));
  auto settings = settings_for(server);
  settings.timeout_ms = 700;
  const auto start = std::chrono::steady_clock::now();
  const auto error = error_of(fetch_keys(settings, request(1)));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  BOOST_TEST(contains(error, "did not answer within 700 ms"), error);
  BOOST_TEST(elapsed >= std::chrono::milliseconds(650));
  BOOST_TEST(elapsed < std::chrono::milliseconds(700 + 1500));
  BOOST_TEST(server.requests().size() == 1u);  // it did get the request
}

BOOST_AUTO_TEST_CASE(nothing_listening_is_a_connection_error) {
  // A port that was free a moment ago: bound, then closed without listening.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  BOOST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  BOOST_REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  ::close(fd);
  SpekeSettings settings;
  settings.url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/speke/v2.0/copyProtection";
  settings.timeout_ms = 3000;
  const auto error = error_of(fetch_keys(settings, request(1)));
  BOOST_TEST(contains(error, "could not connect to key server http://127.0.0.1:"), error);
  BOOST_TEST(contains(error, "check [drm] key_server"), error);
}

BOOST_AUTO_TEST_CASE(credentials_in_the_url_stay_out_of_messages) {
  SpekeSettings settings;
  settings.url = "ftp://user:hunter2@example.invalid/speke";
  const auto error = error_of(fetch_keys(settings, request(1)));
  BOOST_TEST(contains(error, "not http:// or https://"), error);
  BOOST_TEST(!contains(error, "hunter2"), error);
}

BOOST_AUTO_TEST_CASE(async_calls_back_on_the_loop_thread) {
  SpekeServer server;
  uv_loop_t loop;
  BOOST_REQUIRE(uv_loop_init(&loop) == 0);
  const auto loop_thread = std::this_thread::get_id();
  const auto asked = request(2, {DrmSystem::FairPlay});
  int calls = 0;
  std::variant<CpixResponse, std::string> got;
  fetch_keys_async(&loop, settings_for(server), asked, [&](std::variant<CpixResponse, std::string> r) {
    ++calls;
    BOOST_TEST((std::this_thread::get_id() == loop_thread));
    got = std::move(r);
  });
  uv_run(&loop, UV_RUN_DEFAULT);
  BOOST_TEST(uv_loop_close(&loop) == 0);
  BOOST_TEST(calls == 1);
  BOOST_REQUIRE_MESSAGE(std::holds_alternative<CpixResponse>(got), error_of(got));
  const auto& keys = std::get<CpixResponse>(got).keys;
  BOOST_REQUIRE(keys.size() == 2u);
  BOOST_TEST((keys[1].key == server.key_for(asked.kids[1])));
}
