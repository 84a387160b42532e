#include "daemon/ingest/srt/srt_listener.hpp"

#include <srt/access_control.h>
#include <srt/srt.h>

#include <array>
#include <stdexcept>

#include "log/log.hpp"
#include "net/address.hpp"
#include "protocols/srt/stream_id.hpp"

namespace bvlive {
namespace {

constexpr int kWorkerPollMs = 100;        // how soon the worker notices kicks and shutdown
constexpr int kEpollBatch = 64;
constexpr int kRecvBufferSize = 1500;     // above SRT's live payload maximum (1456; encoders send 1316)
constexpr int kListenBacklog = 16;

std::string srt_error() { return srt_getlasterror_str(); }

// "0.0.0.0:9000", "[::]:9000"
std::string host_port(const std::string& ip, int port) {
  return (ip.find(':') != std::string::npos ? "[" + ip + "]" : ip) + ":" + std::to_string(port);
}

// An IPv4 caller on a dual-stack "::" listener reads as one on an IPv4 listener.
std::string remote_of(const sockaddr* peer) {
  std::string text = net::format_address(peer);
  constexpr std::string_view kMapped = "[::ffff:";
  if (text.starts_with(kMapped) && text.find('.') != std::string::npos) {
    const auto close = text.find(']');
    text = text.substr(kMapped.size(), close - kMapped.size()) + text.substr(close + 1);
  }
  return text;
}

int port_of(const sockaddr_storage& a) {
  return a.ss_family == AF_INET6 ? ntohs(reinterpret_cast<const sockaddr_in6&>(a).sin6_port)
                                 : ntohs(reinterpret_cast<const sockaddr_in&>(a).sin_port);
}

int reject_code(srt::StreamIdError e) {
  switch (e) {
    case srt::StreamIdError::BadMode: return SRT_REJX_BAD_MODE;
    case srt::StreamIdError::NoKey: return SRT_REJX_NOTFOUND;
    default: return SRT_REJX_BAD_REQUEST;
  }
}

}  // namespace

SrtListener::SrtListener(uv_loop_t* loop, const SrtSettings& settings, ingest::IngestHandler& handler)
    : loop_(loop),
      settings_(settings),
      handler_(handler),
      events_(loop, [this](std::vector<SrtEvent>& batch) { on_batch(batch); }),
      reaper_(loop) {}

SrtListener::~SrtListener() {
  stopping_ = true;
  if (worker_.joinable()) worker_.join();
  // The worker is gone: its sockets are ours. Closing the listener also waits for a listen
  // callback in progress, so nothing pushes events after this.
  for (int sock : accepted_) srt_close(sock);
  {
    std::lock_guard lock(close_mutex_);
    for (int sock : close_requests_) srt_close(sock);  // already closed ones just fail
    close_requests_.clear();
  }
  if (listener_ != SRT_INVALID_SOCK) srt_close(listener_);
  if (epoll_ >= 0) srt_epoll_release(epoll_);
  if (!conns_.empty())
    log::info("srt", std::to_string(conns_.size()) + " push(es) dropped: daemon shutting down");
  conns_.clear();  // Publications destroyed without finish(): the encoder is gone
  graveyard_.clear();
}

int SrtListener::start() {
  const std::string where = host_port(settings_.listen, settings_.port);
  const std::string advice = "; set [srt] port in bvlived.toml to a free port, or enabled = false";
  if (!settings_.passphrase.empty() && (settings_.passphrase.size() < 10 || settings_.passphrase.size() > 79))
    throw std::runtime_error("[srt] passphrase must be 10 to 79 characters (this one has " +
                             std::to_string(settings_.passphrase.size()) + "); use \"\" for no encryption");
  sockaddr_storage addr{};
  try {
    net::parse_address(settings_.listen, settings_.port, addr);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot listen for SRT on " + where + ": " + e.what() +
                             "; set [srt] listen to an IP address such as 0.0.0.0 or ::");
  }

  listener_ = srt_create_socket();
  if (listener_ == SRT_INVALID_SOCK) throw std::runtime_error("cannot create an SRT socket: " + srt_error());
  const bool no = false;
  const int latency = static_cast<int>(settings_.latency);
  const int idle = kPeerIdleTimeoutMs;
  const SRT_TRANSTYPE live = SRTT_LIVE;
  bool ok = srt_setsockflag(listener_, SRTO_TRANSTYPE, &live, sizeof live) == 0 &&
            // Non-blocking accept and receive: the worker waits on the epoll instead.
            srt_setsockflag(listener_, SRTO_RCVSYN, &no, sizeof no) == 0 &&
            srt_setsockflag(listener_, SRTO_SNDSYN, &no, sizeof no) == 0 &&
            srt_setsockflag(listener_, SRTO_LATENCY, &latency, sizeof latency) == 0 &&
            srt_setsockflag(listener_, SRTO_PEERIDLETIMEO, &idle, sizeof idle) == 0;
  if (ok && addr.ss_family == AF_INET6) {
    const int v6only = 0;  // "::" also takes IPv4 callers
    ok = srt_setsockflag(listener_, SRTO_IPV6ONLY, &v6only, sizeof v6only) == 0;
  }
  // The key length is the caller's choice (AES-128/192/256); the listener adopts it.
  if (ok && !settings_.passphrase.empty())
    ok = srt_setsockflag(listener_, SRTO_PASSPHRASE, settings_.passphrase.data(),
                         static_cast<int>(settings_.passphrase.size())) == 0;
  if (!ok) throw std::runtime_error("cannot set SRT options for " + where + ": " + srt_error());

