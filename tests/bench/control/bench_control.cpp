// bench_control: the control path, measured against the targets in docs/ARCHITECTURE.md#benchmarks.
//
// Starts a real bvlived in a fresh mkdtemp directory (its control socket there, its HTTP
// API on a free loopback port, the media listeners on free loopback ports; bvbench::Daemon),
// then measures:
//   1. `bvlive show ID` as a whole process (fork/exec/wait), N times;
//   2. a raw JSON-RPC `live.get`, on one persistent connection and as connect+call+close,
//      and the HTTP API's GET /bv/cms/v1/lives/{id} on one keep-alive connection and with a
//      new TCP connection per request (the benches' small HTTP/1.1 client, no libcurl);
//   3. live.create throughput while filling the store with LIVES lives (default 10,000);
//   4. `live.list` (raw RPC, whole reply read and parsed) and `bvlive list` (whole process,
//      stdout to /dev/null) over those lives, and one page of 100 of them over the socket
//      (live.list {page_size: 100}) and over HTTP (GET /bv/cms/v1/lives?page_size=100);
//   5. the daemon's VmRSS right after start (0 lives) and after the fill;
//   6. live.create over the socket and POST /bv/cms/v1/lives over HTTP, in alternating
//      blocks of 100 on one connection each, so that both rates see the same disk and load;
// and prints a summary table against those targets, then one of the HTTP API's figures
// beside the socket's (ratio = HTTP / socket).
//
// The API key is made over the control socket (apikey.create, what `bvlive apikey create`
// calls), scope admin; the config file lifts the per-key rate limit ([api] rate_limit and
// rate_burst) so that the benchmark measures the daemon, not its throttle.
//
// Benchmarks report, they never fail on timing: exit 0 even when a target is missed,
// 1 only when something broke (the daemon did not start, a call failed), 2 on bad usage.
//
// Run: share/scripts/bench.sh [--quick] [--lives N] [--iterations N] ...
#include <sys/types.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "../common/bench_files.hpp"
#include "../common/bench_http.hpp"
#include "../common/bench_options.hpp"
#include "../common/bench_process.hpp"
#include "../common/bench_report.hpp"
#include "../common/bench_run.hpp"
#include "rpc/jsonrpc.hpp"

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------- options

struct Options : bvbench::RunOptions {
  int show_runs = 300;      // `bvlive show` process round trips
  int rpc_runs = 5000;      // raw live.get calls (each mode)
  int lives = 10000;        // lives in the store for the list figures
  int list_runs = 20;       // live.list / `bvlive list` runs
  int page_runs = 200;      // one page of 100 lives, socket and HTTP (each)
  int http_creates = 2000;  // creates over HTTP in [6], and as many over the socket beside them
  int warmup = 10;          // untimed runs before each timed series
};

void print_help() {
  std::cout <<
      "usage: bench_control [options]\n"
      "  --quick             smoke run: 30 show runs, 500 RPC and HTTP calls, 1,000 lives, 5 list\n"
      "                      runs, 50 page runs, 200 HTTP creates\n"
      "  --lives N           lives created for the list figures (default 10000)\n"
      "  --iterations N      `bvlive show` round trips (default 300); raw RPC calls follow\n"
      "                      at N x 50/3 (default 5000) unless --rpc-iterations is given\n"
      "  --rpc-iterations N  raw live.get calls per mode, and as many HTTP GETs per mode (default 5000)\n"
      "  --list-runs N       live.list / `bvlive list` runs (default 20)\n"
      "  --page-runs N       one page of 100 lives, over the socket and over HTTP (default 200)\n"
      "  --http-creates N    lives created over HTTP, beside as many over the socket (default 2000)\n"
      "  --dir DIR           make the temporary work directory under DIR (default $TMPDIR or /tmp);\n"
      "                      the creation throughput depends on its filesystem's fsync\n"
      "  --bvlived PATH      daemon binary (default: the one built with this benchmark)\n"
      "  --bvlive PATH       CLI binary (default: the one built with this benchmark)\n"
      "  --keep              keep the work directory (database, socket) afterwards\n"
      "Exit status: 0 figures printed (targets missed or not), 1 something broke, 2 usage.\n";
}

