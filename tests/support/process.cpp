#include "support/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace bvtest {
namespace {

namespace fs = std::filesystem;

std::int64_t mono_ms() {
  return std::chrono::duration_cast<Ms>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what + ": " + std::strerror(errno)); }

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

int status_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::vector<std::string> child_env(const RunOptions& o) {
  std::vector<std::string> out;
  auto removed = [&](std::string_view name) {
    for (const auto& u : hermetic_unset_env())
      if (u == name) return true;
    for (const auto& u : o.unset_env)
      if (u == name) return true;
    return o.env.count(std::string(name)) > 0;
  };
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    auto eq = kv.find('=');
    if (eq == std::string_view::npos || removed(kv.substr(0, eq))) continue;
    out.emplace_back(kv);
  }
  for (const auto& [k, v] : o.env) out.push_back(k + "=" + v);
  return out;
}

std::vector<char*> c_strings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Signals a test runner may have ignored or blocked: back to their defaults in the child.
void init_spawn_attr(posix_spawnattr_t& attr) {
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int s : {SIGPIPE, SIGHUP, SIGTERM, SIGINT, SIGCHLD, SIGQUIT, SIGUSR1, SIGUSR2})
    sigaddset(&defaults, s);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
}

// Waits for `pid` (up to `timeout` when `block`); on exit records its code and clears pid.
// True once it is gone.
bool reap_child(pid_t& pid, std::optional<int>& exit_code, bool block, Ms timeout) {
  if (pid <= 0) return true;
  const std::int64_t deadline = mono_ms() + timeout.count();
  for (;;) {
    int status = 0;
    const pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) {
      exit_code = status_code(status);
      pid = -1;
      return true;
    }
    if (w < 0 && errno != EINTR) {
      pid = -1;  // not our child any more (cannot happen); do not loop forever
      return true;
    }
    if (!block || mono_ms() >= deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
}

// Starts `argv` with stdin from /dev/null and stdout+stderr appended to `log_path` (after
// `banner` and the command line, when a banner is given). Where setpriv exists the child
// gets SIGKILL when the test dies, so a crashed test leaves nothing behind. Returns its pid.
pid_t spawn_logged(const std::vector<std::string>& argv, const std::string& log_path, const std::string& banner) {
  const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log < 0) fail("open " + log_path);
  std::vector<std::string> args;
  if (::access("/usr/bin/setpriv", X_OK) == 0) args = {"/usr/bin/setpriv", "--pdeathsig", "KILL", "--"};
  args.insert(args.end(), argv.begin(), argv.end());
  if (!banner.empty()) {
    std::string line = banner;
    for (const auto& a : argv) line += " " + a;
    line += "\n";
    (void)!::write(log, line.data(), line.size());
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, log, 1);
  posix_spawn_file_actions_adddup2(&fa, log, 2);
  posix_spawnattr_t attr;
  init_spawn_attr(attr);
  std::vector<std::string> env = child_env(RunOptions{});
  auto cargs = c_strings(args);
  auto cenv = c_strings(env);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, args[0].c_str(), &fa, &attr, cargs.data(), cenv.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  ::close(log);
  if (rc != 0) {
    errno = rc;
    fail("posix_spawn " + args[0]);
  }
  return pid;
}