  const int addr_len = addr.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  if (srt_bind(listener_, reinterpret_cast<const sockaddr*>(&addr), addr_len) != 0 ||
      srt_listen_callback(listener_, &SrtListener::on_listen, this) != 0 ||
      srt_listen(listener_, kListenBacklog) != 0)
    throw std::runtime_error("cannot listen for SRT on " + where + ": " + srt_error() + advice);

  epoll_ = srt_epoll_create();
  const int in_err = SRT_EPOLL_IN | SRT_EPOLL_ERR;
  if (epoll_ < 0 || srt_epoll_add_usock(epoll_, listener_, &in_err) != 0)
    throw std::runtime_error("cannot watch the SRT listener: " + srt_error());

  sockaddr_storage bound{};
  int len = sizeof bound;
  srt_getsockname(listener_, reinterpret_cast<sockaddr*>(&bound), &len);
  const int port = port_of(bound);
  worker_ = std::thread([this] { run_worker(); });
  log::info("srt", "listening on " + host_port(settings_.listen, port) + " (latency " +
                       std::to_string(latency) + " ms" + (settings_.passphrase.empty() ? "" : ", encrypted") + ")");
  return port;
}

// ---------------------------------------------------------------------------
// libsrt's thread

int SrtListener::on_listen(void* opaque, int sock, int, const sockaddr* peer, const char* stream_id) {
  auto* self = static_cast<SrtListener*>(opaque);
  const std::string remote = remote_of(peer);
  const auto parsed = srt::parse_stream_id(stream_id ? stream_id : "");
  if (!parsed.ok()) {
    srt_setrejectreason(sock, reject_code(parsed.error));
    self->events_.log(LogLevel::Warn, remote + ": refused: " + parsed.reason);
    return -1;
  }
  const std::string refusal = self->handler_.check_key(parsed.key);
  if (!refusal.empty()) {
    srt_setrejectreason(sock, SRT_REJX_FORBIDDEN);
    self->events_.log(LogLevel::Warn, remote + ": refused: " + refusal);
    return -1;
  }
  return 0;
}

// ---------------------------------------------------------------------------
// Worker thread

void SrtListener::run_worker() {
  std::array<SRT_EPOLL_EVENT, kEpollBatch> ready{};
  while (!stopping_) {
    std::vector<int> to_close;
    {
      std::lock_guard lock(close_mutex_);
      to_close.swap(close_requests_);
    }
    for (int sock : to_close) close_on_worker(sock, "", false);

    const int n = srt_epoll_uwait(epoll_, ready.data(), static_cast<int>(ready.size()), kWorkerPollMs);
    for (int i = 0; i < n && !stopping_; ++i) {
      const SRT_EPOLL_EVENT& ev = ready[static_cast<std::size_t>(i)];
      if (ev.fd == listener_)
        accept_one();
      else if (accepted_.count(ev.fd))
        receive(ev.fd, (ev.events & SRT_EPOLL_ERR) != 0);
    }
  }
}

void SrtListener::accept_one() {
  // The listener's epoll event is level-triggered: one accept per event drains the backlog
  // without asking libsrt for a connection that is not there (which it logs as an error).
  sockaddr_storage peer{};
  int len = sizeof peer;
  const SRTSOCKET sock = srt_accept(listener_, reinterpret_cast<sockaddr*>(&peer), &len);
  if (sock == SRT_INVALID_SOCK) {
    if (srt_getlasterror(nullptr) != SRT_EASYNCRCV) events_.log(LogLevel::Warn, "accept failed: " + srt_error());
    return;
  }
  std::array<char, srt::kMaxStreamIdLength + 1> id{};
  int id_len = static_cast<int>(id.size());
  if (srt_getsockflag(sock, SRTO_STREAMID, id.data(), &id_len) != 0) id_len = 0;
  // The listen callback already refused what does not parse; parse again for the key.
  const auto parsed = srt::parse_stream_id(std::string_view(id.data(), static_cast<std::size_t>(id_len)));
  const std::string remote = remote_of(reinterpret_cast<const sockaddr*>(&peer));
  const int in_err = SRT_EPOLL_IN | SRT_EPOLL_ERR;
  if (!parsed.ok() || srt_epoll_add_usock(epoll_, sock, &in_err) != 0) {
    events_.log(LogLevel::Warn, remote + ": dropped after accept: " +
                                    (parsed.ok() ? "cannot watch the socket: " + srt_error() : parsed.reason));
    srt_close(sock);
    return;
  }
  accepted_.insert(sock);
  SrtEvent e;
  e.kind = SrtEvent::Kind::Accepted;
  e.conn = sock;
  e.key = parsed.key;
  e.text = remote;
  events_.push(std::move(e));
}

