// HTTPS in a real browser: bvlived with a [tls] certificate from the test's own CA
// (support/test_ca.hpp), and Debian's chromium, headless, trusting exactly that server key
// (--ignore-certificate-errors-spki-list, the closest to an installed CA without NSS tools; no
// "ignore all certificate errors" switch). Chromium is driven by playwright-core through
// tests/data/whip/https_origin.mjs, which reports what the page saw; the test checks that each
// page is a secure context (window.isSecureContext, location.protocol "https:"), that chromium
// rates it secure (DevTools security state: no certificate error, no mixed content), that
// every request it made went to the HTTPS origin and none failed, and no console message
// speaks of mixed content or certificates:
//   - a live pushed by ffmpeg over RTMPS: its viewer page, https://127.0.0.1:HTTPS/watch/ID as
//     `bvlive show` gives it, plays the video (its time advances) with hls.js over HTTPS;
//   - WHIP from an HTTPS page: publish.html's publisher runs in a page of the daemon's HTTPS
//     origin (the daemon does not serve publish.html, so its script is put into one of the
//     daemon's pages), getUserMedia and the WHIP POST to the https:// WHIP URL of `bvlive show`
//     run in that secure context; the session goes LIVE, and ffprobe, trusting the CA
//     (-ca_file, -tls_verify 1), reads H.264 back from the live's https playlist.
#define BOOST_TEST_MODULE tls_browser
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/browser.hpp"
#include "support/checks.hpp"
#include "support/lives.hpp"
#include "support/media.hpp"
#include "support/page_fixture.hpp"
#include "support/process.hpp"
#include "support/test_ca.hpp"

using namespace bvtest;
using nlohmann::json;

namespace {

const std::string kData = BVLIVE_TEST_DATA;

// The daemon's HTTPS origin (its viewer page, playlists, WHIP) and RTMPS ingest, with a
// certificate for 127.0.0.1 from the test's CA.
struct TlsBrowserFixture {
  TempDir dir{"bvlive-tlsb"};
  TestCa ca{dir / "ca"};
  ServerCert cert = ca.issue("server", "bvlive test");
  std::unique_ptr<DaemonProcess> daemon;
  std::unique_ptr<Cli> cli;
  Ports ports;
  std::unique_ptr<BackgroundProcess> encoder;

  TlsBrowserFixture() {
    // Free ports (0), URLs for the name the certificate is for (as a deployment sets its DNS
    // name), and a short WebRTC consent timeout so a closed publisher ends its session quickly.
    daemon = start_daemon(dir, "[daemon]\npublic_host = \"127.0.0.1\"\n\n"
                               "[tls]\ncertificate = \"" + cert.certificate + "\"\nkey = \"" + cert.key +
                                   "\"\nhttps_port = 0\nrtmps_port = 0\n\n[webrtc]\nconsent_timeout = \"4s\"\n");
    cli = std::make_unique<Cli>(daemon->socket());
    ports = ports_of(*cli);
    BOOST_TEST_REQUIRE(ports.https > 0, "no HTTPS listener: " << cli->json({"status"}).dump(2) << "\n"
                                                              << tail(daemon->log()));
    BOOST_TEST_REQUIRE(ports.rtmps > 0, "no RTMPS listener: " << cli->json({"status"}).dump(2));
  }

  std::string https_base() const { return "https://127.0.0.1:" + std::to_string(ports.https); }

  std::string create(const std::vector<std::string>& flags) {
    std::vector<std::string> args{"-q", "create"};
    args.insert(args.end(), flags.begin(), flags.end());
    const RunResult r = cli->run(args);
    REQUIRE_EXIT(r, 0);
    return r.out.substr(0, r.out.find('\n'));
  }
  json urls(const std::string& id) { return live_of(*cli, id)["urls"]; }

  // GET over HTTPS with curl trusting only the test CA: the answer's status and body.
  std::pair<int, std::string> https_get(const std::string& url) {
    const std::string body = dir / "curl.out";
    const RunResult r = run({"curl", "-sS", "--cacert", ca.ca_file(), "-o", body, "-w", "%{http_code}", url},
                            with_timeout(20s));
    BOOST_TEST_REQUIRE(r.code == 0, "curl over HTTPS failed: " << r.describe());
    return {std::stoi(r.out), read_file(body)};
  }

