#include "support/http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace bvtest {

namespace {

using Clock = std::chrono::steady_clock;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool has_header(const HttpHeaders& headers, const std::string& name) {
  return std::any_of(headers.begin(), headers.end(), [&](const auto& h) { return lower(h.first) == lower(name); });
}

int ms_left(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<Ms>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

class Socket {
 public:
  Socket() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    if (fd_ < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
  }
  ~Socket() { ::close(fd_); }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

sockaddr_in loopback(const std::string& address, int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::inet_pton(AF_INET, address.c_str(), &addr.sin_addr) != 1)
    throw std::runtime_error("not an IPv4 address: " + address);
  return addr;
}

// Sends as much of `bytes` as the peer takes before the deadline. A peer that answers and
// closes before it has read everything (413) is not an error here: its answer is read next.
void send_all(int fd, const std::string& bytes, Clock::time_point deadline, const std::string& what) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    pollfd p{fd, POLLOUT, 0};
    const int ready = ::poll(&p, 1, ms_left(deadline));
    if (ready == 0) throw std::runtime_error(what + ": timed out sending the request");
    if (ready < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(what + ": poll: " + std::strerror(errno));
    }
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      if (errno == EPIPE || errno == ECONNRESET) return;
      throw std::runtime_error(what + ": send: " + std::strerror(errno));
    }
    sent += static_cast<std::size_t>(n);
  }
}

// Everything the peer sends until it closes; stops early once a response with a
// Content-Length is complete (in case the server keeps the connection open).
std::string receive_all(int fd, Clock::time_point deadline, const std::string& what) {
  std::string raw;
  char buf[65536];
  for (;;) {
    const std::size_t head_end = raw.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      const std::string head = lower(raw.substr(0, head_end));
      const std::size_t cl = head.find("\ncontent-length:");
      if (cl != std::string::npos && head.find("transfer-encoding: chunked") == std::string::npos) {
        const std::size_t length = std::stoul(head.substr(cl + 16));
        if (raw.size() >= head_end + 4 + length) return raw;
      }
    }
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, ms_left(deadline));
    if (ready == 0) throw std::runtime_error(what + ": timed out waiting for the answer; got so far: " + raw);
    if (ready < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(what + ": poll: " + std::strerror(errno));
    }
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == ECONNRESET && !raw.empty()) return raw;
    if (n < 0) throw std::runtime_error(what + ": recv: " + std::strerror(errno));
    if (n == 0) return raw;
    raw.append(buf, static_cast<std::size_t>(n));
  }
}

std::string dechunk(const std::string& body, const std::string& what) {
  std::string out;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t eol = body.find("\r\n", pos);
    if (eol == std::string::npos) throw std::runtime_error(what + ": truncated chunked body");
    const std::size_t size = std::stoul(body.substr(pos, eol - pos), nullptr, 16);
    pos = eol + 2;
    if (size == 0) return out;
    if (pos + size > body.size()) throw std::runtime_error(what + ": truncated chunk");
    out += body.substr(pos, size);
    pos += size + 2;
  }
}

// A POST of `body`, as application/json unless `headers` name another type.
HttpRequest json_post(const std::string& target, const std::string& body, const HttpHeaders& headers) {
  HttpRequest request;
  request.method = "POST";
  request.target = target;
  request.headers = headers;
  if (!has_header(headers, "Content-Type")) request.headers.insert(request.headers.begin(), {"Content-Type", "application/json"});
  request.body = body;
  return request;
}

}  // namespace

std::string HttpResponse::header(const std::string& name) const {
  const std::string wanted = lower(name);
  for (const auto& [k, v] : headers)
    if (k == wanted) return v;
  return "";
}

std::optional<std::string> HttpResponse::cookie(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (k != "set-cookie") continue;
    const std::size_t eq = v.find('=');
    if (eq == std::string::npos || v.substr(0, eq) != name) continue;
    return v.substr(eq + 1, v.find(';') == std::string::npos ? std::string::npos : v.find(';') - eq - 1);
  }
  return std::nullopt;
}

nlohmann::json HttpResponse::json() const {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded()) throw std::runtime_error("the body is not JSON: " + describe());
  return j;
}

std::string HttpResponse::describe() const {
  std::string out = "\n  HTTP " + std::to_string(status);
  for (const auto& [k, v] : headers) out += "\n  " + k + ": " + v;
  out += "\n  body: " + (body.size() > 2000 ? body.substr(0, 2000) + "..." : body);
  return out;
}

