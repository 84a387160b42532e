// Geo control over real HTTP (issue 7, item 4): the viewer's country comes from a MaxMind
// DB file the test writes itself; X-Forwarded-For is believed from trusted proxies only;
// viewers the database does not place follow [security] unknown_country; playlists,
// segments and keys are all checked; a wrong geo_database path stops the daemon at start.
#define BOOST_TEST_MODULE geo_control
#include <boost/test/unit_test.hpp>

#include <map>
#include <memory>
#include <string>

#include "support/checks.hpp"
#include "support/lives.hpp"
#include "support/media.hpp"
#include "support/mmdb_writer.hpp"
#include "support/playlist_text.hpp"
#include "support/process.hpp"

using namespace bvtest;

namespace {

struct GeoFixture {
  // `networks` go into the daemon's GeoIP database; `security` is the rest of [security].
  GeoFixture(const std::vector<std::pair<std::string, std::string>>& networks, const std::string& security) {
    write_country_mmdb(dir / "country.mmdb", networks);
    daemon = start_daemon(dir, "[security]\ngeo_database = \"" + dir / "country.mmdb" + "\"\n" + security);
    cli = std::make_unique<Cli>(daemon->socket());
    ports = ports_of(*cli);
  }
  TempDir dir{"bvlive-geo"};
  std::unique_ptr<DaemonProcess> daemon;
  std::unique_ptr<Cli> cli;
  Ports ports;
  std::vector<std::unique_ptr<BackgroundProcess>> encoders;

  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(ports.http) + path; }

  // A LIVE live with a push whose media playlist lists a segment; `flags` add to create.
  std::string live_with_push(std::vector<std::string> flags, const std::map<std::string, std::string>& as) {
    std::vector<std::string> args{"-q", "create"};
    args.insert(args.end(), flags.begin(), flags.end());
    const RunResult created = cli->run(args);
    REQUIRE_EXIT(created, 0);
    const std::string id = created.out.substr(0, created.out.find('\n'));
    REQUIRE_EXIT(cli->run({"preview", id}), 0);
    encoders.push_back(std::make_unique<BackgroundProcess>(
        encoder_argv(live_of(*cli, id)["urls"]["rtmp"].get<std::string>(), "flv"),
        dir / ("encoder" + std::to_string(encoders.size()) + ".log")));
    REQUIRE_EXIT(cli->run({"start", id}), 0);
    const bool listed = poll_until(
        [&] {
          const auto master = http_request(url("/live/" + id + "/index.m3u8"), "GET", as);
          const auto uris = playlist_text::uris(master.body);
          return master.status == 200 && !uris.empty() &&
                 !playlist_text::uris(http_request(url("/live/" + id + "/" + uris[0]), "GET", as).body).empty();
        },
        40s, 250ms);
    BOOST_TEST_REQUIRE(listed, "no segment listed for " << id << "\n" << daemon->log());
    return id;
  }
};

void check_refused(const HttpReply& r, const std::string& reason) {
  BOOST_TEST(r.status == 403, r.describe());
  BOOST_TEST(contains(r.body, reason), "expected \"" << reason << "\" in" << r.describe());
}

std::map<std::string, std::string> from(const std::string& forwarded) { return {{"X-Forwarded-For", forwarded}}; }

const std::vector<std::pair<std::string, std::string>> kWorld = {
    {"203.0.113.0/24", "FR"}, {"198.51.100.0/24", "US"}, {"2001:db8::/32", "DE"}};

}  // namespace

