// TLS on every listener ([tls] in bvlived.toml): HTTPS playback, RTMPS ingest, the HTTP API
// over HTTPS, the plain port's redirect and HSTS, certificate reload (bvlive reload,
// SIGHUP), and clients that do not speak TLS. Every client trusts the test's own CA
// (ffprobe -ca_file -tls_verify 1, curl --cacert, openssl s_client -CAfile, an OpenSSL
// client in this file that checks the certificate against 127.0.0.1) and never skips
// verification, so what passes here is what a user with a real certificate sees.
#define BOOST_TEST_MODULE tls
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/checks.hpp"
#include "support/http_client.hpp"
#include "support/lives.hpp"
#include "support/media.hpp"
#include "support/process.hpp"
#include "support/test_ca.hpp"

using namespace bvtest;
using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;

Ms since(Clock::time_point t) { return std::chrono::duration_cast<Ms>(Clock::now() - t); }

// The [tls] table for `cert` with these ports (0 = any free one); `more` goes inside [tls].
std::string tls_table(const ServerCert& cert, int https_port = 0, int rtmps_port = 0, const std::string& more = "") {
  return "[tls]\ncertificate = \"" + cert.certificate + "\"\nkey = \"" + cert.key + "\"\nhttps_port = " +
         std::to_string(https_port) + "\nrtmps_port = " + std::to_string(rtmps_port) + "\n" + more;
}

// `rcvbuf` > 0: a small receive buffer, for a reader slower than the server's writes.
int connect_tcp(int port, int rcvbuf = 0) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  if (rcvbuf > 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    const int e = errno;
    ::close(fd);
    throw std::runtime_error("connect 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(e));
  }
  return fd;
}

// A raw TCP client: sends whatever it is given, and tells whether the server closed on it.
struct RawClient {
  int fd;
  explicit RawClient(int port) : fd(connect_tcp(port)) {}
  ~RawClient() { ::close(fd); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;
  void send(const std::string& bytes) const {
    BOOST_TEST_REQUIRE(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size()));
  }
  // True when the server ends the connection (EOF or reset) within `timeout`; what it sent
  // before that goes to `got`.
  bool closed_within(Ms timeout, std::string* got = nullptr) const {
    const auto deadline = Clock::now() + timeout;
    char buf[4096];
    for (;;) {
      const auto left = std::chrono::duration_cast<Ms>(deadline - Clock::now()).count();
      if (left <= 0) return false;
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n == 0) return true;
      if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) continue;
        return true;  // ECONNRESET
      }
      if (got) got->append(buf, static_cast<std::size_t>(n));
    }
  }
};

std::string openssl_errors() {
  std::string out;
  char buf[256];
  while (const unsigned long e = ERR_get_error()) {
    ERR_error_string_n(e, buf, sizeof buf);
    out += (out.empty() ? "" : "; ") + std::string(buf);
  }
  return out.empty() ? "no OpenSSL error" : out;
}

