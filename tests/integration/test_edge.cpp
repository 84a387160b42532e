// The nginx edge tier (issue 21) with real processes: two bvlived origins, two Debian nginx
// edges configured by `bvlive edge-config`, ffmpeg pushing a standard live, a --ull live, a
// token live and a geo-controlled live (the last two on different origins, so each edge
// routes lives to the origin that has them). Viewers of ours (tests/support/viewer_sim)
// play through the edges; the edges' access logs tell what reached an origin.
#define BOOST_TEST_MODULE edge
#include <boost/test/unit_test.hpp>

#include <map>
#include <memory>
#include <set>
#include <thread>
#include <string>
#include <vector>

#include "support/checks.hpp"
#include "support/http_client.hpp"
#include "support/lives.hpp"
#include "support/media.hpp"
#include "support/mmdb_writer.hpp"
#include "support/nginx_edge.hpp"
#include "support/playlist_text.hpp"
#include "support/process.hpp"
#include "support/viewer_sim.hpp"

using namespace bvtest;

namespace {

const std::string kSecret = "test-edge-secret-0123456789abcdef";

// An origin: a daemon with the edges' secret and a country database that places 127.0.0.2
// in France and 127.0.0.3 in Germany (viewers bind those source addresses).
struct Origin {
  explicit Origin(const std::string& name) : dir("bvlive-edge-" + name) {
    write_country_mmdb(dir / "country.mmdb", {{"127.0.0.2", "FR"}, {"127.0.0.3", "DE"}});
    daemon = start_daemon(dir, "[security]\nedge_secret = \"" + kSecret + "\"\ngeo_database = \"" +
                                   dir / "country.mmdb" + "\"\n");
    cli = std::make_unique<Cli>(daemon->socket());
    ports = ports_of(*cli);
  }
  TempDir dir;
  std::unique_ptr<DaemonProcess> daemon;
  std::unique_ptr<Cli> cli;
  Ports ports;
  std::string address() const { return "http://127.0.0.1:" + std::to_string(ports.http); }
};

// Two origins, two edges in front of both, and the lives the cases play.
struct Topology {
  Origin one{"o1"}, two{"o2"};
  TempDir edges_dir{"bvlive-edges"};
  std::vector<std::unique_ptr<NginxEdge>> edges;
  std::vector<std::unique_ptr<BackgroundProcess>> encoders;
  std::string standard, ull, token_live, geo_live;

  Topology() {
    for (int i = 0; i < 2; ++i) {
      const int port = free_tcp_port();
      const std::string dir = edges_dir / ("edge" + std::to_string(i + 1));
      const RunResult config = one.cli->run({"edge-config", "--origin", one.address(), "--origin", two.address(),
                                             "--listen", "127.0.0.1:" + std::to_string(port), "--cache-dir",
                                             dir + "/cache/media"});
      REQUIRE_EXIT(config, 0);
      edges.push_back(std::make_unique<NginxEdge>(dir, port));
      edges.back()->start(config.out);
    }
    standard = live_on(one, {"--name", "standard"});
    token_live = live_on(one, {"--name", "token", "--privacy", "token"});
    ull = live_on(two, {"--name", "ull", "--ull"});
    geo_live = live_on(two, {"--name", "geo", "--geo", "FR"});
  }

  // A LIVE live on `origin` with a small push, its media playlist listing a segment.
  std::string live_on(Origin& origin, std::vector<std::string> flags) {
    std::vector<std::string> args{"-q", "create"};
    args.insert(args.end(), flags.begin(), flags.end());
    const RunResult created = origin.cli->run(args);
    REQUIRE_EXIT(created, 0);
    const std::string id = created.out.substr(0, created.out.find('\n'));
    REQUIRE_EXIT(origin.cli->run({"preview", id}), 0);
    encoders.push_back(std::make_unique<BackgroundProcess>(
        encoder_argv(live_of(*origin.cli, id)["urls"]["rtmp"].get<std::string>(), "flv", "320x180"),
        edges_dir / ("encoder" + std::to_string(encoders.size()) + ".log")));
    REQUIRE_EXIT(origin.cli->run({"start", id}), 0);
    const bool listed = poll_until(
        [&] {
          const HttpReply media = http_get(origin.address() + "/preview/" + id + "/media.m3u8?token=" +
                                           live_of(*origin.cli, id)["preview_token"].get<std::string>());
          return media.status == 200 && !playlist_text::uris(media.body).empty();
        },
        40s, 250ms);
    BOOST_TEST_REQUIRE(listed, "no segment listed for " << id << "\n" << origin.daemon->log());
    return id;
  }

