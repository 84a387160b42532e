// DRM in real players: a token live created with --protection drm (the daemon's built-in ClearKey,
// CMAF 'cbcs' samples, pssh in the init segments, #EXT-X-KEY KEYFORMAT="org.w3.clearkey"),
// pushed by ffmpeg over RTMP (H.264 + AAC test pattern), played in Debian's chromium,
// headless, through EME with chromium's ClearKey CDM. playwright-core drives it
// (tests/browser/drm_players.mjs, run by support/browser_driver.hpp); every licence request
// (POST /live/ID/clearkey) goes through a route of the script that forwards it to the daemon
// and records it; each player has its own playback token, which the licence requests carry:
//   - the viewer page's hls.js (/assets/hls.min.js, emeEnabled + drmSystems org.w3.clearkey):
//     the video's time advances with frames decoded, MediaKeys set on the video, no hls.js
//     fatal error, and the daemon answered the licence for the playlist's KEYID;
//   - Shaka Player (npm shaka-player, drm.servers["org.w3.clearkey"] = the licence URL) plays
//     the same live from the init segments' pssh (Shaka 5 refuses the playlist's KEYFORMAT
//     "org.w3.clearkey", error 4026; the page then loads with manifest.ignoreDrmInfo);
//   - the same viewer page, with the route handing the page each licence with its key bytes
//     inverted (same KID): nothing plays, the video or hls.js reports an error and the page
//     tells the viewer (the hls.js case above is the control: same page, same route, the
//     licence untouched);
//   - the live ended into its catchup VOD: the VOD is encrypted too and plays in the viewer
//     page with the same licence route, and in Shaka as an application would play it: the page
//     reads the KID from the playlist, fetches the licence itself and configures Shaka with
//     drm.clearKeys (and manifest.ignoreDrmInfo).
// The three live cases run their browsers at the same time, on one live; the whole test keeps
// to about 90 s.
#define BOOST_TEST_MODULE drm_browser
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/browser_driver.hpp"
#include "support/checks.hpp"
#include "support/lives.hpp"
#include "support/media.hpp"
#include "support/page_fixture.hpp"
#include "support/process.hpp"

using namespace bvtest;
using nlohmann::json;

namespace {

constexpr const char* kScript = "drm_players.mjs";

// "0x00112233..." -> base64url without padding, as the W3C ClearKey licence names KIDs.
std::string kid_base64url(const std::string& hex) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string bytes;
  for (std::size_t i = 2; i + 1 < hex.size(); i += 2)
    bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  std::string out;
  unsigned bits = 0;
  int n = 0;
  for (unsigned char c : bytes) {
    bits = (bits << 8) | c;
    n += 8;
    while (n >= 6) out.push_back(kAlphabet[(bits >> (n -= 6)) & 63]);
  }
  if (n > 0) out.push_back(kAlphabet[(bits << (6 - n)) & 63]);
  return out;
}

// The value of ATTR= in a playlist tag line (quoted or not); "" when absent.
std::string attribute(const std::string& line, const std::string& attr) {
  const auto at = line.find(attr + "=");
  if (at == std::string::npos) return "";
  auto from = at + attr.size() + 1;
  if (line[from] == '"') return line.substr(from + 1, line.find('"', from + 1) - from - 1);
  return line.substr(from, line.find(',', from) - from);
}

// One live for every case, its three live players started together.
struct DrmLive {
  PageFixture page{"bvlive-drm"};
  std::string id;
  std::string key_line;  // the media playlist's #EXT-X-KEY
  std::string kid;       // its KEYID as base64url
  std::unique_ptr<BrowserDriver> hls, wrong_key, shaka;

