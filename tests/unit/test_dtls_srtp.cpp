#define BOOST_TEST_MODULE dtls_srtp
#include <boost/test/unit_test.hpp>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <srtp2/srtp.h>
#include <sys/stat.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/process.hpp"
#include "webrtc/dtls_certificate.hpp"
#include "webrtc/dtls_transport.hpp"
#include "webrtc/srtp_session.hpp"

using namespace bvlive::webrtc;

namespace bvlive::webrtc {
std::ostream& operator<<(std::ostream& out, DtlsState state) { return out << to_string(state); }
}  // namespace bvlive::webrtc
using Bytes = std::vector<std::uint8_t>;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

bool looks_like_fingerprint(const std::string& text) {
  if (text.size() != 95) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (i % 3 == 2 ? c != ':' : !((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
struct SslFree {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};

// A browser stand-in: an OpenSSL DTLS client with its own self-signed certificate, talking
// through memory BIOs, offering use_srtp as browsers do.
class DtlsClient {
 public:
  explicit DtlsClient(const DtlsCertificate& certificate) {
    ctx_.reset(SSL_CTX_new(DTLS_client_method()));
    BOOST_REQUIRE(ctx_);
    BOOST_REQUIRE(SSL_CTX_use_certificate(ctx_.get(), certificate.certificate()) == 1);
    BOOST_REQUIRE(SSL_CTX_use_PrivateKey(ctx_.get(), certificate.key()) == 1);
    BOOST_REQUIRE(SSL_CTX_set_tlsext_use_srtp(ctx_.get(), "SRTP_AES128_CM_SHA1_80") == 0);
    SSL_CTX_set_verify(ctx_.get(), SSL_VERIFY_PEER, [](int, X509_STORE_CTX*) { return 1; });
    ssl_.reset(SSL_new(ctx_.get()));
    BOOST_REQUIRE(ssl_);
    in_ = BIO_new(BIO_s_mem());
    out_ = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(in_, -1);  // empty means "wait", not end of stream
    SSL_set_bio(ssl_.get(), in_, out_);
    SSL_set_connect_state(ssl_.get());
    // A memory BIO cannot report an MTU; use the 1200 bytes browsers use.
    SSL_set_options(ssl_.get(), SSL_OP_NO_QUERY_MTU);
    BOOST_REQUIRE(SSL_set_mtu(ssl_.get(), 1200) != 0);
  }

  // Runs the handshake as far as it goes and returns what the client wants to send.
  Bytes step() {
    if (!connected_) {
      const int result = SSL_do_handshake(ssl_.get());
      if (result == 1) connected_ = true;
      else if (const int reason = SSL_get_error(ssl_.get(), result); reason != SSL_ERROR_WANT_READ) failed_ = true;
    } else {
      std::uint8_t buffer[2048];
      const int result = SSL_read(ssl_.get(), buffer, sizeof buffer);
      if (result <= 0 && SSL_get_error(ssl_.get(), result) == SSL_ERROR_ZERO_RETURN) closed_ = true;
    }
    ERR_clear_error();
    return drain();
  }

  void receive(const Bytes& datagram) {
    BOOST_REQUIRE(BIO_write(in_, datagram.data(), static_cast<int>(datagram.size())) ==
                  static_cast<int>(datagram.size()));
  }

  Bytes drain() {
    Bytes out(static_cast<std::size_t>(BIO_ctrl_pending(out_)));
    if (!out.empty()) BIO_read(out_, out.data(), static_cast<int>(out.size()));
    return out;
  }

  // The client's view of the RFC 5764 key block: client key, server key, client salt, server salt.
  Bytes exported_keying_material() const {
    Bytes material(60);
    const char label[] = "EXTRACTOR-dtls_srtp";
    BOOST_REQUIRE(SSL_export_keying_material(ssl_.get(), material.data(), material.size(), label,
                                             std::strlen(label), nullptr, 0, 0) == 1);
    return material;
  }

  SSL* ssl() const { return ssl_.get(); }
  bool connected() const { return connected_; }
  bool failed() const { return failed_; }
  bool closed() const { return closed_; }

 private:
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx_;
  std::unique_ptr<SSL, SslFree> ssl_;
  BIO* in_ = nullptr;   // owned by ssl_
  BIO* out_ = nullptr;  // owned by ssl_
  bool connected_ = false, failed_ = false, closed_ = false;
};

// Shuttles datagrams both ways until nothing moves any more (bounded). Returns every
// datagram the server sent, so tests can look at their sizes.
std::vector<Bytes> pump(DtlsClient& client, DtlsTransport& server) {
  std::vector<Bytes> from_server;
  Bytes to_server = client.step();
  for (int round = 0; round < 20 && !to_server.empty(); ++round) {
    const DtlsOutput out = server.feed(to_server);
    for (const Bytes& datagram : out.datagrams) {
      from_server.push_back(datagram);
      client.receive(datagram);
    }
    to_server = client.step();
  }
  return from_server;
}

struct Peers {
  bvtest::TempDir server_dir{"bvlive-dtls-server"};
  bvtest::TempDir client_dir{"bvlive-dtls-client"};
  DtlsCertificate server_certificate = DtlsCertificate::load_or_create(server_dir.path());
  DtlsCertificate client_certificate = DtlsCertificate::load_or_create(client_dir.path());
  DtlsClient client{client_certificate};
};

Bytes concat(const Bytes& a, const Bytes& b) {
  Bytes out = a;
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

struct SrtpFree {
  void operator()(srtp_ctx_t* session) const { srtp_dealloc(session); }
};
using SrtpPtr = std::unique_ptr<srtp_ctx_t, SrtpFree>;

SrtpPtr srtp_session(Bytes key_salt, srtp_ssrc_type_t direction) {
  // libsrtp2 is initialised by the SrtpSession the test makes first.
  srtp_policy_t policy{};
  srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
  srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
  policy.ssrc.type = direction;
  policy.key = key_salt.data();
  policy.window_size = 128;
  srtp_t session = nullptr;
  BOOST_REQUIRE(srtp_create(&session, &policy) == srtp_err_status_ok);
  return SrtpPtr(session);
}

// The browser's SRTP side, straight on libsrtp2 with the keys from the client's own export:
// it protects with the client key and unprotects with the server key.
struct BrowserSrtp {
  SrtpPtr outbound, inbound;
};
BrowserSrtp browser_srtp(const Bytes& material) {
  return BrowserSrtp{srtp_session(concat(Bytes(material.begin(), material.begin() + 16),
                                         Bytes(material.begin() + 32, material.begin() + 46)),
                                  ssrc_any_outbound),
                     srtp_session(concat(Bytes(material.begin() + 16, material.begin() + 32),
                                         Bytes(material.begin() + 46, material.begin() + 60)),
                                  ssrc_any_inbound)};
}

Bytes rtp_packet(std::uint16_t sequence) {
  Bytes packet = {0x80, 96, static_cast<std::uint8_t>(sequence >> 8), static_cast<std::uint8_t>(sequence),
                  0x00, 0x01, 0x5f, 0x90,   // timestamp
                  0x12, 0x34, 0x56, 0x78};  // SSRC
  for (int i = 0; i < 100; ++i) packet.push_back(static_cast<std::uint8_t>(i * 7));
  return packet;
}

// A sender report from SSRC 0x12345678: header, SSRC, 20 bytes of sender info.
Bytes rtcp_sender_report() {
  Bytes packet = {0x80, 200, 0x00, 0x06, 0x12, 0x34, 0x56, 0x78};
  for (int i = 0; i < 20; ++i) packet.push_back(static_cast<std::uint8_t>(i + 1));
  return packet;
}

// What the daemon sends: a receiver report with one block, then a PLI.
Bytes rtcp_receiver_report_and_pli() {
  Bytes packet = {0x81, 201, 0x00, 0x07, 0x00, 0x00, 0x00, 0x01, 0x12, 0x34, 0x56, 0x78};
  for (int i = 0; i < 20; ++i) packet.push_back(0);
  const Bytes pli = {0x81, 206, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x12, 0x34, 0x56, 0x78};
  return concat(packet, pli);
}

Bytes protect(srtp_t session, Bytes packet, bool rtcp) {
  const int plain = static_cast<int>(packet.size());
  packet.resize(packet.size() + SRTP_MAX_TRAILER_LEN + 4);
  int length = plain;
  BOOST_REQUIRE((rtcp ? srtp_protect_rtcp(session, packet.data(), &length)
                      : srtp_protect(session, packet.data(), &length)) == srtp_err_status_ok);
  packet.resize(static_cast<std::size_t>(length));
  return packet;
}

}  // namespace

// ---------------------------------------------------------------------------
// Certificate.

BOOST_AUTO_TEST_CASE(certificate_is_made_once_and_kept) {
  bvtest::TempDir dir("bvlive-dtls-cert");
  const std::string state = dir / "state";  // created on demand
  const DtlsCertificate first = DtlsCertificate::load_or_create(state);
  const std::string key_path = state + "/webrtc-key.pem", cert_path = state + "/webrtc-cert.pem";
  BOOST_REQUIRE(std::filesystem::exists(key_path));
  BOOST_REQUIRE(std::filesystem::exists(cert_path));
  struct stat info {};
  BOOST_REQUIRE(::stat(key_path.c_str(), &info) == 0);
  BOOST_TEST((info.st_mode & 0777) == 0600u);
  BOOST_TEST(!std::filesystem::exists(key_path + ".tmp"));

  BOOST_TEST(looks_like_fingerprint(first.fingerprint_sha256()), first.fingerprint_sha256());
  BOOST_TEST(first.fingerprint_sha256() == fingerprint_sha256(*first.certificate()));
  BOOST_TEST(EVP_PKEY_is_a(first.key(), "EC"));

  const DtlsCertificate again = DtlsCertificate::load_or_create(state);
  BOOST_TEST(again.fingerprint_sha256() == first.fingerprint_sha256());

  bvtest::TempDir other("bvlive-dtls-cert");
  BOOST_TEST(DtlsCertificate::load_or_create(other.path()).fingerprint_sha256() != first.fingerprint_sha256());
}

BOOST_AUTO_TEST_CASE(corrupt_files_give_a_clear_error) {
  bvtest::TempDir dir("bvlive-dtls-cert");
  DtlsCertificate::load_or_create(dir.path());
  const std::string key_path = dir / "webrtc-key.pem", cert_path = dir / "webrtc-cert.pem";
  const std::string good_key = bvtest::read_file(key_path), good_cert = bvtest::read_file(cert_path);

  auto names = [](const std::string& path) {
    return [path](const std::runtime_error& e) {
      BOOST_TEST_MESSAGE(e.what());
      return contains(e.what(), path) && contains(e.what(), "remove it");
    };
  };
  bvtest::write_file(key_path, good_key.substr(0, good_key.size() / 2));
  BOOST_CHECK_EXCEPTION(DtlsCertificate::load_or_create(dir.path()), std::runtime_error, names(key_path));

  bvtest::write_file(key_path, good_key);
  bvtest::write_file(cert_path, "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n");
  BOOST_CHECK_EXCEPTION(DtlsCertificate::load_or_create(dir.path()), std::runtime_error, names(cert_path));

  // A certificate from another install next to this key.
  bvtest::TempDir other("bvlive-dtls-cert");
  DtlsCertificate::load_or_create(other.path());
  bvtest::write_file(cert_path, bvtest::read_file(other / "webrtc-cert.pem"));
  BOOST_CHECK_EXCEPTION(DtlsCertificate::load_or_create(dir.path()), std::runtime_error, [&](const std::runtime_error& e) {
    return contains(e.what(), cert_path) && contains(e.what(), "does not belong");
  });

  // Removing the files, as the message says, regenerates.
  std::filesystem::remove(key_path);
  std::filesystem::remove(cert_path);
  BOOST_TEST(looks_like_fingerprint(DtlsCertificate::load_or_create(dir.path()).fingerprint_sha256()));
}

// ---------------------------------------------------------------------------
// DTLS.

BOOST_AUTO_TEST_CASE(handshake_connects_and_both_sides_export_the_same_keys) {
  Peers peers;
  // Browsers may write the fingerprint in lower case.
  std::string offered = peers.client_certificate.fingerprint_sha256();
  for (char& c : offered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  DtlsTransport server(peers.server_certificate, offered);
  BOOST_TEST(server.state() == DtlsState::Handshaking);

  const std::vector<Bytes> sent = pump(peers.client, server);
  BOOST_REQUIRE_MESSAGE(server.state() == DtlsState::Connected, server.error());
  BOOST_REQUIRE(peers.client.connected());
  for (const Bytes& datagram : sent) BOOST_TEST(datagram.size() <= DtlsTransport::mtu);

  // The client saw the certificate whose fingerprint the daemon puts in its answer.
  const X509* presented = SSL_get0_peer_certificate(peers.client.ssl());
  BOOST_REQUIRE(presented);
  BOOST_TEST(fingerprint_sha256(*presented) == peers.server_certificate.fingerprint_sha256());
  BOOST_TEST(SSL_get_selected_srtp_profile(peers.client.ssl())->id == SRTP_AES128_CM_SHA1_80);

  BOOST_REQUIRE(server.srtp_keys());
  const SrtpKeys& keys = *server.srtp_keys();
  const Bytes material = peers.client.exported_keying_material();
  const Bytes client_key_salt = concat(Bytes(material.begin(), material.begin() + 16),
                                       Bytes(material.begin() + 32, material.begin() + 46));
  const Bytes server_key_salt = concat(Bytes(material.begin() + 16, material.begin() + 32),
                                       Bytes(material.begin() + 46, material.end()));
  BOOST_TEST(keys.remote_key_salt == client_key_salt, boost::test_tools::per_element());
  BOOST_TEST(keys.local_key_salt == server_key_salt, boost::test_tools::per_element());
  BOOST_TEST(keys.remote_key_salt != keys.local_key_salt);

  // close() tells the client.
  const DtlsOutput closing = server.close();
  BOOST_TEST(closing.state == DtlsState::Closed);
  BOOST_REQUIRE(!closing.datagrams.empty());
  for (const Bytes& datagram : closing.datagrams) peers.client.receive(datagram);
  peers.client.step();
  BOOST_TEST(peers.client.closed());
}

BOOST_AUTO_TEST_CASE(wrong_fingerprint_fails_the_handshake) {
  Peers peers;
  // The offer claimed some other certificate (here: the server's own).
  DtlsTransport server(peers.server_certificate, peers.server_certificate.fingerprint_sha256());
  pump(peers.client, server);
  BOOST_TEST(server.state() == DtlsState::Failed);
  BOOST_TEST(contains(server.error(), "fingerprint mismatch"), server.error());
  BOOST_TEST(contains(server.error(), peers.client_certificate.fingerprint_sha256()), server.error());
  BOOST_TEST(!server.srtp_keys());
  BOOST_TEST(!peers.client.connected());
  // Nothing more happens once failed.
  BOOST_TEST(server.feed(Bytes{22, 0xfe, 0xfd}).datagrams.empty());
  BOOST_TEST(server.state() == DtlsState::Failed);
}

BOOST_AUTO_TEST_CASE(malformed_fingerprint_is_refused_up_front) {
  const DtlsCertificate certificate = DtlsCertificate::generate();
  for (const std::string& bad : std::vector<std::string>{"", "AB:CD", "zz" + certificate.fingerprint_sha256().substr(2),
                                certificate.fingerprint_sha256() + ":00"})
    BOOST_CHECK_THROW(DtlsTransport(certificate, bad), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(garbage_datagrams_do_not_connect_or_crash) {
  Peers peers;
  DtlsTransport server(peers.server_certificate, peers.client_certificate.fingerprint_sha256());
  std::vector<Bytes> garbage = {
      Bytes{},
      Bytes(1, 22),
      Bytes(13, 0),
      Bytes(1500, 0xff),
      Bytes{22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff},          // record header claiming 64 KiB
      Bytes{22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 1, 0, 0, 9},    // truncated ClientHello
      Bytes{23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3},       // application data, epoch 1
  };
  Bytes noise;
  for (int i = 0; i < 1200; ++i) noise.push_back(static_cast<std::uint8_t>((i * 2654435761u) >> 13));
  garbage.push_back(noise);
  for (const Bytes& datagram : garbage) {
    server.feed(datagram);
    BOOST_TEST(server.state() != DtlsState::Connected);
    BOOST_TEST(!server.srtp_keys());
  }
  BOOST_TEST_MESSAGE("after garbage: " << to_string(server.state()) << " " << server.error());
}

BOOST_AUTO_TEST_CASE(lost_flight_is_retransmitted_after_the_timeout) {
  Peers peers;
  DtlsTransport server(peers.server_certificate, peers.client_certificate.fingerprint_sha256());
  BOOST_TEST(!server.next_timeout());
  const DtlsOutput first = server.feed(peers.client.step());  // ClientHello -> server's flight, "lost"
  BOOST_REQUIRE(!first.datagrams.empty());
  const auto wait = server.next_timeout();
  BOOST_REQUIRE(wait);
  std::this_thread::sleep_for(*wait);
  const DtlsOutput again = server.handle_timeout();
  BOOST_TEST(!again.datagrams.empty());
  for (const Bytes& datagram : again.datagrams) BOOST_TEST(datagram.size() <= DtlsTransport::mtu);
  BOOST_TEST(again.state == DtlsState::Handshaking);
  // The retransmitted flight completes the handshake.
  for (const Bytes& datagram : again.datagrams) peers.client.receive(datagram);
  Bytes to_server = peers.client.step();
  for (int round = 0; round < 10 && !to_server.empty(); ++round) {
    const DtlsOutput out = server.feed(to_server);
    for (const Bytes& datagram : out.datagrams) peers.client.receive(datagram);
    to_server = peers.client.step();
  }
  BOOST_TEST(server.state() == DtlsState::Connected, server.error());
  BOOST_TEST(peers.client.connected());
}

// ---------------------------------------------------------------------------
// SRTP, keyed by a real handshake.

BOOST_AUTO_TEST_CASE(srtp_and_srtcp_round_trip_with_a_browser_side) {
  Peers peers;
  DtlsTransport server(peers.server_certificate, peers.client_certificate.fingerprint_sha256());
  pump(peers.client, server);
  BOOST_REQUIRE_MESSAGE(server.state() == DtlsState::Connected, server.error());
  SrtpSession session(*server.srtp_keys());
  const auto browser = browser_srtp(peers.client.exported_keying_material());

  // RTP from the browser.
  const Bytes plain_rtp = rtp_packet(1000);
  const Bytes protected_rtp = protect(browser.outbound.get(), plain_rtp, false);
  BOOST_TEST(protected_rtp.size() == plain_rtp.size() + 10);  // 80-bit tag
  BOOST_TEST(!std::equal(plain_rtp.begin() + 12, plain_rtp.end(), protected_rtp.begin() + 12));

  Bytes tampered = protected_rtp;
  tampered[40] ^= 0x01;
  BOOST_TEST(!session.unprotect_rtp(tampered));
  BOOST_TEST(session.last_error() == "authentication failed");

  Bytes received = protected_rtp;
  const auto unprotected = session.unprotect_rtp(received);
  BOOST_REQUIRE(unprotected);
  BOOST_TEST(Bytes(unprotected->begin(), unprotected->end()) == plain_rtp, boost::test_tools::per_element());
  BOOST_TEST(received == plain_rtp, boost::test_tools::per_element());

  Bytes replayed = protected_rtp;
  BOOST_TEST(!session.unprotect_rtp(replayed));
  BOOST_TEST(session.last_error() == "replayed packet");

  Bytes too_short(5, 0x80);
  BOOST_TEST(!session.unprotect_rtp(too_short));

  // RTCP from the browser.
  const Bytes plain_sr = rtcp_sender_report();
  const Bytes protected_sr = protect(browser.outbound.get(), plain_sr, true);
  BOOST_TEST(protected_sr.size() == plain_sr.size() + 4 + 10);  // E|index, tag
  Bytes tampered_sr = protected_sr;
  tampered_sr[10] ^= 0x80;
  BOOST_TEST(!session.unprotect_rtcp(tampered_sr));
  Bytes received_sr = protected_sr;
  const auto unprotected_sr = session.unprotect_rtcp(received_sr);
  BOOST_REQUIRE(unprotected_sr);
  BOOST_TEST(Bytes(unprotected_sr->begin(), unprotected_sr->end()) == plain_sr, boost::test_tools::per_element());

  // Our RTCP feedback, read by the browser.
  const Bytes plain_feedback = rtcp_receiver_report_and_pli();
  Bytes feedback = plain_feedback;
  BOOST_REQUIRE(session.protect_rtcp(feedback));
  BOOST_TEST(feedback.size() == plain_feedback.size() + 4 + 10);
  int length = static_cast<int>(feedback.size());
  BOOST_REQUIRE(srtp_unprotect_rtcp(browser.inbound.get(), feedback.data(), &length) == srtp_err_status_ok);
  feedback.resize(static_cast<std::size_t>(length));
  BOOST_TEST(feedback == plain_feedback, boost::test_tools::per_element());

  // A packet the browser did not key (protected with our own outbound key) is refused.
  Bytes ours = rtp_packet(2000);
  BOOST_REQUIRE(session.protect_rtp(ours));
  BOOST_TEST(!session.unprotect_rtp(ours));
}

BOOST_AUTO_TEST_CASE(srtp_keys_of_the_wrong_size_are_refused) {
  BOOST_CHECK_THROW(SrtpSession(SrtpKeys{Bytes(16, 1), Bytes(30, 2)}), std::invalid_argument);
}
