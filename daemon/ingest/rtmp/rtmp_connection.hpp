// One RTMP client connection: bytes from the socket through PublishSession; replies back;
// media to the Publication as FLV. Owned by RtmpServer through a shared_ptr so callbacks
// that outlive a close (writes, deferred kicks) can tell it is gone.
#pragma once

#include <uv.h>

#include <memory>
#include <optional>
#include <string>

#include "daemon/ingest/publication.hpp"
#include "net/tls/tls_pipe.hpp"
#include "protocols/rtmp/publish_session.hpp"
#include "uv/handle.hpp"
#include "uv/timer.hpp"

namespace bvlive {

class RtmpServer;

class RtmpConnection : public std::enable_shared_from_this<RtmpConnection> {
 public:
  // With `tls`, the connection is RTMPS: TLS first, then RTMP inside it.
  RtmpConnection(RtmpServer& server, uv_loop_t* loop, const tls::TlsContext* tls = nullptr);
  ~RtmpConnection();

  uv_tcp_t* tcp() { return tcp_.get(); }
  void start();  // after uv_accept: reads, arms the publish deadline
  // Closes the socket and drops the publication; `reason` is logged.
  void close(const std::string& reason);

 private:
  void on_read(ssize_t nread, const uv_buf_t* buf);
  void handle(rtmp::SessionOutput out);
  void decide_publish(const std::string& key);
  void forward_media(const rtmp::MediaMessage& m);
  void send(std::vector<std::uint8_t> bytes);  // RTMP bytes, encrypted first on RTMPS
  void write_raw(std::vector<std::uint8_t> bytes);
  bool flush_tls();  // writes what TLS produced; false (and closed) on a TLS error
  void on_write_done();
  void check_idle();

  RtmpServer& server_;
  uv::UvHandle<uv_tcp_t> tcp_;
  uv::Timer deadline_;
  uv::Timer kick_;
  std::optional<rtmp::PublishSession> session_;
  std::unique_ptr<tls::TlsPipe> tls_;
  std::unique_ptr<ingest::Publication> publication_;
  std::string remote_;
  bool closed_ = false;
  bool close_after_write_ = false;
  std::string close_reason_;
  int writes_pending_ = 0;
  bool flv_header_sent_ = false;
  std::vector<std::uint8_t> flv_;  // FLV bytes of one read, written to the publication at once
  std::uint64_t last_read_ms_ = 0;
  std::uint64_t bytes_at_last_check_ = 0;
};

}  // namespace bvlive