// An HTTPS client made with OpenSSL: one TLS connection to 127.0.0.1:PORT whose certificate
// must chain to `ca_file` and name 127.0.0.1 (as a browser checks it), then any number of
// keep-alive requests on it. Blocking, every read and write bounded by `timeout`. A slow
// reader (`rcvbuf` bytes of socket buffer, a pause before each read) makes the server's
// writes wait for the socket.
class TlsConn {
 public:
  TlsConn(int port, const std::string& ca_file, Ms timeout = 5s, int rcvbuf = 0, Ms read_pause = 0ms)
      : port_(port), read_pause_(read_pause) {
    // A write to a connection the server closed fails with EPIPE instead of killing the test
    // (children get SIGPIPE back: process.cpp spawns them with default signals).
    std::signal(SIGPIPE, SIG_IGN);
    ERR_clear_error();
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (!ctx_) throw std::runtime_error("SSL_CTX_new: " + openssl_errors());
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    if (SSL_CTX_load_verify_locations(ctx_, ca_file.c_str(), nullptr) != 1)
      throw std::runtime_error("cannot load CA " + ca_file + ": " + openssl_errors());
    fd_ = connect_tcp(port, rcvbuf);
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), "127.0.0.1");
    static const unsigned char kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    SSL_set_alpn_protos(ssl_, kAlpn, sizeof kAlpn);
    if (SSL_connect(ssl_) != 1) {
      const long v = SSL_get_verify_result(ssl_);
      error_ = "TLS handshake with 127.0.0.1:" + std::to_string(port) + " failed: " + openssl_errors() +
               (v != X509_V_OK ? std::string(" (verify: ") + X509_verify_cert_error_string(v) + ")" : "");
    }
  }
  ~TlsConn() {
    if (ssl_) SSL_free(ssl_);
    if (fd_ >= 0) ::close(fd_);
    if (ctx_) SSL_CTX_free(ctx_);
  }
  TlsConn(const TlsConn&) = delete;
  TlsConn& operator=(const TlsConn&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  // The CN of the certificate the server presented on this connection.
  std::string peer_cn() const {
    X509* cert = SSL_get1_peer_certificate(ssl_);
    if (!cert) return "";
    char cn[256] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
    X509_free(cert);
    return cn;
  }
  std::string version() const { return SSL_get_version(ssl_); }

  // GET `target` on this connection (keep-alive); throws when the server closes or stalls.
  HttpResponse get(const std::string& target) {
    if (!ok()) throw std::runtime_error(error_);
    const std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port_) + "\r\n\r\n";
    ERR_clear_error();
    if (SSL_write(ssl_, req.data(), static_cast<int>(req.size())) != static_cast<int>(req.size()))
      throw std::runtime_error("HTTPS write of GET " + target + " failed: " + openssl_errors());
    std::size_t head_end;
    while ((head_end = buf_.find("\r\n\r\n")) == std::string::npos) fill("the head of GET " + target);
    HttpResponse r;
    const std::string head = buf_.substr(0, head_end);
    buf_.erase(0, head_end + 4);
    std::size_t line_end = head.find("\r\n");
    const std::string status_line = head.substr(0, line_end);
    if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12)
      throw std::runtime_error("not an HTTP answer: " + status_line);
    r.status = std::stoi(status_line.substr(9, 3));
    std::size_t content_length = 0;
    bool chunked = false;
    while (line_end != std::string::npos) {
      const std::size_t start = line_end + 2;
      line_end = head.find("\r\n", start);
      const std::string line = head.substr(start, line_end == std::string::npos ? std::string::npos : line_end - start);
      const std::size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(value.begin());
      if (name == "content-length") content_length = std::stoul(value);
      if (name == "transfer-encoding" && contains(value, "chunked")) chunked = true;
      r.headers.emplace_back(name, value);
    }
    if (chunked) {
      for (;;) {
        std::size_t eol;
        while ((eol = buf_.find("\r\n")) == std::string::npos) fill("a chunk size");
        const std::size_t size = std::stoul(buf_.substr(0, eol), nullptr, 16);
        while (buf_.size() < eol + 2 + size + 2) fill("a chunk");
        r.body += buf_.substr(eol + 2, size);
        buf_.erase(0, eol + 2 + size + 2);
        if (size == 0) break;
      }
    } else {
      while (buf_.size() < content_length) fill("the body of GET " + target);
      r.body = buf_.substr(0, content_length);
      buf_.erase(0, content_length);
    }
    return r;
  }

 private:
  void fill(const std::string& what) {
    char tmp[16384];
    if (read_pause_ > 0ms) sleep_for(read_pause_);
    ERR_clear_error();
    const int n = SSL_read(ssl_, tmp, sizeof tmp);
    if (n <= 0) {
      const int e = SSL_get_error(ssl_, n);
      throw std::runtime_error("HTTPS read of " + what + " failed (" +
                               (e == SSL_ERROR_ZERO_RETURN ? std::string("closed by the server")
                                : e == SSL_ERROR_SYSCALL   ? std::string("connection closed or timed out")
                                                           : "SSL error " + std::to_string(e)) +
                               "): " + openssl_errors());
    }
    buf_.append(tmp, static_cast<std::size_t>(n));
  }

  int port_;
  Ms read_pause_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
  std::string error_;
  std::string buf_;
};

RunResult curl(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"curl", "-sS", "--max-time", "15"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, with_timeout(20s));
}

// openssl s_client to 127.0.0.1:PORT with extra flags; stdin at EOF, so it connects,
// prints what it negotiated, and leaves.
RunResult s_client(int port, const std::vector<std::string>& flags) {
  std::vector<std::string> argv{"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port)};
  argv.insert(argv.end(), flags.begin(), flags.end());
  return run(argv, with_timeout(15s));
}

struct TlsFixture {
  TempDir dir{"bvlive-tls"};
  TestCa ca{dir / "ca"};
  ServerCert cert = ca.issue("server", "bvlive test 1");
  std::unique_ptr<DaemonProcess> daemon;
  std::unique_ptr<Cli> cli;
  Ports ports;
  std::vector<std::unique_ptr<BackgroundProcess>> encoders;

  // `tls_more` goes inside [tls]; `more` after it (other tables). The URLs the daemon
  // prints name 127.0.0.1, which the certificate is for (not this machine's host name).
  explicit TlsFixture(const std::string& tls_more = "",
                      const std::string& more = "[daemon]\npublic_host = \"127.0.0.1\"\n") {
    daemon = start_daemon(dir, tls_table(cert, 0, 0, tls_more) + more);
    cli = std::make_unique<Cli>(daemon->socket());
    ports = ports_of(*cli);
    BOOST_TEST_REQUIRE(ports.https > 0, "https listener in status:\n" << cli->json({"status"}).dump(2));
    BOOST_TEST_REQUIRE(ports.rtmps > 0, "rtmps listener in status:\n" << cli->json({"status"}).dump(2));
  }

  json status() { return cli->json({"status"}); }
  json tls_status() { return status()["tls"]; }
  std::uint64_t handshake_failures() {
    const json t = tls_status();
    return t.value("handshake_failures", std::uint64_t{0});
  }
  std::string https(const std::string& path) const { return "https://127.0.0.1:" + std::to_string(ports.https) + path; }
  std::string http(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(ports.http) + path; }

  std::string create_live(const std::string& name) {
    RunResult r = cli->run({"--json", "create", "--name", name});
    REQUIRE_EXIT(r, 0);
    return parse_out(r)["live"]["id"].get<std::string>();
  }

  // The CN a new HTTPS connection is shown (the connection must verify).
  std::string new_connection_cn() {
    TlsConn c(ports.https, ca.ca_file());
    BOOST_TEST_REQUIRE(c.ok(), c.error());
    return c.peer_cn();
  }
};

}  // namespace

