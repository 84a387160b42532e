#include "net/tls/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include "log/log.hpp"

namespace bvlive::tls {

namespace {

// TLS 1.2 suites with forward secrecy and AEAD only (Mozilla's "intermediate" profile);
// TLS 1.3 suites are OpenSSL's defaults, all of which are modern.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

std::string name_text(X509_NAME* name) {
  if (!name) return "";
  BIO* bio = BIO_new(BIO_s_mem());
  if (!bio) return "";
  X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string out(data ? data : "", data ? static_cast<std::size_t>(len) : 0);
  BIO_free(bio);
  return out;
}

std::int64_t unix_time(const ASN1_TIME* t) {
  if (!t) return 0;
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<std::int64_t>(timegm(&tm));
}

// Servers speak HTTP/1.1 over ALPN when the client offers it (and nothing when it does not).
int select_http11(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned inlen,
                  void*) {
  static const unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outlen, kHttp11, sizeof kHttp11, in, inlen) != OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_NOACK;
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

// Opens the file first so a missing or unreadable one says so in the system's words.
void check_readable(const std::string& path, const char* what) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw TlsError(std::string(what) + " " + path + ": " + std::strerror(errno));
  std::fclose(f);
}

}  // namespace

std::string last_error_text() {
  const unsigned long e = ERR_peek_last_error();
  ERR_clear_error();
  if (!e) return "unknown error";
  const char* reason = ERR_reason_error_string(e);
  return reason ? reason : "error " + std::to_string(e);
}

TlsContext::TlsContext(std::string certificate_file, std::string key_file) {
  ctx_ = build(certificate_file, key_file, info_);
}

void TlsContext::reload(const std::string& certificate_file, const std::string& key_file) {
  CertificateInfo info;
  SslCtxPtr fresh = build(certificate_file, key_file, info);  // throws: the old one stays
  ctx_ = std::move(fresh);
  info_ = std::move(info);
}

SslCtxPtr TlsContext::build(const std::string& certificate_file, const std::string& key_file, CertificateInfo& info) {
  check_readable(certificate_file, "certificate");
  check_readable(key_file, "key");
  ERR_clear_error();
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  if (!ctx) throw TlsError("cannot create a TLS context: " + last_error_text());
  SSL_CTX* c = ctx.get();
  SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(c, TLS1_3_VERSION);
  if (SSL_CTX_set_cipher_list(c, kTls12Ciphers) != 1) throw TlsError("cannot set TLS 1.2 ciphers: " + last_error_text());
  // No renegotiation (a client-driven CPU sink); kernel TLS where the kernel has it.
  SSL_CTX_set_options(c, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_ENABLE_KTLS);
  // Writes may be partial, and a retried write may come from a buffer that moved (the
  // connection's output string grows between retries).
  SSL_CTX_set_mode(c, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_SERVER);
  SSL_CTX_set_alpn_select_cb(c, select_http11, nullptr);

  if (SSL_CTX_use_certificate_chain_file(c, certificate_file.c_str()) != 1)
    throw TlsError("certificate " + certificate_file + ": " + last_error_text() +
                   " (give the certificate and its chain in PEM, e.g. certbot's fullchain.pem)");
  if (SSL_CTX_use_PrivateKey_file(c, key_file.c_str(), SSL_FILETYPE_PEM) != 1)
    throw TlsError("key " + key_file + ": " + last_error_text() +
                   " (give an unencrypted private key in PEM, e.g. certbot's privkey.pem)");
  if (SSL_CTX_check_private_key(c) != 1)
    throw TlsError("key " + key_file + " is not the key of certificate " + certificate_file + " (" +
                   last_error_text() + ")");

  X509* cert = SSL_CTX_get0_certificate(c);
  info.subject = name_text(X509_get_subject_name(cert));
  info.issuer = name_text(X509_get_issuer_name(cert));
  info.not_after = unix_time(X509_get0_notAfter(cert));
  info.certificate_file = certificate_file;
  // Serving an expired certificate is better than serving nothing; say it loudly.
  if (info.not_after && info.not_after < static_cast<std::int64_t>(std::time(nullptr)))
    log::warn("tls", "certificate " + certificate_file + " (" + info.subject + ") has expired; clients will refuse it");
  return ctx;
}

bool TlsContext::kernel_tls_available() {
  std::ifstream ulp("/proc/sys/net/ipv4/tcp_available_ulp");
  std::string word;
  while (ulp >> word)
    if (word == "tls") return true;
  return false;
}

}  // namespace bvlive::tls