std::string shell_quote(const std::string& s) {
  if (!s.empty() && s.find_first_of(" \t\n'\"\\$`*?[]{}()<>|&;!#~") == std::string::npos) return s;
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

std::string indent(const std::string& text) {
  if (text.empty()) return "(empty)";
  std::string out = "\n";
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out += "    | " + line + "\n";
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------

const std::vector<std::string>& hermetic_unset_env() {
  static const std::vector<std::string> names = {
      "BVLIVE_SOCKET", "BVLIVE_CONFIG",  "LISTEN_FDS",     "LISTEN_PID",       "LISTEN_FDNAMES",
      "NOTIFY_SOCKET", "RUNTIME_DIRECTORY", "STATE_DIRECTORY", "CONFIGURATION_DIRECTORY"};
  return names;
}

std::string RunResult::describe() const {
  std::string cmd;
  for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + shell_quote(a);
  std::string s = "\n  $ " + cmd + "\n  exit " + std::to_string(code);
  if (timed_out) s += " (TIMED OUT, killed)";
  s += " after " + std::to_string(elapsed.count()) + " ms";
  s += "\n  stdout: " + indent(out.size() > 6000 ? out.substr(0, 6000) + "\n...(truncated)" : out);
  s += "\n  stderr: " + indent(err.size() > 6000 ? err.substr(0, 6000) + "\n...(truncated)" : err);
  return s;
}

RunResult run(const std::vector<std::string>& argv, const RunOptions& options) {
  RunResult r;
  r.argv = argv;
  if (argv.empty()) throw std::invalid_argument("run: empty argv");
  const std::int64_t start = mono_ms();
  const std::int64_t deadline = start + options.timeout.count();

  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) fail("pipe2");
  if (options.stdin_text && ::pipe2(in, O_CLOEXEC) != 0) fail("pipe2");

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (options.stdin_text)
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  else
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  posix_spawnattr_t attr;
  init_spawn_attr(attr);

  std::vector<std::string> args = argv;
  std::vector<std::string> env = child_env(options);
  auto cargs = c_strings(args);
  auto cenv = c_strings(env);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, args[0].c_str(), &fa, &attr, cargs.data(), cenv.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  close_fd(in[0]);
  close_fd(out[1]);
  close_fd(err[1]);
  if (rc != 0) {
    close_fd(in[1]);
    close_fd(out[0]);
    close_fd(err[0]);
    errno = rc;
    fail("posix_spawn " + argv[0]);
  }

  std::string to_write = options.stdin_text.value_or("");
  std::size_t written = 0;
  if (in[1] >= 0) {
    ::fcntl(in[1], F_SETFL, O_NONBLOCK);
    if (to_write.empty()) close_fd(in[1]);
  }

  bool killed = false;
  char buf[65536];
  while (out[0] >= 0 || err[0] >= 0 || in[1] >= 0) {
    std::int64_t left = deadline - mono_ms();
    if (left <= 0 && !killed) {
      ::kill(pid, SIGKILL);
      killed = true;
      r.timed_out = true;
      close_fd(in[1]);
    }
    if (killed) left = 2000;  // drain what is left; grandchildren could hold the pipes
    pollfd pfds[3];
    int n = 0;
    int idx_in = -1, idx_out = -1, idx_err = -1;
    if (in[1] >= 0) { idx_in = n; pfds[n++] = {in[1], POLLOUT, 0}; }
    if (out[0] >= 0) { idx_out = n; pfds[n++] = {out[0], POLLIN, 0}; }
    if (err[0] >= 0) { idx_err = n; pfds[n++] = {err[0], POLLIN, 0}; }
    const int pr = ::poll(pfds, static_cast<nfds_t>(n), static_cast<int>(left));
    if (pr < 0) {
      if (errno == EINTR) continue;
      fail("poll");
    }
    if (pr == 0) {
      if (killed) break;
      continue;
    }
    if (idx_in >= 0 && pfds[idx_in].revents) {
      if (pfds[idx_in].revents & (POLLERR | POLLHUP)) {
        close_fd(in[1]);
      } else {
        const ssize_t w = ::write(in[1], to_write.data() + written, to_write.size() - written);
        if (w > 0) written += static_cast<std::size_t>(w);
        else if (w < 0 && errno != EAGAIN && errno != EINTR) close_fd(in[1]);
        if (written == to_write.size()) close_fd(in[1]);
      }
    }
    for (auto [idx, fd, sink] : {std::tuple{idx_out, &out[0], &r.out}, std::tuple{idx_err, &err[0], &r.err}}) {
      if (idx < 0 || !pfds[idx].revents) continue;
      const ssize_t got = ::read(*fd, buf, sizeof buf);
      if (got > 0) sink->append(buf, static_cast<std::size_t>(got));
      else if (got == 0 || (errno != EAGAIN && errno != EINTR)) close_fd(*fd);
    }
  }
  close_fd(in[1]);
  close_fd(out[0]);
  close_fd(err[0]);

  int status = 0;
  for (;;) {
    const pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) fail("waitpid");
    if (!killed && mono_ms() >= deadline) {
      ::kill(pid, SIGKILL);
      killed = true;
      r.timed_out = true;
    }
    std::this_thread::sleep_for(5ms);
  }
  r.code = status_code(status);
  r.elapsed = Ms(mono_ms() - start);
  return r;
}

// ---------------------------------------------------------------------------

TempDir::TempDir(const std::string& prefix) {
  std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
  if (!::mkdtemp(tmpl.data())) fail("mkdtemp " + tmpl);
  path_ = tmpl;
}

TempDir::~TempDir() {
  const char* keep = std::getenv("BVLIVE_KEEP_TEST_DIRS");
  if (keep && *keep) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return {};
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& text) {
  // Write a sibling and rename, so a daemon reading the file (SIGHUP) never sees half of it.
  const std::string tmp = path + ".tmp-write";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) fail("cannot write " + tmp);
    f << text;
    if (!f.flush()) fail("cannot write " + tmp);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail("rename " + tmp);
}

bool path_exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

// ---------------------------------------------------------------------------

