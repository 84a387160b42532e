// DRM protection with the built-in ClearKey (issue 24), over real HTTP from a real daemon
// with a real ffmpeg push: a live created with --protection drm is packaged encrypted
// (CMAF 'cbcs': encv/enca, tenc, pssh in the init segment, senc in every segment), its
// playlists say SAMPLE-AES with the ClearKey KEYFORMAT, the daemon answers the EME ClearKey
// licence for its KID behind the playback gate, and ffmpeg given that key decodes what
// it cannot decode without it. Its catchup VOD stays encrypted. The browsers' side (hls.js
// and Shaka through EME) is test_drm_browser.
#define BOOST_TEST_MODULE drm
#include <boost/test/unit_test.hpp>

#include <map>
#include <memory>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "support/checks.hpp"
#include "support/lives.hpp"
#include "support/ll_hls_rules.hpp"
#include "support/media.hpp"
#include "support/media_files.hpp"
#include "support/playlist_text.hpp"
#include "support/process.hpp"
#include "support/speke_server.hpp"
#include "util/base64.hpp"
#include "util/hex.hpp"

using namespace bvtest;
using nlohmann::json;
using bvlive::drm::DrmSystem;

namespace {

struct DrmFixture {
  explicit DrmFixture(const std::string& config = "") : daemon(start_daemon(dir, config)) {}
  TempDir dir{"bvlive-drm"};
  std::unique_ptr<DaemonProcess> daemon;
  Cli cli{daemon->socket()};
  Ports ports = ports_of(cli);
  std::vector<std::unique_ptr<BackgroundProcess>> encoders;

  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(ports.http) + path; }

  std::string create(std::vector<std::string> flags) {
    flags.insert(flags.begin(), {"-q", "create"});
    const RunResult r = cli.run(flags);
    REQUIRE_EXIT(r, 0);
    return r.out.substr(0, r.out.find('\n'));
  }

  void push(const std::string& id) {
    encoders.push_back(std::make_unique<BackgroundProcess>(
        encoder_argv(live_of(cli, id)["urls"]["rtmp"].get<std::string>(), "flv"),
        dir / ("encoder" + std::to_string(encoders.size()) + ".log")));
  }

  // PREVIEW, a push, LIVE; returns once the public media playlist lists `segments`.
  void go_live(const std::string& id, const std::string& query, std::size_t segments) {
    REQUIRE_EXIT(cli.run({"preview", id}), 0);
    push(id);
    REQUIRE_EXIT(cli.run({"start", id}), 0);
    const bool listed = poll_until(
        [&] {
          const auto media = http_get(url("/live/" + id + "/media.m3u8" + query));
          return media.status == 200 && playlist_uris(media.body).size() >= segments;
        },
        40s, 250ms);
    BOOST_TEST_REQUIRE(listed, "no segments listed for " << id << "\n" << daemon->log());
  }
};

// The attribute NAME's value in a tag line, quotes removed ("" when absent).
std::string attribute(const std::string& line, const std::string& name) {
  const auto at = line.find(name + "=");
  if (at == std::string::npos) return "";
  std::size_t start = at + name.size() + 1;
  if (line[start] == '"') return line.substr(start + 1, line.find('"', start + 1) - start - 1);
  return line.substr(start, line.find(',', start) - start);
}

// The media segments the playlist lists (URIs relative to /live/ID/), with the init
// segment of the first one first: one playable fMP4 stream.
std::string download_stream(const DrmFixture& f, const std::string& id, const std::string& playlist_text,
                            const std::string& base = "") {
  const auto maps = playlist_lines(playlist_text, "#EXT-X-MAP");
  BOOST_TEST_REQUIRE(!maps.empty(), playlist_text);
  const std::string init_uri = attribute(maps.front(), "URI");
  std::string out = http_get(f.url("/live/" + id + "/" + base + init_uri)).body;
  std::string current_map = maps.front();
  std::istringstream lines(playlist_text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("#EXT-X-MAP", 0) == 0 && line != current_map) break;  // one init: one session
    if (line.empty() || line[0] == '#') continue;
    const auto seg = http_get(f.url("/live/" + id + "/" + base + line));
    BOOST_TEST_REQUIRE(seg.status == 200, seg.describe());
    out += seg.body;
  }
  return out;
}

std::string licence_request(const std::string& kid_hex) {
  const auto kid = bvlive::hex_decode(kid_hex);
  BOOST_TEST_REQUIRE(kid.has_value(), kid_hex);
  return json{{"kids", {bvlive::base64_encode(*kid, bvlive::Base64::Url)}}, {"type", "temporary"}}.dump();
}

