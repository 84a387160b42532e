// The daemon's TLS server configuration: one certificate chain and key (PEM files, e.g.
// certbot's fullchain.pem and privkey.pem) shared by every TLS listener (HTTPS, RTMPS, the
// HTTP API). Reloading reads the files again and swaps the configuration for new
// connections; open connections keep the one they started with. A file that does not load
// leaves the running configuration in place.
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

namespace bvlive::tls {

// A certificate or key that cannot be used, said so a person can fix it:
// "certificate /etc/...: no certificate found in the file (is it PEM?)".
class TlsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What the loaded certificate says, for logs and `bvlive status`.
struct CertificateInfo {
  std::string subject;      // "CN=live.example.com"
  std::string issuer;
  std::int64_t not_after = 0;  // Unix seconds
  std::string certificate_file;
};

using SslCtxPtr = std::shared_ptr<SSL_CTX>;

class TlsContext {
 public:
  // Loads both files; throws TlsError when they cannot serve (unreadable, not PEM, key not
  // the certificate's, expired is only warned about).
  TlsContext(std::string certificate_file, std::string key_file);

  // Reads the files again (possibly new paths). On failure throws TlsError and keeps the
  // running certificate.
  void reload(const std::string& certificate_file, const std::string& key_file);

  // The configuration new connections use; a connection holds its own reference.
  SslCtxPtr current() const { return ctx_; }
  const CertificateInfo& info() const { return info_; }

  // True when the kernel can encrypt for us (the "tls" TCP upper layer is available), so
  // SSL_sendfile sends segments without copying them through user space.
  static bool kernel_tls_available();

 private:
  static SslCtxPtr build(const std::string& certificate_file, const std::string& key_file, CertificateInfo& info);

  SslCtxPtr ctx_;
  CertificateInfo info_;
};

// The last OpenSSL error queue entry as text (and the queue cleared): "wrong version number".
std::string last_error_text();

}  // namespace bvlive::tls