std::int64_t now_ms() {
  return std::chrono::duration_cast<Ms>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string rfc3339(std::int64_t unix_ms) {
  const time_t secs = static_cast<time_t>(unix_ms / 1000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[64];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(unix_ms % 1000));
  return out;
}

std::string rfc3339_in(Ms ahead) {
  const std::int64_t t = now_ms() + ahead.count();
  const time_t secs = static_cast<time_t>((t + 999) / 1000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<std::int64_t> parse_rfc3339(const std::string& s) {
  std::tm tm{};
  int frac_ms = 0;
  const char* p = ::strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!p) return std::nullopt;
  if (*p == '.') {
    ++p;
    int digits = 0;
    while (*p >= '0' && *p <= '9') {
      if (digits < 3) frac_ms = frac_ms * 10 + (*p - '0');
      ++digits;
      ++p;
    }
    if (digits == 0) return std::nullopt;
    for (int d = digits; d < 3; ++d) frac_ms *= 10;
  }
  std::int64_t offset_s = 0;
  if (*p == 'Z' || *p == 'z') {
    ++p;
  } else if (*p == '+' || *p == '-') {
    int hh = 0, mm = 0;
    if (std::sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2) return std::nullopt;
    offset_s = (hh * 3600 + mm * 60) * (*p == '+' ? 1 : -1);
    p += 6;
  } else {
    return std::nullopt;
  }
  if (*p) return std::nullopt;
  const std::int64_t secs = static_cast<std::int64_t>(::timegm(&tm)) - offset_s;
  return secs * 1000 + frac_ms;
}

std::int64_t time_of(const nlohmann::json& value) {
  if (value.is_string())
    if (auto t = parse_rfc3339(value.get<std::string>())) return *t;
  throw std::runtime_error("not an RFC 3339 time: " + value.dump());
}

bool poll_until(const std::function<bool()>& done, Ms timeout, Ms interval) {
  const std::int64_t deadline = mono_ms() + timeout.count();
  for (;;) {
    if (done()) return true;
    if (mono_ms() >= deadline) return done();
    std::this_thread::sleep_for(interval);
  }
}

void sleep_for(Ms d) { std::this_thread::sleep_for(d); }

// ---------------------------------------------------------------------------

BackgroundProcess::BackgroundProcess(std::vector<std::string> argv, std::string log_path)
    : argv_(std::move(argv)), log_path_(std::move(log_path)) {
  pid_ = spawn_logged(argv_, log_path_, "");
}

BackgroundProcess::~BackgroundProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    reap(true, 5s);
  }
}

bool BackgroundProcess::reap(bool block, Ms timeout) { return reap_child(pid_, exit_code_, block, timeout); }

bool BackgroundProcess::running() { return !reap(false, 0ms); }

std::optional<int> BackgroundProcess::wait(Ms timeout) {
  if (reap(true, timeout)) return exit_code_;
  return std::nullopt;
}

int BackgroundProcess::stop(int sig, Ms timeout) {
  if (pid_ <= 0) return exit_code_.value_or(-1);
  ::kill(pid_, sig);
  if (reap(true, timeout)) return *exit_code_;
  ::kill(pid_, SIGKILL);
  reap(true, 5s);
  return -1;
}

DaemonProcess::DaemonProcess(std::string dir, DaemonOptions options)
    : dir_(std::move(dir)), options_(std::move(options)) {
  if (options_.config) {
    config_ = *options_.config;
  } else {
    // An explicit empty config, so /etc/bvlive/bvlived.toml on the machine never leaks in.
    config_ = dir_ + "/empty.toml";
    if (!path_exists(config_)) write_file(config_, "# bvlived.toml for a test: built-in defaults only\n");
  }
}

DaemonProcess::~DaemonProcess() {
  if (pid_ > 0) kill9();
}

std::vector<std::string> DaemonProcess::argv() const {
  // Listeners on loopback and on ports the kernel picks, so tests run in parallel;
  // `bvlive status` tells the ports.
  std::vector<std::string> a = {BVLIVED_BIN, "--config", config_, "--socket", socket(), "--state-dir", state_dir(),
                                "--listen", "127.0.0.1", "--rtmp-port", "0", "--srt-port", "0", "--http-port", "0", "--api-port", "0",
                                "--webrtc-port", "0"};
  a.insert(a.end(), options_.extra_args.begin(), options_.extra_args.end());
  return a;
}

