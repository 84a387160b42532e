#include "webrtc/whip_peer.hpp"

#include <algorithm>

#include "log/log.hpp"
#include "webrtc/whip_server.hpp"

namespace bvlive {
namespace {

constexpr std::uint64_t kConsentCheckMs = 1000;
constexpr std::uint64_t kRtcpIntervalMs = 1000;  // receiver reports
// Our SSRC in the RTCP we send (any value; we send no media).
constexpr std::uint32_t kOwnSsrc = 0x62766c76;  // "bvlv"

}  // namespace

WhipPeer::WhipPeer(WhipServer& server, uv_loop_t* loop, Setup setup, webrtc::DtlsTransport dtls)
    : server_(server),
      loop_(loop),
      setup_(std::move(setup)),
      dtls_(std::move(dtls)),
      dtls_timer_(loop),
      rtcp_timer_(loop),
      consent_timer_(loop) {
  last_consent_ms_ = uv_now(loop_);
  consent_timer_.start(kConsentCheckMs, kConsentCheckMs, [this] { check_consent(); });
}

WhipPeer::~WhipPeer() = default;

void WhipPeer::consent(const sockaddr_storage& from, bool nominated) {
  last_consent_ms_ = uv_now(loop_);
  // ICE-lite: the controlling browser decides; the nominated pair (or the first that
  // passed a check) is where we send.
  if (!remote_ || nominated) remote_ = from;
}

void WhipPeer::check_consent() {
  if (closed_) return;
  if (uv_now(loop_) - last_consent_ms_ > server_.consent_timeout_ms())
    close("the peer went silent (no ICE consent for " + std::to_string(server_.consent_timeout_ms() / 1000) + " s)");
}

void WhipPeer::send(std::vector<std::uint8_t> datagram) {
  if (remote_) server_.send_to(*remote_, datagram);
}

void WhipPeer::send_dtls(webrtc::DtlsOutput out) {
  for (auto& d : out.datagrams) send(std::move(d));
  if (out.state == webrtc::DtlsState::Failed) {
    close("DTLS failed: " + dtls_.error());
    return;
  }
  if (out.state == webrtc::DtlsState::Connected && !srtp_ && dtls_.srtp_keys()) {
    try {
      srtp_.emplace(*dtls_.srtp_keys());
    } catch (const std::exception& e) {
      close(std::string("SRTP setup failed: ") + e.what());
      return;
    }
    log::info("webrtc", "WHIP session " + setup_.resource_id + ": DTLS-SRTP established");
    // Receiver reports every second; with them, PLIs (see send_rtcp).
    rtcp_timer_.start(200, kRtcpIntervalMs, [this] { send_rtcp(); });
  }
  arm_dtls_timer();
}

void WhipPeer::arm_dtls_timer() {
  if (auto t = dtls_.next_timeout())
    dtls_timer_.start(static_cast<std::uint64_t>(std::max<long long>(t->count(), 1)), 0,
                      [this] { send_dtls(dtls_.handle_timeout()); });
  else
    dtls_timer_.stop();
}

void WhipPeer::on_dtls(std::span<const std::uint8_t> datagram) {
  if (closed_) return;
  send_dtls(dtls_.feed(datagram));
}

void WhipPeer::on_srtp(std::vector<std::uint8_t> packet, bool rtcp) {
  if (closed_ || !srtp_) return;
  last_consent_ms_ = uv_now(loop_);  // media is proof of life too
  if (rtcp) {
    (void)srtp_->unprotect_rtcp(packet);  // sender reports: nothing we need from them
    return;
  }
  auto plain = srtp_->unprotect_rtp(packet);
  if (!plain || plain->size() < 12) return;
  const int pt = (*plain)[1] & 0x7F;
  const auto& sel = setup_.selection;
  int port = 0;
  if (sel.video && pt == sel.video->payload_type) {
    port = setup_.video_port;
    video_ssrc_ = rtp::rtp_ssrc(*plain);
  } else if (sel.audio && pt == sel.audio->payload_type) {
    port = setup_.audio_port;
  }
  if (!port) return;  // a payload type we did not accept
  const std::uint32_t ssrc = rtp::rtp_ssrc(*plain);
  auto it = std::find_if(streams_.begin(), streams_.end(), [&](const auto& st) { return st.ssrc() == ssrc; });
  if (it == streams_.end() && streams_.size() < 8) it = streams_.insert(streams_.end(), rtp::ReceiveStats(ssrc));
  if (it != streams_.end()) it->on_packet(rtp::rtp_seq(*plain));
  server_.forward_rtp(port, *plain);
  if (publication_) publication_->write(*plain);  // counts the bytes
}

void WhipPeer::send_rtcp() {
  if (!srtp_ || streams_.empty()) return;
  std::vector<rtp::ReportBlock> blocks;
  for (auto& st : streams_) blocks.push_back(st.report());
  auto packet = rtp::receiver_report(kOwnSsrc, blocks);  // a compound packet starts with RR
  // HLS cuts segments at keyframes and WebRTC encoders make them only when asked: ask
  // at start, then once per segment length.
  const std::uint64_t now = uv_now(loop_);
  if (video_ssrc_ && (last_pli_ms_ == 0 || now - last_pli_ms_ + 50 >= server_.pli_interval_ms())) {
    const auto pli = rtp::picture_loss_indication(kOwnSsrc, video_ssrc_);
    packet.insert(packet.end(), pli.begin(), pli.end());
    last_pli_ms_ = now;
  }
  if (srtp_->protect_rtcp(packet)) send(std::move(packet));
}

void WhipPeer::close(const std::string& finish_reason) {
  if (closed_) return;
  closed_ = true;
  dtls_timer_.stop();
  rtcp_timer_.stop();
  consent_timer_.stop();
  if (dtls_.state() == webrtc::DtlsState::Connected)
    for (auto& d : dtls_.close().datagrams) send(std::move(d));
  if (publication_) {
    if (!finish_reason.empty()) publication_->finish(finish_reason);
    publication_.reset();
  }
  server_.forget(*this);
}

}  // namespace bvlive
