// bench_edge: what an nginx edge made by `bvlive edge-config` adds and saves, on one machine,
// loopback only: the latency it adds to LL-HLS parts, the origin CPU it saves with 10, 100
// and 1000 viewers, and the capacity of one origin beside nginx serving the same files.
//
//   0. bvlived with `[security] edge_secret` (the embedded defaults otherwise), and one edge:
//      `bvlive edge-config --origin http://127.0.0.1:HTTP --listen 127.0.0.1:PORT --cache-dir
//      DIR/cache/media` included in an nginx.conf of the bench's own (Debian's nginx-light, one
//      master and `worker_processes 1`, no access log), run in the foreground; PORT is a free
//      loopback port found by a bind probe. The viewers are tests/support/viewer_sim (compiled
//      into this bench): simulated HLS and LL-HLS players, all in one poll() thread of this
//      process, each with two keep-alive connections, recording every answer with the time its
//      last byte arrived.
//   1. Capacity (run first, before any push goes on, so no ingest is in the figures). A
//      `--broadcast-mode dvr` live is pushed by ffmpeg for a few seconds (testsrc2 640x360
//      25 fps, x264 ultrafast CBR 2372 kb/s with a 2 s GOP, AAC 128 kb/s: a 2 s segment is
//      about 690 KB), then ended. Two targets: its second segment (a file read by bvlived) and
//      its media playlist (rendered by bvlived; nginx serves a static copy of the same bytes at
//      the same path). nginx (one worker, sendfile, tcp_nopush, keep-alive unbounded) serves
//      the copies over plain HTTP. The load: one epoll loop of this process, N keep-alive
//      connections (default 16 and 64), each sending its next GET as soon as the previous
//      answer is whole (no pipelining); each answer must be 200 with the file's Content-Length.
//      Per case and server: a warm-up, then a fixed window: requests/s, latency (request
//      written to last byte read) p50/p99, and the server's CPU (utime + stime of
//      /proc/PID/stat, all threads; nginx: master and worker) per 1000 requests. Each case
//      runs against bvlived, then nginx.
//   2. Two lives pushed for the rest of the run by ffmpeg over RTMP (testsrc2 320x180 25 fps,
//      x264 ultrafast zerolatency, -g 25: 1 s keyframes, AAC 64 kb/s): a standard live and a
//      `--ull` live (LL-HLS: 1 s segments, parts of about 333 ms).
//   3. LL-HLS latency through the edge. N viewers (default 20) play the --ull live straight
//      from the origin and N through the edge, all in the same poll() loop at the same time
//      (viewer i plays from the origin when i is even, from the edge when odd), joining over
//      1 s, for S seconds (default 20). Every part a viewer received (a part GET or a preload
//      hint GET, answered 2xx) is keyed by (media sequence number, part index); the reference
//      for a part is the earliest time any direct viewer received it. Parts whose reference
//      falls in the first 3 s (viewers joining, catching up) are left out. For each viewer's
//      copy of a part: receive time - reference. Figures: p50/p95/p99 of that for direct and
//      for edge viewers, edge - direct (what the edge adds), and the same for the first edge
//      viewer to receive each part (as a rule the request the edge forwarded to the origin;
//      the others waited on nginx's cache lock). The edge answers playlists chunked, which the viewers read.
//   4. Origin CPU with viewers. First, the origin's CPU with the two pushes and no viewer (the
//      ingest baseline). Then for each live (standard, ull) and each count (default 10, 100,
//      1000), the viewers play for S seconds (default 15, joining over 2 s) straight from the
//      origin, then through the edge. The window measured starts 1 s after the last viewer
//      joined and ends 1 s before they stop. Per run: bvlived's CPU (utime + stime of
//      /proc/PID/stat) and nginx's (master, worker, cache manager; the cache loader while it
//      lives) as % of one core, the viewers' answered requests/s, errors (a part or segment
//      that left the playlist before the viewer got to it, a 4xx) and retries, and this
//      process's CPU (the viewers' poll() loop) as % of a core, which says whether the
//      viewers, not the servers, were the limit.
//
// Everything (servers, encoders, viewers) shares this machine's cores: the figures are the
// same machine's, side by side, not a capacity plan. Benchmarks report, they never fail on
// timing: exit 0 when the figures are printed, 1 when something broke (a server did not start,
// an answer is not 200 or not the file, no viewer received a part), 2 on bad usage.
//
// Run: share/scripts/bench.sh --only bench_edge [--quick] [--seconds S] [--cpu-seconds S]
//      [--viewers N] [--counts 10,100,1000] [--lives standard,ull] [--connections 16,64]
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
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
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "../common/bench_files.hpp"
#include "../common/bench_http.hpp"
#include "../common/bench_options.hpp"
#include "../common/bench_process.hpp"
#include "../common/bench_report.hpp"
#include "../common/bench_run.hpp"
#include "../common/nginx_rtmp.hpp"
#include "support/viewer_sim.hpp"

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using SysClock = std::chrono::system_clock;
using bvbench::Broken;
using bvbench::check_signal;
using bvbench::Daemon;
using bvbench::Fd;
using bvbench::fmt;
using bvbench::HttpConnection;
using bvbench::HttpResponse;
using bvbench::loadavg;
using bvbench::ms_between;
using bvbench::Stats;
using bvbench::stats_of;
using bvbench::trimmed;

constexpr const char* kName = "bench_edge";
constexpr const char* kSecret = "bench-edge-secret-0123456789abcdef";

// ---------------------------------------------------------------- options

struct Options : bvbench::RunOptions {
  int latency_viewers = 20;               // per side (direct, edge)
  int latency_seconds = 20;
  std::vector<int> counts{10, 100, 1000};  // viewers per CPU run
  int cpu_seconds = 15;
  std::vector<std::string> lives{"standard", "ull"};
  int baseline_seconds = 5;
  std::vector<int> connections{16, 64};   // capacity: keep-alive connections per case
  int capacity_seconds = 4;
  int warmup_ms = 1000;
  int push_seconds = 7;
  std::string ffmpeg = "ffmpeg";
  std::string nginx = "/usr/sbin/nginx";
};