// 1. An encoder pushes over RTMPS, a viewer plays over HTTPS with the CA; the CLI shows the
// RTMPS URL, the HTTPS URLs, the listeners and the certificate.
BOOST_AUTO_TEST_CASE(rtmps_publish_and_https_playback) {
  TlsFixture f;
  BOOST_TEST(f.ports.https != f.ports.http);
  BOOST_TEST(f.ports.rtmps != f.ports.rtmp);

  // status: the listeners and the certificate.
  const json st = f.status();
  const json& t = st["tls"];
  BOOST_TEST_REQUIRE(t.is_object(), st.dump(2));
  BOOST_TEST(t["certificate"] == f.cert.certificate, t.dump());
  BOOST_TEST(contains(t.value("subject", ""), "CN=bvlive test 1"), t.dump());
  BOOST_TEST(contains(t.value("issuer", ""), "CN=bvlive test CA"), t.dump());
  BOOST_TEST(t["kernel_tls"].is_boolean(), t.dump());
  BOOST_TEST(t["handshakes"].is_number(), t.dump());
  BOOST_TEST(t["handshake_failures"].is_number(), t.dump());
  BOOST_TEST(t["kernel_tls_connections"].is_number(), t.dump());
  const auto not_after = parse_rfc3339(t.value("not_after", ""));
  BOOST_TEST_REQUIRE(not_after.has_value(), t.dump());
  BOOST_TEST(*not_after > now_ms() + 29LL * 86400 * 1000, "issued for 30 days: " << t.dump());
  BOOST_TEST(*not_after < now_ms() + 31LL * 86400 * 1000, "issued for 30 days: " << t.dump());
  const RunResult human = f.cli->run({"status"});
  CHECK_EXIT(human, 0);
  BOOST_TEST(contains(human.out, "https " + std::to_string(f.ports.https)), human.describe());
  BOOST_TEST(contains(human.out, "rtmps " + std::to_string(f.ports.rtmps)), human.describe());
  BOOST_TEST(contains(human.out, "bvlive test 1"), human.describe());

  // A live in PREVIEW: its URLs are the TLS ones.
  const std::string id = f.create_live("TLS show");
  REQUIRE_EXIT(f.cli->run({"preview", id}), 0);
  const json live = live_of(*f.cli, id);
  const json& urls = live["urls"];
  const std::string key = live["stream_key"].get<std::string>();
  const std::string host = "127.0.0.1";
  BOOST_TEST(urls.value("rtmps_server", "") == "rtmps://" + host + ":" + std::to_string(f.ports.rtmps) + "/live",
             urls.dump(2));
  const std::string rtmps_url = urls.value("rtmps", "");
  BOOST_TEST_REQUIRE(rtmps_url == "rtmps://" + host + ":" + std::to_string(f.ports.rtmps) + "/live/" + key,
                     urls.dump(2));
  BOOST_TEST(urls.value("rtmp", "") == "rtmp://" + host + ":" + std::to_string(f.ports.rtmp) + "/live/" + key,
             "plain RTMP stays offered: " << urls.dump(2));
  const std::string playback = urls.value("playback", "");
  BOOST_TEST(playback == f.https("/live/" + id + "/index.m3u8"), urls.dump(2));
  BOOST_TEST(urls.value("player", "") == f.https("/watch/" + id), urls.dump(2));
  BOOST_TEST(urls.value("preview", "").rfind(f.https("/preview/" + id + "/index.m3u8?token="), 0) == 0u, urls.dump(2));
  if (urls.contains("whip")) BOOST_TEST(urls.value("whip", "") == f.https("/whip/" + id), urls.dump(2));
  const RunResult shown = f.cli->run({"show", id});
  CHECK_EXIT(shown, 0);
  BOOST_TEST(contains(shown.out, "rtmps_url"), shown.describe());
  BOOST_TEST(contains(shown.out, rtmps_url), shown.describe());

  // ffmpeg publishes over RTMPS: the session goes LIVE.
  f.encoders.push_back(std::make_unique<BackgroundProcess>(encoder_argv(rtmps_url, "flv"), f.dir / "encoder.log"));
  json sessions;
  const bool live_session = poll_until(
      [&] {
        sessions = f.cli->json({"sessions", id})["sessions"];
        return !sessions.empty() && sessions[0]["state"] == "LIVE";
      },
      30s, 200ms);
  BOOST_TEST_REQUIRE(live_session, "no LIVE session from the RTMPS push; sessions: "
                                       << sessions.dump(2) << "\nencoder log:\n"
                                       << f.encoders.back()->log() << "\ndaemon log:\n"
                                       << f.daemon->log());
  BOOST_TEST(sessions[0].value("remote", "").rfind("127.0.0.1:", 0) == 0u, sessions[0].dump());
  REQUIRE_EXIT(f.cli->run({"start", id}), 0);

  // The public playlist over HTTPS, with segments.
  std::string media_playlist;
  const bool has_segments = poll_until(
      [&] {
        const RunResult r = curl({"--cacert", f.ca.ca_file(), f.https("/live/" + id + "/media.m3u8")});
        media_playlist = r.out + r.err;
        return r.code == 0 && !playlist_uris(r.out).empty();
      },
      30s, 250ms);
  BOOST_TEST_REQUIRE(has_segments, "no segments in the HTTPS media playlist: " << media_playlist << "\ndaemon log:\n"
                                                                               << f.daemon->log());

  // ffprobe plays the playlist over HTTPS, verifying the certificate with the CA.
  const RunResult probe = run({"ffprobe", "-v", "error", "-ca_file", f.ca.ca_file(), "-tls_verify", "1",
                               "-show_streams", "-of", "json", playback},
                              with_timeout(40s));
  BOOST_TEST_REQUIRE(probe.code == 0, probe.describe());
  const json streams = json::parse(probe.out, nullptr, false);
  BOOST_TEST_REQUIRE(!streams.is_discarded(), probe.describe());
  bool video = false;
  for (const auto& s : streams["streams"])
    if (s.value("codec_type", "") == "video") {
      video = true;
      BOOST_TEST(s.value("codec_name", "") == "h264", s.dump());
      BOOST_TEST(s.value("width", 0) == 640, s.dump());
    }
  BOOST_TEST(video, "no video stream over HTTPS: " << probe.describe());
  // A client without the CA refuses the certificate (so the check above did verify it).
  const RunResult untrusted = run({"ffprobe", "-v", "error", "-tls_verify", "1", "-show_streams", "-of", "json",
                                   playback},
                                  with_timeout(30s));
  BOOST_TEST(untrusted.code != 0,
             "ffprobe -tls_verify 1 without the CA accepted the certificate" << untrusted.describe());
  const RunResult curl_untrusted = curl({"-o", "/dev/null", playback});
  BOOST_TEST(curl_untrusted.code == 60, "curl without the CA: " << curl_untrusted.describe());

  // A segment over HTTPS is byte for byte the one over plain HTTP.
  const std::string segment = playlist_uris(media_playlist).front();
  const std::string seg_file = f.dir / "segment.m4s";
  const RunResult got = curl({"--cacert", f.ca.ca_file(), "-o", seg_file, "-w", "%{http_code}",
                              f.https("/live/" + id + "/" + segment)});
  BOOST_TEST_REQUIRE(got.code == 0, got.describe());
  BOOST_TEST(got.out == "200", got.describe());
  const std::string over_tls = read_file(seg_file);
  const HttpReply plain = http_get(f.http("/live/" + id + "/" + segment));
  BOOST_TEST(plain.status == 200, plain.describe());
  BOOST_TEST(over_tls.size() > 10000u, "segment over HTTPS has " << over_tls.size() << " bytes");
  BOOST_TEST((over_tls == plain.body), "segment differs over HTTPS (" << over_tls.size() << " bytes) and HTTP ("
                                                                      << plain.body.size() << " bytes)");
  // A slow reader: the server's TLS writes wait for the socket, and resume with the same bytes.
  try {
    TlsConn slow(f.ports.https, f.ca.ca_file(), 10s, 4096, 2ms);
    BOOST_TEST_REQUIRE(slow.ok(), slow.error());
    for (int i = 0; i < 2; ++i) {  // twice on one connection: the second starts after a file body
      const HttpResponse r = slow.get("/live/" + id + "/" + segment);
      BOOST_TEST(r.status == 200, r.describe());
      BOOST_TEST((r.body == plain.body), "a slowly read segment differs: " << r.body.size() << " bytes, expected "
                                                                           << plain.body.size());
    }
  } catch (const std::exception& e) {
    BOOST_ERROR("a slow HTTPS reader did not get the segment: " << e.what());
  }

  const json after = f.tls_status();
  BOOST_TEST(after.value("handshakes", 0) >= 3, after.dump());
  // Prometheus sees the same counter, and when the certificate runs out.
  const std::string metrics = http_get(f.http("/metrics")).body;
  const std::string ok_line = "bvlive_tls_handshakes_total{result=\"ok\"} ";
  const auto at = metrics.find(ok_line);
  BOOST_TEST_REQUIRE(at != std::string::npos, "no TLS handshake counter in /metrics");
  BOOST_TEST(std::stod(metrics.substr(at + ok_line.size())) >= 3.0);
  BOOST_TEST(contains(metrics, "\nbvlive_tls_certificate_expiry_seconds "), "no certificate expiry in /metrics");
}

