// bench_https: what serving segments over HTTPS costs bvlived, side by side with nginx serving
// the same files with the same certificate, one worker each, loopback only, one load generator.
//
//   1. A certificate: `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256` for
//      127.0.0.1 (subjectAltName IP:127.0.0.1), self-signed, in the work directory.
//   2. bvlived with [tls] (that certificate, https_port a free loopback port found by a bind
//      probe: 0 there means "no HTTPS"), a `--broadcast-mode dvr` live taken to LIVE (preview,
//      start) and pushed over RTMP by ffmpeg for a few seconds: testsrc2 1280x720 30 fps, x264
//      ultrafast CBR with a 2 s GOP plus 128 kb/s AAC, about 2.5 Mb/s in all, so that a 2 s
//      segment is about 625 KB. The push ends before anything is measured (no ingest CPU in the
//      figures); a DVR live keeps its segments. From the media playlist: the second segment
//      (a whole 2 s one) and the init segment (the small file, about 1 KB: a static file served
//      by the same code path as segments, where a playlist would be rendered, not read).
//   3. nginx (Debian's nginx-light, `worker_processes 1`, sendfile on, ssl on with the same
//      certificate and key, TLS 1.2 and 1.3, `ssl_session_cache shared:SSL:10m`, tickets on,
//      `ssl_conf_command Options KTLS` as bvlived asks OpenSSL for kernel TLS) serving copies of
//      the same two files at the same paths.
//   4. The load generator: this process, one epoll loop per client thread (default 1), its own
//      non-blocking OpenSSL client (TLS 1.3 only; suites offered in a browser's order, AES-128-GCM
//      first; ALPN http/1.1; no certificate check in the loop, the certificate is checked once
//      per server before it; read-ahead on). Each case runs a warm-up, then a fixed window:
//        - N keep-alive connections (default 16 and 64), each sending the next GET as soon as
//          the previous answer is whole (no pipelining), for the segment and the small file;
//        - H connections (default 16) each doing one full handshake, one GET with
//          `Connection: close`, close_notify and close, then again: no session resumption (the
//          client keeps no session, offers no ticket), for both files.
//      Per case: requests/s, MB/s of body, latency (request written to last byte read; for a new
//      connection per request, from connect() to last byte) p50/p99, and the server's CPU time
//      (utime + stime of /proc/PID/stat, all threads; nginx: master and worker) per 1000
//      requests, as well as how busy the server and the client were. Each case runs against
//      bvlived, then nginx, so both see the same machine.
//
// Where the kernel has no TLS module (tcp_available_ulp without "tls") neither server can use
// kernel TLS: both read the file into user space and encrypt it there (bvlived: pread 256 KiB +
// SSL_write; nginx: its output buffers + SSL_write), and the bench says so.
//
// Benchmarks report, they never fail on timing: exit 0 when the figures are printed, 1 when
// something broke (a server did not start, an answer is not 200 or not the file), 2 on bad usage.
//
// Run: share/scripts/bench.sh --only bench_https [--quick] [--seconds S] [--connections 16,64]
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "../common/bench_files.hpp"
#include "../common/bench_http.hpp"
#include "../common/bench_options.hpp"
#include "../common/bench_process.hpp"
#include "../common/bench_report.hpp"
#include "../common/bench_run.hpp"
#include "../common/nginx_rtmp.hpp"

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using bvbench::Broken;
using bvbench::check_signal;
using bvbench::Daemon;
using bvbench::Fd;
using bvbench::fmt;
using bvbench::HttpConnection;
using bvbench::HttpResponse;
using bvbench::loadavg;
using bvbench::ms_between;
using bvbench::Stats;
using bvbench::stats_of;
using bvbench::trimmed;

constexpr const char* kName = "bench_https";

// ---------------------------------------------------------------- options

struct Options : bvbench::RunOptions {
  std::vector<int> connections{16, 64};  // keep-alive connections per case
  int handshake_connections = 16;        // connections under way at once, one request each
  int seconds = 4;                       // measured window per case and server
  int warmup_ms = 1000;                  // before it, not counted (keep-alive: the handshakes)
  int client_threads = 1;                // epoll loops of the load generator
  int push_seconds = 7;                  // media pushed to make the segments
  std::string ffmpeg = "ffmpeg";
  std::string nginx = "/usr/sbin/nginx";
  std::string openssl = "openssl";
};

void print_help() {
  std::cout <<
      "usage: bench_https [options]\n"
      "  --quick              smoke run: 16 connections, 1 s per case\n"
      "  --connections LIST   keep-alive connections per case, comma-separated (default 16,64)\n"
      "  --handshakes N       connections under way at once for the new-connection-per-request\n"
      "                       cases (full TLS handshake each; default 16)\n"
      "  --seconds S          measured window per case and server (default 4)\n"
      "  --warmup-ms MS       untimed run before each window (default 1000)\n"
      "  --client-threads N   epoll loops of the load generator (default 1)\n"
      "  --push-seconds S     seconds of test pattern pushed to make the segments (default 7)\n"
      "  --dir DIR            make the temporary work directory under DIR (default $TMPDIR or /tmp)\n"
      "  --bvlived PATH       daemon binary (default: the one built with this benchmark)\n"
      "  --bvlive PATH        CLI binary (default: the one built with this benchmark)\n"
      "  --ffmpeg PATH        the encoder that makes the segments (default: ffmpeg from PATH)\n"
      "  --nginx PATH         the peer (default /usr/sbin/nginx, nginx-light)\n"
      "  --openssl PATH       makes the certificate (default: openssl from PATH)\n"
      "  --keep               keep the work directory (certificate, logs, files) afterwards\n"
      "Exit status: 0 figures printed, 1 something broke (a server, an answer), 2 usage.\n";
}

