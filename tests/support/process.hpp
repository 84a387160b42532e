// Test support for the integration tests: run processes (bvlive, bvlived) and talk to
// a real daemon over its control socket. Everything here is bounded in time: no call
// waits forever, so a hung daemon fails a test instead of hanging ctest.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace bvtest {

using namespace std::chrono_literals;
using Ms = std::chrono::milliseconds;

// ---------------------------------------------------------------------------
// Running a command to completion.

struct RunOptions {
  std::optional<std::string> stdin_text;        // nullopt: stdin is /dev/null
  std::map<std::string, std::string> env;       // added to (or replacing in) the environment
  std::vector<std::string> unset_env;           // removed from the environment
  Ms timeout = 30s;                             // the child is SIGKILLed after this
};

// RunOptions with only a timeout (designated initializers would leave the other
// members out, which -Wextra reports).
inline RunOptions with_timeout(Ms timeout) {
  RunOptions o;
  o.timeout = timeout;
  return o;
}

struct RunResult {
  std::vector<std::string> argv;
  std::string out;
  std::string err;
  int code = -1;          // exit status; 128+N when killed by signal N
  bool timed_out = false;
  Ms elapsed{0};
  // "argv...\n  exit 3\n  stdout: ...\n  stderr: ..." for failure messages.
  std::string describe() const;
};

RunResult run(const std::vector<std::string>& argv, const RunOptions& options = {});

// Environment variables that would make a test depend on the machine it runs on
// (BVLIVE_SOCKET, BVLIVE_CONFIG, systemd's LISTEN_FDS, ...); removed for every child.
const std::vector<std::string>& hermetic_unset_env();

// ---------------------------------------------------------------------------
// Files and directories.

// mkdtemp under /tmp (short, so socket paths stay under 108 bytes); removed with
// everything in it on destruction unless BVLIVE_KEEP_TEST_DIRS is set in the environment.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "bvlive-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string read_file(const std::string& path);  // "" when missing
void write_file(const std::string& path, const std::string& text);
bool path_exists(const std::string& path);

// ---------------------------------------------------------------------------
// Time.

std::int64_t now_ms();  // Unix time in ms
// RFC 3339 UTC with whole seconds: now + `ahead`, rounded up to the next whole second,
// so the result is at least `ahead` away.
std::string rfc3339_in(Ms ahead);
std::string rfc3339(std::int64_t unix_ms);  // "2026-01-02T03:04:05.678Z"
// Parses "YYYY-MM-DDTHH:MM:SS[.fff]Z" (or +HH:MM); nullopt if not that shape.
std::optional<std::int64_t> parse_rfc3339(const std::string& text);
// ms of an RFC 3339 string value in JSON, or throws with the JSON in the message.
std::int64_t time_of(const nlohmann::json& value);

// Calls `done` every `interval` until it returns true or `timeout` passes; returns its last answer.
bool poll_until(const std::function<bool()>& done, Ms timeout = 10s, Ms interval = 100ms);
void sleep_for(Ms d);

// ---------------------------------------------------------------------------
// Any other program running beside a test (an encoder, a second client): output to a
// log file, killed with the test (PR_SET_PDEATHSIG through setpriv) and on destruction.
class BackgroundProcess {
 public:
  BackgroundProcess(std::vector<std::string> argv, std::string log_path);
  ~BackgroundProcess();  // SIGKILL if still running
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  bool running();                         // reaps it if it has exited
  // Sends `sig`, waits up to `timeout`; returns the exit code (128+N for signal N), -1 if it had to be killed.
  int stop(int sig = 15, Ms timeout = 10s);
  // Waits up to `timeout` for it to exit by itself; the exit code, or nullopt if still running.
  std::optional<int> wait(Ms timeout);
  pid_t pid() const { return pid_; }
  std::string log() const { return read_file(log_path_); }
  std::optional<int> exit_code() const { return exit_code_; }

 private:
  bool reap(bool block, Ms timeout);
  std::vector<std::string> argv_;
  std::string log_path_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

// ---------------------------------------------------------------------------
// A bvlived under test.

struct DaemonOptions {
  std::optional<std::string> config;      // --config FILE; nullopt: an empty config file in DIR
  std::vector<std::string> extra_args;
  Ms ready_timeout = 10s;                 // how long start() waits for daemon.status to answer
};

class DaemonProcess {
 public:
  // DIR holds bvlived.sock, state/, bvlived.log. Does not start it: call start().
  DaemonProcess(std::string dir, DaemonOptions options = {});
  ~DaemonProcess();  // SIGKILL if still running
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  // Spawns bvlived and waits until daemon.status answers on the socket. Throws
  // std::runtime_error (with the daemon's log) if it exits or does not answer in time.
  void start();
  // SIGTERM, then waits up to `timeout` for the exit; returns the exit code (128+N
  // for signal N), or -1 after a SIGKILL because it did not stop in time.
  int stop(Ms timeout = 10s);
  void kill9();                       // SIGKILL and reap
  bool signal(int sig);               // send a signal (SIGHUP, ...); false if not running
  bool running();                     // reaps it if it has exited
  std::optional<int> exit_code() const { return exit_code_; }

  pid_t pid() const { return pid_; }
  const std::string& dir() const { return dir_; }
  std::string socket() const { return dir_ + "/bvlived.sock"; }
  std::string state_dir() const { return dir_ + "/state"; }
  std::string log_path() const { return dir_ + "/bvlived.log"; }
  std::string config_path() const { return config_; }
  std::string log() const { return read_file(log_path()); }
  std::vector<std::string> argv() const;

 private:
  bool reap(bool block, Ms timeout);

  std::string dir_;
  DaemonOptions options_;
  std::string config_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

// ---------------------------------------------------------------------------
// bvlive with --socket preset.

class Cli {
 public:
  explicit Cli(std::string socket) : socket_(std::move(socket)) {}
  RunResult run(const std::vector<std::string>& args, const RunOptions& options = {}) const;
  RunResult run(std::initializer_list<std::string> args) const { return run(std::vector<std::string>(args)); }
  RunResult run_stdin(const std::string& stdin_text, const std::vector<std::string>& args) const;
  // Runs with --json added, requires exit 0 and a JSON stdout; throws otherwise (with describe()).
  nlohmann::json json(const std::vector<std::string>& args) const;
  const std::string& socket() const { return socket_; }

 private:
  std::string socket_;
};

// ---------------------------------------------------------------------------
// A raw JSON-RPC client on the control socket: send any bytes, read answer lines.

class RpcClient {
 public:
  RpcClient() = default;
  explicit RpcClient(const std::string& socket_path) { connect(socket_path); }
  ~RpcClient();
  RpcClient(const RpcClient&) = delete;
  RpcClient& operator=(const RpcClient&) = delete;

  void connect(const std::string& socket_path);  // throws on failure
  bool connected() const { return fd_ >= 0; }
  void close();
  // Sends all of `bytes` (bounded by `timeout`); false if the peer is gone or it timed out.
  bool send(const std::string& bytes, Ms timeout = 10s);
  // The next '\n'-terminated line (without the '\n'), or nullopt on timeout or EOF.
  std::optional<std::string> read_line(Ms timeout = 10s);
  bool eof() const { return eof_; }
  // Sends one request and parses the next line; throws on timeout/EOF/bad JSON.
  nlohmann::json call(const std::string& method, const nlohmann::json& params = nlohmann::json::object(),
                      const nlohmann::json& id = 1, Ms timeout = 10s);

 private:
  int fd_ = -1;
  std::string buf_;
  bool eof_ = false;
};

}  // namespace bvtest
