// bench_ingest: N concurrent RTMP passthrough pushes into bvlived, against nginx-rtmp, on the
// same pushes in the same run (issue 18).
//
// For each N in --counts (default 1,50,200,500):
//   bvlive: a real bvlived (fresh state dir, loopback, port 0) packaging in-process
//     ([media] remux = "bvlived"); N lives, their previews opened, the same FLV pushed to each.
//   bvlive remux=ffmpeg: the same with [media] remux = "ffmpeg" (one ffmpeg child per push,
//     the architecture before 0.2), at the counts of --ffmpeg-remux-counts (default 1,50).
//   bvlive DRM (--drm): the same as bvlive with every live made with --protection drm (CMAF
//     'cbcs' sample encryption as it packages, keys from the built-in ClearKey: no [drm] table),
//     run right after the clear one at each N: its CPU against the clear run's is the cost of
//     encryption per stream-second. Both runs then read the daemon's media directory: a DRM
//     live's init segments must hold 'encv'/'enca' and its segments 'senc', a clear live's
//     none of them (else FAIL).
//   nginx: Debian's libnginx-mod-rtmp (`hls on`, the same fragment length), one worker,
//     run as this user under its own prefix.
// The pushes come from ONE thread of this program (common/rtmp_pusher.hpp: epoll,
// non-blocking sockets, the file's tags loaded once and sent in real time, looped with
// continuous timestamps, connections --stagger-ms apart), not from N ffmpeg processes,
// whose CPU would swamp a small machine; --pusher ffmpeg brings those back. The pushing
// thread's CPU is measured and counted for neither server.
//
// Per run: the time from each push's first media byte to its first segment in the media
// playlist (bvlive: GET /preview/ID/media.m3u8, nginx: the .m3u8 on disk listing a
// segment), polled every --poll-ms; then, once every stream lists a segment (or at the
// --live-timeout), a steady-state window (--seconds): CPU (utime+stime from /proc) of the
// server's whole process tree per stream-second, RSS and PSS of that tree (one-second
// samples), segments listed per stream (read from the same playlists before and after the
// window), the daemon's publish latency (/metrics bvlive_segment_publish_*), and whether the
// server kept up: every push accepted and still published, and every stream listed at least
// --kept-up percent of the segments its interval should hold.
//
// Benchmarks report, they never fail on timing: not keeping up is a figure. Exit 1 when
// something broke (a server did not start or died, bvlived did not exit 0 on SIGTERM, a
// server refused or dropped a push, or a stream produced no segment although its server read
// everything it was sent: a FAIL line says which), 2 on bad usage.
//
// Run: share/scripts/bench.sh --only bench_ingest [--quick] [--counts 1,50,200,500] [--source 720p] ...
#include "../common/bench_files.hpp"
#include "../common/bench_options.hpp"
#include "../common/bench_report.hpp"
#include "../common/bench_run.hpp"
#include "../common/nginx_rtmp.hpp"
#include "../common/rtmp_pusher.hpp"
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
#include <array>
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
#include <set>
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
namespace rtmp = bvbench::rtmp;

// ---------------------------------------------------------------- options

struct Options {
  std::vector<int> counts = {1, 50, 200, 500};
  std::set<int> ffmpeg_remux_counts = {1, 50};  // where bvlived also runs with [media] remux = "ffmpeg"
  int seconds = 30;          // steady-state window per N
  int segment_seconds = 2;   // bvlived [media] segment_duration and nginx hls_fragment
  int stagger_ms = 20;       // between two push starts
  int live_timeout = 0;      // s to wait for every stream to list a segment (0: 30 + N/5 + the ramp)
  int poll_ms = 20;          // first-segment polling period per stream (at least; a pass over N streams may take longer)
  int kept_up_pct = 90;      // of the segments the window should hold, for every stream
  int chunk_size = 4096;     // outgoing RTMP chunk size of the built-in pusher
  int idle_seconds = 5;      // the server's own CPU before the pushes (0: not measured)
  bool run_bvlive = true;
  bool run_nginx = true;
  bool drm = false;          // also bvlived with DRM lives, beside the clear ones
  bool keep = false;
  std::string source = "low";   // low: 426x240 25 fps ~460 kb/s; 720p: 1280x720 30 fps ~2.5 Mb/s
  std::string pusher = "built-in";  // or "ffmpeg": one ffmpeg -re -c copy per push
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
      "  --counts LIST       concurrent pushes per run, comma separated (default 1,50,200,500)\n"
      "  --ffmpeg-remux-counts LIST  counts at which bvlived also runs with [media] remux = \"ffmpeg\",\n"
      "                      the one-ffmpeg-per-push architecture, for comparison (default 1,50; 'none')\n"
      "  --source low|720p   generated test file: low = 426x240 25 fps ~460 kb/s (default),\n"
      "                      720p = 1280x720 30 fps ~2.5 Mb/s; H.264 + AAC, keyframes every 1 s\n"
      "  --input FILE.flv    push this file (H.264 + AAC, keyframes every 1 s) instead of a generated one\n"
      "  --seconds S         steady-state window measured per run (default 30)\n"
      "  --quick             smoke run: --counts 1,10 --seconds 10\n"
      "  --segment S         segment length for both servers (default 2)\n"
      "  --kept-up PCT       a server kept up when every push was accepted (NetStream.Publish.Start within\n"
      "                      20 s), none was dropped, and every stream listed PCT% of the segments its\n"
      "                      measured interval holds (interval / segment length) (default 90)\n"
      "  --pusher built-in|ffmpeg  the pushes: one thread of this program (default), or one\n"
      "                      `ffmpeg -re -stream_loop -1 -c copy` per push (the old way; heavy)\n"
      "  --stagger-ms MS     delay between two push starts (default 20)\n"
      "  --chunk-size N      outgoing RTMP chunk size of the built-in pusher (default 4096)\n"
      "  --poll-ms MS        first-segment polling period per stream (default 20)\n"
      "  --idle-seconds S    measure each server's CPU for S s before the pushes (default 5; 0: skip)\n"
      "  --live-timeout S    how long every stream may take to list its first segment\n"
      "                      (default 30 + N/5 + the start ramp); the window starts anyway after it\n"
      "  --drm               also run bvlived with DRM lives (--protection drm: cbcs, the built-in\n"
      "                      ClearKey) right after the clear run of each N, same N and source: CPU of\n"
      "                      DRM against clear per stream-second, and a check that it was encrypted\n"
      "  --no-nginx          bvlived only      --no-bvlive   nginx only\n"
      "  --dir DIR           make the temporary work directory under DIR (default $TMPDIR or /tmp)\n"
      "  --bvlived PATH      daemon binary (default: the one built with this benchmark)\n"
      "  --ffmpeg PATH       ffmpeg for the test file (and --pusher ffmpeg) (default: ffmpeg from PATH)\n"
      "  --nginx PATH        nginx binary (default /usr/sbin/nginx)\n"
      "  --rtmp-module PATH  (default /usr/lib/nginx/modules/ngx_rtmp_module.so, libnginx-mod-rtmp)\n"
      "  --keep              keep the work directory (logs, state, HLS output) afterwards\n"
      "Exit status: 0 figures printed (whether or not a server kept up), 1 something broke\n"
      "(a server died or refused a push, a stream it read produced no segment), 2 usage.\n";
}

int parse_positive(const std::string& flag, const char* v, long max = 100000) {
  return bvbench::parse_positive("bench_ingest", flag, v, max);
}

std::vector<int> parse_counts(const std::string& flag, const char* v) {
  if (!v) usage_error(flag + " needs a value");
  std::vector<int> out;
  std::stringstream in(v);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(parse_positive(flag, item.c_str(), 5000));
  if (out.empty()) usage_error(flag + ": empty list");
  return out;
}