// The key (32 hex digits) a licence answer gives for `kid_hex`.
std::string key_of_licence(const HttpReply& r, const std::string& kid_hex) {
  BOOST_TEST_REQUIRE(r.status == 200, r.describe());
  BOOST_TEST(r.headers.at("content-type") == "application/json", r.describe());
  const json licence = json::parse(r.body);
  BOOST_TEST_REQUIRE(licence["keys"].size() == 1u, r.body);
  const auto& k = licence["keys"][0];
  BOOST_TEST(k["kty"] == "oct");
  const auto kid = bvlive::base64_decode(k["kid"].get<std::string>(), bvlive::Base64::Url);
  BOOST_TEST_REQUIRE(kid.has_value());
  BOOST_TEST(bvlive::hex_encode(*kid) == kid_hex);
  const auto key = bvlive::base64_decode(k["k"].get<std::string>(), bvlive::Base64::Url);
  BOOST_TEST_REQUIRE((key && key->size() == 16u), r.body);
  return bvlive::hex_encode(*key);
}

HttpReply post_licence(const DrmFixture& f, const std::string& id, const std::string& body, const std::string& query = "") {
  return http_request(f.url("/live/" + id + "/clearkey" + query), "POST", {{"Content-Type", "application/json"}}, body);
}

// The KID the media playlist's ClearKey tag names; checks the tag on the way.
std::string clearkey_kid(const std::string& media, const std::string& licence_uri) {
  const auto keys = playlist_lines(media, "#EXT-X-KEY");
  BOOST_TEST_REQUIRE(keys.size() == 1u, media);
  const std::string& tag = keys.front();
  BOOST_TEST(attribute(tag, "METHOD") == "SAMPLE-AES", tag);
  BOOST_TEST(attribute(tag, "KEYFORMAT") == "org.w3.clearkey", tag);
  BOOST_TEST(attribute(tag, "KEYFORMATVERSIONS") == "1", tag);
  BOOST_TEST(attribute(tag, "URI") == licence_uri, tag);
  // Before the first EXT-X-MAP: it applies to every init segment and segment after it.
  BOOST_TEST(media.find("#EXT-X-KEY") < media.find("#EXT-X-MAP"), media);
  const std::string kid = attribute(tag, "KEYID");
  BOOST_TEST_REQUIRE(kid.size() == 34u, tag);
  return kid.substr(2);
}

// The KID of the playlist's ClearKey tag, among other systems' tags.
std::string clearkey_kid_among(const std::string& media) {
  for (const auto& tag : playlist_lines(media, "#EXT-X-KEY"))
    if (attribute(tag, "KEYFORMAT") == "org.w3.clearkey") return attribute(tag, "KEYID").substr(2);
  BOOST_FAIL("no ClearKey tag in\n" << media);
  return "";
}

}  // namespace