HttpResponse http_exchange(int port, const HttpRequest& request) {
  const std::string what = request.method + " " + request.target;
  const auto deadline = Clock::now() + request.timeout;
  Socket socket;
  if (!request.source_address.empty()) {
    const sockaddr_in source = loopback(request.source_address, 0);
    if (::bind(socket.fd(), reinterpret_cast<const sockaddr*>(&source), sizeof source) != 0)
      throw std::runtime_error(what + ": bind " + request.source_address + ": " + std::strerror(errno));
  }
  const sockaddr_in addr = loopback("127.0.0.1", port);
  if (::connect(socket.fd(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
    throw std::runtime_error(what + ": connect to port " + std::to_string(port) + ": " + std::strerror(errno));

  std::string head = request.method + " " + request.target + " HTTP/1.1\r\n";
  if (!has_header(request.headers, "Host")) head += "Host: 127.0.0.1:" + std::to_string(port) + "\r\n";
  if (!has_header(request.headers, "Connection")) head += "Connection: close\r\n";
  for (const auto& [k, v] : request.headers) head += k + ": " + v + "\r\n";
  const bool method_has_body = request.method == "POST" || request.method == "PUT" || request.method == "PATCH";
  if (!has_header(request.headers, "Content-Length") && !has_header(request.headers, "Transfer-Encoding") && (method_has_body || !request.body.empty()))
    head += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
  send_all(socket.fd(), head + "\r\n" + request.body, deadline, what);

  const std::string raw = receive_all(socket.fd(), deadline, what);
  const std::size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos) throw std::runtime_error(what + ": no complete response head in: " + raw);
  if (raw.rfind("HTTP/1.", 0) != 0 || raw.size() < 12) throw std::runtime_error(what + ": not HTTP: " + raw);
  HttpResponse r;
  r.status = std::stoi(raw.substr(9, 3));
  std::size_t pos = raw.find("\r\n") + 2;
  while (pos < head_end) {
    const std::size_t eol = raw.find("\r\n", pos);
    const std::string line = raw.substr(pos, eol - pos);
    pos = eol + 2;
    const std::size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
    r.headers.emplace_back(lower(line.substr(0, colon)), value);
  }
  r.body = raw.substr(head_end + 4);
  if (lower(r.header("transfer-encoding")) == "chunked") {
    r.body = dechunk(r.body, what);
  } else if (const std::string length = r.header("content-length"); !length.empty()) {
    r.body.resize(std::min(r.body.size(), static_cast<std::size_t>(std::stoul(length))));
  }
  return r;
}

HttpResponse http_get_at(int port, const std::string& target, const HttpHeaders& headers) {
  HttpRequest request;
  request.target = target;
  request.headers = headers;
  return http_exchange(port, request);
}

HttpResponse http_post_json(int port, const std::string& target, const std::string& body, const HttpHeaders& headers) {
  return http_exchange(port, json_post(target, body, headers));
}

HttpResponse HttpClient::get(const std::string& target, const HttpHeaders& headers) {
  HttpRequest request;
  request.target = target;
  request.headers = headers;
  return send(std::move(request));
}

HttpResponse HttpClient::post_json(const std::string& target, const std::string& body, const HttpHeaders& headers) {
  return send(json_post(target, body, headers));
}

HttpResponse HttpClient::send(HttpRequest request) {
  request.target = with_query(request.target);
  if (request.source_address.empty()) request.source_address = source_address_;
  if (!cookies_.empty() && !has_header(request.headers, "Cookie")) {
    std::string line;
    for (const auto& [name, value] : cookies_) line += (line.empty() ? "" : "; ") + name + "=" + value;
    request.headers.emplace_back("Cookie", line);
  }
  HttpResponse r = http_exchange(port_, request);
  for (const auto& [k, v] : r.headers) {
    if (k != "set-cookie") continue;
    const std::size_t eq = v.find('=');
    if (eq == std::string::npos) continue;
    if (const auto value = r.cookie(v.substr(0, eq))) set_cookie(v.substr(0, eq), *value);
  }
  return r;
}

std::optional<std::string> HttpClient::cookie(const std::string& name) const {
  for (const auto& [k, v] : cookies_)
    if (k == name) return v;
  return std::nullopt;
}

void HttpClient::set_cookie(const std::string& name, const std::string& value) {
  for (auto& [k, v] : cookies_)
    if (k == name) {
      v = value;
      return;
    }
  cookies_.emplace_back(name, value);
}

std::string HttpClient::with_query(const std::string& target) const {
  if (query_.empty()) return target;
  return target + (target.find('?') == std::string::npos ? "?" : "&") + query_;
}

}  // namespace bvtest
