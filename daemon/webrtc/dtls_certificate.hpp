// The daemon's DTLS identity for WebRTC (WHIP) peers: an ECDSA P-256 key and a self-signed
// certificate, made once and kept in the state directory so the fingerprint the daemon
// advertises in its SDP answers stays the same across restarts.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

namespace bvlive::webrtc {

struct EvpPkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct X509Free {
  void operator()(X509* certificate) const { X509_free(certificate); }
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;

// "AB:CD:..." (32 upper-case hex pairs): the SHA-256 digest of the DER certificate, the
// form SDP's a=fingerprint:sha-256 carries (RFC 8122).
std::string fingerprint_sha256(const X509& certificate);

class DtlsCertificate {
 public:
  static constexpr const char* key_file_name = "webrtc-key.pem";
  static constexpr const char* certificate_file_name = "webrtc-cert.pem";

  // Loads DIR/webrtc-key.pem and DIR/webrtc-cert.pem, or creates them (the key with mode
  // 0600) when missing; DIR is created if needed. Throws std::runtime_error naming the file
  // when one is unreadable, corrupt or the two do not belong together.
  static DtlsCertificate load_or_create(const std::string& dir);

  // A fresh key and certificate kept only in memory.
  static DtlsCertificate generate();

  EVP_PKEY* key() const { return key_.get(); }
  X509* certificate() const { return certificate_.get(); }
  const std::string& fingerprint_sha256() const { return fingerprint_; }

 private:
  DtlsCertificate(EvpPkeyPtr key, X509Ptr certificate);

  EvpPkeyPtr key_;
  X509Ptr certificate_;
  std::string fingerprint_;
};

}  // namespace bvlive::webrtc
