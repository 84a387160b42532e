// Low-Latency HLS (issue 8) on a real daemon fed by a real ffmpeg over RTMP (1 s keyframe
// interval, as the README tells ULL encoders): every playlist the daemon serves keeps the
// LL-HLS rules (tests/support/ll_hls_rules), a segment is byte for byte the parts it lists,
// a blocking reload is answered with the part asked for and refused when too far ahead, the
// preload-hinted part is served once it lands, delta updates agree with the full playlist,
// numbering holds across a reconnect, and AES-128 seals parts like segments.
#define BOOST_TEST_MODULE ll_hls
#include <boost/test/unit_test.hpp>

#include <csignal>
#include <future>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/checks.hpp"
#include "support/lives.hpp"
#include "support/ll_hls_rules.hpp"
#include "support/media.hpp"
#include "support/media_files.hpp"
#include "support/playlist_text.hpp"
#include "support/process.hpp"

using namespace bvtest;

namespace {

// A wider window than the default, so that delta updates have segments to skip (CAN-SKIP-UNTIL
// is six target durations: 6 s of 1 s segments).
const std::string kConfig = "[media]\nlive_window = 12\nkeep_segments = 24\n";

struct LlFixture {
  TempDir dir{"bvlive-llhls"};
  std::unique_ptr<DaemonProcess> daemon = start_daemon(dir, kConfig);
  Cli cli{daemon->socket()};
  Ports ports = ports_of(cli);
  std::vector<std::unique_ptr<BackgroundProcess>> encoders;

  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(ports.http) + path; }

  void push(const std::string& id, const std::string& size = "640x360") {
    encoders.push_back(std::make_unique<BackgroundProcess>(
        encoder_argv(live_of(cli, id)["urls"]["rtmp"].get<std::string>(), "flv", size),
        dir / ("encoder" + std::to_string(encoders.size()) + ".log")));
  }

  // An ull_enabled live, LIVE, with a push whose playlist lists open parts.
  std::string ull_live(std::vector<std::string> flags = {}, const std::string& size = "640x360") {
    std::vector<std::string> args{"-q", "create", "--name", "ull", "--ull"};
    args.insert(args.end(), flags.begin(), flags.end());
    const RunResult created = cli.run(args);
    REQUIRE_EXIT(created, 0);
    const std::string id = created.out.substr(0, created.out.find('\n'));
    REQUIRE_EXIT(cli.run({"preview", id}), 0);
    push(id, size);
    REQUIRE_EXIT(cli.run({"start", id}), 0);
    const bool parts = poll_until([&] { return ll_hls_summary(media(id).body).open_parts > 0; }, 40s, 200ms);
    BOOST_TEST_REQUIRE(parts, "no open part listed for " << id << "\n" << media(id).body << daemon->log());
    return id;
  }

  std::string media_url(const std::string& id) {
    const HttpReply master = http_get(url("/live/" + id + "/index.m3u8"));
    BOOST_TEST_REQUIRE(master.status == 200, master.describe());
    return url("/live/" + id + "/" + playlist_text::uris(master.body).at(0));
  }
  HttpReply media(const std::string& id, const std::string& query = "") {
    return http_get(media_url(id) + query);
  }
  std::string file(const std::string& id, const std::string& rel) {
    return read_file(daemon->state_dir() + "/media/" + id + "/" + rel.substr(0, rel.find('?')));
  }
};

// Each listed segment's URI with the URIs of the parts listed before it.
std::map<std::string, std::vector<std::string>> parts_by_segment(const std::string& playlist) {
  std::map<std::string, std::vector<std::string>> out;
  std::vector<std::string> pending;
  for (const std::string& line : playlist_text::lines(playlist)) {
    if (line.starts_with("#EXT-X-PART:")) {
      const auto at = line.find("URI=\"") + 5;
      pending.push_back(line.substr(at, line.find('"', at) - at));
    } else if (!line.empty() && line[0] != '#') {
      out[line] = std::exchange(pending, {});
    }
  }
  return out;
}

