#include "http/http_server.hpp"

#include "util/ascii.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <optional>
#include <stdexcept>

#include "http/unique_fd.hpp"
#include "log/log.hpp"
#include "net/descriptor_reserve.hpp"
#include "net/tls/tls_socket.hpp"
#include "protocols/http/byte_range.hpp"
#include "protocols/http/content_type.hpp"
#include "protocols/http/request_parser.hpp"
#include "uv/handle.hpp"

namespace bvlive::http {

namespace {

constexpr std::size_t kReadChunk = 64 * 1024;
constexpr std::size_t kAcceptBatch = 64;
// Bytes one connection may send per loop iteration, so one fast client pulling a big
// file does not delay every other connection; the poll is level-triggered and comes back.
constexpr std::uint64_t kWriteBudget = 4 << 20;
constexpr std::uint64_t kSendfileChunk = 1 << 20;
// After a final answer (error, Connection: close) the server shuts its side down and
// reads what the client still sends for at most this long, so closing does not reset
// the connection and destroy the answer before the client has read it.
constexpr std::uint64_t kLingerMs = 2000;
constexpr std::uint64_t kAcceptRetryMs = 100;
constexpr std::uint64_t kRefusalLogMs = 10000;  // one warning per this long while refusing
// A streamed body (server-sent events) whose reader lets this much pile up is dropped.
constexpr std::size_t kStreamBacklog = 1 << 20;
// A TLS client has this long to finish its handshake, whatever the idle timeout.
constexpr std::uint64_t kHandshakeMs = 10000;
// Without kernel TLS, file bodies go through user space in chunks of this size.
constexpr std::size_t kTlsFileChunk = 256 * 1024;

constexpr const char* kExposeHeaders = "Content-Length, Content-Range, Location, ETag";
constexpr const char* kAllowMethods = "GET, HEAD, POST, DELETE, PATCH, OPTIONS";
constexpr const char* kAllowHeaders = "Authorization, Content-Type, If-Match, Range, X-Bvlive-Device";

ClientInfo client_info(const sockaddr_storage& ss) {
  ClientInfo info;
  char buf[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof buf);
    info.port = ntohs(sin->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
      inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12], buf, sizeof buf);
    else
      inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof buf);
    info.port = ntohs(sin6->sin6_port);
  }
  info.address = buf;
  return info;
}

std::string listen_hint(int err, const std::string& host) {
  switch (err) {
    case EADDRINUSE:
      return "another program already listens there; stop it or choose another [http] port";
    case EACCES:
      return "ports below 1024 need root or CAP_NET_BIND_SERVICE; choose a port above 1023";
    case EADDRNOTAVAIL:
      return "'" + host + "' is not an address of this machine; check [http] listen";
    case EAFNOSUPPORT:
      return "IPv6 is disabled on this machine; listen on an IPv4 address";
    default:
      return "check [http] listen and port";
  }
}

// Adds the CORS headers web players need, unless the route chose its own.
void add_cors(Response& r) {
  if (!r.header("access-control-allow-origin")) r.set("Access-Control-Allow-Origin", "*");
  if (!r.header("access-control-expose-headers")) r.set("Access-Control-Expose-Headers", kExposeHeaders);
}

Response preflight() {
  Response r;
  r.status = 204;
  r.set("Access-Control-Allow-Methods", kAllowMethods);
  r.set("Access-Control-Allow-Headers", kAllowHeaders);
  r.set("Access-Control-Max-Age", "86400");
  return r;
}

// Per-request and per-connection lines are built only when someone reads them.
// Strong validator from the file's size and modification time (nanoseconds, so a
// playlist rewritten within the same second still gets a new one).
std::string file_etag(const struct stat& st) {
  char buf[80];
  std::snprintf(buf, sizeof buf, "\"%llx-%llx-%lx\"", static_cast<unsigned long long>(st.st_size),
                static_cast<unsigned long long>(st.st_mtim.tv_sec), static_cast<long>(st.st_mtim.tv_nsec));
  return buf;
}

