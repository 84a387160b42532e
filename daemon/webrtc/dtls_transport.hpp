// The DTLS server side of one WebRTC peer (a=setup:passive), socket-free: datagrams go in
// through feed(), the datagrams to send back come out. It authenticates the peer by the
// SHA-256 fingerprint its SDP offer announced and, once connected, yields the SRTP keys
// (DTLS-SRTP, RFC 5764) for SRTP_AES128_CM_SHA1_80.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "webrtc/dtls_certificate.hpp"

namespace bvlive::webrtc {

// Master key || master salt (16 + 14 bytes each) for each direction.
struct SrtpKeys {
  std::vector<std::uint8_t> remote_key_salt;  // the client's (browser's): unprotects what it sends
  std::vector<std::uint8_t> local_key_salt;   // ours: protects what we send (RTCP feedback)
};

enum class DtlsState { Handshaking, Connected, Failed, Closed };
const char* to_string(DtlsState state);

using Datagram = std::vector<std::uint8_t>;

struct DtlsOutput {
  std::vector<Datagram> datagrams;  // to send to the peer, in order, each one UDP datagram
  DtlsState state;
};

class DtlsTransport {
 public:
  static constexpr std::size_t mtu = 1200;  // DTLS payload bytes per datagram
  static constexpr std::size_t srtp_key_length = 16;
  static constexpr std::size_t srtp_salt_length = 14;

  // `remote_fingerprint` is the offer's a=fingerprint:sha-256 value, any case. Throws
  // std::invalid_argument when it is not 32 colon-separated hex bytes, std::runtime_error
  // when OpenSSL cannot set up the context.
  DtlsTransport(const DtlsCertificate& certificate, const std::string& remote_fingerprint);
  ~DtlsTransport();
  DtlsTransport(DtlsTransport&&) noexcept;
  DtlsTransport& operator=(DtlsTransport&&) noexcept;

  // One received DTLS datagram (first byte 20..63, RFC 7983). Garbage is dropped or fails
  // the handshake; it never throws.
  DtlsOutput feed(std::span<const std::uint8_t> datagram);

  // When next_timeout() has elapsed: retransmits the last flight; fails after too many.
  DtlsOutput handle_timeout();
  // Time left until handle_timeout() is due, while a retransmission timer runs.
  std::optional<std::chrono::milliseconds> next_timeout() const;

  // Sends close_notify once connected; the state becomes Closed.
  DtlsOutput close();

  DtlsState state() const;
  const std::string& error() const;  // why it Failed ("" otherwise)
  // Set once Connected.
  const std::optional<SrtpKeys>& srtp_keys() const;
  const std::string& remote_fingerprint() const;  // normalised: upper case

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "ab:cd:..." -> "AB:CD:..."; nullopt unless 32 colon-separated hex bytes.
std::optional<std::string> normalise_fingerprint_sha256(const std::string& text);

}  // namespace bvlive::webrtc
