#include "daemon/ingest/rtmp/rtmp_connection.hpp"

#include <openssl/rand.h>

#include "daemon/ingest/rtmp/rtmp_server.hpp"
#include "log/log.hpp"
#include "core/media/flv/flv_writer.hpp"
#include "net/address.hpp"

namespace bvlive {
namespace {

// An encoder that stops sending for this long is gone even if TCP has not noticed.
constexpr std::uint64_t kMediaSilenceMs = 30'000;
constexpr std::uint64_t kIdleCheckMs = 5'000;

struct WriteReq {
  uv_write_t req{};
  std::vector<std::uint8_t> data;
  std::weak_ptr<RtmpConnection> conn;
};

}  // namespace

RtmpConnection::RtmpConnection(RtmpServer& server, uv_loop_t* loop, const tls::TlsContext* tls)
    : server_(server), deadline_(loop), kick_(loop) {
  if (tls) tls_ = std::make_unique<tls::TlsPipe>(tls->current());
  if (uv_tcp_init(loop, tcp_.get()) != 0) throw std::runtime_error("uv_tcp_init failed");
  tcp_.mark_initialized();
  tcp_->data = this;
  std::array<std::uint8_t, rtmp::kHandshakeRandomSize> random{};
  // S1's random block only has to be unpredictable enough to tell echoes apart.
  RAND_bytes(random.data(), static_cast<int>(random.size()));
  session_.emplace(random);
}

RtmpConnection::~RtmpConnection() = default;

void RtmpConnection::start() {
  sockaddr_storage addr{};
  int len = sizeof addr;
  uv_tcp_getpeername(tcp_.get(), reinterpret_cast<sockaddr*>(&addr), &len);
  remote_ = net::format_address(reinterpret_cast<sockaddr*>(&addr));
  uv_tcp_nodelay(tcp_.get(), 1);
  last_read_ms_ = uv_now(tcp_->loop);
  // Until a publish is accepted, the client has handshake_timeout; then it must keep sending.
  deadline_.start(server_.settings_.handshake_timeout, 0, [this] {
    if (session_->phase() != rtmp::PublishSession::Phase::publishing)
      close("no publish within " + std::to_string(server_.settings_.handshake_timeout / 1000) + " s");
  });
  uv_read_start(
      tcp_.stream(),
      [](uv_handle_t*, size_t suggested, uv_buf_t* buf) {
        // One read buffer per callback; libuv hands it back in on_read, which frees it.
        auto* mem = static_cast<char*>(::operator new(suggested));
        *buf = uv_buf_init(mem, static_cast<unsigned>(suggested));
      },
      [](uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
        std::unique_ptr<char, void (*)(char*)> mem(buf->base, [](char* p) { ::operator delete(p); });
        auto* self = static_cast<RtmpConnection*>(s->data);
        if (!self) return;
        auto keep = self->shared_from_this();  // a close inside must not free us mid-call
        self->on_read(nread, buf);
      });
}

void RtmpConnection::on_read(ssize_t nread, const uv_buf_t* buf) {
  if (closed_) return;
  if (nread < 0) {
    close(nread == UV_EOF ? "encoder disconnected" : std::string("read error: ") + uv_strerror(static_cast<int>(nread)));
    return;
  }
  if (nread == 0) return;
  last_read_ms_ = uv_now(tcp_->loop);
  server_.stats_.bytes_in += static_cast<std::uint64_t>(nread);
  const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(buf->base),
                                            static_cast<std::size_t>(nread));
  if (!tls_) return handle(session_->feed(bytes));
  std::vector<std::uint8_t> plain;
  const bool ok = tls_->receive(bytes, plain);
  if (!flush_tls()) return;
  if (!ok) return close(tls_->error_text());
  if (!plain.empty()) handle(session_->feed(plain));
}

bool RtmpConnection::flush_tls() {
  write_raw(tls_->take_output());
  return !closed_;
}

