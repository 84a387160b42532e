// The benchmarks' HTTP/1.1 client side, over loopback TCP, with no library between the bench
// and the server's bytes: connections (TCP_NODELAY, as any latency-minded client; from another
// loopback address when a server limits per address), requests written whole, responses framed
// by Content-Length, and an epoll set for many connections in one thread. Every wait is bounded
// (connect 10 s, a write or a read 30 s), so a hung server breaks the run instead of hanging it.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bench_files.hpp"
#include "bench_run.hpp"

namespace bvbench {

// A TCP connection to 127.0.0.1:port, from `source` (another loopback address) when not "".
// With `wait`, the connect is awaited (10 s) and the socket left blocking; without, it is left
// non-blocking and under way: an epoll loop sees it writable once connected.
inline Fd connect_loopback(int port, bool wait = true, const std::string& source = "") {
  const std::string to_text = "connect 127.0.0.1:" + std::to_string(port);
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) throw Broken(errno_text("socket"));
  const int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (!source.empty()) {
    sockaddr_in from{};
    from.sin_family = AF_INET;
    ::inet_pton(AF_INET, source.c_str(), &from.sin_addr);
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&from), sizeof from) != 0)
      throw Broken(errno_text("bind " + source));
  }
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&to), sizeof to) < 0) {
    if (errno != EINPROGRESS) throw Broken(errno_text(to_text));
    if (!wait) return fd;
    pollfd p{fd.get(), POLLOUT, 0};
    int pr;
    do pr = ::poll(&p, 1, 10000);
    while (pr < 0 && errno == EINTR);
    if (pr == 0) throw Broken(to_text + ": no answer within 10 s");
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (pr < 0 || err != 0) {
      errno = pr < 0 ? errno : err;
      throw Broken(errno_text(to_text));
    }
  }
  if (wait) ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
  return fd;
}

// Writes all of `data`, blocking socket or not, waiting at most 30 s for room.
inline void send_all(int fd, std::string_view data, const std::string& peer = "the server") {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, 30000) == 0) throw Broken(peer + " took no bytes for 30 s");
    } else if (n < 0 && errno != EINTR) {
      throw Broken(errno_text("send to " + peer));
    }
  }
}

