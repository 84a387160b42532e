#include "net/tls/tls_socket.hpp"

#include <openssl/err.h>

#include <cerrno>
#include <cstring>

namespace bvlive::tls {

TlsSocket::TlsSocket(const SslCtxPtr& ctx, int fd) : ctx_(ctx) {
  ssl_ = SSL_new(ctx_.get());
  if (!ssl_) throw TlsError("cannot start TLS: " + last_error_text());
  if (SSL_set_fd(ssl_, fd) != 1) {
    SSL_free(ssl_);
    throw TlsError("cannot start TLS: " + last_error_text());
  }
  SSL_set_accept_state(ssl_);
}

TlsSocket::~TlsSocket() { SSL_free(ssl_); }

ssize_t TlsSocket::read(void* buf, std::size_t len) {
  ERR_clear_error();
  errno = 0;
  return result(SSL_read(ssl_, buf, static_cast<int>(len)));
}

ssize_t TlsSocket::write(const void* buf, std::size_t len) {
  if (len == 0) return 0;
  ERR_clear_error();
  errno = 0;
  return result(SSL_write(ssl_, buf, static_cast<int>(len)));
}

bool TlsSocket::can_sendfile() const {
#ifndef OPENSSL_NO_KTLS
  return BIO_get_ktls_send(SSL_get_wbio(ssl_));
#else
  return false;
#endif
}

ssize_t TlsSocket::sendfile(int file_fd, off_t offset, std::size_t len) {
  ERR_clear_error();
  const ossl_ssize_t n = SSL_sendfile(ssl_, file_fd, offset, len, 0);
  if (n >= 0) {
    wants_write_ = false;
    return n;
  }
  // SSL_sendfile reports like sendfile(2), with errno set and the error queue for the rest.
  if (errno == EAGAIN || errno == EINTR) {
    wants_write_ = true;
    errno = EAGAIN;
    return -1;
  }
  error_ = std::strerror(errno);
  return -1;
}

ssize_t TlsSocket::result(int rc) {
  if (rc > 0) {
    wants_write_ = false;
    return rc;
  }
  const int saved_errno = errno;
  switch (SSL_get_error(ssl_, rc)) {
    case SSL_ERROR_WANT_READ:
      wants_write_ = false;
      errno = EAGAIN;
      return -1;
    case SSL_ERROR_WANT_WRITE:
      wants_write_ = true;
      errno = EAGAIN;
      return -1;
    case SSL_ERROR_ZERO_RETURN:  // close_notify
      return 0;
    case SSL_ERROR_SYSCALL:
      // End of stream without close_notify, or a socket error: either way the peer is gone.
      if (ERR_peek_error() == 0 && saved_errno == 0) return 0;
      error_ = saved_errno ? std::strerror(saved_errno) : last_error_text();
      errno = ECONNRESET;
      return -1;
    default:
      // A handshake that fails (plain HTTP to the TLS port, no shared cipher) or a bad record.
      error_ = "TLS: " + last_error_text();
      errno = EPROTO;
      return -1;
  }
}

void TlsSocket::shutdown() {
  ERR_clear_error();
  if (handshake_done()) SSL_shutdown(ssl_);
  ERR_clear_error();
}

}  // namespace bvlive::tls
