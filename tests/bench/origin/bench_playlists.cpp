// bench_playlists: what the origin's media playlists cost on a real bvlived over loopback HTTP,
// in the two cases that render the most: a long DVR playlist and a fan-out of held LL-HLS
// requests (docs/ARCHITECTURE.md#benchmarks; the rendered-playlist cache is what they measure),
// side by side with nginx serving the same playlist as a static file where nginx can.
//
//   1. A 6-hour DVR playlist. A DVR live (`bvlive create --broadcast-mode dvr`) is started
//      (preview, start: no encoder needed), the daemon is stopped, and its SQLite store is
//      seeded with SEGMENTS rows of 2 s (default 10,800 = 6 h) of one ended session, dated
//      from the live's live_started_at on so that they are all public; the daemon is started
//      again on the same state dir. After index.m3u8 (whose URI names the media playlist),
//      T client threads (default 1, 4, 16), each on one keep-alive connection, GET the media
//      playlist back to back for a few seconds: requests/s, round-trip p50/p99, the response
//      size and the server's CPU time per request (all its threads and processes,
//      /proc/PID/task/*/schedstat). The peer: the bytes bvlived served, written to a file at
//      the same path under a directory that nginx (one worker, sendfile) serves on another
//      loopback port; each thread count runs against bvlived, then against nginx, alike.
//   2. VIEWERS held LL-HLS requests woken by one part. A fresh bvlived, an ull live
//      (`bvlive create --ull`) pushed by ffmpeg over RTMP (testsrc2 320x180 30 fps, 1 s GOP).
//      Once its playlist lists parts, VIEWERS connections (default 1000, one epoll loop) are
//      opened. Each round: a blocking reload on a side connection waits for the next part;
//      as soon as it answers, every viewer sends the blocking reload for the part after it
//      (_HLS_msn/_HLS_part from the last EXT-X-PART, RFC 8216bis §6.2.5.2); /metrics must
//      show them all held (bvlive_http_held_requests) before the daemon's CPU is read. The
//      round's figures: first to last answer (the fan-out as viewers see it), the daemon's
//      CPU from "all held" to the last answer minus what it spends meanwhile on the ingest
//      alone (a rate measured beforehand with the connections open and idle), statuses,
//      distinct bodies, VmRSS with them held. A round is clean when the daemon's
//      bvlive_http_held_answered_total grew by VIEWERS (every request was held, then woken);
//      others (the part came while requests were still arriving) are retried and counted.
//      No peer: nginx has no blocking playlist reload.
//
// Benchmarks report, they never fail on timing: exit 0 when the figures are printed, 1 when
// something broke (a daemon did not start, a playlist is wrong, an answer is not 200),
// 2 on bad usage.
//
// Run: share/scripts/bench.sh --only bench_playlists [--quick] [--viewers N] [--segments N]
//      [--bvlived PATH --bvlive PATH]   (an older build for "before")
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <unordered_set>
#include <utility>
#include <vector>

#include "../common/bench_files.hpp"
#include "../common/bench_http.hpp"
#include "../common/bench_options.hpp"
#include "../common/bench_process.hpp"
#include "../common/bench_report.hpp"
#include "../common/bench_run.hpp"
#include "../common/nginx_rtmp.hpp"
#include "store/sqlite.hpp"

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using bvbench::Broken;
using bvbench::check_signal;
using bvbench::cpu_ns;
using bvbench::Daemon;
using bvbench::fmt;
using bvbench::HttpConnection;
using bvbench::HttpResponse;
using bvbench::loadavg;
using bvbench::ms_between;
using bvbench::Stats;
using bvbench::stats_of;
using bvbench::status_kb;
using bvbench::trimmed;

constexpr const char* kName = "bench_playlists";

// ---------------------------------------------------------------- options

struct Options : bvbench::RunOptions {
  int segments = 10800;               // 2 s segments seeded into the DVR live (10,800 = 6 h)
  std::vector<int> threads{1, 4, 16};  // client threads (one keep-alive connection each)
  int seconds = 5;                    // timed GETs per thread count
  int viewers = 1000;                 // held LL-HLS requests per round
  int rounds = 10;                    // clean fan-out rounds
  bool dvr = true, ll = true;         // which parts run
  std::string ffmpeg = "ffmpeg";
  std::string nginx = "/usr/sbin/nginx";  // the DVR playlist's peer (nginx-light)
};

void print_help() {
  std::cout <<
      "usage: bench_playlists [options]\n"
      "  --quick           smoke run: threads 1,4 for 1 s each, 200 viewers, 3 rounds\n"
      "  --segments N      2 s segments of the DVR live (default 10800: 6 hours)\n"
      "  --threads LIST    client threads for the DVR playlist, comma-separated (default 1,4,16)\n"
      "  --seconds S       timed GETs per thread count (default 5)\n"
      "  --viewers N       held LL-HLS requests per round (default 1000)\n"
      "  --rounds N        clean fan-out rounds (default 10)\n"
      "  --only dvr|ll     run one part only (the DVR playlist, or the held LL-HLS requests)\n"
      "  --dir DIR         make the temporary work directory under DIR (default $TMPDIR or /tmp)\n"
      "  --bvlived PATH    daemon binary (default: the one built with this benchmark)\n"
      "  --bvlive PATH     CLI binary (default: the one built with this benchmark)\n"
      "  --ffmpeg PATH     the encoder that pushes the LL-HLS live (default: ffmpeg from PATH)\n"
      "  --nginx PATH      the peer serving the DVR playlist as a static file (default /usr/sbin/nginx)\n"
      "  --keep            keep the work directory (databases, logs) afterwards\n"
      "Exit status: 0 figures printed, 1 something broke (daemon, playlist, answer), 2 usage.\n";
}