std::vector<int> parse_list(const char* v, const char* flag) {
  std::vector<int> out;
  std::stringstream in(v);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(bvbench::parse_positive(kName, flag, item.c_str(), 2000));
  if (out.empty()) bvbench::usage_error(kName, std::string(flag) + " needs at least one number");
  return out;
}

Options parse_args(int argc, char** argv) {
  Options o;
  bvbench::OptionTable(kName, print_help)
      .preset("--quick",
              [&] {
                o.connections = {16};
                o.seconds = 1;
                o.warmup_ms = 300;
              })
      .value("--connections", [&](const char* v) { o.connections = parse_list(v, "--connections"); })
      .number("--handshakes", o.handshake_connections, 2000)
      .number("--seconds", o.seconds, 3600)
      .number("--warmup-ms", o.warmup_ms, 600000)
      .number("--client-threads", o.client_threads, 64)
      .number("--push-seconds", o.push_seconds, 600)
      .text("--ffmpeg", o.ffmpeg, true)
      .text("--nginx", o.nginx, true)
      .text("--openssl", o.openssl, true)
      .run_options(o)
      .parse(argc, argv);
  if (o.push_seconds < 5) bvbench::usage_error(kName, "--push-seconds: at least 5 (two whole 2 s segments)");
  return o;
}

// ---------------------------------------------------------------- the machine

// /proc/sys/net/ipv4/tcp_available_ulp: "tls" when the kernel can do TLS (kTLS).
std::string available_ulp() {
  return trimmed(bvbench::read_file("/proc/sys/net/ipv4/tcp_available_ulp"));
}
bool kernel_tls() {
  std::stringstream in(available_ulp());
  std::string w;
  while (in >> w)
    if (w == "tls") return true;
  return false;
}

// This process's CPU time (all its threads: the load generator), in ns.
std::int64_t self_cpu_ns() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto ns = [](const timeval& t) { return std::int64_t{t.tv_sec} * 1000000000 + std::int64_t{t.tv_usec} * 1000; };
  return ns(u.ru_utime) + ns(u.ru_stime);
}

// ---------------------------------------------------------------- TLS

std::string ssl_error_text() {
  std::string out;
  while (const unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    out += (out.empty() ? "" : "; ") + std::string(buf);
  }
  return out.empty() ? "no OpenSSL error queued" : out;
}

using SslCtx = std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)>;
using Ssl = std::unique_ptr<SSL, decltype(&SSL_free)>;

// The client side: TLS 1.3 only, the suites in a browser's order (AES-128-GCM first; neither
// server prefers its own order, so both pick it), ALPN http/1.1, no session kept (every
// handshake is a full one). `ca`: check the server's certificate against it, for 127.0.0.1.
SslCtx client_context(const std::string& ca) {
  SslCtx ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  if (!ctx) throw Broken("SSL_CTX_new: " + ssl_error_text());
  SSL_CTX* c = ctx.get();
  SSL_CTX_set_min_proto_version(c, TLS1_3_VERSION);
  SSL_CTX_set_max_proto_version(c, TLS1_3_VERSION);
  if (SSL_CTX_set_ciphersuites(c, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256") != 1)
    throw Broken("SSL_CTX_set_ciphersuites: " + ssl_error_text());
  SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
  static const unsigned char kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_CTX_set_alpn_protos(c, kAlpn, sizeof kAlpn);
  // Fewer, larger reads of the socket: the client's cost is not what is measured.
  SSL_CTX_set_read_ahead(c, 1);
  SSL_CTX_set_default_read_buffer_len(c, 64 * 1024);
  if (!ca.empty()) {
    if (SSL_CTX_load_verify_locations(c, ca.c_str(), nullptr) != 1)
      throw Broken("cannot load " + ca + " as a CA: " + ssl_error_text());
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER, nullptr);
    X509_VERIFY_PARAM_set1_ip_asc(SSL_CTX_get0_param(c), "127.0.0.1");
  } else {
    SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);
  }
  return ctx;
}

// The bench's GET; with `close`, the server closes the connection after the answer.
std::string request_for(int port, const std::string& target, bool close) {
  return bvbench::get_request(port, target, close ? "User-Agent: bench_https\r\nConnection: close\r\n"
                                                  : "User-Agent: bench_https\r\n");
}

// One GET over a fresh TLS connection (blocking, every wait at most 10 s), the certificate
// checked, the body kept: the check that a server serves the file, and what it negotiated.
struct Fetched {
  int status = 0;
  std::string status_line, head, body;
  std::string version, cipher, group, alpn;
};

