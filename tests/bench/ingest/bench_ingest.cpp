// bench_ingest: N concurrent RTMP passthrough pushes into bvlived, against nginx-rtmp.
//
// For each N in --counts (default 1,10,50,100,150):
//   bvlive: starts a real bvlived (fresh state dir, loopback, port 0), creates N lives, opens
//     their previews, pushes the same test file to each (`ffmpeg -re -stream_loop -1 -c copy`,
//     almost no CPU), waits until every session is LIVE, then measures a steady-state window
//     (--seconds, default 30): CPU seconds (utime+stime from /proc) of the daemon and of each of
//     its ffmpeg children (the packagers) per stream-second, their VmRSS (and PSS, which does
//     not count shared library pages once per process), segments produced per stream, and the
//     daemon's own publish latency from /metrics (bvlive_segment_publish_*).
//   nginx: the same N pushes to nginx with Debian's libnginx-mod-rtmp (`hls on`, the same
//     fragment length), one worker process, run as this user under its own prefix; CPU and RSS
//     of master + worker, segments counted from each stream's .m3u8.
// The encoders' own CPU is measured too, and counted for neither server.
//
// Benchmarks report, they never fail on timing: exit 0 when the figures are printed, 1 when
// something broke (a daemon did not start, a stream produced no segment: a FAIL line says
// which), 2 on bad usage.
//
// Run: share/scripts/bench.sh --only bench_ingest [--quick] [--counts 1,10,50,100] ...
#include "../common/bench_files.hpp"
#include "../common/bench_options.hpp"
#include "../common/bench_report.hpp"
#include "../common/bench_run.hpp"
#include "../common/nginx_rtmp.hpp"
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "rpc/jsonrpc.hpp"

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

// ---------------------------------------------------------------- options

struct Options {
  std::vector<int> counts = {1, 10, 50, 100, 150};
  int seconds = 30;          // steady-state window per N
  int segment_seconds = 2;   // bvlived [media] segment_duration and nginx hls_fragment
  int stagger_ms = 50;       // between two pusher starts
  int live_timeout = 0;      // s to wait for every stream to list a segment (0: 30 + N/5)
  bool run_bvlive = true;
  bool run_nginx = true;
  bool keep = false;
  std::string base_dir;
  std::string bvlived = BVLIVED_BIN;
  std::string ffmpeg = "ffmpeg";
  std::string nginx = "/usr/sbin/nginx";
  std::string rtmp_module = "/usr/lib/nginx/modules/ngx_rtmp_module.so";
  std::string input;         // a ready FLV to push instead of the generated one
};

[[noreturn]] void usage_error(const std::string& msg) { bvbench::usage_error("bench_ingest", msg); }

void print_help() {
  std::cout <<
      "usage: bench_ingest [options]\n"
      "  --counts LIST       concurrent pushes per run, comma separated (default 1,10,50,100,150)\n"
      "  --seconds S         steady-state window measured per run, once every stream is LIVE (default 30)\n"
      "  --quick             smoke run: --counts 1,10 --seconds 10\n"
      "  --segment S         segment length for both servers (default 2)\n"
      "  --stagger-ms MS     delay between two pusher starts (default 50)\n"
      "  --live-timeout S    how long every stream may take to list its first segment (default 30 + N/5)\n"
      "  --no-nginx          bvlived only      --no-bvlive   nginx only\n"
      "  --input FILE.flv    push this file (H.264 + AAC, keyframes every 1 s) instead of a generated one\n"
      "  --dir DIR           make the temporary work directory under DIR (default $TMPDIR or /tmp)\n"
      "  --bvlived PATH      daemon binary (default: the one built with this benchmark)\n"
      "  --ffmpeg PATH       ffmpeg for the pushers and the test file (default: ffmpeg from PATH)\n"
      "  --nginx PATH        nginx binary (default /usr/sbin/nginx)\n"
      "  --rtmp-module PATH  (default /usr/lib/nginx/modules/ngx_rtmp_module.so, libnginx-mod-rtmp)\n"
      "  --keep              keep the work directory (logs, state, HLS output) afterwards\n"
      "Exit status: 0 figures printed, 1 something broke or a stream produced no segment, 2 usage.\n";
}

int parse_positive(const std::string& flag, const char* v, long max = 100000) {
  return bvbench::parse_positive("bench_ingest", flag, v, max);
}

std::vector<int> parse_counts(const char* v) {
  if (!v) usage_error("--counts needs a value");
  std::vector<int> out;
  std::stringstream in(v);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(parse_positive("--counts", item.c_str(), 2000));
  if (out.empty()) usage_error("--counts: empty list");
  return out;
}

