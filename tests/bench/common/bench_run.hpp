// What every benchmark's run shares: a failure that is not a figure (Broken, exit 1), Ctrl-C
// turned into such a failure at the next check so that destructors stop the daemons and
// encoders it started, and main()'s frame around it.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <string>
#include <thread>

namespace bvbench {

// Something broke (not a slow figure): reported, and the run exits 1.
struct Broken : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// "what: strerror(errno)", for a failed system call's message.
inline std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

// The SIGINT or SIGTERM received, 0 before any.
inline std::atomic<int> g_signal{0};
inline void on_signal(int sig) { g_signal = sig; }

inline void check_signal() {
  if (g_signal) throw Broken("interrupted by signal " + std::to_string(g_signal.load()));
}

// Sleeps in short steps so Ctrl-C ends the run promptly.
inline void nap(std::chrono::milliseconds d) {
  using Clock = std::chrono::steady_clock;
  const auto until = Clock::now() + d;
  while (Clock::now() < until) {
    check_signal();
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(
        std::chrono::milliseconds(50),
        std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()) + std::chrono::milliseconds(1)));
  }
}

// A usage error: "NAME: why (see --help)" on stderr, exit status 2.
[[noreturn]] inline void usage_error(const char* name, const std::string& why) {
  std::cerr << name << ": " << why << " (see --help)\n";
  std::exit(2);
}

// An option's value that must be a whole number from 1 to `max`.
inline int parse_positive(const char* name, const std::string& flag, const char* v, long max) {
  if (!v) usage_error(name, flag + " needs a value");
  char* end = nullptr;
  errno = 0;
  const long n = std::strtol(v, &end, 10);
  if (errno || !end || *end || n <= 0 || n > max)
    usage_error(name, flag + ": '" + v + "' is not a whole number from 1 to " + std::to_string(max));
  return static_cast<int>(n);
}

// main()'s body: SIGPIPE ignored (a child that dies mid-write), SIGINT and SIGTERM noted for
// check_signal(), then run(); an exception prints "NAME: BROKEN: why" and exits 1.
template <typename Run>
int run_bench(const char* name, Run run) {
  ::signal(SIGPIPE, SIG_IGN);
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  try {
    return run();
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::cerr << name << ": BROKEN: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace bvbench