// A ClearKey live: encrypted on disk and on the wire, playable with the licence's key only.
BOOST_FIXTURE_TEST_CASE(clearkey_live_is_encrypted_and_plays_with_its_licence, DrmFixture) {
  const std::string id = create({"--name", "drm", "--protection", "drm"});
  const json shown = live_of(cli, id);
  BOOST_TEST(shown["security"]["protection"]["type"] == "PROTECTION_TYPE_DRM", shown.dump(2));
  go_live(id, "", 3);

  const auto master = http_get(url("/live/" + id + "/index.m3u8"));
  BOOST_TEST_REQUIRE(master.status == 200, master.describe());
  const auto session_keys = playlist_lines(master.body, "#EXT-X-SESSION-KEY");
  BOOST_TEST_REQUIRE(session_keys.size() == 1u, master.body);
  BOOST_TEST(attribute(session_keys[0], "METHOD") == "SAMPLE-AES", master.body);
  BOOST_TEST(attribute(session_keys[0], "KEYFORMAT") == "org.w3.clearkey", master.body);
  BOOST_TEST(master.body.find("#EXT-X-SESSION-KEY") < master.body.find("#EXT-X-STREAM-INF"), master.body);
  // CODECS still names the original formats behind encv/enca.
  const auto variants = playlist_lines(master.body, "#EXT-X-STREAM-INF");
  BOOST_TEST_REQUIRE(!variants.empty(), master.body);
  BOOST_TEST(contains(variants[0], "avc1."), master.body);
  BOOST_TEST(contains(variants[0], "mp4a.40."), master.body);

  const auto media = http_get(url("/live/" + id + "/media.m3u8"));
  const std::string kid = clearkey_kid(media.body, "clearkey");
  BOOST_TEST(attribute(session_keys[0], "KEYID") == "0x" + kid, master.body);

  // The init segment declares the scheme, the KID and ClearKey's pssh; segments carry senc.
  const std::string stream = download_stream(*this, id, media.body);
  const auto kid_bytes = *bvlive::hex_decode(kid);
  const std::string kid_raw(kid_bytes.begin(), kid_bytes.end());
  for (const char* box : {"encv", "enca", "sinf", "frma", "schm", "cbcs", "tenc", "pssh", "senc", "saiz", "saio"})
    BOOST_TEST(contains(stream, box), "no " << box << " in the stream");
  BOOST_TEST(contains(stream, kid_raw), "the init segment does not name the KID");

  // The licence: its key for the playlist's KID.
  const std::string key = key_of_licence(post_licence(*this, id, licence_request(kid)), kid);

  // Decoded with the key: every video and audio frame. Without it or with another key the
  // packets are the encrypted ones and the decoded pictures differ from the right ones.
  const auto right = framemd5_of_bytes(stream, "0:v", key, false);
  BOOST_TEST_REQUIRE(right.code == 0, right.describe());
  const auto frames = framemd5_hashes(right.out);
  BOOST_TEST(frames.size() >= 50u, right.out);
  const auto audio = framemd5_of_bytes(stream, "0:a", key, false);
  BOOST_TEST_REQUIRE(audio.code == 0, audio.describe());
  BOOST_TEST(framemd5_hashes(audio.out).size() >= 50u);
  std::string wrong = key;
  wrong[0] = wrong[0] == '0' ? '1' : '0';
  const auto bad = framemd5_hashes(framemd5_of_bytes(stream, "0:v", wrong, false).out);
  BOOST_TEST(count_equal(frames, bad) <= 1u, "frames decoded with a wrong key match the right ones");
  const auto stored = framemd5_hashes(framemd5_of_bytes(stream, "0:v", "", true).out);
  const auto decrypted = framemd5_hashes(framemd5_of_bytes(stream, "0:v", key, true).out);
  BOOST_TEST_REQUIRE(stored.size() == decrypted.size());
  BOOST_TEST(count_equal(stored, decrypted) == 0u, "some video packets were stored in the clear");
  const auto stored_audio = framemd5_hashes(framemd5_of_bytes(stream, "0:a", "", true).out);
  const auto decrypted_audio = framemd5_hashes(framemd5_of_bytes(stream, "0:a", key, true).out);
  BOOST_TEST(count_equal(stored_audio, decrypted_audio) == 0u, "some audio packets were stored in the clear");

  // Licence errors: GET, not JSON, another KID, a live without DRM.
  const auto get = http_get(url("/live/" + id + "/clearkey"));
  BOOST_TEST(get.status == 405, get.describe());
  BOOST_TEST(get.headers.at("allow") == "POST, OPTIONS", get.describe());
  const auto garbage = post_licence(*this, id, "{kids");
  BOOST_TEST(garbage.status == 400, garbage.describe());
  BOOST_TEST(contains(garbage.body, "not a JSON object"), garbage.describe());
  const auto short_kid = post_licence(*this, id, R"({"kids":["AAEC"],"type":"temporary"})");
  BOOST_TEST(short_kid.status == 400, short_kid.describe());
  const auto other = post_licence(*this, id, licence_request(std::string(32, '0')));
  BOOST_TEST(other.status == 404, other.describe());
  // A live without DRM has no licence (its host asks on the preview route: it is in PREVIEW).
  const std::string clear = create({"--name", "clear"});
  REQUIRE_EXIT(cli.run({"preview", clear}), 0);
  const std::string preview = "?token=" + live_of(cli, clear)["preview_token"].get<std::string>();
  const auto not_drm = http_request(url("/preview/" + clear + "/clearkey" + preview), "POST", {}, licence_request(kid));
  BOOST_TEST(not_drm.status == 404, not_drm.describe());
  BOOST_TEST(contains(not_drm.body, "not DRM protected"), not_drm.describe());
  const std::string metrics = http_get(url("/metrics")).body;
  BOOST_TEST(contains(metrics, "bvlive_drm_licences_total{result=\"granted\"} 1\n"), metrics);
  BOOST_TEST(contains(metrics, "bvlive_drm_licences_total{result=\"refused\"} 4\n"), metrics);
  // Nor can it turn DRM while its push runs in PREVIEW: the push writes clear segments.
  push(clear);
  BOOST_TEST_REQUIRE(poll_until([&] { return http_get(url("/preview/" + clear + "/index.m3u8" + preview)).status == 200 &&
                                             !playlist_uris(http_get(url("/preview/" + clear + "/media.m3u8" + preview)).body).empty(); },
                                30s, 250ms));
  const RunResult flip = cli.run({"update", clear, "--protection", "drm"});
  BOOST_TEST(flip.code == 3, flip.describe());
  BOOST_TEST(contains(flip.err, "while a push runs"), flip.describe());
  BOOST_TEST(live_of(cli, clear)["security"]["protection"]["type"] == "PROTECTION_TYPE_UNSPECIFIED");
  // The key is not in the daemon's log.
  BOOST_TEST(!contains(daemon->log(), key), "the content key reached the log");
}