void print_help() {
  std::cout <<
      "usage: bench_edge [options]\n"
      "  --quick              smoke run: 5+5 latency viewers for 8 s; 10 and 100 viewers of the\n"
      "                       standard live for 6 s; 16 connections, 1 s per capacity case\n"
      "  --viewers N          LL-HLS latency: N viewers direct and N through the edge (default 20)\n"
      "  --seconds S          LL-HLS latency: how long they play (default 20)\n"
      "  --counts LIST        origin CPU: viewer counts, comma-separated (default 10,100,1000)\n"
      "  --cpu-seconds S      origin CPU: how long each run plays (default 15)\n"
      "  --lives LIST         origin CPU: standard, ull or both (default standard,ull)\n"
      "  --connections LIST   capacity: keep-alive connections per case (default 16,64)\n"
      "  --capacity-seconds S capacity: measured window per case and server (default 4)\n"
      "  --warmup-ms MS       capacity: untimed run before each window (default 1000)\n"
      "  --push-seconds S     capacity: seconds pushed to make the segment (default 7)\n"
      "  --dir DIR            make the temporary work directory under DIR (default $TMPDIR or /tmp)\n"
      "  --bvlived PATH       daemon binary (default: the one built with this benchmark)\n"
      "  --bvlive PATH        CLI binary (default: the one built with this benchmark)\n"
      "  --ffmpeg PATH        the encoder (default: ffmpeg from PATH)\n"
      "  --nginx PATH         the edge and the static peer (default /usr/sbin/nginx, nginx-light)\n"
      "  --keep               keep the work directory (logs, configurations, files) afterwards\n"
      "Exit status: 0 figures printed, 1 something broke (a server, an answer), 2 usage.\n";
}

std::vector<int> parse_list(const char* v, const char* flag, long max) {
  std::vector<int> out;
  std::stringstream in(v);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(bvbench::parse_positive(kName, flag, item.c_str(), max));
  if (out.empty()) bvbench::usage_error(kName, std::string(flag) + " needs at least one number");
  return out;
}

Options parse_args(int argc, char** argv) {
  Options o;
  bvbench::OptionTable(kName, print_help)
      .preset("--quick",
              [&] {
                o.latency_viewers = 5;
                o.latency_seconds = 8;
                o.counts = {10, 100};
                o.cpu_seconds = 6;
                o.lives = {"standard"};
                o.baseline_seconds = 2;
                o.connections = {16};
                o.capacity_seconds = 1;
                o.warmup_ms = 300;
                o.push_seconds = 5;
              })
      .number("--viewers", o.latency_viewers, 1000)
      .number("--seconds", o.latency_seconds, 3600)
      .value("--counts", [&](const char* v) { o.counts = parse_list(v, "--counts", 5000); })
      .number("--cpu-seconds", o.cpu_seconds, 3600)
      .value("--lives",
             [&](const char* v) {
               o.lives.clear();
               std::stringstream in(v);
               std::string item;
               while (std::getline(in, item, ',')) {
                 if (item != "standard" && item != "ull")
                   bvbench::usage_error(kName, "--lives: '" + item + "' is neither standard nor ull");
                 o.lives.push_back(item);
               }
               if (o.lives.empty()) bvbench::usage_error(kName, "--lives needs standard, ull or both");
             })
      .value("--connections", [&](const char* v) { o.connections = parse_list(v, "--connections", 2000); })
      .number("--capacity-seconds", o.capacity_seconds, 3600)
      .number("--warmup-ms", o.warmup_ms, 600000)
      .number("--push-seconds", o.push_seconds, 600)
      .text("--ffmpeg", o.ffmpeg, true)
      .text("--nginx", o.nginx, true)
      .run_options(o)
      .parse(argc, argv);
  if (o.push_seconds < 5) bvbench::usage_error(kName, "--push-seconds: at least 5 (two whole 2 s segments)");
  if (o.cpu_seconds < 5) bvbench::usage_error(kName, "--cpu-seconds: at least 5 (2 s joining, 1 s margins)");
  if (o.latency_seconds < 5) bvbench::usage_error(kName, "--seconds: at least 5 (the first 3 s are left out)");
  return o;
}

// ---------------------------------------------------------------- small things

// This process's CPU time (all its threads: the viewers' loop, the load generator), in ns.
std::int64_t self_cpu_ns() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto ns = [](const timeval& t) { return std::int64_t{t.tv_sec} * 1000000000 + std::int64_t{t.tv_usec} * 1000; };
  return ns(u.ru_utime) + ns(u.ru_stime);
}

void sleep_until(Clock::time_point t) {
  const auto now = Clock::now();
  if (t > now) bvbench::nap(std::chrono::duration_cast<std::chrono::milliseconds>(t - now));
}

std::string ratio(double a, double b, int prec = 2) { return b > 0 ? fmt(a / b, prec) : "-"; }

std::string thousands(double v) {
  std::string s = fmt(v, 0);
  for (int i = static_cast<int>(s.size()) - 3; i > 0 && s[static_cast<std::size_t>(i) - 1] != '-'; i -= 3)
    s.insert(static_cast<std::size_t>(i), ",");
  return s;
}

// rtmp://127.0.0.1:PORT/live/KEY of a live, from `bvlive show --json` (urls.rtmp names the
// public host; the daemon listens on loopback).
std::string rtmp_url(const Daemon& d, const std::string& live) {
  const json shown = json::parse(d.cli_ok({"show", live, "--json"}), nullptr, false);
  std::string rtmp;
  if (shown.is_object() && shown.contains("live") && shown["live"].contains("urls") &&
      shown["live"]["urls"].contains("rtmp") && shown["live"]["urls"]["rtmp"].is_string())
    rtmp = shown["live"]["urls"]["rtmp"].get<std::string>();
  const auto scheme = rtmp.find("://"), colon = rtmp.find(':', scheme + 3), slash = rtmp.find('/', scheme + 3);
  if (rtmp.rfind("rtmp://", 0) != 0 || colon == std::string::npos || slash == std::string::npos || colon > slash)
    throw Broken("`bvlive show --json` gave no urls.rtmp of the form rtmp://HOST:PORT/live/KEY: '" + rtmp + "'");
  return "rtmp://127.0.0.1" + rtmp.substr(colon);
}

// The first URI line of a playlist ("" when none).
std::string first_uri(const std::string& playlist) {
  std::stringstream lines(playlist);
  std::string line;
  while (std::getline(lines, line)) {
    line = trimmed(line);
    if (!line.empty() && line[0] != '#') return line;
  }
  return "";
}

// Every URI line of a playlist.
std::vector<std::string> uris(const std::string& playlist) {
  std::vector<std::string> out;
  std::stringstream lines(playlist);
  std::string line;
  while (std::getline(lines, line)) {
    line = trimmed(line);
    if (!line.empty() && line[0] != '#') out.push_back(line);
  }
  return out;
}

// A relative URI without a query or a parent directory (a file under the live's directory).
bool plain_relative(const std::string& uri) {
  return !uri.empty() && uri.find_first_of("?#") == std::string::npos && uri.find("..") == std::string::npos &&
         uri.find("://") == std::string::npos && uri[0] != '/';
}