  NginxEdge& edge(int i) { return *edges.at(static_cast<std::size_t>(i)); }
  std::string token(const std::string& id, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"-q", "token", id};
    args.insert(args.end(), extra.begin(), extra.end());
    const RunResult r = one.cli->run(args);
    REQUIRE_EXIT(r, 0);
    return r.out.substr(0, r.out.find('\n'));
  }
};

// One topology for every case: starting two origins, two edges and four pushes takes a while.
Topology& topology() {
  static Topology t;
  return t;
}

HttpResponse get(int port, const std::string& target, const std::string& from = "", HttpHeaders headers = {}) {
  HttpRequest r;
  r.target = target;
  r.source_address = from;
  r.headers = std::move(headers);
  return http_exchange(port, r);
}

}  // namespace

// edge-config says what is missing, and changes nothing: an origin without an edge secret,
// an origin address that is not one.
BOOST_AUTO_TEST_CASE(edge_config_refuses_what_cannot_work) {
  TempDir dir{"bvlive-edge-nosecret"};
  auto daemon = start_daemon(dir);
  Cli cli(daemon->socket());
  const RunResult no_secret = cli.run({"edge-config", "--origin", "http://127.0.0.1:8080"});
  BOOST_TEST(no_secret.code == 3, no_secret.describe());
  BOOST_TEST(contains(no_secret.err, "edge_secret"), no_secret.describe());
  BOOST_TEST(no_secret.out.empty(), no_secret.describe());

  Origin origin{"badargs"};
  const RunResult https = origin.cli->run({"edge-config", "--origin", "https://127.0.0.1:8443"});
  BOOST_TEST(https.code == 2, https.describe());
  BOOST_TEST(contains(https.err, "plain HTTP"), https.describe());
  const RunResult twice = origin.cli->run({"edge-config", "--origin", "127.0.0.1:1", "--origin", "http://127.0.0.1:1"});
  BOOST_TEST(twice.code == 2, twice.describe());
  BOOST_TEST(contains(twice.err, "twice"), twice.describe());
  const RunResult listen = origin.cli->run({"edge-config", "--origin", "127.0.0.1:1", "--listen", "80; evil"});
  BOOST_TEST(listen.code == 2, listen.describe());
  const RunResult none = origin.cli->run({"edge-config"});
  BOOST_TEST(none.code == 2, none.describe());
  // The secret is in the file (the edges send it), and nowhere in the origin's log.
  const RunResult ok = origin.cli->run({"edge-config", "--origin", "127.0.0.1:1"});
  REQUIRE_EXIT(ok, 0);
  BOOST_TEST(contains(ok.out, kSecret));
  BOOST_TEST(!contains(origin.daemon->log(), kSecret));
}

// A token live through the edges: no token, a bad token and a viewer over the token's device
// limit are refused by the edge with the origin's reason, even for objects the edge has in
// its cache; a good token plays, each viewer's playlists carrying its own token and device.
BOOST_AUTO_TEST_CASE(the_gate_holds_at_the_edge) {
  Topology& t = topology();
  const std::string base = "/live/" + t.token_live + "/";
  for (int e = 0; e < 2; ++e) {
    const HttpResponse none = get(t.edge(e).port(), base + "index.m3u8");
    BOOST_TEST(none.status == 401, none.describe() << "\nedge's error log:\n" << t.edge(e).error_log());
    BOOST_TEST(contains(none.body, "needs a playback token"), none.describe());
    BOOST_TEST(none.header("x-bvlive-state") == "LIVE", none.describe());
    const HttpResponse forged = get(t.edge(e).port(), base + "index.m3u8?token=not.a.token");
    BOOST_TEST(forged.status == 403, forged.describe());
  }

  // A viewer with a token: the master hands out a device, and every URI carries both.
  const std::string token = t.token(t.token_live, {"--device-limit", "2"});
  const auto play = [&](int e, const std::string& from = "") {
    const HttpResponse master = get(t.edge(e).port(), base + "index.m3u8?token=" + token, from);
    BOOST_TEST_REQUIRE(master.status == 200, master.describe());
    const auto variants = playlist_text::uris(master.body);
    BOOST_TEST_REQUIRE(!variants.empty(), master.describe());
    BOOST_TEST(contains(variants[0], "token=" + token + "&device=d_"), master.describe());
    BOOST_TEST(!contains(master.body, "bvlive-edge-query"), master.describe());
    const HttpResponse media = get(t.edge(e).port(), base + variants[0], from);
    BOOST_TEST_REQUIRE(media.status == 200, media.describe());
    const std::string device = variants[0].substr(variants[0].find("device="));
    for (const auto& uri : playlist_text::uris(media.body)) BOOST_TEST(contains(uri, device), media.describe());
    return std::make_pair(master, media);
  };
  const auto [master_a, media_a] = play(0);
  const auto [master_b, media_b] = play(1);
  BOOST_TEST(playlist_text::uris(master_a.body)[0] != playlist_text::uris(master_b.body)[0],
             "two viewers, one device:" << master_a.describe() << master_b.describe());

  // The segment is now in edge 1's cache; without the token it is still refused there.
  const std::string segment = playlist_text::uris(media_a.body).back();
  const HttpResponse cached = get(t.edge(0).port(), base + segment);
  BOOST_TEST(cached.status == 200, cached.describe());
  const std::string bare = segment.substr(0, segment.find('?'));
  const HttpResponse refused = get(t.edge(0).port(), base + bare);
  BOOST_TEST(refused.status == 401, refused.describe());
  BOOST_TEST(refused.body.find("\x00\x00", 0, 2) == std::string::npos, "media bytes in a refusal");

  // Two devices play with this token (one per edge: devices, not edges, are counted); a
  // third is refused at whichever edge it comes to.
  const HttpResponse third = get(t.edge(0).port(), base + "index.m3u8?token=" + token);
  BOOST_TEST(third.status == 403, third.describe());
  BOOST_TEST(contains(third.body, "device"), third.describe());
  // The first two keep playing.
  const HttpResponse again = get(t.edge(1).port(), base + playlist_text::uris(master_a.body)[0]);
  BOOST_TEST(again.status == 200, again.describe());

  // A live no origin has.
  const HttpResponse unknown = get(t.edge(1).port(), "/live/nosuchlive/index.m3u8");
  BOOST_TEST(unknown.status == 404, unknown.describe());
  BOOST_TEST(contains(unknown.body, "no live 'nosuchlive'"), unknown.describe());
  // The origins' gate answers only their edges.
  const HttpResponse outsider =
      get(t.one.ports.http, "/bv/edge/gate", "", {{"X-Original-URI", base + "index.m3u8"}, {"X-Bvlive-Edge", "guess"}});
  BOOST_TEST(outsider.status == 403, outsider.describe());
  BOOST_TEST(contains(outsider.body, "only bvlive edges"), outsider.describe());
}

