// Playback tokens over real HTTP (issue 7, items 1 and 2): a token-protected live refuses
// its playlists, segments and covers without a valid, unexpired token for it; the master
// carries the token (and a device id) into every URI so ffprobe plays from the master URL
// alone; devices beyond the limit are refused while the others keep playing; rotating the
// secret refuses every older token; neither the secret nor a token reaches the log.
#define BOOST_TEST_MODULE playback_tokens
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <map>
#include <thread>
#include <memory>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "support/checks.hpp"
#include "support/lives.hpp"
#include "support/media.hpp"
#include "support/media_files.hpp"
#include "support/playlist_text.hpp"
#include "support/process.hpp"

using namespace bvtest;
using nlohmann::json;

namespace {

struct TokenFixture {
  explicit TokenFixture(const std::string& config = "") : daemon(start_daemon(dir, config)) {}
  TempDir dir{"bvlive-tokens"};
  std::unique_ptr<DaemonProcess> daemon;
  Cli cli{daemon->socket()};
  Ports ports = ports_of(cli);
  std::vector<std::unique_ptr<BackgroundProcess>> encoders;

  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(ports.http) + path; }

  // A LIVE live with a publishing push and a listed segment; `flags` add to create.
  std::string live_with_push(std::vector<std::string> flags) {
    std::vector<std::string> args{"-q", "create"};
    args.insert(args.end(), flags.begin(), flags.end());
    const RunResult created = cli.run(args);
    REQUIRE_EXIT(created, 0);
    const std::string id = created.out.substr(0, created.out.find('\n'));
    REQUIRE_EXIT(cli.run({"preview", id}), 0);
    encoders.push_back(std::make_unique<BackgroundProcess>(
        encoder_argv(live_of(cli, id)["urls"]["rtmp"].get<std::string>(), "flv"),
        dir / ("encoder" + std::to_string(encoders.size()) + ".log")));
    REQUIRE_EXIT(cli.run({"start", id}), 0);
    const std::string token = issue(id);
    const bool listed = poll_until(
        [&] {
          // As a page on an allowed domain would (for the lives with domain control).
          const std::map<std::string, std::string> page = {{"Origin", "https://example.com"}};
          const auto master = http_request(url("/live/" + id + "/index.m3u8?token=" + token + "&device=setup"), "GET", page);
          if (master.status != 200) return false;
          const auto uris = playlist_text::uris(master.body);
          return !uris.empty() &&
                 !playlist_text::uris(http_request(url("/live/" + id + "/" + uris[0]), "GET", page).body).empty();
        },
        40s, 250ms);
    BOOST_TEST_REQUIRE(listed, "no segment listed for " << id << "\n" << daemon->log());
    return id;
  }

  std::string issue(const std::string& id, std::vector<std::string> flags = {}) {
    std::vector<std::string> args{"-q", "token", id};
    args.insert(args.end(), flags.begin(), flags.end());
    const RunResult r = cli.run(args);
    REQUIRE_EXIT(r, 0);
    return r.out.substr(0, r.out.find('\n'));
  }

  // A live whose create body is `body` (JSON), pushed and LIVE.
  std::string live_with_body(const json& body) {
    const auto path = dir / ("body" + std::to_string(bodies_++) + ".json");
    write_file(path, body.dump());
    return live_with_push({"-f", path});
  }
  int bodies_ = 0;

  HttpReply master(const std::string& id, const std::string& token, const std::string& extra = "") {
    return http_get(url("/live/" + id + "/index.m3u8?token=" + token + extra));
  }
};

// security.missing_origin = "deny": native players (no Origin, no Referer) are refused too.
struct DenyFixture : TokenFixture {
  DenyFixture() : TokenFixture("[security]\nmissing_origin = \"deny\"\n") {}
};

const json kDomainBody = {{"name", "embedded"},
                          {"security", {{"domain_control", {{"enabled", true}, {"domains", {"example.com", "*.example.org"}}}}}}};