Fetched fetch_once(SSL_CTX* ctx, int port, const std::string& target, const std::string& peer) {
  Fd fd = bvbench::connect_loopback(port, true);
  const timeval tv{10, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  Ssl ssl(SSL_new(ctx), SSL_free);
  if (!ssl || SSL_set_fd(ssl.get(), fd.get()) != 1) throw Broken("SSL_new: " + ssl_error_text());
  ERR_clear_error();
  if (SSL_connect(ssl.get()) != 1) {
    const long v = SSL_get_verify_result(ssl.get());
    throw Broken(peer + ": TLS handshake failed: " + ssl_error_text() +
                 (v != X509_V_OK ? std::string(" (certificate: ") + X509_verify_cert_error_string(v) + ")" : ""));
  }
  Fetched f;
  f.version = SSL_get_version(ssl.get());
  f.cipher = SSL_CIPHER_get_name(SSL_get_current_cipher(ssl.get()));
  const int group = SSL_get_negotiated_group(ssl.get());
  const char* gname = group ? SSL_group_to_name(ssl.get(), group) : nullptr;
  f.group = gname ? gname : "?";
  const unsigned char* alpn = nullptr;
  unsigned alpn_len = 0;
  SSL_get0_alpn_selected(ssl.get(), &alpn, &alpn_len);
  f.alpn = alpn_len ? std::string(reinterpret_cast<const char*>(alpn), alpn_len) : "none";
  const std::string req = request_for(port, target, true);
  if (SSL_write(ssl.get(), req.data(), static_cast<int>(req.size())) != static_cast<int>(req.size()))
    throw Broken(peer + ": TLS write failed: " + ssl_error_text());
  // The answer, framed as bvbench::take_response frames it; its head kept for its size.
  std::string buf;
  HttpResponse r;
  bool eof = false;
  while (!bvbench::take_response(buf, r, true, eof)) {
    if (eof)
      throw Broken(peer + ": no whole answer to GET " + target + " over TLS (" + std::to_string(buf.size()) +
                   " bytes read: " + ssl_error_text() + ")");
    char chunk[16384];
    const int n = SSL_read(ssl.get(), chunk, sizeof chunk);
    if (n <= 0) eof = true;
    else buf.append(chunk, static_cast<std::size_t>(n));
    const auto end = buf.find("\r\n\r\n");
    if (f.head.empty() && end != std::string::npos) f.head = buf.substr(0, end + 2);
  }
  f.status = r.status;
  f.status_line = std::move(r.status_line);
  f.body = std::move(r.body);
  SSL_shutdown(ssl.get());
  return f;
}

// ---------------------------------------------------------------- the load generator

enum class Mode { KeepAlive, NewConnection };

struct Load {
  std::string peer;           // "bvlived", "nginx"
  int port = 0;
  std::string target;
  std::size_t body_bytes = 0;  // every answer must be 200 with this Content-Length
  Mode mode = Mode::KeepAlive;
  int connections = 0;
  int threads = 1;
  std::vector<pid_t> server;  // its processes, for the CPU time
};

struct LoadResult {
  std::string peer;
  std::size_t requests = 0;   // answers whole within the window
  double bytes = 0;           // their bodies
  double seconds = 0, per_s = 0, mb_s = 0;
  Stats latency;              // ms
  double server_cpu_ms = 0, client_cpu_ms = 0;
  double cpu_per_1000 = 0;    // the server's ms per 1000 requests
  double server_busy = 0, client_busy = 0;  // CPU time / wall time
};

// The window every thread of one case counts in: answers whole in [warm_end, end).
struct Window {
  Clock::time_point warm_end, end;
  std::atomic<bool> abort{false};
};

// One epoll loop driving `count` TLS connections of a Load.
class Worker {
 public:
  Worker(SSL_CTX* ctx, const Load& load, int count, Window& w)
      : ctx_(ctx), load_(load), w_(w), conns_(static_cast<std::size_t>(count)),
        request_(request_for(load.port, load.target, load.mode == Mode::NewConnection)) {}

  void run() {
    try {
      loop();
    } catch (...) {
      w_.abort = true;
      error_ = std::current_exception();
    }
    for (auto& c : conns_) close(c);
  }

  std::exception_ptr error() const { return error_; }
  std::vector<double>& samples() { return samples_; }
  std::size_t requests() const { return requests_; }
  double bytes() const { return bytes_; }

 private:
  enum class St { Closed, Connecting, Handshake, Sending, Reading, Done };
  struct Conn {
    Fd fd;
    Ssl ssl{nullptr, SSL_free};
    St st = St::Closed;
    std::string head;
    bool in_body = false;
    std::size_t body_got = 0;
    Clock::time_point start, progress;
  };

  void loop() {
    samples_.reserve(1 << 16);
    for (std::size_t i = 0; i < conns_.size(); ++i) open(i);
    std::vector<epoll_event> ready(conns_.size() + 1);
    auto last_check = Clock::now();
    for (;;) {
      if (w_.abort) return;
      if (bvbench::g_signal) {
        w_.abort = true;
        return;
      }
      const int n = ep_.wait(ready, 50);
      for (int i = 0; i < n; ++i) {
        const auto& e = ready[static_cast<std::size_t>(i)];
        drive(e.data.u64, e.events);
      }
      const auto now = Clock::now();
      if (now >= w_.end) {
        bool all_done = true;
        for (auto& c : conns_) all_done = all_done && (c.st == St::Done || c.st == St::Closed);
        if (all_done) return;
        if (now - w_.end > std::chrono::seconds(10))
          throw Broken(load_.peer + ": answers still outstanding 10 s after the window ended");
      }
      if (now - last_check > std::chrono::milliseconds(200)) {
        last_check = now;
        for (auto& c : conns_)
          if (c.st != St::Done && c.st != St::Closed && now - c.progress > std::chrono::seconds(10))
            throw Broken(load_.peer + ": a connection made no progress for 10 s (" + state_name(c.st) + ")");
      }
    }
  }

  static const char* state_name(St s) {
    switch (s) {
      case St::Closed: return "closed";
      case St::Connecting: return "connecting";
      case St::Handshake: return "in the TLS handshake";
      case St::Sending: return "sending the request";
      case St::Reading: return "reading the answer";
      case St::Done: return "done";
    }
    return "?";
  }

  void open(std::size_t i) {
    Conn& c = conns_[i];
    c.fd = bvbench::connect_loopback(load_.port, false);
    c.st = St::Connecting;
    c.start = c.progress = Clock::now();
    ep_.add(c.fd.get(), EPOLLIN | EPOLLOUT | EPOLLET, i);
  }

  void close(Conn& c) {
    if (c.fd) ep_.remove(c.fd.get());
    if (c.ssl && SSL_is_init_finished(c.ssl.get())) {
      ERR_clear_error();
      SSL_shutdown(c.ssl.get());  // close_notify, never waited for
    }
    ERR_clear_error();
    c.ssl.reset();
    c.fd.reset();
    c.st = St::Closed;
    c.head.clear();
    c.in_body = false;
    c.body_got = 0;
  }

  // A TLS call that failed for good: the peer closed, or an error.
  [[noreturn]] void failed(Conn& c, int rc, const char* what) {
    const int saved = errno;
    const int e = SSL_get_error(c.ssl.get(), rc);
    if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0))
      throw Broken(load_.peer + " closed the connection " + what + (saved ? std::string(" (") + std::strerror(saved) + ")" : ""));
    throw Broken(load_.peer + ": TLS error " + what + " (SSL_get_error " + std::to_string(e) + "): " + ssl_error_text());
  }
  // True when OpenSSL waits for the socket (an edge will come).
  bool would_block(Conn& c, int rc) {
    const int e = SSL_get_error(c.ssl.get(), rc);
    return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
  }

  void drive(std::size_t i, std::uint32_t events) {
    Conn& c = conns_[i];
    for (int step = 0; step < 100000; ++step) {
      switch (c.st) {
        case St::Closed:
        case St::Done:
          return;
        case St::Connecting: {
          if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
          int err = 0;
          socklen_t len = sizeof err;
          ::getsockopt(c.fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
          if (err != 0) throw Broken(load_.peer + ": connect: " + std::strerror(err));
          c.ssl.reset(SSL_new(ctx_));
          if (!c.ssl || SSL_set_fd(c.ssl.get(), c.fd.get()) != 1) throw Broken("SSL_new: " + ssl_error_text());
          SSL_set_connect_state(c.ssl.get());
          c.st = St::Handshake;
          break;
        }
        case St::Handshake: {
          ERR_clear_error();
          const int rc = SSL_connect(c.ssl.get());
          if (rc != 1) {
            if (would_block(c, rc)) return;
            failed(c, rc, "during the handshake");
          }
          c.progress = Clock::now();
          if (load_.mode == Mode::KeepAlive) c.start = c.progress;  // latency from the request on
          c.st = St::Sending;
          break;
        }
        case St::Sending: {
          ERR_clear_error();
          const int rc = SSL_write(c.ssl.get(), request_.data(), static_cast<int>(request_.size()));
          if (rc <= 0) {
            if (would_block(c, rc)) return;
            failed(c, rc, "while sending a request");
          }
          c.progress = Clock::now();
          c.st = St::Reading;
          c.head.clear();
          c.in_body = false;
          c.body_got = 0;
          break;
        }
        case St::Reading: {
          ERR_clear_error();
          const int rc = SSL_read(c.ssl.get(), buf_, sizeof buf_);
          if (rc <= 0) {
            if (would_block(c, rc)) return;
            failed(c, rc, "before a whole answer");
          }
          c.progress = Clock::now();
          if (feed(c, buf_, static_cast<std::size_t>(rc))) answered(i);
          if (c.st == St::Connecting) return;  // a new connection: its own edge comes
          break;
        }
      }
    }
    throw Broken(load_.peer + ": a connection kept going for 100000 steps in one wake-up");
  }

  // True when the answer is whole.
  bool feed(Conn& c, const char* p, std::size_t n) {
    if (!c.in_body) {
      c.head.append(p, n);
      const std::size_t end = c.head.find("\r\n\r\n");
      if (end == std::string::npos) {
        if (c.head.size() > 65536) throw Broken(load_.peer + ": an answer head over 64 KiB");
        return false;
      }
      const int status = c.head.size() >= 12 ? std::atoi(c.head.c_str() + 9) : 0;
      if (status != 200)
        throw Broken(load_.peer + " answered '" + c.head.substr(0, c.head.find("\r\n")) + "' to GET " + load_.target);
      const std::string cl =
          bvbench::header_value(std::string_view(c.head).substr(0, end + 2), "content-length");
      if (cl.empty() || std::strtoull(cl.c_str(), nullptr, 10) != load_.body_bytes)
        throw Broken(load_.peer + ": GET " + load_.target + " answered Content-Length '" + cl + "'; expected " +
                     std::to_string(load_.body_bytes));
      c.body_got = c.head.size() - end - 4;
      c.in_body = true;
      c.head.clear();
    } else {
      c.body_got += n;
    }
    if (c.body_got > load_.body_bytes)
      throw Broken(load_.peer + ": more bytes than the Content-Length of GET " + load_.target);
    return c.body_got == load_.body_bytes;
  }

  void answered(std::size_t i) {
    Conn& c = conns_[i];
    const auto now = Clock::now();
    if (now >= w_.warm_end && now < w_.end) {
      samples_.push_back(ms_between(c.start, now));
      ++requests_;
      bytes_ += static_cast<double>(load_.body_bytes);
    }
    const bool more = now < w_.end && !w_.abort;
    if (load_.mode == Mode::KeepAlive) {
      c.st = more ? St::Sending : St::Done;
      c.start = now;
      return;
    }
    close(c);
    if (more) open(i);
  }

  SSL_CTX* ctx_;
  const Load& load_;
  Window& w_;
  bvbench::Epoll ep_;
  std::vector<Conn> conns_;
  std::string request_;
  std::vector<double> samples_;
  std::size_t requests_ = 0;
  double bytes_ = 0;
  std::exception_ptr error_;
  char buf_[64 * 1024];
};

