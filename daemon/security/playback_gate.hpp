// Who may play a live, checked on every public request for its playlists, segments and covers:
// - domain control (security.domain_control): the page's Origin, else its Referer, must be
//   an allowed domain; a request with neither follows security.missing_origin;
// - a token-protected live (security.privacy.type TOKEN): the request carries ?token=JWT
//   (and &device=ID once the master has handed one out). The token must be ours (the
//   playback secret), unexpired, and for this live; the devices playing with one token are
//   counted, and one too many is refused while the others keep playing.
// Lives without either pass untouched.
#pragma once

#include <optional>
#include <string>

#include "config/settings.hpp"
#include "http/http_server.hpp"
#include "live/live_record.hpp"
#include "security/device_window.hpp"
#include "security/jwt.hpp"
#include "security/playback_secret.hpp"

namespace bvlive {

class PlaybackGate {
 public:
  PlaybackGate(PlaybackSecret& secret, const SecuritySettings& settings);

  struct Decision {
    bool allowed = true;
    int status = 200;    // 401 (no token) or 403 when refused
    std::string reason;  // one line, for the body
    // Allowed: what every URI of a playlist must carry ("token=...&device=..."), "" for a
    // public live.
    std::string query;
  };

  // `entry`: the master playlist, where a player without a device id gets one.
  Decision check(const LiveRecord& live, const http::Request& req, const http::ClientInfo& client, bool entry,
                 TimeMs now);

  // A signed token for `live`, valid `ttl`, with the token's own device limit (0: none).
  security::PlaybackClaims issue(const LiveRecord& live, DurationMs ttl, int device_limit, TimeMs now,
                                 std::string& token) const;

 private:
  Decision check_domain(const LiveRecord& live, const http::Request& req) const;

  PlaybackSecret& secret_;
  const SecuritySettings& settings_;
  security::DeviceWindow devices_;
  TimeMs last_sweep_ = 0;
};

}  // namespace bvlive
