// TLS over memory: for connections whose socket libuv reads and writes itself (the RTMP
// ingest's uv_tcp_t). Ciphertext read from the socket goes in with receive(), which gives
// back the plaintext; plaintext to send goes through send(); what either produced for the
// peer (handshake messages, records) is taken with take_output() and written to the socket.
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "net/tls/tls_context.hpp"

namespace bvlive::tls {

class TlsPipe {
 public:
  explicit TlsPipe(const SslCtxPtr& ctx);  // server side; throws TlsError
  ~TlsPipe();
  TlsPipe(const TlsPipe&) = delete;
  TlsPipe& operator=(const TlsPipe&) = delete;

  // Decrypts what arrived, appending the plaintext to `plain`. False when the stream is
  // unusable (failed handshake, bad record, the peer's close_notify): error_text() says why.
  bool receive(std::span<const std::uint8_t> cipher, std::vector<std::uint8_t>& plain);
  // Encrypts application data (buffered until the handshake is done). False on error.
  bool send(std::span<const std::uint8_t> plain);
  // Ciphertext waiting for the socket (empty when there is none).
  std::vector<std::uint8_t> take_output();

  bool handshake_done() const { return SSL_is_init_finished(ssl_) == 1; }
  const std::string& error_text() const { return error_; }

 private:
  bool flush_pending();

  SslCtxPtr ctx_;
  SSL* ssl_ = nullptr;
  BIO* in_ = nullptr;   // owned by ssl_
  BIO* out_ = nullptr;  // owned by ssl_
  std::vector<std::uint8_t> pending_;  // plaintext sent before the handshake finished
  std::string error_;
};

}  // namespace bvlive::tls