Options parse_args(int argc, char** argv) {
  Options o;
  bool quick = false;
  std::optional<std::vector<int>> counts;
  std::optional<int> seconds;
  bvbench::OptionTable("bench_ingest", print_help)
      .flag("--quick", quick)
      .value("--counts", [&](const char* v) { counts = parse_counts(v); })
      .number("--seconds", seconds, 86400)
      .number("--segment", o.segment_seconds, 60)
      .number("--stagger-ms", o.stagger_ms, 60000)
      .number("--live-timeout", o.live_timeout, 86400)
      .flag("--no-nginx", o.run_nginx, false)
      .flag("--no-bvlive", o.run_bvlive, false)
      .text("--input", o.input)
      .text("--dir", o.base_dir)
      .text("--bvlived", o.bvlived)
      .text("--ffmpeg", o.ffmpeg)
      .text("--nginx", o.nginx)
      .text("--rtmp-module", o.rtmp_module)
      .flag("--keep", o.keep)
      .parse(argc, argv);
  if (quick) {
    o.counts = {1, 10};
    o.seconds = 10;
  }
  if (counts) o.counts = *counts;
  if (seconds) o.seconds = *seconds;
  if (!o.run_bvlive && !o.run_nginx) usage_error("--no-nginx and --no-bvlive leave nothing to run");
  if (o.base_dir.empty()) o.base_dir = bvbench::default_base_dir();
  return o;
}

// ---------------------------------------------------------------- failures and signals

using bvbench::Broken;
using bvbench::check_signal;
using bvbench::errno_text;
using bvbench::g_signal;
using bvbench::nap;

using bvbench::fmt;
using bvbench::loadavg;
using bvbench::seconds_since;
using bvbench::tail_of_file;

// ---------------------------------------------------------------- child processes

// One child process we started; SIGTERM (then SIGKILL) on destruction.
class Child {
 public:
  // stdin from /dev/null, stdout and stderr to log (or /dev/null when empty). PATH is searched.
  Child(const std::vector<std::string>& argv, const std::string& log) : name_(argv.at(0)) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ < 0) throw Broken(errno_text("fork"));
    if (pid_ == 0) {
      ::signal(SIGINT, SIG_IGN);  // Ctrl-C reaches the benchmark, which stops us in order
      int in = ::open("/dev/null", O_RDONLY);
      int out = log.empty() ? ::open("/dev/null", O_WRONLY) : ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (in >= 0) ::dup2(in, STDIN_FILENO);
      if (out >= 0) {
        ::dup2(out, STDOUT_FILENO);
        ::dup2(out, STDERR_FILENO);
      }
      ::execvp(args[0], args.data());
      const char msg[] = "bench_ingest: exec failed\n";
      ssize_t ignored = ::write(STDERR_FILENO, msg, sizeof msg - 1);
      (void)ignored;
      ::_exit(127);
    }
  }
  ~Child() { stop(SIGTERM, std::chrono::seconds(5)); }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& name() const { return name_; }

  // True while running; once it has exited, status() says how.
  bool running() {
    if (pid_ <= 0) return false;
    int st = 0;
    pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      status_ = st;
      pid_ = -1;
      return false;
    }
    return true;
  }
  std::string status() const {
    if (WIFEXITED(status_)) return "exited " + std::to_string(WEXITSTATUS(status_));
    if (WIFSIGNALED(status_)) return std::string("killed by signal ") + std::to_string(WTERMSIG(status_));
    return "status " + std::to_string(status_);
  }

  void signal(int sig) {
    if (pid_ > 0) ::kill(pid_, sig);
  }

  // Waits up to grace for the exit after sig, then SIGKILL. Returns the wait status.
  int stop(int sig, std::chrono::milliseconds grace) {
    if (pid_ <= 0) return status_;
    ::kill(pid_, sig);
    const auto t0 = Clock::now();
    while (running()) {
      if (Clock::now() - t0 > grace) {
        ::kill(pid_, SIGKILL);
        int st = 0;
        ::waitpid(pid_, &st, 0);
        status_ = st;
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return status_;
  }

 private:
  std::string name_;
  pid_t pid_ = -1;
  int status_ = 0;
};

// Stops many children at once: one SIGTERM each, a shared grace period, then SIGKILL.
void stop_all(std::vector<std::unique_ptr<Child>>& children) {
  for (auto& c : children) c->signal(SIGTERM);
  const auto t0 = Clock::now();
  for (auto& c : children) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::seconds(5) - (Clock::now() - t0));
    c->stop(SIGTERM, std::max(left, std::chrono::milliseconds(0)));
  }
  children.clear();
}

// ---------------------------------------------------------------- /proc accounting

struct ProcStat {
  pid_t pid = 0, ppid = 0;
  unsigned long long cpu_ticks = 0;  // utime + stime
  unsigned long long start = 0;      // starttime: tells a reused pid apart
};

std::optional<ProcStat> read_stat(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s;
  if (!std::getline(f, s)) return std::nullopt;
  // The command name (field 2) may hold spaces and ')': fields are counted after the last ')'.
  auto close = s.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream in(s.substr(close + 2));
  std::vector<std::string> fields;  // fields[0] is field 3 (state)
  std::string x;
  while (in >> x) fields.push_back(x);
  if (fields.size() < 20) return std::nullopt;
  ProcStat p;
  p.pid = pid;
  p.ppid = static_cast<pid_t>(std::stol(fields[1]));
  p.cpu_ticks = std::stoull(fields[11]) + std::stoull(fields[12]);
  p.start = std::stoull(fields[19]);
  return p;
}

std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> out;
  DIR* d = ::opendir("/proc");
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (!end || *end || pid <= 0) continue;
    if (auto st = read_stat(static_cast<pid_t>(pid)); st && st->ppid == parent) out.push_back(st->pid);
  }
  ::closedir(d);
  return out;
}