// Geo control behind the edge: the origin judges the viewer's address, which the edge
// passes on; a viewer cannot pass another address off as its own, at the edge or directly.
BOOST_AUTO_TEST_CASE(geo_control_sees_the_viewer_behind_the_edge) {
  Topology& t = topology();
  const std::string master = "/live/" + t.geo_live + "/index.m3u8";
  for (int e = 0; e < 2; ++e) {
    const HttpResponse france = get(t.edge(e).port(), master, "127.0.0.2");
    BOOST_TEST(france.status == 200, france.describe());
    const HttpResponse germany = get(t.edge(e).port(), master, "127.0.0.3");
    BOOST_TEST(germany.status == 403, germany.describe());
    BOOST_TEST(contains(germany.body, "does not play in DE"), germany.describe());
    const HttpResponse pretending = get(t.edge(e).port(), master, "127.0.0.3", {{"X-Forwarded-For", "127.0.0.2"}});
    BOOST_TEST(pretending.status == 403, pretending.describe());
  }
  // Straight to the origin with a made-up edge header: the peer's own address counts.
  const HttpResponse direct = get(t.two.ports.http, master, "127.0.0.3",
                                  {{"X-Forwarded-For", "127.0.0.2"}, {"X-Bvlive-Edge", "not-the-secret-0123456789"}});
  BOOST_TEST(direct.status == 403, direct.describe());
}

