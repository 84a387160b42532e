#include "support/event_stream.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

namespace bvtest {

EventStream::EventStream(int port, const std::string& path, const std::vector<std::string>& headers) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw std::runtime_error("connect: " + std::string(std::strerror(errno)));
  std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
  for (const auto& h : headers) request += h + "\r\n";
  request += "\r\n";
  if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size()))
    throw std::runtime_error("send: " + std::string(std::strerror(errno)));
  std::size_t end;
  while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
    if (!fill(10s)) throw std::runtime_error("no response head from " + path + ": " + buf_);
  head_ = buf_.substr(0, end + 4);
  buf_.erase(0, end + 4);
  if (head_.rfind("HTTP/1.1 ", 0) == 0) status_ = std::stoi(head_.substr(9, 3));
}

EventStream::~EventStream() {
  if (fd_ >= 0) ::close(fd_);
}

bool EventStream::fill(Ms timeout) {
  if (eof_) return false;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
  char chunk[4096];
  const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
  if (n <= 0) {
    eof_ = true;
    return false;
  }
  buf_.append(chunk, static_cast<std::size_t>(n));
  return true;
}

std::optional<ServerEvent> EventStream::next(Ms timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const std::size_t end = buf_.find("\n\n");
    if (end != std::string::npos) {
      const std::string block = buf_.substr(0, end + 1);
      buf_.erase(0, end + 2);
      ServerEvent e{"message", ""};
      bool has_data = false;
      std::size_t pos = 0;
      while (pos < block.size()) {
        const std::size_t eol = block.find('\n', pos);
        const std::string line = block.substr(pos, eol - pos);
        pos = eol + 1;
        if (line.rfind("event: ", 0) == 0) e.event = line.substr(7);
        if (line.rfind("data: ", 0) == 0) {
          e.data += (has_data ? "\n" : "") + line.substr(6);
          has_data = true;
        }
      }
      if (has_data) return e;  // a comment or a retry line alone is no event
      continue;
    }
    const auto left = std::chrono::duration_cast<Ms>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !fill(left)) return std::nullopt;
  }
}

bool EventStream::closed(Ms timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!eof_) {
    const auto left = std::chrono::duration_cast<Ms>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    fill(left);
  }
  return true;
}

std::optional<nlohmann::json> EventStream::next_json(const std::string& event, Ms timeout,
                                                    const std::function<bool(const nlohmann::json&)>& wanted) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<Ms>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    const auto e = next(left);
    if (!e) return std::nullopt;
    if (e->event != event) continue;
    nlohmann::json data = nlohmann::json::parse(e->data);
    if (!wanted || wanted(data)) return data;
  }
}

}  // namespace bvtest