// A status-file field in KiB (VmRSS:), or a smaps_rollup one (Pss:).
long kib_field(const std::string& path, const char* field) {
  std::ifstream f(path);
  std::string line;
  while (std::getline(f, line))
    if (line.rfind(field, 0) == 0) {
      std::istringstream in(line.substr(std::strlen(field)));
      long kib = 0;
      if (in >> kib) return kib;
    }
  return 0;
}
long rss_kib(pid_t pid) { return kib_field("/proc/" + std::to_string(pid) + "/status", "VmRSS:"); }
long pss_kib(pid_t pid) { return kib_field("/proc/" + std::to_string(pid) + "/smaps_rollup", "Pss:"); }

// CPU ticks of a set of processes, keyed by (pid, start) so a reused pid is a new process.
using CpuSnapshot = std::map<std::pair<pid_t, unsigned long long>, unsigned long long>;

CpuSnapshot cpu_snapshot(const std::vector<pid_t>& pids) {
  CpuSnapshot s;
  for (pid_t p : pids)
    if (auto st = read_stat(p)) s[{st->pid, st->start}] = st->cpu_ticks;
  return s;
}

struct CpuDelta {
  double seconds = 0;
  int gone = 0;  // processes of the first snapshot missing from the second (their last ticks are lost)
};

CpuDelta cpu_between(const CpuSnapshot& a, const CpuSnapshot& b) {
  static const double hz = static_cast<double>(::sysconf(_SC_CLK_TCK));
  CpuDelta d;
  unsigned long long ticks = 0;
  for (const auto& [k, v] : b) {
    auto it = a.find(k);
    ticks += it == a.end() ? v : v - std::min(v, it->second);
  }
  for (const auto& [k, v] : a)
    if (!b.count(k)) ++d.gone;
  d.seconds = static_cast<double>(ticks) / hz;
  return d;
}

// Memory over the window: the mean of one-second samples.
struct MemSeries {
  double server_kib = 0, children_kib = 0;
  int samples = 0;
  void add(long server, long children) {
    server_kib += static_cast<double>(server);
    children_kib += static_cast<double>(children);
    ++samples;
  }
  // nginx's workers are the server itself, not helpers: counted with the master.
  void fold_children() {
    server_kib += children_kib;
    children_kib = 0;
  }
  double server_mb() const { return samples ? server_kib / samples * 1024 / 1e6 : 0; }
  double children_mb() const { return samples ? children_kib / samples * 1024 / 1e6 : 0; }
};

// ---------------------------------------------------------------- sockets

int connect_tcp(int port, int timeout_ms) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) throw Broken(errno_text("socket"));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0 && errno != EINPROGRESS) {
    ::close(fd);
    return -1;
  }
  pollfd p{fd, POLLOUT, 0};
  int err = 0;
  socklen_t len = sizeof err;
  if (::poll(&p, 1, timeout_ms) != 1 || ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
    ::close(fd);
    return -1;
  }
  int flags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  return fd;
}

// A free loopback port for nginx (it cannot report a port 0 bind). Racy in principle; a
// clash shows as nginx failing to start, with its log.
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw Broken(errno_text("socket"));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) < 0) {
    std::string e = errno_text("bind 127.0.0.1:0");
    ::close(fd);
    throw Broken(e);
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

// GET http://127.0.0.1:port/path over HTTP/1.0; returns the body, throws on anything but 200.
std::string http_get(int port, const std::string& path) {
  int fd = connect_tcp(port, 5000);
  if (fd < 0) throw Broken("cannot connect to 127.0.0.1:" + std::to_string(port));
  const std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  std::string resp;
  bool ok = ::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size());
  char buf[16384];
  const auto t0 = Clock::now();
  while (ok) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 1000) < 0 && errno != EINTR) break;
    ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0) break;
    if (n > 0) resp.append(buf, static_cast<std::size_t>(n));
    if (seconds_since(t0) > 10) {
      ok = false;
      break;
    }
  }
  ::close(fd);
  if (!ok) throw Broken("GET " + path + ": no complete answer within 10 s");
  if (resp.rfind("HTTP/1.", 0) != 0 || resp.size() < 12 || resp.compare(9, 3, "200") != 0)
    throw Broken("GET " + path + ": " + resp.substr(0, resp.find('\r')));
  auto body = resp.find("\r\n\r\n");
  return body == std::string::npos ? "" : resp.substr(body + 4);
}

// A Prometheus sample value by exact name (no labels), or nullopt.
std::optional<double> metric(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (line.size() > name.size() && line.compare(0, name.size(), name) == 0 && line[name.size()] == ' ')
      return std::strtod(line.c_str() + name.size() + 1, nullptr);
  return std::nullopt;
}

// JSON-RPC over the daemon's control socket, one request line, one reply line.
class Rpc {
 public:
  explicit Rpc(const std::string& path) : fd_(bvbench::connect_unix(path)) {}

