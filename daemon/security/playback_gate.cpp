#include "security/playback_gate.hpp"

#include <algorithm>

#include "util/random_id.hpp"

namespace bvlive {
namespace {

constexpr TimeMs kSweepEveryMs = 60'000;
constexpr const char* kDeviceChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-";

bool token_protected(const LiveRecord& live) { return live.spec.security.privacy.type == PrivacyType::Token; }

// The tighter of the live's device limit and the token's (0: no limit).
int device_limit(int live_limit, int token_limit) {
  if (live_limit <= 0) return token_limit;
  if (token_limit <= 0) return live_limit;
  return std::min(live_limit, token_limit);
}

}  // namespace

PlaybackGate::PlaybackGate(PlaybackSecret& secret, DurationMs device_idle) : secret_(secret), devices_(device_idle) {}

PlaybackGate::Decision PlaybackGate::check(const LiveRecord& live, const http::Request& req,
                                           const http::ClientInfo& client, bool entry, TimeMs now) {
  Decision d;
  if (!token_protected(live)) return d;
  const std::string label = live.label();
  const auto token = req.query_param("token");
  if (!token || token->empty()) {
    d.allowed = false;
    d.status = 401;
    d.reason = "live " + label + " needs a playback token: add ?token=TOKEN to its URL (bvlive token " + label + ")";
    return d;
  }
  const auto verified = security::verify_playback_token(*token, secret_.bytes(), now);
  if (!verified) {
    d.allowed = false;
    d.status = 403;
    d.reason = "playback token refused for live " + label + ": " + verified.reason;
    return d;
  }
  const security::PlaybackClaims& claims = *verified.claims;
  if (claims.live_id != live.id) {
    d.allowed = false;
    d.status = 403;
    d.reason = "playback token refused: it is for another live, not " + label;
    return d;
  }
  // A player given the master gets a device id there; one that comes straight to another
  // URL is known by its address.
  std::string device = req.query_param("device").value_or("");
  // It goes back into playlist URIs: only characters that need no escaping.
  if (device.size() > 64 || device.find_first_not_of(kDeviceChars) != std::string::npos) {
    d.allowed = false;
    d.status = 400;
    d.reason = "device: at most 64 of A-Z a-z 0-9 . _ - (or leave it out: the master playlist gives one)";
    return d;
  }
  if (device.empty()) device = entry ? "d_" + random_string(12, "abcdefghijklmnopqrstuvwxyz0123456789") : "ip_" + client.address;
  if (now - last_sweep_ > kSweepEveryMs) {
    devices_.forget_idle(now);
    last_sweep_ = now;
  }
  const int limit = device_limit(static_cast<int>(live.spec.security.privacy.device_limit), claims.device_limit);
  if (devices_.admit(claims.token_id, device, limit, now) == security::DeviceWindow::Admit::Refused) {
    d.allowed = false;
    d.status = 403;
    d.reason = "device limit reached for live " + label + ": " + std::to_string(limit) +
               " devices are already playing with this token";
    return d;
  }
  d.query = "token=" + *token + "&device=" + device;
  return d;
}

security::PlaybackClaims PlaybackGate::issue(const LiveRecord& live, DurationMs ttl, int device_limit, TimeMs now,
                                             std::string& token) const {
  security::PlaybackClaims claims;
  claims.live_id = live.id;
  claims.issued_at = now;
  claims.expires_at = now + ttl;
  claims.device_limit = device_limit;
  claims.token_id = "tk_" + random_string(16, "abcdefghijklmnopqrstuvwxyz0123456789");
  token = security::sign_playback_token(claims, secret_.bytes());
  return claims;
}

}  // namespace bvlive
