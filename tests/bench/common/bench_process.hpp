// The processes a benchmark starts: children with their output in log files (a daemon, an
// encoder, nginx), stopped with SIGTERM then SIGKILL; `bvlive` calls and tools (openssl, an
// encoder) run to completion within a time limit; the JSON-RPC connection to the daemon's
// control socket; and the bvlived under test itself, on its own state dir, config, socket and
// log, on loopback with every port chosen by the kernel.
// Also what /proc says of a child's CPU time and memory.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bench_files.hpp"
#include "bench_report.hpp"
#include "bench_run.hpp"
#include "rpc/jsonrpc.hpp"

namespace bvbench {

// The daemon and the CLI get their paths from the flags, their defaults from nothing: no
// variable of this machine's may point them elsewhere.
inline void scrub_environment() {
  for (const char* v : {"BVLIVE_CONFIG", "BVLIVE_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"}) ::unsetenv(v);
}

// At least `want` open files for this process and the children forked after this call (they
// inherit the limit); `why` names the option that needs them.
inline void raise_fd_limit(rlim_t want, const std::string& why) {
  rlimit l{};
  if (::getrlimit(RLIMIT_NOFILE, &l) != 0 || l.rlim_cur >= want) return;
  if (l.rlim_max != RLIM_INFINITY && l.rlim_max < want)
    throw Broken(why + " needs " + std::to_string(want) + " open files; the hard limit is " +
                 std::to_string(l.rlim_max) + " (raise it with ulimit -Hn)");
  l.rlim_cur = want;
  if (::setrlimit(RLIMIT_NOFILE, &l) != 0) throw Broken(errno_text("setrlimit RLIMIT_NOFILE"));
}

// An executable named without a slash, looked up in PATH; "" when not found.
inline std::string find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? name : "";
  const char* path = std::getenv("PATH");
  std::stringstream in(path ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(in, dir, ':')) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

// Forks argv[0] (a path) with stdin from /dev/null and stdout/stderr appended to the given
// files: "" sends one to /dev/null, "-" leaves it the benchmark's own. The child ignores
// SIGINT: Ctrl-C reaches the benchmark, which stops its children in order (run_bench).
inline pid_t spawn(const std::vector<std::string>& argv, const std::string& out_path, const std::string& err_path) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw Broken(errno_text("fork"));
  if (pid == 0) {
    ::signal(SIGINT, SIG_IGN);
    auto redirect = [](const std::string& p, int to) {
      if (p == "-") return;
      const int fd = p.empty() ? ::open("/dev/null", O_WRONLY) : ::open(p.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0 && fd != to) {
        ::dup2(fd, to);
        ::close(fd);
      }
    };
    const int in = ::open("/dev/null", O_RDONLY);
    if (in >= 0 && in != STDIN_FILENO) {
      ::dup2(in, STDIN_FILENO);
      ::close(in);
    }
    redirect(out_path, STDOUT_FILENO);
    // The same file twice shares one offset, so the two streams interleave as written.
    if (err_path == out_path && !out_path.empty() && out_path != "-") ::dup2(STDOUT_FILENO, STDERR_FILENO);
    else redirect(err_path, STDERR_FILENO);
    ::execv(args[0], args.data());
    const std::string msg = "exec " + argv.at(0) + " failed: " + std::strerror(errno) + "\n";
    ssize_t ignored = ::write(STDERR_FILENO, msg.data(), msg.size());
    (void)ignored;
    ::_exit(127);
  }
  return pid;
}

// Waits for `pid` at most `limit`; true when it exited (status in `status`).
inline bool wait_exit(pid_t pid, int& status, std::chrono::milliseconds limit) {
  const auto t0 = std::chrono::steady_clock::now();
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return true;
    if (r < 0 && errno != EINTR) return true;  // not ours any more
    if (std::chrono::steady_clock::now() - t0 > limit) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

// An exit status as a shell would put it; 128+N for signal N.
inline int exit_code(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

inline std::string exit_text(int status) {
  if (WIFEXITED(status)) return "exited " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "wait status " + std::to_string(status);
}

// Waits for `pid` to exit, however long: a blocking waitpid, so that a timed run ends when the
// child does (no polling step in the figure). Its exit code.
inline int reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) throw Broken(errno_text("waitpid"));
  return exit_code(status);
}