std::vector<int> parse_list(const char* v) {
  std::vector<int> out;
  std::stringstream in(v);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(bvbench::parse_positive(kName, "--threads", item.c_str(), 256));
  if (out.empty()) bvbench::usage_error(kName, "--threads needs at least one number");
  return out;
}

Options parse_args(int argc, char** argv) {
  Options o;
  std::string only;
  bvbench::OptionTable(kName, print_help)
      .preset("--quick",
              [&] {
                o.threads = {1, 4};
                o.seconds = 1;
                o.viewers = 200;
                o.rounds = 3;
              })
      .number("--segments", o.segments, 1000000)
      .value("--threads", [&](const char* v) { o.threads = parse_list(v); })
      .number("--seconds", o.seconds, 3600)
      .number("--viewers", o.viewers, 9000)  // [http] max_connections is 10,000
      .number("--rounds", o.rounds, 10000)
      .text("--only", only)
      .text("--ffmpeg", o.ffmpeg, true)
      .text("--nginx", o.nginx, true)
      .run_options(o)
      .parse(argc, argv);
  if (!only.empty()) {
    if (only != "dvr" && only != "ll") bvbench::usage_error(kName, "--only takes dvr or ll, not '" + only + "'");
    o.dvr = only == "dvr";
    o.ll = only == "ll";
  }
  return o;
}

// ---------------------------------------------------------------- the daemon

constexpr const char* kConfig =
    "# bench_playlists: the embedded defaults ([http] max_connections 10000, [media] live_window 6,\n"
    "# ull_segment_duration 1, ull_part_target 333ms)\n";

// ---------------------------------------------------------------- HTTP

// A sample of `name` in Prometheus text ("name value" or "name{...} value"), -1 when absent.
double metric(const std::string& text, const std::string& name) {
  std::size_t pos = 0;
  while ((pos = text.find(name, pos)) != std::string::npos) {
    const bool line_start = pos == 0 || text[pos - 1] == '\n';
    const char next = pos + name.size() < text.size() ? text[pos + name.size()] : '\0';
    if (line_start && (next == ' ' || next == '{')) {
      const std::size_t space = text.find(' ', pos + name.size());
      if (space != std::string::npos) return std::strtod(text.c_str() + space + 1, nullptr);
    }
    pos += name.size();
  }
  return -1;
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + what.size())) ++n;
  return n;
}


// ---------------------------------------------------------------- 1. the DVR playlist

struct DvrRun {
  int threads = 0;
  std::size_t requests = 0;
  double seconds = 0, per_s = 0;
  Stats rtt;                       // ms
  double cpu_ms_per_request = 0;   // the server's, all threads and processes
  double cpu_busy = 0;             // the server's CPU time / wall time
};

struct DvrFigures {
  std::string live;
  std::string media_uri;
  double seed_ms = 0;
  double first_ms = 0;     // index.m3u8 right after the restart: loads the index from SQLite
  double single_ms = 0;    // one media playlist GET, warm
  std::size_t bytes = 0;   // the media playlist's size
  std::size_t listed = 0;  // its EXTINF lines
  long rss_kb = 0;         // after the runs
  std::vector<DvrRun> runs;
  // nginx serving the same bytes as a static file: its runs, at the same thread counts.
  std::vector<DvrRun> nginx_runs;
  long nginx_rss_kb = 0;   // master and worker, after the runs
};

// The rows of a 6-hour (by default) DVR recording of one ended push: 2 s segments dated from
// the live's start, so that every one is public; one session row for them.
double seed_segments(const std::string& db_path, const std::string& live, int count) {
  const auto t0 = Clock::now();
  bvlive::sql::Database db(db_path);
  auto q = db.prepare("SELECT state, live_started_at FROM lives WHERE id=?");
  q.bind(1, live);
  if (!q.step()) throw Broken("live " + live + " is not in " + db_path);
  const std::string state = q.text(0);
  const auto started = q.opt_integer(1);
  if (state != "LIVE" || !started)
    throw Broken("live " + live + " is " + state + " in the store, with " +
                 (started ? "a live_started_at" : "no live_started_at") + "; expected LIVE after `bvlive start`");
  const std::string session = "se_benchdvr00000001";
  const std::int64_t duration_ms = 2000;
  bvlive::sql::Transaction tx(db);
  db.prepare("INSERT INTO sessions (id, live_id, state, protocol, remote, media, bytes_in, segments, started_at, "
             "ended_at, end_reason) VALUES (?,?,?,?,?,?,?,?,?,?,?)")
      .bind(1, session)
      .bind(2, live)
      .bind(3, "ENDED")
      .bind(4, "rtmp")
      .bind(5, "127.0.0.1:40000")
      .bind(6, R"({"audio":{"bitrate_kbps":128,"channels":2,"codec":"aac","sample_rate":48000},"bitrate_kbps":2128,)"
               R"("packager":"bvlived","video":{"bitrate_kbps":2000,"codec":"h264","frame_rate":30.0,"height":720,"width":1280}})")
      .bind(7, static_cast<std::int64_t>(count) * 532000)
      .bind(8, static_cast<std::int64_t>(count))
      .bind(9, *started)
      .bind(10, *started + count * duration_ms)
      .bind(11, "bench_playlists seed")
      .run();
  auto ins = db.prepare(
      "INSERT INTO segments (live_id, seq, rendition, session_id, duration, pdt, file, init_file, bytes) "
      "VALUES (?,?,'',?,?,?,?,?,?)");
  char file[64];
  for (int i = 0; i < count; ++i) {
    std::snprintf(file, sizeof file, "%s/seg_%08d.m4s", session.c_str(), i);
    ins.bind(1, live)
        .bind(2, static_cast<std::int64_t>(i))
        .bind(3, session)
        .bind(4, 2.0)
        .bind(5, *started + i * duration_ms)
        .bind(6, file)
        .bind(7, session + "/init.mp4")
        .bind(8, static_cast<std::int64_t>(500000 + (i * 7919) % 64000));
    ins.run();
    ins.reset();
  }
  tx.commit();
  return ms_between(t0, Clock::now());
}