// The file whose path ends in /REL under `root` (the daemon's state dir), "" when none.
std::string find_under(const std::string& root, const std::string& rel) {
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(root, ec); !ec && it != std::filesystem::end(it);
       it.increment(ec)) {
    const std::string p = it->path().string();
    if (it->is_regular_file(ec) && p.size() > rel.size() && p.compare(p.size() - rel.size(), rel.size(), rel) == 0 &&
        p[p.size() - rel.size() - 1] == '/')
      return p;
  }
  return "";
}

// The media playlist's path of a live (from index.m3u8), once it lists a segment (and, when
// `parts`, an LL-HLS part); waits at most 40 s.
std::string await_media(Daemon& d, bvbench::Child& encoder, const std::string& live, bool parts) {
  HttpConnection c(d.http_port(), "bvlived");
  const std::string base = "/live/" + live + "/";
  const auto t0 = Clock::now();
  std::string last;
  for (;;) {
    check_signal();
    if (!encoder.running()) throw encoder.broken("exited before " + live + " listed a segment");
    if (!d.running()) throw d.broken("exited while " + live + " was starting");
    const HttpResponse master = c.get(base + "index.m3u8");
    last = master.status_line;
    if (master.status == 200) {
      const std::string media = first_uri(master.body);
      if (!media.empty()) {
        const std::string target = media[0] == '/' ? media : base + media;
        const HttpResponse m = c.get(target);
        last = m.status_line;
        if (m.status == 200 && m.body.find("#EXTINF") != std::string::npos &&
            (!parts || m.body.find("#EXT-X-PART:") != std::string::npos))
          return target;
      }
    }
    if (Clock::now() - t0 > std::chrono::seconds(40))
      throw d.broken("listed no " + std::string(parts ? "part" : "segment") + " of " + live +
                     " within 40 s of ffmpeg's start (last answer '" + last + "')");
    bvbench::nap(std::chrono::milliseconds(250));
  }
}

// The status line of the answer to GET TARGET on 127.0.0.1:PORT (the edge answers playlists
// chunked, which HttpConnection does not read: the head is enough here).
std::string status_line(int port, const std::string& target) {
  Fd fd = bvbench::connect_loopback(port, true);
  bvbench::send_all(fd.get(), bvbench::get_request(port, target, "Connection: close\r\n"));
  std::string head;
  char buf[4096];
  while (head.find("\r\n") == std::string::npos) {
    const std::size_t n = bvbench::recv_some(fd.get(), buf, sizeof buf, "port " + std::to_string(port));
    if (n == 0) break;
    head.append(buf, n);
  }
  return head.substr(0, head.find("\r\n"));
}

// CPU time (utime + stime) per process of a server, so that a process that ends between two
// readings (nginx's cache loader) is left out rather than counted negative.
std::map<pid_t, std::int64_t> cpu_by_pid(const std::vector<pid_t>& pids) {
  std::map<pid_t, std::int64_t> out;
  for (pid_t p : pids) out[p] = bvbench::stat_cpu_ns(p);
  return out;
}
std::int64_t cpu_delta(const std::map<pid_t, std::int64_t>& a, const std::map<pid_t, std::int64_t>& b) {
  std::int64_t sum = 0;
  for (const auto& [p, t1] : b) {
    const auto it = a.find(p);
    if (it != a.end() && t1 >= it->second) sum += t1 - it->second;
  }
  return sum;
}

// ---------------------------------------------------------------- capacity: plain HTTP load

struct Load {
  std::string peer;  // "bvlived", "nginx"
  int port = 0;
  std::string target;
  std::size_t body_bytes = 0;  // every answer must be 200 with this Content-Length
  int connections = 0;
  std::vector<pid_t> server;
};

struct LoadResult {
  std::string peer;
  std::size_t requests = 0;
  double seconds = 0, per_s = 0;
  Stats latency;  // ms
  double server_cpu_ms = 0, client_cpu_ms = 0, cpu_per_1000 = 0, server_busy = 0, client_busy = 0;
};

struct Window {
  Clock::time_point warm_end, end;
};

// One epoll loop of keep-alive connections, one request in flight on each.
class LoadLoop {
 public:
  LoadLoop(const Load& load, const Window& w)
      : load_(load), w_(w), conns_(static_cast<std::size_t>(load.connections)),
        request_(bvbench::get_request(load.port, load.target, "User-Agent: bench_edge\r\n")) {}

  void run() {
    samples_.reserve(1 << 16);
    for (std::size_t i = 0; i < conns_.size(); ++i) {
      Conn& c = conns_[i];
      c.fd = bvbench::connect_loopback(load_.port, false);
      c.st = St::Connecting;
      c.start = c.progress = Clock::now();
      ep_.add(c.fd.get(), EPOLLIN | EPOLLOUT | EPOLLET, i);
    }
    std::vector<epoll_event> ready(conns_.size() + 1);
    auto last_check = Clock::now();
    for (;;) {
      check_signal();
      const int n = ep_.wait(ready, 50);
      for (int i = 0; i < n; ++i) drive(ready[static_cast<std::size_t>(i)].data.u64, ready[static_cast<std::size_t>(i)].events);
      const auto now = Clock::now();
      if (now >= w_.end) {
        bool all_done = true;
        for (auto& c : conns_) all_done = all_done && c.st == St::Done;
        if (all_done) return;
        if (now - w_.end > std::chrono::seconds(10))
          throw Broken(load_.peer + ": answers still outstanding 10 s after the window ended");
      }
      if (now - last_check > std::chrono::milliseconds(200)) {
        last_check = now;
        for (auto& c : conns_)
          if (c.st != St::Done && now - c.progress > std::chrono::seconds(10))
            throw Broken(load_.peer + ": a connection made no progress for 10 s");
      }
    }
  }

  std::vector<double>& samples() { return samples_; }
  std::size_t requests() const { return requests_; }

 private:
  enum class St { Connecting, Reading, Done };
  struct Conn {
    Fd fd;
    St st = St::Connecting;
    std::string head;
    bool in_body = false;
    std::size_t body_got = 0;
    Clock::time_point start, progress;
  };

  void send_request(Conn& c) {
    const ssize_t n = ::send(c.fd.get(), request_.data(), request_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n != static_cast<ssize_t>(request_.size()))
      throw Broken(n < 0 ? bvbench::errno_text("send to " + load_.peer) : load_.peer + " took part of a request");
    c.start = c.progress = Clock::now();
    c.st = St::Reading;
    c.head.clear();
    c.in_body = false;
    c.body_got = 0;
  }

