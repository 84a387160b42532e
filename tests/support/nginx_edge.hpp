// An nginx edge made by `bvlive edge-config`, run by Debian's nginx for a test: its own
// prefix directory (configuration, cache, logs), in the foreground under the test, with an
// access log that tells which requests went to an origin.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace bvtest {

// A loopback TCP port nothing listens on at the moment of asking (for programs, like nginx,
// that cannot be told to take any free port).
int free_tcp_port();

// One line of the edge's access log: a request a viewer made.
struct EdgeRequest {
  double time = 0;       // when it was answered (Unix seconds)
  std::string target;    // the request line's target, query included
  int status = 0;
  std::string cache;     // $upstream_cache_status: MISS, HIT, UPDATING, EXPIRED, ... or "-"
  std::string upstream;  // the origin(s) asked for the object, "-" when none
  // The object as the edge caches it: the path, plus the LL-HLS blocking-reload parameters.
  std::string object() const;
  bool went_to_origin() const { return upstream != "-"; }
};

class NginxEdge {
 public:
  // `dir`: the edge's prefix; `port`: the one `site` (the edge-config output) listens on.
  NginxEdge(std::string dir, int port) : dir_(std::move(dir)), port_(port) {}
  ~NginxEdge();

  // Writes nginx.conf around `site` (included in its http context), starts nginx and waits
  // (10 s at most) until /healthz answers; throws with nginx's error log otherwise.
  void start(const std::string& site);
  // The master and its workers stop (SIGTERM: open connections are cut, as a crash would).
  void stop();
  void restart() { stop(); start(site_); }

  int port() const { return port_; }
  std::string cache_dir() const { return dir_ + "/cache"; }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  std::vector<EdgeRequest> requests() const;
  std::string error_log() const;

 private:
  std::string dir_;
  int port_;
  std::string site_;
  std::unique_ptr<BackgroundProcess> nginx_;
};

}  // namespace bvtest