  json call(const std::string& method, const json& params) {
    const std::string line = bvlive::make_request_line(++id_, method, params);
    if (::send(fd_.get(), line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size()))
      throw Broken(errno_text(method + ": send"));
    for (;;) {
      if (auto nl = buf_.find('\n'); nl != std::string::npos) {
        json reply = json::parse(buf_.substr(0, nl), nullptr, false);
        buf_.erase(0, nl + 1);
        if (reply.is_discarded() || !reply.is_object()) throw Broken(method + ": reply is not a JSON object");
        if (auto e = reply.find("error"); e != reply.end()) throw Broken(method + " failed: " + e->dump());
        if (!reply.contains("result")) throw Broken(method + ": reply has no result");
        return reply["result"];
      }
      pollfd p{fd_.get(), POLLIN, 0};
      int pr = ::poll(&p, 1, 30000);
      if (pr < 0 && errno == EINTR) continue;
      if (pr <= 0) throw Broken(method + ": no reply from bvlived within 30 s");
      char chunk[65536];
      ssize_t n = ::recv(fd_.get(), chunk, sizeof chunk, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw Broken(method + ": bvlived closed the control connection");
      buf_.append(chunk, static_cast<std::size_t>(n));
    }
  }

 private:
  bvbench::Fd fd_;
  int id_ = 0;
  std::string buf_;
};

// ---------------------------------------------------------------- the pushers

// One short H.264 + AAC FLV (426x240, 25 fps, 1 s GOP, ~460 kb/s), made once and pushed N
// times with -c copy, so that 100+ encoders cost almost nothing.
std::string make_test_file(const Options& o, const std::string& dir) {
  if (!o.input.empty()) {
    if (!fs::exists(o.input)) throw Broken("--input " + o.input + ": no such file");
    return o.input;
  }
  const std::string out = dir + "/input.flv";
  const std::string log = dir + "/input.log";
  Child c({o.ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
           "-f", "lavfi", "-i", "testsrc2=size=426x240:rate=25",
           "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
           "-t", "30", "-c:v", "libx264", "-preset", "veryfast", "-g", "25", "-keyint_min", "25",
           "-sc_threshold", "0", "-b:v", "400k", "-maxrate", "400k", "-bufsize", "800k", "-pix_fmt", "yuv420p",
           "-c:a", "aac", "-b:a", "64k", "-f", "flv", out},
          log);
  const auto t0 = Clock::now();
  while (c.running()) {
    if (seconds_since(t0) > 120) throw Broken("generating the test file took over 120 s");
    nap(std::chrono::milliseconds(100));
  }
  if (c.status() != "exited 0" || !fs::exists(out))
    throw Broken("generating the test file with " + o.ffmpeg + " failed (" + c.status() + "):\n" + tail_of_file(log, 10));
  return out;
}

class Pushers {
 public:
  Pushers(const Options& o, std::string file, std::string log_dir)
      : o_(o), file_(std::move(file)), log_dir_(std::move(log_dir)) {
    fs::create_directories(log_dir_);
  }
  void start(const std::vector<std::string>& urls) {
    for (std::size_t i = 0; i < urls.size(); ++i) {
      if (i) nap(std::chrono::milliseconds(o_.stagger_ms));
      logs_.push_back(log_dir_ + "/push" + std::to_string(i) + ".log");
      children_.push_back(std::make_unique<Child>(
          std::vector<std::string>{o_.ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-re",
                                   "-stream_loop", "-1", "-i", file_, "-c", "copy", "-f", "flv", urls[i]},
          logs_.back()));
    }
  }
  // Throws, with the pusher's log, when one has exited.
  void check() {
    for (std::size_t i = 0; i < children_.size(); ++i)
      if (!children_[i]->running())
        throw Broken("pusher " + std::to_string(i) + " (ffmpeg) " + children_[i]->status() + "; its log:\n" +
                     tail_of_file(logs_[i], 8));
  }
  std::vector<pid_t> pids() const {
    std::vector<pid_t> v;
    for (const auto& c : children_) v.push_back(c->pid());
    return v;
  }
  void stop() { stop_all(children_); }
  ~Pushers() { stop(); }

