#include "webrtc/dtls_transport.hpp"
#include "webrtc/openssl_errors.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/time.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace bvlive::webrtc {

namespace {

struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
struct SslFree {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};
struct BioMethodFree {
  void operator()(BIO_METHOD* method) const { BIO_meth_free(method); }
};

constexpr const char* srtp_profile_name = "SRTP_AES128_CM_SHA1_80";
constexpr const char* exporter_label = "EXTRACTOR-dtls_srtp";


// The packet I/O between OpenSSL and the transport: reads hand over the one datagram being
// fed, writes each become one outgoing datagram. A memory BIO would glue a flight's
// datagrams together and lose the MTU-sized boundaries DTLS chose.
struct DatagramPipe {
  std::span<const std::uint8_t> inbound;
  std::vector<Datagram> outbound;
};

int pipe_write(BIO* bio, const char* data, int length) {
  auto* pipe = static_cast<DatagramPipe*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  if (!pipe || length < 0) return -1;
  pipe->outbound.emplace_back(data, data + length);
  return length;
}

int pipe_read(BIO* bio, char* buffer, int size) {
  auto* pipe = static_cast<DatagramPipe*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  if (!pipe || pipe->inbound.empty()) {
    BIO_set_retry_read(bio);
    return -1;
  }
  // A datagram larger than the buffer is truncated, as recv() would.
  const std::size_t n = std::min(pipe->inbound.size(), static_cast<std::size_t>(std::max(size, 0)));
  std::memcpy(buffer, pipe->inbound.data(), n);
  pipe->inbound = {};
  return static_cast<int>(n);
}

long pipe_ctrl(BIO* bio, int command, long, void*) {
  switch (command) {
    case BIO_CTRL_FLUSH:
      return 1;
    case BIO_CTRL_PENDING: {
      auto* pipe = static_cast<DatagramPipe*>(BIO_get_data(bio));
      return pipe ? static_cast<long>(pipe->inbound.size()) : 0;
    }
    default:  // MTU queries, peer addresses, timers: answered by the transport itself
      return 0;
  }
}

int pipe_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

int pipe_destroy(BIO*) { return 1; }  // the pipe belongs to the transport

BIO_METHOD* pipe_method() {
  static const std::unique_ptr<BIO_METHOD, BioMethodFree> method = [] {
    std::unique_ptr<BIO_METHOD, BioMethodFree> made(
        BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "bvlive datagram pipe"));
    if (!made || !BIO_meth_set_write(made.get(), pipe_write) || !BIO_meth_set_read(made.get(), pipe_read) ||
        !BIO_meth_set_ctrl(made.get(), pipe_ctrl) || !BIO_meth_set_create(made.get(), pipe_create) ||
        !BIO_meth_set_destroy(made.get(), pipe_destroy))
      throw std::runtime_error("DTLS: cannot set up the datagram BIO: " + openssl_errors());
    return made;
  }();
  return method.get();
}

}  // namespace

const char* to_string(DtlsState state) {
  switch (state) {
    case DtlsState::Handshaking: return "handshaking";
    case DtlsState::Connected: return "connected";
    case DtlsState::Failed: return "failed";
    case DtlsState::Closed: return "closed";
  }
  return "unknown";
}

std::optional<std::string> normalise_fingerprint_sha256(const std::string& text) {
  // 32 pairs of hex digits with a colon between each: 95 characters.
  if (text.size() != 32 * 3 - 1) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (i % 3 == 2) {
      if (c != ':') return std::nullopt;
      out += ':';
    } else {
      if (!std::isxdigit(c)) return std::nullopt;
      out += static_cast<char>(std::toupper(c));
    }
  }
  return out;
}

struct DtlsTransport::Impl {
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx;
  std::unique_ptr<SSL, SslFree> ssl;
  DatagramPipe pipe;
  std::string expected_fingerprint;
  std::string fingerprint_error;  // set by the verify callback
  DtlsState state = DtlsState::Handshaking;
  std::string error;
  std::optional<SrtpKeys> keys;

  void fail(std::string why) {
    state = DtlsState::Failed;
    error = std::move(why);
    ERR_clear_error();
  }

  DtlsOutput output() { return DtlsOutput{std::exchange(pipe.outbound, {}), state}; }

