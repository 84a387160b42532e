// The RTMP ingest listener: one TCP port, rtmp://HOST:PORT/live/STREAM_KEY. Each
// connection runs core's PublishSession over a uv_tcp_t; an accepted publish becomes a
// Publication fed with FLV (the RTMP media messages as FLV tags) for the packager.
#pragma once

#include <uv.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "config/settings.hpp"
#include "daemon/ingest/publication.hpp"
#include "net/tls/tls_context.hpp"
#include "uv/handle.hpp"
#include "uv/timer.hpp"

namespace bvlive {

class RtmpConnection;

struct RtmpStats {
  std::uint64_t connections_total = 0;
  std::uint64_t publishes_refused = 0;
  std::uint64_t bytes_in = 0;
};

class RtmpServer {
 public:
  RtmpServer(uv_loop_t* loop, const RtmpSettings& settings, ingest::IngestHandler& handler);
  ~RtmpServer();
  RtmpServer(const RtmpServer&) = delete;
  RtmpServer& operator=(const RtmpServer&) = delete;

  // Binds settings.listen:port and listens; returns the bound port (port 0 = any free one).
  // Throws std::runtime_error saying what to change.
  int listen();
  // Also listens for RTMPS (TLS, then RTMP) on settings.listen:port with `tls`'s current
  // certificate; `tls` must outlive the server. Returns the bound port; throws like listen().
  int listen_tls(int port, const tls::TlsContext& tls);

  std::size_t connections() const { return connections_.size(); }
  const RtmpStats& stats() const { return stats_; }

 private:
  friend class RtmpConnection;
  int bind_and_listen(uv::UvHandle<uv_tcp_t>& listener, int port, const char* protocol, const char* hint);
  void on_connection(uv_stream_t* listener, int status);
  void forget(RtmpConnection* c);

  uv_loop_t* loop_;
  RtmpSettings settings_;
  ingest::IngestHandler& handler_;
  uv::UvHandle<uv_tcp_t> listener_;
  uv::UvHandle<uv_tcp_t> tls_listener_;
  const tls::TlsContext* tls_ = nullptr;
  std::map<RtmpConnection*, std::shared_ptr<RtmpConnection>> connections_;
  // Closed connections are freed on the next loop turn, never inside their own callbacks.
  std::vector<std::shared_ptr<RtmpConnection>> graveyard_;
  uv::Timer reaper_;
  RtmpStats stats_;
};

}  // namespace bvlive