Options parse_args(int argc, char** argv) {
  Options o;
  std::optional<int> iterations, rpc_iterations;  // the one sets the other's default
  constexpr long kMax = 100000000;
  bvbench::OptionTable("bench_control", print_help)
      .preset("--quick",
              [&] {
                o.show_runs = 30;
                o.rpc_runs = 500;
                o.lives = 1000;
                o.list_runs = 5;
                o.page_runs = 50;
                o.http_creates = 200;
                o.warmup = 3;
              })
      .number("--lives", o.lives, kMax)
      .number("--iterations", iterations, kMax)
      .number("--rpc-iterations", rpc_iterations, kMax)
      .number("--list-runs", o.list_runs, kMax)
      .number("--page-runs", o.page_runs, kMax)
      .number("--http-creates", o.http_creates, kMax)
      .run_options(o)
      .parse(argc, argv);
  if (iterations) {
    o.show_runs = *iterations;
    o.rpc_runs = std::max(1, static_cast<int>(std::lround(*iterations * 50.0 / 3.0)));
  }
  if (rpc_iterations) o.rpc_runs = *rpc_iterations;
  return o;
}

// ---------------------------------------------------------------- failures

using bvbench::Broken;
using bvbench::check_signal;
using bvbench::RpcConnection;

// ---------------------------------------------------------------- statistics

double elapsed_us(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::micro>(b - a).count();
}

struct Stats {
  std::size_t n = 0;
  double median = 0, p95 = 0, p99 = 0, min = 0, max = 0, mean = 0;
};

// Nearest-rank percentile on sorted samples (p99 of 20 samples is the max).
double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  std::size_t rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

Stats stats_of(std::vector<double> v) {
  Stats s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.n = v.size();
  s.min = v.front();
  s.max = v.back();
  s.p95 = percentile(v, 95);
  s.p99 = percentile(v, 99);
  const std::size_t m = v.size() / 2;
  s.median = v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
  double sum = 0;
  for (double x : v) sum += x;
  s.mean = sum / static_cast<double>(v.size());
  return s;
}

std::string fmt(double v, int prec) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", prec, v);
  return buf;
}

// Microsecond samples printed in ms.
void print_ms(const std::string& label, const Stats& s) {
  std::printf("  %-44s n=%-6zu median %8.3f ms  p99 %8.3f ms  min %8.3f ms  max %8.3f ms\n",
              label.c_str(), s.n, s.median / 1000, s.p99 / 1000, s.min / 1000, s.max / 1000);
}

// Microsecond samples printed in us.
void print_us(const std::string& label, const Stats& s) {
  std::printf("  %-44s n=%-6zu median %8.1f us  p99 %8.1f us  min %8.1f us  max %8.1f us\n",
              label.c_str(), s.n, s.median, s.p99, s.min, s.max);
}