 private:
  const Options& o_;
  std::string file_, log_dir_;
  std::vector<std::unique_ptr<Child>> children_;
  std::vector<std::string> logs_;
};

// ---------------------------------------------------------------- results

struct Result {
  bool ran = false;
  int streams = 0;
  double window_s = 0;
  double server_cpu = 0, children_cpu = 0, encoder_cpu = 0;  // CPU seconds over the window
  int children = 0, children_gone = 0;
  MemSeries mem;
  double server_pss_mb = 0, children_pss_mb = 0;
  int min_segments = 0, streams_without = 0;  // segments produced in the window
  double mean_segments = 0;
  double latency_mean_ms = -1, latency_max_ms = -1;
  double ready_s = 0;  // from the first push to every stream listing a segment
  std::string note;
  double stream_seconds() const { return streams * window_s; }
  double total_cpu() const { return server_cpu + children_cpu; }
  double total_rss() const { return mem.server_mb() + mem.children_mb(); }
  double total_pss() const { return server_pss_mb + children_pss_mb; }
};

void summarise_segments(Result& r, const std::vector<long>& before, const std::vector<long>& after) {
  r.min_segments = 1 << 30;
  long sum = 0;
  for (std::size_t i = 0; i < after.size(); ++i) {
    long d = after[i] - before[i];
    r.min_segments = std::min<int>(r.min_segments, static_cast<int>(d));
    if (d <= 0) ++r.streams_without;
    sum += d;
  }
  if (after.empty()) r.min_segments = 0;
  r.mean_segments = after.empty() ? 0 : static_cast<double>(sum) / static_cast<double>(after.size());
}

int live_timeout(const Options& o, int n) { return o.live_timeout ? o.live_timeout : 30 + n / 5; }

// The measured window, shared by both servers: CPU snapshots at both ends, memory sampled
// every second, the liveness of everything checked on each sample.
template <typename Alive, typename Children>
void measure_window(const Options& o, Result& r, pid_t server, Children children_pids, Pushers& pushers,
                    Alive&& check_alive) {
  const auto servers0 = children_pids();
  std::vector<pid_t> s0 = servers0;
  s0.push_back(server);
  const CpuSnapshot server_a = cpu_snapshot({server});
  const CpuSnapshot kids_a = cpu_snapshot(servers0);
  const CpuSnapshot enc_a = cpu_snapshot(pushers.pids());
  const auto t0 = Clock::now();
  for (int s = 0; s < o.seconds; ++s) {
    nap(std::chrono::milliseconds(1000) - std::chrono::duration_cast<std::chrono::milliseconds>(
                                              Clock::now() - t0 - std::chrono::seconds(s)));
    check_alive();
    pushers.check();
    long kids = 0;
    for (pid_t p : children_pids()) kids += rss_kib(p);
    r.mem.add(rss_kib(server), kids);
  }
  const auto kids_now = children_pids();
  const CpuSnapshot server_b = cpu_snapshot({server});
  const CpuSnapshot kids_b = cpu_snapshot(kids_now);
  const CpuSnapshot enc_b = cpu_snapshot(pushers.pids());
  r.window_s = seconds_since(t0);
  r.server_cpu = cpu_between(server_a, server_b).seconds;
  const CpuDelta kd = cpu_between(kids_a, kids_b);
  r.children_cpu = kd.seconds;
  r.children_gone = kd.gone;
  r.children = static_cast<int>(kids_now.size());
  r.encoder_cpu = cpu_between(enc_a, enc_b).seconds;
  r.server_pss_mb = pss_kib(server) * 1024.0 / 1e6;
  long pss = 0;
  for (pid_t p : kids_now) pss += pss_kib(p);
  r.children_pss_mb = pss * 1024.0 / 1e6;
}

// ---------------------------------------------------------------- bvlived

Result run_bvlive(const Options& o, int n, const std::string& dir, const std::string& file, bool& failed) {
  Result r;
  r.streams = n;
  fs::create_directories(dir);
  const std::string sock = dir + "/bvlived.sock";
  const std::string config = dir + "/bvlived.toml";
  const std::string log = dir + "/bvlived.log";
  {
    std::ofstream(config) << "# bench_ingest\n[media]\nsegment_duration = " << o.segment_seconds << "\n";
  }
  Child daemon({o.bvlived, "--config", config, "--socket", sock, "--state-dir", dir + "/state", "--listen",
                "127.0.0.1", "--rtmp-port", "0", "--srt-port", "0", "--http-port", "0", "--webrtc-port", "0", "--log-level", "warn"},
               log);
  auto daemon_broken = [&](const std::string& what) {
    return Broken("bvlived (N=" + std::to_string(n) + ") " + what + "; its log (" + log + "):\n" + tail_of_file(log, 20));
  };
  auto check_daemon = [&] {
    if (!daemon.running()) throw daemon_broken(daemon.status());
  };
  std::unique_ptr<Rpc> rpc;
  const auto t_start = Clock::now();
  while (!rpc) {
    check_daemon();
    try {
      rpc = std::make_unique<Rpc>(sock);
    } catch (const Broken&) {
      if (seconds_since(t_start) > 10) throw daemon_broken("did not open its control socket within 10 s");
      nap(std::chrono::milliseconds(20));
    }
  }
  const json status = rpc->call("daemon.status", json::object());
  const json& ls = status.at("listeners");
  if (!ls.at("rtmp").is_number_integer() || !ls.at("http").is_number_integer())
    throw daemon_broken("status has no RTMP or HTTP listener: " + ls.dump());
  const int rtmp_port = ls["rtmp"].get<int>(), http_port = ls["http"].get<int>();

  std::vector<std::string> ids, urls;
  for (int i = 0; i < n; ++i) {
    json c = rpc->call("live.create", {{"live", {{"name", "ingest " + std::to_string(i)}}}});
    const std::string id = c.at("live").at("id").get<std::string>();
    rpc->call("live.preview", {{"id", id}});
    const json g = rpc->call("live.get", {{"id", id}});
    ids.push_back(id);
    urls.push_back("rtmp://127.0.0.1:" + std::to_string(rtmp_port) + "/live/" +
                   g.at("live").at("stream_key").get<std::string>());
  }

  Pushers pushers(o, file, dir + "/pushers");
  const auto t_push = Clock::now();
  pushers.start(urls);

  // Segments so far per stream (all its sessions), and whether one session is LIVE.
  auto segments = [&](std::vector<long>& out, int& live) {
    out.assign(ids.size(), 0);
    live = 0;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const json s = rpc->call("live.sessions", {{"id", ids[i]}});
      bool is_live = false;
      for (const auto& ss : s.at("sessions")) {
        out[i] += ss.value("segments", 0L);
        if (ss.value("state", "") == "LIVE") is_live = true;
      }
      live += is_live;
    }
  };
  std::vector<long> seg0, seg1;
  int live = 0;
  for (;;) {
    check_daemon();
    pushers.check();
    segments(seg0, live);
    if (live == n) break;
    if (seconds_since(t_push) > live_timeout(o, n))
      throw daemon_broken("has " + std::to_string(live) + " of " + std::to_string(n) + " sessions LIVE after " +
                          std::to_string(live_timeout(o, n)) + " s");
    nap(std::chrono::milliseconds(500));
  }
  r.ready_s = seconds_since(t_push);
  const std::string m0 = http_get(http_port, "/metrics");
  segments(seg0, live);
  measure_window(o, r, daemon.pid(), [&] { return children_of(daemon.pid()); }, pushers, check_daemon);
  segments(seg1, live);
  const std::string m1 = http_get(http_port, "/metrics");
  summarise_segments(r, seg0, seg1);

