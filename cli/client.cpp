#include "client.hpp"

#include "cli_error.hpp"
#include "exit_codes.hpp"
#include "rpc/error.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace bvlive::cli {
namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::int64_t mono_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The kind of an error reply: data.kind, else from the numeric code.
ErrorKind kind_of(const nlohmann::json& error) {
  if (auto data = error.find("data"); data != error.end() && data->is_object()) {
    if (auto k = data->find("kind"); k != data->end() && k->is_string())
      if (auto kind = error_kind_from_string(k->get<std::string>())) return *kind;
  }
  if (auto code = error.find("code"); code != error.end() && code->is_number_integer()) {
    for (auto kind : {ErrorKind::ParseError, ErrorKind::InvalidRequest, ErrorKind::MethodNotFound,
                      ErrorKind::InvalidParams, ErrorKind::NotFound, ErrorKind::Conflict,
                      ErrorKind::Unavailable, ErrorKind::Internal})
      if (jsonrpc_code(kind) == code->get<int>()) return kind;
  }
  return ErrorKind::Internal;
}

}  // namespace

Client::Client(std::string socket_path) : path_(std::move(socket_path)) {}

void Client::unreachable(const std::string& reason) const {
  throw CliError(kExitUnavailable,
                 "cannot reach bvlived at " + path_ + ": " + reason +
                     "; is the daemon running? (systemctl status bvlived, or bvlived in a terminal)");
}

int Client::connect_socket() const {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path_.empty()) unreachable("empty socket path");
  if (path_.size() >= sizeof(addr.sun_path))
    unreachable("socket path longer than " + std::to_string(sizeof(addr.sun_path) - 1) + " bytes");
  std::memcpy(addr.sun_path, path_.data(), path_.size());

  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) unreachable(std::string("socket: ") + std::strerror(errno));
  // For AF_UNIX, Linux bounds a blocking connect() (full accept backlog) by SO_SNDTIMEO.
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(kConnectTimeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((kConnectTimeout.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);

  int rc;
  do {
    rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) {
    int err = errno;
    ::close(fd);
    if (err == EAGAIN || err == EINPROGRESS || err == ETIMEDOUT)
      unreachable("connect timed out after " + std::to_string(kConnectTimeout.count() / 1000) +
                  " s (the daemon is not accepting connections)");
    unreachable(std::strerror(err));
  }
  return fd;
}

std::string Client::exchange(int fd, const std::string& request) const {
  std::size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        unreachable("sending the request timed out (the daemon is not reading)");
      unreachable(std::string("sending the request: ") + std::strerror(errno));
    }
    sent += static_cast<std::size_t>(n);
  }

  const std::int64_t deadline = mono_ms() + kReplyTimeout.count();
  std::string reply;
  char buf[65536];
  for (;;) {
    if (auto nl = reply.find('\n'); nl != std::string::npos) {
      reply.resize(nl);
      return reply;
    }
    std::int64_t left = deadline - mono_ms();
    if (left <= 0)
      unreachable("no reply within " + std::to_string(kReplyTimeout.count() / 1000) + " s");
    pollfd pfd{fd, POLLIN, 0};
    int pr = ::poll(&pfd, 1, static_cast<int>(left));
    if (pr < 0) {
      if (errno == EINTR) continue;
      unreachable(std::string("waiting for the reply: ") + std::strerror(errno));
    }
    if (pr == 0) continue;  // the deadline check above reports it
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      unreachable(std::string("reading the reply: ") + std::strerror(errno));
    }
    if (n == 0) unreachable("the daemon closed the connection without a reply");
    reply.append(buf, static_cast<std::size_t>(n));
  }
}

nlohmann::json Client::call(std::string_view method, const nlohmann::json& params) {
  nlohmann::json request = {
      {"jsonrpc", "2.0"}, {"id", 1}, {"method", std::string(method)}, {"params", params}};
  // dump() escapes control characters, so the line holds no raw newline.
  std::string line = request.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  line += '\n';

  Fd fd(connect_socket());
  std::string text = exchange(fd.get(), line);

  nlohmann::json reply = nlohmann::json::parse(text, nullptr, false);
  if (reply.is_discarded() || !reply.is_object())
    throw CliError(kExitError, "bvlived sent a reply that is not a JSON object");
  if (auto err = reply.find("error"); err != reply.end() && !err->is_null()) {
    std::string message = "bvlived reported an error";
    if (err->is_object())
      if (auto m = err->find("message"); m != err->end() && m->is_string())
        message = m->get<std::string>();
    throw CliError(exit_code_for(err->is_object() ? kind_of(*err) : ErrorKind::Internal), message);
  }
  auto result = reply.find("result");
  if (result == reply.end()) throw CliError(kExitError, "bvlived sent a reply with no result");
  return std::move(*result);
}

}  // namespace bvlive::cli