std::string with_commas(long long v) {
  const std::string digits = std::to_string(v < 0 ? -v : v);
  std::string out = v < 0 ? "-" : "";
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// ---------------------------------------------------------------- HTTP/1.1 client

// The API's client: bvbench::HttpConnection (one request at a time, written with one send(),
// the reply's body read by Content-Length, keep-alive unless the request or the reply says
// `Connection: close`; a closed connection is reopened by the next request; TCP_NODELAY, so
// that a delay seen here is the server's), with the API's key and JSON bodies.
class HttpClient {
 public:
  HttpClient(int port, std::string key) : conn_(port, "the API"), port_(port), key_(std::move(key)) {}

  bvbench::HttpResponse request(const char* method, const std::string& target, const std::string& body = {},
                                bool close = false) {
    std::string req;
    req.reserve(256 + body.size());
    req.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1:");
    req.append(std::to_string(port_)).append("\r\nAuthorization: Bearer ").append(key_);
    req.append("\r\nAccept: application/json\r\n");
    if (!body.empty() || std::strcmp(method, "POST") == 0 || std::strcmp(method, "PATCH") == 0) {
      req.append("Content-Type: application/json\r\nContent-Length: ").append(std::to_string(body.size())).append("\r\n");
    }
    if (close) req.append("Connection: close\r\n");
    req.append("\r\n").append(body);
    bvbench::HttpResponse reply = conn_.exchange(req);
    if (close) conn_.reset();
    return reply;
  }

  // A JSON reply of status 2xx, parsed; anything else is Broken.
  json call(const char* method, const std::string& target, const std::string& body = {}, bool close = false) {
    const bvbench::HttpResponse r = request(method, target, body, close);
    json j = json::parse(r.body, nullptr, false);
    if (r.status / 100 != 2 || j.is_discarded() || !j.is_object())
      throw Broken(std::string(method) + " " + target + ": status " + std::to_string(r.status) + ", body " +
                   r.body.substr(0, 300));
    return j;
  }

  int connects() const { return conn_.connects(); }

 private:
  bvbench::HttpConnection conn_;
  int port_;
  std::string key_;
};

// ---------------------------------------------------------------- processes

// Runs argv to completion (stdout to /dev/null, stderr the benchmark's) and returns its wall
// time in us; a non-zero exit is Broken.
double run_timed(const std::vector<std::string>& argv) {
  auto t0 = Clock::now();
  const int rc = bvbench::reap(bvbench::spawn(argv, "", "-"));
  auto t1 = Clock::now();
  if (rc != 0) {
    std::string cmd;
    for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
    throw Broken("`" + cmd + "` exited " + std::to_string(rc));
  }
  return elapsed_us(t0, t1);
}

// ---------------------------------------------------------------- machine facts

using bvbench::loadavg;

// ---------------------------------------------------------------- benchmarks

// Ctrl-C is seen between two runs: the children ignore it, and the Broken it becomes unwinds
// the stack, whose destructors stop them.
template <typename F>
std::vector<double> series(int warmup, int runs, F&& one) {
  for (int i = 0; i < warmup; ++i) {
    check_signal();
    one();
  }
  std::vector<double> v;
  v.reserve(static_cast<std::size_t>(runs));
  for (int i = 0; i < runs; ++i) {
    check_signal();
    v.push_back(one());
  }
  return v;
}

// The same, with the wall time of the timed runs (for requests per second).
struct Timed {
  Stats stats;
  double per_s = 0;
};

template <typename F>
Timed timed_series(int warmup, int runs, F&& one) {
  for (int i = 0; i < warmup; ++i) {
    check_signal();
    one();
  }
  std::vector<double> v;
  v.reserve(static_cast<std::size_t>(runs));
  const auto t0 = Clock::now();
  for (int i = 0; i < runs; ++i) {
    if (i % 64 == 0) check_signal();  // a rate: not one check per request
    v.push_back(one());
  }
  const double wall_s = elapsed_us(t0, Clock::now()) / 1e6;
  Timed t;
  t.stats = stats_of(std::move(v));
  t.per_s = wall_s > 0 ? runs / wall_s : 0;
  return t;
}

// "p50 / p95 / p99 us, N req/s" for the HTTP section.
void print_timed_us(const std::string& label, const Timed& t) {
  std::printf("  %-44s n=%-6zu p50 %8.1f us  p95 %8.1f us  p99 %8.1f us  max %8.1f us  %7.0f req/s\n",
              label.c_str(), t.stats.n, t.stats.median, t.stats.p95, t.stats.p99, t.stats.max, t.per_s);
}

json create_body(int n) {
  return {{"live", {{"name", "bench " + std::to_string(n)}, {"custom_id", "bench-" + std::to_string(n)}}}};
}

struct Row {
  std::string what, measured, target;
  double ratio;  // < 0: no target
};

// A row of the HTTP-beside-socket table.
struct PairRow {
  std::string what;
  double socket, http;
  int prec;
  std::string unit;
};

int run(const Options& o) {
  bvbench::scrub_environment();
  const bvbench::WorkDir work(o.base_dir, "bench_control", o.keep);
  const std::string& dir = work.path();

  std::printf("bench_control: bvlive control path (docs/ARCHITECTURE.md#benchmarks)\n");
  bvbench::print_machine(dir, {{"bvlived", o.bvlived}, {"bvlive", o.bvlive}});
  std::printf("  runs: show %d, raw rpc %d per mode, lives %s, list %d (+%d warm-up each)\n",
              o.show_runs, o.rpc_runs, with_commas(o.lives).c_str(), o.list_runs, o.warmup);
  std::printf("        HTTP GET %d per mode, page of 100 %d (socket and HTTP), creates %s over HTTP\n"
              "        beside as many over the socket\n\n",
              o.rpc_runs, o.page_runs, with_commas(o.http_creates).c_str());
  std::fflush(stdout);

  // Embedded defaults, whatever /etc/bvlive holds on this host, except the API's per-key
  // rate limit (20/s, burst 100 by default), which would throttle the HTTP figures.
  bvbench::Daemon d(o.bvlived, o.bvlive, dir, "# bench_control: embedded defaults but the API's rate limit\n"
                                              "[api]\nrate_limit = 1000000\nrate_burst = 1000000\n");
  d.start();
  const pid_t dpid = d.pid();
  std::printf("[start] bvlived pid %d answered daemon.status %.1f ms after fork\n", dpid, d.ready_ms());

  // 5a. Idle RSS, 0 lives: measured right after it answers.
  const long rss_idle = bvbench::status_kb(dpid, "VmRSS:");
  const long hwm_idle = bvbench::status_kb(dpid, "VmHWM:");
  if (rss_idle <= 0) throw Broken("cannot read VmRSS of bvlived");
  std::printf("[rss] idle, 0 lives: VmRSS %ld KiB = %.1f MB (VmHWM %ld KiB)\n\n", rss_idle,
              rss_idle * 1024.0 / 1e6, hwm_idle);
  std::fflush(stdout);

  RpcConnection conn(d.socket());
  const json probe = conn.call("live.create", create_body(0));
  const std::string probe_id = probe.at("live").at("id").get<std::string>();

  // The HTTP API: its port from daemon.status, a key from apikey.create (what
  // `bvlive apikey create --name bench --scope admin` calls).
  const json api_port_j = conn.call("daemon.status", json::object()).value("listeners", json::object()).value("api", json());
  if (!api_port_j.is_number_integer() || api_port_j.get<int>() <= 0)
    throw Broken("bvlived has no HTTP API listener (daemon.status: listeners.api is " + api_port_j.dump() + ")");
  const int api_port = api_port_j.get<int>();
  const std::string api_key =
      conn.call("apikey.create", {{"name", "bench"}, {"scope", "admin"}}).at("apikey").at("key").get<std::string>();
  std::printf("[api] HTTP API on 127.0.0.1:%d; key 'bench' (scope admin) made with apikey.create over the socket\n\n",
              api_port);

  // 2. `bvlive show ID`, whole process.
  std::printf("[1] `bvlive show ID` as a process (fork, exec, connect, live.get, print, exit)\n");
  const std::vector<std::string> show_argv = {o.bvlive, "--socket", d.socket(), "show", probe_id};
  const Stats show = stats_of(series(o.warmup, o.show_runs, [&] { return run_timed(show_argv); }));
  print_ms("bvlive show ID", show);
  // The same process without the RPC: what exec, dynamic linking and CLI11 cost alone.
  const Stats version = stats_of(series(o.warmup, std::min(o.show_runs, 100),
                                        [&] { return run_timed({o.bvlive, "--version"}); }));
  print_ms("  baseline: bvlive --version (no socket)", version);
  const Stats truep = stats_of(series(o.warmup, std::min(o.show_runs, 100),
                                      [&] { return run_timed({"/bin/true"}); }));
  print_ms("  baseline: /bin/true (fork+exec+wait)", truep);
  std::printf("\n");
  std::fflush(stdout);

  // 3. Raw live.get.
  std::printf("[2] raw JSON-RPC live.get {\"id\"} (request written, reply line read and parsed)\n");
  const json get_params = {{"id", probe_id}};
  const Timed get_persistent_t = timed_series(o.warmup * 10, o.rpc_runs, [&] {
    auto t0 = Clock::now();
    json r = conn.call("live.get", get_params);
    auto t1 = Clock::now();
    if (!r.contains("live")) throw Broken("live.get: no live in the result");
    return elapsed_us(t0, t1);
  });
  const Stats& get_persistent = get_persistent_t.stats;
  print_us("live.get, one persistent connection", get_persistent);
  const Timed get_fresh_t = timed_series(o.warmup * 10, o.rpc_runs, [&] {
    auto t0 = Clock::now();
    {
      RpcConnection c(d.socket());
      json r = c.call("live.get", get_params);
      if (!r.contains("live")) throw Broken("live.get: no live in the result");
    }
    return elapsed_us(t0, Clock::now());
  });
  const Stats& get_fresh = get_fresh_t.stats;
  print_us("live.get, connect + call + close", get_fresh);
  std::printf("\n");
  std::fflush(stdout);

  // 2h. The same over the HTTP API.
  std::printf("[2h] HTTP API GET /bv/cms/v1/lives/{id} on loopback TCP (request written, reply head\n"
              "     and Content-Length body read, body parsed)\n");
  const std::string get_target = "/bv/cms/v1/lives/" + probe_id;
  HttpClient keep(api_port, api_key);
  const Timed http_get_keep = timed_series(o.warmup * 10, o.rpc_runs, [&] {
    auto t0 = Clock::now();
    json r = keep.call("GET", get_target);
    auto t1 = Clock::now();
    if (!r.contains("live")) throw Broken("GET " + get_target + ": no live in the reply");
    return elapsed_us(t0, t1);
  });
  print_timed_us("GET, one keep-alive connection", http_get_keep);
  if (keep.connects() != 1)
    std::printf("  NOTE: the keep-alive client had to connect %d times (the server closed the connection)\n",
                keep.connects());
  HttpClient fresh(api_port, api_key);
  const Timed http_get_fresh = timed_series(o.warmup * 10, o.rpc_runs, [&] {
    auto t0 = Clock::now();
    json r = fresh.call("GET", get_target, {}, true);  // Connection: close; connect, request, close
    auto t1 = Clock::now();
    if (!r.contains("live")) throw Broken("GET " + get_target + ": no live in the reply");
    return elapsed_us(t0, t1);
  });
  print_timed_us("GET, connect + request + close", http_get_fresh);
  print_timed_us("  socket: live.get, one persistent connection", get_persistent_t);
  print_timed_us("  socket: live.get, connect + call + close", get_fresh_t);
  if (http_get_keep.stats.median > 30000)
    std::printf("  NOTE: keep-alive GETs take ~%.0f ms: the size of a Nagle / delayed-ACK stall\n"
                "        (is TCP_NODELAY set on the API's accepted sockets?)\n",
                http_get_keep.stats.median / 1000);
  std::printf("\n");
  std::fflush(stdout);

  // 4. Fill the store.
  std::printf("[3] live.create x %s over one persistent connection (body {name, custom_id};\n"
              "    each create commits several SQLite transactions, synchronous=FULL by default)\n",
              with_commas(o.lives - 1).c_str());
  std::fflush(stdout);
  std::vector<double> create_us;
  create_us.reserve(static_cast<std::size_t>(o.lives));
  const auto fill0 = Clock::now();
  auto last_report = fill0;
  for (int i = 1; i < o.lives; ++i) {
    check_signal();
    auto t0 = Clock::now();
    conn.call("live.create", create_body(i));
    auto t1 = Clock::now();
    create_us.push_back(elapsed_us(t0, t1));
    if (elapsed_us(last_report, t1) > 10e6) {
      std::printf("    ... %s created, %.0f lives/s so far\n", with_commas(i).c_str(),
                  i / (elapsed_us(fill0, t1) / 1e6));
      std::fflush(stdout);
      last_report = t1;
    }
  }
  const double fill_s = elapsed_us(fill0, Clock::now()) / 1e6;
  const double create_rate = create_us.empty() ? 0 : static_cast<double>(create_us.size()) / fill_s;
  const Stats create = stats_of(create_us);
  std::printf("  %s lives in %.2f s: %.0f lives/s\n", with_commas(static_cast<long long>(create_us.size())).c_str(),
              fill_s, create_rate);
  print_ms("live.create latency", create);
  const json status = conn.call("daemon.status", json::object());
  const long long total = status.value("lives_total", -1LL);
  if (total != o.lives)
    throw Broken("daemon.status says lives_total " + std::to_string(total) + ", expected " + std::to_string(o.lives));
  std::printf("\n");
  std::fflush(stdout);

  // 4b. live.list, raw.
  std::printf("[4] listing %s lives\n", with_commas(o.lives).c_str());
  std::vector<double> ttfb_us, read_us, parse_us;
  std::size_t reply_bytes = 0;
  const Stats list_raw = stats_of(series(std::min(o.warmup, 3), o.list_runs, [&] {
    auto t0 = Clock::now();
    conn.send_all(bvlive::make_request_line(conn.next_id(), "live.list", json::object()));
    Clock::time_point tf;
    std::string line = conn.read_line(&tf);
    auto t1 = Clock::now();
    json r = RpcConnection::result_of("live.list", line);
    auto t2 = Clock::now();
    const auto it = r.find("lives");
    if (it == r.end() || !it->is_array() || it->size() != static_cast<std::size_t>(o.lives))
      throw Broken("live.list: expected " + std::to_string(o.lives) + " lives");
    reply_bytes = line.size() + 1;
    ttfb_us.push_back(elapsed_us(t0, tf));
    read_us.push_back(elapsed_us(tf, t1));
    parse_us.push_back(elapsed_us(t1, t2));
    return elapsed_us(t0, t2);
  }));
  // The breakdown series include the warm-up runs; drop them.
  const auto tail = [&](std::vector<double> v) {
    if (v.size() > static_cast<std::size_t>(o.list_runs))
      v.erase(v.begin(), v.end() - o.list_runs);
    return stats_of(v);
  };
  print_ms("live.list (raw RPC, read + parsed)", list_raw);
  print_ms("  until the first reply byte (daemon work)", tail(ttfb_us));
  print_ms("  first byte to last byte (transfer)", tail(read_us));
  print_ms("  json::parse in the client", tail(parse_us));
  std::printf("  reply: %s bytes (%.0f bytes/live)\n", with_commas(static_cast<long long>(reply_bytes)).c_str(),
              static_cast<double>(reply_bytes) / o.lives);

  const std::vector<std::string> list_argv = {o.bvlive, "--socket", d.socket(), "list"};
  const Stats list_cli = stats_of(series(std::min(o.warmup, 3), o.list_runs, [&] { return run_timed(list_argv); }));
  print_ms("bvlive list (process, stdout /dev/null)", list_cli);
  const std::vector<std::string> list_json_argv = {o.bvlive, "--socket", d.socket(), "list", "--json"};
  const Stats list_cli_json = stats_of(series(std::min(o.warmup, 3), o.list_runs, [&] { return run_timed(list_json_argv); }));
  print_ms("  bvlive list --json (no table)", list_cli_json);

  // One page of 100 (the first), over the socket and over HTTP.
  const std::size_t page_len = static_cast<std::size_t>(std::min(100, o.lives));
  const auto check_page = [&](const json& r, const std::string& what) {
    const auto it = r.find("lives");
    if (it == r.end() || !it->is_array() || it->size() != page_len)
      throw Broken(what + ": expected a page of " + std::to_string(page_len) + " lives");
  };
  const json page_params = {{"page_size", 100}};
  const Timed page_socket = timed_series(o.warmup, o.page_runs, [&] {
    auto t0 = Clock::now();
    json r = conn.call("live.list", page_params);
    auto t1 = Clock::now();
    check_page(r, "live.list {page_size: 100}");
    return elapsed_us(t0, t1);
  });
  print_timed_us("live.list {page_size: 100} (raw RPC)", page_socket);
  const std::string page_target = "/bv/cms/v1/lives?page_size=100";
  HttpClient lister(api_port, api_key);
  const Timed page_http = timed_series(o.warmup, o.page_runs, [&] {
    auto t0 = Clock::now();
    json r = lister.call("GET", page_target);
    auto t1 = Clock::now();
    check_page(r, "GET " + page_target);
    return elapsed_us(t0, t1);
  });
  print_timed_us("GET /lives?page_size=100 (HTTP keep-alive)", page_http);
  std::printf("\n");

  // 5b. RSS after the fill.
  const long rss_full = bvbench::status_kb(dpid, "VmRSS:");
  const long hwm_full = bvbench::status_kb(dpid, "VmHWM:");
  if (rss_full <= 0) throw Broken("cannot read VmRSS of bvlived");
  std::printf("[rss] after %s lives and the list runs: VmRSS %ld KiB = %.1f MB (VmHWM %ld KiB)\n\n",
              with_commas(o.lives).c_str(), rss_full, rss_full * 1024.0 / 1e6, hwm_full);

  // 6. live.create over the socket beside POST /lives over HTTP, alternating blocks (which
  // goes first alternates too), so that both rates see the same disk, store size and load.
  constexpr int kBlock = 100;
  std::printf("[5] live.create over the socket beside POST /bv/cms/v1/lives over HTTP (keep-alive),\n"
              "    %s each, alternating blocks of %d on one connection each (bodies as in [3])\n",
              with_commas(o.http_creates).c_str(), kBlock);
  std::fflush(stdout);
  HttpClient creator(api_port, api_key);
  std::vector<double> sock_create_us, http_create_us;
  double sock_create_s = 0, http_create_s = 0;
  int next_live = o.lives;  // custom_ids go on after the fill's
  const auto socket_block = [&](int n) {
    const auto b0 = Clock::now();
    for (int i = 0; i < n; ++i) {
      auto t0 = Clock::now();
      conn.call("live.create", create_body(next_live++));
      sock_create_us.push_back(elapsed_us(t0, Clock::now()));
    }
    sock_create_s += elapsed_us(b0, Clock::now()) / 1e6;
  };
  const auto http_block = [&](int n) {
    const auto b0 = Clock::now();
    for (int i = 0; i < n; ++i) {
      auto t0 = Clock::now();
      json r = creator.call("POST", "/bv/cms/v1/lives", create_body(next_live++).dump());
      http_create_us.push_back(elapsed_us(t0, Clock::now()));
      if (!r.contains("live") || !r["live"].contains("id")) throw Broken("POST /bv/cms/v1/lives: no live id in the reply");
    }
    http_create_s += elapsed_us(b0, Clock::now()) / 1e6;
  };
  for (int done = 0, block = 0; done < o.http_creates; ++block) {
    check_signal();
    const int n = std::min(kBlock, o.http_creates - done);
    if (block % 2 == 0) {
      socket_block(n);
      http_block(n);
    } else {
      http_block(n);
      socket_block(n);
    }
    done += n;
  }
  const double sock_create_rate = sock_create_s > 0 ? static_cast<double>(sock_create_us.size()) / sock_create_s : 0;
  const double http_create_rate = http_create_s > 0 ? static_cast<double>(http_create_us.size()) / http_create_s : 0;
  const Stats sock_create = stats_of(sock_create_us);
  const Stats http_create = stats_of(http_create_us);
  std::printf("  socket: %s lives in %.2f s: %.0f lives/s\n", with_commas(static_cast<long long>(sock_create_us.size())).c_str(),
              sock_create_s, sock_create_rate);
  std::printf("  HTTP:   %s lives in %.2f s: %.0f lives/s\n", with_commas(static_cast<long long>(http_create_us.size())).c_str(),
              http_create_s, http_create_rate);
  print_ms("live.create latency (socket)", sock_create);
  print_ms("POST /bv/cms/v1/lives latency (HTTP)", http_create);
  if (creator.connects() != 1)
    std::printf("  NOTE: the keep-alive client had to connect %d times\n", creator.connects());
  std::printf("\n");
  std::fflush(stdout);

  if (!d.running()) throw d.broken("died during the benchmark (" + d.exit_text() + ")");
  const std::string stopped = d.stop();
  if (stopped != "exited 0") throw d.broken("did not stop cleanly on SIGTERM (" + stopped + ")");

  std::printf("load average at end: %s\n\n", loadavg().c_str());

  // 6. Summary.
  const std::string lives_txt = with_commas(o.lives);
  std::vector<Row> rows = {
      {"bvlive show ID round trip, median", fmt(show.median / 1000, 2) + " ms", "< 10 ms", show.median / 1000 / 10},
      {"bvlive show ID round trip, p99", fmt(show.p99 / 1000, 2) + " ms", "< 10 ms", show.p99 / 1000 / 10},
      {"live.get raw RPC (persistent), median", fmt(get_persistent.median, 1) + " us", "-", -1},
      {"live.get raw RPC (connect+call+close), median", fmt(get_fresh.median, 1) + " us", "-", -1},
      {"live.create throughput", fmt(create_rate, 0) + " lives/s", "-", -1},
      {"live.list " + lives_txt + " lives (raw RPC), median", fmt(list_raw.median / 1000, 1) + " ms", "< 100 ms", list_raw.median / 1000 / 100},
      {"live.list " + lives_txt + " lives (raw RPC), p99", fmt(list_raw.p99 / 1000, 1) + " ms", "< 100 ms", list_raw.p99 / 1000 / 100},
      {"bvlive list " + lives_txt + " lives, median", fmt(list_cli.median / 1000, 1) + " ms", "< 100 ms", list_cli.median / 1000 / 100},
      {"bvlive list " + lives_txt + " lives, p99", fmt(list_cli.p99 / 1000, 1) + " ms", "< 100 ms", list_cli.p99 / 1000 / 100},
      {"idle daemon RSS (VmRSS), 0 lives", fmt(rss_idle * 1024.0 / 1e6, 1) + " MB", "< 30 MB", rss_idle * 1024.0 / 30e6},
      {"daemon RSS (VmRSS), " + lives_txt + " lives", fmt(rss_full * 1024.0 / 1e6, 1) + " MB", "< 30 MB", rss_full * 1024.0 / 30e6},
  };
  std::printf("Summary (ratio = measured / target; <= 1.00 meets it; MB = 10^6 bytes)%s\n",
              o.lives != 10000 ? "  [NOTE: lives != 10,000, list rows are not the target's figure]" : "");
  std::printf("| %-48s | %-14s | %-9s | %-6s | %-4s |\n", "figure", "measured", "target", "ratio", "ok");
  std::printf("|%s|%s|%s|%s|%s|\n", std::string(50, '-').c_str(), std::string(16, '-').c_str(),
              std::string(11, '-').c_str(), std::string(8, '-').c_str(), std::string(6, '-').c_str());
  for (const auto& r : rows) {
    std::printf("| %-48s | %14s | %-9s | %6s | %-4s |\n", r.what.c_str(), r.measured.c_str(), r.target.c_str(),
                r.ratio < 0 ? "-" : fmt(r.ratio, 2).c_str(), r.ratio < 0 ? "" : (r.ratio <= 1 ? "yes" : "NO"));
  }

  // 7. The HTTP API beside the socket.
  const std::string page_txt = "page of 100 of " + lives_txt + " lives";
  const std::vector<PairRow> pairs = {
      {"GET one live, one connection, p50", get_persistent.median, http_get_keep.stats.median, 1, "us"},
      {"GET one live, one connection, p95", get_persistent.p95, http_get_keep.stats.p95, 1, "us"},
      {"GET one live, one connection, p99", get_persistent.p99, http_get_keep.stats.p99, 1, "us"},
      {"GET one live, one connection, rate", get_persistent_t.per_s, http_get_keep.per_s, 0, "req/s"},
      {"GET one live, new connection each, p50", get_fresh.median, http_get_fresh.stats.median, 1, "us"},
      {"GET one live, new connection each, p95", get_fresh.p95, http_get_fresh.stats.p95, 1, "us"},
      {"GET one live, new connection each, p99", get_fresh.p99, http_get_fresh.stats.p99, 1, "us"},
      {"GET one live, new connection each, rate", get_fresh_t.per_s, http_get_fresh.per_s, 0, "req/s"},
      {"create, one connection, throughput", sock_create_rate, http_create_rate, 0, "lives/s"},
      {"create, one connection, p50", sock_create.median / 1000, http_create.median / 1000, 2, "ms"},
      {"create, one connection, p99", sock_create.p99 / 1000, http_create.p99 / 1000, 2, "ms"},
      {"list, " + page_txt + ", p50", page_socket.stats.median / 1000, page_http.stats.median / 1000, 2, "ms"},
      {"list, " + page_txt + ", p99", page_socket.stats.p99 / 1000, page_http.stats.p99 / 1000, 2, "ms"},
      {"list, " + page_txt + ", rate", page_socket.per_s, page_http.per_s, 0, "req/s"},
  };
  std::printf("\nHTTP API beside the control socket (same daemon, same run; socket = JSON-RPC on the Unix\n"
              "socket, HTTP = /bv/cms/v1 on loopback TCP; ratio = HTTP / socket: above 1 for a time or\n"
              "below 1 for a rate means HTTP is slower; creates from [5], not the fill)\n");
  std::printf("| %-48s | %-14s | %-14s | %-11s |\n", "figure", "socket", "HTTP API", "HTTP/socket");
  std::printf("|%s|%s|%s|%s|\n", std::string(50, '-').c_str(), std::string(16, '-').c_str(),
              std::string(16, '-').c_str(), std::string(13, '-').c_str());
  for (const auto& r : pairs) {
    std::printf("| %-48s | %14s | %14s | %11s |\n", r.what.c_str(), (fmt(r.socket, r.prec) + " " + r.unit).c_str(),
                (fmt(r.http, r.prec) + " " + r.unit).c_str(), r.socket > 0 ? fmt(r.http / r.socket, 2).c_str() : "-");
  }
  std::fflush(stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_args(argc, argv);
  return bvbench::run_bench("bench_control", [&] { return run(o); });
}