  const auto sum0 = metric(m0, "bvlive_segment_publish_seconds_total"), sum1 = metric(m1, "bvlive_segment_publish_seconds_total");
  const auto cnt0 = metric(m0, "bvlive_segment_publish_count"), cnt1 = metric(m1, "bvlive_segment_publish_count");
  const auto mx = metric(m1, "bvlive_segment_publish_seconds_max");
  if (sum0 && sum1 && cnt0 && cnt1 && *cnt1 > *cnt0) r.latency_mean_ms = (*sum1 - *sum0) / (*cnt1 - *cnt0) * 1000;
  if (mx) r.latency_max_ms = *mx * 1000;
  if (!sum1 || !cnt1 || !mx) r.note = "bvlive_segment_publish_* missing from /metrics";

  pushers.stop();
  const int st = daemon.stop(SIGTERM, std::chrono::seconds(10));
  if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
    std::printf("  FAIL: bvlived (N=%d) did not exit 0 on SIGTERM (wait status %d); its log:\n%s", n, st,
                tail_of_file(log, 20).c_str());
    failed = true;
  }
  r.ran = true;
  return r;
}

// ---------------------------------------------------------------- nginx-rtmp

// Last media sequence number + 1 of an HLS playlist (the segments it has ever listed), or -1.
long playlist_next_seq(const std::string& path) {
  std::ifstream f(path);
  if (!f) return -1;
  std::string line;
  long seq = 0, count = 0;
  while (std::getline(f, line)) {
    if (line.rfind("#EXT-X-MEDIA-SEQUENCE:", 0) == 0) seq = std::atol(line.c_str() + 22);
    if (line.rfind("#EXTINF:", 0) == 0) ++count;
  }
  return count ? seq + count : -1;
}

Result run_nginx(const Options& o, int n, const std::string& dir, const std::string& file, bool&) {
  Result r;
  r.streams = n;
  fs::create_directories(dir + "/hls");
  fs::create_directories(dir + "/logs");
  const int port = free_port();
  const std::string conf = dir + "/nginx.conf", log = dir + "/logs/error.log";
  bvbench::NginxRtmpConf nc;
  nc.module = o.rtmp_module;
  nc.dir = dir;
  nc.rtmp_port = port;
  nc.fragment_s = o.segment_seconds;
  nc.playlist_s = o.segment_seconds * 6;
  nc.comment = "bench_ingest: nginx-rtmp as the baseline";
  std::ofstream(conf) << bvbench::nginx_rtmp_conf(nc);
  Child nginx({o.nginx, "-p", dir, "-c", conf, "-e", log}, dir + "/logs/stderr.log");
  auto nginx_broken = [&](const std::string& what) {
    return Broken("nginx (N=" + std::to_string(n) + ") " + what + "; its log:\n" + tail_of_file(log, 20) +
                  tail_of_file(dir + "/logs/stderr.log", 10));
  };
  auto check_nginx = [&] {
    if (!nginx.running()) throw nginx_broken(nginx.status());
  };
  const auto t0 = Clock::now();
  for (;;) {
    check_nginx();
    int fd = connect_tcp(port, 500);
    if (fd >= 0) {
      ::close(fd);
      break;
    }
    if (seconds_since(t0) > 10) throw nginx_broken("did not listen on 127.0.0.1:" + std::to_string(port) + " within 10 s");
    nap(std::chrono::milliseconds(20));
  }
  std::vector<std::string> urls, playlists;
  for (int i = 0; i < n; ++i) {
    urls.push_back("rtmp://127.0.0.1:" + std::to_string(port) + "/live/stream" + std::to_string(i));
    playlists.push_back(dir + "/hls/stream" + std::to_string(i) + ".m3u8");
  }
  Pushers pushers(o, file, dir + "/pushers");
  const auto t_push = Clock::now();
  pushers.start(urls);
  auto segments = [&](std::vector<long>& out) {
    out.clear();
    int ready = 0;
    for (const auto& p : playlists) {
      out.push_back(playlist_next_seq(p));
      ready += out.back() > 0;
    }
    return ready;
  };
  std::vector<long> seg0, seg1;
  for (;;) {
    check_nginx();
    pushers.check();
    int ready = segments(seg0);
    if (ready == n) break;
    if (seconds_since(t_push) > live_timeout(o, n))
      throw nginx_broken("lists segments for " + std::to_string(ready) + " of " + std::to_string(n) + " streams after " +
                         std::to_string(live_timeout(o, n)) + " s");
    nap(std::chrono::milliseconds(500));
  }
  r.ready_s = seconds_since(t_push);
  segments(seg0);
  measure_window(o, r, nginx.pid(), [&] { return children_of(nginx.pid()); }, pushers, check_nginx);
  r.server_cpu += r.children_cpu;
  r.children_cpu = 0;
  r.mem.fold_children();
  r.server_pss_mb += r.children_pss_mb;
  r.children_pss_mb = 0;
  segments(seg1);
  summarise_segments(r, seg0, seg1);
  pushers.stop();
  nginx.stop(SIGTERM, std::chrono::seconds(10));
  r.ran = true;
  return r;
}

