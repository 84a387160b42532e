// The keys of lives with protection DRM, held in memory only. Without a key server
// ([drm] key_server empty) they are derived from STATE_DIR/segment-key-secret on demand
// (the built-in ClearKey). With one, they are fetched over SPEKE v2 on libuv's thread
// pool as soon as a live needs them (created or changed to DRM, or found at start), so a
// push finds them there; a push that comes first is refused with the reason, and the
// fetch is retried.
#pragma once

#include <uv.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "config/settings.hpp"
#include "core/drm/content_keys.hpp"
#include "daemon/security/playback_secret.hpp"

namespace bvlive {

class DrmKeys {
 public:
  using Lookup = std::variant<std::shared_ptr<const drm::ContentKeys>, std::string>;

  DrmKeys(uv_loop_t* loop, PlaybackSecret& secret, const DrmSettings& settings);
  ~DrmKeys();
  DrmKeys(const DrmKeys&) = delete;
  DrmKeys& operator=(const DrmKeys&) = delete;

  // The live's keys, or why there are none yet (asking starts a fetch when none runs).
  Lookup get(const std::string& live_id);
  // Fetch ahead, so the first push finds them (key server mode; nothing otherwise).
  void prepare(const std::string& live_id);
  // The live is gone: its keys too.
  void forget(const std::string& live_id);

  bool uses_key_server() const { return !settings_.key_server.empty(); }
  // "built-in ClearKey" or "key server https://... (widevine, playready, fairplay)".
  std::string describe() const;
  // For /metrics: fetches done and failed.
  std::uint64_t fetched() const { return fetched_; }
  std::uint64_t fetch_failures() const { return fetch_failures_; }

 private:
  struct Entry {
    std::shared_ptr<const drm::ContentKeys> keys;
    std::string problem;   // the last fetch's error
    bool fetching = false;
  };
  void fetch(const std::string& live_id);

  uv_loop_t* loop_;
  PlaybackSecret& secret_;
  const DrmSettings& settings_;
  std::map<std::string, Entry> lives_;
  std::uint64_t fetched_ = 0;
  std::uint64_t fetch_failures_ = 0;
  // Fetches report through this; cleared when the store goes, so late answers are dropped.
  std::shared_ptr<DrmKeys*> self_;
};

// The DRM systems signalled for these settings: [drm] systems, or the defaults.
std::vector<drm::DrmSystem> drm_systems(const DrmSettings& settings);

}  // namespace bvlive
