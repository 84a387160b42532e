// One WHIP publisher (a browser or OBS) after its offer was answered: ICE-lite consent,
// the DTLS-SRTP handshake, SRTP to plain RTP forwarded to the session's packager on
// loopback, and the RTCP feedback that asks the encoder for keyframes (PLI) so segments
// can be cut. Owned by WhipServer, which routes datagrams to it.
#pragma once

#include <netinet/in.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/ingest/publication.hpp"
#include "protocols/rtp/receive_stats.hpp"
#include "protocols/sdp/codec_selection.hpp"
#include "uv/timer.hpp"
#include "webrtc/dtls_transport.hpp"
#include "webrtc/srtp_session.hpp"

namespace bvlive {

class WhipServer;

class WhipPeer {
 public:
  struct Setup {
    std::string resource_id;  // the Location path segment
    std::string live_id;
    std::string local_ufrag, local_pwd;
    std::string etag;
    sdp::Selection selection;
    int video_port = 0, audio_port = 0;  // the packager's RTP ports on 127.0.0.1
  };

  WhipPeer(WhipServer& server, uv_loop_t* loop, Setup setup, webrtc::DtlsTransport dtls);
  ~WhipPeer();

  const Setup& setup() const { return setup_; }
  void set_publication(std::unique_ptr<ingest::Publication> p) { publication_ = std::move(p); }

  // A STUN binding request from `from` passed integrity: the peer's path is `from`.
  void consent(const sockaddr_storage& from, bool nominated);
  void on_dtls(std::span<const std::uint8_t> datagram);
  void on_srtp(std::vector<std::uint8_t> packet, bool rtcp);

  // Ends the push: `finish_reason` set = the client ended it (DELETE, silence, DTLS
  // failure); empty = the session side ended it (kick). Then the server forgets the peer.
  void close(const std::string& finish_reason);
  bool closed() const { return closed_; }
  const std::optional<sockaddr_storage>& remote() const { return remote_; }

 private:
  void send(std::vector<std::uint8_t> datagram);
  void send_dtls(webrtc::DtlsOutput out);
  void arm_dtls_timer();
  void send_rtcp();
  void check_consent();

  WhipServer& server_;
  uv_loop_t* loop_;
  Setup setup_;
  webrtc::DtlsTransport dtls_;
  std::optional<webrtc::SrtpSession> srtp_;
  std::unique_ptr<ingest::Publication> publication_;
  std::optional<sockaddr_storage> remote_;
  uv::Timer dtls_timer_;
  uv::Timer rtcp_timer_;
  uv::Timer consent_timer_;
  std::uint64_t last_consent_ms_ = 0;
  std::uint32_t video_ssrc_ = 0;
  std::vector<rtp::ReceiveStats> streams_;  // per SSRC received
  std::uint64_t last_pli_ms_ = 0;
  bool closed_ = false;
};

}  // namespace bvlive