  // ffprobe of an https:// URL, verifying the server against the test CA (the playlist's
  // connection; ffmpeg's HLS demuxer opens the segments without these options).
  std::optional<json> ffprobe_https(const std::string& url, std::string& why) {
    const RunResult r = run({"ffprobe", "-v", "error", "-tls_verify", "1", "-ca_file", ca.ca_file(), "-show_streams",
                             "-of", "json", url},
                            with_timeout(30s));
    if (r.code != 0) {
      why = r.describe();
      return std::nullopt;
    }
    json out = json::parse(r.out, nullptr, false);
    if (!out.is_object()) {
      why = "ffprobe printed no JSON: " + r.describe();
      return std::nullopt;
    }
    return out;
  }

  // tests/data/whip/https_origin.mjs in the background (see there); its log in DIR/NAME.log.
  std::unique_ptr<BackgroundProcess> page(const std::string& name, const std::vector<std::string>& args) {
    std::vector<std::string> argv{"env", std::string("NODE_PATH=") + BVLIVE_BROWSER_DRIVER_DIR + "/node_modules",
                                  std::string("BVLIVE_BROWSER_DRIVER_DIR=") + BVLIVE_BROWSER_DRIVER_DIR, "node",
                                  kData + "/whip/https_origin.mjs"};
    argv.insert(argv.end(), args.begin(), args.end());
    return std::make_unique<BackgroundProcess>(argv, dir / (name + ".log"));
  }

  // The JSON line the script prints (null while there is none).
  static json observed(const BackgroundProcess& p) {
    std::istringstream lines(p.log());
    for (std::string line; std::getline(lines, line);)
      if (line.starts_with("{")) {
        json j = json::parse(line, nullptr, false);
        if (j.is_object()) return j;
      }
    return nullptr;
  }
  json wait_observed(BackgroundProcess& p, Ms timeout) {
    json seen;
    poll_until(
        [&] {
          seen = observed(p);
          return !seen.is_null() || !p.running();
        },
        timeout, 250ms);
    if (seen.is_null()) seen = observed(p);
    BOOST_TEST_REQUIRE(!seen.is_null(), "the page script reported nothing:\n" << tail(p.log()) << "\ndaemon log:\n"
                                                                          << tail(daemon->log()));
    return seen;
  }

