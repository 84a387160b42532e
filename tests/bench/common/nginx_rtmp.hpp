// nginx as the benchmarks' baseline: the nginx.conf text for one master and one worker on
// loopback, run as this user under its own prefix (DIR: nginx.pid, logs/error.log, tmp/), a
// free loopback port for it, and the running nginx. With Debian's RTMP module
// (libnginx-mod-rtmp) it takes RTMP pushes to rtmp://127.0.0.1:PORT/live/NAME and writes HLS
// (DIR/hls/NAME.m3u8), optionally serving that HLS over HTTP for players; plain (nginx-light),
// it serves a directory of static files, over HTTP or HTTPS.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "bench_process.hpp"
#include "bench_report.hpp"
#include "bench_run.hpp"

namespace bvbench {

// A free loopback port for nginx (it cannot report a port 0 bind). Racy in principle; a
// clash shows as nginx failing to start, with its log.
inline int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw Broken(errno_text("socket"));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
  const std::string failed = ok ? "" : errno_text("bind 127.0.0.1:0");
  ::close(fd);
  if (!ok) throw Broken(failed);
  return ntohs(a.sin_port);
}

// What every configuration starts with: one worker, loopback, this user, files under `dir`
// (after the `load_module` of a module, when one is named).
inline void nginx_main_conf(std::ostringstream& o, const std::string& dir, const std::string& comment,
                            int worker_connections, const std::string& module = "") {
  o << "# " << comment << ", one worker, loopback only\n";
  if (!module.empty()) o << "load_module " << module << ";\n";
  o << "daemon off;\nmaster_process on;\nworker_processes 1;\n"
    << "pid " << dir << "/nginx.pid;\nerror_log " << dir << "/logs/error.log warn;\n";
  // As root, workers would switch to nobody and could neither write the HLS directory nor read
  // a mkdtemp work directory (mode 0700).
  if (::geteuid() == 0) o << "user root;\n";
  o << "events { worker_connections " << worker_connections << "; }\n";
}