// If-None-Match: "*" or a comma-separated list of (possibly weak) entity tags.
bool etag_listed(std::string_view list, std::string_view etag) {
  if (etag.empty()) return false;
  while (!list.empty()) {
    const auto comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (item.substr(0, 2) == "W/") item.remove_prefix(2);  // weak comparison (RFC 9110 13.1.2)
    if (item == "*" || item == etag) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

bool debug_on() { return log::level() == LogLevel::Debug; }


}  // namespace

// Members are destroyed in reverse order: the poll handle is closed (and leaves epoll)
// before its descriptor is closed.
struct HttpServer::Listener {
  UniqueFd fd;
  uv::UvHandle<uv_poll_t> poll;
  uv::UvHandle<uv_timer_t> retry;  // resumes accepting after running out of descriptors
  HttpServer* server = nullptr;
  std::string where;
  const tls::TlsContext* tls = nullptr;  // an HTTPS listener
};

// A request answered later (Response::later): its send holds only a weak reference, so
// a connection gone meanwhile makes it a no-op.
struct HttpServer::Held {
  Connection* conn = nullptr;
  Request req;
};

struct HttpServer::Connection {
  explicit Connection(ParserLimits limits) : parser(limits) {}

  UniqueFd sock;
  std::unique_ptr<tls::TlsSocket> tls;  // HTTPS: every byte in and out goes through it
  // What a TLS read or write that could not go on waits for (UV_READABLE / UV_WRITABLE; 0:
  // nothing): a handshake message may have to be sent before reading, or one read before writing.
  int tls_read_needs = 0;
  int tls_write_needs = 0;
  UniqueFd file;  // the file body being sent, if any
  uv::UvHandle<uv_poll_t> poll;
  uv::UvHandle<uv_timer_t> idle;
  HttpServer* server = nullptr;
  std::list<std::unique_ptr<Connection>>::iterator self;
  ClientInfo peer;
  RequestParser parser;
  std::deque<Request> pending;          // parsed, not yet answered (pipelining)
  std::optional<ParseError> parse_error;  // answered after `pending`, then the connection closes
  std::string out;                      // head (and string body) being written
  std::size_t out_off = 0;
  bool out_started = false;             // write_some has run for this response
  std::uint64_t file_off = 0;
  std::uint64_t file_left = 0;
  bool responding = false;   // a response is being written; nothing else is read meanwhile
  std::shared_ptr<Held> held;  // a request whose answer is to come; nothing else is answered meanwhile
  bool streaming = false;    // the body is written over time (Response::stream)
  bool stream_ended = false; // ...and its end was given
  std::shared_ptr<Connection*> stream_token;  // what the stream's sink holds weakly
  bool serving = false;      // inside serve_next: an answer given now is written by that loop
  bool close_after = false;  // close once the current response is out
  bool peer_eof = false;     // the client shut its side down
  bool lingering = false;    // our side is shut down; discarding input until EOF
  bool dead = false;         // dropped; erased by the callback that dropped it
  int poll_events = 0;
};

class HttpServer::StreamSink final : public BodySink {
 public:
  StreamSink(HttpServer* server, std::weak_ptr<Connection*> conn) : server_(server), conn_(std::move(conn)) {}
  bool write(std::string_view bytes) override {
    Connection* c = connection();
    return c && server_->stream_write(*c, bytes);
  }
  void end() override {
    if (Connection* c = connection()) server_->stream_end(*c);
  }

 private:
  Connection* connection() const {
    const auto token = conn_.lock();
    return token ? *token : nullptr;
  }
  HttpServer* server_;
  std::weak_ptr<Connection*> conn_;
};

HttpServer::HttpServer(uv_loop_t* loop, Handler handler, ServerOptions options)
    : loop_(loop), handler_(std::move(handler)), options_(options), read_buffer_(kReadChunk) {}

HttpServer::~HttpServer() { close(); }

void HttpServer::close() {
  listeners_.clear();
  while (!connections_.empty()) {
    drop(*connections_.front(), "server closing");
    connections_.pop_front();
  }
}

int HttpServer::listen(const std::string& host, int port, const tls::TlsContext* tls) {
  const bool any = host.empty() || host == "*";
  const std::string shown_host = host.find(':') != std::string::npos ? "[" + host + "]" : (any ? "*" : host);
  const std::string where = shown_host + ":" + std::to_string(port);
  auto fail = [&](const std::string& reason, const std::string& hint) -> std::runtime_error {
    return std::runtime_error("cannot listen on " + where + (tls ? " for HTTPS: " : " for HTTP: ") + reason + "; " +
                              hint);
  };
  if (port < 0 || port > 65535) throw fail("invalid port", "use a port between 1 and 65535 (0 picks a free one)");

  addrinfo hints{};
  hints.ai_family = any ? AF_INET : AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = getaddrinfo(any ? nullptr : host.c_str(), service.c_str(), &hints, &found); rc != 0)
    throw fail(std::string("cannot resolve '") + host + "': " + gai_strerror(rc),
               "use an IP address such as 0.0.0.0, 127.0.0.1 or ::");
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> addresses(found, &freeaddrinfo);
  const addrinfo* ai = addresses.get();

  auto l = std::make_unique<Listener>();
  l->server = this;
  l->tls = tls;
  l->fd.reset(::socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!l->fd) throw fail(std::strerror(errno), listen_hint(errno, host));
  int one = 1;
  setsockopt(l->fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  // IPv6 sockets take IPv6 only, so "0.0.0.0" and "::" can both be listened on.
  if (ai->ai_family == AF_INET6) setsockopt(l->fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (::bind(l->fd.get(), ai->ai_addr, ai->ai_addrlen) != 0) throw fail(std::strerror(errno), listen_hint(errno, host));
  if (::listen(l->fd.get(), SOMAXCONN) != 0) throw fail(std::strerror(errno), listen_hint(errno, host));

  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  if (getsockname(l->fd.get(), reinterpret_cast<sockaddr*>(&bound), &len) != 0)
    throw fail(std::strerror(errno), listen_hint(errno, host));
  const int bound_port = client_info(bound).port;
  l->where = shown_host + ":" + std::to_string(bound_port);

  if (int rc = uv_poll_init(loop_, l->poll.get(), l->fd.get()); rc != 0) throw fail(uv_strerror(rc), "internal error");
  l->poll.mark_initialized();
  if (int rc = uv_timer_init(loop_, l->retry.get()); rc != 0) throw fail(uv_strerror(rc), "internal error");
  l->retry.mark_initialized();
  l->poll->data = l.get();
  l->retry->data = l.get();
  uv_poll_start(l->poll.get(), UV_READABLE, [](uv_poll_t* h, int, int) {
    if (auto* listener = static_cast<Listener*>(h->data)) listener->server->on_acceptable(*listener);
  });
  log::debug("http", "listening on " + l->where);
  listeners_.push_back(std::move(l));
  return bound_port;
}

void HttpServer::on_acceptable(Listener& l) {
  for (std::size_t i = 0; i < kAcceptBatch; ++i) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    const int fd = ::accept4(l.fd.get(), reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        warn_refusing("accept on " + l.where + ": " + std::strerror(errno) + " (paused for " +
                      std::to_string(kAcceptRetryMs) + " ms at a time)");
        pause_accepting(l);
      }
      return;  // EAGAIN: nothing more to accept
    }
    accept_one(fd, client_info(ss), l.tls);
  }
}