void check_refused(const HttpReply& r, int status, const std::string& reason) {
  BOOST_TEST(r.status == status, r.describe());
  BOOST_TEST(contains(r.body, reason), "expected \"" << reason << "\" in" << r.describe());
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(tokens_gate_a_token_live_and_standard_players_play, TokenFixture) {
  const std::string id = live_with_push({"--name", "members", "--privacy", "token"});
  const std::string other = live_with_push({"--name", "other", "--privacy", "token"});
  const std::string token = issue(id);

  // Without a token, with a tampered one, another live's, or an expired one: refused.
  check_refused(http_get(url("/live/" + id + "/index.m3u8")), 401, "needs a playback token");
  check_refused(http_get(url("/live/" + id + "/cover.jpg")), 401, "needs a playback token");
  std::string tampered = token;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  check_refused(master(id, tampered), 403, "refused");
  check_refused(master(id, token + "x"), 403, "signature");
  check_refused(master(id, "not-a-token"), 403, "refused");
  check_refused(master(id, issue(other)), 403, "another live");
  const std::string short_lived = issue(id, {"--ttl", "1s"});
  std::this_thread::sleep_for(2100ms);
  check_refused(master(id, short_lived), 403, "expired");

  // The token: every URI of the master and the media playlist carries it, so ffprobe plays
  // the live from the master URL alone.
  const HttpReply m = master(id, token);
  BOOST_TEST_REQUIRE(m.status == 200, m.describe());
  const auto variants = playlist_text::uris(m.body);
  BOOST_TEST_REQUIRE(variants.size() == 1u, m.describe());
  BOOST_TEST(contains(variants[0], "token=" + token + "&device=d_"), m.describe());
  const HttpReply media = http_get(url("/live/" + id + "/" + variants[0]));
  BOOST_TEST_REQUIRE(media.status == 200, media.describe());
  for (const auto& uri : playlist_text::uris(media.body)) BOOST_TEST(contains(uri, "?token="), uri);
  BOOST_TEST(contains(media.body, "init.mp4?token="), media.describe());
  const std::string segment = playlist_text::uris(media.body).back();
  BOOST_TEST(http_get(url("/live/" + id + "/" + segment)).status == 200);
  const std::string bare = segment.substr(0, segment.find('?'));
  check_refused(http_get(url("/live/" + id + "/" + bare)), 401, "needs a playback token");
  check_h264_aac(ffprobe_streams(url("/live/" + id + "/index.m3u8?token=" + token)), 640, 360);
  // A device id that would change the playlist's text is refused.
  check_refused(master(id, token, "&device=a%0Ab"), 400, "device");

  // A public live needs nothing.
  const std::string open = live_with_push({"--name", "open"});
  BOOST_TEST(http_get(url("/live/" + open + "/index.m3u8")).status == 200);

  // Rotating the secret refuses every token issued before, at once; new ones work.
  REQUIRE_EXIT(cli.run({"rotate-secret"}), 0);
  check_refused(master(id, token), 403, "signature");
  BOOST_TEST(master(id, issue(id)).status == 200);

  // Neither the secret nor a token is ever logged.
  std::ifstream in(daemon->state_dir() + "/playback-secret");
  std::string secret;
  in >> secret;
  BOOST_TEST_REQUIRE(secret.size() == 64u);
  const std::string log = daemon->log();
  BOOST_TEST(!contains(log, secret));
  BOOST_TEST(!contains(log, token));
  BOOST_TEST(!contains(log, "eyJ"), "a JWT in the log:\n" << log);
}

BOOST_FIXTURE_TEST_CASE(one_device_too_many_is_refused_while_the_others_play, TokenFixture) {
  const std::string id = live_with_push({"--name", "two screens", "--privacy", "token", "--device-limit", "2"});
  const std::string token = issue(id);
  // Three players, each opening the master: the third is one device too many.
  const HttpReply first = master(id, token), second = master(id, token), third = master(id, token);
  BOOST_TEST_REQUIRE(first.status == 200, first.describe());
  BOOST_TEST_REQUIRE(second.status == 200, second.describe());
  check_refused(third, 403, "device limit reached");
  // The first two keep playing: their playlists and segments still answer.
  for (const HttpReply* m : {&first, &second}) {
    const auto uri = playlist_text::uris(m->body).at(0);
    const HttpReply media = http_get(url("/live/" + id + "/" + uri));
    BOOST_TEST(media.status == 200, media.describe());
    BOOST_TEST(http_get(url("/live/" + id + "/" + playlist_text::uris(media.body).back())).status == 200);
  }
  // A device id the player keeps (a page passing its own) counts once however often it asks.
  const std::string mine = "&device=" + playlist_text::uris(first.body).at(0).substr(
                                            playlist_text::uris(first.body).at(0).find("device=") + 7);
  BOOST_TEST(master(id, token, mine).status == 200);
  // A token's own limit, lower than the live's, wins.
  const std::string single = issue(id, {"--device-limit", "1"});
  BOOST_TEST(master(id, single).status == 200);
  check_refused(master(id, single), 403, "device limit reached");
}

BOOST_FIXTURE_TEST_CASE(domain_control_checks_the_page_that_embeds_the_player, TokenFixture) {
  const std::string id = live_with_body(kDomainBody);
  const std::string entry = url("/live/" + id + "/index.m3u8");
  const auto get = [&](const std::map<std::string, std::string>& headers) { return http_request(entry, "GET", headers); };
  BOOST_TEST(get({{"Origin", "https://example.com"}}).status == 200);
  BOOST_TEST(get({{"Origin", "https://EXAMPLE.com:8443"}}).status == 200);
  BOOST_TEST(get({{"Referer", "https://www.example.org/watch?v=1"}}).status == 200);
  BOOST_TEST(get({{"Origin", "https://a.b.example.org"}}).status == 200);
  check_refused(get({{"Origin", "https://evil.com"}}), 403, "does not play on evil.com");
  check_refused(get({{"Origin", "https://example.org"}}), 403, "not one of its allowed domains");
  check_refused(get({{"Referer", "https://badexample.com/"}}), 403, "badexample.com");
  // Origin wins over Referer; segments are checked as well as playlists.
  check_refused(get({{"Origin", "https://evil.com"}, {"Referer", "https://example.com/"}}), 403, "evil.com");
  const std::string media = url("/live/" + id + "/" + playlist_text::uris(get({}).body).at(0));
  const std::string segment = playlist_text::uris(http_get(media).body).back();
  BOOST_TEST(http_request(url("/live/" + id + "/" + segment), "GET", {{"Origin", "https://example.com"}}).status == 200);
  check_refused(http_request(url("/live/" + id + "/" + segment), "GET", {{"Origin", "https://evil.com"}}), 403,
                "evil.com");
  // Native players send neither header: allowed by default.
  BOOST_TEST(get({}).status == 200);
  // The daemon's own viewer page: an allowed site may embed it, another may not, and the
  // page's own requests (their Referer is the page, on this host and port) get through.
  const std::string page = url("/watch/" + id);
  BOOST_TEST(http_request(page, "GET", {{"Referer", "https://www.example.org/blog"}}).status == 200);
  check_refused(http_request(page, "GET", {{"Referer", "https://evil.com/"}}), 403, "evil.com");
  BOOST_TEST(get({{"Referer", page}}).status == 200);
  BOOST_TEST(http_request(url("/live/" + id + "/interaction"), "GET", {{"Referer", page}}).status == 200);
  check_refused(get({{"Referer", "http://127.0.0.1:1/watch/" + id}}), 403, "127.0.0.1");  // another port
  // A live without domain control plays anywhere.
  const std::string open = live_with_push({"--name", "open"});
  BOOST_TEST(http_request(url("/live/" + open + "/index.m3u8"), "GET", {{"Origin", "https://evil.com"}}).status == 200);
}

BOOST_FIXTURE_TEST_CASE(missing_origin_deny_refuses_requests_that_name_no_page, DenyFixture) {
  const std::string id = live_with_body(kDomainBody);
  const std::string entry = url("/live/" + id + "/index.m3u8");
  check_refused(http_get(entry), 403, "no Origin or Referer");
  BOOST_TEST(http_request(entry, "GET", {{"Origin", "https://example.com"}}).status == 200);
}

// AES-128 (issue 7, item 5) on a token live: segments are sealed, the playlist names a key
// behind the same gate, ffprobe decrypts and plays from the token URL alone, and the
// recording is sealed with its own key once the live is VOD (its MP4 is not offered).
BOOST_FIXTURE_TEST_CASE(aes_128_segments_are_sealed_and_play_through_the_token_url, TokenFixture) {
  const std::string id = live_with_push({"--name", "sealed", "--privacy", "token", "--protection", "aes-128",
                                         "--live-vod", "catchup", "--vod-start", rfc3339_in(3600s),
                                         "--vod-end", rfc3339_in(7200s)});
  const std::string token = issue(id);
  BOOST_TEST(contains(cli.run({"show", id}).out, "aes-128"));
  check_h264_aac(ffprobe_streams(url("/live/" + id + "/index.m3u8?token=" + token)), 640, 360);

  const HttpReply m = master(id, token);
  const std::string media_url = url("/live/" + id + "/" + playlist_text::uris(m.body).at(0));
  const HttpReply media = http_get(media_url);
  const auto keys = playlist_text::lines(media.body);
  const auto key_tag = std::find_if(keys.begin(), keys.end(),
                                    [](const std::string& l) { return l.starts_with("#EXT-X-KEY:METHOD=AES-128,URI="); });
  BOOST_TEST_REQUIRE((key_tag != keys.end()), media.describe());
  const std::string key_uri = key_tag->substr(key_tag->find("URI=\"") + 5, key_tag->rfind('"') - key_tag->find("URI=\"") - 5);
  BOOST_TEST(contains(key_uri, "?token=" + token), *key_tag);
  BOOST_TEST(contains(media.body, "#EXT-X-MAP:"), media.describe());

  // The key is behind the gate; keys for periods no segment is in do not exist.
  const HttpReply key = http_get(url("/live/" + id + "/" + key_uri));
  BOOST_TEST_REQUIRE(key.status == 200, key.describe());
  BOOST_TEST(key.body.size() == 16u);
  BOOST_TEST(contains(key.headers.at("cache-control"), "no-store"), key.describe());
  check_refused(http_get(url("/live/" + id + "/" + key_uri.substr(0, key_uri.find('?')))), 401, "needs a playback token");
  check_refused(http_get(url("/live/" + id + "/keys/12.key?token=" + token)), 404, "no segment is sealed with it");

  // A segment is not an MP4 box any more; the key and its sequence number as IV give back
  // the very bytes on disk.
  const auto uris = playlist_text::uris(media.body);
  const std::string segment = uris.back();
  std::int64_t seq = -1;
  for (const auto& l : playlist_text::lines(media.body))
    if (l.starts_with("#EXT-X-MEDIA-SEQUENCE:")) seq = std::stoll(l.substr(22));
  BOOST_TEST_REQUIRE(seq >= 0, media.describe());
  seq += static_cast<std::int64_t>(uris.size()) - 1;  // one session: no gap in the numbering
  const HttpReply sealed = http_get(url("/live/" + id + "/" + segment));
  BOOST_TEST_REQUIRE(sealed.status == 200, sealed.describe());
  const std::string on_disk = read_file(daemon->state_dir() + "/media/" + id + "/" + segment.substr(0, segment.find('?')));
  BOOST_TEST_REQUIRE(!on_disk.empty());
  BOOST_TEST((first_box(on_disk) == "styp" || first_box(on_disk) == "moof"), first_box(on_disk));
  BOOST_TEST(first_box(sealed.body) != first_box(on_disk));
  BOOST_TEST(sealed.body.size() == (on_disk.size() / 16 + 1) * 16);
  BOOST_TEST((openssl_decrypt(dir, sealed.body, key.body, seq) == on_disk), "decrypted segment differs from the file");
  // The init segment stays in the clear.
  const std::string map = playlist_lines(media.body, "#EXT-X-MAP:").at(0);
  const std::string init = map.substr(map.find('"') + 1, map.rfind('"') - map.find('"') - 1);
  BOOST_TEST(first_box(http_get(url("/live/" + id + "/" + init)).body) == "ftyp", map);
  // A live without protection serves its segments as they are.
  const std::string open = live_with_push({"--name", "clear"});
  const HttpReply clear_media = http_get(url("/live/" + open + "/" + playlist_text::uris(http_get(url("/live/" + open + "/index.m3u8")).body).at(0)));
  BOOST_TEST(!contains(clear_media.body, "EXT-X-KEY"), clear_media.describe());

  // The recording: sealed with the VOD key, played by ffprobe, no MP4.
  REQUIRE_EXIT(cli.run({"update", id, "--vod-start", rfc3339_in(1s), "--vod-end", rfc3339_in(3600s)}), 0);
  REQUIRE_EXIT(cli.run({"end", id}), 0);
  BOOST_TEST_REQUIRE(wait_for_state(cli, id, "VOD", 90s), cli.run({"show", id}).out << daemon->log());
  const HttpReply vod_master = master(id, token);
  BOOST_TEST_REQUIRE(vod_master.status == 200, vod_master.describe());
  const HttpReply vod_media = http_get(url("/live/" + id + "/" + playlist_text::uris(vod_master.body).at(0)));
  BOOST_TEST(contains(vod_media.body, "#EXT-X-KEY:METHOD=AES-128,URI=\"keys/vod.key?token=" + token), vod_media.describe());
  BOOST_TEST(first_box(http_get(url("/live/" + id + "/" + playlist_text::uris(vod_media.body).back())).body) != "moof");
  check_h264_aac(ffprobe_streams(url("/live/" + id + "/index.m3u8?token=" + token)), 640, 360);
  check_refused(http_get(url("/live/" + id + "/vod/" + id + ".mp4?token=" + token)), 403, "HLS only");

  // After the full run: no key, secret, token or stream key in the log, the metrics, or
  // the public answers' bodies.
  const std::string key_secret = read_file(daemon->state_dir() + "/segment-key-secret").substr(0, 64);
  const std::string playback_secret = read_file(daemon->state_dir() + "/playback-secret").substr(0, 64);
  BOOST_TEST_REQUIRE(key_secret.size() == 64u);
  const std::string stream_key = live_of(cli, id)["stream_key"].get<std::string>();
  const std::string metrics = http_get(url("/metrics")).body;
  for (const std::string& text : {daemon->log(), metrics, vod_master.body, vod_media.body}) {
    for (const std::string& secret : {key_secret, playback_secret, hex(key.body), stream_key})
      BOOST_TEST(!contains(text, secret), "a secret (" << secret.substr(0, 6) << "...) is out");
  }
  BOOST_TEST(!contains(daemon->log(), token));
}