// T threads, each GETting `target` from 127.0.0.1:PORT back to back on its own keep-alive
// connection until `seconds` have passed; every answer must be 200 with `bytes` of body. The
// CPU time is that of the server's processes `server`.
DvrRun dvr_clients(int port, const std::string& peer, const std::vector<pid_t>& server, const std::string& target,
                   int threads, double seconds, std::size_t bytes) {
  std::vector<std::unique_ptr<HttpConnection>> clients;
  for (int i = 0; i < threads; ++i) {
    clients.push_back(std::make_unique<HttpConnection>(port, peer));
    clients.back()->open();  // connected before the clock starts
  }
  std::vector<std::vector<double>> rtt(static_cast<std::size_t>(threads));
  std::vector<std::exception_ptr> failed(static_cast<std::size_t>(threads));
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  Clock::time_point deadline;
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i)
    pool.emplace_back([&, i] {
      const auto k = static_cast<std::size_t>(i);
      rtt[k].reserve(100000);
      ++ready;
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      try {
        while (Clock::now() < deadline && !bvbench::g_signal) {
          const auto s = Clock::now();
          const HttpResponse a = clients[k]->get(target, false);
          rtt[k].push_back(ms_between(s, a.done));
          if (a.status != 200) throw Broken(peer + ": GET " + target + " answered '" + a.status_line + "'");
          if (a.body_size != bytes)
            throw Broken(peer + ": GET " + target + " answered " + std::to_string(a.body_size) + " bytes; expected " +
                         std::to_string(bytes) + " (the playlist changed)");
        }
      } catch (...) {
        failed[k] = std::current_exception();
      }
    });
  while (ready.load() < threads) std::this_thread::yield();
  const std::int64_t c0 = cpu_ns(server);
  const auto t0 = Clock::now();
  deadline = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  go.store(true, std::memory_order_release);
  for (auto& t : pool) t.join();
  const auto t1 = Clock::now();
  const std::int64_t c1 = cpu_ns(server);
  check_signal();
  for (auto& f : failed)
    if (f) std::rethrow_exception(f);
  DvrRun r;
  r.threads = threads;
  std::vector<double> all;
  for (auto& v : rtt) all.insert(all.end(), v.begin(), v.end());
  r.requests = all.size();
  r.seconds = ms_between(t0, t1) / 1000;
  r.per_s = static_cast<double>(r.requests) / r.seconds;
  r.rtt = stats_of(std::move(all));
  r.cpu_ms_per_request = r.requests ? static_cast<double>(c1 - c0) / 1e6 / static_cast<double>(r.requests) : 0;
  r.cpu_busy = static_cast<double>(c1 - c0) / 1e9 / r.seconds;
  return r;
}

// One run's line: "  T thread(s) SERVER: N requests in S s = R req/s; round trip ...".
void print_run(const char* server, const DvrRun& r) {
  std::printf("  %2d thread(s) %-7s: %6zu requests in %.1f s = %8.1f req/s; round trip p50 %7.2f  p99 %7.2f  max %7.2f "
              "ms; CPU %.3f ms/request (%.0f%% of a core)\n",
              r.threads, server, r.requests, r.seconds, r.per_s, r.rtt.p50, r.rtt.p99, r.rtt.max, r.cpu_ms_per_request,
              r.cpu_busy * 100);
  std::fflush(stdout);
}