// The http block's first lines: no access log (it would be part of every figure), and
// temporary paths of its own (Debian's defaults are under /var/lib/nginx, which only root may create).
inline void nginx_http_conf(std::ostringstream& o, const std::string& dir) {
  o << "http {\n  access_log off;\n";
  for (const char* t : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"})
    o << "  " << t << "_temp_path " << dir << "/tmp/" << t << ";\n";
}

struct NginxRtmpConf {
  std::string module = "/usr/lib/nginx/modules/ngx_rtmp_module.so";
  std::string dir;              // prefix: nginx.pid, logs/error.log, hls/, tmp/
  int rtmp_port = 0;
  int fragment_s = 2;           // hls_fragment
  int playlist_s = 12;          // hls_playlist_length
  int http_port = 0;            // > 0: serve DIR/hls/ at http://127.0.0.1:PORT/hls/ (CORS open)
  int worker_connections = 8192;
  std::string comment = "nginx-rtmp as the baseline";
};

inline std::string nginx_rtmp_conf(const NginxRtmpConf& c) {
  std::ostringstream o;
  nginx_main_conf(o, c.dir, c.comment, c.worker_connections, c.module);
  o << "rtmp {\n  server {\n    listen 127.0.0.1:" << c.rtmp_port << ";\n"
    << "    application live {\n      live on;\n      hls on;\n      hls_path " << c.dir << "/hls;\n"
    << "      hls_fragment " << c.fragment_s << "s;\n      hls_playlist_length " << c.playlist_s << "s;\n"
    << "    }\n  }\n}\n";
  if (c.http_port > 0) {
    nginx_http_conf(o, c.dir);
    o << "  types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }\n"
      << "  server {\n    listen 127.0.0.1:" << c.http_port << ";\n"
      << "    location /hls/ {\n      alias " << c.dir << "/hls/;\n"
      // Players on other origins (a file:// page) read it; nothing may be cached.
      << "      add_header Access-Control-Allow-Origin * always;\n"
      << "      add_header Cache-Control no-cache always;\n    }\n  }\n}\n";
  }
  return o.str();
}

// nginx serving the files under `root` at http://127.0.0.1:PORT/ as a static file server is
// set up for speed: sendfile, and connections kept for as many requests as a client sends
// (by default nginx closes one after 1,000, which a benchmark's client would pay for). With a
// certificate and key it serves https://127.0.0.1:PORT/ instead, set up as close to bvlived's
// [tls] as nginx's configuration goes: TLS 1.2 and 1.3, Mozilla's intermediate TLS 1.2 suites
// (ECDHE, AES-GCM and ChaCha20), no server preference, a session cache and tickets, and kernel
// TLS asked of OpenSSL (used where the kernel has it: SSL_sendfile).
struct NginxStaticConf {
  std::string dir;   // prefix: nginx.pid, logs/error.log, tmp/
  std::string root;  // the files served
  int http_port = 0;              // the port, HTTP or (with a certificate) HTTPS
  std::string certificate, key;   // PEM files: HTTPS
  int worker_connections = 1024;
  std::string comment = "nginx serving static files as the baseline";
};

inline std::string nginx_static_conf(const NginxStaticConf& c) {
  std::ostringstream o;
  nginx_main_conf(o, c.dir, c.comment, c.worker_connections);
  nginx_http_conf(o, c.dir);
  const bool tls = !c.certificate.empty();
  o << "  types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; video/mp4 mp4 m4s; }\n"
    << "  sendfile on;\n  tcp_nopush on;\n  keepalive_requests 100000000;\n  keepalive_timeout 300s;\n"
    << "  server {\n    listen 127.0.0.1:" << c.http_port << (tls ? " ssl" : "") << ";\n    root " << c.root << ";\n";
  if (tls)
    o << "    ssl_certificate " << c.certificate << ";\n    ssl_certificate_key " << c.key << ";\n"
      << "    ssl_protocols TLSv1.2 TLSv1.3;\n"
      << "    ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
         "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;\n"
      << "    ssl_prefer_server_ciphers off;\n"
      << "    ssl_session_cache shared:SSL:10m;\n    ssl_session_tickets on;\n"
      << "    ssl_conf_command Options KTLS;\n";
  o << "  }\n}\n";
  return o.str();
}

// nginx run from the prefix DIR on the configuration text `conf` (nginx_rtmp_conf,
// nginx_static_conf or a bench's own), its stderr in DIR/logs/stderr.log; SIGTERM (then
// SIGKILL) when stopped or destroyed.
class NginxServer {
 public:
  NginxServer(const std::string& nginx, const std::string& dir, const std::string& conf)
      : dir_(dir), child_("nginx", dir + "/logs/stderr.log") {
    for (const char* sub : {"logs", "tmp"}) std::filesystem::create_directories(dir + "/" + sub);
    std::ofstream(dir + "/nginx.conf") << conf;
    child_.start({nginx, "-p", dir, "-c", dir + "/nginx.conf", "-e", dir + "/logs/error.log"});
  }

  // Waits (at most 10 s) until `probe` (one request: its status and status line; Broken while
  // nothing listens) answers 200; then its processes (master, worker) are known. `what` names
  // the request in the failure.
  void wait_serving(const std::function<std::pair<int, std::string>()>& probe, const std::string& what) {
    const auto t0 = std::chrono::steady_clock::now();
    std::string last = "no connection";
    for (;;) {
      check_signal();
      if (!child_.running()) throw broken("exited during start-up (" + exit_text(child_.status()) + ")");
      try {
        const auto [status, line] = probe();
        if (status == 200) break;
        last = line;
      } catch (const Broken& e) {
        last = e.what();  // not listening yet
      }
      if (std::chrono::steady_clock::now() - t0 > std::chrono::seconds(10))
        throw broken("did not answer 200 to " + what + " within 10 s (last: " + last + ")");
      nap(std::chrono::milliseconds(20));
    }
    pids_ = with_children(child_.pid());
  }

  // A failure of nginx's, with the end of its stderr and of its error log.
  Broken broken(const std::string& what) const {
    return Broken(child_.broken(what).what() + tail_of_file(dir_ + "/logs/error.log", 10));
  }
  bool running() { return child_.running(); }
  std::string stop() { return child_.stop(); }
  const std::vector<pid_t>& pids() const { return pids_; }

 private:
  std::string dir_;
  Child child_;
  std::vector<pid_t> pids_;
};

}  // namespace bvbench