// A child of the benchmark's, its stdout and stderr in one log file. start() and stop() may
// alternate (a restart appends to the same log); SIGTERM (then SIGKILL) when destroyed.
class Child {
 public:
  Child(std::string name, std::string log) : name_(std::move(name)), log_(std::move(log)) {}
  ~Child() { stop(); }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  void start(const std::vector<std::string>& argv) {
    stop();
    pid_ = spawn(argv, log_, log_);
  }

  // Reaps it when it has exited.
  bool running() {
    if (pid_ <= 0) return false;
    if (::waitpid(pid_, &status_, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    return true;
  }

  // SIGTERM, SIGKILL after `grace`; how it ended ("exited 0" is a clean stop).
  std::string stop(std::chrono::milliseconds grace = std::chrono::seconds(10)) {
    if (pid_ <= 0) return exit_text(status_);
    ::kill(pid_, SIGTERM);
    const bool exited = wait_exit(pid_, status_, grace);
    if (!exited) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status_, 0);
    }
    pid_ = -1;
    return exited ? exit_text(status_) : "killed: no exit within " + std::to_string(grace.count()) + " ms of SIGTERM";
  }

  // A failure of this child's, with the end of its log.
  Broken broken(const std::string& what) const {
    return Broken(name_ + " " + what + "; its log (" + log_ + "):\n" + tail_of_file(log_, 20));
  }

  pid_t pid() const { return pid_; }
  int status() const { return status_; }
  const std::string& log() const { return log_; }

 private:
  std::string name_, log_;
  pid_t pid_ = -1;
  int status_ = 0;
};

// Runs argv to completion, stdout and stderr as spawn() takes them: its wait status, or
// nothing when it was still running after `limit` (it is then killed).
inline std::optional<int> run_bounded(const std::vector<std::string>& argv, const std::string& out_path,
                                      const std::string& err_path, std::chrono::milliseconds limit) {
  const pid_t pid = spawn(argv, out_path, err_path);
  int status = 0;
  if (wait_exit(pid, status, limit)) return status;
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return std::nullopt;
}

// Runs a tool (openssl, an encoder) to completion, at most `limit`, its output in `log`;
// throws with the end of the log unless it exits 0.
inline void run_tool(const std::vector<std::string>& argv, const std::string& log, std::chrono::seconds limit) {
  const std::optional<int> status = run_bounded(argv, log, log, limit);
  if (!status)
    throw Broken(argv.at(0) + " did not finish within " + std::to_string(limit.count()) + " s; its log:\n" +
                 tail_of_file(log, 20));
  if (exit_code(*status) != 0)
    throw Broken(argv.at(0) + " " + exit_text(*status) + "; its log:\n" + tail_of_file(log, 20));
}

struct CliResult {
  int exit_code = -1;
  std::string out, err;
};

// Runs `bvlive ARGS...` to completion (at most 15 s); stdout and stderr through files in dir.
inline CliResult run_cli(const std::string& bvlive, const std::string& dir, std::vector<std::string> args) {
  args.insert(args.begin(), bvlive);
  const std::string out = dir + "/cli.out", err = dir + "/cli.err";
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  const std::optional<int> status = run_bounded(args, out, err, std::chrono::seconds(15));
  if (!status) throw Broken("`bvlive " + args.at(args.size() > 3 ? 3 : 1) + "` did not finish within 15 s");
  CliResult r;
  r.exit_code = exit_code(*status);
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

// A JSON-RPC connection to the daemon's control socket: one request line, one reply line.
class RpcConnection {
 public:
  explicit RpcConnection(const std::string& path) : fd_(connect_unix(path)) {}

  void send_all(const std::string& data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
      const ssize_t n = ::send(fd_.get(), data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw Broken(errno_text("send"));
      }
      sent += static_cast<std::size_t>(n);
    }
  }

  // Reads one reply line (without '\n'). When first_byte is given, it is set to the time
  // the first byte of the reply arrived.
  std::string read_line(std::chrono::steady_clock::time_point* first_byte = nullptr) {
    bool got_first = !buf_.empty();
    if (got_first && first_byte) *first_byte = std::chrono::steady_clock::now();
    std::size_t scanned = 0;
    for (;;) {
      if (auto nl = buf_.find('\n', scanned); nl != std::string::npos) {
        std::string line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return line;
      }
      scanned = buf_.size();
      const std::size_t n = recv_some(fd_.get(), chunk_, sizeof chunk_, "bvlived");
      if (n == 0) throw Broken("bvlived closed the connection");
      if (!got_first) {
        got_first = true;
        if (first_byte) *first_byte = std::chrono::steady_clock::now();
      }
      buf_.append(chunk_, n);
    }
  }

  // One call; returns the result, throws Broken on an error reply.
  nlohmann::json call(const std::string& method, const nlohmann::json& params) {
    send_all(bvlive::make_request_line(++next_id_, method, params));
    return result_of(method, read_line());
  }

  static nlohmann::json result_of(const std::string& method, const std::string& line) {
    nlohmann::json reply = nlohmann::json::parse(line, nullptr, false);
    if (reply.is_discarded() || !reply.is_object()) throw Broken(method + ": reply is not a JSON object");
    if (auto e = reply.find("error"); e != reply.end()) throw Broken(method + " failed: " + e->dump());
    auto r = reply.find("result");
    if (r == reply.end()) throw Broken(method + ": reply has no result");
    return std::move(*r);
  }

  int next_id() { return ++next_id_; }

 private:
  Fd fd_;
  int next_id_ = 0;
  std::string buf_;
  char chunk_[1 << 16];
};