// Sleeps until `t`, in short steps (Ctrl-C).
void sleep_until(Clock::time_point t) {
  const auto now = Clock::now();
  if (t > now) bvbench::nap(std::chrono::duration_cast<std::chrono::milliseconds>(t - now));
}

LoadResult run_load(SSL_CTX* ctx, const Load& load, int warmup_ms, int seconds) {
  Window w;
  const auto t0 = Clock::now();
  w.warm_end = t0 + std::chrono::milliseconds(warmup_ms);
  w.end = w.warm_end + std::chrono::seconds(seconds);
  const int threads = std::min(load.threads, load.connections);
  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < threads; ++t)
    workers.push_back(std::make_unique<Worker>(ctx, load, load.connections / threads + (t < load.connections % threads), w));
  std::vector<std::thread> pool;
  for (auto& wk : workers) pool.emplace_back([&wk] { wk->run(); });
  std::int64_t s0 = 0, s1 = 0, c0 = 0, c1 = 0;  // ns
  Clock::time_point m0, m1;
  try {
    sleep_until(w.warm_end);
    m0 = Clock::now();
    s0 = bvbench::stat_cpu_ns(load.server);
    c0 = self_cpu_ns();
    sleep_until(w.end);
    m1 = Clock::now();
    s1 = bvbench::stat_cpu_ns(load.server);
    c1 = self_cpu_ns();
  } catch (...) {
    w.abort = true;
    for (auto& t : pool) t.join();
    throw;
  }
  for (auto& t : pool) t.join();
  check_signal();
  for (auto& wk : workers)
    if (wk->error()) std::rethrow_exception(wk->error());
  LoadResult r;
  r.peer = load.peer;
  std::vector<double> all;
  for (auto& wk : workers) {
    all.insert(all.end(), wk->samples().begin(), wk->samples().end());
    r.requests += wk->requests();
    r.bytes += wk->bytes();
  }
  r.seconds = ms_between(m0, m1) / 1000;
  r.per_s = static_cast<double>(r.requests) / r.seconds;
  r.mb_s = r.bytes / 1e6 / r.seconds;
  r.latency = stats_of(std::move(all));
  r.server_cpu_ms = static_cast<double>(s1 - s0) / 1e6;
  r.client_cpu_ms = static_cast<double>(c1 - c0) / 1e6;
  r.cpu_per_1000 = r.requests ? r.server_cpu_ms * 1000 / static_cast<double>(r.requests) : 0;
  r.server_busy = r.server_cpu_ms / 1000 / r.seconds;
  r.client_busy = r.client_cpu_ms / 1000 / r.seconds;
  if (r.requests == 0) throw Broken(load.peer + ": no answer within the " + std::to_string(seconds) + " s window");
  return r;
}

