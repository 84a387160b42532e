// WHIP ingest (RFC 9725) with a real browser: Debian's chromium, headless, with a fake
// camera and microphone, publishes from tests/data/whip/publish.html to the daemon; the
// session goes LIVE and ffprobe reads H.264 + AAC back from the HLS. Then the refusals:
// bad key, malformed SDP, no fingerprint, no supported codec, a live that takes no ingest.
#define BOOST_TEST_MODULE whip
#include <boost/test/unit_test.hpp>

#include <csignal>
#include <memory>
#include <regex>
#include <string>

#include <nlohmann/json.hpp>

#include "support/checks.hpp"
#include "support/lives.hpp"
#include "support/media.hpp"
#include "support/process.hpp"

using namespace bvtest;
using nlohmann::json;

namespace {

const std::string kData = BVLIVE_TEST_DATA;

struct WhipFixture {
  TempDir dir{"bvlive-whip"};
  std::unique_ptr<DaemonProcess> daemon;
  std::unique_ptr<Cli> cli;
  Ports ports;

  WhipFixture() {
    // A short consent timeout so a closed browser ends its session quickly.
    daemon = start_daemon(dir, "[webrtc]\nconsent_timeout = \"4s\"\n");
    cli = std::make_unique<Cli>(daemon->socket());
    ports = ports_of(*cli);
    BOOST_TEST_REQUIRE(ports.http > 0);
    BOOST_TEST_REQUIRE(ports.webrtc > 0);
  }

  std::string live_in_preview(const std::string& name, const std::string& ingest = "whip") {
    RunResult r = cli->run({"--json", "create", "--name", name, "--ingest", ingest});
    REQUIRE_EXIT(r, 0);
    const std::string id = parse_out(r)["live"]["id"].get<std::string>();
    REQUIRE_EXIT(cli->run({"preview", id}), 0);
    return id;
  }
  json live(const std::string& id) { return live_of(*cli, id); }
  json sessions(const std::string& id) { return cli->json({"sessions", id})["sessions"]; }
  std::string whip_url(const std::string& id) {
    return "http://127.0.0.1:" + std::to_string(ports.http) + "/whip/" + id;
  }
  std::string key(const std::string& id) { return live(id)["stream_key"].get<std::string>(); }

  std::unique_ptr<BackgroundProcess> browser(const std::string& id, const std::string& log_name,
                                             const std::string& codec = "") {
    const std::string page = "file://" + kData + "/whip/publish.html?endpoint=" + whip_url(id) + "&key=" + key(id) +
                             (codec.empty() ? "" : "&codec=" + codec);
    return std::make_unique<BackgroundProcess>(
        std::vector<std::string>{"chromium", "--headless=new", "--no-sandbox", "--disable-gpu",
                                 "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                                 "--enable-logging=stderr", "--v=0", "--user-data-dir=" + dir / (log_name + "-profile"),
                                 page},
        dir / log_name);
  }

  json wait_session(const std::string& id, const std::string& state, std::size_t count, Ms timeout = 45s) {
    json last;
    const bool ok = poll_until(
        [&] {
          last = sessions(id);
          return last.size() == count && last[0]["state"] == state;
        },
        timeout, 250ms);
    BOOST_TEST_REQUIRE(ok, "no session #" << count << " in " << state << ": " << last.dump(2) << "\ndaemon log:\n"
                                          << daemon->log());
    return last[0];
  }

