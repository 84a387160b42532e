#include "support/nginx_edge.hpp"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "support/media.hpp"

namespace bvtest {

int free_tcp_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("no free loopback port");
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

std::string EdgeRequest::object() const {
  const auto q = target.find('?');
  std::string key = target.substr(0, q);
  if (q == std::string::npos) return key;
  // The edge's cache key for playlists: the path and _HLS_msn, _HLS_part, _HLS_skip.
  std::istringstream params(target.substr(q + 1));
  std::string param, hls;
  while (std::getline(params, param, '&'))
    if (param.rfind("_HLS_", 0) == 0) hls += (hls.empty() ? "?" : "&") + param;
  return key + hls;
}

NginxEdge::~NginxEdge() { stop(); }

void NginxEdge::start(const std::string& site) {
  site_ = site;
  for (const char* sub : {"logs", "tmp", "cache"}) std::filesystem::create_directories(dir_ + "/" + sub);
  write_file(dir_ + "/bvlive-edge.conf", site);
  write_file(dir_ + "/nginx.conf",
             "daemon off;\n" +
                 // Run as root (CI), workers would become nobody, who cannot enter the test's
                 // private temporary directories.
                 std::string(::geteuid() == 0 ? "user root;\n" : "") +
             "worker_processes 1;\n"
             "pid " + dir_ + "/nginx.pid;\n"
             "error_log " + dir_ + "/logs/error.log warn;\n"
             "events { worker_connections 8192; }\n"
             "http {\n"
             "    log_format bvlive_test '$msec $status $upstream_cache_status $request_uri $upstream_addr';\n"
             "    access_log " + dir_ + "/logs/access.log bvlive_test;\n"
             "    client_body_temp_path " + dir_ + "/tmp/body;\n"
             "    proxy_temp_path " + dir_ + "/tmp/proxy;\n"
             "    fastcgi_temp_path " + dir_ + "/tmp/fastcgi;\n"
             "    uwsgi_temp_path " + dir_ + "/tmp/uwsgi;\n"
             "    scgi_temp_path " + dir_ + "/tmp/scgi;\n"
             "    include " + dir_ + "/bvlive-edge.conf;\n"
             "}\n");
  const std::string nginx = path_exists("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx";
  nginx_ = std::make_unique<BackgroundProcess>(
      std::vector<std::string>{nginx, "-p", dir_, "-c", dir_ + "/nginx.conf", "-e", dir_ + "/logs/error.log"},
      dir_ + "/logs/stderr.log");
  std::string last = "no answer";
  const bool up = poll_until(
      [&] {
        if (!nginx_->running()) return false;
        try {
          const HttpReply r = http_request(url("/healthz"), "GET", {}, "", 2s);
          last = r.describe();
          return r.status == 200;
        } catch (const std::exception& e) {
          last = e.what();
          return false;
        }
      },
      10s, 50ms);
  if (!up)
    throw std::runtime_error("the nginx edge on port " + std::to_string(port_) + " did not answer /healthz (" + last +
                             "); its error log:\n" + error_log() + nginx_->log());
}

void NginxEdge::stop() {
  if (!nginx_) return;
  nginx_->stop(SIGTERM, 10s);
  nginx_.reset();
}

std::vector<EdgeRequest> NginxEdge::requests() const {
  std::vector<EdgeRequest> out;
  std::istringstream in(read_file(dir_ + "/logs/access.log"));
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    EdgeRequest r;
    fields >> r.time >> r.status >> r.cache >> r.target >> std::ws;
    std::getline(fields, r.upstream);  // "a:1, b:2" when several were asked
    if (r.upstream.empty()) r.upstream = "-";
    out.push_back(r);
  }
  return out;
}

std::string NginxEdge::error_log() const { return read_file(dir_ + "/logs/error.log"); }

}  // namespace bvtest