// The bvlived under test. DIR holds its config (the text given, over the embedded defaults:
// nothing of /etc/bvlive counts), bvlived.sock, bvlived.log and state/. It listens on
// 127.0.0.1 only, every port 0 (the kernel's choice; daemon.status names them). start() and
// stop() may alternate: a restart keeps the state dir.
class Daemon {
 public:
  Daemon(std::string bvlived, std::string bvlive, const std::string& dir, const std::string& config)
      : dir_(dir), socket_(dir + "/bvlived.sock"), config_(dir + "/bvlived.toml"), bvlived_(std::move(bvlived)),
        bvlive_(std::move(bvlive)), child_("bvlived", dir + "/bvlived.log") {
    std::filesystem::create_directories(dir);
    std::ofstream(config_) << config;
  }

  // Spawns it and waits (at most 15 s) until daemon.status answers on the control socket.
  void start() {
    const auto t0 = std::chrono::steady_clock::now();
    child_.start({bvlived_, "--config", config_, "--socket", socket_, "--state-dir", state_dir(), "--log-level", "warn",
                  "--listen", "127.0.0.1", "--rtmp-port", "0", "--srt-port", "0", "--http-port", "0", "--api-port", "0",
                  "--webrtc-port", "0"});
    std::string last;
    for (;;) {
      check_signal();
      if (!running()) throw broken("exited during start-up (" + exit_text() + ")");
      try {
        RpcConnection c(socket_);
        status_ = c.call("daemon.status", nlohmann::json::object());
        break;
      } catch (const Broken& e) {
        last = e.what();  // not listening yet
      }
      if (std::chrono::steady_clock::now() - t0 > std::chrono::seconds(15)) {
        const Broken b = broken("did not answer daemon.status within 15 s (last: " + last + ")");
        child_.stop();
        throw b;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ready_ms_ = ms_between(t0, std::chrono::steady_clock::now());
  }

  bool running() { return child_.running(); }
  std::string stop() { return child_.stop(); }
  Broken broken(const std::string& what) const { return child_.broken(what); }
  // How it ended, once running() said it had.
  std::string exit_text() const { return bvbench::exit_text(child_.status()); }

  CliResult cli(std::vector<std::string> args) const {
    args.insert(args.begin(), {"--socket", socket_});
    return run_cli(bvlive_, dir_, std::move(args));
  }
  // A CLI call that must succeed; its stdout.
  std::string cli_ok(const std::vector<std::string>& args) const {
    const CliResult r = cli(args);
    if (r.exit_code != 0) {
      std::string line = "bvlive";
      for (const auto& a : args) line += " " + a;
      throw Broken("`" + line + "` exited " + std::to_string(r.exit_code) + ": " + trimmed(r.err.empty() ? r.out : r.err));
    }
    return r.out;
  }
  // `bvlive create -q FLAGS...`: the new live's id.
  std::string create_live(std::vector<std::string> flags) const {
    flags.insert(flags.begin(), {"create", "-q"});
    const std::string id = trimmed(cli_ok(flags));
    if (id.empty() || id.find_first_of(" \n") != std::string::npos) throw Broken("`bvlive create -q` printed '" + id + "'");
    return id;
  }
  // A live from `flags` taken through preview and start: LIVE, no encoder needed.
  std::string start_live(const std::vector<std::string>& flags) const {
    const std::string id = create_live(flags);
    cli_ok({"preview", id});
    cli_ok({"start", id});
    return id;
  }

  // A port daemon.status named at start-up (listeners.NAME: "http", "api", "rtmp"...).
  int port(const char* listener) const {
    const auto l = status_.find("listeners");
    if (l != status_.end() && l->is_object()) {
      const auto p = l->find(listener);
      if (p != l->end() && p->is_number_integer() && p->get<int>() > 0) return p->get<int>();
    }
    throw broken(std::string("has no ") + listener + " listener (daemon.status: " + status_.dump() + ")");
  }
  int http_port() const { return port("http"); }

  const std::string& socket() const { return socket_; }
  std::string state_dir() const { return dir_ + "/state"; }
  pid_t pid() const { return child_.pid(); }
  double ready_ms() const { return ready_ms_; }

 private:
  std::string dir_, socket_, config_, bvlived_, bvlive_;
  Child child_;
  nlohmann::json status_;
  double ready_ms_ = 0;
};

// ---------------------------------------------------------------- /proc

// utime + stime of /proc/PID/stat (every thread of the process, in clock ticks), in ns.
inline std::int64_t stat_cpu_ns(pid_t pid) {
  const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::stringstream in(stat.substr(close + 2));
  std::string field;
  long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {
    if (i == 14) utime = std::atoll(field.c_str());
    if (i == 15) stime = std::atoll(field.c_str());
  }
  return (utime + stime) * (1000000000LL / ::sysconf(_SC_CLK_TCK));
}

// The same summed over a server's processes (nginx: master and worker).
inline std::int64_t stat_cpu_ns(const std::vector<pid_t>& pids) {
  std::int64_t sum = 0;
  for (pid_t p : pids) sum += stat_cpu_ns(p);
  return sum;
}

// CPU time of every thread of `pid`, in ns: /proc/PID/task/*/schedstat (nanoseconds, not
// rounded to clock ticks), else stat_cpu_ns.
inline std::int64_t cpu_ns(pid_t pid) {
  const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
  std::int64_t sum = 0;
  bool any = false;
  if (DIR* d = ::opendir(tasks.c_str())) {
    while (const dirent* e = ::readdir(d)) {
      if (e->d_name[0] == '.') continue;
      std::ifstream f(tasks + "/" + e->d_name + "/schedstat");
      long long run = 0;
      if (f >> run) {
        sum += run;
        any = true;
      }
    }
    ::closedir(d);
  }
  return any ? sum : stat_cpu_ns(pid);
}

// A server's CPU time over all its processes (nginx: master and worker), in ns.
inline std::int64_t cpu_ns(const std::vector<pid_t>& pids) {
  std::int64_t sum = 0;
  for (pid_t p : pids) sum += cpu_ns(p);
  return sum;
}

// `pid` and its children (nginx's master and worker), from the parent field of /proc/*/stat.
inline std::vector<pid_t> with_children(pid_t pid) {
  std::vector<pid_t> out{pid};
  if (DIR* d = ::opendir("/proc")) {
    while (const dirent* e = ::readdir(d)) {
      const pid_t p = std::atoi(e->d_name);
      if (p <= 0 || p == pid) continue;
      const std::string stat = read_file("/proc/" + std::to_string(p) + "/stat");
      const auto close = stat.rfind(')');
      int ppid = 0;
      char state = 0;
      if (close != std::string::npos && std::sscanf(stat.c_str() + close + 1, " %c %d", &state, &ppid) == 2 && ppid == pid)
        out.push_back(p);
    }
    ::closedir(d);
  }
  return out;
}

// A "VmRSS:"-style line of /proc/PID/status, in kB (0 when unknown).
inline long status_kb(pid_t pid, const char* field) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  const std::size_t n = std::strlen(field);
  while (std::getline(f, line))
    if (line.compare(0, n, field) == 0) return std::atol(line.c_str() + n);
  return 0;
}

// The same summed over a server's processes.
inline long status_kb(const std::vector<pid_t>& pids, const char* field) {
  long sum = 0;
  for (pid_t p : pids) sum += status_kb(p, field);
  return sum;
}

}  // namespace bvbench