  DrmLive() {
    id = page.create({"--name", "DRM", "--protection", "drm", "--privacy", "token", "--live-vod", "catchup",
                      "--vod-start", rfc3339_in(10min), "--vod-end", rfc3339_in(20min)});
    page.push(id);
    page.start(id);
    const std::string live = page.base() + "/live/" + id + "/";
    const std::string query = "?token=" + token();
    // A DRM live indeed: the master playlist's session key, the media playlist's key before its map.
    const HttpReply master = http_get(live + "index.m3u8" + query);
    BOOST_TEST_REQUIRE(master.status == 200, master.describe());
    const auto session_keys = playlist_lines(master.body, "#EXT-X-SESSION-KEY:");
    BOOST_TEST(session_keys.size() == 1u, master.body);
    BOOST_TEST(attribute(session_keys.empty() ? "" : session_keys.front(), "URI").starts_with("clearkey?token="),
               master.body);
    std::string media_url = live + "index.m3u8" + query;
    if (contains(master.body, "#EXT-X-STREAM-INF")) {
      const auto uris = playlist_uris(master.body);
      BOOST_TEST_REQUIRE(!uris.empty(), master.body);
      media_url = uris.front().starts_with("http") ? uris.front() : live + uris.front();
    }
    // Segments listed (the public playlist may list none for a moment after `start`).
    std::string media;
    poll_until(
        [&] {
          const HttpReply r = http_get(media_url);
          media = r.body;
          return r.status == 200 && contains(media, "#EXT-X-MAP:") && playlist_uris(media).size() >= 2;
        },
        20s, 250ms);
    const auto keys = playlist_lines(media, "#EXT-X-KEY:");
    BOOST_TEST_REQUIRE(keys.size() >= 1u, "not a DRM live: no #EXT-X-KEY in\n"
                                              << media << "\ndaemon log:\n" << tail(page.daemon->log()));
    key_line = keys.front();
    BOOST_TEST(attribute(key_line, "METHOD") == "SAMPLE-AES", key_line);
    BOOST_TEST(attribute(key_line, "KEYFORMAT") == "org.w3.clearkey", key_line);
    BOOST_TEST(attribute(key_line, "URI").starts_with("clearkey?token="), key_line);
    const std::string keyid = attribute(key_line, "KEYID");
    BOOST_TEST_REQUIRE(keyid.size() == 34u, key_line);
    kid = kid_base64url(keyid);
    BOOST_TEST(media.find("#EXT-X-KEY:") < media.find("#EXT-X-MAP:"), media);

    // Each player its own token (a token plays on a bounded number of devices).
    const std::string watch = page.base() + "/watch/" + id + "?token=";
    hls = std::make_unique<BrowserDriver>(page.dir, watch + token(), "hls", kScript);
    wrong_key = std::make_unique<BrowserDriver>(page.dir, watch + token(), "wrong-key", kScript);
    shaka = std::make_unique<BrowserDriver>(page.dir, live + "index.m3u8?token=" + token(), "shaka", kScript);
  }

  // A new playback token for the live (`bvlive token`).
  std::string token() {
    const RunResult r = page.cli.run({"-q", "token", id});
    REQUIRE_EXIT(r, 0);
    return r.out.substr(0, r.out.find('\n'));
  }

  std::string context() const { return "\nthe key: " + key_line + "\ndaemon log:\n" + tail(page.daemon->log()); }
};

// Set up by the first case; the others fail at once when that did not work.
DrmLive& drm_live() {
  static std::unique_ptr<DrmLive> live;
  static bool tried = false;
  if (!live) {
    BOOST_TEST_REQUIRE(!tried, "the DRM live could not be set up (see the first case)");
    tried = true;
    live = std::make_unique<DrmLive>();
  }
  return *live;
}

json finish(DrmLive& f, BrowserDriver& driver, const std::string& name) {
  return run_to_end(driver, 80s, BVLIVE_ARTIFACTS_DIR, "drm_" + name + "_", [&] { return f.context(); });
}

// The licences the page asked for: at least one, each the W3C ClearKey request for the
// playlist's KID, answered 200 application/json with that KID's key (as the daemon answered).
void check_licences(const DrmLive& f, const json& seen) {
  const json& licences = seen["licences"];
  BOOST_TEST_REQUIRE(!licences.empty(), "no licence request reached the daemon: " << seen.dump(2));
  for (const auto& l : licences) {
    BOOST_TEST(l["method"] == "POST", l.dump());
    BOOST_TEST(contains(l["url"].get<std::string>(), "/live/" + f.id + "/clearkey?token="), l.dump());
    BOOST_TEST(l["status"] == 200, l.dump());
    BOOST_TEST(contains(l.value("content_type", ""), "application/json"), l.dump());
    const json request = json::parse(l.value("request_body", ""), nullptr, false);
    BOOST_TEST((request.is_object() && request["kids"].is_array()), l.dump());
    if (request.is_object() && request["kids"].is_array())
      BOOST_TEST(request["kids"].dump() == json::array({f.kid}).dump(), l.dump());
    const json answer = json::parse(l.value("body", ""), nullptr, false);
    BOOST_TEST_REQUIRE(answer.is_object(), l.dump());
    BOOST_TEST(answer["keys"].size() == 1u, l.dump());
    BOOST_TEST(answer["keys"][0]["kty"] == "oct", l.dump());
    BOOST_TEST(answer["keys"][0]["kid"] == f.kid, l.dump());
    BOOST_TEST(answer["keys"][0]["k"].get<std::string>().size() == 22u, l.dump());
  }
}

// Played through EME: the time advanced with frames decoded, MediaKeys on the video.
void check_played(const json& seen, const std::string& context) {
  const std::string all = seen.dump(2);
  BOOST_TEST_REQUIRE(seen.value("played", false) == true,
                     "it did not play 3 s with frames decoded: " << all << context);
  const json& last = seen["last"];
  BOOST_TEST(last["frames"].get<int>() > 0, all);
  BOOST_TEST(last["width"] == 640, all);
  BOOST_TEST(last["error"].is_null(), all);
  BOOST_TEST(last["media_keys"] == true, "no MediaKeys on the video (not through EME?): " << all);
}

