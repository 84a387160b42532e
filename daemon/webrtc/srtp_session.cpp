#include "webrtc/srtp_session.hpp"

#include <climits>
#include <stdexcept>
#include <string>

namespace bvlive::webrtc {

namespace {

constexpr std::size_t key_salt_length = DtlsTransport::srtp_key_length + DtlsTransport::srtp_salt_length;
constexpr std::size_t min_rtp_length = 12;   // fixed RTP header
constexpr std::size_t min_rtcp_length = 8;   // RTCP header + sender SSRC

// libsrtp2 keeps global state (crypto kernel) that must be set up once per process.
void initialise_libsrtp_once() {
  static const bool initialised = [] {
    const srtp_err_status_t status = srtp_init();
    if (status != srtp_err_status_ok)
      throw std::runtime_error("SRTP: cannot initialise libsrtp2: " + std::string(describe(status)));
    return true;
  }();
  (void)initialised;
}

srtp_policy_t policy_for(const std::vector<std::uint8_t>& key_salt, srtp_ssrc_type_t direction) {
  srtp_policy_t policy{};
  srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
  srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
  policy.ssrc.type = direction;
  // libsrtp2 copies the key during srtp_create; it does not modify it.
  policy.key = const_cast<unsigned char*>(key_salt.data());
  policy.window_size = SrtpSession::replay_window;
  policy.allow_repeat_tx = 0;
  return policy;
}

SrtpPtr create_session(const srtp_policy_t& policy) {
  srtp_t created = nullptr;
  const srtp_err_status_t status = srtp_create(&created, &policy);
  SrtpPtr session(created);
  if (status != srtp_err_status_ok)
    throw std::runtime_error("SRTP: cannot create the session: " + std::string(describe(status)));
  return session;
}

}  // namespace

std::string_view describe(srtp_err_status_t status) {
  switch (status) {
    case srtp_err_status_ok: return "ok";
    case srtp_err_status_bad_param: return "malformed packet or bad parameter";
    case srtp_err_status_alloc_fail: return "out of memory";
    case srtp_err_status_auth_fail: return "authentication failed";
    case srtp_err_status_replay_fail: return "replayed packet";
    case srtp_err_status_replay_old: return "packet too old for the replay window";
    case srtp_err_status_no_ctx: return "no context for this SSRC";
    case srtp_err_status_parse_err: return "cannot parse packet";
    case srtp_err_status_cipher_fail: return "cipher failure";
    default: return "libsrtp2 error";
  }
}

SrtpSession::SrtpSession(const SrtpKeys& keys) {
  if (keys.remote_key_salt.size() != key_salt_length || keys.local_key_salt.size() != key_salt_length)
    throw std::invalid_argument("SRTP: keys must be " + std::to_string(key_salt_length) +
                                " bytes (16-byte master key and 14-byte salt)");
  initialise_libsrtp_once();
  inbound_ = create_session(policy_for(keys.remote_key_salt, ssrc_any_inbound));
  outbound_ = create_session(policy_for(keys.local_key_salt, ssrc_any_outbound));
}

namespace {

template <typename Unprotect>
std::optional<std::span<std::uint8_t>> unprotect_in_place(srtp_t session, std::vector<std::uint8_t>& packet,
                                                          std::size_t min_length, std::string_view& error,
                                                          Unprotect unprotect) {
  if (packet.size() < min_length || packet.size() > INT_MAX) {
    error = "packet too short";
    return std::nullopt;
  }
  int length = static_cast<int>(packet.size());
  const srtp_err_status_t status = unprotect(session, packet.data(), &length);
  if (status != srtp_err_status_ok) {
    error = describe(status);
    return std::nullopt;
  }
  packet.resize(static_cast<std::size_t>(length));
  return std::span<std::uint8_t>(packet);
}

template <typename Protect>
bool protect_in_place(srtp_t session, std::vector<std::uint8_t>& packet, std::size_t min_length,
                      std::size_t trailer, std::string_view& error, Protect protect) {
  if (packet.size() < min_length || packet.size() > INT_MAX - trailer) {
    error = "packet too short";
    return false;
  }
  const std::size_t plain = packet.size();
  packet.resize(plain + trailer);  // libsrtp2 writes the trailer past the end it is given
  int length = static_cast<int>(plain);
  const srtp_err_status_t status = protect(session, packet.data(), &length);
  if (status != srtp_err_status_ok) {
    packet.resize(plain);
    error = describe(status);
    return false;
  }
  packet.resize(static_cast<std::size_t>(length));
  return true;
}

}  // namespace

std::optional<std::span<std::uint8_t>> SrtpSession::unprotect_rtp(std::vector<std::uint8_t>& packet) {
  return unprotect_in_place(inbound_.get(), packet, min_rtp_length, last_error_, srtp_unprotect);
}

std::optional<std::span<std::uint8_t>> SrtpSession::unprotect_rtcp(std::vector<std::uint8_t>& packet) {
  return unprotect_in_place(inbound_.get(), packet, min_rtcp_length, last_error_, srtp_unprotect_rtcp);
}

bool SrtpSession::protect_rtcp(std::vector<std::uint8_t>& packet) {
  return protect_in_place(outbound_.get(), packet, min_rtcp_length, SRTP_MAX_TRAILER_LEN + 4, last_error_,
                          srtp_protect_rtcp);
}

bool SrtpSession::protect_rtp(std::vector<std::uint8_t>& packet) {
  return protect_in_place(outbound_.get(), packet, min_rtp_length, SRTP_MAX_TRAILER_LEN, last_error_,
                          srtp_protect);
}

}  // namespace bvlive::webrtc