Options parse_args(int argc, char** argv) {
  Options o;
  bool quick = false;
  std::optional<std::vector<int>> counts;
  std::optional<int> seconds;
  bvbench::OptionTable("bench_ingest", print_help)
      .flag("--quick", quick)
      .value("--counts", [&](const char* v) { counts = parse_counts("--counts", v); })
      .value("--ffmpeg-remux-counts",
             [&](const char* v) {
               o.ffmpeg_remux_counts.clear();
               if (std::string(v) == "none") return;
               for (int c : parse_counts("--ffmpeg-remux-counts", v)) o.ffmpeg_remux_counts.insert(c);
             })
      .text("--source", o.source, true)
      .number("--seconds", seconds, 86400)
      .number("--segment", o.segment_seconds, 60)
      .number("--kept-up", o.kept_up_pct, 100)
      .text("--pusher", o.pusher, true)
      .number("--stagger-ms", o.stagger_ms, 60000)
      .number("--chunk-size", o.chunk_size, 1 << 24)
      .number("--poll-ms", o.poll_ms, 10000)
      .value("--idle-seconds", [&](const char* v) { o.idle_seconds = std::string(v) == "0" ? 0 : parse_positive("--idle-seconds", v, 3600); })
      .number("--live-timeout", o.live_timeout, 86400)
      .flag("--no-nginx", o.run_nginx, false)
      .flag("--no-bvlive", o.run_bvlive, false)
      .flag("--drm", o.drm)
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
  if (o.source != "low" && o.source != "720p") usage_error("--source: '" + o.source + "' is neither low nor 720p");
  if (o.pusher != "built-in" && o.pusher != "ffmpeg") usage_error("--pusher: '" + o.pusher + "' is neither built-in nor ffmpeg");
  if (!o.run_bvlive && !o.run_nginx) usage_error("--no-nginx and --no-bvlive leave nothing to run");
  if (o.drm && !o.run_bvlive) usage_error("--drm measures bvlived: not with --no-bvlive");
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

// Every descendant of `root` (children, their children...): a server's whole process tree
// but the root itself. One pass over /proc.
std::vector<pid_t> descendants_of(pid_t root) {
  std::multimap<pid_t, pid_t> kids;  // ppid -> pid
  DIR* d = ::opendir("/proc");
  if (!d) return {};
  while (dirent* e = ::readdir(d)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (!end || *end || pid <= 0) continue;
    if (auto st = read_stat(static_cast<pid_t>(pid))) kids.emplace(st->ppid, st->pid);
  }
  ::closedir(d);
  std::vector<pid_t> out;
  std::vector<pid_t> todo{root};
  while (!todo.empty() && out.size() < 100000) {
    const pid_t p = todo.back();
    todo.pop_back();
    auto [lo, hi] = kids.equal_range(p);
    for (auto it = lo; it != hi; ++it) {
      out.push_back(it->second);
      todo.push_back(it->second);
    }
  }
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

// Memory over the window: the mean of one-second samples, RSS (VmRSS) and PSS (smaps_rollup)
// of the server's top process and of the rest of its tree, and the top process's RSS at each
// sample (growth).
struct MemSeries {
  double server_rss = 0, children_rss = 0, server_pss = 0, children_pss = 0;  // KiB, summed
  std::vector<long> top_rss;  // KiB, each sample
  int samples = 0;
  void add(long srss, long crss, long spss, long cpss) {
    server_rss += static_cast<double>(srss);
    children_rss += static_cast<double>(crss);
    server_pss += static_cast<double>(spss);
    children_pss += static_cast<double>(cpss);
    top_rss.push_back(srss);
    ++samples;
  }
  static double mb(double kib_sum, int n) { return n ? kib_sum / n * 1024 / 1e6 : 0; }
  double server_rss_mb() const { return mb(server_rss, samples); }
  double children_rss_mb() const { return mb(children_rss, samples); }
  double server_pss_mb() const { return mb(server_pss, samples); }
  double children_pss_mb() const { return mb(children_pss, samples); }
  double rss_mb() const { return server_rss_mb() + children_rss_mb(); }
  double pss_mb() const { return server_pss_mb() + children_pss_mb(); }
  // The top process's RSS growth from the first sample to the last, or from the middle one.
  double growth_mb() const { return top_rss.empty() ? 0 : static_cast<double>(top_rss.back() - top_rss.front()) * 1024 / 1e6; }
  double growth_second_half_mb() const {
    return top_rss.empty() ? 0 : static_cast<double>(top_rss.back() - top_rss[top_rss.size() / 2]) * 1024 / 1e6;
  }
};

// RSS and PSS of a whole tree now, in MB.
std::pair<double, double> tree_memory_mb(pid_t root) {
  long rss = rss_kib(root), pss = pss_kib(root);
  for (pid_t p : descendants_of(root)) rss += rss_kib(p), pss += pss_kib(p);
  return {rss * 1024.0 / 1e6, pss * 1024.0 / 1e6};
}

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

// GET http://127.0.0.1:port/path over HTTP/1.0: {status, body}; status 0 when no complete
// answer came within timeout_ms (or no connection).
std::pair<int, std::string> http_fetch(int port, const std::string& path, int timeout_ms = 10000) {
  int fd = connect_tcp(port, std::min(timeout_ms, 5000));
  if (fd < 0) return {0, ""};
  const std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  std::string resp;
  bool ok = ::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size());
  char buf[16384];
  const auto t0 = Clock::now();
  while (ok) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 200) < 0 && errno != EINTR) break;
    ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0) break;
    if (n > 0) resp.append(buf, static_cast<std::size_t>(n));
    if (seconds_since(t0) * 1000 > timeout_ms) ok = false;
  }
  ::close(fd);
  if (!ok || resp.rfind("HTTP/1.", 0) != 0 || resp.size() < 12) return {0, ""};
  const int status = std::atoi(resp.c_str() + 9);
  auto body = resp.find("\r\n\r\n");
  return {status, body == std::string::npos ? "" : resp.substr(body + 4)};
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

// ---------------------------------------------------------------- the source and the pushes

// The file every push sends, in memory for the built-in pusher.
struct Source {
  std::string path, label;
  rtmp::FlvSource flv;
};

