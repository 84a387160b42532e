// TLS on a non-blocking socket the caller polls (the HTTP server's uv_poll_t connections).
// Reads and writes never block: when OpenSSL needs the socket readable or writable first,
// they fail with EAGAIN and wants_write() tells which way to poll. The handshake runs inside
// the first reads. With kernel TLS the kernel encrypts, and files go out with
// SSL_sendfile straight from the page cache.
#pragma once

#include <openssl/ssl.h>
#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <string>

#include "net/tls/tls_context.hpp"

namespace bvlive::tls {

class TlsSocket {
 public:
  // Server side of `fd` (which stays the caller's to close). Throws TlsError.
  TlsSocket(const SslCtxPtr& ctx, int fd);
  ~TlsSocket();
  TlsSocket(const TlsSocket&) = delete;
  TlsSocket& operator=(const TlsSocket&) = delete;

  // Like recv(2)/send(2): bytes moved; 0 from read at the peer's end of stream; -1 with
  // errno EAGAIN (poll as wants_write() says, then call again with the same arguments) or
  // EPROTO / ECONNRESET (error_text() says why).
  ssize_t read(void* buf, std::size_t len);
  ssize_t write(const void* buf, std::size_t len);
  // From a file, when can_sendfile(): the kernel encrypts (kTLS). Same results as write.
  ssize_t sendfile(int file_fd, off_t offset, std::size_t len);

  bool wants_write() const { return wants_write_; }  // the last EAGAIN waits for POLLOUT
  bool handshake_done() const { return SSL_is_init_finished(ssl_) == 1; }
  bool can_sendfile() const;
  const std::string& error_text() const { return error_; }
  // Sends close_notify (best effort, never waits).
  void shutdown();

 private:
  ssize_t result(int rc);

  SSL* ssl_ = nullptr;
  SslCtxPtr ctx_;  // the configuration this connection started with, kept across reloads
  bool wants_write_ = false;
  std::string error_;
};

}  // namespace bvlive::tls
