// nginx with Debian's RTMP module (libnginx-mod-rtmp) as the benchmarks' baseline: the
// nginx.conf text for one master and one worker on loopback, run as this user under its own
// prefix, taking RTMP pushes to rtmp://127.0.0.1:PORT/live/NAME and writing HLS
// (DIR/hls/NAME.m3u8), optionally serving that HLS over HTTP for players.
#pragma once

#include <unistd.h>

#include <sstream>
#include <string>

namespace bvbench {

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
  o << "# " << c.comment << ", one worker, loopback only\n"
    << "load_module " << c.module << ";\n"
    << "daemon off;\nmaster_process on;\nworker_processes 1;\n"
    << "pid " << c.dir << "/nginx.pid;\nerror_log " << c.dir << "/logs/error.log warn;\n";
  // As root, workers would switch to nobody and could not write the HLS directory.
  if (::geteuid() == 0) o << "user root;\n";
  o << "events { worker_connections " << c.worker_connections << "; }\n"
    << "rtmp {\n  server {\n    listen 127.0.0.1:" << c.rtmp_port << ";\n"
    << "    application live {\n      live on;\n      hls on;\n      hls_path " << c.dir << "/hls;\n"
    << "      hls_fragment " << c.fragment_s << "s;\n      hls_playlist_length " << c.playlist_s << "s;\n"
    << "    }\n  }\n}\n";
  if (c.http_port > 0) {
    o << "http {\n  access_log off;\n";
    // Debian's defaults are under /var/lib/nginx, which only root may create.
    for (const char* t : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"})
      o << "  " << t << "_temp_path " << c.dir << "/tmp/" << t << ";\n";
    o << "  types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }\n"
      << "  server {\n    listen 127.0.0.1:" << c.http_port << ";\n"
      << "    location /hls/ {\n      alias " << c.dir << "/hls/;\n"
      // Players on other origins (a file:// page) read it; nothing may be cached.
      << "      add_header Access-Control-Allow-Origin * always;\n"
      << "      add_header Cache-Control no-cache always;\n    }\n  }\n}\n";
  }
  return o.str();
}

}  // namespace bvbench
