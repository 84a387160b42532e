// bench_control: the control path, measured against SPEC.md §6.
//
// Starts a real bvlived in a fresh mkdtemp directory (its control socket there, nothing
// else listening), then measures:
//   1. `bvlive show ID` as a whole process (fork/exec/wait), N times;
//   2. a raw JSON-RPC `live.get`, on one persistent connection and as connect+call+close;
//   3. live.create throughput while filling the store with LIVES lives (default 10,000);
//   4. `live.list` (raw RPC, whole reply read and parsed) and `bvlive list` (whole process,
//      stdout to /dev/null) over those lives;
//   5. the daemon's VmRSS right after start (0 lives) and after the fill;
// and prints a summary table against the SPEC targets.
//
// Benchmarks report, they never fail on timing: exit 0 even when a target is missed,
// 1 only when something broke (the daemon did not start, a call failed), 2 on bad usage.
//
// Run: share/scripts/bench.sh [--quick] [--lives N] [--iterations N] ...
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "../common/bench_files.hpp"
#include "../common/bench_options.hpp"
#include "../common/bench_report.hpp"
#include "rpc/jsonrpc.hpp"

extern char** environ;

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------- options

struct Options {
  int show_runs = 300;      // `bvlive show` process round trips
  int rpc_runs = 5000;      // raw live.get calls (each mode)
  int lives = 10000;        // lives in the store for the list figures
  int list_runs = 20;       // live.list / `bvlive list` runs
  int warmup = 10;          // untimed runs before each timed series
  std::string base_dir;     // where mkdtemp makes the work directory (default $TMPDIR or /tmp)
  std::string bvlived = BVLIVED_BIN;
  std::string bvlive = BVLIVE_BIN;
  bool keep = false;        // keep the work directory
};

void print_help() {
  std::cout <<
      "usage: bench_control [options]\n"
      "  --quick             smoke run: 30 show runs, 500 RPC calls, 1,000 lives, 5 list runs\n"
      "  --lives N           lives created for the list figures (default 10000)\n"
      "  --iterations N      `bvlive show` round trips (default 300); raw RPC calls follow\n"
      "                      at N x 50/3 (default 5000) unless --rpc-iterations is given\n"
      "  --rpc-iterations N  raw live.get calls per mode (default 5000)\n"
      "  --list-runs N       live.list / `bvlive list` runs (default 20)\n"
      "  --dir DIR           make the temporary work directory under DIR (default $TMPDIR or /tmp);\n"
      "                      the creation throughput depends on its filesystem's fsync\n"
      "  --bvlived PATH      daemon binary (default: the one built with this benchmark)\n"
      "  --bvlive PATH       CLI binary (default: the one built with this benchmark)\n"
      "  --keep              keep the work directory (database, socket) afterwards\n"
      "Exit status: 0 figures printed (targets missed or not), 1 something broke, 2 usage.\n";
}

Options parse_args(int argc, char** argv) {
  Options o;
  std::optional<int> lives, iterations, rpc_iterations, list_runs;
  bool quick = false;
  constexpr long kMax = 100000000;
  bvbench::OptionTable("bench_control", print_help)
      .flag("--quick", quick)
      .number("--lives", lives, kMax)
      .number("--iterations", iterations, kMax)
      .number("--rpc-iterations", rpc_iterations, kMax)
      .number("--list-runs", list_runs, kMax)
      .text("--dir", o.base_dir)
      .text("--bvlived", o.bvlived)
      .text("--bvlive", o.bvlive)
      .flag("--keep", o.keep)
      .parse(argc, argv);
  if (quick) {
    o.show_runs = 30;
    o.rpc_runs = 500;
    o.lives = 1000;
    o.list_runs = 5;
    o.warmup = 3;
  }
  if (lives) o.lives = *lives;
  if (iterations) {
    o.show_runs = *iterations;
    if (!rpc_iterations) o.rpc_runs = std::max(1, static_cast<int>(std::lround(*iterations * 50.0 / 3.0)));
  }
  if (rpc_iterations) o.rpc_runs = *rpc_iterations;
  if (list_runs) o.list_runs = *list_runs;
  if (o.base_dir.empty()) o.base_dir = bvbench::default_base_dir();
  return o;
}