  void drive(std::size_t i, std::uint32_t events) {
    Conn& c = conns_[i];
    if (c.st == St::Connecting) {
      if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(c.fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) throw Broken(load_.peer + ": connect: " + std::strerror(err));
      send_request(c);
    }
    for (int step = 0; step < 100000 && c.st == St::Reading; ++step) {
      const ssize_t n = ::recv(c.fd.get(), buf_, sizeof buf_, MSG_DONTWAIT);
      if (n == 0) throw Broken(load_.peer + " closed a keep-alive connection");
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        if (errno == EINTR) continue;
        throw Broken(bvbench::errno_text("recv from " + load_.peer));
      }
      c.progress = Clock::now();
      if (feed(c, buf_, static_cast<std::size_t>(n))) {
        const auto now = Clock::now();
        if (now >= w_.warm_end && now < w_.end) {
          samples_.push_back(ms_between(c.start, now));
          ++requests_;
        }
        if (now < w_.end) send_request(c);
        else c.st = St::Done;
      }
    }
  }

  bool feed(Conn& c, const char* p, std::size_t n) {
    if (!c.in_body) {
      c.head.append(p, n);
      const std::size_t end = c.head.find("\r\n\r\n");
      if (end == std::string::npos) {
        if (c.head.size() > 65536) throw Broken(load_.peer + ": an answer head over 64 KiB");
        return false;
      }
      const int status = c.head.size() >= 12 ? std::atoi(c.head.c_str() + 9) : 0;
      if (status != 200)
        throw Broken(load_.peer + " answered '" + c.head.substr(0, c.head.find("\r\n")) + "' to GET " + load_.target);
      const std::string cl = bvbench::header_value(std::string_view(c.head).substr(0, end + 2), "content-length");
      if (cl.empty() || std::strtoull(cl.c_str(), nullptr, 10) != load_.body_bytes)
        throw Broken(load_.peer + ": GET " + load_.target + " answered Content-Length '" + cl + "'; expected " +
                     std::to_string(load_.body_bytes));
      c.body_got = c.head.size() - end - 4;
      c.in_body = true;
      c.head.clear();
    } else {
      c.body_got += n;
    }
    if (c.body_got > load_.body_bytes) throw Broken(load_.peer + ": more bytes than the Content-Length of GET " + load_.target);
    return c.body_got == load_.body_bytes;
  }

  const Load& load_;
  const Window& w_;
  bvbench::Epoll ep_;
  std::vector<Conn> conns_;
  std::string request_;
  std::vector<double> samples_;
  std::size_t requests_ = 0;
  char buf_[64 * 1024];
};

LoadResult run_load(const Load& load, int warmup_ms, int seconds) {
  Window w;
  w.warm_end = Clock::now() + std::chrono::milliseconds(warmup_ms);
  w.end = w.warm_end + std::chrono::seconds(seconds);
  LoadLoop loop(load, w);
  std::exception_ptr error;
  std::thread t([&] {
    try {
      loop.run();
    } catch (...) {
      error = std::current_exception();
    }
  });
  std::int64_t s0 = 0, s1 = 0, c0 = 0, c1 = 0;
  Clock::time_point m0, m1;
  try {
    sleep_until(w.warm_end);
    m0 = Clock::now();
    s0 = bvbench::stat_cpu_ns(load.server);
    c0 = self_cpu_ns();
    sleep_until(w.end);
    m1 = Clock::now();
    s1 = bvbench::stat_cpu_ns(load.server);
    c1 = self_cpu_ns();
  } catch (...) {
    t.join();  // the loop ends within 10 s of the window's end, or on the signal
    throw;
  }
  t.join();
  check_signal();
  if (error) std::rethrow_exception(error);
  LoadResult r;
  r.peer = load.peer;
  r.requests = loop.requests();
  r.seconds = ms_between(m0, m1) / 1000;
  r.per_s = static_cast<double>(r.requests) / r.seconds;
  r.latency = stats_of(std::move(loop.samples()));
  r.server_cpu_ms = static_cast<double>(s1 - s0) / 1e6;
  r.client_cpu_ms = static_cast<double>(c1 - c0) / 1e6;
  r.cpu_per_1000 = r.requests ? r.server_cpu_ms * 1000 / static_cast<double>(r.requests) : 0;
  r.server_busy = r.server_cpu_ms / 1000 / r.seconds;
  r.client_busy = r.client_cpu_ms / 1000 / r.seconds;
  if (r.requests == 0) throw Broken(load.peer + ": no answer within the " + std::to_string(seconds) + " s window");
  return r;
}

void print_load(const LoadResult& r) {
  std::printf("    %-7s: %7zu requests in %.2f s = %8.1f req/s; latency p50 %7.2f  p99 %7.2f ms; server CPU %6.1f ms "
              "per 1000 requests (%3.0f%% of a core), client %3.0f%%\n",
              r.peer.c_str(), r.requests, r.seconds, r.per_s, r.latency.p50, r.latency.p99, r.cpu_per_1000,
              r.server_busy * 100, r.client_busy * 100);
  std::fflush(stdout);
}

struct CapacityCase {
  std::string label;
  LoadResult b, n;
};

// ---------------------------------------------------------------- viewers

// run_viewers in a thread of its own (the caller measures CPU meanwhile).
class ViewerRun {
 public:
  explicit ViewerRun(bvtest::ViewerSimOptions o) : o_(std::move(o)) {
    t_ = std::thread([this] {
      try {
        results_ = bvtest::run_viewers(o_);
      } catch (...) {
        error_ = std::current_exception();
      }
    });
  }
  ~ViewerRun() {
    if (t_.joinable()) t_.join();
  }
  std::vector<bvtest::ViewerResult>& join() {
    t_.join();
    if (error_) std::rethrow_exception(error_);
    return results_;
  }

 private:
  bvtest::ViewerSimOptions o_;
  std::vector<bvtest::ViewerResult> results_;
  std::exception_ptr error_;
  std::thread t_;
};

struct LatencyFigures {
  Stats direct, edge;
  Stats edge_first;       // per part, the first edge viewer's copy (the one the origin answered)
  std::size_t parts = 0;  // parts with a reference, after the first 3 s
  bvtest::ViewerTotals direct_totals, edge_totals;
  std::size_t edge_ll = 0, direct_ll = 0;  // viewers that played parts
};

struct CpuRun {
  std::string live;  // "standard", "ull"
  int viewers = 0;
  bool edge = false;
  double window_s = 0;
  double origin_pct = 0, edge_pct = 0, client_pct = 0;  // % of one core over the window
  bvtest::ViewerTotals totals;
  std::vector<std::string> error_samples;  // the first few viewers' errors, as the simulator words them
};

bool is_part(const bvtest::Fetch& f) {
  return (f.kind == bvtest::FetchKind::Part || f.kind == bvtest::FetchKind::Hint) && f.status >= 200 && f.status < 300 &&
         f.msn >= 0 && f.part >= 0;
}