// --source low: 426x240, 25 fps, ~460 kb/s; --source 720p: 1280x720, 30 fps, ~2.5 Mb/s (noise
// added so that x264 spends its bitrate); both H.264 + AAC with keyframes every second, 30 s,
// made once and looped by the pushers.
Source make_source(const Options& o, const std::string& dir) {
  Source s;
  if (!o.input.empty()) {
    if (!fs::exists(o.input)) throw Broken("--input " + o.input + ": no such file");
    s.path = o.input;
    s.label = o.input;
  } else {
    s.path = dir + "/input-" + o.source + ".flv";
    const std::string log = dir + "/input.log";
    std::vector<std::string> argv = {o.ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y"};
    if (o.source == "low") {
      s.label = "426x240 25 fps H.264 400 kb/s + AAC 64 kb/s, keyframe every 1 s";
      argv.insert(argv.end(), {"-f", "lavfi", "-i", "testsrc2=size=426x240:rate=25", "-f", "lavfi", "-i",
                               "sine=frequency=440:sample_rate=44100", "-t", "30", "-c:v", "libx264", "-preset",
                               "veryfast", "-g", "25", "-keyint_min", "25", "-sc_threshold", "0", "-b:v", "400k",
                               "-maxrate", "400k", "-bufsize", "800k", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a",
                               "64k", "-f", "flv", s.path});
    } else {
      s.label = "1280x720 30 fps H.264 2.4 Mb/s + AAC 128 kb/s, keyframe every 1 s";
      argv.insert(argv.end(), {"-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30", "-f", "lavfi", "-i",
                               "sine=frequency=440:sample_rate=48000", "-t", "30", "-vf", "noise=alls=12:allf=t",
                               "-c:v", "libx264", "-preset", "veryfast", "-g", "30", "-keyint_min", "30",
                               "-sc_threshold", "0", "-b:v", "2400k", "-maxrate", "2400k", "-bufsize", "4800k",
                               "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", "-f", "flv", s.path});
    }
    Child c(argv, log);
    const auto t0 = Clock::now();
    while (c.running()) {
      if (seconds_since(t0) > 600) throw Broken("generating the test file took over 600 s");
      nap(std::chrono::milliseconds(100));
    }
    if (c.status() != "exited 0" || !fs::exists(s.path))
      throw Broken("generating the test file with " + o.ffmpeg + " failed (" + c.status() + "):\n" + tail_of_file(log, 10));
  }
  s.flv = rtmp::load_flv(s.path);
  return s;
}

// N pushes: the built-in single-thread pusher, or (--pusher ffmpeg) one ffmpeg each.
class Load {
 public:
  Load(const Options& o, const Source& src, std::string log_dir) : o_(o), src_(src), log_dir_(std::move(log_dir)) {}
  ~Load() { stop(); }

  void start(const std::vector<rtmp::PushTarget>& targets) {
    if (o_.pusher == "built-in") {
      rtmp::LoadConfig cfg;
      cfg.stagger_ms = o_.stagger_ms;
      cfg.chunk_size = static_cast<std::uint32_t>(o_.chunk_size);
      rt_ = std::make_unique<rtmp::RtmpLoad>(src_.flv, targets, cfg);
      rt_->start();
      return;
    }
    fs::create_directories(log_dir_);
    for (std::size_t i = 0; i < targets.size(); ++i) {
      if (i) nap(std::chrono::milliseconds(o_.stagger_ms));
      const auto& t = targets[i];
      logs_.push_back(log_dir_ + "/push" + std::to_string(i) + ".log");
      starts_.push_back(Clock::now());
      children_.push_back(std::make_unique<Child>(
          std::vector<std::string>{o_.ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop",
                                   "-1", "-i", src_.path, "-c", "copy", "-f", "flv",
                                   "rtmp://127.0.0.1:" + std::to_string(t.port) + "/" + t.app + "/" + t.key},
          logs_.back()));
    }
  }

  // ffmpeg pushers: published = running, first media = the process start (no better known).
  std::vector<rtmp::PushStatus> status() {
    if (rt_) return rt_->status();
    std::vector<rtmp::PushStatus> out(children_.size());
    for (std::size_t i = 0; i < children_.size(); ++i) {
      out[i].first_media = starts_[i];
      out[i].published = children_[i]->running();
      if (!out[i].published)
        out[i].error = "ffmpeg pusher " + children_[i]->status() + ": " + tail_of_file(logs_[i], 3);
    }
    return out;
  }
  bool counts_bytes() const { return rt_ != nullptr; }

  // CPU seconds of the pushing so far (the thread, or the ffmpeg pushers still running).
  double cpu_seconds() {
    if (rt_) return rt_->cpu_seconds();
    static const double hz = static_cast<double>(::sysconf(_SC_CLK_TCK));
    double ticks = 0;
    for (const auto& c : children_)
      if (auto st = read_stat(c->pid())) ticks += static_cast<double>(st->cpu_ticks);
    return ticks / hz;
  }
  void reset_window() {
    if (rt_) rt_->reset_window();
  }
  void stop() {
    if (rt_) rt_->stop();
    stop_all(children_);
  }

 private:
  const Options& o_;
  const Source& src_;
  std::string log_dir_;
  std::unique_ptr<rtmp::RtmpLoad> rt_;
  std::vector<std::unique_ptr<Child>> children_;
  std::vector<std::string> logs_;
  std::vector<Clock::time_point> starts_;
};

// ---------------------------------------------------------------- results

// Last media sequence number + 1 of an HLS media playlist (the segments it has ever listed),
// or -1 when it lists none.
long playlist_next_seq_text(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  long seq = 0, count = 0;
  while (std::getline(in, line)) {
    if (line.rfind("#EXT-X-MEDIA-SEQUENCE:", 0) == 0) seq = std::atol(line.c_str() + 22);
    if (line.rfind("#EXTINF:", 0) == 0) ++count;
  }
  return count ? seq + count : -1;
}

// The same of a playlist file (nginx writes them), -1 when absent.
long playlist_next_seq(const std::string& path) {
  std::ifstream f(path);
  if (!f) return -1;
  std::stringstream text;
  text << f.rdbuf();
  return playlist_next_seq_text(text.str());
}

// What a bvlived run left in its media directory (STATE/media/LIVE/SESSION[/RENDITION]/) says of
// encryption: CMAF common encryption ('cbcs') turns an init segment's sample entries into
// 'encv' / 'enca' and puts a 'senc' box in every fragment. Read after the window, up to
// kEncryptionLives lives, every init segment and the newest complete segments of each folder.
constexpr int kEncryptionLives = 100;
constexpr int kEncryptionSegmentsPerFolder = 2;
struct Encryption {
  bool scanned = false;
  int asked = 0, lives = 0, lives_encrypted = 0;  // lives looked at; with an init and a segment; all encrypted
  int inits = 0, inits_encv = 0, inits_enca = 0;
  int segments = 0, segments_senc = 0;
  // Every live with media is encrypted throughout (lives without are the segment checks' business)
  // / nothing is at all.
  bool all_encrypted() const { return lives > 0 && lives_encrypted == lives; }
  bool all_clear() const { return inits_encv + inits_enca + segments_senc == 0; }
  std::string text() const {
    if (!scanned) return "-";
    return std::to_string(lives_encrypted) + "/" + std::to_string(lives) + " lives" +
           (lives < asked ? " (" + std::to_string(asked - lives) + " without media)" : "") + "; " +
           std::to_string(inits_encv) + "+" +
           std::to_string(inits_enca) + "/" + std::to_string(inits) + " inits encv+enca; " +
           std::to_string(segments_senc) + "/" + std::to_string(segments) + " segs senc";
  }
};

Encryption scan_encryption(const std::string& media_root, const std::vector<std::string>& live_ids) {
  Encryption e;
  e.scanned = true;
  auto holds = [](const std::string& bytes, const char* box) { return bytes.find(box) != std::string::npos; };
  for (std::size_t i = 0; i < live_ids.size() && static_cast<int>(i) < kEncryptionLives; ++i) {
    ++e.asked;
    std::map<fs::path, std::vector<fs::path>> folders;  // folder -> its files
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(media_root + "/" + live_ids[i], ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
      if (it->is_regular_file(ec) && it->file_size(ec) > 0) folders[it->path().parent_path()].push_back(it->path());
    int inits = 0, segments = 0, encrypted = 0;
    for (auto& [folder, files] : folders) {
      std::sort(files.begin(), files.end());
      std::vector<fs::path> segs;
      for (const auto& f : files) {
        const std::string name = f.filename().string();
        if (name.rfind("seg_", 0) == 0 && name.ends_with(".m4s")) segs.push_back(f);
        if (!(name == "init.mp4" || (name.rfind("init-", 0) == 0 && name.ends_with(".mp4")))) continue;
        const std::string bytes = bvbench::read_file(f.string());
        const bool v = holds(bytes, "encv"), a = holds(bytes, "enca");
        ++inits;
        e.inits_encv += v;
        e.inits_enca += a;
        encrypted += v || a;
      }
      // The newest is perhaps still being written: the ones before it (or the only one).
      const std::size_t end = segs.size() > 1 ? segs.size() - 1 : segs.size();
      for (std::size_t k = end > kEncryptionSegmentsPerFolder ? end - kEncryptionSegmentsPerFolder : 0; k < end; ++k) {
        const bool senc = holds(bvbench::read_file(segs[k].string()), "senc");
        ++segments;
        e.segments_senc += senc;
        encrypted += senc;
      }
    }
    e.inits += inits;
    e.segments += segments;
    if (!inits || !segments) continue;  // nothing to tell by
    ++e.lives;
    e.lives_encrypted += encrypted == inits + segments;
  }
  return e;
}

struct Result {
  bool ran = false;
  int streams = 0;
  double window_s = 0;
  double server_cpu = 0, children_cpu = 0, pusher_cpu = 0;  // CPU seconds over the window
  int children = 0, children_gone = 0;                       // processes in the tree but the top one
  MemSeries mem;
  double idle_rss_mb = 0, idle_pss_mb = 0;  // the tree before the pushes (bvlive: with its N lives made)
  double idle_cpu_pct = -1;                  // % of one core, the tree before the pushes
  // Segments produced in the window, per stream, against window / segment length.
  double expected_segments = 0;
  int min_segments = 0, streams_without = 0, streams_short = 0, streams_unread = 0;
  double mean_segments = 0;
  long segments_made = 0;
  std::vector<int> silent_streams;  // produced nothing in the window
  double latency_mean_ms = -1, latency_max_ms = -1;
  // First segment listed, seconds after each push's first media byte; the polling period.
  std::vector<double> first_segment_s;
  double poll_period_ms = 0;
  int ready = 0;        // streams listing a segment when the window began
  double ready_s = 0;   // from the first push to then
  // The pushes over the window.
  double ingest_mbps = -1;
  double late_max_ms = 0;
  int stalls = 0, streams_late = 0;  // late: a tag went out over 1 s after its time
  int dropped = 0;        // refused or cut by the server: broken
  int not_accepted = 0;   // not accepted within the publish timeout: the server is behind
  std::string drop_reason, timeout_reason;
  double count_pass_s = 0;  // the slowest reading of every stream's segment count
  // bvlived's own view.
  double sessions_failed = -1;
  int lives_not_live = -1;
  std::string session_notes;
  Encryption encryption;  // --drm only
  std::string note;
  std::string log_tail;
  int log_lines = 0;

  double stream_seconds() const { return streams * window_s; }
  double total_cpu() const { return server_cpu + children_cpu; }
  double cpu_ms_per_stream_s() const { return ran ? total_cpu() / stream_seconds() * 1000 : 0; }
  // The same without what the server spends with no push at all (its idle rate over the window).
  double cpu_above_idle_ms_per_stream_s() const {
    return ran && idle_cpu_pct >= 0 ? (total_cpu() - idle_cpu_pct / 100 * window_s) / stream_seconds() * 1000 : -1;
  }
  bool kept_up() const { return ran && dropped == 0 && not_accepted == 0 && streams_short == 0; }
};

double median(std::vector<double> v) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// Segments listed so far per stream, each with the moment it was read (reading N counts takes
// a while: each stream's own interval is what it should have filled). -1: the playlist lists
// none; kUnread: it could not be read (no answer in time).
constexpr long kUnread = -2;
struct Counts {
  std::vector<long> n;
  std::vector<Clock::time_point> at;
  void add(long v) {
    n.push_back(v);
    at.push_back(Clock::now());
  }
};

void summarise_segments(const Options& o, Result& r, const Counts& before, const Counts& after) {
  r.min_segments = 1 << 30;
  long sum = 0;
  double expected = 0;
  for (std::size_t i = 0; i < after.n.size(); ++i) {
    if (before.n[i] == kUnread || after.n[i] == kUnread) {  // unknown: not kept up, not silent either
      ++r.streams_unread;
      ++r.streams_short;
      continue;
    }
    const long d = std::max(after.n[i], 0L) - std::max(before.n[i], 0L);
    const double want = std::chrono::duration<double>(after.at[i] - before.at[i]).count() / o.segment_seconds;
    expected += want;
    r.min_segments = std::min<int>(r.min_segments, static_cast<int>(d));
    if (d <= 0) {
      ++r.streams_without;
      r.silent_streams.push_back(static_cast<int>(i));
    }
    if (static_cast<double>(d) + 1e-9 < want * o.kept_up_pct / 100.0) ++r.streams_short;
    sum += d;
  }
  const auto read = static_cast<double>(after.n.size()) - r.streams_unread;
  if (read <= 0) r.min_segments = 0;
  r.segments_made = sum;
  r.mean_segments = read > 0 ? static_cast<double>(sum) / read : 0;
  r.expected_segments = read > 0 ? expected / read : 0;
}

int live_timeout(const Options& o, int n) {
  return o.live_timeout ? o.live_timeout : 30 + n / 5 + static_cast<int>(static_cast<long>(n) * o.stagger_ms / 1000);
}

// Polls every push's playlist until each lists a segment (or its push failed, or the live
// timeout): the time from its first media byte to the poll that saw the segment.
template <typename Listed, typename Alive>
void wait_first_segments(const Options& o, int n, Load& load, Clock::time_point t_push, Result& r, Listed&& listed,
                         Alive&& check_alive) {
  std::vector<char> done(static_cast<std::size_t>(n), 0);
  int ready = 0, passes = 0;
  double period_sum = 0;
  auto last_pass = Clock::now();
  for (;;) {
    check_alive();
    const auto st = load.status();
    int gone = 0;
    const auto p0 = Clock::now();
    if (passes) period_sum += std::chrono::duration<double, std::milli>(p0 - last_pass).count();
    last_pass = p0;
    ++passes;
    for (int i = 0; i < n; ++i) {
      if (seconds_since(t_push) > live_timeout(o, n)) break;  // a slow server makes a pass slow: bounded
      if (done[i]) continue;
      if (!st[i].error.empty()) {
        ++gone;
        continue;
      }
      if (!st[i].first_media) continue;
      if (listed(i)) {
        done[i] = 1;
        ++ready;
        r.first_segment_s.push_back(std::chrono::duration<double>(Clock::now() - *st[i].first_media).count());
      }
    }
    if (ready + gone >= n) break;
    if (seconds_since(t_push) > live_timeout(o, n)) {
      r.note += "only " + std::to_string(ready) + " of " + std::to_string(n) + " streams listed a segment within " +
                std::to_string(live_timeout(o, n)) + " s; measured anyway. ";
      break;
    }
    const auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - p0);
    nap(std::max(std::chrono::milliseconds(1), std::chrono::milliseconds(o.poll_ms) - spent));
  }
  r.ready = ready;
  r.ready_s = seconds_since(t_push);
  r.poll_period_ms = passes > 1 ? period_sum / (passes - 1) : 0;
}

// The measured window, shared by every server: CPU of the tree at both ends, memory sampled
// every second, the liveness of the server checked on each sample; the pushes' CPU, bytes and
// lateness over the same window.
template <typename Alive>
void measure_window(const Options& o, Result& r, pid_t server, Load& load, Alive&& check_alive) {
  const auto kids0 = descendants_of(server);
  const CpuSnapshot server_a = cpu_snapshot({server});
  const CpuSnapshot kids_a = cpu_snapshot(kids0);
  const double load_a = load.cpu_seconds();
  const auto st_a = load.status();
  load.reset_window();
  const auto t0 = Clock::now();
  for (int s = 0; s < o.seconds; ++s) {
    nap(std::chrono::milliseconds(1000) - std::chrono::duration_cast<std::chrono::milliseconds>(
                                              Clock::now() - t0 - std::chrono::seconds(s)));
    check_alive();
    long krss = 0, kpss = 0;
    for (pid_t p : descendants_of(server)) krss += rss_kib(p), kpss += pss_kib(p);
    r.mem.add(rss_kib(server), krss, pss_kib(server), kpss);
  }
  const auto kids_now = descendants_of(server);
  const CpuSnapshot server_b = cpu_snapshot({server});
  const CpuSnapshot kids_b = cpu_snapshot(kids_now);
  const double load_b = load.cpu_seconds();
  r.window_s = seconds_since(t0);
  nap(std::chrono::milliseconds(150));  // the pusher's status is refreshed every 100 ms
  const auto st_b = load.status();
  r.server_cpu = cpu_between(server_a, server_b).seconds;
  const CpuDelta kd = cpu_between(kids_a, kids_b);
  r.children_cpu = kd.seconds;
  r.children_gone = kd.gone;
  r.children = static_cast<int>(kids_now.size());
  r.pusher_cpu = load_b - load_a;
  std::uint64_t bytes = 0;
  for (std::size_t i = 0; i < st_b.size(); ++i) {
    bytes += st_b[i].bytes - std::min(st_b[i].bytes, st_a[i].bytes);
    r.late_max_ms = std::max(r.late_max_ms, st_b[i].late_ms);
    r.stalls += st_b[i].stalls;
    if (st_b[i].late_ms > 1000) ++r.streams_late;
  }
  if (load.counts_bytes()) r.ingest_mbps = static_cast<double>(bytes) * 8 / r.window_s / 1e6;
}

// The tree's CPU (% of one core) and memory with no push, over --idle-seconds.
void measure_idle(const Options& o, Result& r, pid_t server) {
  std::tie(r.idle_rss_mb, r.idle_pss_mb) = tree_memory_mb(server);
  if (!o.idle_seconds) return;
  auto tree = [&] {
    auto v = descendants_of(server);
    v.push_back(server);
    return v;
  };
  const CpuSnapshot a = cpu_snapshot(tree());
  const auto t0 = Clock::now();
  nap(std::chrono::seconds(o.idle_seconds));
  const CpuSnapshot b = cpu_snapshot(tree());
  r.idle_cpu_pct = cpu_between(a, b).seconds / seconds_since(t0) * 100;
}

// Pushes the server refused or dropped, and those it did not accept in time, by the end of the run.
void count_dropped(Result& r, Load& load) {
  for (const auto& s : load.status()) {
    if (s.error.empty()) continue;
    if (s.timed_out) {
      if (!r.not_accepted) r.timeout_reason = s.error;
      ++r.not_accepted;
    } else {
      if (!r.dropped) r.drop_reason = s.error;
      ++r.dropped;
    }
  }
}

std::string log_summary(const std::string& path, int& lines) {
  std::ifstream f(path);
  std::string line;
  lines = 0;
  while (std::getline(f, line)) ++lines;
  return lines ? tail_of_file(path, 5) : "";
}

// ---------------------------------------------------------------- bvlived

// With `drm`, every live is made with security.protection PROTECTION_TYPE_DRM (no [drm] table:
// the built-in ClearKey's keys).
Result run_bvlive(const Options& o, int n, const std::string& dir, const Source& src, bool ffmpeg_remux, bool drm,
                  bool& failed) {
  Result r;
  r.streams = n;
  fs::create_directories(dir);
  const std::string sock = dir + "/bvlived.sock";
  const std::string config = dir + "/bvlived.toml";
  const std::string log = dir + "/bvlived.log";
  const std::string label = std::string(ffmpeg_remux ? "bvlived remux=ffmpeg" : "bvlived") + (drm ? " DRM" : "");
  {
    std::ofstream(config) << "# bench_ingest\n[media]\nsegment_duration = " << o.segment_seconds << "\nremux = \""
                          << (ffmpeg_remux ? "ffmpeg" : "bvlived") << "\"\n";
  }
  Child daemon({o.bvlived, "--config", config, "--socket", sock, "--state-dir", dir + "/state", "--listen",
                "127.0.0.1", "--rtmp-port", "0", "--srt-port", "0", "--http-port", "0", "--api-port", "0", "--webrtc-port", "0", "--log-level", "warn"},
               log);
  auto daemon_broken = [&](const std::string& what) {
    return Broken(label + " (N=" + std::to_string(n) + ") " + what + "; its log (" + log + "):\n" + tail_of_file(log, 20));
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

  std::vector<std::string> ids, playlists;
  std::vector<rtmp::PushTarget> targets;
  for (int i = 0; i < n; ++i) {
    json spec = {{"name", "ingest " + std::to_string(i)}};
    if (drm) spec["security"] = {{"protection", {{"type", "PROTECTION_TYPE_DRM"}}}};
    json c = rpc->call("live.create", {{"live", spec}});
    const std::string id = c.at("live").at("id").get<std::string>();
    rpc->call("live.preview", {{"id", id}});
    const json g = rpc->call("live.get", {{"id", id}});
    ids.push_back(id);
    playlists.push_back("/preview/" + id + "/media.m3u8?token=" + g.at("live").at("preview_token").get<std::string>());
    targets.push_back({rtmp_port, "live", g.at("live").at("stream_key").get<std::string>()});
  }
  measure_idle(o, r, daemon.pid());

  Load load(o, src, dir + "/pushers");
  const auto t_push = Clock::now();
  load.start(targets);
  wait_first_segments(
      o, n, load, t_push, r,
      [&](int i) {
        auto [st, body] = http_fetch(http_port, playlists[i], 5000);
        return st == 200 && body.find("#EXTINF") != std::string::npos;
      },
      check_daemon);

  // Segments listed so far per stream, from its media playlist (what a viewer sees, as the
  // nginx figures are read from its playlists). A daemon too slow to answer makes a pass slow:
  // after 120 s the streams not read yet count as unknown (-1, no segment).
  auto segments = [&] {
    Counts out;
    const auto t0 = Clock::now();
    int unread = 0;
    for (int i = 0; i < n; ++i) {
      if (seconds_since(t0) > 120) {
        out.add(kUnread);
        ++unread;
        continue;
      }
      auto [st, body] = http_fetch(http_port, playlists[i], 5000);
      out.add(st == 200 ? playlist_next_seq_text(body) : kUnread);
      unread += st != 200;
    }
    r.count_pass_s = std::max(r.count_pass_s, seconds_since(t0));
    if (unread)
      r.note += std::to_string(unread) + " of " + std::to_string(n) + " playlists not read (no answer within 5 s, or " +
                "past 120 s for the pass); counted as not kept up. ";
    return out;
  };
  // Lives without a LIVE session, and what their sessions say (warnings, end reasons), over
  // the control socket; at most 60 s of it.
  auto sessions = [&] {
    std::map<std::string, int> said;
    int missing = 0, asked = 0;
    const auto t0 = Clock::now();
    for (std::size_t i = 0; i < ids.size() && seconds_since(t0) < 60; ++i, ++asked) {
      const json s = rpc->call("live.sessions", {{"id", ids[i]}});
      bool is_live = false;
      for (const auto& ss : s.at("sessions")) {
        if (ss.value("state", "") == "LIVE") is_live = true;
        for (const char* k : {"warning", "end_reason"})
          if (ss.contains(k) && ss[k].is_string()) ++said[std::string(k) + ": " + ss[k].get<std::string>()];
        if (ss.value("state", "") != "LIVE") ++said["session " + ss.value("state", std::string("?"))];
      }
      missing += !is_live;
    }
    for (const auto& [what, count] : said)
      r.session_notes += (r.session_notes.empty() ? "" : "; ") + what + " (x" + std::to_string(count) + ")";
    if (asked < n)
      r.session_notes += (r.session_notes.empty() ? "" : "; ") + std::string("only ") + std::to_string(asked) + " of " +
                         std::to_string(n) + " lives asked (live.sessions slower than 60 s in all)";
    r.lives_not_live = missing;
  };
  auto metrics = [&] {
    auto [st, body] = http_fetch(http_port, "/metrics", 10000);
    if (st != 200) r.note += "GET /metrics failed (status " + std::to_string(st) + "). ";
    return body;
  };
  const std::string m0 = metrics();
  const Counts seg0 = segments();
  measure_window(o, r, daemon.pid(), load, check_daemon);
  const Counts seg1 = segments();
  const std::string m1 = metrics();
  summarise_segments(o, r, seg0, seg1);
  count_dropped(r, load);
  sessions();
  if (o.drm) r.encryption = scan_encryption(dir + "/state/media", ids);

  const auto sum0 = metric(m0, "bvlive_segment_publish_seconds_total"), sum1 = metric(m1, "bvlive_segment_publish_seconds_total");
  const auto cnt0 = metric(m0, "bvlive_segment_publish_count"), cnt1 = metric(m1, "bvlive_segment_publish_count");
  const auto mx = metric(m1, "bvlive_segment_publish_seconds_max");
  if (sum0 && sum1 && cnt0 && cnt1 && *cnt1 > *cnt0) r.latency_mean_ms = (*sum1 - *sum0) / (*cnt1 - *cnt0) * 1000;
  if (mx) r.latency_max_ms = *mx * 1000;
  if (!sum1 || !cnt1 || !mx) r.note += "bvlive_segment_publish_* missing from /metrics. ";
  if (auto f = metric(m1, "bvlive_sessions_failed_total")) r.sessions_failed = *f;

  load.stop();
  const int st = daemon.stop(SIGTERM, std::chrono::seconds(30));
  if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
    const std::string how = WIFSIGNALED(st) ? "killed by signal " + std::to_string(WTERMSIG(st)) +
                                                  (WCOREDUMP(st) ? ", core dumped" : "")
                                            : "wait status " + std::to_string(st);
    std::printf("  FAIL: %s (N=%d) did not exit 0 on SIGTERM (%s); its log:\n%s", label.c_str(), n, how.c_str(),
                tail_of_file(log, 20).c_str());
    failed = true;
  }
  r.log_tail = log_summary(log, r.log_lines);
  r.ran = true;
  return r;
}

// ---------------------------------------------------------------- nginx-rtmp

Result run_nginx(const Options& o, int n, const std::string& dir, const Source& src, bool&) {
  Result r;
  r.streams = n;
  fs::create_directories(dir + "/hls");
  fs::create_directories(dir + "/logs");
  const int port = bvbench::free_port();
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
  std::vector<rtmp::PushTarget> targets;
  std::vector<std::string> playlists;
  for (int i = 0; i < n; ++i) {
    targets.push_back({port, "live", "stream" + std::to_string(i)});
    playlists.push_back(dir + "/hls/stream" + std::to_string(i) + ".m3u8");
  }
  nap(std::chrono::milliseconds(200));  // the worker up
  measure_idle(o, r, nginx.pid());
  Load load(o, src, dir + "/pushers");
  const auto t_push = Clock::now();
  load.start(targets);
  wait_first_segments(
      o, n, load, t_push, r, [&](int i) { return playlist_next_seq(playlists[i]) > 0; }, check_nginx);
  auto segments = [&] {
    Counts out;
    const auto t0 = Clock::now();
    for (const auto& p : playlists) out.add(playlist_next_seq(p));
    r.count_pass_s = std::max(r.count_pass_s, seconds_since(t0));
    return out;
  };
  const Counts seg0 = segments();
  measure_window(o, r, nginx.pid(), load, check_nginx);
  const Counts seg1 = segments();
  // nginx's worker is the server itself, not a helper: counted with the master.
  r.server_cpu += r.children_cpu;
  r.children_cpu = 0;
  r.mem.server_rss += r.mem.children_rss;
  r.mem.children_rss = 0;
  r.mem.server_pss += r.mem.children_pss;
  r.mem.children_pss = 0;
  summarise_segments(o, r, seg0, seg1);
  count_dropped(r, load);
  load.stop();
  nginx.stop(SIGTERM, std::chrono::seconds(10));
  r.log_tail = log_summary(log, r.log_lines);
  r.ran = true;
  return r;
}

// ---------------------------------------------------------------- report

std::string ratio(double a, double b) { return a > 0 && b > 0 ? fmt(a / b, 2) : "-"; }
std::string num(const Result& r, double v, int prec) { return r.ran ? fmt(v, prec) : "-"; }

struct Row {
  int n = 0;
  Result bv, bvd, bvf, ng;  // bvlived, bvlived with DRM lives (--drm), bvlived remux=ffmpeg, nginx

  // The servers of a run by their column names: "bv DRM" only with --drm.
  std::vector<std::pair<const char*, const Result*>> columns(const Options& o) const {
    std::vector<std::pair<const char*, const Result*>> c = {{"bvlive", &bv}};
    if (o.drm) c.emplace_back("bv DRM", &bvd);
    c.insert(c.end(), {{"bv remux=ffm", &bvf}, {"nginx-rtmp", &ng}});
    return c;
  }
};

void print_row(const std::string& what, const std::vector<std::string>& cells, const std::string& rt) {
  std::printf("| %-50s |", what.c_str());
  for (const auto& c : cells) std::printf(" %13s |", c.c_str());
  std::printf(" %6s |\n", rt.c_str());
}

void print_table(const Options& o, const Row& row) {
  const Result &b = row.bv, &g = row.ng;
  const int n = row.n;
  const auto cols = row.columns(o);
  std::string windows;
  std::vector<std::string> names;
  for (const auto& [name, r] : cols) {
    windows += (windows.empty() ? "" : " / ") + num(*r, r->window_s, 1);
    names.emplace_back(name);
  }
  std::printf("\nN = %d concurrent pushes, segments of %d s; window %s s; load now %s\n", n, o.segment_seconds,
              windows.c_str(), loadavg().c_str());
  print_row("figure", names, "bv/ngx");
  std::printf("|%s|", std::string(52, '-').c_str());
  for (std::size_t i = 0; i < cols.size(); ++i) std::printf("%s|", std::string(15, '-').c_str());
  std::printf("%s|\n", std::string(8, '-').c_str());
  auto row3 = [&](const std::string& what, auto fn, int prec, bool with_ratio) {
    std::vector<std::string> v;
    for (const auto& [name, r] : cols) v.push_back(num(*r, fn(*r), prec));
    print_row(what, v, with_ratio && b.ran && g.ran ? ratio(fn(b), fn(g)) : "");
  };
  row3("CPU ms/stream-s: top process (daemon | nginx m+w)", [](const Result& r) { return r.server_cpu / r.stream_seconds() * 1000; }, 3, true);
  row3("CPU ms/stream-s: children (ffmpeg packagers)", [](const Result& r) { return r.children_cpu / r.stream_seconds() * 1000; }, 3, false);
  row3("CPU ms/stream-s: whole tree", [](const Result& r) { return r.cpu_ms_per_stream_s(); }, 3, true);
  row3("CPU ms/stream-s: whole tree, less its idle rate",
       [](const Result& r) { return r.cpu_above_idle_ms_per_stream_s(); }, 3, true);
  row3("CPU % of one core: whole tree", [](const Result& r) { return r.total_cpu() / r.window_s * 100; }, 1, false);
  row3("CPU % of one core: whole tree before the pushes", [](const Result& r) { return r.idle_cpu_pct; }, 2, false);
  row3("RSS MB: whole tree (mean of 1 s samples)", [](const Result& r) { return r.mem.rss_mb(); }, 1, true);
  row3("RSS MB: whole tree per stream", [](const Result& r) { return r.mem.rss_mb() / r.streams; }, 3, true);
  row3("RSS MB: whole tree before the pushes", [](const Result& r) { return r.idle_rss_mb; }, 1, false);
  row3("RSS MB: top process growth over the window", [](const Result& r) { return r.mem.growth_mb(); }, 2, false);
  row3("  ... over its second half", [](const Result& r) { return r.mem.growth_second_half_mb(); }, 2, false);
  row3("  ... KiB per segment made in the window",
       [](const Result& r) { return r.segments_made ? r.mem.growth_mb() * 1e6 / 1024 / r.segments_made : 0; }, 2, false);
  row3("PSS MB: whole tree (mean of 1 s samples)", [](const Result& r) { return r.mem.pss_mb(); }, 1, true);
  row3("PSS MB: whole tree per stream", [](const Result& r) { return r.mem.pss_mb() / r.streams; }, 3, true);
  row3("PSS MB: before the pushes", [](const Result& r) { return r.idle_pss_mb; }, 1, false);
  row3("PSS MiB added per stream ((window - before) / N)",
       [](const Result& r) { return (r.mem.pss_mb() - r.idle_pss_mb) * 1e6 / 1048576 / r.streams; }, 3, true);
  row3("RSS MiB added per stream ((window - before) / N)",
       [](const Result& r) { return (r.mem.rss_mb() - r.idle_rss_mb) * 1e6 / 1048576 / r.streams; }, 3, true);
  auto text = [&](const std::string& what, auto fn) {
    std::vector<std::string> v;
    for (const auto& [name, r] : cols) v.push_back(r->ran ? fn(*r) : "-");
    print_row(what, v, "");
  };
  text("processes in the tree but the top (exited)",
       [](const Result& r) { return std::to_string(r.children) + " (" + std::to_string(r.children_gone) + ")"; });
  text("ingest Mb/s received (pusher bytes sent)",
       [](const Result& r) { return r.ingest_mbps >= 0 ? fmt(r.ingest_mbps, 1) : std::string("n/a"); });
  text("segments per stream in window: mean / min",
       [](const Result& r) { return fmt(r.mean_segments, 1) + " / " + std::to_string(r.min_segments); });
  text("  ... expected (each stream's interval / segment)", [](const Result& r) { return fmt(r.expected_segments, 1); });
  text("streams < " + std::to_string(o.kept_up_pct) + "% of expected | none | unread", [](const Result& r) {
    return std::to_string(r.streams_short) + " | " + std::to_string(r.streams_without) + " | " +
           std::to_string(r.streams_unread);
  });
  text("  ... reading all the counts took, s (slower pass)", [](const Result& r) { return fmt(r.count_pass_s, 1); });
  text("pushes refused or cut | not accepted in 20 s",
       [](const Result& r) { return std::to_string(r.dropped) + " | " + std::to_string(r.not_accepted); });
  text("KEPT UP", [](const Result& r) { return std::string(r.kept_up() ? "yes" : "NO"); });
  text("streams listing a segment at window start",
       [](const Result& r) { return std::to_string(r.ready) + "/" + std::to_string(r.streams); });
  text("first segment listed, s after first byte: median",
       [](const Result& r) { return r.first_segment_s.empty() ? std::string("-") : fmt(median(r.first_segment_s), 2); });
  text("  ... max", [](const Result& r) {
    return r.first_segment_s.empty() ? std::string("-")
                                     : fmt(*std::max_element(r.first_segment_s.begin(), r.first_segment_s.end()), 2);
  });
  text("  ... polling period per stream, ms", [](const Result& r) { return fmt(r.poll_period_ms, 0); });
  text("first push to all listed, s", [](const Result& r) { return fmt(r.ready_s, 1); });
  text("publish latency ms: mean in window",
       [](const Result& r) { return r.latency_mean_ms >= 0 ? fmt(r.latency_mean_ms, 1) : std::string("n/a"); });
  text("publish latency ms: max since start",
       [](const Result& r) { return r.latency_max_ms >= 0 ? fmt(r.latency_max_ms, 1) : std::string("n/a"); });
  text("bvlived sessions failed (metric) | not LIVE", [](const Result& r) {
    return r.sessions_failed >= 0 ? fmt(r.sessions_failed, 0) + " | " + std::to_string(r.lives_not_live) : std::string("n/a");
  });
  row3("pusher CPU ms/stream-s (in no server figure)", [](const Result& r) { return r.pusher_cpu / r.stream_seconds() * 1000; }, 3, false);
  text("pusher: late ms max | stalls | streams >1 s", [](const Result& r) {
    return fmt(r.late_max_ms, 0) + " | " + std::to_string(r.stalls) + " | " + std::to_string(r.streams_late);
  });
  text("server log lines (warn and above)", [](const Result& r) { return std::to_string(r.log_lines); });
  if (o.drm)
    text("encrypted: lives | segments with senc", [](const Result& r) {
      const Encryption& e = r.encryption;
      return e.scanned ? std::to_string(e.lives_encrypted) + "/" + std::to_string(e.lives) + " | " +
                             std::to_string(e.segments_senc) + "/" + std::to_string(e.segments)
                       : std::string("-");
    });
  for (const auto& [name, r] : cols) {
    if (!r->ran) continue;
    if (!r->note.empty()) std::printf("  note (%s): %s\n", name, r->note.c_str());
    if (!r->session_notes.empty()) std::printf("  sessions (%s): %s\n", name, r->session_notes.c_str());
    if (r->dropped) std::printf("  dropped (%s): %d, the first: %s\n", name, r->dropped, r->drop_reason.c_str());
    if (r->not_accepted)
      std::printf("  not accepted in time (%s): %d pushes (%s): the server is behind, not broken\n", name,
                  r->not_accepted, r->timeout_reason.c_str());
    if (r->log_lines) std::printf("  log (%s), %d lines, the last:\n%s", name, r->log_lines, r->log_tail.c_str());
  }
  std::fflush(stdout);
}

// --drm: the DRM run of an N against its clear run, whole tree, CPU ms per stream-second.
std::string drm_added(double clear, double drm) { return clear >= 0 && drm >= 0 ? fmt(drm - clear, 3) : "-"; }

void print_drm(const Row& row) {
  const Result &c = row.bv, &d = row.bvd;
  if (!c.ran || !d.ran) return;
  std::printf("DRM against clear, N = %d: bvlived CPU ms per stream-second, whole tree (added = DRM - clear)\n", row.n);
  auto line = [](const char* what, double cv, double dv) {
    std::printf("  %-24s clear %7s  DRM %7s  DRM/clear %5s  added %7s ms/stream-s\n", what,
                cv >= 0 ? fmt(cv, 3).c_str() : "-", dv >= 0 ? fmt(dv, 3).c_str() : "-", ratio(dv, cv).c_str(),
                drm_added(cv, dv).c_str());
  };
  line("as measured", c.cpu_ms_per_stream_s(), d.cpu_ms_per_stream_s());
  line("less the idle rate", c.cpu_above_idle_ms_per_stream_s(), d.cpu_above_idle_ms_per_stream_s());
  std::printf("  encrypted, read from STATE/media (init: encv/enca sample entries, segment: senc box):\n"
              "    DRM   %s\n    clear %s\n",
              d.encryption.text().c_str(), c.encryption.text().c_str());
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
  std::string counts, fcounts;
  for (int c : o.counts) counts += (counts.empty() ? "" : ",") + std::to_string(c);
  for (int c : o.ffmpeg_remux_counts) fcounts += (fcounts.empty() ? "" : ",") + std::to_string(c);
  std::printf("  counts %s (bvlived remux=ffmpeg at %s), window %d s of steady state per run, segments %d s\n",
              counts.c_str(), fcounts.empty() ? "none" : fcounts.c_str(), o.seconds, o.segment_seconds);
  if (o.drm)
    std::printf("  DRM: at each N, after the clear bvlived run, a fresh bvlived whose N lives are all DRM lives\n"
                "  (security.protection PROTECTION_TYPE_DRM: cbcs as it packages, keys from the built-in ClearKey)\n");
  std::printf("  CPU = utime+stime from /proc/PID/stat over the window (10 ms ticks), whole process tree, in ms\n"
              "  per stream-second; RSS = VmRSS, PSS = smaps_rollup Pss (shared pages split between processes),\n"
              "  both summed over the tree, mean of one-second samples\n");
  std::printf("  kept up = every push accepted (Publish.Start within 20 s), none dropped, and every stream made\n"
              "  >= %d%% of the segments its interval should hold (interval / segment length)\n",
              o.kept_up_pct);
  std::fflush(stdout);

  const Source src = make_source(o, dir);
  std::printf("  source: %s\n    %s: %.0f kB, one pass %.2f s, %d video tags (%d keyframes), %d audio tags,\n"
              "    %.0f kb/s of FLV tag payload (%.2f Mb/s)\n",
              src.label.c_str(), src.path.c_str(), static_cast<double>(fs::file_size(src.path)) / 1000,
              src.flv.loop_ms / 1000.0, src.flv.video_tags, src.flv.keyframes, src.flv.audio_tags,
              src.flv.bitrate_bps() / 1000, src.flv.bitrate_bps() / 1e6);
  if (o.pusher == "built-in")
    std::printf("  pushers: one thread of this program, %zu-byte chunks, pushes %d ms apart, each paced by its tags'\n"
                "    timestamps from its own publish start, looped with continuous timestamps\n",
                static_cast<std::size_t>(o.chunk_size), o.stagger_ms);
  else
    std::printf("  pushers: one `%s -re -stream_loop -1 -c copy -f flv` per push, %d ms apart\n", o.ffmpeg.c_str(),
                o.stagger_ms);
  std::fflush(stdout);

  bool failed = false;
  std::vector<Row> rows;
  auto attempt = [&](const char* name, int n, Result& out, auto fn) {
    std::printf("[N=%d] %s: pushing... (load %s)\n", n, name, loadavg().c_str());
    std::fflush(stdout);
    try {
      out = fn();
    } catch (const Broken& e) {
      if (g_signal) throw;
      std::printf("  FAIL: %s\n", e.what());
      failed = true;
    }
  };
  for (int n : o.counts) {
    Row row;
    row.n = n;
    std::printf("\n");
    if (o.run_bvlive) {
      attempt("bvlived", n, row.bv,
              [&] { return run_bvlive(o, n, dir + "/bvlive-" + std::to_string(n), src, false, false, failed); });
      if (o.drm)
        attempt("bvlived, DRM lives", n, row.bvd,
                [&] { return run_bvlive(o, n, dir + "/bvlive-drm-" + std::to_string(n), src, false, true, failed); });
      if (o.ffmpeg_remux_counts.count(n))
        attempt("bvlived remux=ffmpeg", n, row.bvf,
                [&] { return run_bvlive(o, n, dir + "/bvlive-ffmpeg-" + std::to_string(n), src, true, false, failed); });
    }
    if (o.run_nginx)
      attempt("nginx-rtmp", n, row.ng, [&] { return run_nginx(o, n, dir + "/nginx-" + std::to_string(n), src, failed); });
    for (const auto& [name, r] : row.columns(o)) {
      if (!r->ran) continue;
      if (r->dropped) {
        std::printf("  FAIL: %s, N=%d: the server refused or dropped %d push(es): %s\n", name, n, r->dropped,
                    r->drop_reason.c_str());
        failed = true;
      }
      // Streams whose push was accepted, read at full speed, and still made nothing.
      if (r->streams_without > r->dropped + r->not_accepted && !r->stalls && r->late_max_ms < 1000) {
        std::printf("  FAIL: %s, N=%d: %d stream(s) produced no segment in the window although the server read\n"
                    "        all it was sent (the first: stream %d)\n",
                    name, n, r->streams_without, r->silent_streams.front());
        failed = true;
      }
    }
    // A DRM live with a clear init or segment, or a clear live with an encrypted one, is broken.
    if (row.bvd.ran && !row.bvd.encryption.all_encrypted()) {
      std::printf("  FAIL: bvlive DRM, N=%d: not every DRM live's media is encrypted: %s\n", n,
                  row.bvd.encryption.text().c_str());
      failed = true;
    }
    if (o.drm && row.bv.ran && !row.bv.encryption.all_clear()) {
      std::printf("  FAIL: bvlive, N=%d: clear lives hold encrypted media: %s\n", n, row.bv.encryption.text().c_str());
      failed = true;
    }
    print_table(o, row);
    print_drm(row);
    rows.push_back(std::move(row));
  }

  std::printf("\nSummary: %s source (%.2f Mb/s), segments %d s, window %d s; ratio = / nginx-rtmp of the same N\n",
              o.input.empty() ? o.source.c_str() : "--input", src.flv.bitrate_bps() / 1e6, o.segment_seconds, o.seconds);
  std::printf("| %4s | %-13s | %9s | %5s | %9s | %5s | %6s | %8s | %9s | %11s | %11s | %11s | %11s | %12s | %4s | %10s |\n",
              "N", "server", "CPU ms/ss", "ratio", "-idle ms/ss", "ratio", "%core", "RSS MB", "PSS MB/st", "+PSS MiB/st",
              "+RSS MiB/st", "first seg s", "publish ms", "segs min/exp", "kept", "push ms/ss");
  std::printf("|------|---------------|-----------|-------|-------------|-------|--------|----------|-----------|-------------|"
              "-------------|-------------|-------------|--------------|------|------------|\n");
  for (const auto& row : rows) {
    for (const auto& [name, r] : row.columns(o)) {
      if (!r->ran) continue;
      const double c = r->cpu_ms_per_stream_s();
      const std::string rt = r == &row.ng ? "1" : row.ng.ran ? ratio(c, row.ng.cpu_ms_per_stream_s()) : "-";
      const double ci = r->cpu_above_idle_ms_per_stream_s();
      const std::string rti =
          r == &row.ng ? "1" : row.ng.ran ? ratio(ci, row.ng.cpu_above_idle_ms_per_stream_s()) : "-";
      const std::string first =
          r->first_segment_s.empty() ? "-" : fmt(median(r->first_segment_s), 2) + "/" +
                                                 fmt(*std::max_element(r->first_segment_s.begin(), r->first_segment_s.end()), 2);
      const std::string lat =
          r->latency_mean_ms >= 0 ? fmt(r->latency_mean_ms, 1) + "/" + fmt(r->latency_max_ms, 0) : std::string("n/a");
      std::printf("| %4d | %-13s | %9s | %5s | %11s | %5s | %6s | %8s | %9s | %11s | %11s | %11s | %11s | %12s | %4s | %10s |\n",
                  row.n, name, fmt(c, 3).c_str(), rt.c_str(), ci >= 0 ? fmt(ci, 3).c_str() : "-", rti.c_str(),
                  fmt(r->total_cpu() / r->window_s * 100, 1).c_str(),
                  fmt(r->mem.rss_mb(), 1).c_str(), fmt(r->mem.pss_mb() / r->streams, 3).c_str(),
                  fmt((r->mem.pss_mb() - r->idle_pss_mb) * 1e6 / 1048576 / r->streams, 3).c_str(),
                  fmt((r->mem.rss_mb() - r->idle_rss_mb) * 1e6 / 1048576 / r->streams, 3).c_str(), first.c_str(),
                  lat.c_str(), (std::to_string(r->min_segments) + "/" + fmt(r->expected_segments, 1)).c_str(),
                  r->kept_up() ? "yes" : "NO", fmt(r->pusher_cpu / r->stream_seconds() * 1000, 3).c_str());
    }
  }
  std::printf("  (CPU ms/ss: whole process tree, ms per stream-second; -idle: less the tree's CPU rate before the pushes;\n"
              "   PSS MB/st: tree PSS / N; +PSS MiB/st, +RSS MiB/st: (tree PSS or RSS in the window - before the\n"
              "   pushes) / N; first seg s: median/max from a push's first media byte to its\n"
              "   first segment listed (bvlive: GET /preview/ID/media.m3u8; nginx: the .m3u8 on disk); publish ms:\n"
              "   bvlived's bvlive_segment_publish_*, mean in the window / max since start; segs min/exp: fewest segments\n"
              "   a stream made in the window / window / segment length; push ms/ss: the pusher's CPU, in no figure)\n");
  auto largest = [&](auto pick) {
    int best = 0, first_no = 0, runs = 0;
    for (const auto& row : rows) {
      const Result& r = pick(row);
      if (!r.ran) continue;
      ++runs;
      if (r.kept_up()) best = std::max(best, row.n);
      else if (!first_no || row.n < first_no) first_no = row.n;
    }
    if (!runs) return std::string("- (not run)");
    return (best ? std::to_string(best) : std::string("none")) +
           (first_no ? " (not at " + std::to_string(first_no) + ")" : "");
  };
  std::printf("Largest N kept up (every push accepted, none dropped, every stream >= %d%% of the expected segments): bvlive %s, "
              "nginx-rtmp %s\n",
              o.kept_up_pct, largest([](const Row& r) -> const Result& { return r.bv; }).c_str(),
              largest([](const Row& r) -> const Result& { return r.ng; }).c_str());
  if (o.drm)
    std::printf("Largest N kept up with DRM lives: bvlive DRM %s\n",
                largest([](const Row& r) -> const Result& { return r.bvd; }).c_str());
  if (o.drm) {
    std::printf("\nDRM (cbcs, built-in ClearKey) against clear passthrough: bvlived whole tree, CPU ms per stream-second,\n"
                "the same N and source, DRM run right after the clear one; added = DRM - clear\n");
    std::printf("| %4s | %9s | %9s | %9s | %11s | %11s | %11s | %11s | %11s | %-50s |\n", "N", "clear", "DRM",
                "DRM/clear", "added", "clear -idle", "DRM -idle", "added -idle", "kept up c/D", "DRM encrypted");
    std::printf("|------|-----------|-----------|-----------|-------------|-------------|-------------|-------------|"
                "-------------|----------------------------------------------------|\n");
    for (const auto& row : rows) {
      const Result &c = row.bv, &d = row.bvd;
      if (!c.ran || !d.ran) continue;
      const double cc = c.cpu_ms_per_stream_s(), dc = d.cpu_ms_per_stream_s();
      const double ci = c.cpu_above_idle_ms_per_stream_s(), di = d.cpu_above_idle_ms_per_stream_s();
      std::printf("| %4d | %9s | %9s | %9s | %11s | %11s | %11s | %11s | %11s | %-50s |\n", row.n, fmt(cc, 3).c_str(),
                  fmt(dc, 3).c_str(), ratio(dc, cc).c_str(), drm_added(cc, dc).c_str(),
                  ci >= 0 ? fmt(ci, 3).c_str() : "-", di >= 0 ? fmt(di, 3).c_str() : "-", drm_added(ci, di).c_str(),
                  (std::string(c.kept_up() ? "yes" : "NO") + "/" + (d.kept_up() ? "yes" : "NO")).c_str(),
                  d.encryption.text().c_str());
    }
    std::printf("  (-idle: less the tree's CPU rate before the pushes, with the N lives made; encrypted: lives whose\n"
                "   init segments all hold encv/enca and sampled segments all hold senc, read from STATE/media)\n");
  }
  std::printf("load average at end: %s\n", loadavg().c_str());
  std::fflush(stdout);
  return failed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_args(argc, argv);
  return bvbench::run_bench("bench_ingest", [&] { return run(o); });
}