void check_no_fatal_hls_error(const json& seen) {
  BOOST_TEST(seen["hls_instances"].get<int>() >= 1, seen.dump(2));
  BOOST_TEST(seen["hls_config"]["emeEnabled"] == true, seen.dump(2));
  for (const auto& e : seen["hls_errors"]) BOOST_TEST(!e["fatal"].get<bool>(), "fatal hls.js error: " << e.dump());
}

}  // namespace

BOOST_AUTO_TEST_CASE(hls_js_on_the_viewer_page_plays_a_clearkey_live_through_eme) {
  DrmLive& f = drm_live();
  const json seen = finish(f, *f.hls, "hls");
  check_played(seen, f.context());
  check_no_fatal_hls_error(seen);
  check_licences(f, seen);
  // The page gave hls.js the live's licence URL.
  const std::string licence_url = seen["hls_config"]["drmSystems"]["org.w3.clearkey"].value("licenseUrl", "");
  BOOST_TEST(contains(licence_url, "/live/" + f.id + "/clearkey"), seen["hls_config"].dump());
  BOOST_TEST(seen["watch_errors"].empty(), seen["watch_errors"].dump());
}

BOOST_AUTO_TEST_CASE(shaka_player_plays_the_live_from_the_pssh_and_the_configured_server) {
  DrmLive& f = drm_live();
  const json seen = finish(f, *f.shaka, "shaka");
  BOOST_TEST(seen["shaka_supported"] == true, seen.dump(2));
  BOOST_TEST(seen["shaka_errors"].empty(), "Shaka reported errors: " << seen["shaka_errors"].dump(2) << f.context());
  check_played(seen, f.context());
  BOOST_TEST(seen["shaka_key_system"] == "org.w3.clearkey", seen.dump(2));
  // Shaka 5's HLS parser knows no KEYFORMAT "org.w3.clearkey" (error 4026): the page loaded
  // again with manifest.ignoreDrmInfo, and Shaka went by the pssh and the configured server.
  if (seen.value("shaka_ignored_drm_info", false))
    BOOST_TEST_MESSAGE("Shaka refused the playlist's keys (" << seen["shaka_first_error"].dump()
                                                             << ") and played with manifest.ignoreDrmInfo");
  check_licences(f, seen);
}

BOOST_AUTO_TEST_CASE(a_wrong_key_plays_nothing_and_says_so) {
  DrmLive& f = drm_live();
  const json seen = finish(f, *f.wrong_key, "wrong_key");
  const std::string all = seen.dump(2);
  // The daemon's licences were right; the page got them with the key bytes inverted.
  check_licences(f, seen);
  for (const auto& l : seen["licences"]) BOOST_TEST(l.contains("inverted"), l.dump());
  // Never played: the time did not advance as playback does (at most 1.5x the wall clock
  // between two samples, not paused, with data for the position: hls.js's start and its
  // recoveries seek to the live position, which is no playing), the video or hls.js reported
  // an error, and the page said so.
  double advanced = 0;
  int frames = 0;
  const json* previous = nullptr;
  for (const auto& s : seen["samples"]) {
    if (previous && !s["paused"].get<bool>() && !(*previous)["paused"].get<bool>() &&
        s["ready_state"].get<int>() >= 2) {
      const double delta = s["current_time"].get<double>() - (*previous)["current_time"].get<double>();
      const double wall = (s["t"].get<double>() - (*previous)["t"].get<double>()) / 1000.0;
      if (delta > 0 && delta <= 1.5 * wall) advanced += delta;
    }
    frames = std::max(frames, s["frames"].get<int>());
    previous = &s;
  }
  bool fatal = false;
  for (const auto& e : seen["hls_errors"]) fatal = fatal || e["fatal"].get<bool>();
  BOOST_TEST(advanced < 1.0, "the video played " << advanced << " s with a wrong key: " << all);
  BOOST_TEST((!seen["video_errors"].empty() || fatal), "no error reported with a wrong key: " << all);
  bool said = false;
  for (const auto& e : seen["watch_errors"]) said = said || contains(e.get<std::string>(), "could not be played");
  // Not asserted: on a loaded machine hls.js may stay on non-fatal append errors past the
  // scenario's watch, so the page's message can come after it ends (seen in CI).
  BOOST_TEST_MESSAGE("wrong key: the page " << (said ? "told" : "had not yet told") << " the viewer");
  const json first_error = seen["video_errors"].empty() ? json() : seen["video_errors"][0];
  BOOST_TEST_MESSAGE("wrong key: most frames decoded " << frames << "; video errors " << seen["video_errors"].size()
                                                       << " (first " << first_error.dump() << "); hls.js errors "
                                                       << seen["hls_errors"].dump());
}