// Reads what the socket has now into `buf`, without waiting; false when the peer closed it.
inline bool read_available(int fd, std::string& buf) {
  char chunk[65536];
  for (;;) {
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, MSG_DONTWAIT);
    if (n > 0) {
      buf.append(chunk, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
    throw Broken(errno_text("recv"));
  }
}

// GET TARGET with the Host header, then `headers` (whole lines, each ending in CRLF).
inline std::string get_request(int port, const std::string& target, std::string_view headers = {}) {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\n" + std::string(headers) +
         "\r\n";
}

// A header's value in a response head (status line and header lines, each ending in CRLF),
// "" when absent; the name without its colon, in any case.
inline std::string header_value(std::string_view head, std::string_view name) {
  for (std::size_t pos = head.find("\r\n"); pos != std::string_view::npos && pos + 2 < head.size();) {
    const std::size_t start = pos + 2, eol = head.find("\r\n", start);
    const std::size_t stop = eol == std::string_view::npos ? head.size() : eol;
    if (stop - start > name.size() && head[start + name.size()] == ':' &&
        strncasecmp(head.data() + start, name.data(), name.size()) == 0) {
      std::size_t v = start + name.size() + 1;
      while (v < stop && (head[v] == ' ' || head[v] == '\t')) ++v;
      return std::string(head.substr(v, stop - v));
    }
    pos = eol;
  }
  return "";
}

struct HttpResponse {
  int status = 0;
  std::string status_line;
  std::size_t body_size = 0;
  std::string body;    // unless dropped (keep_body false): a timed loop needs only its size
  bool close = false;  // the server closes the connection after it (Connection: close, HTTP/1.0)
  std::chrono::steady_clock::time_point done;  // its last byte read
};

// Takes one whole response off the front of `buf`, into `r`. Its body is Content-Length bytes;
// without that header it runs to the end of the stream, so it is whole only `at_eof`.
// Transfer-Encoding (chunked) is refused: the servers measured here frame by length.
inline bool take_response(std::string& buf, HttpResponse& r, bool keep_body = true, bool at_eof = false) {
  const auto end = buf.find("\r\n\r\n");
  if (end == std::string::npos) return false;
  std::optional<std::size_t> length;
  bool close = buf.compare(0, 8, "HTTP/1.0") == 0;
  for (std::size_t pos = buf.find("\r\n"); pos < end;) {
    const std::size_t start = pos + 2, eol = buf.find("\r\n", start);
    auto header = [&](const char* name) {
      const std::size_t n = std::strlen(name);
      return eol - start > n && strncasecmp(buf.data() + start, name, n) == 0 ? buf.c_str() + start + n : nullptr;
    };
    if (const char* v = header("content-length:")) length = std::strtoull(v, nullptr, 10);
    else if (const char* c = header("connection:")) close = close || strncasecmp(c + std::strspn(c, " \t"), "close", 5) == 0;
    else if (header("transfer-encoding:"))
      throw Broken("an answer with " + buf.substr(start, eol - start) + "; this client reads Content-Length bodies only");
    pos = eol;
  }
  if (!length && !at_eof) return false;
  const std::size_t size = length ? *length : buf.size() - end - 4;
  if (buf.size() < end + 4 + size) return false;
  r.status_line = buf.substr(0, buf.find("\r\n"));
  r.status = r.status_line.size() >= 12 ? std::atoi(r.status_line.c_str() + 9) : 0;
  r.body_size = size;
  if (keep_body) r.body.assign(buf, end + 4, size);
  else r.body.clear();
  r.close = close || !length;
  r.done = std::chrono::steady_clock::now();
  if (buf.size() == end + 4 + size) buf.clear();
  else buf.erase(0, end + 4 + size);
  return true;
}

// A keep-alive connection to 127.0.0.1:PORT for one request at a time, opened when first used
// and again after the server closed it. `peer` names the server in failures.
class HttpConnection {
 public:
  explicit HttpConnection(int port, std::string peer = "the server") : port_(port), peer_(std::move(peer)) {}

  // One request and its whole response.
  HttpResponse exchange(std::string_view request, bool keep_body = true) {
    send(request);
    return await(keep_body);
  }
  HttpResponse get(const std::string& target, bool keep_body = true) {
    return exchange(get_request(port_, target), keep_body);
  }

  void send(std::string_view request) {
    open();
    send_all(fd_.get(), request, peer_);
  }

  // The response to the request in flight, once all of it has come (waits at most 30 s).
  HttpResponse await(bool keep_body = true) {
    HttpResponse r;
    bool eof = false;
    while (!take_response(buf_, r, keep_body, eof)) {
      if (eof) throw Broken(peer_ + " closed the connection before a whole answer");
      const std::size_t n = recv_some(fd_.get(), chunk_.data(), chunk_.size(), peer_);
      if (n == 0) eof = true;
      buf_.append(chunk_.data(), n);
    }
    if (r.close || eof) reset();
    return r;
  }

  // The response to the request in flight if all of it has come, without waiting (for an
  // epoll loop that watches fd()).
  std::optional<HttpResponse> poll_answer(bool keep_body = true) {
    if (!read_available(fd_.get(), buf_)) throw Broken(peer_ + " closed a keep-alive connection");
    HttpResponse r;
    if (!take_response(buf_, r, keep_body)) return std::nullopt;
    if (r.close) reset();
    return r;
  }

  // From `source` (another loopback address) from now on: a new connection when it changes.
  void use_source(const std::string& source) {
    if (source == source_) return;
    source_ = source;
    reset();
  }

  void open() {
    if (fd_) return;
    fd_ = connect_loopback(port_, true, source_);
    ++connects_;
  }
  void reset() {
    fd_.reset();
    buf_.clear();
  }

  int fd() const { return fd_.get(); }
  int port() const { return port_; }
  int connects() const { return connects_; }

 private:
  int port_;
  std::string peer_, source_;
  Fd fd_;
  std::string buf_;
  std::vector<char> chunk_ = std::vector<char>(256 * 1024);  // a whole DVR playlist in few reads
  int connects_ = 0;
};

// An epoll set whose events carry a caller's tag (an index into its connections).
class Epoll {
 public:
  Epoll() : fd_(::epoll_create1(EPOLL_CLOEXEC)) {
    if (!fd_) throw Broken(errno_text("epoll_create1"));
  }
  void add(int fd, std::uint32_t events, std::uint64_t tag) { ctl(EPOLL_CTL_ADD, fd, events, tag); }
  void modify(int fd, std::uint32_t events, std::uint64_t tag) { ctl(EPOLL_CTL_MOD, fd, events, tag); }
  void remove(int fd) { ::epoll_ctl(fd_.get(), EPOLL_CTL_DEL, fd, nullptr); }
  int wait(std::vector<epoll_event>& out, int timeout_ms) {
    const int n = ::epoll_wait(fd_.get(), out.data(), static_cast<int>(out.size()), timeout_ms);
    if (n < 0 && errno != EINTR) throw Broken(errno_text("epoll_wait"));
    return std::max(n, 0);
  }

 private:
  void ctl(int op, int fd, std::uint32_t events, std::uint64_t tag) {
    epoll_event e{};
    e.events = events;
    e.data.u64 = tag;
    if (::epoll_ctl(fd_.get(), op, fd, &e) != 0) throw Broken(errno_text("epoll_ctl"));
  }
  Fd fd_;
};

}  // namespace bvbench