  // Browsers' certificates are self-signed: the chain means nothing, the fingerprint the
  // signalled offer carried is what authenticates the peer.
  static int verify(int, X509_STORE_CTX* store) {
    auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    auto* self = ssl ? static_cast<Impl*>(SSL_get_app_data(ssl)) : nullptr;
    if (!self) return 0;
    if (X509_STORE_CTX_get_error_depth(store) != 0) return 1;
    const X509* presented = X509_STORE_CTX_get_current_cert(store);
    try {
      const std::string fingerprint = presented ? fingerprint_sha256(*presented) : "(none)";
      if (fingerprint == self->expected_fingerprint) return 1;
      self->fingerprint_error = "DTLS peer certificate fingerprint mismatch: the offer's a=fingerprint is sha-256 " +
                                self->expected_fingerprint + " but the peer presented " + fingerprint;
    } catch (const std::exception& e) {
      self->fingerprint_error = std::string("DTLS peer certificate unusable: ") + e.what();
    }
    return 0;
  }

  void handshake() {
    const int result = SSL_do_handshake(ssl.get());
    if (result == 1) return connected();
    const int reason = SSL_get_error(ssl.get(), result);
    if (reason == SSL_ERROR_WANT_READ || reason == SSL_ERROR_WANT_WRITE) {
      ERR_clear_error();
      return;
    }
    if (!fingerprint_error.empty()) return fail(fingerprint_error);
    fail("DTLS handshake failed: " + openssl_errors());
  }

  void connected() {
    const X509* peer = SSL_get0_peer_certificate(ssl.get());
    if (!peer) return fail("DTLS peer sent no certificate (WebRTC requires one)");
    if (fingerprint_sha256(*peer) != expected_fingerprint)  // the callback already checked; belt and braces
      return fail("DTLS peer certificate fingerprint mismatch: expected sha-256 " + expected_fingerprint);
    const SRTP_PROTECTION_PROFILE* profile = SSL_get_selected_srtp_profile(ssl.get());
    if (!profile || profile->id != SRTP_AES128_CM_SHA1_80)
      return fail(std::string("DTLS peer did not negotiate the SRTP profile ") + srtp_profile_name +
                  " (use_srtp extension)");

    // RFC 5764 4.2: client key | server key | client salt | server salt. We are the server.
    constexpr std::size_t k = srtp_key_length, s = srtp_salt_length;
    std::uint8_t material[2 * (k + s)];
    if (SSL_export_keying_material(ssl.get(), material, sizeof material, exporter_label,
                                   std::strlen(exporter_label), nullptr, 0, 0) != 1)
      return fail("DTLS cannot export the SRTP keying material: " + openssl_errors());
    SrtpKeys exported;
    exported.remote_key_salt.assign(material, material + k);
    exported.remote_key_salt.insert(exported.remote_key_salt.end(), material + 2 * k, material + 2 * k + s);
    exported.local_key_salt.assign(material + k, material + 2 * k);
    exported.local_key_salt.insert(exported.local_key_salt.end(), material + 2 * k + s, material + 2 * (k + s));
    OPENSSL_cleanse(material, sizeof material);
    keys = std::move(exported);
    state = DtlsState::Connected;
  }

  // After the handshake: no application data is expected (media is SRTP), but reading lets
  // OpenSSL answer a retransmitted Finished and notice close_notify or a fatal alert.
  void read_after_handshake() {
    std::uint8_t buffer[2048];
    const int result = SSL_read(ssl.get(), buffer, sizeof buffer);
    if (result > 0) return;  // data-channel bytes: not supported, dropped
    switch (SSL_get_error(ssl.get(), result)) {
      case SSL_ERROR_WANT_READ:
      case SSL_ERROR_WANT_WRITE:
        ERR_clear_error();
        return;
      case SSL_ERROR_ZERO_RETURN:
        state = DtlsState::Closed;
        ERR_clear_error();
        return;
      default:
        return fail("DTLS connection failed: " + openssl_errors());
    }
  }
};

