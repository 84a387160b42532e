#include "control/socket_activation.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

namespace bvlive {

namespace {

constexpr int kListenFdsStart = 3;  // SD_LISTEN_FDS_START

// Strict decimal parse: the whole string, no sign, no spaces.
template <typename T>
bool parse_uint(const char* s, T& out) {
  if (!s) return false;
  std::string_view v(s);
  if (v.empty()) return false;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  return ec == std::errc() && p == v.data() + v.size() && out >= 0;
}

struct UnsetEnv {
  ~UnsetEnv() {
    ::unsetenv("LISTEN_PID");
    ::unsetenv("LISTEN_FDS");
    ::unsetenv("LISTEN_FDNAMES");
  }
};

}  // namespace

std::vector<int> systemd_listen_fds() {
  const UnsetEnv unset_on_return;

  long pid = 0;
  if (!parse_uint(std::getenv("LISTEN_PID"), pid)) return {};
  if (pid != static_cast<long>(::getpid())) return {};  // meant for another process

  int n = 0;
  if (!parse_uint(std::getenv("LISTEN_FDS"), n) || n == 0) return {};
  if (n > INT_MAX - kListenFdsStart)
    throw std::runtime_error("LISTEN_FDS=" + std::to_string(n) + " is out of range");

  std::vector<int> fds;
  fds.reserve(static_cast<std::size_t>(n));
  for (int fd = kListenFdsStart; fd < kListenFdsStart + n; ++fd) {
    const int flags = ::fcntl(fd, F_GETFD);
    if (flags < 0 || (!(flags & FD_CLOEXEC) && ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0))
      throw std::runtime_error("socket activation: fd " + std::to_string(fd) +
                               " from LISTEN_FDS is unusable: " + std::strerror(errno));
    fds.push_back(fd);
  }
  return fds;
}

}  // namespace bvlive