// A token live: the licence is behind the same gate as its playlists, and the playlists
// carry the viewer's token into the licence URI.
BOOST_FIXTURE_TEST_CASE(licence_is_behind_the_playback_gate, DrmFixture) {
  const std::string id = create({"--name", "members", "--privacy", "token", "--protection", "drm"});
  const RunResult issued = cli.run({"-q", "token", id});
  REQUIRE_EXIT(issued, 0);
  const std::string token = issued.out.substr(0, issued.out.find('\n'));
  go_live(id, "?token=" + token + "&device=d1", 1);
  const auto media = http_get(url("/live/" + id + "/media.m3u8?token=" + token + "&device=d1"));
  const std::string kid = clearkey_kid(media.body, "clearkey?token=" + token + "&device=d1");
  const auto refused = post_licence(*this, id, licence_request(kid));
  BOOST_TEST(refused.status == 401, refused.describe());
  const auto forged = post_licence(*this, id, licence_request(kid), "?token=" + token + "x&device=d1");
  BOOST_TEST(forged.status == 403, forged.describe());
  key_of_licence(post_licence(*this, id, licence_request(kid), "?token=" + token + "&device=d1"), kid);
}

// LL-HLS: parts are encrypted like segments (each decrypts on its own, as a player reads
// it before its segment closes), and every playlist, delta updates included, keeps the
// LL-HLS rules with the key tag in it.
BOOST_FIXTURE_TEST_CASE(ll_hls_parts_are_encrypted_and_playlists_keep_the_rules, DrmFixture) {
  // DVR: the playlist keeps growing, so a delta update has segments to skip.
  const std::string id = create({"--name", "drm-ull", "--protection", "drm", "--ull", "--broadcast-mode", "dvr"});
  go_live(id, "", 9);
  const auto media = http_get(url("/live/" + id + "/media.m3u8"));
  BOOST_TEST(ll_hls_violations(media.body).empty(), joined(ll_hls_violations(media.body)) << "\n" << media.body);
  const std::string kid = clearkey_kid(media.body, "clearkey");
  const std::string key = key_of_licence(post_licence(*this, id, licence_request(kid)), kid);
  const auto delta = http_get(url("/live/" + id + "/media.m3u8?_HLS_skip=YES"));
  BOOST_TEST(ll_hls_summary(delta.body).skipped > 0, delta.body);
  BOOST_TEST(ll_hls_violations(delta.body).empty(), joined(ll_hls_violations(delta.body)) << "\n" << delta.body);
  BOOST_TEST(playlist_lines(delta.body, "#EXT-X-KEY").size() == 1u, delta.body);

  // The newest parts, after their init segment: encrypted, and decodable with the key.
  const auto maps = playlist_lines(media.body, "#EXT-X-MAP");
  std::string stream = http_get(url("/live/" + id + "/" + attribute(maps.back(), "URI"))).body;
  std::size_t parts = 0;
  for (const auto& line : playlist_lines(media.body, "#EXT-X-PART:")) {
    const auto part = http_get(url("/live/" + id + "/" + attribute(line, "URI")));
    BOOST_TEST_REQUIRE(part.status == 200, part.describe());
    BOOST_TEST(contains(part.body, "senc"), "part without senc: " << line);
    if (attribute(line, "INDEPENDENT") == "YES" || parts > 0) {
      stream += part.body;
      ++parts;
    }
  }
  BOOST_TEST_REQUIRE(parts >= 3u, media.body);
  const auto decoded = framemd5_of_bytes(stream, "0:v", key, false);
  BOOST_TEST(decoded.code == 0, decoded.describe());
  BOOST_TEST(framemd5_hashes(decoded.out).size() >= 3u, decoded.out);
  const auto stored = framemd5_hashes(framemd5_of_bytes(stream, "0:v", "", true).out);
  const auto decrypted = framemd5_hashes(framemd5_of_bytes(stream, "0:v", key, true).out);
  BOOST_TEST(count_equal(stored, decrypted) == 0u, "parts with video packets in the clear");
}

