#include "daemon/security/playback_gate.hpp"

#include <algorithm>

#include <openssl/crypto.h>

#include "core/security/domain_match.hpp"
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

// A device id for a viewer known only by address: IPv6 colons would not pass the id check.
std::string ip_device(std::string address) {
  std::replace(address.begin(), address.end(), ':', '-');
  return "ip_" + address;
}

}  // namespace

PlaybackGate::PlaybackGate(PlaybackSecret& secret, const SecuritySettings& settings)
    : secret_(secret), settings_(settings), devices_(settings.device_idle) {
  for (const auto& text : settings.trusted_proxies) {  // checked when the config was read
    const auto parsed = security::parse_address_range(text);
    if (const auto* range = std::get_if<security::AddressRange>(&parsed)) trusted_proxies_.push_back(*range);
  }
  if (!settings.geo_database.empty()) geo_.emplace(settings.geo_database);
}

PlaybackGate::Decision PlaybackGate::check_geo(const LiveRecord& live, const std::string& viewer) const {
  Decision d;
  const auto& allowed = live.spec.security.geo_control;
  if (allowed.empty()) return d;
  std::string list;
  for (const auto& c : allowed) list += (list.empty() ? "" : ", ") + c;
  d.allowed = false;
  d.status = 403;
  if (!geo_) {
    d.reason = "live " + live.label() + " plays only in " + list +
               ", and this server cannot tell countries: set [security] geo_database in bvlived.toml";
    return d;
  }
  const auto country = geo_->country(viewer);
  if (!country) {
    if (settings_.allow_unknown_country) return Decision{};
    d.reason = "live " + live.label() + " plays only in " + list + ", and the country of " + viewer +
               " is unknown ([security] unknown_country is \"deny\")";
    return d;
  }
  if (std::find(allowed.begin(), allowed.end(), *country) != allowed.end()) return Decision{};
  d.reason = "live " + live.label() + " does not play in " + *country + " (it plays only in " + list + ")";
  return d;
}

PlaybackGate::Decision PlaybackGate::check_domain(const LiveRecord& live, const http::Request& req) const {
  Decision d;
  const DomainControl& dc = live.spec.security.domain_control;
  if (!dc.enabled) return d;
  // The page that embeds the player: Origin on cross-origin requests, else the Referer.
  std::optional<std::string_view> from = req.header("origin");
  if (!from || from->empty() || *from == "null") from = req.header("referer");
  if (!from || from->empty()) {
    if (settings_.allow_missing_origin) return d;
    d.allowed = false;
    d.status = 403;
    d.reason = "live " + live.label() + " plays only on its allowed domains, and this request names no page "
               "(no Origin or Referer header; security.missing_origin is \"deny\")";
    return d;
  }
  // The daemon's own viewer page (/watch/ID) asking for the live's playlists, events, chat:
  // the page itself was let in by the site that embeds it.
  if (const auto own = req.header("host"); own && security::same_authority(*from, *own)) return d;
  const auto host = security::request_host(*from);
  if (host && security::domain_allowed(*host, dc.domains)) return d;
  d.allowed = false;
  d.status = 403;
  d.reason = "live " + live.label() + " does not play on " + (host ? *host : std::string("this page")) +
             ": not one of its allowed domains (security.domain_control)";
  return d;
}

bool PlaybackGate::from_edge(const http::Request& req) const {
  const std::string& secret = settings_.edge_secret;
  const auto given = req.header("x-bvlive-edge");
  return !secret.empty() && given && given->size() == secret.size() &&
         CRYPTO_memcmp(given->data(), secret.data(), secret.size()) == 0;
}

std::string PlaybackGate::viewer(const http::Request& req, const http::ClientInfo& client) const {
  const auto forwarded = req.header("x-forwarded-for");
  const std::string forwarded_text = forwarded ? std::string(*forwarded) : std::string();
  if (forwarded && from_edge(req)) {
    // The edge writes the address it sees (X-Forwarded-For $remote_addr): believe the peer
    // as one more trusted proxy.
    std::vector<security::AddressRange> trusted = trusted_proxies_;
    if (const auto peer = security::parse_address_range(client.address); std::holds_alternative<security::AddressRange>(peer))
      trusted.push_back(std::get<security::AddressRange>(peer));
    return security::client_address(client.address, &forwarded_text, trusted);
  }
  return security::client_address(client.address, forwarded ? &forwarded_text : nullptr, trusted_proxies_);
}

PlaybackGate::Decision PlaybackGate::check(const LiveRecord& live, const http::Request& req,
                                           const http::ClientInfo& client, bool entry, TimeMs now) {
  // The viewer behind our trusted proxies, if any: geo control and device ids go by them.
  const std::string viewer = this->viewer(req, client);
  Decision d = check_geo(live, viewer);
  if (d.allowed) d = check_domain(live, req);
  if (!d.allowed || !token_protected(live)) return d;
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
  if (device.empty()) device = entry ? "d_" + random_string(12, "abcdefghijklmnopqrstuvwxyz0123456789") : ip_device(viewer);
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