// ---------------------------------------------------------------- the files served

// The URIs a media playlist lists: its EXT-X-MAP's, and its segments' with their EXTINF.
struct MediaList {
  std::string init;
  std::vector<std::pair<std::string, double>> segments;
  bool ended = false;
};

MediaList parse_media(const std::string& text) {
  MediaList m;
  std::stringstream in(text);
  std::string line;
  double extinf = 0;
  while (std::getline(in, line)) {
    line = trimmed(line);
    if (line.rfind("#EXT-X-MAP:", 0) == 0) {
      const auto at = line.find("URI=\"");
      if (at != std::string::npos) m.init = line.substr(at + 5, line.find('"', at + 5) - at - 5);
    } else if (line.rfind("#EXTINF:", 0) == 0) {
      extinf = std::atof(line.c_str() + 8);
    } else if (line == "#EXT-X-ENDLIST") {
      m.ended = true;
    } else if (!line.empty() && line[0] != '#') {
      m.segments.emplace_back(line, extinf);
    }
  }
  return m;
}

// A relative URI the origin serves under /live/ID/: no scheme, no query, no way up.
bool plain_relative(const std::string& uri) {
  return !uri.empty() && uri[0] != '/' && uri.find("://") == std::string::npos && uri.find('?') == std::string::npos &&
         uri.find("..") == std::string::npos;
}

// The file under `root` whose path ends with "/" + rel (the daemon's copy of a segment).
std::string find_under(const std::string& root, const std::string& rel) {
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(root, ec); !ec && it != std::filesystem::end(it);
       it.increment(ec)) {
    const std::string p = it->path().string();
    if (it->is_regular_file(ec) && p.size() > rel.size() && p.compare(p.size() - rel.size(), rel.size(), rel) == 0 &&
        p[p.size() - rel.size() - 1] == '/')
      return p;
  }
  return "";
}

// ---------------------------------------------------------------- the run