  // What every HTTPS page of the daemon must show: a secure context on the HTTPS origin, the
  // test certificate, chromium's "secure" state with no certificate error and no mixed
  // content, every request on that origin and none failed, no console message of either.
  void check_secure_page(const json& seen) {
    const std::string all = seen.dump(2);
    BOOST_TEST(!seen.contains("failure"), "the page script failed: " << all);
    BOOST_TEST(seen["status"] == 200, all);
    const json& at = seen["location"];
    BOOST_TEST(at["protocol"] == "https:", all);
    BOOST_TEST(at["origin"] == https_base(), all);
    BOOST_TEST(at["is_secure_context"] == true, "chromium does not treat the page as a secure context: " << all);
    BOOST_TEST(seen["tls"]["subject"] == cert.subject_cn, all);
    BOOST_TEST(seen["tls"]["issuer"] == "bvlive test CA", all);

    BOOST_TEST_REQUIRE(!seen["security_states"].empty(), "chromium reported no security state: " << all);
    const json& state = seen["security_states"].back();
    BOOST_TEST(state["state"] == "secure", "chromium does not rate the page secure: " << state.dump());
    BOOST_TEST(state["issues"].empty(), "security issues (mixed content?): " << state.dump());
    BOOST_TEST(state["certificate"]["network_error"].is_null(), "a certificate error: " << state.dump());
    BOOST_TEST(state["certificate"]["obsolete_ssl"] == false, state.dump());

    for (const auto& u : seen["requests"]) {
      const std::string url = u.get<std::string>();
      // blob: URLs are the player's media source objects, of the page's own origin.
      BOOST_TEST((url.starts_with(https_base() + "/") || url.starts_with("blob:" + https_base() + "/")),
                 "a request off the HTTPS origin (mixed content?): " << url);
    }
    BOOST_TEST(seen["failed_requests"].empty(), "requests failed: " << seen["failed_requests"].dump(2));
    BOOST_TEST(seen["page_errors"].empty(), "script errors: " << seen["page_errors"].dump(2));
    for (const auto& m : seen["console"]) {
      const std::string text = m["text"].get<std::string>();
      BOOST_TEST(!mentions(text, {"mixed content", "insecure", "ERR_CERT", "ERR_SSL", "certificate"}),
                 "console " << m["type"] << ": " << text);
    }
  }
};

bool has_request(const json& seen, const std::string& needle) {
  for (const auto& u : seen["requests"])
    if (contains(u.get<std::string>(), needle)) return true;
  return false;
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(the_viewer_page_plays_a_live_pushed_over_rtmps_over_https, TlsBrowserFixture) {
  const std::string id = create({"--name", "Over TLS", "--broadcast-mode", "traditional"});
  const json u = urls(id);
  const std::string player = u.value("player", "");
  BOOST_TEST_REQUIRE(player == https_base() + "/watch/" + id, "show gives no https player URL: " << u.dump(2));
  BOOST_TEST(u.value("playback", "").starts_with(https_base() + "/"), u.dump(2));
  const std::string rtmps = u.value("rtmps", "");
  BOOST_TEST_REQUIRE(rtmps.starts_with("rtmps://127.0.0.1:" + std::to_string(ports.rtmps) + "/live/"), u.dump(2));

  // Pushed over RTMPS; ffmpeg checks the daemon's certificate against the test CA.
  REQUIRE_EXIT(cli->run({"preview", id}), 0);
  std::vector<std::string> argv = encoder_argv(rtmps, "flv");
  argv.insert(argv.end() - 1, {"-tls_verify", "1", "-ca_file", ca.ca_file()});
  encoder = std::make_unique<BackgroundProcess>(argv, dir / "encoder.log");
  json sessions;
  const bool on = poll_until(
      [&] {
        sessions = cli->json({"sessions", id})["sessions"];
        return !sessions.empty() && sessions[0]["state"] == "LIVE" && sessions[0]["segments"].get<int>() >= 2;
      },
      45s, 250ms);
  BOOST_TEST_REQUIRE(on, "no session with segments over RTMPS: " << sessions.dump(2) << "\nencoder:\n"
                                                                 << encoder->log() << "\ndaemon log:\n"
                                                                 << tail(daemon->log()));
  REQUIRE_EXIT(cli->run({"start", id}), 0);
  BOOST_TEST_REQUIRE(wait_for_state(*cli, id, "LIVE"));

  // The daemon serves the page over HTTPS to a client that trusts only the test CA.
  const auto [status, body] = https_get(player);
  BOOST_TEST_REQUIRE(status == 200, "the viewer page over HTTPS: " << status << "\n" << body.substr(0, 400));
  BOOST_TEST(contains(body, "watch: "), "not the viewer page:\n" << body.substr(0, 400));

  auto browser = page("watch", {"watch", player, TestCa::spki_hash(cert.certificate), "4"});
  const json seen = wait_observed(*browser, 75s);
  BOOST_TEST(browser->wait(15s).value_or(-1) == 0, "the page script did not end well:\n" << tail(browser->log()));
  check_secure_page(seen);
  const std::string all = seen.dump(2);
  BOOST_TEST_REQUIRE(seen.contains("played"), "the page did not play the live over HTTPS: " << all << "\ndaemon log:\n"
                                                                                          << tail(daemon->log()));
  BOOST_TEST(seen["played"]["to"].get<double>() - seen["played"]["from"].get<double>() >= 4.0, all);
  BOOST_TEST(seen["video"]["width"] == 640, all);
  const json& last = seen["reports"].back();
  BOOST_TEST(last["status"]["state"] == "LIVE", last.dump());
  BOOST_TEST(last["error"].is_null(), last.dump());
  BOOST_TEST(last["title"] == "Over TLS", last.dump());
  // The player's library, the playlists and the segments all came over HTTPS.
  BOOST_TEST(has_request(seen, "/assets/hls.min.js"), all);
  BOOST_TEST(has_request(seen, ".m3u8"), all);
  BOOST_TEST(has_request(seen, "/live/" + id + "/"), all);
  // The daemon counted those HTTPS connections, none refused.
  const json tls = cli->json({"status"})["tls"];
  BOOST_TEST(tls.value("handshakes", 0) > 0, tls.dump());
  BOOST_TEST(tls.value("handshake_failures", -1) == 0, tls.dump());
  encoder->stop(SIGINT);
  BOOST_TEST(daemon->stop() == 0, tail(daemon->log()));
}

BOOST_FIXTURE_TEST_CASE(a_page_of_the_https_origin_publishes_over_whip, TlsBrowserFixture) {
  const std::string id = create({"--name", "WHIP over TLS", "--ingest", "whip"});
  REQUIRE_EXIT(cli->run({"preview", id}), 0);
  const json u = urls(id);
  const std::string whip = u.value("whip", "");
  BOOST_TEST_REQUIRE(whip == https_base() + "/whip/" + id, "show gives no https WHIP URL: " << u.dump(2));
  const std::string key = live_of(*cli, id)["stream_key"].get<std::string>();

  // A page of the daemon's HTTPS origin (it serves no publisher page: its /healthz will do),
  // the publisher's parameters in its query as publish.html reads them.
  const std::string origin_page = https_base() + "/healthz?endpoint=" + percent_encode(whip) + "&key=" + key;
  auto browser = page("whip", {"whip", origin_page, TestCa::spki_hash(cert.certificate), kData + "/whip/publish.html"});
  const json seen = wait_observed(*browser, 60s);
  check_secure_page(seen);
  const std::string all = seen.dump(2);
  bool created = false, connected = false;
  for (const auto& line : seen.value("whip", json::array())) {
    created = created || line.get<std::string>().starts_with("created /whip/" + id + "/");
    connected = connected || line == "connection connected";
  }
  BOOST_TEST(created, "the WHIP POST over HTTPS was not answered 201: " << all << "\ndaemon log:\n"
                                                                       << tail(daemon->log()));
  BOOST_TEST(connected, "the peer connection did not connect: " << all);
  BOOST_TEST(has_request(seen, "/whip/" + id), all);

  json sessions;
  const bool on = poll_until(
      [&] {
        sessions = cli->json({"sessions", id})["sessions"];
        return !sessions.empty() && sessions[0]["state"] == "LIVE" && sessions[0]["segments"].get<int>() >= 1;
      },
      30s, 250ms);
  BOOST_TEST_REQUIRE(on, "no WHIP session with segments: " << sessions.dump(2) << "\n"
                                                           << tail(browser->log()) << "\ndaemon log:\n"
                                                           << tail(daemon->log()));
  BOOST_TEST(sessions[0]["protocol"] == "whip", sessions.dump(2));

  // Started: viewers read it from the https playlist of `bvlive show`.
  REQUIRE_EXIT(cli->run({"start", id}), 0);
  BOOST_TEST_REQUIRE(wait_for_state(*cli, id, "LIVE"));
  const std::string playback = urls(id).value("playback", "");
  BOOST_TEST_REQUIRE(playback.starts_with(https_base() + "/live/" + id + "/"), urls(id).dump(2));
  // ffprobe verifies the server against the test CA; a playlist that has no segment yet
  // reads as no streams: asked again until it has them.
  std::optional<json> probe;
  std::string why;
  bool video = false;
  poll_until(
      [&] {
        probe = ffprobe_https(playback, why);
        if (!probe) return false;
        for (const auto& st : (*probe)["streams"])
          if (st["codec_type"] == "video") video = st["codec_name"] == "h264" && st.value("width", 0) > 0;
        return video;
      },
      30s, 1s);
  BOOST_TEST(video, "no H.264 video read back over HTTPS: " << (probe ? probe->dump(2) : why) << "\nthe playlist:\n"
                                                            << https_get(playback).second << "\ndaemon log:\n"
                                                            << tail(daemon->log()));

  // The page goes: so does the session, once ICE consent stops.
  BOOST_TEST(browser->stop(SIGTERM, 15s) == 0, tail(browser->log()));
  const bool ended = poll_until(
      [&] {
        sessions = cli->json({"sessions", id})["sessions"];
        return !sessions.empty() && sessions[0]["state"] == "ENDED";
      },
      20s, 250ms);
  BOOST_TEST(ended, sessions.dump(2));
  BOOST_TEST(daemon->stop() == 0, tail(daemon->log()));
}