LatencyFigures measure_latency(const Options& o, int origin_port, int edge_port, const std::string& target) {
  bvtest::ViewerSimOptions v;
  v.ports = {origin_port, edge_port};
  v.target = target;
  v.viewers = 2 * o.latency_viewers;
  v.play_for = std::chrono::seconds(o.latency_seconds);
  v.start_spread = std::chrono::milliseconds(1000);
  const auto started = SysClock::now();
  ViewerRun run(v);
  std::vector<bvtest::ViewerResult>& results = run.join();
  check_signal();

  const auto settled = started + std::chrono::seconds(3);
  std::map<std::pair<std::int64_t, int>, SysClock::time_point> reference;
  for (const auto& r : results) {
    if (r.port != origin_port) continue;
    for (const auto& f : r.fetches) {
      if (!is_part(f)) continue;
      const auto key = std::make_pair(f.msn, f.part);
      auto [it, fresh] = reference.emplace(key, f.received);
      if (!fresh && f.received < it->second) it->second = f.received;
    }
  }
  LatencyFigures out;
  std::vector<double> direct, edge;
  std::map<std::pair<std::int64_t, int>, double> edge_first;
  std::vector<bvtest::ViewerResult> direct_viewers, edge_viewers;
  for (const auto& r : results) {
    const bool is_direct = r.port == origin_port;
    (is_direct ? out.direct_ll : out.edge_ll) += r.low_latency ? 1 : 0;
    for (const auto& f : r.fetches) {
      if (!is_part(f)) continue;
      const auto it = reference.find(std::make_pair(f.msn, f.part));
      if (it == reference.end() || it->second < settled) continue;
      const double late = std::chrono::duration<double, std::milli>(f.received - it->second).count();
      (is_direct ? direct : edge).push_back(late);
      if (!is_direct) {
        auto [first, fresh] = edge_first.emplace(it->first, late);
        if (!fresh && late < first->second) first->second = late;
      }
    }
    (is_direct ? direct_viewers : edge_viewers).push_back(r);
  }
  for (const auto& [key, t] : reference)
    if (t >= settled) ++out.parts;
  out.direct = stats_of(std::move(direct));
  out.edge = stats_of(std::move(edge));
  std::vector<double> firsts;
  for (const auto& [key, late] : edge_first) firsts.push_back(late);
  out.edge_first = stats_of(std::move(firsts));
  out.direct_totals = bvtest::totals(direct_viewers);
  out.edge_totals = bvtest::totals(edge_viewers);
  if (out.direct.n == 0 || out.edge.n == 0)
    throw Broken("no LL-HLS part received after the first 3 s by the " + std::string(out.direct.n == 0 ? "direct" : "edge") +
                 " viewers (direct: " + out.direct_totals.describe() + "; edge: " + out.edge_totals.describe() + ")" +
                 (results.empty() ? "" : "\n" + bvtest::describe(results[out.direct.n == 0 ? 0 : 1], 30)));
  return out;
}

CpuRun measure_cpu(const Options& o, const std::string& live_kind, const std::string& target, int viewers, bool edge,
                   int port, pid_t origin, const std::vector<pid_t>& nginx) {
  bvtest::ViewerSimOptions v;
  v.ports = {port};
  v.target = target;
  v.viewers = viewers;
  v.play_for = std::chrono::seconds(o.cpu_seconds);
  v.start_spread = std::chrono::milliseconds(2000);
  const auto t0 = Clock::now();
  ViewerRun run(v);
  const auto m0_at = t0 + std::chrono::milliseconds(3000);
  const auto m1_at = t0 + std::chrono::seconds(o.cpu_seconds + 2) - std::chrono::milliseconds(1000);
  sleep_until(m0_at);
  const auto m0 = Clock::now();
  const std::int64_t o0 = bvbench::stat_cpu_ns(origin), c0 = self_cpu_ns();
  const auto e0 = cpu_by_pid(nginx);
  sleep_until(m1_at);
  const auto m1 = Clock::now();
  const std::int64_t o1 = bvbench::stat_cpu_ns(origin), c1 = self_cpu_ns();
  const auto e1 = cpu_by_pid(nginx);
  std::vector<bvtest::ViewerResult>& results = run.join();
  check_signal();
  CpuRun r;
  r.live = live_kind;
  r.viewers = viewers;
  r.edge = edge;
  r.window_s = ms_between(m0, m1) / 1000;
  r.origin_pct = static_cast<double>(o1 - o0) / 1e7 / r.window_s;
  r.edge_pct = static_cast<double>(cpu_delta(e0, e1)) / 1e7 / r.window_s;
  r.client_pct = static_cast<double>(c1 - c0) / 1e7 / r.window_s;
  r.totals = bvtest::totals(results);
  std::size_t played = 0;
  for (const auto& v2 : results) played += bvtest::segments_played(v2);
  if (played == 0)
    throw Broken(std::to_string(viewers) + " viewers of the " + live_kind + " live " + (edge ? "through the edge" : "direct") +
                 " played no segment: " + r.totals.describe() + (results.empty() ? "" : "\n" + bvtest::describe(results[0], 30)));
  for (const auto& v2 : results)
    for (const auto& e : v2.errors)
      if (r.error_samples.size() < 3) r.error_samples.push_back("viewer " + std::to_string(v2.index) + ": " + e);
  std::printf("    %-8s %4d viewers %-6s: origin %6.1f%%  edge %6.1f%%  viewers' loop %5.1f%% of a core over %.1f s; "
              "%s\n",
              live_kind.c_str(), viewers, edge ? "edge" : "direct", r.origin_pct, r.edge_pct, r.client_pct, r.window_s,
              r.totals.describe().c_str());
  for (const auto& e : r.error_samples) std::printf("      e.g. %s\n", e.c_str());
  std::fflush(stdout);
  return r;
}

// ---------------------------------------------------------------- the run