// 2. TLS 1.2 and 1.3 are spoken, TLS 1.1 is refused, on HTTPS and on RTMPS.
BOOST_AUTO_TEST_CASE(tls_versions) {
  TlsFixture f;
  const std::vector<std::string> verify = {"-CAfile", f.ca.ca_file(), "-verify_return_error", "-verify_ip",
                                           "127.0.0.1"};
  auto with = [&](std::vector<std::string> flags) {
    flags.insert(flags.end(), verify.begin(), verify.end());
    return flags;
  };
  for (const int port : {f.ports.https, f.ports.rtmps}) {
    BOOST_TEST_CONTEXT("port " << port << (port == f.ports.https ? " (HTTPS)" : " (RTMPS)")) {
      const RunResult v13 = s_client(port, with({"-tls1_3", "-alpn", "http/1.1"}));
      BOOST_TEST(v13.code == 0, v13.describe());
      BOOST_TEST(contains(v13.out, "TLSv1.3"), v13.describe());
      BOOST_TEST(contains(v13.out, "Verify return code: 0 (ok)"), v13.describe());
      if (port == f.ports.https) BOOST_TEST(contains(v13.out, "ALPN protocol: http/1.1"), v13.describe());

      const RunResult v12 = s_client(port, with({"-tls1_2"}));
      BOOST_TEST(v12.code == 0, v12.describe());
      BOOST_TEST(contains(v12.out, "Protocol  : TLSv1.2"), v12.describe());
      BOOST_TEST(contains(v12.out, "Verify return code: 0 (ok)"), v12.describe());

      // OpenSSL 3 clients offer TLS 1.1 only at security level 0: let it offer, so the
      // refusal is the server's.
      const RunResult v11 = s_client(port, with({"-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"}));
      BOOST_TEST(v11.code != 0, "TLS 1.1 was accepted" << v11.describe());
      BOOST_TEST(!contains(v11.out, "BEGIN CERTIFICATE"), "a certificate was sent over TLS 1.1" << v11.describe());
      BOOST_TEST(mentions(v11.err + v11.out, {"protocol version", "unsupported protocol"}),
                 "TLS 1.1 not refused by the server's protocol version" << v11.describe());
    }
  }
}