void DaemonProcess::start() {
  if (pid_ > 0) throw std::logic_error("bvlived already started");
  exit_code_.reset();

  pid_ = spawn_logged(argv(), log_path(), "=== test: starting");

  const std::int64_t deadline = mono_ms() + options_.ready_timeout.count();
  std::string last_error = "no attempt";
  while (mono_ms() < deadline) {
    if (!running())
      throw std::runtime_error("bvlived exited with " + std::to_string(exit_code_.value_or(-1)) +
                               " before answering on " + socket() + "; its log:\n" + this->log());
    try {
      RpcClient c(socket());
      auto reply = c.call("daemon.status", nlohmann::json::object(), 1, 2s);
      if (reply.contains("result")) return;
      last_error = reply.dump();
    } catch (const std::exception& e) {
      last_error = e.what();
    }
    std::this_thread::sleep_for(50ms);
  }
  const std::string log_text = this->log();
  kill9();
  throw std::runtime_error("bvlived did not answer daemon.status on " + socket() + " within " +
                           std::to_string(options_.ready_timeout.count()) + " ms (last: " + last_error +
                           "); its log:\n" + log_text);
}

bool DaemonProcess::reap(bool block, Ms timeout) { return reap_child(pid_, exit_code_, block, timeout); }

bool DaemonProcess::running() { return !reap(false, 0ms); }

int DaemonProcess::stop(Ms timeout) {
  if (pid_ <= 0) return exit_code_.value_or(-1);
  ::kill(pid_, SIGTERM);
  if (reap(true, timeout)) return *exit_code_;
  kill9();
  return -1;
}

void DaemonProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  reap(true, 10s);
}

bool DaemonProcess::signal(int sig) {
  if (!running()) return false;
  return ::kill(pid_, sig) == 0;
}

// ---------------------------------------------------------------------------

RunResult Cli::run(const std::vector<std::string>& args, const RunOptions& options) const {
  std::vector<std::string> argv = {BVLIVE_BIN, "--socket", socket_};
  argv.insert(argv.end(), args.begin(), args.end());
  return bvtest::run(argv, options);
}

RunResult Cli::run_stdin(const std::string& stdin_text, const std::vector<std::string>& args) const {
  RunOptions o;
  o.stdin_text = stdin_text;
  return run(args, o);
}

nlohmann::json Cli::json(const std::vector<std::string>& args) const {
  std::vector<std::string> a = {"--json"};
  a.insert(a.end(), args.begin(), args.end());
  RunResult r = run(a);
  if (r.code != 0) throw std::runtime_error("bvlive failed:" + r.describe());
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  if (j.is_discarded()) throw std::runtime_error("bvlive --json printed no JSON:" + r.describe());
  return j;
}

// ---------------------------------------------------------------------------

RpcClient::~RpcClient() { close(); }

void RpcClient::connect(const std::string& socket_path) {
  close();
  buf_.clear();
  eof_ = false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof addr.sun_path) throw std::runtime_error("socket path too long: " + socket_path);
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) fail("socket");
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    const int e = errno;
    close();
    errno = e;
    fail("connect " + socket_path);
  }
  ::fcntl(fd_, F_SETFL, O_NONBLOCK);
}

void RpcClient::close() { close_fd(fd_); }

bool RpcClient::send(const std::string& bytes, Ms timeout) {
  if (fd_ < 0) return false;
  const std::int64_t deadline = mono_ms() + timeout.count();
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return false;
    const std::int64_t left = deadline - mono_ms();
    if (left <= 0) return false;
    pollfd p{fd_, POLLOUT, 0};
    ::poll(&p, 1, static_cast<int>(left));
  }
  return true;
}

std::optional<std::string> RpcClient::read_line(Ms timeout) {
  const std::int64_t deadline = mono_ms() + timeout.count();
  char buf[65536];
  for (;;) {
    if (auto nl = buf_.find('\n'); nl != std::string::npos) {
      std::string line = buf_.substr(0, nl);
      buf_.erase(0, nl + 1);
      return line;
    }
    if (fd_ < 0 || eof_) return std::nullopt;
    const std::int64_t left = deadline - mono_ms();
    if (left <= 0) return std::nullopt;
    pollfd p{fd_, POLLIN, 0};
    const int pr = ::poll(&p, 1, static_cast<int>(left));
    if (pr < 0 && errno != EINTR) return std::nullopt;
    if (pr <= 0) continue;
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n > 0) {
      buf_.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0) {
      eof_ = true;
    } else if (errno != EAGAIN && errno != EINTR) {
      eof_ = true;
    }
  }
}

nlohmann::json RpcClient::call(const std::string& method, const nlohmann::json& params, const nlohmann::json& id,
                               Ms timeout) {
  nlohmann::json req = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}};
  if (!send(req.dump() + "\n", timeout)) throw std::runtime_error("cannot send " + method + " request");
  auto line = read_line(timeout);
  if (!line) throw std::runtime_error(std::string("no answer to ") + method + (eof_ ? " (connection closed)" : " (timeout)"));
  auto j = nlohmann::json::parse(*line, nullptr, false);
  if (j.is_discarded()) throw std::runtime_error("answer to " + method + " is not JSON: " + *line);
  return j;
}

}  // namespace bvtest
