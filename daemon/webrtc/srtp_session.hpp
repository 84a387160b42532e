// SRTP/SRTCP for one WebRTC peer (libsrtp2, AES_CM_128_HMAC_SHA1_80): unprotects the media
// and RTCP the peer sends, protects the RTCP feedback we send back.
#pragma once

#include <srtp2/srtp.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "webrtc/dtls_transport.hpp"

namespace bvlive::webrtc {

struct SrtpDeallocate {
  void operator()(srtp_ctx_t* session) const { srtp_dealloc(session); }
};
using SrtpPtr = std::unique_ptr<srtp_ctx_t, SrtpDeallocate>;

class SrtpSession {
 public:
  // Replay window in packets: generous, as video bursts reorder on real networks.
  static constexpr unsigned long replay_window = 1024;

  // Both key_salts must be 30 bytes (16-byte key || 14-byte salt); throws
  // std::invalid_argument otherwise, std::runtime_error if libsrtp2 refuses.
  explicit SrtpSession(const SrtpKeys& keys);

  // In place: on success the packet is shortened to the plain RTP/RTCP bytes and returned;
  // nullopt (packet untouched or garbage) on authentication failure, replay or malformed input.
  std::optional<std::span<std::uint8_t>> unprotect_rtp(std::vector<std::uint8_t>& packet);
  std::optional<std::span<std::uint8_t>> unprotect_rtcp(std::vector<std::uint8_t>& packet);

  // In place: appends the SRTCP index and authentication tag (and encrypts). False on error.
  bool protect_rtcp(std::vector<std::uint8_t>& packet);
  // Likewise for RTP (not needed for receive-only ingest; there for symmetry and tests).
  bool protect_rtp(std::vector<std::uint8_t>& packet);

  // What the last failed call reported, e.g. "authentication failed", "replayed packet".
  std::string_view last_error() const { return last_error_; }

 private:
  // libsrtp2 allows one wildcard-SSRC template per session: one session per direction.
  SrtpPtr inbound_;
  SrtpPtr outbound_;
  std::string_view last_error_;
};

// libsrtp2's status as words.
std::string_view describe(srtp_err_status_t status);

}  // namespace bvlive::webrtc