// Out of descriptors: the pending connection stays queued and the level-triggered poll
// would fire again at once, so stop watching for a moment.
void HttpServer::pause_accepting(Listener& l) {
  uv_poll_stop(l.poll.get());
  uv_timer_start(
      l.retry.get(),
      [](uv_timer_t* t) {
        auto* listener = static_cast<Listener*>(t->data);
        if (!listener) return;
        uv_poll_start(listener->poll.get(), UV_READABLE, [](uv_poll_t* h, int, int) {
          if (auto* ll = static_cast<Listener*>(h->data)) ll->server->on_acceptable(*ll);
        });
      },
      kAcceptRetryMs, 0);
}

void HttpServer::warn_refusing(const std::string& why) {
  const std::uint64_t now = uv_now(loop_);
  if (refusing_since_ && now - last_refusal_log_ < kRefusalLogMs) return;
  if (!refusing_since_) refusing_since_ = now;
  last_refusal_log_ = now;
  log::warn("http", "refusing new connections: " + why);
}

void HttpServer::accept_one(int fd, ClientInfo peer, const tls::TlsContext* tls) {
  UniqueFd sock(fd);
  peer.secure = tls != nullptr;
  const bool reserve = net::in_descriptor_reserve(fd);
  const bool full = connections_.size() >= options_.max_connections || reserve;
  if (full) {
    warn_refusing(std::to_string(connections_.size()) + " connections open" +
                  (reserve
                       ? " and the process near its descriptor limit (ulimit -n, systemd LimitNOFILE=; raise it for "
                         "more viewers)"
                       : ", the most [http] takes"));
  } else if (refusing_since_) {
    log::info("http", "accepting connections again");
    refusing_since_ = 0;
  }
  if (full && tls) {
    ++stats_.responses_by_status[503];  // no handshake for a connection refused anyway
    return;
  }
  if (full) {
    const std::string body = "too many connections; try again later\n";
    const std::string msg = serialize_head(503, {{"Content-Type", "text/plain; charset=utf-8"}, {"Connection", "close"},
                                                 {"Retry-After", "1"}, {"Access-Control-Allow-Origin", "*"}},
                                           body.size(), date_now()) + body;
    const ssize_t n = ::send(sock.get(), msg.data(), msg.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) stats_.bytes_out += static_cast<std::uint64_t>(n);
    ++stats_.responses_by_status[503];
    return;
  }
  int one = 1;
  setsockopt(sock.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_storage here{};
  socklen_t here_len = sizeof here;
  if (::getsockname(sock.get(), reinterpret_cast<sockaddr*>(&here), &here_len) == 0) {
    const ClientInfo mine = client_info(here);
    const bool v6 = mine.address.find(':') != std::string::npos;
    peer.local = (v6 ? "[" + mine.address + "]" : mine.address) + ":" + std::to_string(mine.port);
  }

  auto owned = std::make_unique<Connection>(ParserLimits{options_.max_header_bytes, options_.max_body_bytes});
  owned->parser.body_writer_for = body_plan_;
  Connection& c = *owned;
  c.server = this;
  c.peer = peer;
  if (tls) {
    try {
      c.tls = std::make_unique<tls::TlsSocket>(tls->current(), sock.get());
    } catch (const std::exception& e) {
      log::warn("http", std::string("HTTPS connection refused: ") + e.what());
      return;
    }
  }
  if (uv_poll_init(loop_, c.poll.get(), sock.get()) != 0) return;
  c.poll.mark_initialized();
  if (uv_timer_init(loop_, c.idle.get()) != 0) return;
  c.idle.mark_initialized();
  c.sock = std::move(sock);
  c.poll->data = &c;
  c.idle->data = &c;
  connections_.push_back(std::move(owned));
  c.self = std::prev(connections_.end());
  ++stats_.connections_open;
  ++stats_.connections_total;
  if (debug_on()) log::debug("http", "connection from " + peer.address + ":" + std::to_string(peer.port));
  touch(c);
  update_poll(c);
}

void HttpServer::touch(Connection& c) {
  const std::uint64_t idle = options_.idle_timeout_ms;
  const bool handshaking = c.tls && !c.tls->handshake_done();
  if (idle == 0 && !c.lingering && !handshaking) {  // 0: no idle timeout
    uv_timer_stop(c.idle.get());
    return;
  }
  std::uint64_t timeout = c.lingering ? (idle == 0 ? kLingerMs : std::min(kLingerMs, idle)) : idle;
  if (handshaking) timeout = idle == 0 ? kHandshakeMs : std::min(kHandshakeMs, idle);
  uv_timer_start(
      c.idle.get(),
      [](uv_timer_t* t) {
        auto* conn = static_cast<Connection*>(t->data);
        if (!conn) return;
        HttpServer* server = conn->server;
        server->on_idle(*conn);
        if (conn->dead) server->erase(*conn);
      },
      timeout, 0);
}

void HttpServer::on_idle(Connection& c) {
  if (c.tls && !c.tls->handshake_done()) {
    ++stats_.tls_handshake_failures;
    return drop(c, "TLS handshake not finished in time");
  }
  drop(c, c.lingering ? "closed after the last answer" : "idle timeout");
}

void HttpServer::update_poll(Connection& c) {
  if (c.dead) return;
  int events = 0;
  if (c.lingering)
    events = UV_READABLE;
  else if (c.streaming)  // readable: to see the client go
    events = UV_READABLE | (c.out_off < c.out.size() ? UV_WRITABLE : 0);
  else if (c.responding)
    events = UV_WRITABLE;
  else if (c.held)
    events = 0;  // nothing to write yet, and nothing more is read until the answer is out
  else if (!c.peer_eof && !c.parse_error && c.pending.empty())
    events = UV_READABLE;
  // TLS may need the other direction first (a handshake message out before reading on).
  if ((events & UV_READABLE) && c.tls_read_needs == UV_WRITABLE) events |= UV_WRITABLE;
  if ((events & UV_WRITABLE) && c.responding && c.tls_write_needs == UV_READABLE) events |= UV_READABLE;
  if (events == c.poll_events) return;
  c.poll_events = events;
  if (events == 0) {
    uv_poll_stop(c.poll.get());
    return;
  }
  uv_poll_start(c.poll.get(), events, [](uv_poll_t* h, int status, int ev) {
    auto* conn = static_cast<Connection*>(h->data);
    if (!conn) return;
    HttpServer* server = conn->server;
    server->on_poll(*conn, status, ev);
    if (conn->dead) server->erase(*conn);
  });
}

void HttpServer::on_poll(Connection& c, int status, int events) {
  if (status < 0) {
    drop(c, uv_strerror(status));
    return;
  }
  if (c.lingering) {  // what comes now is discarded, TLS records included
    const ssize_t n = ::recv(c.sock.get(), read_buffer_.data(), read_buffer_.size(), 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) drop(c, "closed after the last answer");
    return;
  }
  const bool write_turn = c.responding && ((events & UV_WRITABLE) ||
                                           (c.tls_write_needs == UV_READABLE && (events & UV_READABLE)));
  if (write_turn) write_some(c);
  else if ((events & UV_READABLE) || (c.tls_read_needs == UV_WRITABLE && (events & UV_WRITABLE))) on_readable(c);
  if (c.streaming && c.peer_eof && !c.dead) return drop(c, "client left the stream");
  serve_next(c);
}

ssize_t HttpServer::io_read(Connection& c, void* buf, std::size_t len) {
  if (!c.tls) return ::recv(c.sock.get(), buf, len, 0);
  const bool was_done = c.tls->handshake_done();
  const ssize_t n = c.tls->read(buf, len);
  c.tls_read_needs = n < 0 && errno == EAGAIN ? (c.tls->wants_write() ? UV_WRITABLE : UV_READABLE) : 0;
  if (!was_done && c.tls->handshake_done()) {
    ++stats_.tls_handshakes;
    if (c.tls->can_sendfile()) ++stats_.tls_kernel_offload;
    touch(c);  // from the handshake deadline to the idle timeout (a browser's preconnect waits)
  } else if (!was_done && (n == 0 || (n < 0 && errno != EAGAIN))) {
    ++stats_.tls_handshake_failures;
  }
  return n;
}

ssize_t HttpServer::io_write(Connection& c, const void* buf, std::size_t len) {
  if (!c.tls) return ::send(c.sock.get(), buf, len, MSG_NOSIGNAL);
  const ssize_t n = c.tls->write(buf, len);
  c.tls_write_needs = n < 0 && errno == EAGAIN ? (c.tls->wants_write() ? UV_WRITABLE : UV_READABLE) : 0;
  return n;
}

void HttpServer::on_readable(Connection& c) {
  const ssize_t n = io_read(c, read_buffer_.data(), read_buffer_.size());
  if (n < 0) {
    if (errno != EAGAIN && errno != EINTR) drop(c, c.tls ? c.tls->error_text().c_str() : std::strerror(errno));
    return;
  }
  touch(c);
  if (n == 0) {
    c.peer_eof = true;
    return;
  }
  auto result = c.parser.feed(std::span<const std::uint8_t>(read_buffer_.data(), static_cast<std::size_t>(n)));
  if (c.parser.take_continue() && !c.responding && c.out_off >= c.out.size()) {
    // The client waits for this before sending a large body (curl does above 1 MiB). A
    // 25-byte write to an idle socket does not block; if it is short, the client's own
    // timeout sends the body anyway.
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    const ssize_t sent = io_write(c, kContinue.data(), kContinue.size());
    // A TLS write left half done must be retried with the same bytes, which the response
    // would not be: such a client starts again.
    if (c.tls && sent != static_cast<ssize_t>(kContinue.size())) return drop(c, "TLS write blocked on 100 Continue");
  }
  for (auto& r : result.requests) c.pending.push_back(std::move(r));
  if (result.error && !c.parse_error) c.parse_error = std::move(result.error);
}

// Answers what is queued, one response at a time, until one has to wait for the socket.
void HttpServer::serve_next(Connection& c) {
  c.serving = true;
  while (!c.dead && !c.responding && !c.lingering && !c.held) {
    if (!c.pending.empty()) {
      Request req = std::move(c.pending.front());
      c.pending.pop_front();
      Response resp = respond(req, c.peer);
      if (resp.later) hold(c, std::move(req), std::move(resp.later));
      else start_response(c, std::move(resp), &req, req.keep_alive);
    } else if (c.parse_error) {
      const ParseError err = std::move(*c.parse_error);
      c.parse_error.reset();
      if (debug_on()) log::debug("http", c.peer.address + ": " + std::to_string(err.status) + " " + err.message);
      Response answer = error_page_ ? error_page_(err.status, err.message) : Response::text(err.status, err.message);
      if (!err.content_type.empty()) {
        answer.body = err.message;
        answer.set("Content-Type", err.content_type);
      }
      for (const auto& [k, v] : err.headers) answer.set(k, v);
      start_response(c, std::move(answer), nullptr, false);
    } else if (c.peer_eof) {
      drop(c, "client closed");
    } else {
      break;
    }
    if (!c.dead && c.responding) write_some(c);
  }
  c.serving = false;
  update_poll(c);
}

void HttpServer::hold(Connection& c, Request req, std::function<void(Response::Send)> later) {
  auto held = std::make_shared<Held>(Held{&c, std::move(req)});
  c.held = held;
  const std::weak_ptr<Held> weak = held;
  try {
    later([this, weak](Response answer) {
      if (const auto h = weak.lock()) answer_held(*h, std::move(answer));
    });
  } catch (const std::exception& e) {
    log::debug("http", held->req.method + " " + held->req.path + ": handler failed: " + e.what());
    if (c.held == held) answer_held(*held, Response::text(500, "internal server error"));
  }
}

bool HttpServer::stream_write(Connection& c, std::string_view bytes) {
  if (c.dead || c.stream_ended) return false;
  if (c.out.size() - c.out_off + bytes.size() > kStreamBacklog) {
    drop(c, "stream reader too slow");
  } else {
    c.out.append(bytes);
    if (c.serving) return true;  // serve_next writes it
    write_some(c);
    update_poll(c);
  }
  const bool alive = !c.dead;
  settle(c);
  return alive;
}

void HttpServer::stream_end(Connection& c) {
  if (c.dead || c.stream_ended) return;
  c.stream_ended = true;
  if (c.serving) return;
  write_some(c);
  update_poll(c);
  settle(c);
}

void HttpServer::settle(Connection& c) {
  if (c.dead && !c.serving) erase(c);
}

void HttpServer::answer_held(Held& held, Response answer) {
  Connection& c = *held.conn;
  const std::shared_ptr<Held> keep = std::move(c.held);  // the request lives until the head is built
  if (c.dead || !keep) return;
  if (answer.later) answer = Response::text(500, "internal server error");  // no second wait
  start_response(c, std::move(answer), &keep->req, keep->req.keep_alive);
  if (c.serving) return;  // serve_next writes it
  write_some(c);
  serve_next(c);
  settle(c);
}

Response HttpServer::respond(const Request& req, const ClientInfo& peer) {
  if (req.method == "OPTIONS" && req.header("access-control-request-method")) return preflight();
  try {
    return handler_(req, peer);
  } catch (const std::exception& e) {
    log::debug("http", req.method + " " + req.path + ": handler failed: " + e.what());
  } catch (...) {
    log::debug("http", req.method + " " + req.path + ": handler failed");
  }
  return Response::text(500, "internal server error");
}

// Turns a route's answer into bytes to send: resolves a file body (404 when gone),
// applies Range, adds CORS, Connection, Content-Length and Date.
void HttpServer::start_response(Connection& c, Response resp, const Request* req, bool keep_alive) {
  const bool head_only = req && req->method == "HEAD";
  c.file.reset();
  c.file_off = 0;
  c.file_left = 0;

  if (resp.file) attach_file(c, resp, req);

  // Every error answer carries a body a person can read.
  if (resp.status >= 400 && resp.body.empty() && !c.file) {
    const Response text = Response::text(resp.status, std::string(reason_phrase(resp.status)));
    resp.body = text.body;
    if (!resp.header("content-type")) resp.set("Content-Type", "text/plain; charset=utf-8");
  }
  add_cors(resp);
  if (c.tls && options_.hsts_max_age > 0 && !resp.header("strict-transport-security"))
    resp.set("Strict-Transport-Security", "max-age=" + std::to_string(options_.hsts_max_age));

  // A streamed body ends when the connection closes.
  auto open_stream = std::move(resp.stream);
  if (open_stream && (head_only || status_has_no_body(resp.status))) open_stream = nullptr;
  if (open_stream) keep_alive = false;
  if (const auto conn = resp.header("connection"); conn && iequals(*conn, "close")) keep_alive = false;
  if (!keep_alive) {
    resp.set("Connection", "close");
  } else if (req && req->http_major == 1 && req->http_minor == 0) {
    resp.set("Connection", "keep-alive");
  }
  c.close_after = !keep_alive;

  std::optional<std::uint64_t> length = c.file ? c.file_left : resp.body.size();
  if (open_stream) length.reset();
  c.out = serialize_head(resp.status, resp.headers, length, date_now());
  c.out_off = 0;
  c.out_started = false;
  if (head_only || status_has_no_body(resp.status)) {
    c.file.reset();
    c.file_left = 0;
  } else if (!c.file) {
    c.out += resp.body;
  }
  c.responding = true;
  ++stats_.responses_by_status[resp.status];
  if (open_stream) {
    c.streaming = true;
    c.stream_token = std::make_shared<Connection*>(&c);
    // What the route writes now goes out with the head.
    const bool was_serving = std::exchange(c.serving, true);
    open_stream(std::make_shared<StreamSink>(this, c.stream_token));
    c.serving = was_serving;
  }
  if (req && debug_on()) log::debug("http", c.peer.address + " " + req->method + " " + req->target + " " + std::to_string(resp.status));
}

// Opens the route's file and makes it the body: 404/403 when it cannot be read, 304
// when the client's copy is current, 206/416 for a Range.
void HttpServer::attach_file(Connection& c, Response& resp, const Request* req) {
  const std::string path = resp.file->path;
  resp.file.reset();
  const std::string request_path = req ? req->path : std::string();
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  int err = 0;
  if (!fd) err = errno;
  else if (::fstat(fd.get(), &st) != 0) err = errno;
  else if (!S_ISREG(st.st_mode)) err = EISDIR;
  if (err == ENOENT || err == ENOTDIR || err == EISDIR) {
    resp = Response::text(404, "not found: " + request_path);
    return;
  }
  if (err == EACCES || err == EPERM) {
    resp = Response::text(403, "forbidden: " + request_path);
    return;
  }
  if (err != 0) {
    log::debug("http", "cannot open " + path + ": " + std::strerror(err));
    resp = Response::text(500, "internal server error");
    return;
  }

  if (!resp.header("content-type")) resp.set("Content-Type", std::string(content_type_for(path)));
  if (!resp.header("last-modified")) resp.set("Last-Modified", http_date(st.st_mtime));
  if (!resp.header("etag")) resp.set("ETag", file_etag(st));
  resp.set("Accept-Ranges", "bytes");
  const bool get_or_head = req && (req->method == "GET" || req->method == "HEAD");
  if (resp.status != 200 || !get_or_head) {
    c.file = std::move(fd);
    c.file_left = static_cast<std::uint64_t>(st.st_size);
    return;
  }
  // A client revalidating what it has gets 304 without the body. (No If-Modified-Since:
  // its one-second resolution would miss a live playlist rewritten within a second.)
  if (const auto inm = req->header("if-none-match"); inm && etag_listed(*inm, resp.header("etag").value_or(""))) {
    resp.status = 304;
    return;
  }

  const auto size = static_cast<std::uint64_t>(st.st_size);
  RangeRequest range;
  if (const auto range_header = req->header("range")) {
    // If-Range: the range only applies to the representation the client already has.
    const auto if_range = req->header("if-range");
    const bool same = !if_range || *if_range == resp.header("etag").value_or("") ||
                      *if_range == resp.header("last-modified").value_or("");
    if (same) range = parse_range(*range_header, size);
  }
  if (range.kind == RangeRequest::Kind::Unsatisfiable) {
    auto r416 = Response::text(416, "range not satisfiable: the file has " + std::to_string(size) + " bytes");
    r416.set("Content-Range", "bytes */" + std::to_string(size));
    for (const auto& [name, value] : resp.headers)
      if (!iequals(name, "content-type") && !iequals(name, "content-range")) r416.set(name, value);
    resp = std::move(r416);
    return;
  }
  c.file = std::move(fd);
  c.file_left = size;
  if (range.kind == RangeRequest::Kind::Partial) {
    resp.status = 206;
    resp.set("Content-Range", "bytes " + std::to_string(range.range.first) + "-" +
                                  std::to_string(range.range.last) + "/" + std::to_string(size));
    c.file_off = range.range.first;
    c.file_left = range.range.length();
  }
}

// Without kernel TLS a file body is read into the output buffer and encrypted from there:
// appended to what is still unsent (the head: one TLS record carries both, as a small file
// then needs one encryption and one write), or in place of what went out. False when the
// file ended early.
bool HttpServer::refill_from_file(Connection& c, std::size_t want) {
  if (c.out_off >= c.out.size()) {
    c.out.clear();
    c.out_off = 0;
  }
  const std::size_t at = c.out.size();
  c.out.resize(at + want);
  const ssize_t n = ::pread(c.file.get(), c.out.data() + at, want, static_cast<off_t>(c.file_off));
  if (n <= 0) {
    c.out.resize(at);
    return false;
  }
  c.out.resize(at + static_cast<std::size_t>(n));
  c.file_off += static_cast<std::uint64_t>(n);
  c.file_left -= static_cast<std::uint64_t>(n);
  return true;
}

void HttpServer::write_some(Connection& c) {
  std::uint64_t budget = kWriteBudget;
  auto failed = [&](const char* what) {
    if (errno == EAGAIN) return;
    drop(c, c.tls && !c.tls->error_text().empty() ? c.tls->error_text().c_str() : what);
  };
  // The head goes out with the start of the body (only before the first write: a write
  // that must be retried is retried with the bytes it had).
  if (c.tls && !c.tls->can_sendfile() && c.file_left > 0 && c.out_off == 0 && !c.out_started &&
      !refill_from_file(c, static_cast<std::size_t>(std::min<std::uint64_t>(c.file_left, kTlsFileChunk))))
    return drop(c, "file truncated while sending");
  c.out_started = true;
  for (;;) {
    while (c.out_off < c.out.size()) {
      const ssize_t n = io_write(c, c.out.data() + c.out_off, c.out.size() - c.out_off);
      if (n < 0) {
        if (errno == EINTR) continue;
        return failed(std::strerror(errno));
      }
      c.out_off += static_cast<std::size_t>(n);
      stats_.bytes_out += static_cast<std::uint64_t>(n);
      budget -= std::min<std::uint64_t>(budget, static_cast<std::uint64_t>(n));
      touch(c);
    }
    if (c.file_left == 0) break;
    if (budget == 0) return;  // the socket is still writable: the poll comes back next iteration
    const std::size_t want = static_cast<std::size_t>(std::min({c.file_left, kSendfileChunk, budget}));
    if (c.tls && !c.tls->can_sendfile()) {
      if (!refill_from_file(c, std::min(want, kTlsFileChunk))) return drop(c, "file truncated while sending");
      continue;
    }
    auto off = static_cast<off_t>(c.file_off);
    const ssize_t n = c.tls ? c.tls->sendfile(c.file.get(), off, want) : ::sendfile(c.sock.get(), c.file.get(), &off, want);
    if (n < 0) {
      if (errno == EINTR) continue;
      return failed(std::strerror(errno));
    }
    if (n == 0) {  // the file shrank under us: the promised length cannot be sent
      drop(c, "file truncated while sending");
      return;
    }
    c.file_off += static_cast<std::uint64_t>(n);
    c.file_left -= static_cast<std::uint64_t>(n);
    stats_.bytes_out += static_cast<std::uint64_t>(n);
    budget -= std::min<std::uint64_t>(budget, static_cast<std::uint64_t>(n));
    touch(c);
  }
  if (c.streaming && !c.stream_ended) {  // all written so far is out: wait for more
    c.out.clear();
    c.out_off = 0;
    return;
  }
  response_done(c);
}

void HttpServer::response_done(Connection& c) {
  c.responding = false;
  c.streaming = false;
  c.stream_token.reset();
  c.out.clear();
  c.out_off = 0;
  c.file.reset();
  if (!c.close_after) return;
  if (c.peer_eof)
    drop(c, "answered a closing client");
  else
    linger_close(c);
}

void HttpServer::linger_close(Connection& c) {
  if (c.tls) c.tls->shutdown();  // close_notify, so the client knows the answer is whole
  ::shutdown(c.sock.get(), SHUT_WR);
  c.lingering = true;
  c.pending.clear();
  c.parse_error.reset();
  touch(c);
  update_poll(c);
}

void HttpServer::drop(Connection& c, const char* why) {
  if (c.dead) return;
  c.dead = true;
  c.held.reset();
  c.stream_token.reset();
  if (debug_on()) log::debug("http", "closing " + c.peer.address + ":" + std::to_string(c.peer.port) + ": " + why);
  c.poll.reset();
  c.idle.reset();
  c.file.reset();
  c.sock.reset();
  --stats_.connections_open;
}

void HttpServer::erase(Connection& c) { connections_.erase(c.self); }

std::string HttpServer::date_now() {
  const std::time_t now = std::time(nullptr);
  if (now != date_second_ || date_text_.empty()) {
    date_second_ = now;
    date_text_ = http_date(now);
  }
  return date_text_;
}

}  // namespace bvlive::http