DtlsTransport::DtlsTransport(const DtlsCertificate& certificate, const std::string& remote_fingerprint)
    : impl_(std::make_unique<Impl>()) {
  auto normalised = normalise_fingerprint_sha256(remote_fingerprint);
  if (!normalised)
    throw std::invalid_argument("DTLS: the offer's a=fingerprint sha-256 value '" + remote_fingerprint +
                                "' is not 32 colon-separated hex bytes");
  impl_->expected_fingerprint = std::move(*normalised);

  auto setup_failed = [](const char* what) {
    return std::runtime_error(std::string("DTLS: cannot ") + what + ": " + openssl_errors());
  };
  impl_->ctx.reset(SSL_CTX_new(DTLS_server_method()));
  SSL_CTX* ctx = impl_->ctx.get();
  if (!ctx) throw setup_failed("create an SSL context");
  if (SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) != 1) throw setup_failed("require DTLS 1.2");
  if (SSL_CTX_use_certificate(ctx, certificate.certificate()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx, certificate.key()) != 1 || SSL_CTX_check_private_key(ctx) != 1)
    throw setup_failed("use the DTLS certificate");
  // Returns 0 on success, unlike nearly everything else in OpenSSL.
  if (SSL_CTX_set_tlsext_use_srtp(ctx, srtp_profile_name) != 0) throw setup_failed("enable DTLS-SRTP");
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, &Impl::verify);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_QUERY_MTU);

  impl_->ssl.reset(SSL_new(ctx));
  SSL* ssl = impl_->ssl.get();
  if (!ssl) throw setup_failed("create an SSL object");
  SSL_set_app_data(ssl, impl_.get());
  BIO* bio = BIO_new(pipe_method());
  if (!bio) throw setup_failed("create the datagram BIO");
  BIO_set_data(bio, &impl_->pipe);
  SSL_set_bio(ssl, bio, bio);  // one reference, owned by the SSL from here
  SSL_set_accept_state(ssl);
  if (SSL_set_mtu(ssl, static_cast<long>(mtu)) == 0)  // returns the MTU on success
    throw setup_failed("set the DTLS MTU");
}

DtlsTransport::~DtlsTransport() = default;
DtlsTransport::DtlsTransport(DtlsTransport&&) noexcept = default;
DtlsTransport& DtlsTransport::operator=(DtlsTransport&&) noexcept = default;

DtlsOutput DtlsTransport::feed(std::span<const std::uint8_t> datagram) {
  Impl& impl = *impl_;
  if (datagram.empty()) return impl.output();
  // One record at a time: OpenSSL drops the rest of a datagram after a record it discards
  // (a duplicate, a fragment it cannot place yet), though peers may pack a whole flight into
  // one datagram. Records are self-delimiting: 13-byte header, length in bytes 11-12.
  constexpr std::size_t header = 13;
  for (std::size_t at = 0; at < datagram.size();) {
    if (impl.state != DtlsState::Handshaking && impl.state != DtlsState::Connected) break;
    std::size_t length = datagram.size() - at;
    if (length >= header) length = std::min(length, header + (std::size_t{datagram[at + 11]} << 8 | datagram[at + 12]));
    impl.pipe.inbound = datagram.subspan(at, length);
    if (impl.state == DtlsState::Handshaking)
      impl.handshake();
    else
      impl.read_after_handshake();
    at += length;
  }
  impl.pipe.inbound = {};  // whatever OpenSSL did not take is dropped, never glued to the next one
  return impl.output();
}

DtlsOutput DtlsTransport::handle_timeout() {
  Impl& impl = *impl_;
  if (impl.state == DtlsState::Handshaking || impl.state == DtlsState::Connected) {
    if (DTLSv1_handle_timeout(impl.ssl.get()) < 0)
      impl.fail("DTLS handshake timed out: the peer stopped answering (" + openssl_errors() + ")");
  }
  return impl.output();
}

std::optional<std::chrono::milliseconds> DtlsTransport::next_timeout() const {
  if (impl_->state != DtlsState::Handshaking && impl_->state != DtlsState::Connected) return std::nullopt;
  timeval left{};
  if (DTLSv1_get_timeout(impl_->ssl.get(), &left) != 1) return std::nullopt;
  // Rounded up, so waiting this long always finds the timer expired.
  return std::chrono::milliseconds(static_cast<long long>(left.tv_sec) * 1000 + (left.tv_usec + 999) / 1000);
}

DtlsOutput DtlsTransport::close() {
  Impl& impl = *impl_;
  if (impl.state == DtlsState::Connected) {
    SSL_shutdown(impl.ssl.get());
    ERR_clear_error();
  }
  if (impl.state != DtlsState::Failed) impl.state = DtlsState::Closed;
  return impl.output();
}

DtlsState DtlsTransport::state() const { return impl_->state; }
const std::string& DtlsTransport::error() const { return impl_->error; }
const std::optional<SrtpKeys>& DtlsTransport::srtp_keys() const { return impl_->keys; }
const std::string& DtlsTransport::remote_fingerprint() const { return impl_->expected_fingerprint; }

}  // namespace bvlive::webrtc