// 200 viewers of ours across the two edges (a standard live, a --ull live played part by
// part with blocking reloads and preload hints, a token live), one edge restarted halfway:
// every viewer plays every segment and part in order, the restart costs its viewers retries,
// and each edge asks an origin at most twice for any object, whatever the viewer count.
BOOST_AUTO_TEST_CASE(two_hundred_viewers_across_two_edges) {
  Topology& t = topology();
  const std::vector<int> edge_ports = {t.edge(0).port(), t.edge(1).port()};
  const std::string token = t.token(t.token_live);
  struct Audience {
    std::string target;
    int viewers;
  };
  const std::vector<Audience> audiences = {{"/live/" + t.standard + "/index.m3u8", 80},
                                           {"/live/" + t.ull + "/index.m3u8", 80},
                                           {"/live/" + t.token_live + "/index.m3u8?token=" + token, 40}};
  // The gate's answers the origins gave, before and after: the edges keep them per viewer.
  const auto gate_answers = [&] {
    double sum = 0;
    for (Origin* o : {&t.one, &t.two}) {
      const std::string metrics = http_get(o->address() + "/metrics").body;
      const std::string name = "bvlive_edge_gate_answers_total{result=\"allowed\"} ";
      const auto at = metrics.find(name);
      BOOST_TEST_REQUIRE(at != std::string::npos, metrics);
      sum += std::stod(metrics.substr(at + name.size()));
    }
    return sum;
  };
  const double gate_before = gate_answers();
  const auto addresses = loopback_addresses(200);
  std::vector<std::vector<ViewerResult>> results(audiences.size());
  std::vector<std::thread> runs;
  for (std::size_t a = 0; a < audiences.size(); ++a)
    runs.emplace_back([&, a] {
      ViewerSimOptions o;
      o.ports = edge_ports;
      o.target = audiences[a].target;
      o.viewers = audiences[a].viewers;
      o.play_for = 20s;
      o.start_spread = 3s;
      o.source_addresses = addresses;
      results[a] = run_viewers(o);
    });
  // Halfway, edge 2 goes away for a second and comes back (its cache kept on disk).
  sleep_for(11s);
  const double down_at = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  t.edge(1).stop();
  sleep_for(1s);
  t.edge(1).start(read_file(t.edges_dir / "edge2/bvlive-edge.conf"));
  for (auto& r : runs) r.join();

  int edge2_retries = 0;
  for (std::size_t a = 0; a < audiences.size(); ++a) {
    const ViewerTotals sum = totals(results[a]);
    BOOST_TEST_MESSAGE(audiences[a].target.substr(0, 40) << ": " << sum.describe());
    BOOST_TEST(results[a].size() == static_cast<std::size_t>(audiences[a].viewers));
    for (const ViewerResult& v : results[a]) {
      const auto problems = order_problems(v);
      BOOST_TEST(problems.empty(), "viewer " << v.index << " of " << audiences[a].target << ":\n" << describe(v));
      // Behind the restarted edge a viewer comes back late, and the parts it still wants may
      // have left the origin's window (404): it then plays their segment whole (the order
      // check above sees that it did). Anything else is an error.
      std::vector<std::string> errors;
      for (const auto& e : v.errors)
        if (!(v.port == t.edge(1).port() && e.find(".m4s: HTTP 404") != std::string::npos &&
              e.find(".p") != std::string::npos))
          errors.push_back(e);
      BOOST_TEST(errors.empty(), "viewer " << v.index << " of " << audiences[a].target << ":\n" << describe(v));
      // 20 s of 2 s segments (standard, token) or 1 s ones (--ull): most of them.
      BOOST_TEST(segments_played(v) >= 6u, "viewer " << v.index << " of " << audiences[a].target << ":\n" << describe(v));
      if (a == 1) BOOST_TEST(v.low_latency, "viewer " << v.index << " did not play parts:\n" << describe(v));
      if (v.port == t.edge(1).port()) edge2_retries += v.retries;
    }
  }
  BOOST_TEST(edge2_retries > 0, "edge 2 went away and none of its viewers had to retry");
  // Each viewer's gate answer is kept 5 s at its edge: over 23 s, a handful per viewer (and
  // one more for a token viewer's master, which gets a new device), not one per request.
  const double gate_asked = gate_answers() - gate_before;
  BOOST_TEST_MESSAGE("gate answers during the run: " << gate_asked);
  BOOST_TEST(gate_asked <= 200 * 10, gate_asked << " gate answers for 200 viewers in 23 s");

  // Origin requests per object per edge: the edge's access log marks what went to an origin.
  // Edge 2 is counted apart before and after its restart (a new nginx starts with no memory
  // of what its cache holds).
  for (int e = 0; e < 2; ++e) {
    std::map<std::string, int> per_object, per_playlist_second;
    std::size_t total = 0, from_origin = 0;
    for (const EdgeRequest& r : t.edge(e).requests()) {
      ++total;
      if (!r.went_to_origin()) continue;
      ++from_origin;
      const std::string epoch = (e == 1 && r.time > down_at) ? "after:" : "before:";
      const std::string object = r.object();
      // A playlist, blocking reloads included, is kept a second at the edge: counted per
      // second. Segments, parts and init segments are kept for good: counted in all.
      const bool playlist = object.find(".m3u8") != std::string::npos;
      if (playlist)
        ++per_playlist_second[epoch + object + "@" + std::to_string(static_cast<long>(r.time))];
      else
        ++per_object[epoch + object];
    }
    BOOST_TEST_MESSAGE("edge " << e + 1 << ": " << total << " viewer requests, " << from_origin << " to an origin");
    BOOST_TEST(from_origin * 5 < total, "edge " << e + 1 << " sent " << from_origin << " of " << total << " to an origin");
    for (const auto& [object, n] : per_object)
      BOOST_TEST(n <= 2, "edge " << e + 1 << " asked an origin " << n << " times for " << object);
    for (const auto& [object, n] : per_playlist_second)
      BOOST_TEST(n <= 2, "edge " << e + 1 << " asked an origin " << n << " times in one second for " << object);
  }
}