// ---------------------------------------------------------------- failures

using bvbench::Broken;
using bvbench::errno_text;

// ---------------------------------------------------------------- statistics

double elapsed_us(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::micro>(b - a).count();
}

struct Stats {
  std::size_t n = 0;
  double median = 0, p99 = 0, min = 0, max = 0, mean = 0;
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

// ---------------------------------------------------------------- JSON-RPC client

class Connection {
 public:
  explicit Connection(const std::string& path) : fd_(bvbench::connect_unix(path)) {}

  void send_all(const std::string& data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
      ssize_t n = ::send(fd_.get(), data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw Broken(errno_text("send"));
      }
      sent += static_cast<std::size_t>(n);
    }
  }

  // Reads one reply line (without '\n'). When first_byte is given, it is set to the time
  // the first byte of the reply arrived.
  std::string read_line(Clock::time_point* first_byte = nullptr) {
    bool got_first = !buf_.empty();
    if (got_first && first_byte) *first_byte = Clock::now();
    std::size_t scanned = 0;
    for (;;) {
      if (auto nl = buf_.find('\n', scanned); nl != std::string::npos) {
        std::string line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return line;
      }
      scanned = buf_.size();
      pollfd pfd{fd_.get(), POLLIN, 0};
      int pr = ::poll(&pfd, 1, 30000);
      if (pr < 0) {
        if (errno == EINTR) continue;
        throw Broken(errno_text("poll"));
      }
      if (pr == 0) throw Broken("no reply from bvlived within 30 s");
      ssize_t n = ::recv(fd_.get(), chunk_, sizeof chunk_, 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw Broken(errno_text("recv"));
      }
      if (n == 0) throw Broken("bvlived closed the connection");
      if (!got_first) {
        got_first = true;
        if (first_byte) *first_byte = Clock::now();
      }
      buf_.append(chunk_, static_cast<std::size_t>(n));
    }
  }

  // One call; returns the result, throws Broken on an error reply.
  json call(const std::string& method, const json& params) {
    send_all(bvlive::make_request_line(++next_id_, method, params));
    return result_of(method, read_line());
  }

  static json result_of(const std::string& method, const std::string& line) {
    json reply = json::parse(line, nullptr, false);
    if (reply.is_discarded() || !reply.is_object()) throw Broken(method + ": reply is not a JSON object");
    if (auto e = reply.find("error"); e != reply.end())
      throw Broken(method + " failed: " + e->dump());
    auto r = reply.find("result");
    if (r == reply.end()) throw Broken(method + ": reply has no result");
    return std::move(*r);
  }

  int next_id() { return ++next_id_; }

 private:
  bvbench::Fd fd_;
  int next_id_ = 0;
  std::string buf_;
  char chunk_[1 << 16];
};

// ---------------------------------------------------------------- processes

// fork/exec argv with stdout/stderr sent to /dev/null (stderr kept when keep_stderr),
// and an environment stripped of anything that would point a bvlive program elsewhere.
pid_t spawn(const std::vector<std::string>& argv, bool keep_stderr) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw Broken(errno_text("fork"));
  if (pid == 0) {
    int devnull = ::open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      ::dup2(devnull, STDIN_FILENO);
      ::dup2(devnull, STDOUT_FILENO);
      if (!keep_stderr) ::dup2(devnull, STDERR_FILENO);
      if (devnull > STDERR_FILENO) ::close(devnull);
    }
    ::execv(args[0], args.data());
    const char msg[] = "bench_control: exec failed\n";
    ssize_t ignored = ::write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)ignored;
    ::_exit(127);
  }
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw Broken(errno_text("waitpid"));
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

// Runs argv to completion and returns its wall time in us; a non-zero exit is Broken.
double run_timed(const std::vector<std::string>& argv) {
  auto t0 = Clock::now();
  pid_t pid = spawn(argv, true);
  int rc = wait_exit(pid);
  auto t1 = Clock::now();
  if (rc != 0) {
    std::string cmd;
    for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
    throw Broken("`" + cmd + "` exited " + std::to_string(rc));
  }
  return elapsed_us(t0, t1);
}