DvrFigures dvr_part(const Options& o, const std::string& dir) {
  DvrFigures f;
  std::printf("== 1. a DVR playlist of %d segments of 2 s (%.1f h), bvlived and nginx\n", o.segments,
              o.segments * 2.0 / 3600);
  std::fflush(stdout);
  Daemon d(o.bvlived, o.bvlive, dir + "/bvlived", kConfig);
  d.start();
  f.live = d.start_live({"--name", "bench dvr", "--broadcast-mode", "dvr"});
  const std::string stopped = d.stop();
  if (stopped != "exited 0") throw d.broken("did not stop cleanly on SIGTERM (" + stopped + ")");
  f.seed_ms = seed_segments(d.state_dir() + "/bvlive.db", f.live, o.segments);
  d.start();
  std::printf("[seed] live %s created, started, daemon stopped; %d segments + 1 session inserted in %.0f ms; "
              "restarted (pid %d, http port %d, ready %.0f ms)\n",
              f.live.c_str(), o.segments, f.seed_ms, d.pid(), d.http_port(), d.ready_ms());
  std::fflush(stdout);

  // The media playlist's URI, from the multivariant playlist.
  HttpConnection probe(d.http_port(), "bvlived");
  auto s = Clock::now();
  const HttpResponse master = probe.get("/live/" + f.live + "/index.m3u8");
  f.first_ms = ms_between(s, Clock::now());
  if (master.status != 200) throw d.broken("answered '" + master.status_line + "' to index.m3u8: " + master.body);
  std::stringstream lines(master.body);
  std::string line;
  while (std::getline(lines, line))
    if (!line.empty() && line[0] != '#') {
      f.media_uri = trimmed(line);
      break;
    }
  if (f.media_uri.empty() || f.media_uri.find("://") != std::string::npos || f.media_uri[0] == '/' ||
      f.media_uri.find("..") != std::string::npos || f.media_uri.find('?') != std::string::npos)
    throw Broken("index.m3u8 names no relative media playlist: " + master.body);
  const std::string target = "/live/" + f.live + "/" + f.media_uri;
  s = Clock::now();
  const HttpResponse media = probe.get(target);
  f.single_ms = ms_between(s, Clock::now());
  if (media.status != 200) throw d.broken("answered '" + media.status_line + "' to " + target);
  f.bytes = media.body_size;
  f.listed = count_of(media.body, "#EXTINF:");
  if (f.listed != static_cast<std::size_t>(o.segments) || media.body.find("#EXT-X-PLAYLIST-TYPE:EVENT") == std::string::npos ||
      media.body.find("#EXT-X-ENDLIST") != std::string::npos)
    throw Broken(target + " lists " + std::to_string(f.listed) + " segments of the " + std::to_string(o.segments) +
                 " seeded (expected all, PLAYLIST-TYPE:EVENT, no ENDLIST); its head:\n" + media.body.substr(0, 400));
  std::printf("[playlist] %s: %zu segments, %zu bytes; index.m3u8 right after the restart (loads the index) %.1f ms, "
              "one warm GET %.2f ms\n",
              f.media_uri.c_str(), f.listed, f.bytes, f.first_ms, f.single_ms);

  // The peer: the same bytes at the same path, a static file of nginx's.
  bvbench::NginxStaticConf nc;
  nc.dir = dir + "/nginx";
  nc.root = nc.dir + "/root";
  nc.http_port = bvbench::free_port();
  nc.comment = "bench_playlists: nginx serving the playlist bvlived rendered, as a static file";
  const std::string file = nc.root + target;
  std::filesystem::create_directories(std::filesystem::path(file).parent_path());
  std::ofstream(file, std::ios::binary) << media.body;
  bvbench::NginxServer nginx(o.nginx, nc.dir, bvbench::nginx_static_conf(nc));
  nginx.wait_serving(
      [&] {
        const HttpResponse a = HttpConnection(nc.http_port, "nginx").get(target, false);
        return std::pair{a.status, a.status_line};
      },
      "GET " + target);
  std::printf("[nginx] %s serves that playlist as %s on port %d (master and worker: pids", o.nginx.c_str(),
              file.c_str(), nc.http_port);
  for (pid_t p : nginx.pids()) std::printf(" %d", p);
  std::printf(")\n");
  std::fflush(stdout);

  // Each thread count against bvlived, then against nginx, so that both see the same load.
  const std::vector<pid_t> daemon_pids{d.pid()};
  for (int t : o.threads) {
    const double warm = std::min(1.0, o.seconds / 2.0);  // a warm-up, not counted
    dvr_clients(d.http_port(), "bvlived", daemon_pids, target, t, warm, f.bytes);
    f.runs.push_back(dvr_clients(d.http_port(), "bvlived", daemon_pids, target, t, o.seconds, f.bytes));
    print_run("bvlived", f.runs.back());
    if (!d.running()) throw d.broken("died during the requests");
    dvr_clients(nc.http_port, "nginx", nginx.pids(), target, t, warm, f.bytes);
    f.nginx_runs.push_back(dvr_clients(nc.http_port, "nginx", nginx.pids(), target, t, o.seconds, f.bytes));
    print_run("nginx", f.nginx_runs.back());
    if (!nginx.running()) throw nginx.broken("died during the requests");
  }
  f.rss_kb = status_kb(d.pid(), "VmRSS:");
  f.nginx_rss_kb = status_kb(nginx.pids(), "VmRSS:");
  const std::string stop = d.stop();
  if (stop != "exited 0") throw d.broken("did not stop cleanly on SIGTERM (" + stop + ")");
  const std::string nginx_stop = nginx.stop();
  std::printf("[stop] bvlived %s, nginx %s\n\n", stop.c_str(), nginx_stop.c_str());
  std::fflush(stdout);
  return f;
}

// ---------------------------------------------------------------- 2. held LL-HLS requests

// The part after what an LL-HLS playlist lists: the open segment (last complete one + 1) and
// the number of its parts listed so far (RFC 8216bis §6.2.5.2: _HLS_msn, _HLS_part).
struct NextPart {
  std::int64_t msn = 0;
  int part = 0;
  std::string hint;  // EXT-X-PRELOAD-HINT's URI, "" when none
};

