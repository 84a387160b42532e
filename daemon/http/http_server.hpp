// The HTTP/1.1 origin server: raw non-blocking sockets polled by libuv (uv_poll_t), so
// file bodies go out with sendfile(2) straight from the page cache. Generic: routes are
// a Handler; the server adds what every answer needs (Content-Length, Date, CORS,
// Connection), serves files with Range support, answers CORS preflights, and protects
// itself (header/body limits, idle timeout, one response in flight per connection).
#pragma once

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "protocols/http/request.hpp"
#include "protocols/http/request_parser.hpp"
#include "protocols/http/response.hpp"

namespace bvlive::tls {
class TlsContext;
}

namespace bvlive::http {

struct ClientInfo {
  std::string address;  // "127.0.0.1", "::1" (IPv4-mapped IPv6 shown as IPv4)
  int port = 0;
  bool secure = false;  // came over TLS (an HTTPS listener)
  // The address the client reached us at, "127.0.0.1:8080" or "[::1]:8080": an edge in
  // front of several origins tells them apart by it (origin/edge_gate.hpp).
  std::string local;
};

// Runs on the loop thread for every request except CORS preflights. May throw: the
// client then gets a 500. Must not destroy the server. May answer later (Response::later):
// the connection then waits, reading nothing more, until the answer comes.
using Handler = std::function<Response(const Request&, const ClientInfo&)>;

struct ServerOptions {
  std::uint64_t idle_timeout_ms = 30000;  // no byte in or out for this long: close (0: never)
  std::size_t max_header_bytes = 16384;   // request line + headers; more is a 431 (414 for the target)
  std::size_t max_body_bytes = 1 << 20;   // more is a 413
  std::size_t max_connections = 10000;    // more are answered 503 and closed
  std::int64_t hsts_max_age = 0;          // > 0: HTTPS answers carry Strict-Transport-Security
};

struct ServerStats {
  std::map<int, std::uint64_t> responses_by_status;
  std::uint64_t bytes_out = 0;  // heads and bodies, sendfile included
  std::uint64_t connections_open = 0;
  std::uint64_t connections_total = 0;
  std::uint64_t tls_handshakes = 0;        // completed
  std::uint64_t tls_handshake_failures = 0;  // refused, broken or timed out before completing
  std::uint64_t tls_kernel_offload = 0;    // connections whose records the kernel encrypts (kTLS)
};

class HttpServer {
 public:
  HttpServer(uv_loop_t* loop, Handler handler, ServerOptions options = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Listens on host:port (an IPv4 or IPv6 literal or a host name; "" or "*" = every
  // IPv4 address) and returns the bound port (port 0 picks a free one). May be called
  // again for more addresses. With `tls` (which must outlive the server) the port speaks
  // HTTPS with its current certificate. Throws std::runtime_error
  // "cannot listen on HOST:PORT for HTTP: <reason>; <what to do>".
  int listen(const std::string& host, int port, const tls::TlsContext* tls = nullptr);
  // Stops accepting and closes every connection at once. Idempotent.
  void close();
  // Where request bodies go (uploads streamed to a file), decided per request from its head;
  // unset: every body is buffered, up to max_body_bytes. Set before listen().
  void set_body_plan(std::function<BodyPlan(const Request& head)> plan) { body_plan_ = std::move(plan); }
  // How protocol errors (a malformed request, a body over its limit) are answered; unset:
  // plain text. Lets the HTTP API keep its one JSON error shape.
  void set_error_page(std::function<Response(int status, const std::string& message)> page) {
    error_page_ = std::move(page);
  }

  const ServerStats& stats() const { return stats_; }
  const ServerOptions& options() const { return options_; }

 private:
  struct Listener;
  struct Connection;
  struct Held;
  class StreamSink;

  void on_acceptable(Listener& l);
  void pause_accepting(Listener& l);
  void accept_one(int fd, ClientInfo peer, const tls::TlsContext* tls);
  void warn_refusing(const std::string& why);
  ssize_t io_read(Connection& c, void* buf, std::size_t len);
  ssize_t io_write(Connection& c, const void* buf, std::size_t len);
  bool refill_from_file(Connection& c, std::size_t want);
  void on_poll(Connection& c, int status, int events);
  void on_readable(Connection& c);
  void on_idle(Connection& c);
  void serve_next(Connection& c);
  Response respond(const Request& req, const ClientInfo& peer);
  void start_response(Connection& c, Response resp, const Request* req, bool keep_alive);
  void hold(Connection& c, Request req, std::function<void(Response::Send)> later);
  void answer_held(Held& held, Response answer);
  bool stream_write(Connection& c, std::string_view bytes);
  void stream_end(Connection& c);
  // After writing to a connection from outside its own callbacks: erases it if it died.
  void settle(Connection& c);
  void attach_file(Connection& c, Response& resp, const Request* req);
  void write_some(Connection& c);
  void response_done(Connection& c);
  void update_poll(Connection& c);
  void touch(Connection& c);
  void linger_close(Connection& c);
  void drop(Connection& c, const char* why);
  void erase(Connection& c);
  std::string date_now();

  uv_loop_t* loop_;
  Handler handler_;
  std::function<BodyPlan(const Request& head)> body_plan_;
  std::function<Response(int status, const std::string& message)> error_page_;
  ServerOptions options_;
  ServerStats stats_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::list<std::unique_ptr<Connection>> connections_;
  std::vector<std::uint8_t> read_buffer_;
  std::uint64_t refusing_since_ = 0;    // loop time connections began to be refused; 0: they are not
  std::uint64_t last_refusal_log_ = 0;
  std::time_t date_second_ = 0;
  std::string date_text_;
};

}  // namespace bvlive::http