// 3. A certificate swapped under open connections: they keep working with theirs, new ones
// get the new one; a broken file keeps the running certificate; SIGHUP reloads too.
BOOST_AUTO_TEST_CASE(certificate_reload_keeps_open_connections) {
  TlsFixture f;
  TlsConn viewer(f.ports.https, f.ca.ca_file());
  BOOST_TEST_REQUIRE(viewer.ok(), viewer.error());
  BOOST_TEST(viewer.peer_cn() == "bvlive test 1");
  const HttpResponse first = viewer.get("/healthz");
  BOOST_TEST(first.status == 200, first.describe());
  BOOST_TEST(first.header("strict-transport-security").empty(), "HSTS without hsts_max_age: " << first.describe());

  // New certificate files in place of the old ones, then `bvlive reload`.
  const ServerCert second = f.ca.issue("server2", "bvlive test 2");
  const std::string cert1_pem = read_file(f.cert.certificate);
  const std::string cert1_key = read_file(f.cert.key);
  write_file(f.cert.certificate, read_file(second.certificate));
  write_file(f.cert.key, read_file(second.key));
  const json reloaded = f.cli->json({"reload"});
  BOOST_TEST_REQUIRE(reloaded["tls"].is_object(), reloaded.dump(2));
  BOOST_TEST(reloaded["tls"].value("reloaded", false) == true, reloaded.dump(2));
  BOOST_TEST(contains(reloaded["tls"].value("subject", ""), "CN=bvlive test 2"), reloaded.dump(2));
  BOOST_TEST(parse_rfc3339(reloaded["tls"].value("not_after", "")).has_value(), reloaded.dump(2));
  BOOST_TEST(!contains(reloaded.value("restart_needed_for", json::array()).dump(), "tls"),
             "a new certificate needs no restart: " << reloaded.dump(2));

  // The open connection goes on, with the certificate it started with.
  try {
    const HttpResponse again = viewer.get("/healthz");
    BOOST_TEST(again.status == 200, again.describe());
  } catch (const std::exception& e) {
    BOOST_ERROR("the keep-alive connection opened before the reload broke: " << e.what());
  }
  BOOST_TEST(viewer.peer_cn() == "bvlive test 1");
  // A new connection is shown the new certificate, and it verifies.
  BOOST_TEST(f.new_connection_cn() == "bvlive test 2");
  BOOST_TEST(contains(f.tls_status().value("subject", ""), "CN=bvlive test 2"), f.tls_status().dump());
  const RunResult curl_new = curl({"--cacert", f.ca.ca_file(), "-w", " %{http_code}", f.https("/healthz")});
  BOOST_TEST(curl_new.code == 0, curl_new.describe());
  BOOST_TEST(contains(curl_new.out, " 200"), curl_new.describe());

  // A broken certificate file: the reload says so, the running certificate stays.
  write_file(f.cert.certificate, "this is not a certificate\n");
  const RunResult bad_run = f.cli->run({"--json", "reload"});
  BOOST_TEST_REQUIRE(bad_run.code == 0, "a bad certificate file refuses only the certificate" << bad_run.describe());
  const json bad = parse_out(bad_run);
  BOOST_TEST_REQUIRE(bad["tls"].is_object(), bad.dump(2));
  BOOST_TEST(bad["tls"].value("reloaded", true) == false, bad.dump(2));
  BOOST_TEST(contains(bad["tls"].value("error", ""), f.cert.certificate), "the error names the file: " << bad.dump(2));
  const RunResult bad_human = f.cli->run({"reload"});
  BOOST_TEST(contains(bad_human.out + bad_human.err, "NOT reloaded"), bad_human.describe());
  BOOST_TEST(f.new_connection_cn() == "bvlive test 2");
  BOOST_TEST(contains(f.tls_status().value("subject", ""), "CN=bvlive test 2"), f.tls_status().dump());
  try {
    BOOST_TEST(viewer.get("/healthz").status == 200);
  } catch (const std::exception& e) {
    BOOST_ERROR("the keep-alive connection broke after a refused reload: " << e.what());
  }

  // A certificate file gone (a renewal half done): the running certificate stays too, whether
  // the reload is refused as a whole or only the certificate is.
  ::unlink(f.cert.certificate.c_str());
  const RunResult gone = f.cli->run({"--json", "reload"});
  if (gone.code == 0) {
    const json g = parse_out(gone);
    BOOST_TEST(g["tls"].value("reloaded", true) == false, g.dump(2));
  } else {
    BOOST_TEST(contains(gone.out + gone.err, f.cert.certificate), "the refusal names the file" << gone.describe());
  }
  BOOST_TEST(f.new_connection_cn() == "bvlive test 2");

  // SIGHUP reloads the files as well.
  write_file(f.cert.certificate, cert1_pem);
  write_file(f.cert.key, cert1_key);
  BOOST_TEST_REQUIRE(f.daemon->signal(SIGHUP));
  std::string cn;
  BOOST_TEST(poll_until(
                 [&] {
                   cn = f.new_connection_cn();
                   return cn == "bvlive test 1";
                 },
                 10s, 200ms),
             "after SIGHUP new connections still get " << cn << "\ndaemon log:\n"
                                                       << f.daemon->log());
}