void RtmpConnection::handle(rtmp::SessionOutput out) {
  if (!out.to_send.empty()) send(std::move(out.to_send));
  for (const auto& m : out.media) forward_media(m);
  if (!flv_.empty() && publication_) {
    publication_->write(flv_);
    flv_.clear();
  }
  if (closed_) return;  // the publication's owner may have kicked us while writing
  if (out.unpublished && publication_) {
    publication_->finish("encoder unpublished");
    publication_.reset();
  }
  if (out.publish_key) decide_publish(*out.publish_key);
  if (out.close_reason && !closed_) {
    // Let the last reply (an error status) reach the client first.
    close_after_write_ = true;
    close_reason_ = *out.close_reason;
    if (writes_pending_ == 0) close(close_reason_);
  }
}

void RtmpConnection::decide_publish(const std::string& key) {
  std::weak_ptr<RtmpConnection> weak = weak_from_this();
  ingest::PublishRequest req;
  req.stream_key = key;
  req.protocol = ingest::Protocol::Rtmp;
  req.container = ingest::Container::Flv;
  req.remote = remote_;
  req.kick = [this, weak](const std::string& reason) {
    // Deferred: the session side may call this from inside our own write to it.
    if (weak.expired()) return;
    kick_.start(0, 0, [this, reason] { close(reason); });
  };
  auto result = server_.handler_.publish(std::move(req));
  if (!result.publication) {
    ++server_.stats_.publishes_refused;
    log::warn("rtmp", remote_ + ": publish refused: " + result.refusal);
    handle(session_->refuse_publish(result.refusal));
    return;
  }
  publication_ = std::move(result.publication);
  log::info("rtmp", remote_ + ": publishing");
  deadline_.start(kIdleCheckMs, kIdleCheckMs, [this] { check_idle(); });
  handle(session_->accept_publish());
}

void RtmpConnection::check_idle() {
  if (uv_now(tcp_->loop) - last_read_ms_ >= kMediaSilenceMs)
    close("encoder sent nothing for " + std::to_string(kMediaSilenceMs / 1000) + " s");
}

void RtmpConnection::forward_media(const rtmp::MediaMessage& m) {
  if (!publication_) return;
  if (!flv_header_sent_) {
    // Both flags: streams are found from the tags themselves; a missing one is simply absent.
    flv_ = flv::file_header(true, true);
    flv_header_sent_ = true;
  }
  if (m.type_id == rtmp::message_type::data_amf0)
    flv::append_tag(flv_, flv::kTagScript, m.timestamp, flv::strip_set_data_frame(m.payload));
  else
    flv::append_tag(flv_, m.type_id, m.timestamp, m.payload);
}

void RtmpConnection::send(std::vector<std::uint8_t> bytes) {
  if (closed_ || bytes.empty()) return;
  if (!tls_) return write_raw(std::move(bytes));
  if (!tls_->send(bytes)) return close(tls_->error_text());
  flush_tls();
}

void RtmpConnection::write_raw(std::vector<std::uint8_t> bytes) {
  if (closed_ || bytes.empty()) return;
  auto w = std::make_unique<WriteReq>();
  w->data = std::move(bytes);
  w->conn = weak_from_this();
  uv_buf_t b = uv_buf_init(reinterpret_cast<char*>(w->data.data()), static_cast<unsigned>(w->data.size()));
  w->req.data = w.get();
  const int rc = uv_write(&w->req, tcp_.stream(), &b, 1, [](uv_write_t* req, int) {
    std::unique_ptr<WriteReq> owned(static_cast<WriteReq*>(req->data));
    if (auto c = owned->conn.lock()) c->on_write_done();
  });
  if (rc != 0) {
    close(std::string("write error: ") + uv_strerror(rc));
    return;
  }
  (void)w.release();  // owned by the write callback now
  ++writes_pending_;
}

void RtmpConnection::on_write_done() {
  --writes_pending_;
  if (close_after_write_ && writes_pending_ == 0 && !closed_) close(close_reason_);
}

void RtmpConnection::close(const std::string& reason) {
  if (closed_) return;
  closed_ = true;
  deadline_.stop();
  kick_.stop();
  if (publication_) {
    publication_->finish(reason);
    publication_.reset();
  }
  log::info("rtmp", remote_ + ": closed: " + reason);
  uv_read_stop(tcp_.stream());
  tcp_->data = nullptr;
  tcp_.reset();  // uv_close; pending writes are cancelled and their requests freed
  server_.forget(this);
}

}  // namespace bvlive
