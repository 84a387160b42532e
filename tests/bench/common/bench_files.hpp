// Files every benchmark holds: its temporary work directory (made fresh, removed afterwards
// unless kept), owned file descriptors (and a connection to the daemon's control socket), the
// text of small files (a child's output), and the name of the file system a path is on (tmpfs
// or a disk changes what a figure means).
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <utility>

#include "bench_run.hpp"

namespace bvbench {

// Where --dir defaults to: $TMPDIR when it is an absolute path, else /tmp.
inline std::string default_base_dir() {
  const char* t = std::getenv("TMPDIR");
  return t && *t == '/' ? t : "/tmp";
}

// A whole file's text, "" when it cannot be read.
inline std::string read_file(const std::string& path) {
  std::ifstream f(path);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

// `s` without its trailing newlines and spaces (a child's one-line output).
inline std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// The file system `path` is on ("tmpfs", "ext2/3/4", ...), its statfs magic in hex when
// unnamed here, "unknown" when statfs fails.
inline std::string fs_type(const std::string& path) {
  struct statfs s {};
  if (::statfs(path.c_str(), &s) != 0) return "unknown";
  switch (static_cast<unsigned long>(s.f_type)) {
    case 0x01021994: return "tmpfs";
    case 0xEF53: return "ext2/3/4";
    case 0x58465342: return "xfs";
    case 0x9123683E: return "btrfs";
    case 0x794c7630: return "overlayfs";
    case 0x6969: return "nfs";
    case 0x65735546: return "fuse";
    case 0x01021997: return "9p";
    case 0x2FC12FC1: return "zfs";
    default: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "0x%lx", static_cast<unsigned long>(s.f_type));
      return buf;
    }
  }
}

// An owned file descriptor: closed on destruction or reset(); moves, never copies.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// A blocking stream connection to the Unix socket at `path` (the daemon's control socket).
inline Fd connect_unix(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path)
    throw Broken("socket path too long (" + std::to_string(path.size()) + " bytes, at most " +
                 std::to_string(sizeof addr.sun_path - 1) + "): " + path + "; choose a shorter --dir");
  std::memcpy(addr.sun_path, path.data(), path.size());
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) throw Broken(errno_text("socket"));
  int rc;
  do {
    rc = ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) throw Broken(errno_text("connect " + path));
  return fd;
}

// Reads what has arrived on a blocking socket into buf, waiting up to 30 s for it: the
// byte count, 0 at end of stream. Throws Broken naming `peer` on a timeout or an error.
inline std::size_t recv_some(int fd, char* buf, std::size_t cap, const std::string& peer) {
  for (;;) {
    pollfd pfd{fd, POLLIN, 0};
    const int pr = ::poll(&pfd, 1, 30000);
    if (pr < 0) {
      if (errno == EINTR) continue;
      throw Broken(errno_text("poll"));
    }
    if (pr == 0) throw Broken("no reply from " + peer + " within 30 s");
    const ssize_t n = ::recv(fd, buf, cap, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Broken(errno_text("recv from " + peer));
    }
    return static_cast<std::size_t>(n);
  }
}

// A fresh directory BASE/NAME.XXXXXX (mkdtemp) that a run works in. On destruction it is
// removed with all it holds, or, when `keep`, left in place with "work directory kept: DIR"
// printed so the user finds the logs. Declare it before anything that writes into it (daemons,
// children), so that those stop first.
class WorkDir {
 public:
  WorkDir(const std::string& base, const std::string& name, bool keep) : keep_(keep) {
    const std::string pattern = base + "/" + name + ".XXXXXX";
    std::string tmpl = pattern;  // mkdtemp fills in the Xs even when it fails
    if (!::mkdtemp(tmpl.data()))
      throw Broken(errno_text("cannot make the work directory " + pattern) + " (--dir DIR chooses where)");
    path_ = tmpl;
  }
  ~WorkDir() {
    if (keep_) {
      std::printf("work directory kept: %s\n", path_.c_str());
      std::fflush(stdout);
      return;
    }
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  WorkDir(const WorkDir&) = delete;
  WorkDir& operator=(const WorkDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool keep_;
};

}  // namespace bvbench