std::optional<NextPart> next_part(const std::string& playlist) {
  std::int64_t sequence = -1, skipped = 0, segments = 0;
  int open_parts = 0;
  bool any_part = false;
  NextPart n;
  std::stringstream in(playlist);
  std::string line;
  while (std::getline(in, line)) {
    line = trimmed(line);
    if (line.rfind("#EXT-X-MEDIA-SEQUENCE:", 0) == 0) {
      sequence = std::atoll(line.c_str() + 22);
    } else if (line.rfind("#EXT-X-SKIP:", 0) == 0) {
      const auto at = line.find("SKIPPED-SEGMENTS=");
      if (at != std::string::npos) skipped = std::atoll(line.c_str() + at + 17);
    } else if (line.rfind("#EXT-X-PART:", 0) == 0) {
      ++open_parts;
      any_part = true;
    } else if (line.rfind("#EXT-X-PRELOAD-HINT:", 0) == 0) {
      const auto at = line.find("URI=\"");
      if (at != std::string::npos) n.hint = line.substr(at + 5, line.find('"', at + 5) - at - 5);
    } else if (!line.empty() && line[0] != '#') {
      ++segments;  // a segment URI: the parts so far were its own
      open_parts = 0;
    }
  }
  if (sequence < 0 || segments == 0 || !any_part) return std::nullopt;
  n.msn = sequence + skipped + segments;  // the open segment: the last one's seq + 1
  n.part = open_parts;
  return n;
}

std::string blocking_target(const std::string& live, const std::string& uri, const NextPart& n) {
  return "/live/" + live + "/" + uri + "?_HLS_msn=" + std::to_string(n.msn) + "&_HLS_part=" + std::to_string(n.part);
}

struct Round {
  double spread_ms = 0;   // first answer to last answer
  double wait_ms = 0;     // all held (CPU read) to the first answer: until the part came
  double window_ms = 0;   // all held to the last answer
  double cpu_raw_ms = 0;  // the daemon's CPU over that window
  double cpu_ms = 0;      // minus the ingest's rate over the window
  std::size_t distinct = 0, body_bytes = 0;
  long rss_kb = 0;        // VmRSS with every request held
};

struct LlFigures {
  std::string live;
  int viewers = 0;
  double connect_ms = 0;
  double baseline_cpu = 0;  // the daemon's CPU / wall time with ffmpeg pushing, connections idle
  long rss_before_kb = 0, rss_open_kb = 0, rss_held_kb = 0, rss_after_kb = 0, hwm_kb = 0;
  int attempts = 0, unclean = 0;
  std::size_t non_200 = 0, max_distinct = 0, body_bytes = 0;
  std::vector<Round> rounds;
  Stats spread, cpu, cpu_raw, window;
};

struct Viewer {
  bvbench::Fd fd;
  std::string buf;
  bool answered = false;
  HttpResponse answer;  // its `done`: when it was read
};

// Sends `request` on every viewer's connection (their answers come in collect_all).
void request_all(std::vector<Viewer>& viewers, const std::string& request) {
  for (auto& v : viewers) {
    v.answered = false;
    bvbench::send_all(v.fd.get(), request, "bvlived");
  }
}

// Reads until every viewer has its answer, at most `limit`; the daemon's CPU time when the
// last one is read goes to *cpu_at_last.
void collect_all(std::vector<Viewer>& viewers, bvbench::Epoll& ep, std::chrono::milliseconds limit, bool keep_body,
                 std::int64_t* cpu_at_last, pid_t daemon) {
  std::vector<epoll_event> ready(viewers.size() + 1);
  std::size_t left = 0;
  for (const auto& v : viewers) left += v.answered ? 0 : 1;
  const auto t0 = Clock::now();
  while (left > 0) {
    if (Clock::now() - t0 > limit)
      throw Broken(std::to_string(left) + " of " + std::to_string(viewers.size()) + " viewers had no answer within " +
                   std::to_string(limit.count()) + " ms");
    const int n = ep.wait(ready, 100);
    for (int i = 0; i < n; ++i) {
      Viewer& v = viewers[ready[static_cast<std::size_t>(i)].data.u64];
      if (!bvbench::read_available(v.fd.get(), v.buf)) throw Broken("the daemon closed a viewer's connection");
      if (v.answered || !bvbench::take_response(v.buf, v.answer, keep_body)) continue;
      v.answered = true;
      if (--left == 0 && cpu_at_last) *cpu_at_last = cpu_ns(daemon);
    }
    check_signal();
  }
}

