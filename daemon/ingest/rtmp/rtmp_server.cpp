#include "daemon/ingest/rtmp/rtmp_server.hpp"

#include <cstring>
#include <stdexcept>

#include "daemon/ingest/rtmp/rtmp_connection.hpp"
#include "log/log.hpp"
#include "net/address.hpp"
#include "net/descriptor_reserve.hpp"

namespace bvlive {

RtmpServer::RtmpServer(uv_loop_t* loop, const RtmpSettings& settings, ingest::IngestHandler& handler)
    : loop_(loop), settings_(settings), handler_(handler), reaper_(loop) {}

RtmpServer::~RtmpServer() {
  // Connections close first (each finishes its publication), then the listener.
  auto conns = std::move(connections_);
  for (auto& [raw, conn] : conns) conn->close("daemon shutting down");
  graveyard_.clear();
}

int RtmpServer::listen() {
  return bind_and_listen(listener_, settings_.port, "RTMP",
                         "set [rtmp] port in bvlived.toml to a free port, or enabled = false");
}

int RtmpServer::listen_tls(int port, const tls::TlsContext& tls) {
  tls_ = &tls;
  return bind_and_listen(tls_listener_, port, "RTMPS",
                         "set [tls] rtmps_port in bvlived.toml to a free port, or rtmps = false");
}

int RtmpServer::bind_and_listen(uv::UvHandle<uv_tcp_t>& listener, int port, const char* protocol,
                                const char* hint) {
  const std::string where = settings_.listen + ":" + std::to_string(port);
  sockaddr_storage addr{};
  net::parse_address(settings_.listen, port, addr);
  if (uv_tcp_init(loop_, listener.get()) != 0) throw std::runtime_error("uv_tcp_init failed");
  listener.mark_initialized();
  listener->data = this;
  int rc = uv_tcp_bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), 0);
  if (rc == 0)
    rc = uv_listen(listener.stream(), 128, [](uv_stream_t* s, int status) {
      if (auto* self = static_cast<RtmpServer*>(s->data)) self->on_connection(s, status);
    });
  if (rc != 0)
    throw std::runtime_error(std::string("cannot listen for ") + protocol + " on " + where + ": " + uv_strerror(rc) + "; " + hint);
  sockaddr_storage bound{};
  int len = sizeof bound;
  uv_tcp_getsockname(listener.get(), reinterpret_cast<sockaddr*>(&bound), &len);
  const int bound_port = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                                     : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  log::info("rtmp", std::string(protocol) + " listening on " + settings_.listen + ":" + std::to_string(bound_port));
  return bound_port;
}

void RtmpServer::on_connection(uv_stream_t* listener, int status) {
  if (status < 0) {
    log::warn("rtmp", std::string("accept failed: ") + uv_strerror(status));
    return;
  }
  const bool secure = listener == tls_listener_.stream();
  std::shared_ptr<RtmpConnection> conn;
  try {
    conn = std::make_shared<RtmpConnection>(*this, loop_, secure ? tls_ : nullptr);
  } catch (const std::exception& e) {
    log::warn("rtmp", std::string("connection refused: ") + e.what());
    return;
  }
  if (uv_accept(listener, reinterpret_cast<uv_stream_t*>(conn->tcp())) != 0) return;
  if (uv_os_fd_t fd; uv_fileno(reinterpret_cast<uv_handle_t*>(conn->tcp()), &fd) == 0 && net::in_descriptor_reserve(fd)) {
    // The last descriptors are for the segments of the pushes already running.
    log::warn("rtmp", "connection refused: the process is near its descriptor limit (ulimit -n, systemd LimitNOFILE=)");
    connections_.emplace(conn.get(), conn);
    conn->close("near the descriptor limit");
    return;
  }
  ++stats_.connections_total;
  connections_.emplace(conn.get(), conn);
  conn->start();
}

void RtmpServer::forget(RtmpConnection* c) {
  auto it = connections_.find(c);
  if (it == connections_.end()) return;
  graveyard_.push_back(std::move(it->second));
  connections_.erase(it);
  reaper_.start(0, 0, [this] { graveyard_.clear(); });
}

}  // namespace bvlive