// 4. Clients that stall or do not speak TLS cost nothing to the others, and are dropped.
BOOST_AUTO_TEST_CASE(garbage_and_stalled_handshakes) {
  TlsFixture f;
  const std::uint64_t failures_before = f.handshake_failures();

  const auto stall_start = Clock::now();
  RawClient staller(f.ports.https);  // connects, never says anything
  // A client that finishes its handshake, then waits before its first request (a browser's
  // preconnect): [http] idle_timeout (30 s by default) applies to it, not the handshake's 10 s.
  TlsConn preconnected(f.ports.https, f.ca.ca_file());
  BOOST_TEST_REQUIRE(preconnected.ok(), preconnected.error());

  RawClient plain(f.ports.https);
  plain.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  RawClient bad_hello(f.ports.https);  // a TLS record header, then junk
  std::mt19937 rng(42);
  std::string junk;
  for (int i = 0; i < 600; ++i) junk.push_back(static_cast<char>(rng() & 0xff));
  bad_hello.send(std::string("\x16\x03\x01\x02\x00", 5) + junk);
  RawClient random_bytes(f.ports.https);
  random_bytes.send(std::string("\x00\x01\x02", 3) + junk);

  // Meanwhile a real client is served at once.
  const auto good_start = Clock::now();
  {
    TlsConn good(f.ports.https, f.ca.ca_file());
    BOOST_TEST_REQUIRE(good.ok(), good.error());
    const HttpResponse r = good.get("/healthz");
    BOOST_TEST(r.status == 200, r.describe());
  }
  BOOST_TEST(since(good_start) < Ms(2000), "an HTTPS request took " << since(good_start).count()
                                                                    << " ms beside stalled and garbage clients");

  std::string plain_got;
  BOOST_TEST(plain.closed_within(5s, &plain_got), "plain HTTP on the HTTPS port was not closed");
  BOOST_TEST(plain_got.rfind("HTTP/", 0) != 0u, "plain HTTP on the HTTPS port got a plain answer: " << plain_got);
  BOOST_TEST(bad_hello.closed_within(5s), "a junk ClientHello was not closed");
  BOOST_TEST(random_bytes.closed_within(5s), "random bytes were not closed");
  std::uint64_t failures = 0;
  BOOST_TEST(poll_until(
                 [&] {
                   failures = f.handshake_failures();
                   return failures >= failures_before + 3;
                 },
                 5s),
             "handshake_failures went from " << failures_before << " to " << failures << "; expected +3");

  // RTMPS: a plain RTMP handshake is dropped as well.
  if (f.ports.rtmps > 0) {
    RawClient rtmp_plain(f.ports.rtmps);
    rtmp_plain.send(std::string("\x03", 1) + std::string(1536, '\0'));
    std::string rtmp_got;
    BOOST_TEST(rtmp_plain.closed_within(5s, &rtmp_got), "plain RTMP on the RTMPS port was not closed");
    BOOST_TEST(rtmp_got.find('\x03') != 0u, "plain RTMP on the RTMPS port got an RTMP answer");
  }

  // The staller is dropped when its 10 s are up, not before (a slow client may need some).
  BOOST_TEST(!staller.closed_within(Ms(7000) - since(stall_start)), "a silent client was dropped before 7 s");
  BOOST_TEST(staller.closed_within(14s - since(stall_start)), "a silent client still open after 14 s");
  const Ms dropped_after = since(stall_start);
  BOOST_TEST(dropped_after >= Ms(9000), "silent client dropped after " << dropped_after.count() << " ms");
  BOOST_TEST(poll_until([&] { return f.handshake_failures() >= failures + 1; }, 5s),
             "a handshake timeout is not counted in handshake_failures");

  // The preconnected client has been idle about 10.5 s: well within the idle timeout.
  sleep_for(Ms(500));
  try {
    const HttpResponse late = preconnected.get("/healthz");
    BOOST_TEST(late.status == 200, late.describe());
  } catch (const std::exception& e) {
    BOOST_ERROR("a TLS connection idle for " << since(stall_start).count()
                                             << " ms after its handshake was closed, though [http] idle_timeout "
                                                "is 30 s (the 10 s handshake deadline must end with the handshake): "
                                             << e.what());
  }
}