// The test's own address (127.0.0.1) is a trusted proxy: the viewer is who it forwards for.
BOOST_AUTO_TEST_CASE(countries_from_a_trusted_proxy) {
  GeoFixture f(kWorld, "trusted_proxies = [\"127.0.0.1\"]\nunknown_country = \"deny\"\n");
  BOOST_TEST(contains(f.daemon->log(), "geo control reads bvlive-test-country"), f.daemon->log());
  const std::string id = f.live_with_push({"--name", "eu only", "--geo", "fr, de", "--protection", "aes-128"},
                                          from("203.0.113.5"));
  BOOST_TEST(contains(f.cli->run({"show", id}).out, "FR, DE"));
  const std::string entry = f.url("/live/" + id + "/index.m3u8");

  // Allowed: France, Germany over IPv6, and the rightmost untrusted hop of a chain.
  BOOST_TEST(http_request(entry, "GET", from("203.0.113.5")).status == 200);
  BOOST_TEST(http_request(entry, "GET", from("2001:db8::7")).status == 200);
  BOOST_TEST(http_request(entry, "GET", from("198.51.100.7, 203.0.113.5")).status == 200);
  // Refused: the US, a chain whose viewer is in the US, an address no country holds, and a
  // request that comes with no X-Forwarded-For (the proxy itself, 127.0.0.1: unknown).
  check_refused(http_request(entry, "GET", from("198.51.100.7")), "does not play in US");
  check_refused(http_request(entry, "GET", from("203.0.113.5, 198.51.100.7")), "does not play in US");
  check_refused(http_request(entry, "GET", from("192.0.2.1")), "the country of 192.0.2.1 is unknown");
  check_refused(http_get(entry), "the country of 127.0.0.1 is unknown");
  // Garbage is never believed: the walk stops at the last trusted hop (the proxy).
  check_refused(http_request(entry, "GET", from("203.0.113.5, unknown")), "the country of 127.0.0.1 is unknown");

  // Media playlists, segments and keys are checked as the master is.
  const auto fr = from("203.0.113.5");
  const HttpReply media = http_request(f.url("/live/" + id + "/" + playlist_text::uris(http_request(entry, "GET", fr).body).at(0)), "GET", fr);
  BOOST_TEST_REQUIRE(media.status == 200, media.describe());
  const std::string segment = f.url("/live/" + id + "/" + playlist_text::uris(media.body).back());
  const std::string key_line = playlist_lines(media.body, "#EXT-X-KEY:METHOD=AES-128").at(0);
  const std::string key = f.url("/live/" + id + "/" + key_line.substr(key_line.find('"') + 1, key_line.rfind('"') - key_line.find('"') - 1));
  BOOST_TEST(http_request(segment, "GET", fr).status == 200);
  BOOST_TEST(http_request(key, "GET", fr).body.size() == 16u);
  check_refused(http_request(segment, "GET", from("198.51.100.7")), "does not play in US");
  check_refused(http_request(key, "GET", from("198.51.100.7")), "does not play in US");
  // ffprobe plays, decrypting, as a French viewer behind the proxy.
  const RunResult probe = run({"ffprobe", "-v", "error", "-headers", "X-Forwarded-For: 203.0.113.5\r\n", "-show_streams",
                               "-of", "json", entry},
                              with_timeout(40s));
  BOOST_TEST(probe.code == 0, probe.describe());
  BOOST_TEST(contains(probe.out, "\"codec_name\": \"h264\""), probe.describe());

  // A live without geo control plays everywhere.
  const std::string open = f.live_with_push({"--name", "world"}, {});
  BOOST_TEST(http_request(f.url("/live/" + open + "/index.m3u8"), "GET", from("198.51.100.7")).status == 200);
}

// No trusted proxy: X-Forwarded-For is anyone's to write, so it is ignored. Here the
// database does not place 127.0.0.1, and unknown_country lets such viewers in.
BOOST_AUTO_TEST_CASE(x_forwarded_for_from_an_untrusted_peer_is_ignored) {
  GeoFixture f({{"198.51.100.0/24", "US"}, {"127.0.0.2/32", "US"}}, "unknown_country = \"allow\"\n");
  const std::string id = f.live_with_push({"--name", "fr only", "--geo", "FR"}, {});
  const std::string entry = f.url("/live/" + id + "/index.m3u8");
  // Believed, this would be a US viewer and refused; the peer, 127.0.0.1, has no country.
  BOOST_TEST(http_request(entry, "GET", from("198.51.100.7")).status == 200);
  BOOST_TEST(http_get(entry).status == 200);
}

// A geo_database that cannot be read stops the daemon before it serves anything, naming
// the file (exit 78, as any configuration error); --check-config says the same.
BOOST_AUTO_TEST_CASE(a_missing_or_bad_database_is_a_configuration_error) {
  TempDir dir("bvlive-geo-bad");
  // bvlived's stderr when started with this [security] table; it must exit 78.
  const auto refused_start = [&](const std::string& security) {
    write_file(dir / "bvlived.toml", "[security]\n" + security);
    DaemonOptions o;
    o.config = dir / "bvlived.toml";
    DaemonProcess d(dir.path(), o);
    const RunResult r = run(d.argv(), with_timeout(20s));
    BOOST_TEST(r.code == 78, r.describe());
    return r.err;
  };
  write_file(dir / "not.mmdb", "this is not a MaxMind DB\n");
  for (const std::string& path : {dir / "missing.mmdb", dir / "not.mmdb"}) {
    const std::string err = refused_start("geo_database = \"" + path + "\"\n");
    BOOST_TEST(contains(err, "bvlived.toml:2:"), err);
    BOOST_TEST(contains(err, "geo_database"), err);
    BOOST_TEST(contains(err, path), err);
  }
  const std::string err = refused_start("trusted_proxies = [\"10.0.0.1/8\"]\n");
  BOOST_TEST(contains(err, "write the network as 10.0.0.0/8"), err);
}