void scrub_environment() {
  // The daemon and the CLI get their paths from the flags, their defaults from nothing.
  for (const char* v : {"BVLIVE_CONFIG", "BVLIVE_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"})
    ::unsetenv(v);
}

// ---------------------------------------------------------------- the daemon

std::optional<long> rss_kib(pid_t pid, const char* field = "VmRSS:") {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind(field, 0) == 0) {
      std::istringstream in(line.substr(std::strlen(field)));
      long kib = 0;
      if (in >> kib) return kib;
    }
  }
  return std::nullopt;
}

class Daemon {
 public:
  Daemon(const Options& o, const std::string& dir) : socket_(dir + "/bvlived.sock") {
    const std::string state = dir + "/state";
    const std::string config = dir + "/bvlived.toml";
    // An empty config file: embedded defaults, whatever /etc/bvlive holds on this host.
    { std::ofstream(config) << "# bench_control: embedded defaults\n"; }
    pid_ = spawn({o.bvlived, "--config", config, "--socket", socket_, "--state-dir", state,
                  "--log-level", "warn", "--listen", "127.0.0.1", "--rtmp-port", "0", "--srt-port", "0",
                  "--http-port", "0", "--webrtc-port", "0", "--api-port", "0"},
                 true);
    auto t0 = Clock::now();
    for (;;) {
      int status = 0;
      pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        throw Broken("bvlived exited during start-up (status " + std::to_string(status) + ")");
      }
      try {
        Connection c(socket_);
        c.call("daemon.status", json::object());
        break;
      } catch (const Broken&) {
        // not listening yet
      }
      if (elapsed_us(t0, Clock::now()) > 10e6) throw Broken("bvlived did not answer within 10 s");
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ready_ms_ = elapsed_us(t0, Clock::now()) / 1000;
  }

