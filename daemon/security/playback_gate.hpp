// Who may play a live, checked on every public request for its playlists, segments, keys
// and covers:
// - geo control (security.geo_control): the viewer's country, from the MaxMind DB file
//   [security] geo_database, must be allowed; the viewer's address is the peer's, or the
//   X-Forwarded-For client's when the peer is one of [security] trusted_proxies; a viewer
//   the database does not place follows [security] unknown_country; behind an edge of ours
//   (from_edge), the viewer the edge names;
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
#include <vector>

#include "config/settings.hpp"
#include "http/http_server.hpp"
#include "live/live_record.hpp"
#include "core/security/client_address.hpp"
#include "core/security/device_window.hpp"
#include "core/security/geo_database.hpp"
#include "core/security/jwt.hpp"
#include "daemon/security/playback_secret.hpp"

namespace bvlive {

class PlaybackGate {
 public:
  // Opens settings.geo_database when set: throws std::runtime_error naming the file when it
  // cannot be read.
  PlaybackGate(PlaybackSecret& secret, const SecuritySettings& settings);

  // "GeoLite2-Country built 2026-11-17 (/path)", or "" when there is none.
  std::string geo_description() const { return geo_ ? geo_->description() : std::string(); }

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

  // The viewer's address: the peer, or the client behind our trusted proxies, or the one
  // an edge of ours names (from_edge).
  std::string viewer(const http::Request& req, const http::ClientInfo& client) const;

  // The request comes from one of our nginx edges: it carries [security] edge_secret in
  // X-Bvlive-Edge (compared in constant time). Its X-Forwarded-For is believed.
  bool from_edge(const http::Request& req) const;

  // A signed token for `live`, valid `ttl`, with the token's own device limit (0: none).
  security::PlaybackClaims issue(const LiveRecord& live, DurationMs ttl, int device_limit, TimeMs now,
                                 std::string& token) const;

 private:
  Decision check_domain(const LiveRecord& live, const http::Request& req) const;
  Decision check_geo(const LiveRecord& live, const std::string& viewer) const;

  PlaybackSecret& secret_;
  const SecuritySettings& settings_;
  std::vector<security::AddressRange> trusted_proxies_;
  std::optional<security::GeoDatabase> geo_;
  security::DeviceWindow devices_;
  TimeMs last_sweep_ = 0;
};

}  // namespace bvlive
