// live.token and secret.rotate: signed playback tokens (daemon/security/).
#include "daemon.hpp"

#include "log/log.hpp"
#include "rpc/error.hpp"
#include "daemon/security/playback_gate.hpp"
#include "daemon/security/playback_secret.hpp"

namespace bvlive {

nlohmann::json Daemon::issue_token(const nlohmann::json& params) {
  const LiveRecord& live = service_->named(params);
  DurationMs ttl = 2 * 3600 * 1000;
  if (params.contains("ttl_ms")) {
    if (!params["ttl_ms"].is_number_integer() || params["ttl_ms"].get<std::int64_t>() <= 0)
      throw_invalid("ttl_ms", "must be a positive number of milliseconds");
    ttl = params["ttl_ms"].get<std::int64_t>();
  }
  if (ttl > 366LL * 24 * 3600 * 1000) throw_invalid("ttl_ms", "at most a year (366d)");
  int device_limit = 0;
  if (params.contains("device_limit")) {
    if (!params["device_limit"].is_number_integer() || params["device_limit"].get<std::int64_t>() < 1 ||
        params["device_limit"].get<std::int64_t>() > 100000)
      throw_invalid("device_limit", "must be 1 to 100000 (leave it out for the live's own limit)");
    device_limit = static_cast<int>(params["device_limit"].get<std::int64_t>());
  }
  std::string token;
  const auto claims = playback_gate_->issue(live, ttl, device_limit, now_ms(), token);
  const std::string base = http_base();
  nlohmann::json out = {{"live_id", live.id},
                        {"token", token},
                        {"token_id", claims.token_id},
                        {"expires_at", format_rfc3339(claims.expires_at)},
                        {"device_limit", device_limit},
                        {"playback_url", base.empty() ? nlohmann::json(nullptr)
                                                      : nlohmann::json(base + "/live/" + live.id + "/index.m3u8?token=" + token)}};
  if (live.spec.security.privacy.type != PrivacyType::Token)
    out["note"] = "live " + live.label() +
                  " is public: tokens are checked only once security.privacy.type is SECURITY_PRIVACY_TYPE_TOKEN";
  log::info("security", "issued playback token " + claims.token_id + " for live " + live.label() + ", valid until " +
                            format_rfc3339(claims.expires_at));
  return {{"token", out}};
}

nlohmann::json Daemon::rotate_secret(const Caller& caller) {
  playback_secret_->rotate();
  log::warn("security", "playback secret rotated" + (caller.uid ? " by uid " + std::to_string(*caller.uid) : std::string()) +
                            ": every token issued before is refused");
  return {{"rotated", true}};
}

}  // namespace bvlive