// 5. The plain port sends viewers to HTTPS (monitoring excepted); HTTPS answers carry HSTS.
BOOST_AUTO_TEST_CASE(redirect_http_and_hsts) {
  TlsFixture f("redirect_http = true\nhsts_max_age = 600\n");
  const std::string id = f.create_live("Redirected");
  const std::string target = "/live/" + id + "/index.m3u8";

  const HttpReply moved = http_get(f.http(target));
  BOOST_TEST(moved.status == 308, moved.describe());
  BOOST_TEST(moved.headers.count("location") == 1u, moved.describe());
  if (moved.headers.count("location"))
    BOOST_TEST(moved.headers.at("location") == f.https(target), moved.describe());
  BOOST_TEST(moved.headers.count("strict-transport-security") == 0u, "HSTS over plain HTTP" << moved.describe());
  const HttpReply with_query = http_get(f.http(target + "?token=abc"));
  BOOST_TEST(with_query.status == 308, with_query.describe());
  if (with_query.headers.count("location"))
    BOOST_TEST(with_query.headers.at("location") == f.https(target + "?token=abc"), with_query.describe());

  // Monitoring stays on the plain port.
  const HttpReply health = http_get(f.http("/healthz"));
  BOOST_TEST(health.status == 200, health.describe());
  const HttpReply metrics = http_get(f.http("/metrics"));
  BOOST_TEST(metrics.status == 200, metrics.describe());

  // HTTPS answers, errors included, carry Strict-Transport-Security.
  TlsConn c(f.ports.https, f.ca.ca_file());
  BOOST_TEST_REQUIRE(c.ok(), c.error());
  const HttpResponse h = c.get("/healthz");
  BOOST_TEST(h.status == 200, h.describe());
  BOOST_TEST(h.header("strict-transport-security") == "max-age=600", h.describe());
  const HttpResponse not_started = c.get(target);
  BOOST_TEST(not_started.status == 404, not_started.describe());
  BOOST_TEST(not_started.header("strict-transport-security") == "max-age=600", not_started.describe());

  // A client following the redirect ends on HTTPS, with the certificate verified.
  const RunResult follow = curl({"--cacert", f.ca.ca_file(), "-L", "-o", "/dev/null", "-w",
                                 "%{http_code} %{num_redirects} %{url_effective}", f.http(target)});
  BOOST_TEST(follow.code == 0, follow.describe());
  BOOST_TEST(follow.out == "404 1 " + f.https(target), follow.describe());
}