LlFigures ll_part(const Options& o, const std::string& dir) {
  LlFigures f;
  f.viewers = o.viewers;
  std::printf("== 2. %d held LL-HLS requests woken by one part\n", o.viewers);
  std::fflush(stdout);
  const std::string ffmpeg = bvbench::find_program(o.ffmpeg);
  if (ffmpeg.empty()) throw Broken("no ffmpeg (" + o.ffmpeg + ") to push the LL-HLS live; --ffmpeg PATH names one");
  Daemon d(o.bvlived, o.bvlive, dir, kConfig);
  d.start();
  f.live = d.start_live({"--name", "bench ull", "--ull"});
  const json shown = json::parse(d.cli_ok({"show", f.live, "--json"}), nullptr, false);
  std::string rtmp;
  if (shown.is_object() && shown.contains("live") && shown["live"].contains("urls") &&
      shown["live"]["urls"].contains("rtmp") && shown["live"]["urls"]["rtmp"].is_string())
    rtmp = shown["live"]["urls"]["rtmp"].get<std::string>();
  // rtmp://HOST:PORT/live/KEY, HOST being the public host name: the daemon listens on loopback.
  const auto scheme = rtmp.find("://"), colon = rtmp.find(':', scheme + 3), slash = rtmp.find('/', scheme + 3);
  if (rtmp.rfind("rtmp://", 0) != 0 || colon == std::string::npos || slash == std::string::npos || colon > slash)
    throw Broken("`bvlive show --json` gave no urls.rtmp of the form rtmp://HOST:PORT/live/KEY: '" + rtmp + "'");
  const std::string url = "rtmp://127.0.0.1" + rtmp.substr(colon);
  bvbench::Child encoder("ffmpeg", dir + "/ffmpeg.log");
  encoder.start({ffmpeg, "-hide_banner", "-nostats", "-loglevel", "warning", "-re", "-f", "lavfi", "-i",
                 "testsrc2=size=320x180:rate=30", "-f", "lavfi", "-i", "sine", "-c:v", "libx264", "-preset", "ultrafast",
                 "-tune", "zerolatency", "-g", "30", "-c:a", "aac", "-f", "flv", url});

  // The media playlist, once it lists parts.
  HttpConnection side(d.http_port(), "bvlived");
  const HttpResponse master = side.get("/live/" + f.live + "/index.m3u8");
  std::string uri = "media.m3u8";
  {
    std::stringstream lines(master.body);
    std::string line;
    while (std::getline(lines, line))
      if (!line.empty() && line[0] != '#') {
        uri = trimmed(line);
        break;
      }
  }
  const std::string playlist = "/live/" + f.live + "/" + uri;
  std::optional<NextPart> next;
  const auto w0 = Clock::now();
  for (;;) {
    check_signal();
    if (!encoder.running()) throw encoder.broken("exited before the live had parts");
    if (!d.running()) throw d.broken("exited while waiting for parts");
    const HttpResponse a = side.get(playlist);
    if (a.status == 200) next = next_part(a.body);
    if (next) break;
    if (Clock::now() - w0 > std::chrono::seconds(30))
      throw d.broken("listed no LL-HLS part in " + playlist + " within 30 s of ffmpeg's start (last answer '" +
                     a.status_line + "')");
    bvbench::nap(std::chrono::milliseconds(200));
  }
  std::printf("[start] bvlived pid %d, http port %d; live %s (--ull) pushed by ffmpeg; parts listed %.1f s after "
              "ffmpeg's start\n",
              d.pid(), d.http_port(), f.live.c_str(), ms_between(w0, Clock::now()) / 1000);
  std::fflush(stdout);
  bvbench::nap(std::chrono::seconds(2));  // a few segments, a steady push
  f.rss_before_kb = status_kb(d.pid(), "VmRSS:");

  // Open the viewers' connections, at most 64 under way at a time (the listen backlog), then
  // one plain playlist GET on each: every connection accepted and served once.
  bvbench::Epoll ep;
  std::vector<Viewer> viewers(static_cast<std::size_t>(o.viewers));
  std::vector<epoll_event> ready(viewers.size() + 1);
  const auto c0 = Clock::now();
  std::size_t opened = 0, connected = 0, pending = 0;
  while (connected < viewers.size()) {
    check_signal();
    while (opened < viewers.size() && pending < 64) {
      viewers[opened].fd = bvbench::connect_loopback(d.http_port(), false);
      ep.add(viewers[opened].fd.get(), EPOLLOUT, opened);
      ++opened;
      ++pending;
    }
    const int n = ep.wait(ready, 100);
    for (int i = 0; i < n; ++i) {
      const auto tag = ready[static_cast<std::size_t>(i)].data.u64;
      Viewer& v = viewers[tag];
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(v.fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) throw Broken(std::string("viewer connect: ") + std::strerror(err));
      ep.modify(v.fd.get(), EPOLLIN, tag);
      ++connected;
      --pending;
    }
    if (ms_between(c0, Clock::now()) > 30000)
      throw d.broken("accepted only " + std::to_string(connected) + " of " + std::to_string(viewers.size()) +
                     " connections within 30 s");
  }
  request_all(viewers, bvbench::get_request(d.http_port(), playlist));
  collect_all(viewers, ep, std::chrono::milliseconds(10000), false, nullptr, d.pid());
  for (const auto& v : viewers)
    if (v.answer.status != 200) throw d.broken("answered '" + v.answer.status_line + "' to a viewer's first GET");
  f.connect_ms = ms_between(c0, Clock::now());
  f.rss_open_kb = status_kb(d.pid(), "VmRSS:");

  // What the daemon spends with ffmpeg pushing and the connections idle.
  {
    const auto t0 = Clock::now();
    const std::int64_t b0 = cpu_ns(d.pid());
    bvbench::nap(std::chrono::milliseconds(o.rounds <= 3 ? 1000 : 2000));
    f.baseline_cpu = static_cast<double>(cpu_ns(d.pid()) - b0) / 1e6 / ms_between(t0, Clock::now());
  }
  std::printf("[viewers] %d connections open and served once in %.0f ms; VmRSS %ld kB before, %ld kB with them open; "
              "daemon CPU with ffmpeg pushing and no request: %.1f%% of a core\n",
              o.viewers, f.connect_ms, f.rss_before_kb, f.rss_open_kb, f.baseline_cpu * 100);
  std::fflush(stdout);

  HttpConnection metrics(d.http_port(), "bvlived");
  auto read_metrics = [&] {
    const HttpResponse m = metrics.get("/metrics");
    if (m.status != 200) throw d.broken("answered '" + m.status_line + "' to /metrics");
    return std::pair<double, double>{metric(m.body, "bvlive_http_held_requests"),
                                     metric(m.body, "bvlive_http_held_answered_total")};
  };

  const int max_attempts = o.rounds * 3 + 5;
  std::vector<double> spread, cpu, cpu_raw, window;
  while (static_cast<int>(f.rounds.size()) < o.rounds) {
    check_signal();
    if (f.attempts >= max_attempts)
      throw Broken("only " + std::to_string(f.rounds.size()) + " clean rounds in " + std::to_string(f.attempts) +
                   " attempts: the part kept coming before the daemon held every request");
    if (!encoder.running()) throw encoder.broken("exited during the rounds");
    if (!d.running()) throw d.broken("died during the rounds");
    ++f.attempts;
    // Wait on the side connection for the next part: the round starts just after one landed.
    const HttpResponse synced = side.get(blocking_target(f.live, uri, *next));
    if (synced.status != 200) throw d.broken("answered '" + synced.status_line + "' to a blocking reload");
    next = next_part(synced.body);
    if (!next) throw Broken("a blocking reload's playlist lists no part:\n" + synced.body);
    const NextPart target = *next;
    const std::string request = bvbench::get_request(d.http_port(), blocking_target(f.live, uri, target));
    request_all(viewers, request);
    // Every request held before the CPU is read (unless the part comes first).
    double held = 0, answered_before = 0;
    const auto h0 = Clock::now();
    for (;;) {
      std::tie(held, answered_before) = read_metrics();
      if (held >= o.viewers || ms_between(h0, Clock::now()) > 2000) break;
      if (ep.wait(ready, 0) > 0) break;  // answers already: the part came meanwhile
    }
    Round r;
    r.rss_kb = status_kb(d.pid(), "VmRSS:");
    const std::int64_t cpu0 = cpu_ns(d.pid());
    const auto t0 = Clock::now();
    std::int64_t cpu1 = 0;
    collect_all(viewers, ep, std::chrono::milliseconds(8000), true, &cpu1, d.pid());
    auto first = Clock::time_point::max(), last = Clock::time_point::min();
    std::unordered_set<std::string> bodies;
    std::size_t bad = 0;
    for (const auto& v : viewers) {
      first = std::min(first, v.answer.done);
      last = std::max(last, v.answer.done);
      if (v.answer.status != 200) ++bad;
      bodies.insert(v.answer.body);
      r.body_bytes = std::max(r.body_bytes, v.answer.body_size);
    }
    const auto [held_after, answered_after] = read_metrics();
    (void)held_after;
    const bool clean = held >= o.viewers && answered_after - answered_before >= o.viewers;
    if (bad) {
      f.non_200 += bad;
      for (const auto& v : viewers)
        if (v.answer.status != 200)
          throw d.broken("answered '" + v.answer.status_line + "' to a held blocking reload (" + std::to_string(bad) +
                         " of " + std::to_string(o.viewers) + " not 200): " + trimmed(v.answer.body));
    }
    // The next round asks for the part after the one just answered.
    next = next_part(viewers.front().answer.body);
    if (!next) throw Broken("a held reload's playlist lists no part:\n" + viewers.front().answer.body);
    if (!clean) {
      ++f.unclean;
      continue;
    }
    r.spread_ms = ms_between(first, last);
    r.wait_ms = ms_between(t0, first);
    r.window_ms = ms_between(t0, last);
    r.cpu_raw_ms = static_cast<double>(cpu1 - cpu0) / 1e6;
    r.cpu_ms = r.cpu_raw_ms - f.baseline_cpu * r.window_ms;
    r.distinct = bodies.size();
    f.max_distinct = std::max(f.max_distinct, r.distinct);
    f.body_bytes = std::max(f.body_bytes, r.body_bytes);
    f.rss_held_kb = std::max(f.rss_held_kb, r.rss_kb);
    std::printf("  round %2zu: msn %lld part %d: first->last answer %7.2f ms (part came %6.1f ms after all were held); "
                "daemon CPU %6.2f ms (%6.2f raw over %5.1f ms); %zu distinct bodies of %zu bytes; VmRSS %ld kB\n",
                f.rounds.size() + 1, static_cast<long long>(target.msn), target.part, r.spread_ms, r.wait_ms, r.cpu_ms,
                r.cpu_raw_ms, r.window_ms, r.distinct, r.body_bytes, r.rss_kb);
    std::fflush(stdout);
    spread.push_back(r.spread_ms);
    cpu.push_back(r.cpu_ms);
    cpu_raw.push_back(r.cpu_raw_ms);
    window.push_back(r.window_ms);
    f.rounds.push_back(r);
  }
  f.spread = stats_of(spread);
  f.cpu = stats_of(cpu);
  f.cpu_raw = stats_of(cpu_raw);
  f.window = stats_of(window);
  f.rss_after_kb = status_kb(d.pid(), "VmRSS:");
  f.hwm_kb = status_kb(d.pid(), "VmHWM:");
  std::printf("[rounds] %zu clean of %d (%d where the part came before every request was held, retried)\n",
              f.rounds.size(), f.attempts, f.unclean);
  viewers.clear();
  const std::string stop = d.stop();
  if (stop != "exited 0") throw d.broken("did not stop cleanly on SIGTERM (" + stop + ")");
  std::printf("[stop] bvlived %s\n\n", stop.c_str());
  std::fflush(stdout);
  return f;
}