// The catchup VOD of a DRM live: the same encrypted segments, tagged playlists, the same
// licence; no MP4 download (it would have to be encrypted for a player of files).
BOOST_FIXTURE_TEST_CASE(catchup_vod_stays_encrypted, DrmFixture) {
  const std::string id = create({"--name", "drm-vod", "--protection", "drm", "--live-vod", "catchup", "--vod-start",
                                  rfc3339_in(-1h), "--vod-end", rfc3339_in(24h)});
  go_live(id, "", 2);
  const std::string live_kid = clearkey_kid(http_get(url("/live/" + id + "/media.m3u8")).body, "clearkey");
  REQUIRE_EXIT(cli.run({"end", id}), 0);
  BOOST_TEST_REQUIRE(wait_for_state(cli, id, "VOD", 60s), state_of(cli, id) << "\n" << daemon->log());

  const auto master = http_get(url("/live/" + id + "/index.m3u8"));
  BOOST_TEST_REQUIRE(master.status == 200, master.describe());
  BOOST_TEST(playlist_lines(master.body, "#EXT-X-SESSION-KEY").size() == 1u, master.body);
  const auto uris = playlist_uris(master.body);
  BOOST_TEST_REQUIRE(!uris.empty(), master.body);
  const auto media = http_get(url("/live/" + id + "/" + uris[0]));
  BOOST_TEST_REQUIRE(media.status == 200, media.describe());
  BOOST_TEST(contains(media.body, "#EXT-X-ENDLIST"), media.body);
  const std::string kid = clearkey_kid(media.body, "clearkey");
  BOOST_TEST(kid == live_kid);
  const std::string stream = download_stream(*this, id, media.body);
  BOOST_TEST(contains(stream, "encv"));
  const std::string key = key_of_licence(post_licence(*this, id, licence_request(kid)), kid);
  const auto decoded = framemd5_of_bytes(stream, "0:v", key, false);
  BOOST_TEST(decoded.code == 0, decoded.describe());
  BOOST_TEST(framemd5_hashes(decoded.out).size() >= 25u);
  const auto mp4 = http_get(url("/live/" + id + "/vod/" + id + ".mp4"));
  BOOST_TEST(mp4.status == 403, mp4.describe());
  BOOST_TEST(contains(mp4.body, "DRM protected"), mp4.describe());
}

