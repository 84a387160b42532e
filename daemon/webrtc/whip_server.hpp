// WHIP ingest (RFC 9725): the HTTP resource (POST /whip/ID with the stream key as bearer
// token and an SDP offer; DELETE on the session resource) and the one ICE-lite UDP port
// every WHIP session shares. Datagrams are told apart by RFC 7983's first byte: STUN
// binding requests are matched to a peer by their USERNAME (our ufrag) and checked with
// its password; DTLS and SRTP are matched by the source address the peer's STUN came from.
#pragma once

#include <uv.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/settings.hpp"
#include "http/http_server.hpp"
#include "daemon/ingest/publication.hpp"
#include "service/live_service.hpp"
#include "uv/handle.hpp"
#include "uv/timer.hpp"
#include "webrtc/dtls_certificate.hpp"
#include "webrtc/whip_peer.hpp"

namespace bvlive {

class WhipServer {
 public:
  WhipServer(uv_loop_t* loop, const WebrtcSettings& settings, const MediaSettings& media,
             const std::string& state_dir, LiveService& lives, ingest::IngestHandler& handler);
  ~WhipServer();
  WhipServer(const WhipServer&) = delete;
  WhipServer& operator=(const WhipServer&) = delete;

  // Binds the UDP port; returns it (port 0 = any free one). Throws std::runtime_error.
  int listen();
  // /whip/ID and /whip/ID/RESOURCE.
  http::Response handle(const http::Request& req, const http::ClientInfo& client);

  std::size_t peers() const { return peers_.size(); }
  double pli_interval_ms() const { return media_.segment_duration * 1000; }
  std::uint64_t consent_timeout_ms() const { return static_cast<std::uint64_t>(settings_.consent_timeout); }

 private:
  friend class WhipPeer;
  http::Response post(const std::string& live_ref, const http::Request& req, const http::ClientInfo& client);
  http::Response remove(const std::string& live_ref, const std::string& resource);
  void on_datagram(const sockaddr* from, std::span<const std::uint8_t> bytes);
  void on_stun(const sockaddr* from, std::span<const std::uint8_t> bytes);
  void send_to(const sockaddr_storage& to, std::span<const std::uint8_t> bytes);
  void send_to_raw(const sockaddr* to, std::span<const std::uint8_t> bytes);
  void forward_rtp(int port, std::span<const std::uint8_t> bytes);
  void bind_address(WhipPeer& peer, const sockaddr_storage& from);
  void forget(WhipPeer& peer);
  std::vector<std::string> candidate_addresses() const;

  uv_loop_t* loop_;
  WebrtcSettings settings_;
  const MediaSettings& media_;
  LiveService& lives_;
  ingest::IngestHandler& handler_;
  webrtc::DtlsCertificate certificate_;
  uv::UvHandle<uv_udp_t> socket_;
  int port_ = 0;
  std::vector<std::uint8_t> buffer_;
  std::map<std::string, std::unique_ptr<WhipPeer>> peers_;  // by resource id
  std::map<std::string, WhipPeer*> by_ufrag_;
  std::map<std::string, WhipPeer*> by_address_;  // "ip:port" of the peer's nominated path
  std::vector<std::unique_ptr<WhipPeer>> graveyard_;
  uv::Timer reaper_;
  std::vector<std::pair<std::string, std::string>> kicks_;  // (resource, reason), handled next turn
  uv::Timer kick_timer_;
};

}  // namespace bvlive