// ---------------------------------------------------------------- the run

// A row of the figures: bvlived's, nginx's ("n/a" or "-" when it has none) and their ratio.
void row(const std::string& what, const std::string& bvlived, const std::string& nginx = "-",
         const std::string& ratio = "-") {
  std::printf("| %-53s | %21s | %15s | %13s |\n", what.c_str(), bvlived.c_str(), nginx.c_str(), ratio.c_str());
}
std::string ratio(double a, double b, int prec = 2) { return b > 0 ? fmt(a / b, prec) : "-"; }
std::string mib(long kb) { return fmt(static_cast<double>(kb) / 1024, 1); }

int run(const Options& o) {
  bvbench::scrub_environment();
  // Every viewer's connection, and the daemon's end of it (forked after this, it inherits the limit).
  bvbench::raise_fd_limit(static_cast<rlim_t>(o.viewers) * 2 + 512, "--viewers " + std::to_string(o.viewers));
  const bvbench::WorkDir work(o.base_dir, kName, o.keep);
  const std::string& dir = work.path();

  std::printf("bench_playlists: a long DVR playlist (beside nginx serving it as a static file) and a fan-out of held "
              "LL-HLS requests on a real bvlived (loopback HTTP)\n");
  bvbench::print_machine(dir, {{"bvlived", o.bvlived},
                               {"bvlive", o.bvlive},
                               {"ffmpeg", bvbench::find_program(o.ffmpeg)},
                               {"nginx", bvbench::find_program(o.nginx)}});
  std::string threads;
  for (int t : o.threads) threads += (threads.empty() ? "" : ",") + std::to_string(t);
  std::printf("  DVR: %d segments, threads %s, %d s each; LL-HLS: %d viewers, %d rounds\n\n", o.segments,
              threads.c_str(), o.seconds, o.viewers, o.rounds);
  std::fflush(stdout);

  std::optional<DvrFigures> dvr;
  std::optional<LlFigures> ll;
  if (o.dvr) {
    if (bvbench::find_program(o.nginx).empty())
      throw Broken("no nginx (" + o.nginx + ") to serve the DVR playlist beside bvlived; install-deps installs "
                   "nginx-light, --nginx PATH names another");
    dvr = dvr_part(o, dir + "/dvr");
  }
  if (o.ll) ll = ll_part(o, dir + "/ll");

  std::printf("Figures (same run; ratio = bvlived / nginx: above 1 for requests/s means bvlived serves more, above 1 "
              "for a time, CPU or memory means it takes more)\n");
  row("figure", "bvlived", "nginx", "bvlived/nginx");
  std::printf("|%s|%s|%s|%s|\n", std::string(55, '-').c_str(), std::string(23, '-').c_str(),
              std::string(17, '-').c_str(), std::string(15, '-').c_str());
  if (dvr) {
    const std::string listed = std::to_string(dvr->listed) + " / " + std::to_string(dvr->bytes);
    row("DVR playlist: segments / bytes (nginx: the same file)", listed, listed);
    row("DVR: index.m3u8 right after the restart (ms)", fmt(dvr->first_ms, 1));
    for (std::size_t i = 0; i < dvr->runs.size(); ++i) {
      const DvrRun& b = dvr->runs[i];
      const DvrRun& n = dvr->nginx_runs.at(i);
      const std::string t = std::to_string(b.threads) + (b.threads == 1 ? " thread" : " threads");
      row("DVR playlist, " + t + ": requests/s", fmt(b.per_s, 1), fmt(n.per_s, 1), ratio(b.per_s, n.per_s));
      row("DVR playlist, " + t + ": round trip p50 / p99 (ms)", fmt(b.rtt.p50, 2) + " / " + fmt(b.rtt.p99, 2),
          fmt(n.rtt.p50, 2) + " / " + fmt(n.rtt.p99, 2), ratio(b.rtt.p50, n.rtt.p50) + " / " + ratio(b.rtt.p99, n.rtt.p99));
      row("DVR playlist, " + t + ": server CPU per request (ms)", fmt(b.cpu_ms_per_request, 3),
          fmt(n.cpu_ms_per_request, 3), ratio(b.cpu_ms_per_request, n.cpu_ms_per_request));
    }
    row("DVR: server VmRSS after the requests (MiB)", mib(dvr->rss_kb), mib(dvr->nginx_rss_kb),
        ratio(static_cast<double>(dvr->rss_kb), static_cast<double>(dvr->nginx_rss_kb)));
  }
  if (ll) {
    const std::string n = std::to_string(ll->viewers);
    row("LL-HLS " + n + " held: first->last answer p50 / max (ms)", fmt(ll->spread.p50, 2) + " / " + fmt(ll->spread.max, 2),
        "n/a");
    row("LL-HLS " + n + " held: CPU per round p50 / max (ms)", fmt(ll->cpu.p50, 2) + " / " + fmt(ll->cpu.max, 2), "n/a");
    row("LL-HLS: same, raw (with the ingest's share) p50 (ms)", fmt(ll->cpu_raw.p50, 2), "n/a");
    row("LL-HLS: CPU per woken request p50 (us)", fmt(ll->cpu.p50 * 1000 / ll->viewers, 1), "n/a");
    row("LL-HLS: distinct bodies per round (max) / body bytes",
        std::to_string(ll->max_distinct) + " / " + std::to_string(ll->body_bytes), "n/a");
    row("LL-HLS: answers not 200", std::to_string(ll->non_200), "n/a");
    row("LL-HLS: clean rounds / attempts", std::to_string(ll->rounds.size()) + " / " + std::to_string(ll->attempts), "n/a");
    row("LL-HLS: VmRSS idle / " + n + " open / " + n + " held (MiB)",
        mib(ll->rss_before_kb) + " / " + mib(ll->rss_open_kb) + " / " + mib(ll->rss_held_kb), "n/a");
    row("LL-HLS: VmHWM (MiB)", mib(ll->hwm_kb), "n/a");
    std::printf("n/a: nginx has no blocking reload (_HLS_msn/_HLS_part), so the LL-HLS rows have no peer figure\n");
  }
  std::printf("load average at end: %s\n", loadavg().c_str());
  std::fflush(stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_args(argc, argv);
  return bvbench::run_bench(kName, [&] { return run(o); });
}