std::string attribute(const std::string& line, const std::string& name) {
  const auto at = line.find(name + "=");
  if (at == std::string::npos) return "";
  std::size_t begin = at + name.size() + 1;
  if (line[begin] == '"') return line.substr(begin + 1, line.find('"', begin + 1) - begin - 1);
  return line.substr(begin, line.find(',', begin) - begin);
}

// The sessions (pushes) the listed segments come from.
std::set<std::string> sessions_listed(const std::string& playlist) {
  std::set<std::string> out;
  for (const auto& uri : playlist_text::uris(playlist)) out.insert(uri.substr(0, uri.find('/')));
  return out;
}

void check_rules(const HttpReply& reply, const std::string& what) {
  BOOST_TEST_REQUIRE(reply.status == 200, what << ": " << reply.describe());
  const auto violations = ll_hls_violations(reply.body);
  BOOST_TEST(violations.empty(), what << ": " << joined(violations) << "\n" << reply.body);
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(parts_make_up_their_segments_and_every_playlist_keeps_the_rules, LlFixture) {
  const std::string id = ull_live();
  const HttpReply first = media(id);
  BOOST_TEST(contains(first.body, "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK="), first.body);
  const std::string part_inf = playlist_lines(first.body, "#EXT-X-PART-INF:").at(0);
  const double part_target = std::stod(attribute(part_inf, "PART-TARGET"));
  BOOST_TEST((part_target >= 0.2 && part_target <= 0.3334), part_inf);  // media.ull_part_target 333ms
  BOOST_TEST(contains(first.body, "#EXT-X-PRELOAD-HINT:TYPE=PART,URI="), first.body);
  BOOST_TEST(contains(first.body, ",INDEPENDENT=YES"), first.body);

  // Over a few seconds of playlists, as a player polls them: the rules hold each time, and
  // a segment with parts listed is exactly those parts, in order.
  std::size_t segments_checked = 0;
  for (int i = 0; i < 12; ++i) {
    const HttpReply m = media(id);
    check_rules(m, "playlist " + std::to_string(i));
    for (const auto& [segment, parts] : parts_by_segment(m.body)) {
      if (parts.empty()) continue;
      std::string joined_parts;
      for (const auto& p : parts) {
        const HttpReply part = http_get(url("/live/" + id + "/" + p));
        BOOST_TEST_REQUIRE(part.status == 200, p << ": " << part.describe());
        joined_parts += part.body;
      }
      const HttpReply whole = http_get(url("/live/" + id + "/" + segment));
      BOOST_TEST_REQUIRE(whole.status == 200, whole.describe());
      BOOST_TEST((whole.body == joined_parts), segment << " is not the concatenation of its " << parts.size() << " parts");
      BOOST_TEST(first_box(joined_parts) == "moof");
      ++segments_checked;
    }
    std::this_thread::sleep_for(400ms);
  }
  BOOST_TEST(segments_checked >= 5u);
  // Standard players read the same stream from its segments.
  check_h264_aac(ffprobe_streams(url("/live/" + id + "/index.m3u8")), 640, 360);
  // A live without ull_enabled has no LL-HLS tags.
  const RunResult plain = cli.run({"-q", "create", "--name", "plain"});
  REQUIRE_EXIT(plain, 0);
  const std::string plain_id = plain.out.substr(0, plain.out.find('\n'));
  REQUIRE_EXIT(cli.run({"preview", plain_id}), 0);
  push(plain_id);
  REQUIRE_EXIT(cli.run({"start", plain_id}), 0);
  BOOST_TEST_REQUIRE(poll_until([&] { return !playlist_text::uris(media(plain_id).body).empty(); }, 40s, 250ms));
  const HttpReply standard = media(plain_id, "?_HLS_msn=100000");  // no blocking reload either: answered at once
  BOOST_TEST(standard.status == 200, standard.describe());
  BOOST_TEST(!contains(standard.body, "#EXT-X-PART"), standard.body);
  BOOST_TEST(!contains(standard.body, "SERVER-CONTROL"), standard.body);
}

BOOST_FIXTURE_TEST_CASE(blocking_reloads_preload_hints_and_delta_updates, LlFixture) {
  const std::string id = ull_live();
  const LlHlsSummary now = ll_hls_summary(media(id).body);
  BOOST_TEST_REQUIRE(now.last_msn >= 0);

  // The next part: held until it lands, then a playlist that lists it.
  const std::string next = "?_HLS_msn=" + std::to_string(now.last_msn) + "&_HLS_part=" + std::to_string(now.last_part + 1);
  const HttpReply held = media(id, next);
  check_rules(held, "blocking reload " + next);
  const LlHlsSummary after = ll_hls_summary(held.body);
  BOOST_TEST((after.last_msn > now.last_msn || (after.last_msn == now.last_msn && after.last_part > now.last_part)),
             next << " answered with last part " << after.last_msn << "." << after.last_part << "\n" << held.body);
  // Two segments on: held about two seconds, then the playlist lists that segment.
  const std::int64_t last_segment = after.media_sequence + after.skipped +
                                    static_cast<std::int64_t>(after.segment_uris.size()) - 1;
  const HttpReply later = media(id, "?_HLS_msn=" + std::to_string(last_segment + 2));
  check_rules(later, "blocking reload two segments ahead");
  const LlHlsSummary later_summary = ll_hls_summary(later.body);
  BOOST_TEST(later_summary.media_sequence + static_cast<std::int64_t>(later_summary.segment_uris.size()) - 1 >=
                 last_segment + 2,
             later.body);

  // Too far ahead, or malformed: 400 at once, with the reason.
  const LlHlsSummary s = ll_hls_summary(media(id).body);
  const std::int64_t last = s.media_sequence + static_cast<std::int64_t>(s.segment_uris.size()) - 1;
  const HttpReply too_far = media(id, "?_HLS_msn=" + std::to_string(last + 4));
  BOOST_TEST(too_far.status == 400, too_far.describe());
  BOOST_TEST(contains(too_far.body, "more than two segments ahead"), too_far.body);
  const HttpReply no_msn = media(id, "?_HLS_part=1");
  BOOST_TEST(no_msn.status == 400, no_msn.describe());
  BOOST_TEST(contains(no_msn.body, "_HLS_part needs _HLS_msn"), no_msn.body);
  BOOST_TEST(media(id, "?_HLS_msn=-1").status == 400);
  BOOST_TEST(media(id, "?_HLS_msn=12x").status == 400);

  // The preload hint: asked for before it exists, served when it lands, and then listed
  // with those very bytes.
  const LlHlsSummary hinting = ll_hls_summary(media(id).body);
  BOOST_TEST_REQUIRE(!hinting.preload_hint.empty());
  const HttpReply hinted = http_get(url("/live/" + id + "/" + hinting.preload_hint));
  BOOST_TEST_REQUIRE(hinted.status == 200, hinting.preload_hint << ": " << hinted.describe());
  BOOST_TEST(first_box(hinted.body) == "moof");
  BOOST_TEST((hinted.body == file(id, hinting.preload_hint)), "the hinted part differs from the part on disk");
  BOOST_TEST(contains(media(id).body, "URI=\"" + hinting.preload_hint + "\""));
  // A part that will never come (another push's, or long gone) is a 404 at once.
  BOOST_TEST(http_get(url("/live/" + id + "/se_nosuchsession/seg_00000001.p0.m4s")).status == 404);

  // Delta updates: the same moment asked twice, in full and with _HLS_skip=YES (both held
  // for the same next part, so both answer when it lands), agree.
  // Enough segments first: a segment is skipped once it ends six target durations (6 s)
  // before the newest one does.
  BOOST_TEST_REQUIRE(poll_until([&] { return playlist_text::uris(media(id).body).size() >= 9; }, 30s, 250ms));
  bool compared = false;
  for (int attempt = 0; attempt < 10 && !compared; ++attempt) {
    const LlHlsSummary base = ll_hls_summary(media(id).body);
    const std::string q = "?_HLS_msn=" + std::to_string(base.last_msn) + "&_HLS_part=" + std::to_string(base.last_part + 1);
    auto full = std::async(std::launch::async, [&] { return media(id, q); });
    const HttpReply delta = media(id, q + "&_HLS_skip=YES");
    const HttpReply whole = full.get();
    const LlHlsSummary a = ll_hls_summary(whole.body), b = ll_hls_summary(delta.body);
    if (a.last_msn != b.last_msn || a.last_part != b.last_part) continue;  // a part landed between them
    compared = true;
    BOOST_TEST(b.skipped > 0, delta.body);
    const auto violations = ll_hls_delta_violations(whole.body, delta.body);
    BOOST_TEST(violations.empty(), joined(violations) << "\nfull:\n" << whole.body << "\ndelta:\n" << delta.body);
  }
  BOOST_TEST(compared, "no full and delta playlist of the same moment in 10 tries");
  // The held requests were answered as their parts came, and none is left waiting.
  const std::string metrics = http_get(url("/metrics")).body;
  BOOST_TEST(contains(metrics, "bvlive_http_held_requests 0\n"), metrics);
  BOOST_TEST(!contains(metrics, "bvlive_http_held_answered_total 0\n"), metrics);
  BOOST_TEST(!contains(metrics, "bvlive_parts_written_total 0\n"), metrics);

  // Held requests for one part share one rendering: ten viewers wait for the next part, it
  // lands, and the playlist is rendered about once for all of them.
  auto counter = [&](const std::string& name) {
    const std::string m = http_get(url("/metrics")).body;
    const auto at = m.find("\n" + name + " ");
    return at == std::string::npos ? -1.0 : std::stod(m.substr(at + name.size() + 2));
  };
  const LlHlsSummary base = ll_hls_summary(media(id).body);
  const std::string q = "?_HLS_msn=" + std::to_string(base.last_msn) + "&_HLS_part=" + std::to_string(base.last_part + 1);
  const double renders_before = counter("bvlive_playlist_renders_total");
  const double hits_before = counter("bvlive_playlist_cache_hits_total");
  std::vector<std::future<HttpReply>> waiting;
  for (int i = 0; i < 10; ++i) waiting.push_back(std::async(std::launch::async, [&] { return media(id, q); }));
  std::set<std::string> bodies;
  for (auto& w : waiting) {
    const HttpReply r = w.get();
    BOOST_TEST(r.status == 200, r.describe());
    bodies.insert(r.body);
  }
  const double renders = counter("bvlive_playlist_renders_total") - renders_before;
  const double hits = counter("bvlive_playlist_cache_hits_total") - hits_before;
  BOOST_TEST(hits >= 5, "only " << hits << " of 10 held requests were answered from a shared rendering (" << renders
                                << " renderings)");
  BOOST_TEST(bodies.size() <= renders, "more distinct answers than renderings");
}

BOOST_FIXTURE_TEST_CASE(numbering_holds_across_a_reconnect, LlFixture) {
  const std::string id = ull_live();
  const LlHlsSummary before = ll_hls_summary(media(id).body);
  encoders.back()->stop(SIGKILL);
  push(id);  // the encoder comes back: a new session, a discontinuity
  std::vector<HttpReply> seen;
  const bool second = poll_until(
      [&] {
        seen.push_back(media(id));
        return sessions_listed(seen.back().body).size() == 2 && ll_hls_summary(seen.back().body).open_parts > 0;
      },
      40s, 300ms);
  BOOST_TEST_REQUIRE(second, seen.back().body << daemon->log());
  BOOST_TEST(contains(seen.back().body, "#EXT-X-DISCONTINUITY\n"), seen.back().body);
  // Every playlist on the way kept the rules, and the numbers only went up.
  std::int64_t msn = before.last_msn, sequence = before.media_sequence;
  for (const HttpReply& m : seen) {
    check_rules(m, "around the reconnect");
    const LlHlsSummary s = ll_hls_summary(m.body);
    BOOST_TEST(s.media_sequence >= sequence, m.body);
    BOOST_TEST(s.last_msn >= msn, m.body);
    sequence = s.media_sequence;
    msn = s.last_msn;
  }
}

BOOST_FIXTURE_TEST_CASE(aes_128_seals_parts_like_segments, LlFixture) {
  const std::string id = ull_live({"--protection", "aes-128"});
  // The open segment's parts follow a key tag that names their key and IV: the last key tag
  // and the last part of a playlist with open parts.
  HttpReply m;
  BOOST_TEST_REQUIRE(poll_until([&] { return ll_hls_summary((m = media(id)).body).open_parts > 0; }, 10s, 100ms));
  check_rules(m, "protected");
  std::string key_tag, part_uri;
  for (const auto& line : playlist_text::lines(m.body)) {
    if (line.starts_with("#EXT-X-KEY:METHOD=AES-128")) key_tag = line;
    if (line.starts_with("#EXT-X-PART:")) part_uri = attribute(line, "URI");
  }
  BOOST_TEST_REQUIRE(contains(key_tag, ",IV=0x"), m.body);
  BOOST_TEST_REQUIRE(!part_uri.empty(), m.body);
  const HttpReply key = http_get(url("/live/" + id + "/" + attribute(key_tag, "URI")));
  BOOST_TEST_REQUIRE(key.status == 200, key.describe());
  const HttpReply sealed = http_get(url("/live/" + id + "/" + part_uri));
  BOOST_TEST_REQUIRE(sealed.status == 200, sealed.describe());
  BOOST_TEST(first_box(sealed.body) != "moof");
  const std::int64_t iv = std::stoll(attribute(key_tag, "IV").substr(18), nullptr, 16);
  BOOST_TEST((openssl_decrypt(dir, sealed.body, key.body, iv) == file(id, part_uri)),
             "the decrypted part differs from the part on disk");
}

BOOST_FIXTURE_TEST_CASE(each_rendition_of_a_ladder_reports_the_others, LlFixture) {
  // 480p in: the source (copied) and an encoded 360p rendition, each with its own parts.
  const std::string id = ull_live({"--abr"}, "854x480");
  HttpReply master;
  const bool ladder = poll_until(
      [&] { return playlist_text::uris((master = http_get(url("/live/" + id + "/index.m3u8"))).body).size() == 2; },
      30s, 200ms);
  BOOST_TEST_REQUIRE(ladder, master.body);
  const auto playlists = playlist_text::uris(master.body);
  for (std::size_t i = 0; i < playlists.size(); ++i) {
    const std::string other = playlists[1 - i];
    HttpReply m;
    const bool reported = poll_until(
        [&] {
          m = http_get(url("/live/" + id + "/" + playlists[i]));
          return ll_hls_summary(m.body).open_parts > 0 && contains(m.body, "LAST-PART=");
        },
        30s, 200ms);
    BOOST_TEST_REQUIRE(reported, playlists[i] << ":\n" << m.body);
    check_rules(m, playlists[i]);
    const auto reports = playlist_lines(m.body, "#EXT-X-RENDITION-REPORT:");
    BOOST_TEST_REQUIRE(reports.size() == 1u, m.body);
    BOOST_TEST(attribute(reports[0], "URI") == other, reports[0]);
    // The report says where the other rendition stands: about where this one does.
    const std::int64_t msn = std::stoll(attribute(reports[0], "LAST-MSN"));
    BOOST_TEST(std::llabs(msn - ll_hls_summary(m.body).last_msn) <= 1, reports[0] << "\n" << m.body);
  }
}