// 6. [tls] api = true: the HTTP API speaks HTTPS, which allows a non-loopback [api] listen.
BOOST_AUTO_TEST_CASE(api_over_https) {
  TempDir dir{"bvlive-tls-api"};
  TestCa ca(dir / "ca");
  const ServerCert cert = ca.issue("server", "bvlive test 1");
  const std::string api_remote = "[api]\nlisten = \"0.0.0.0\"\n";

  // Without tls.api the remote listen address is refused, and the message says what to do.
  const std::string refused = dir / "refused.toml";
  write_file(refused, tls_table(cert) + api_remote);
  const RunResult no = run({BVLIVED_BIN, "--config", refused, "--check-config"});
  BOOST_TEST(no.code == 78, no.describe());
  BOOST_TEST(contains(no.err, "api.listen"), no.describe());
  BOOST_TEST(contains(no.err, "tls.api"), no.describe());
  const std::string config = tls_table(cert, 0, 0, "api = true\n") + api_remote;
  write_file(dir / "accepted.toml", config);
  const RunResult yes = run({BVLIVED_BIN, "--config", dir / "accepted.toml", "--check-config"});
  BOOST_TEST(yes.code == 0, yes.describe());

  auto daemon = start_daemon(dir, config);
  Cli cli(daemon->socket());
  const int port = ports_of(cli).api;
  BOOST_TEST_REQUIRE(port > 0);
  const RunResult made = cli.run({"-q", "apikey", "create", "--name", "reader", "--scope", "read"});
  REQUIRE_EXIT(made, 0);
  const std::string key = first_line(made.out);
  BOOST_TEST_REQUIRE(key.rfind("bvk_", 0) == 0u, made.describe());
  const std::string url = "https://127.0.0.1:" + std::to_string(port) + "/bv/cms/v1/lives";

  const RunResult listed = curl({"--cacert", ca.ca_file(), "-H", "Authorization: Bearer " + key, "-w",
                                 "\n%{http_code}", url});
  BOOST_TEST_REQUIRE(listed.code == 0, listed.describe());
  const std::string code = listed.out.substr(listed.out.rfind('\n') + 1);
  BOOST_TEST(code == "200", listed.describe());
  const json body = json::parse(listed.out.substr(0, listed.out.rfind('\n')), nullptr, false);
  BOOST_TEST((!body.is_discarded() && body["lives"].is_array()), listed.describe());
  const RunResult anonymous = curl({"--cacert", ca.ca_file(), "-o", "/dev/null", "-w", "%{http_code}", url});
  BOOST_TEST(anonymous.out == "401", anonymous.describe());
  // No plain HTTP on that port (a key sent there in the clear is never answered).
  bool plain_answered = false;
  try {
    HttpRequest req;
    req.target = "/bv/cms/v1/lives";
    req.headers.emplace_back("Authorization", "Bearer " + key);
    req.timeout = 5s;
    plain_answered = http_exchange(port, req).status > 0;
  } catch (const std::exception&) {
  }
  BOOST_TEST(!plain_answered, "the API answered plain HTTP with tls.api = true");
  const RunResult untrusted = curl({"-o", "/dev/null", url});
  BOOST_TEST(untrusted.code == 60, "curl without the CA: " << untrusted.describe());
}

// 7. Certificate and key files that cannot serve: --check-config and the start say which, exit 78.
BOOST_AUTO_TEST_CASE(bad_certificate_files) {
  TempDir dir{"bvlive-tls-bad"};
  TestCa ca(dir / "ca");
  const ServerCert one = ca.issue("one", "bvlive test 1");
  const ServerCert two = ca.issue("two", "bvlive test 2");
  auto check = [&](const std::string& name, const std::string& text) {
    const std::string file = dir / (name + ".toml");
    write_file(file, text);
    return run({BVLIVED_BIN, "--config", file, "--check-config"}, with_timeout(20s));
  };

  const RunResult good = check("good", tls_table(one));
  BOOST_TEST(good.code == 0, good.describe());

  ServerCert mismatched = one;
  mismatched.key = two.key;
  const RunResult wrong_key = check("wrong_key", tls_table(mismatched));
  BOOST_TEST(wrong_key.code == 78, wrong_key.describe());
  BOOST_TEST(contains(wrong_key.err, two.key), "the message names the key" << wrong_key.describe());
  BOOST_TEST(mentions(wrong_key.err, {"not the key", "does not match", "mismatch"}), wrong_key.describe());

  ServerCert missing = one;
  missing.certificate = dir / "missing.pem";
  const RunResult no_file = check("missing", tls_table(missing));
  BOOST_TEST(no_file.code == 78, no_file.describe());
  BOOST_TEST(contains(no_file.err, dir / "missing.pem"), "the message names the file" << no_file.describe());

  ServerCert missing_key = one;
  missing_key.key = dir / "missing.key";
  const RunResult no_key_file = check("missing_key", tls_table(missing_key));
  BOOST_TEST(no_key_file.code == 78, no_key_file.describe());
  BOOST_TEST(contains(no_key_file.err, dir / "missing.key"),
             "a key file that does not exist is named" << no_key_file.describe());

  const RunResult cert_only = check("cert_only", "[tls]\ncertificate = \"" + one.certificate + "\"\n");
  BOOST_TEST(cert_only.code == 78, cert_only.describe());
  BOOST_TEST(mentions(cert_only.err, {"no key"}), cert_only.describe());

  write_file(dir / "garbage.pem", "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n");
  ServerCert garbage = one;
  garbage.certificate = dir / "garbage.pem";
  const RunResult bad_pem = check("garbage", tls_table(garbage));
  BOOST_TEST(bad_pem.code == 78, bad_pem.describe());
  BOOST_TEST(contains(bad_pem.err, dir / "garbage.pem"), bad_pem.describe());

  // The daemon itself refuses to start the same way.
  write_file(dir / "start.toml", tls_table(mismatched));
  const RunResult start = run({BVLIVED_BIN, "--config", dir / "start.toml", "--socket", dir / "bvlived.sock",
                               "--state-dir", dir / "state", "--listen", "127.0.0.1", "--rtmp-port", "0",
                               "--srt-port", "0", "--http-port", "0", "--api-port", "0", "--webrtc-port", "0"},
                              with_timeout(30s));
  BOOST_TEST(start.code == 78, start.describe());
  BOOST_TEST(contains(start.err, two.key), start.describe());
}