  ~Daemon() { stop(); }
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // SIGTERM, then SIGKILL after 5 s. Returns the exit code (-1 when killed or not running).
  int stop() {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    auto t0 = Clock::now();
    int status = 0;
    for (;;) {
      pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_ || (r < 0 && errno != EINTR)) break;
      if (elapsed_us(t0, Clock::now()) > 5e6) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
        return -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  bool alive() const { return pid_ > 0 && ::kill(pid_, 0) == 0; }
  pid_t pid() const { return pid_; }
  const std::string& socket() const { return socket_; }
  double ready_ms() const { return ready_ms_; }

 private:
  std::string socket_;
  pid_t pid_ = -1;
  double ready_ms_ = 0;
};

// ---------------------------------------------------------------- machine facts

using bvbench::loadavg;

// ---------------------------------------------------------------- benchmarks

template <typename F>
std::vector<double> series(int warmup, int runs, F&& one) {
  for (int i = 0; i < warmup; ++i) one();
  std::vector<double> v;
  v.reserve(static_cast<std::size_t>(runs));
  for (int i = 0; i < runs; ++i) v.push_back(one());
  return v;
}

json create_body(int n) {
  return {{"live", {{"name", "bench " + std::to_string(n)}, {"custom_id", "bench-" + std::to_string(n)}}}};
}

struct Row {
  std::string what, measured, target;
  double ratio;  // < 0: no target
};

int run(const Options& o) {
  scrub_environment();
  const bvbench::WorkDir work(o.base_dir, "bench_control", o.keep);
  const std::string& dir = work.path();

  std::printf("bench_control: bvlive control path (SPEC.md §6)\n");
  bvbench::print_machine(dir, {{"bvlived", o.bvlived}, {"bvlive", o.bvlive}});
  std::printf("  runs: show %d, raw rpc %d per mode, lives %s, list %d (+%d warm-up each)\n\n",
              o.show_runs, o.rpc_runs, with_commas(o.lives).c_str(), o.list_runs, o.warmup);
  std::fflush(stdout);

  Daemon d(o, dir);
  const pid_t dpid = d.pid();
  std::printf("[start] bvlived pid %d answered daemon.status %.1f ms after fork\n", dpid, d.ready_ms());

  // 5a. Idle RSS, 0 lives: measured right after it answers.
  const auto rss_idle = rss_kib(dpid);
  const auto hwm_idle = rss_kib(dpid, "VmHWM:");
  if (!rss_idle) throw Broken("cannot read VmRSS of bvlived");
  std::printf("[rss] idle, 0 lives: VmRSS %ld KiB = %.1f MB (VmHWM %ld KiB)\n\n", *rss_idle,
              *rss_idle * 1024.0 / 1e6, hwm_idle.value_or(0));
  std::fflush(stdout);

  Connection conn(d.socket());
  const json probe = conn.call("live.create", create_body(0));
  const std::string probe_id = probe.at("live").at("id").get<std::string>();

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
  const Stats get_persistent = stats_of(series(o.warmup * 10, o.rpc_runs, [&] {
    auto t0 = Clock::now();
    json r = conn.call("live.get", get_params);
    auto t1 = Clock::now();
    if (!r.contains("live")) throw Broken("live.get: no live in the result");
    return elapsed_us(t0, t1);
  }));
  print_us("live.get, one persistent connection", get_persistent);
  const Stats get_fresh = stats_of(series(o.warmup * 10, o.rpc_runs, [&] {
    auto t0 = Clock::now();
    {
      Connection c(d.socket());
      json r = c.call("live.get", get_params);
      if (!r.contains("live")) throw Broken("live.get: no live in the result");
    }
    return elapsed_us(t0, Clock::now());
  }));
  print_us("live.get, connect + call + close", get_fresh);
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
    json r = Connection::result_of("live.list", line);
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
  std::printf("\n");

  // 5b. RSS after the fill.
  const auto rss_full = rss_kib(dpid);
  const auto hwm_full = rss_kib(dpid, "VmHWM:");
  if (!rss_full) throw Broken("cannot read VmRSS of bvlived");
  std::printf("[rss] after %s lives and the list runs: VmRSS %ld KiB = %.1f MB (VmHWM %ld KiB)\n\n",
              with_commas(o.lives).c_str(), *rss_full, *rss_full * 1024.0 / 1e6, hwm_full.value_or(0));

  if (!d.alive()) throw Broken("bvlived died during the benchmark");
  const int drc = d.stop();
  if (drc != 0) throw Broken("bvlived exited " + std::to_string(drc) + " on SIGTERM");

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
      {"idle daemon RSS (VmRSS), 0 lives", fmt(*rss_idle * 1024.0 / 1e6, 1) + " MB", "< 30 MB", *rss_idle * 1024.0 / 30e6},
      {"daemon RSS (VmRSS), " + lives_txt + " lives", fmt(*rss_full * 1024.0 / 1e6, 1) + " MB", "< 30 MB", *rss_full * 1024.0 / 30e6},
  };
  std::printf("Summary (ratio = measured / target; <= 1.00 meets it; MB = 10^6 bytes)%s\n",
              o.lives != 10000 ? "  [NOTE: lives != 10,000, list rows are not the SPEC figure]" : "");
  std::printf("| %-48s | %-14s | %-9s | %-6s | %-4s |\n", "figure", "measured", "target", "ratio", "ok");
  std::printf("|%s|%s|%s|%s|%s|\n", std::string(50, '-').c_str(), std::string(16, '-').c_str(),
              std::string(11, '-').c_str(), std::string(8, '-').c_str(), std::string(6, '-').c_str());
  for (const auto& r : rows) {
    std::printf("| %-48s | %14s | %-9s | %6s | %-4s |\n", r.what.c_str(), r.measured.c_str(), r.target.c_str(),
                r.ratio < 0 ? "-" : fmt(r.ratio, 2).c_str(), r.ratio < 0 ? "" : (r.ratio <= 1 ? "yes" : "NO"));
  }
  std::fflush(stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_args(argc, argv);
  ::signal(SIGPIPE, SIG_IGN);
  try {
    return run(o);
  } catch (const Broken& e) {
    std::fflush(stdout);
    std::cerr << "bench_control: BROKEN: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::cerr << "bench_control: BROKEN: " << e.what() << "\n";
    return 1;
  }
}