int run(const Options& o) {
  bvbench::scrub_environment();
  bvbench::raise_fd_limit(16384, "the viewers' connections");
  const bvbench::WorkDir work(o.base_dir, kName, o.keep);
  const std::string& dir = work.path();
  const std::string ffmpeg = bvbench::find_program(o.ffmpeg), nginx_bin = bvbench::find_program(o.nginx);

  std::printf("bench_edge: LL-HLS latency through an nginx edge, origin CPU with viewers direct and through the edge, "
              "and one origin's capacity against nginx (loopback, one nginx worker)\n");
  bvbench::print_machine(dir, {{"bvlived", o.bvlived}, {"bvlive", o.bvlive}, {"nginx", nginx_bin}, {"ffmpeg", ffmpeg}});
  std::string counts, conns, lives;
  for (int c : o.counts) counts += (counts.empty() ? "" : ",") + std::to_string(c);
  for (int c : o.connections) conns += (conns.empty() ? "" : ",") + std::to_string(c);
  for (const auto& l : o.lives) lives += (lives.empty() ? "" : ",") + l;
  std::printf("  latency: %d + %d viewers for %d s; CPU: %s viewers of %s for %d s each; capacity: %s keep-alive "
              "connections, %d ms warm-up + %d s per case and server\n\n",
              o.latency_viewers, o.latency_viewers, o.latency_seconds, counts.c_str(), lives.c_str(), o.cpu_seconds,
              conns.c_str(), o.warmup_ms, o.capacity_seconds);
  std::fflush(stdout);
  if (ffmpeg.empty()) throw Broken("no ffmpeg (" + o.ffmpeg + "); --ffmpeg PATH names one");
  if (nginx_bin.empty())
    throw Broken("no nginx (" + o.nginx + "); share/scripts/install-deps.sh installs nginx-light, --nginx PATH names another");

  Daemon d(o.bvlived, o.bvlive, dir + "/bvlived",
           std::string("# bench_edge: the embedded defaults, and the edges' secret\n[security]\nedge_secret = \"") + kSecret +
               "\"\n");
  d.start();
  const int origin_port = d.http_port();
  std::printf("[bvlived] pid %d, http port %d, ready in %.0f ms\n", d.pid(), origin_port, d.ready_ms());

  // ------------------------------------------------ 1. capacity
  std::printf("\n== 1. capacity: one origin against nginx serving the same files (plain HTTP, keep-alive)\n");
  std::fflush(stdout);
  const std::string dvr = d.start_live({"--name", "bench edge capacity", "--broadcast-mode", "dvr"});
  const auto p0 = Clock::now();
  bvbench::run_tool({ffmpeg, "-hide_banner", "-nostats", "-loglevel", "warning", "-re", "-f", "lavfi", "-i",
                     "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t",
                     std::to_string(o.push_seconds), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                     "-g", "50", "-keyint_min", "50", "-sc_threshold", "0", "-b:v", "2372k", "-minrate", "2372k",
                     "-maxrate", "2372k", "-bufsize", "2372k", "-x264-params", "nal-hrd=cbr", "-c:a", "aac", "-b:a",
                     "128k", "-f", "flv", rtmp_url(d, dvr)},
                    dir + "/ffmpeg-capacity.log", std::chrono::seconds(o.push_seconds + 60));
  const double push_s = ms_between(p0, Clock::now()) / 1000;
  const std::string dvr_base = "/live/" + dvr + "/";
  HttpConnection plain(origin_port, "bvlived");
  std::string media_target, media_text;
  std::vector<std::string> segs;
  {
    const HttpResponse master = plain.get(dvr_base + "index.m3u8");
    if (master.status != 200) throw d.broken("answered '" + master.status_line + "' to index.m3u8: " + master.body);
    const std::string media_uri = first_uri(master.body);
    if (!plain_relative(media_uri)) throw Broken("index.m3u8 names no relative media playlist:\n" + master.body);
    media_target = dvr_base + media_uri;
    const auto w0 = Clock::now();
    std::size_t last = 0;
    auto stable_since = Clock::now();
    for (;;) {
      check_signal();
      const HttpResponse a = plain.get(media_target);
      segs.clear();
      if (a.status == 200) {
        media_text = a.body;
        for (const auto& u : uris(a.body))
          if (u.find(".m4s") != std::string::npos || u.find(".ts") != std::string::npos) segs.push_back(u);
      }
      if (segs.size() != last) {
        last = segs.size();
        stable_since = Clock::now();
      }
      if (segs.size() >= 3 && ms_between(stable_since, Clock::now()) > 1000) break;
      if (ms_between(w0, Clock::now()) > 15000)
        throw d.broken("listed " + std::to_string(segs.size()) + " segments (3 or more wanted) in " + media_target +
                       " within 15 s of the push's end; last answer '" + a.status_line + "':\n" + a.body);
      bvbench::nap(std::chrono::milliseconds(200));
    }
    const HttpResponse again = plain.get(media_target);
    if (again.body != media_text) throw Broken("the ended DVR live's media playlist changed between two reads");
  }
  const std::string segment_uri = segs.at(1);
  if (!plain_relative(segment_uri)) throw Broken("the media playlist names a segment URI this bench does not take: " + segment_uri);
  const std::string segment_path = find_under(d.state_dir(), segment_uri);
  if (segment_path.empty()) throw Broken("no file " + segment_uri + " under the daemon's state dir " + d.state_dir());
  const std::size_t segment_bytes = static_cast<std::size_t>(std::filesystem::file_size(segment_path));
  std::printf("[capacity] dvr live %s pushed for %d s of 640x360 at 2.5 Mb/s (%.1f s), then ended: %zu segments; "
              "segment %s %zu bytes; media playlist %s %zu bytes\n",
              dvr.c_str(), o.push_seconds, push_s, segs.size(), segment_uri.c_str(), segment_bytes, media_target.c_str(),
              media_text.size());

  bvbench::NginxStaticConf sc;
  sc.dir = dir + "/nginx-static";
  sc.root = sc.dir + "/root";
  sc.http_port = bvbench::free_port();
  sc.comment = "bench_edge: nginx serving the same files over plain HTTP";
  {
    const std::string seg_copy = sc.root + dvr_base + segment_uri;
    std::filesystem::create_directories(std::filesystem::path(seg_copy).parent_path());
    std::filesystem::copy_file(segment_path, seg_copy, std::filesystem::copy_options::overwrite_existing);
    std::ofstream(sc.root + media_target, std::ios::binary) << media_text;
  }
  std::vector<CapacityCase> capacity;
  {
    bvbench::NginxServer stat(nginx_bin, sc.dir, bvbench::nginx_static_conf(sc));
    HttpConnection probe(sc.http_port, "nginx");
    stat.wait_serving(
        [&] {
          probe.reset();
          const HttpResponse r = probe.get(media_target);
          return std::pair(r.status, r.status_line);
        },
        "GET " + media_target);
    // Both serve the same bytes.
    const std::string seg_bytes = bvbench::read_file(segment_path);
    for (int server = 0; server < 2; ++server) {
      HttpConnection c(server == 0 ? origin_port : sc.http_port, server == 0 ? "bvlived" : "nginx");
      const HttpResponse s = c.get(dvr_base + segment_uri), m = c.get(media_target);
      if (s.status != 200 || s.body != seg_bytes)
        throw Broken(std::string(server == 0 ? "bvlived" : "nginx") + ": GET " + segment_uri + " gave '" + s.status_line +
                     "' and " + std::to_string(s.body.size()) + " bytes, not the file's " + std::to_string(seg_bytes.size()));
      if (m.status != 200 || m.body != media_text)
        throw Broken(std::string(server == 0 ? "bvlived" : "nginx") + ": GET " + media_target + " gave '" + m.status_line +
                     "', not the playlist's bytes");
    }
    std::printf("[nginx] static copies on http port %d (pids", sc.http_port);
    for (pid_t p : stat.pids()) std::printf(" %d", p);
    std::printf(")\n");
    struct File {
      std::string label, target;
      std::size_t bytes;
    };
    const std::vector<File> files{
        {"segment " + fmt(static_cast<double>(segment_bytes) / 1000, 0) + " KB", dvr_base + segment_uri, segment_bytes},
        {"media playlist " + std::to_string(media_text.size()) + " B", media_target, media_text.size()}};
    for (const File& f : files)
      for (int n : o.connections) {
        CapacityCase c;
        c.label = f.label + ", " + std::to_string(n) + " keep-alive";
        std::printf("  %s\n", c.label.c_str());
        std::fflush(stdout);
        Load l{"bvlived", origin_port, f.target, f.bytes, n, {d.pid()}};
        c.b = run_load(l, o.warmup_ms, o.capacity_seconds);
        print_load(c.b);
        if (!d.running()) throw d.broken("died during the requests");
        l = Load{"nginx", sc.http_port, f.target, f.bytes, n, stat.pids()};
        c.n = run_load(l, o.warmup_ms, o.capacity_seconds);
        print_load(c.n);
        if (!stat.running()) throw stat.broken("died during the requests");
        capacity.push_back(std::move(c));
      }
    stat.stop();
  }

  // ------------------------------------------------ 2. the edge and the lives
  const int edge_port = bvbench::free_port();
  const std::string edge_dir = dir + "/edge";
  std::filesystem::create_directories(edge_dir + "/cache");
  const std::string site =
      d.cli_ok({"edge-config", "--origin", "http://127.0.0.1:" + std::to_string(origin_port), "--listen",
                "127.0.0.1:" + std::to_string(edge_port), "--cache-dir", edge_dir + "/cache/media"});
  std::ofstream(edge_dir + "/bvlive-edge.conf") << site;
  std::string edge_conf;
  {
    std::ostringstream c;
    bvbench::nginx_main_conf(c, edge_dir, "bench_edge: the edge made by `bvlive edge-config`", 16384);
    bvbench::nginx_http_conf(c, edge_dir);
    c << "  include " << edge_dir << "/bvlive-edge.conf;\n}\n";
    edge_conf = c.str();
  }
  bvbench::NginxServer edge(nginx_bin, edge_dir, edge_conf);
  HttpConnection edge_probe(edge_port, "the edge");
  edge.wait_serving(
      [&] {
        edge_probe.reset();
        const HttpResponse r = edge_probe.get("/healthz");
        return std::pair(r.status, r.status_line);
      },
      "GET /healthz");
  std::printf("\n[edge] nginx on port %d (master, worker, cache manager and loader: pids", edge_port);
  for (pid_t p : edge.pids()) std::printf(" %d", p);
  std::printf("), `bvlive edge-config` %zu bytes\n", site.size());

  auto push = [&](bvbench::Child& enc, const std::string& live) {
    enc.start({ffmpeg, "-hide_banner", "-nostats", "-loglevel", "warning", "-nostdin", "-re", "-f", "lavfi", "-i",
               "testsrc2=size=320x180:rate=25", "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000", "-c:v",
               "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25", "-keyint_min", "25", "-pix_fmt",
               "yuv420p", "-c:a", "aac", "-b:a", "64k", "-f", "flv", rtmp_url(d, live)});
  };
  const std::string standard = d.start_live({"--name", "bench edge standard"});
  const std::string ull = d.start_live({"--name", "bench edge ull", "--ull"});
  bvbench::Child enc_standard("ffmpeg (standard)", dir + "/ffmpeg-standard.log");
  bvbench::Child enc_ull("ffmpeg (ull)", dir + "/ffmpeg-ull.log");
  push(enc_standard, standard);
  push(enc_ull, ull);
  await_media(d, enc_standard, standard, false);
  await_media(d, enc_ull, ull, true);
  bvbench::nap(std::chrono::seconds(3));  // a few segments, a steady push
  std::printf("[lives] standard %s and --ull %s pushed by ffmpeg (320x180 25 fps, 1 s GOP)\n", standard.c_str(), ull.c_str());
  const std::map<std::string, std::string> targets{{"standard", "/live/" + standard + "/index.m3u8"},
                                                    {"ull", "/live/" + ull + "/index.m3u8"}};
  for (const auto& [kind, target] : targets) {
    const std::string line = status_line(edge_port, target);
    if (line.size() < 12 || std::atoi(line.c_str() + 9) != 200)
      throw edge.broken("answered '" + line + "' to GET " + target);
  }

  // ------------------------------------------------ 3. LL-HLS latency
  std::printf("\n== 2. LL-HLS part latency: %d viewers direct and %d through the edge, %d s\n", o.latency_viewers,
              o.latency_viewers, o.latency_seconds);
  std::fflush(stdout);
  const LatencyFigures lat = measure_latency(o, origin_port, edge_port, targets.at("ull"));
  std::printf("    direct: %s\n    edge:   %s\n", lat.direct_totals.describe().c_str(), lat.edge_totals.describe().c_str());
  std::printf("    %zu parts after the first 3 s; viewers playing parts: %zu direct, %zu edge\n", lat.parts, lat.direct_ll,
              lat.edge_ll);
  std::printf("    after the earliest direct viewer (ms): direct p50 %.1f p95 %.1f p99 %.1f (n %zu); edge p50 %.1f p95 "
              "%.1f p99 %.1f (n %zu)\n",
              lat.direct.p50, lat.direct.p95, lat.direct.p99, lat.direct.n, lat.edge.p50, lat.edge.p95, lat.edge.p99,
              lat.edge.n);
  std::printf("    the first edge viewer of each part: p50 %.1f p95 %.1f p99 %.1f (n %zu)\n", lat.edge_first.p50,
              lat.edge_first.p95, lat.edge_first.p99, lat.edge_first.n);
  std::fflush(stdout);
  if (!d.running()) throw d.broken("died during the latency run");
  if (!edge.running()) throw edge.broken("died during the latency run");

  // ------------------------------------------------ 4. origin CPU
  std::printf("\n== 3. origin CPU with viewers, direct and through the edge\n");
  std::fflush(stdout);
  const auto b0 = Clock::now();
  const std::int64_t bo0 = bvbench::stat_cpu_ns(d.pid());
  const auto be0 = cpu_by_pid(edge.pids());
  bvbench::nap(std::chrono::seconds(o.baseline_seconds));
  const double bs = ms_between(b0, Clock::now()) / 1000;
  const double baseline = static_cast<double>(bvbench::stat_cpu_ns(d.pid()) - bo0) / 1e7 / bs;
  const double edge_idle = static_cast<double>(cpu_delta(be0, cpu_by_pid(edge.pids()))) / 1e7 / bs;
  std::printf("    no viewers (the two pushes' ingest): origin %.1f%%, edge %.1f%% of a core over %.1f s\n", baseline,
              edge_idle, bs);
  std::vector<CpuRun> cpu;
  for (const auto& kind : o.lives)
    for (int n : o.counts)
      for (int e = 0; e < 2; ++e) {
        cpu.push_back(measure_cpu(o, kind, targets.at(kind), n, e == 1, e == 1 ? edge_port : origin_port, d.pid(),
                                  edge.pids()));
        if (!d.running()) throw d.broken("died during the viewers");
        if (!edge.running()) throw edge.broken("died during the viewers");
        if (!enc_standard.running()) throw enc_standard.broken("stopped pushing");
        if (!enc_ull.running()) throw enc_ull.broken("stopped pushing");
      }

  enc_standard.stop();
  enc_ull.stop();
  const std::string edge_stop = edge.stop();
  const std::string stop = d.stop();
  std::printf("\n[stop] bvlived %s, edge %s\n\n", stop.c_str(), edge_stop.c_str());
  if (stop != "exited 0") throw d.broken("did not stop cleanly on SIGTERM (" + stop + ")");

  // ------------------------------------------------ figures
  std::printf("Figures (same run)\n\n");
  std::printf("LL-HLS part latency, ms after the first direct viewer received the part (%d + %d viewers, %d s, %zu parts)\n",
              o.latency_viewers, o.latency_viewers, o.latency_seconds, lat.parts);
  std::printf("| %-10s | %10s | %10s | %16s | %24s |\n", "percentile", "direct", "edge", "edge - direct",
              "first edge viewer of a part");
  std::printf("|%s|%s|%s|%s|%s|\n", std::string(12, '-').c_str(), std::string(12, '-').c_str(), std::string(12, '-').c_str(),
              std::string(18, '-').c_str(), std::string(26, '-').c_str());
  const std::pair<const char*, std::vector<double>> pcts[] = {
      {"p50", {lat.direct.p50, lat.edge.p50, lat.edge_first.p50}},
      {"p95", {lat.direct.p95, lat.edge.p95, lat.edge_first.p95}},
      {"p99", {lat.direct.p99, lat.edge.p99, lat.edge_first.p99}}};
  for (const auto& [name, v] : pcts)
    std::printf("| %-10s | %10s | %10s | %16s | %24s |\n", name, fmt(v[0], 1).c_str(), fmt(v[1], 1).c_str(),
                fmt(v[1] - v[0], 1).c_str(), fmt(v[2], 1).c_str());

  std::printf("\nOrigin CPU, %% of one core (no viewers: %.1f%%, the two pushes); edge = nginx's processes; "
              "ratio = origin through the edge / origin direct\n",
              baseline);
  std::printf("| %-8s | %7s | %13s | %13s | %11s | %13s | %16s | %17s | %17s |\n", "live", "viewers", "origin direct",
              "origin w/ edge", "edge", "ratio", "viewer req/s d/e", "viewers' loop d/e", "viewer errors d/e");
  std::printf("|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n", std::string(10, '-').c_str(), std::string(9, '-').c_str(),
              std::string(15, '-').c_str(), std::string(16, '-').c_str(), std::string(13, '-').c_str(),
              std::string(15, '-').c_str(), std::string(18, '-').c_str(), std::string(19, '-').c_str(),
              std::string(19, '-').c_str());
  for (std::size_t i = 0; i + 1 < cpu.size(); i += 2) {
    const CpuRun &dr = cpu[i], &er = cpu[i + 1];
    std::printf("| %-8s | %7d | %12.1f%% | %13.1f%% | %10.1f%% | %13s | %16s | %17s | %17s |\n", dr.live.c_str(), dr.viewers,
                dr.origin_pct, er.origin_pct, er.edge_pct, ratio(er.origin_pct, dr.origin_pct).c_str(),
                (fmt(dr.totals.requests_per_second, 0) + " / " + fmt(er.totals.requests_per_second, 0)).c_str(),
                (fmt(dr.client_pct, 0) + "% / " + fmt(er.client_pct, 0) + "%").c_str(),
                (std::to_string(dr.totals.errors) + " / " + std::to_string(er.totals.errors)).c_str());
  }

  std::printf("\nCapacity, plain HTTP, one worker each (ratio = bvlived / nginx: above 1 = more requests/s, or more "
              "CPU per request)\n");
  std::printf("| %-42s | %17s | %17s | %13s |\n", "case: figure", "bvlived", "nginx", "bvlived/nginx");
  std::printf("|%s|%s|%s|%s|\n", std::string(44, '-').c_str(), std::string(19, '-').c_str(), std::string(19, '-').c_str(),
              std::string(15, '-').c_str());
  for (const CapacityCase& c : capacity) {
    std::printf("| %-42s | %17s | %17s | %13s |\n", (c.label + ": req/s").c_str(), thousands(c.b.per_s).c_str(),
                thousands(c.n.per_s).c_str(), ratio(c.b.per_s, c.n.per_s).c_str());
    std::printf("| %-42s | %17s | %17s | %13s |\n", "  server CPU ms per 1000 requests", fmt(c.b.cpu_per_1000, 1).c_str(),
                fmt(c.n.cpu_per_1000, 1).c_str(), ratio(c.b.cpu_per_1000, c.n.cpu_per_1000).c_str());
    std::printf("| %-42s | %17s | %17s | %13s |\n", "  latency p50 / p99 (ms)",
                (fmt(c.b.latency.p50, 2) + " / " + fmt(c.b.latency.p99, 2)).c_str(),
                (fmt(c.n.latency.p50, 2) + " / " + fmt(c.n.latency.p99, 2)).c_str(), "-");
    std::printf("| %-42s | %17s | %17s | %13s |\n", "  busy: server / client (% of a core)",
                (fmt(c.b.server_busy * 100, 0) + " / " + fmt(c.b.client_busy * 100, 0)).c_str(),
                (fmt(c.n.server_busy * 100, 0) + " / " + fmt(c.n.client_busy * 100, 0)).c_str(), "-");
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
