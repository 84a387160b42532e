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

  std::size_t connections() const { return connections_.size(); }
  const RtmpStats& stats() const { return stats_; }

 private:
  friend class RtmpConnection;
  void on_connection(int status);
  void forget(RtmpConnection* c);

  uv_loop_t* loop_;
  RtmpSettings settings_;
  ingest::IngestHandler& handler_;
  uv::UvHandle<uv_tcp_t> listener_;
  std::map<RtmpConnection*, std::shared_ptr<RtmpConnection>> connections_;
  // Closed connections are freed on the next loop turn, never inside their own callbacks.
  std::vector<std::shared_ptr<RtmpConnection>> graveyard_;
  uv::Timer reaper_;
  RtmpStats stats_;
};

}  // namespace bvlive