struct Case {
  std::string label;  // "segment, 16 keep-alive connections"
  Load bvlived, nginx;
  LoadResult b, n;
};

void print_run(const LoadResult& r) {
  std::printf("    %-7s: %7zu requests in %.2f s = %8.1f req/s, %7.1f MB/s; latency p50 %7.2f  p99 %7.2f  max %7.2f ms; "
              "server CPU %7.1f ms per 1000 requests (%3.0f%% of a core), client %3.0f%%\n",
              r.peer.c_str(), r.requests, r.seconds, r.per_s, r.mb_s, r.latency.p50, r.latency.p99, r.latency.max,
              r.cpu_per_1000, r.server_busy * 100, r.client_busy * 100);
  std::fflush(stdout);
}

void row(const std::string& what, const std::string& bvlived, const std::string& nginx, const std::string& ratio) {
  std::printf("| %-58s | %19s | %19s | %13s |\n", what.c_str(), bvlived.c_str(), nginx.c_str(), ratio.c_str());
}
std::string ratio(double a, double b, int prec = 2) { return b > 0 ? fmt(a / b, prec) : "-"; }
std::string kb(std::size_t bytes) {
  return bytes >= 10000 ? fmt(static_cast<double>(bytes) / 1000, 0) + " KB" : std::to_string(bytes) + " B";
}