void SrtListener::receive(int sock, bool broken) {
  std::array<std::uint8_t, kRecvBufferSize> buf{};
  while (true) {
    const int n = srt_recvmsg(sock, reinterpret_cast<char*>(buf.data()), static_cast<int>(buf.size()));
    if (n > 0) {
      if (!events_.push_data(sock, std::span(buf.data(), static_cast<std::size_t>(n)), kMaxPendingBytes)) {
        close_on_worker(sock, "the daemon fell more than " + std::to_string(kMaxPendingBytes >> 20) +
                                  " MiB behind this push", true);
        return;
      }
      continue;
    }
    if (n == SRT_ERROR && srt_getlasterror(nullptr) == SRT_EASYNCRCV && !broken) return;  // drained
    break;  // 0 or an error: the connection is over
  }
  const SRT_SOCKSTATUS state = srt_getsockstate(sock);
  close_on_worker(sock, state == SRTS_CLOSED || state == SRTS_BROKEN || state == SRTS_NONEXIST
                            ? "encoder disconnected"
                            : "encoder disconnected (" + srt_error() + ")",
                  true);
}

void SrtListener::close_on_worker(int sock, const std::string& reason, bool tell_loop) {
  if (!accepted_.erase(sock)) return;
  srt_epoll_remove_usock(epoll_, sock);
  srt_close(sock);
  if (!tell_loop) return;
  SrtEvent e;
  e.kind = SrtEvent::Kind::Closed;
  e.conn = sock;
  e.text = reason;
  events_.push(std::move(e));
}

void SrtListener::request_close(int sock) {
  std::lock_guard lock(close_mutex_);
  close_requests_.push_back(sock);
}

// ---------------------------------------------------------------------------
// Loop thread

void SrtListener::on_batch(std::vector<SrtEvent>& batch) {
  for (auto& e : batch) {
    switch (e.kind) {
      case SrtEvent::Kind::Log: log::write(e.level, "srt", e.text); break;
      case SrtEvent::Kind::Accepted: on_accepted(e); break;
      case SrtEvent::Kind::Data: on_data(e); break;
      case SrtEvent::Kind::Closed: on_closed(e); break;
    }
  }
}

void SrtListener::on_accepted(SrtEvent& e) {
  const int sock = e.conn;
  conns_[sock].remote = e.text;
  ingest::PublishRequest req;
  req.stream_key = std::move(e.key);
  req.protocol = ingest::Protocol::Srt;
  req.container = ingest::Container::MpegTs;
  req.remote = e.text;
  req.kick = [this, sock](const std::string& reason) { kick(sock, reason); };
  auto result = handler_.publish(std::move(req));
  auto it = conns_.find(sock);
  if (it == conns_.end()) {  // kicked from inside publish()
    graveyard_.push_back(std::move(result.publication));
    return;
  }
  if (!result.publication) {
    ++stats_.publishes_refused;
    log::warn("srt", e.text + ": publish refused: " + result.refusal);
    conns_.erase(it);
    request_close(sock);
    return;
  }
  ++stats_.connections_total;
  it->second.publication = std::move(result.publication);
  log::info("srt", e.text + ": publishing");
}

void SrtListener::on_data(const SrtEvent& e) {
  auto it = conns_.find(e.conn);
  if (it == conns_.end() || !it->second.publication) return;  // refused or kicked: late bytes
  stats_.bytes_in += e.bytes.size();
  ingest::Publication* publication = it->second.publication.get();  // may be kicked while writing
  publication->write(e.bytes);
}

void SrtListener::on_closed(const SrtEvent& e) {
  auto it = conns_.find(e.conn);
  if (it == conns_.end()) return;
  Conn conn = std::move(it->second);
  conns_.erase(it);  // first, so a kick from inside finish() finds nothing to do
  log::info("srt", conn.remote + ": closed: " + e.text);
  if (conn.publication) conn.publication->finish(e.text);
}

void SrtListener::kick(int sock, const std::string& reason) {
  auto it = conns_.find(sock);
  if (it == conns_.end()) return;
  log::info("srt", it->second.remote + ": closing: " + reason);
  graveyard_.push_back(std::move(it->second.publication));
  conns_.erase(it);
  request_close(sock);
  reaper_.start(0, 0, [this] { graveyard_.clear(); });
}

}  // namespace bvlive