// ---------------------------------------------------------------- report

std::string ratio(double a, double b) { return a > 0 && b > 0 ? fmt(a / b, 2) : "-"; }
std::string num(const Result& r, double v, int prec) { return r.ran ? fmt(v, prec) : "-"; }

void print_row(const std::string& what, const std::string& bv, const std::string& ng, const std::string& rt) {
  std::printf("| %-44s | %14s | %14s | %7s |\n", what.c_str(), bv.c_str(), ng.c_str(), rt.c_str());
}

void print_table(const Options& o, int n, const Result& b, const Result& g) {
  std::printf("\nN = %d concurrent pushes, segments of %d s; window %s s (bvlive) / %s s (nginx); load now %s\n", n,
              o.segment_seconds, num(b, b.window_s, 1).c_str(), num(g, g.window_s, 1).c_str(), loadavg().c_str());
  print_row("figure", "bvlive", "nginx-rtmp", "bv/ngx");
  std::printf("|%s|%s|%s|%s|\n", std::string(46, '-').c_str(), std::string(16, '-').c_str(),
              std::string(16, '-').c_str(), std::string(9, '-').c_str());
  auto per = [](const Result& r, double cpu) { return r.ran ? fmt(cpu / r.stream_seconds() * 1000, 3) : "-"; };
  print_row("CPU ms/stream-s: daemon | nginx master+worker", per(b, b.server_cpu), per(g, g.server_cpu),
            ratio(b.server_cpu / std::max(b.stream_seconds(), 1e-9), g.server_cpu / std::max(g.stream_seconds(), 1e-9)));
  print_row("CPU ms/stream-s: ffmpeg children (packagers)", per(b, b.children_cpu), "-", "");
  const double bt = b.ran ? b.total_cpu() / b.stream_seconds() : 0, gt = g.ran ? g.total_cpu() / g.stream_seconds() : 0;
  print_row("CPU ms/stream-s: total", per(b, b.total_cpu()), per(g, g.total_cpu()), ratio(bt, gt));
  print_row("CPU % of one core: total", num(b, b.total_cpu() / b.window_s * 100, 1),
            num(g, g.total_cpu() / g.window_s * 100, 1), "");
  print_row("RSS MB: daemon | nginx master+worker", num(b, b.mem.server_mb(), 1),
            num(g, g.mem.server_mb(), 1), ratio(b.mem.server_mb(), g.mem.server_mb()));
  print_row("RSS MB: ffmpeg children (sum)", num(b, b.mem.children_mb(), 1), "-", "");
  print_row("RSS MB: total", num(b, b.total_rss(), 1), num(g, g.total_rss(), 1), ratio(b.total_rss(), g.total_rss()));
  print_row("RSS MB: total per stream", num(b, b.total_rss() / n, 2), num(g, g.total_rss() / n, 2),
            ratio(b.total_rss(), g.total_rss()));
  print_row("PSS MB: total (shared pages counted once)", num(b, b.total_pss(), 1), num(g, g.total_pss(), 1),
            ratio(b.total_pss(), g.total_pss()));
  print_row("PSS MB: total per stream", num(b, b.total_pss() / n, 2), num(g, g.total_pss() / n, 2),
            ratio(b.total_pss(), g.total_pss()));
  print_row("children at the end (exited in window)",
            b.ran ? std::to_string(b.children) + " (" + std::to_string(b.children_gone) + ")" : "-",
            g.ran ? std::to_string(g.children) + " (" + std::to_string(g.children_gone) + ")" : "-", "");
  auto segs = [](const Result& r) {
    return r.ran ? fmt(r.mean_segments, 1) + " / " + std::to_string(r.min_segments) : std::string("-");
  };
  print_row("segments per stream in window: mean / min", segs(b), segs(g), "");
  auto ok = [](const Result& r) {
    return r.ran ? (r.streams_without ? "FAIL " + std::to_string(r.streams_without) : std::string("all")) : "-";
  };
  print_row("streams that produced segments", ok(b), ok(g), "");
  print_row("first push to all streams listed (s)", num(b, b.ready_s, 1), num(g, g.ready_s, 1), "");
  print_row("publish latency ms: mean in window", b.latency_mean_ms >= 0 ? fmt(b.latency_mean_ms, 1) : "-",
            "n/a", "");
  print_row("publish latency ms: max since start", b.latency_max_ms >= 0 ? fmt(b.latency_max_ms, 1) : "-", "n/a", "");
  print_row("pushers' CPU ms/stream-s (in neither total)", per(b, b.encoder_cpu), per(g, g.encoder_cpu), "");
  if (!b.note.empty()) std::printf("  note: %s\n", b.note.c_str());
  std::fflush(stdout);
}