int run(const Options& o) {
  bvbench::scrub_environment();
  bvbench::raise_fd_limit(4096, "the connections");
  const bvbench::WorkDir work(o.base_dir, kName, o.keep);
  const std::string& dir = work.path();
  const std::string ffmpeg = bvbench::find_program(o.ffmpeg), nginx_bin = bvbench::find_program(o.nginx),
                    openssl = bvbench::find_program(o.openssl);

  std::printf("bench_https: segment and small-file requests over HTTPS, bvlived against nginx (one worker each, "
              "loopback, the same files, certificate and client)\n");
  bvbench::print_machine(dir, {{"bvlived", o.bvlived},
                               {"bvlive", o.bvlive},
                               {"nginx", nginx_bin},
                               {"ffmpeg", ffmpeg},
                               {"OpenSSL (client)", OpenSSL_version(OPENSSL_VERSION)}});
  const bool ktls = kernel_tls();
  std::printf("  kernel TLS: %s (tcp_available_ulp: %s)\n",
              ktls ? "available" : "NOT available to either server: both encrypt file bodies in user space",
              available_ulp().c_str());
  std::string conns;
  for (int c : o.connections) conns += (conns.empty() ? "" : ",") + std::to_string(c);
  std::printf("  keep-alive connections %s; %d at once for a new connection per request; %d client thread(s); "
              "%d ms warm-up + %d s per case and server\n\n",
              conns.c_str(), o.handshake_connections, o.client_threads, o.warmup_ms, o.seconds);
  std::fflush(stdout);
  if (ffmpeg.empty()) throw Broken("no ffmpeg (" + o.ffmpeg + ") to make the segments; --ffmpeg PATH names one");
  if (nginx_bin.empty())
    throw Broken("no nginx (" + o.nginx + "); share/scripts/install-deps.sh installs nginx-light, --nginx PATH names another");
  if (openssl.empty()) throw Broken("no openssl (" + o.openssl + ") to make the certificate; --openssl PATH names one");

  // 1. The certificate.
  const std::string cert = dir + "/cert.pem", key = dir + "/key.pem";
  bvbench::run_tool({openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                     "-keyout", key, "-out", cert, "-days", "7", "-subj", "/CN=127.0.0.1", "-addext",
                     "subjectAltName=IP:127.0.0.1"},
                    dir + "/openssl.log", std::chrono::seconds(30));
  const SslCtx checking = client_context(cert);
  const SslCtx loading = client_context("");

  // 2. bvlived with HTTPS, a DVR live and a short push.
  const int https_port = bvbench::free_port();
  const std::string config = "# bench_https: the embedded defaults, and HTTPS with the bench's certificate\n"
                             "[tls]\ncertificate = \"" + cert + "\"\nkey = \"" + key + "\"\nhttps_port = " +
                             std::to_string(https_port) + "\nrtmps_port = 0\n";
  Daemon d(o.bvlived, o.bvlive, dir + "/bvlived", config);
  d.start();
  if (d.port("https") != https_port)
    throw d.broken("listens for HTTPS on " + std::to_string(d.port("https")) + ", not the configured " +
                   std::to_string(https_port));
  const std::string live = d.start_live({"--name", "bench https", "--broadcast-mode", "dvr"});
  const json shown = json::parse(d.cli_ok({"show", live, "--json"}), nullptr, false);
  std::string rtmp;
  if (shown.is_object() && shown.contains("live") && shown["live"].contains("urls") &&
      shown["live"]["urls"].contains("rtmp") && shown["live"]["urls"]["rtmp"].is_string())
    rtmp = shown["live"]["urls"]["rtmp"].get<std::string>();
  const auto scheme = rtmp.find("://"), colon = rtmp.find(':', scheme + 3), slash = rtmp.find('/', scheme + 3);
  if (rtmp.rfind("rtmp://", 0) != 0 || colon == std::string::npos || slash == std::string::npos || colon > slash)
    throw Broken("`bvlive show --json` gave no urls.rtmp of the form rtmp://HOST:PORT/live/KEY: '" + rtmp + "'");
  const std::string url = "rtmp://127.0.0.1" + rtmp.substr(colon);
  const auto p0 = Clock::now();
  bvbench::run_tool({ffmpeg, "-hide_banner", "-nostats", "-loglevel", "warning", "-re", "-f", "lavfi", "-i",
                     "testsrc2=size=1280x720:rate=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                     "-t", std::to_string(o.push_seconds), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt",
                     "yuv420p", "-g", "60", "-keyint_min", "60", "-sc_threshold", "0", "-b:v", "2372k", "-minrate",
                     "2372k", "-maxrate", "2372k", "-bufsize", "2372k", "-x264-params", "nal-hrd=cbr", "-c:a", "aac",
                     "-b:a", "128k", "-f", "flv", url},
                    dir + "/ffmpeg.log", std::chrono::seconds(o.push_seconds + 60));
  const double push_s = ms_between(p0, Clock::now()) / 1000;

  // The media playlist, once the ended push's segments are all listed (the count holds still).
  HttpConnection plain(d.http_port(), "bvlived");
  const HttpResponse master = plain.get("/live/" + live + "/index.m3u8");
  if (master.status != 200) throw d.broken("answered '" + master.status_line + "' to index.m3u8: " + master.body);
  std::string media_uri;
  {
    std::stringstream lines(master.body);
    std::string line;
    while (std::getline(lines, line))
      if (!line.empty() && line[0] != '#') {
        media_uri = trimmed(line);
        break;
      }
  }
  if (!plain_relative(media_uri)) throw Broken("index.m3u8 names no relative media playlist:\n" + master.body);
  const std::string base = "/live/" + live + "/";
  MediaList media;
  {
    const auto w0 = Clock::now();
    std::size_t last = 0;
    auto stable_since = Clock::now();
    for (;;) {
      check_signal();
      if (!d.running()) throw d.broken("exited while the push was being listed");
      const HttpResponse a = plain.get(base + media_uri);
      if (a.status == 200) media = parse_media(a.body);
      if (media.segments.size() != last) {
        last = media.segments.size();
        stable_since = Clock::now();
      }
      if (media.segments.size() >= 3 && !media.init.empty() && ms_between(stable_since, Clock::now()) > 1000) break;
      if (ms_between(w0, Clock::now()) > 15000)
        throw d.broken("listed " + std::to_string(media.segments.size()) + " segments (3 or more wanted) in " +
                       media_uri + " within 15 s of the push's end; last answer '" + a.status_line + "':\n" + a.body);
      bvbench::nap(std::chrono::milliseconds(200));
    }
  }
  const auto& [segment_uri, segment_s] = media.segments.at(1);  // a whole 2 s segment, neither first nor last
  if (!plain_relative(segment_uri) || !plain_relative(media.init))
    throw Broken("the media playlist names URIs this bench does not take: '" + media.init + "', '" + segment_uri + "'");
  struct File {
    std::string label, target, path;
    std::size_t bytes = 0;
  };
  std::vector<File> files{{"segment", base + segment_uri, "", 0}, {"small file (init segment)", base + media.init, "", 0}};
  for (auto& f : files) {
    const std::string rel = f.target.substr(base.size());
    f.path = find_under(d.state_dir(), rel);
    if (f.path.empty()) throw Broken("no file " + rel + " under the daemon's state dir " + d.state_dir());
    f.bytes = static_cast<std::size_t>(std::filesystem::file_size(f.path));
  }
  std::printf("[bvlived] pid %d, https port %d; live %s (dvr) pushed for %d s of 1280x720 test pattern at 2.5 Mb/s "
              "(%.1f s), then ended: %zu segments listed\n",
              d.pid(), https_port, live.c_str(), o.push_seconds, push_s, media.segments.size());
  std::printf("[files] segment %s (%.3f s): %zu bytes; init segment %s: %zu bytes\n", segment_uri.c_str(), segment_s,
              files[0].bytes, media.init.c_str(), files[1].bytes);

  // 3. nginx with copies of the same files at the same paths, over HTTPS with the same certificate.
  bvbench::NginxStaticConf nc;
  nc.dir = dir + "/nginx";
  nc.root = nc.dir + "/root";
  nc.http_port = bvbench::free_port();
  nc.certificate = cert;
  nc.key = key;
  nc.comment = "bench_https: nginx serving the same files over HTTPS";
  for (const auto& f : files) {
    const std::string copy = nc.root + f.target;
    std::filesystem::create_directories(std::filesystem::path(copy).parent_path());
    std::filesystem::copy_file(f.path, copy, std::filesystem::copy_options::overwrite_existing);
  }
  bvbench::NginxServer nginx(nginx_bin, nc.dir, bvbench::nginx_static_conf(nc));
  nginx.wait_serving(
      [&] {
        const Fetched f = fetch_once(checking.get(), nc.http_port, files[1].target, "nginx");
        return std::pair(f.status, f.status_line);
      },
      "GET " + files[1].target + " over HTTPS");
  std::printf("[nginx] %s serves copies of them on https port %d (master and worker: pids", nginx_bin.c_str(),
              nc.http_port);
  for (pid_t p : nginx.pids()) std::printf(" %d", p);
  std::printf(")\n");

  // Both serve the very bytes of the file over TLS, the certificate checks out.
  for (const auto& f : files) {
    const std::string bytes = bvbench::read_file(f.path);
    for (int server = 0; server < 2; ++server) {
      const std::string peer = server == 0 ? "bvlived" : "nginx";
      const int port = server == 0 ? https_port : nc.http_port;
      const Fetched got = fetch_once(checking.get(), port, f.target, peer);
      if (got.status != 200) throw Broken(peer + " answered '" + got.status_line + "' to GET " + f.target + " over TLS");
      if (got.body != bytes)
        throw Broken(peer + ": GET " + f.target + " over TLS gave " + std::to_string(got.body.size()) +
                     " bytes that are not the file's " + std::to_string(bytes.size()));
      if (&f == &files[0])
        std::printf("[tls] %-7s: %s %s, key exchange %s, ALPN %s; answer head %zu bytes\n", peer.c_str(),
                    got.version.c_str(), got.cipher.c_str(), got.group.c_str(), got.alpn.c_str(), got.head.size() + 2);
    }
  }
  std::printf("\n");
  std::fflush(stdout);

  // 4. The cases, each against bvlived then nginx.
  std::vector<Case> cases;
  auto add = [&](const File& f, Mode mode, int connections) {
    Case c;
    c.label = (&f == &files[0] ? "segment " + kb(f.bytes) : "small " + kb(f.bytes)) + ", " + std::to_string(connections) +
              (mode == Mode::KeepAlive ? " keep-alive conns" : " conns, new TLS conn per request");
    for (int server = 0; server < 2; ++server) {
      Load& l = server == 0 ? c.bvlived : c.nginx;
      l.peer = server == 0 ? "bvlived" : "nginx";
      l.port = server == 0 ? https_port : nc.http_port;
      l.target = f.target;
      l.body_bytes = f.bytes;
      l.mode = mode;
      l.connections = connections;
      l.threads = o.client_threads;
      l.server = server == 0 ? std::vector<pid_t>{d.pid()} : nginx.pids();
    }
    cases.push_back(std::move(c));
  };
  for (const File& f : files)
    for (int n : o.connections) add(f, Mode::KeepAlive, n);
  for (const File& f : files) add(f, Mode::NewConnection, o.handshake_connections);

  for (Case& c : cases) {
    std::printf("  %s\n", c.label.c_str());
    std::fflush(stdout);
    c.b = run_load(loading.get(), c.bvlived, o.warmup_ms, o.seconds);
    print_run(c.b);
    if (!d.running()) throw d.broken("died during the requests");
    c.n = run_load(loading.get(), c.nginx, o.warmup_ms, o.seconds);
    print_run(c.n);
    if (!nginx.running()) throw nginx.broken("died during the requests");
  }

  // What bvlived says of its TLS connections.
  bvbench::RpcConnection rpc(d.socket());
  const json status = rpc.call("daemon.status", json::object());
  const json tls = status.value("tls", json());
  std::printf("\n[bvlived] daemon.status tls: kernel_tls %s, %s handshakes, %s failed, %s with kernel TLS\n",
              tls.is_object() ? tls.value("kernel_tls", json()).dump().c_str() : "?",
              tls.is_object() ? tls.value("handshakes", json()).dump().c_str() : "?",
              tls.is_object() ? tls.value("handshake_failures", json()).dump().c_str() : "?",
              tls.is_object() ? tls.value("kernel_tls_connections", json()).dump().c_str() : "?");
  const std::string stop = d.stop();
  const std::string nginx_stop = nginx.stop();
  std::printf("[stop] bvlived %s, nginx %s\n\n", stop.c_str(), nginx_stop.c_str());
  if (stop != "exited 0") throw d.broken("did not stop cleanly on SIGTERM (" + stop + ")");

  std::printf("Figures (same run; ratio = bvlived / nginx: above 1 for requests/s or MB/s means bvlived serves more, "
              "above 1 for latency or CPU means it takes more)\n");
  row("case: figure", "bvlived", "nginx", "bvlived/nginx");
  std::printf("|%s|%s|%s|%s|\n", std::string(60, '-').c_str(), std::string(21, '-').c_str(),
              std::string(21, '-').c_str(), std::string(15, '-').c_str());
  for (const Case& c : cases) {
    const LoadResult &b = c.b, &n = c.n;
    row(c.label + ": req/s", fmt(b.per_s, 0), fmt(n.per_s, 0), ratio(b.per_s, n.per_s));
    if (c.bvlived.body_bytes >= 100000) row("  MB/s", fmt(b.mb_s, 0), fmt(n.mb_s, 0), ratio(b.mb_s, n.mb_s));
    row("  latency p50 / p99 (ms)", fmt(b.latency.p50, 2) + " / " + fmt(b.latency.p99, 2),
        fmt(n.latency.p50, 2) + " / " + fmt(n.latency.p99, 2),
        ratio(b.latency.p50, n.latency.p50) + " / " + ratio(b.latency.p99, n.latency.p99));
    row("  server CPU ms per 1000 requests", fmt(b.cpu_per_1000, 1), fmt(n.cpu_per_1000, 1),
        ratio(b.cpu_per_1000, n.cpu_per_1000));
    row("  CPU busy: server / client (% of a core)", fmt(b.server_busy * 100, 0) + " / " + fmt(b.client_busy * 100, 0),
        fmt(n.server_busy * 100, 0) + " / " + fmt(n.client_busy * 100, 0), "-");
  }
  std::printf("kernel TLS: %s\n", ktls ? "available (see daemon.status above for whether bvlived used it)"
                                         : "not available here, so neither server used it (user-space encryption)");
  std::printf("load average at end: %s\n", loadavg().c_str());
  std::fflush(stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_args(argc, argv);
  return bvbench::run_bench(kName, [&] { return run(o); });
}