  HttpReply post_offer(const std::string& id, const std::string& sdp_text, const std::string& bearer) {
    std::map<std::string, std::string> h = {{"Content-Type", "application/sdp"}};
    if (!bearer.empty()) h["Authorization"] = "Bearer " + bearer;
    return http_request(whip_url(id), "POST", h, sdp_text);
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(a_browser_publishes_and_viewers_get_h264_and_aac) {
  WhipFixture f;
  const std::string id = f.live_in_preview("From the browser");
  BOOST_TEST(f.live(id)["urls"]["whip"].get<std::string>().ends_with(":" + std::to_string(f.ports.http) + "/whip/" + id));

  auto chrome = f.browser(id, "chrome1.log");
  const json s = f.wait_session(id, "LIVE", 1);
  BOOST_TEST(s["protocol"] == "whip");
  const std::string preview = "http://127.0.0.1:" + std::to_string(f.ports.http) + "/preview/" + id +
                              "/index.m3u8?token=" + f.live(id)["preview_token"].get<std::string>();
  const json probe = ffprobe_streams(preview);
  bool video = false, audio = false;
  for (const auto& st : probe["streams"]) {
    if (st["codec_type"] == "video") video = st["codec_name"] == "h264" && st["width"].get<int>() > 0;
    if (st["codec_type"] == "audio") audio = st["codec_name"] == "aac";
  }
  BOOST_TEST(video, probe.dump(2));
  BOOST_TEST(audio, probe.dump(2));

  // DELETE on the resource the browser was given ends the session.
  std::smatch m;
  const std::string log = chrome->log();
  BOOST_TEST_REQUIRE(std::regex_search(log, m, std::regex("whip: created (/whip/[a-z0-9]+/[a-z0-9]+)")), log);
  const HttpReply del = http_request("http://127.0.0.1:" + std::to_string(f.ports.http) + m[1].str(), "DELETE");
  BOOST_TEST(del.status == 200, del.describe());
  const json ended = f.wait_session(id, "ENDED", 1, 15s);
  BOOST_TEST(contains(ended["end_reason"].get<std::string>(), "DELETE"), ended.dump());
  chrome->stop(SIGKILL);

  // A new page publishes again; closing it ends the session once ICE consent stops.
  auto chrome2 = f.browser(id, "chrome2.log");
  f.wait_session(id, "LIVE", 2);
  chrome2->stop(SIGKILL);
  const json gone = f.wait_session(id, "ENDED", 2, 20s);
  BOOST_TEST(contains(gone["end_reason"].get<std::string>(), "went silent"), gone.dump());
  BOOST_TEST(f.daemon->stop() == 0);
}

// A browser that offers VP8 only: the packager re-encodes it to H.264 for HLS.
BOOST_AUTO_TEST_CASE(a_vp8_only_offer_is_transcoded_to_h264) {
  WhipFixture f;
  const std::string id = f.live_in_preview("VP8 only");
  auto chrome = f.browser(id, "chrome-vp8.log", "VP8");
  f.wait_session(id, "LIVE", 1, 60s);
  BOOST_TEST(contains(f.daemon->log(), "VP8 + opus"), f.daemon->log());
  const std::string preview = "http://127.0.0.1:" + std::to_string(f.ports.http) + "/preview/" + id +
                              "/index.m3u8?token=" + f.live(id)["preview_token"].get<std::string>();
  const json probe = ffprobe_streams(preview);
  bool h264 = false;
  for (const auto& st : probe["streams"])
    if (st["codec_type"] == "video") h264 = st["codec_name"] == "h264";
  BOOST_TEST(h264, probe.dump(2));
  chrome->stop(SIGKILL);
}

BOOST_AUTO_TEST_CASE(refusals_are_clear_and_create_no_session) {
  WhipFixture f;
  const std::string id = f.live_in_preview("Refusals");
  const std::string offer = read_file(kData + "/sdp/chrome_h264_opus.sdp");
  BOOST_TEST_REQUIRE(!offer.empty());

  HttpReply r = f.post_offer(id, offer, "");
  BOOST_TEST(r.status == 401, r.describe());
  BOOST_TEST(contains(r.body, "bearer"), r.describe());
  r = f.post_offer(id, offer, "sk_notTheKey");
  BOOST_TEST(r.status == 401, r.describe());
  BOOST_TEST(!contains(f.daemon->log(), "sk_notTheKey"));
  r = f.post_offer(id, read_file(kData + "/sdp/garbage.sdp"), f.key(id));
  BOOST_TEST(r.status == 400, r.describe());
  r = f.post_offer(id, read_file(kData + "/sdp/no_fingerprint.sdp"), f.key(id));
  BOOST_TEST(r.status == 400, r.describe());
  BOOST_TEST(contains(r.body, "fingerprint"), r.describe());
  r = f.post_offer(id, read_file(kData + "/sdp/no_supported_codec.sdp"), f.key(id));
  BOOST_TEST(r.status == 400, r.describe());
  BOOST_TEST(contains(r.body, "no supported codec"), r.describe());
  r = http_request(f.whip_url(id), "POST", {{"Authorization", "Bearer " + f.key(id)}, {"Content-Type", "text/plain"}},
                   offer);
  BOOST_TEST(r.status == 415, r.describe());
  // A live that does not take WHIP, and one not yet in PREVIEW.
  const std::string rtmp_only = f.live_in_preview("RTMP only", "rtmp");
  r = f.post_offer(rtmp_only, offer, f.key(rtmp_only));
  BOOST_TEST(r.status == 403, r.describe());
  BOOST_TEST(contains(r.body, "does not take whip"), r.describe());
  const std::string waiting = parse_out(f.cli->run({"--json", "create", "--name", "Later", "--ingest", "whip"}))["live"]
                                  ["id"]
                                      .get<std::string>();
  r = f.post_offer(waiting, offer, f.key(waiting));
  BOOST_TEST(r.status == 403, r.describe());
  BOOST_TEST(contains(r.body, "PREVIEW and LIVE"), r.describe());
  for (const auto& l : {id, rtmp_only, waiting}) BOOST_TEST(f.sessions(l).empty(), l);

  // CORS preflight for a page on another origin, PATCH (trickle ICE) refused.
  r = http_request(f.whip_url(id), "OPTIONS",
                   {{"Origin", "https://studio.example"}, {"Access-Control-Request-Method", "POST"},
                    {"Access-Control-Request-Headers", "authorization, content-type"}});
  BOOST_TEST(r.status == 204, r.describe());
  BOOST_TEST(contains(r.headers["access-control-allow-headers"], "Authorization"), r.describe());

  // A valid offer (no browser behind it): 201 with an ICE-lite answer, Location and ETag; DELETE ends it.
  r = f.post_offer(id, offer, f.key(id));
  BOOST_TEST_REQUIRE(r.status == 201, r.describe());
  BOOST_TEST(r.headers["content-type"] == "application/sdp");
  BOOST_TEST(!r.headers["etag"].empty());
  BOOST_TEST(contains(r.headers["access-control-expose-headers"], "Location"));
  BOOST_TEST(contains(r.body, "a=ice-lite"), r.body);
  BOOST_TEST(contains(r.body, "a=setup:passive"), r.body);
  BOOST_TEST(contains(r.body, "a=fingerprint:sha-256 "), r.body);
  BOOST_TEST(contains(r.body, "127.0.0.1 " + std::to_string(f.ports.webrtc) + " typ host"), r.body);
  const std::string location = r.headers["location"];
  BOOST_TEST_REQUIRE(location.rfind("/whip/" + id + "/", 0) == 0, r.describe());
  HttpReply patch = http_request("http://127.0.0.1:" + std::to_string(f.ports.http) + location, "PATCH",
                                 {{"Content-Type", "application/trickle-ice-sdpfrag"}}, "a=end-of-candidates\r\n");
  BOOST_TEST(patch.status == 405, patch.describe());
  BOOST_TEST(f.sessions(id).size() == 1u);
  HttpReply del = http_request("http://127.0.0.1:" + std::to_string(f.ports.http) + location, "DELETE");
  BOOST_TEST(del.status == 200, del.describe());
  f.wait_session(id, "ENDED", 1, 15s);
  BOOST_TEST(http_request("http://127.0.0.1:" + std::to_string(f.ports.http) + location, "DELETE").status == 404);
  BOOST_TEST(http_get("http://127.0.0.1:" + std::to_string(f.ports.http) + "/healthz").status == 200);
}
