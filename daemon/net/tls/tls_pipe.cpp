#include "net/tls/tls_pipe.hpp"

#include <openssl/err.h>

namespace bvlive::tls {

namespace {
constexpr std::size_t kChunk = 16 * 1024;  // one TLS record's worth
}  // namespace

TlsPipe::TlsPipe(const SslCtxPtr& ctx) : ctx_(ctx) {
  ssl_ = SSL_new(ctx_.get());
  in_ = BIO_new(BIO_s_mem());
  out_ = BIO_new(BIO_s_mem());
  if (!ssl_ || !in_ || !out_) {
    const std::string why = last_error_text();
    if (ssl_) SSL_free(ssl_);
    if (in_) BIO_free(in_);
    if (out_) BIO_free(out_);
    throw TlsError("cannot start TLS: " + why);
  }
  // An empty input BIO means "wait for more", not end of stream.
  BIO_set_mem_eof_return(in_, -1);
  BIO_set_mem_eof_return(out_, -1);
  SSL_set_bio(ssl_, in_, out_);
  SSL_set_accept_state(ssl_);
}

TlsPipe::~TlsPipe() { SSL_free(ssl_); }

bool TlsPipe::receive(std::span<const std::uint8_t> cipher, std::vector<std::uint8_t>& plain) {
  ERR_clear_error();
  while (!cipher.empty()) {
    const int n = BIO_write(in_, cipher.data(), static_cast<int>(cipher.size()));
    if (n <= 0) {
      error_ = "TLS: cannot buffer input";
      return false;
    }
    cipher = cipher.subspan(static_cast<std::size_t>(n));
  }
  for (;;) {
    const std::size_t at = plain.size();
    plain.resize(at + kChunk);
    const int n = SSL_read(ssl_, plain.data() + at, static_cast<int>(kChunk));
    plain.resize(at + static_cast<std::size_t>(n > 0 ? n : 0));
    if (n > 0) continue;
    const int err = SSL_get_error(ssl_, n);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) break;  // needs more input
    error_ = err == SSL_ERROR_ZERO_RETURN ? "TLS closed by the peer" : "TLS: " + last_error_text();
    return false;
  }
  return flush_pending();
}

bool TlsPipe::send(std::span<const std::uint8_t> plain) {
  pending_.insert(pending_.end(), plain.begin(), plain.end());
  return flush_pending();
}

bool TlsPipe::flush_pending() {
  if (pending_.empty() || !handshake_done()) return true;
  ERR_clear_error();
  // Memory BIOs grow as needed, so a write takes everything at once.
  const int n = SSL_write(ssl_, pending_.data(), static_cast<int>(pending_.size()));
  if (n <= 0) {
    error_ = "TLS: " + last_error_text();
    return false;
  }
  pending_.erase(pending_.begin(), pending_.begin() + n);
  return true;
}

std::vector<std::uint8_t> TlsPipe::take_output() {
  std::vector<std::uint8_t> out;
  const std::size_t waiting = BIO_ctrl_pending(out_);
  if (waiting == 0) return out;
  out.resize(waiting);
  const int n = BIO_read(out_, out.data(), static_cast<int>(waiting));
  out.resize(static_cast<std::size_t>(n > 0 ? n : 0));
  return out;
}

}  // namespace bvlive::tls