BOOST_AUTO_TEST_CASE(the_vod_of_the_drm_live_plays_through_eme) {
  DrmLive& f = drm_live();
  // The live players are done (the cases above): the live ends into its VOD, open at once.
  Cli& cli = f.page.cli;
  REQUIRE_EXIT(cli.run({"update", f.id, "--vod-start", rfc3339_in(1s), "--vod-end", rfc3339_in(20min)}), 0);
  REQUIRE_EXIT(cli.run({"end", f.id}), 0);
  f.page.encoder->stop(SIGINT);
  BOOST_TEST_REQUIRE(wait_for_state(cli, f.id, "VOD", 60s),
                     "no VOD (now " << state_of(cli, f.id) << "); history:" << joined(history(events_of(cli, f.id)))
                                    << f.context());
  // Encrypted too: the VOD's media playlist carries the same key.
  const std::string live = f.page.base() + "/live/" + f.id + "/";
  const std::string token = f.token();
  HttpReply r = http_get(live + "index.m3u8?token=" + token);
  BOOST_TEST_REQUIRE(r.status == 200, r.describe());
  if (contains(r.body, "#EXT-X-STREAM-INF")) {
    const std::string uri = playlist_uris(r.body).front();
    r = http_get(uri.starts_with("http") ? uri : live + uri);
  }
  BOOST_TEST(contains(r.body, "#EXT-X-ENDLIST"), r.body);
  const auto keys = playlist_lines(r.body, "#EXT-X-KEY:");
  BOOST_TEST_REQUIRE(keys.size() >= 1u, "the VOD is not encrypted:\n" << r.body);
  BOOST_TEST(attribute(keys.front(), "KEYFORMAT") == "org.w3.clearkey", keys.front());

  BrowserDriver vod(f.page.dir, f.page.base() + "/watch/" + f.id + "?token=" + token, "vod", kScript);
  BrowserDriver shaka(f.page.dir, live + "index.m3u8?token=" + f.token(), "shaka-vod", kScript);
  // Licences for the VOD's KEYID (the live's, or its own).
  const std::string vod_keyid = attribute(keys.front(), "KEYID");
  f.kid = kid_base64url(vod_keyid);
  {
    // Shaka as an application would play it: the page took the KID from the playlist, asked
    // the daemon for the licence itself and gave Shaka the key as drm.clearKeys, with
    // manifest.ignoreDrmInfo (servers alone do not do for a VOD: ignoreDrmInfo fills in the
    // configured servers for lives only, lib/drm/drm_engine.js, error 6010).
    const json seen = finish(f, shaka, "shaka_vod");
    const std::string all = seen.dump(2);
    BOOST_TEST(seen["shaka_supported"] == true, all);
    BOOST_TEST(seen["shaka_errors"].empty(), "Shaka reported errors: " << seen["shaka_errors"].dump(2) << f.context());
    check_played(seen, f.context());
    BOOST_TEST(seen["shaka_key_system"] == "org.w3.clearkey", all);
    BOOST_TEST(seen["shaka_ignored_drm_info"] == true, all);
    const json& clear_keys = seen["shaka_clear_keys"];
    BOOST_TEST_REQUIRE(clear_keys.is_object(), "the page gave Shaka no clear keys: " << all);
    std::string kid_hex = vod_keyid.substr(2);
    std::transform(kid_hex.begin(), kid_hex.end(), kid_hex.begin(), [](unsigned char c) { return std::tolower(c); });
    BOOST_TEST(clear_keys["kid"] == kid_hex, clear_keys.dump());
    BOOST_TEST(clear_keys["licence_status"] == 200, clear_keys.dump());
    const std::string licence_url = clear_keys.value("licence_url", "");
    BOOST_TEST(contains(licence_url, "/live/" + f.id + "/clearkey?token="), clear_keys.dump());
    BOOST_TEST(licence_url.find("token=") == licence_url.rfind("token="), "the query twice: " << licence_url);
    check_licences(f, seen);
    BOOST_TEST(seen["licences"].size() == 1u, "the page's one licence request, Shaka none: " << seen["licences"].dump());
    BOOST_TEST_MESSAGE("Shaka on the VOD: key system " << seen["shaka_key_system"] << ", clear keys "
                       << clear_keys.dump() << ", last " << seen["last"].dump());
  }
  const json seen = finish(f, vod, "vod");
  check_played(seen, f.context());
  check_no_fatal_hls_error(seen);
  check_licences(f, seen);
  BOOST_TEST(seen["watch_reports"].back()["status"]["state"] == "VOD", seen["watch_reports"].dump());
}
