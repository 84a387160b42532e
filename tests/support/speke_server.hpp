// A SPEKE v2.0 key server of our own for the tests, written from the AWS SPEKE v2 and DASH-IF
// CPIX 2.3 specifications: it listens on 127.0.0.1 (a port of its own) in a thread of its
// own, takes a POSTed CPIX request and answers the same document filled in: a key for each
// KID (the first 16 bytes of HMAC-SHA256(secret, KID), so that a test knows it with
// key_for()), a 'pssh' box for Widevine, PlayReady and ClearKey, and the HLS tags for the
// media and master playlists. It can also refuse (Basic credentials, an HTTP error status),
// answer garbage, or stall, and it records every request for the test to inspect.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/drm/drm_system.hpp"
#include "core/media/cenc/cenc_types.hpp"

namespace bvtest {

struct SpekeSeen {
  std::string method;
  std::string path;
  std::vector<std::pair<std::string, std::string>> headers;  // in order, names lower-cased
  std::string body;
  std::vector<bvlive::cenc::Block16> kids;         // ContentKey@kid, in order
  std::vector<bvlive::drm::DrmSystem> systems;     // DRMSystem@systemId known to bvlive, each once

  // The first value of header `name` (any case), or "".
  std::string header(const std::string& name) const;
};

enum class SpekeMode {
  Answer,     // a CPIX answer (or 401 / 422 when the request deserves it)
  HttpError,  // the status of `error_status`, with a short text body
  Garbage,    // 200 with the SPEKE headers and a body that is not XML
  Stall,      // reads the request and never answers (until the client goes or the server stops)
};

struct SpekeOptions {
  std::string username;  // when set, requests need these HTTP Basic credentials (401 otherwise)
  std::string password;
  SpekeMode mode = SpekeMode::Answer;
  int error_status = 500;
  std::string secret = "bvlive SPEKE test secret";
};

class SpekeServer {
 public:
  using Mode = SpekeMode;
  using Options = SpekeOptions;

  explicit SpekeServer(Options options = {});
  ~SpekeServer();
  SpekeServer(const SpekeServer&) = delete;
  SpekeServer& operator=(const SpekeServer&) = delete;

  int port() const { return port_; }
  // http://127.0.0.1:PORT/speke/v2.0/copyProtection
  std::string url() const;
  void set_mode(Mode mode, int error_status = 500);

  // What this server answers for `kid`: HMAC-SHA256(secret, kid)[0..16).
  bvlive::cenc::Block16 key_for(const bvlive::cenc::Block16& kid) const;
  // The 'pssh' box it gives `system` for `kid`: empty for FairPlay.
  static std::vector<std::uint8_t> pssh_for(bvlive::drm::DrmSystem system, const bvlive::cenc::Block16& kid);
  // "#EXT-X-KEY:..." (media) or "#EXT-X-SESSION-KEY:..." (master) for `system` and `kid`.
  static std::string hls_tag_for(bvlive::drm::DrmSystem system, const bvlive::cenc::Block16& kid, bool master);

  // Every request read so far, in order.
  std::vector<SpekeSeen> requests() const;

 private:
  void run();
  void serve(int fd);
  std::string answer_cpix(const SpekeSeen& seen, int& status) const;

  Options options_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;  // options_.mode / error_status, seen_
  std::vector<SpekeSeen> seen_;
  std::thread thread_;
};

}  // namespace bvtest