int run(const Options& o) {
  for (const char* v : {"BVLIVE_CONFIG", "BVLIVE_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"}) ::unsetenv(v);
  if (o.run_nginx && !fs::exists(o.rtmp_module))
    throw Broken("no nginx RTMP module at " + o.rtmp_module +
                 " (apt-get install nginx-light libnginx-mod-rtmp, or --rtmp-module PATH, or --no-nginx)");
  const bvbench::WorkDir work(o.base_dir, "bench_ingest", o.keep);
  const std::string& dir = work.path();

  std::printf("bench_ingest: N concurrent RTMP passthrough pushes, bvlived vs nginx-rtmp (hls on)\n");
  bvbench::print_machine(dir, {{"bvlived", o.bvlived},
                               {"nginx", o.nginx + ", worker_processes 1, module " + o.rtmp_module}});
  std::string counts;
  for (int c : o.counts) counts += (counts.empty() ? "" : ",") + std::to_string(c);
  std::printf("  counts %s, window %d s of steady state per run, segments %d s, pushes %d ms apart\n", counts.c_str(),
              o.seconds, o.segment_seconds, o.stagger_ms);
  std::printf("  CPU = utime+stime from /proc/PID/stat over the window (10 ms ticks), in ms per stream-second;\n"
              "  RSS = VmRSS, mean of one-second samples;\n"
              "  PSS from smaps_rollup at the window's end (shared library pages split between processes)\n");
  std::fflush(stdout);

  const std::string file = make_test_file(o, dir);
  std::printf("  pushing %s (ffmpeg -re -stream_loop -1 -c copy -f flv), %.0f kB\n", file.c_str(),
              static_cast<double>(fs::file_size(file)) / 1000);
  std::fflush(stdout);

  bool failed = false;
  std::vector<std::pair<Result, Result>> all;
  for (int n : o.counts) {
    Result b, g;
    if (o.run_bvlive) {
      std::printf("\n[N=%d] bvlived: %d lives, pushing... (load %s)\n", n, n, loadavg().c_str());
      std::fflush(stdout);
      try {
        b = run_bvlive(o, n, dir + "/bvlive-" + std::to_string(n), file, failed);
      } catch (const Broken& e) {
        if (g_signal) throw;
        std::printf("  FAIL: %s\n", e.what());
        failed = true;
      }
    }
    if (o.run_nginx) {
      std::printf("[N=%d] nginx-rtmp: pushing... (load %s)\n", n, loadavg().c_str());
      std::fflush(stdout);
      try {
        g = run_nginx(o, n, dir + "/nginx-" + std::to_string(n), file, failed);
      } catch (const Broken& e) {
        if (g_signal) throw;
        std::printf("  FAIL: %s\n", e.what());
        failed = true;
      }
    }
    for (const Result* r : {&b, &g})
      if (r->ran && r->streams_without) {
        std::printf("  FAIL: %s, N=%d: %d stream(s) produced no segment in the window\n",
                    r == &b ? "bvlive" : "nginx", n, r->streams_without);
        failed = true;
      }
    print_table(o, n, b, g);
    all.emplace_back(b, g);
  }

  std::printf("\nSummary (bvlive = daemon + its ffmpeg packagers; nginx = master + 1 worker; ratio = bvlive / nginx)\n");
  std::printf("| %5s | %12s | %12s | %6s | %11s | %11s | %6s | %11s | %13s |\n", "N", "CPU ms/s bv", "CPU ms/s ngx",
              "ratio", "RSS MB bv", "RSS MB ngx", "ratio", "segments ok", "publish ms");
  std::printf("|-------|--------------|--------------|--------|-------------|-------------|--------|-------------|---------------|\n");
  for (std::size_t i = 0; i < all.size(); ++i) {
    const auto& [b, g] = all[i];
    const double bc = b.ran ? b.total_cpu() / b.stream_seconds() * 1000 : 0;
    const double gc = g.ran ? g.total_cpu() / g.stream_seconds() * 1000 : 0;
    std::string ok = std::string(b.ran ? (b.streams_without ? "FAIL" : "yes") : "-") + " / " +
                     (g.ran ? (g.streams_without ? "FAIL" : "yes") : "-");
    std::string lat = b.latency_mean_ms >= 0 ? fmt(b.latency_mean_ms, 0) + " / " + fmt(b.latency_max_ms, 0) : "-";
    std::printf("| %5d | %12s | %12s | %6s | %11s | %11s | %6s | %11s | %13s |\n", o.counts[i],
                b.ran ? fmt(bc, 3).c_str() : "-", g.ran ? fmt(gc, 3).c_str() : "-", ratio(bc, gc).c_str(),
                num(b, b.total_rss(), 1).c_str(), num(g, g.total_rss(), 1).c_str(),
                ratio(b.total_rss(), g.total_rss()).c_str(), ok.c_str(), lat.c_str());
  }
  std::printf("  (segments ok: bvlive / nginx; publish ms: bvlived's own bvlive_segment_publish_* figures, mean\n"
              "   in the window / max since the daemon started; nginx n/a: it exposes no comparable measure)\n");
  std::printf("load average at end: %s\n", loadavg().c_str());
  std::fflush(stdout);
  return failed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_args(argc, argv);
  return bvbench::run_bench("bench_ingest", [&] { return run(o); });
}