// A SPEKE v2 key server (ours, tests/support/speke_server): the daemon asks it for a DRM
// live's key as the live is created, with the spec's headers and its credentials; the init
// segment carries the server's 'pssh' boxes, the playlists its tags, the samples are
// encrypted with its key (the ClearKey licence, also configured, hands out that key and
// ffmpeg decrypts with it). A key server that fails refuses the push with its reason.
BOOST_AUTO_TEST_CASE(keys_from_a_speke_key_server) {
  SpekeServer speke(SpekeOptions{"bvlive", "s3cret", SpekeMode::Answer, 500, "bvlive SPEKE test secret"});
  DrmFixture f("[drm]\nkey_server = \"" + speke.url() + "\"\nusername = \"bvlive\"\npassword = \"s3cret\"\n"
               "headers = [\"X-Api-Key: k1\"]\nsystems = [\"clearkey\", \"widevine\", \"playready\", \"fairplay\"]\n");
  const std::string id = f.create({"--name", "vendor", "--protection", "drm"});
  BOOST_TEST_REQUIRE(poll_until([&] { return f.cli.json({"status"})["drm"]["key_fetches"] == 1; }, 10s, 100ms),
                     f.cli.json({"status"}).dump(2) << f.daemon->log());
  const auto seen = speke.requests();
  BOOST_TEST_REQUIRE(seen.size() == 1u);
  BOOST_TEST(seen[0].method == "POST");
  BOOST_TEST(seen[0].header("x-speke-version") == "2.0");
  BOOST_TEST(contains(seen[0].header("content-type"), "xml"));
  BOOST_TEST(seen[0].header("x-api-key") == "k1");
  BOOST_TEST(seen[0].header("authorization") == "Basic " + bvlive::base64_encode(std::string_view("bvlive:s3cret")));
  BOOST_TEST(contains(seen[0].body, "contentId=\"" + id + "\""), seen[0].body);
  BOOST_TEST_REQUIRE(seen[0].kids.size() == 1u);
  const auto kid = seen[0].kids[0];
  BOOST_TEST(seen[0].systems.size() == 3u);  // ClearKey is the daemon's own

  f.go_live(id, "", 2);
  const auto media = http_get(f.url("/live/" + id + "/media.m3u8"));
  for (auto system : {DrmSystem::Widevine, DrmSystem::PlayReady, DrmSystem::FairPlay})
    BOOST_TEST(contains(media.body, SpekeServer::hls_tag_for(system, kid, false)), media.body);
  const std::string kid_hex = clearkey_kid_among(media.body);
  BOOST_TEST(kid_hex == bvlive::hex_encode(kid));
  const auto master = http_get(f.url("/live/" + id + "/index.m3u8"));
  BOOST_TEST(contains(master.body, SpekeServer::hls_tag_for(DrmSystem::Widevine, kid, true)), master.body);
  const std::string stream = download_stream(f, id, media.body);
  for (auto system : {DrmSystem::Widevine, DrmSystem::PlayReady}) {
    const auto box = SpekeServer::pssh_for(system, kid);
    BOOST_TEST(contains(stream, std::string(box.begin(), box.end())), "no pssh of " << info(system).name);
  }
  const std::string key = key_of_licence(post_licence(f, id, licence_request(kid_hex)), kid_hex);
  const auto expected = speke.key_for(kid);
  BOOST_TEST(key == bvlive::hex_encode(expected));
  const auto decoded = framemd5_of_bytes(stream, "0:v", key, false);
  BOOST_TEST(decoded.code == 0, decoded.describe());
  BOOST_TEST(framemd5_hashes(decoded.out).size() >= 25u);
  BOOST_TEST(!contains(f.daemon->log(), key), "the key reached the log");
  BOOST_TEST(!contains(f.daemon->log(), "s3cret"), "the password reached the log");

  // The key server fails: a new DRM live gets no keys, its push is refused with the reason.
  speke.set_mode(SpekeMode::HttpError, 503);
  const std::string second = f.create({"--name", "vendor-down", "--protection", "drm"});
  BOOST_TEST_REQUIRE(poll_until([&] { return f.cli.json({"status"})["drm"]["key_fetch_failures"] >= 1; }, 10s, 100ms));
  REQUIRE_EXIT(f.cli.run({"preview", second}), 0);
  f.push(second);
  BOOST_TEST(poll_until([&] { return contains(f.daemon->log(), "no DRM keys: the key server failed"); }, 15s, 200ms),
             f.daemon->log());
  BOOST_TEST(contains(f.daemon->log(), "503"), f.daemon->log());
  BOOST_TEST(playlist_uris(http_get(f.url("/preview/" + second + "/media.m3u8?token=" +
                                          live_of(f.cli, second)["preview_token"].get<std::string>())).body).empty());
}

// [drm] mistakes are refused by --check-config with a line saying what to do.
BOOST_AUTO_TEST_CASE(drm_configuration_errors) {
  TempDir dir{"bvlive-drm-config"};
  const std::map<std::string, std::string> cases = {
      {"[drm]\nsystems = [\"widevine\"]\n", "needs a key server"},
      {"[drm]\nsystems = [\"netflix\"]\n", "is not a DRM system"},
      {"[drm]\nsystems = [\"clearkey\", \"clearkey\"]\n", "listed twice"},
      {"[drm]\nkey_server = \"ftp://keys.example\"\n", "is not an http:// or https:// URL"},
      {"[drm]\nheaders = [\"no colon\"]\n", "\"Name: value\""},
      {"[drm]\nkey_servr = \"https://keys.example\"\n", "key_servr"},
  };
  for (const auto& [text, expected] : cases) {
    const std::string path = dir / "bvlived.toml";
    write_file(path, text);
    const RunResult r = run({BVLIVED_BIN, "--config", path, "--check-config"});
    BOOST_TEST(r.code == 78, text << r.describe());
    BOOST_TEST(contains(r.err, expected), text << r.describe());
  }
}
