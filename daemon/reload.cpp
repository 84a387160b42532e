// The config file: read at start with the command line's overrides, and re-read by
// daemon.reload and SIGHUP (what applies at once, what waits for a restart).
#include "daemon.hpp"

#include "config/config_loader.hpp"
#include "log/log.hpp"
#include "rpc/error.hpp"

namespace bvlive {

ScheduleRules Daemon::rules_of(const Settings& s) { return {s.prepare_lead, s.close_after}; }

Settings Daemon::load_settings() const {
  Settings s = config_file_.empty() ? Settings{} : load_config_file(config_file_);
  if (!options_.listen.empty()) s.rtmp.listen = s.srt.listen = s.http.listen = s.webrtc.listen = options_.listen;
  if (options_.rtmp_port) s.rtmp.port = *options_.rtmp_port;
  if (options_.srt_port) s.srt.port = *options_.srt_port;
  if (options_.http_port) s.http.port = *options_.http_port;
  if (options_.webrtc_port) s.webrtc.port = *options_.webrtc_port;
  if (options_.api_port) s.api.port = *options_.api_port;
  return s;
}

nlohmann::json Daemon::reload() {
  Settings fresh;
  try {
    fresh = load_settings();
  } catch (const ConfigError& e) {
    throw RpcError(ErrorKind::InvalidParams, std::string(e.what()) + " (reload refused; the running config is kept)",
                   {{"path", "config"}});
  }
  const ScheduleRules old_rules = service_->rules();
  service_->set_rules(rules_of(fresh));
  nlohmann::json report;
  try {
    report = service_->reconcile(fresh.lives);
  } catch (const ConfigError& e) {
    service_->set_rules(old_rules);
    throw RpcError(ErrorKind::InvalidParams, std::string(e.what()) + " (reload refused; the running config is kept)",
                   {{"path", "config"}});
  }
  // Settings that only take effect at start-up are reported, not applied.
  nlohmann::json restart = nlohmann::json::array();
  auto differs = [&](const char* key, bool changed) {
    if (changed) restart.push_back(key);
  };
  differs("daemon.socket", !options_.socket_path.empty() ? false : (!fresh.socket_path.empty() && fresh.socket_path != settings_.socket_path));
  differs("daemon.state_dir", !options_.state_dir.empty() ? false : (!fresh.state_dir.empty() && fresh.state_dir != settings_.state_dir));
  differs("daemon.socket_mode", fresh.socket_mode != settings_.socket_mode);
  differs("daemon.socket_group", fresh.socket_group != settings_.socket_group);
  differs("daemon.sync", fresh.sync_full != settings_.sync_full);
  differs("daemon.max_request_bytes", fresh.max_request_bytes != settings_.max_request_bytes);
  differs("daemon.public_host", fresh.public_host != settings_.public_host);
  differs("rtmp", fresh.rtmp != settings_.rtmp);
  differs("srt", fresh.srt != settings_.srt);
  differs("http", fresh.http != settings_.http);
  differs("webrtc", fresh.webrtc != settings_.webrtc);
  {
    // Rate limits apply at once; the listener's settings need a restart.
    ApiSettings listener = fresh.api;
    listener.rate_limit = settings_.api.rate_limit;
    listener.rate_burst = settings_.api.rate_burst;
    differs("api", listener != settings_.api);
    settings_.api.rate_limit = fresh.api.rate_limit;
    settings_.api.rate_burst = fresh.api.rate_burst;
    if (api_) api_->set_rate(fresh.api.rate_limit, fresh.api.rate_burst);
  }
  {
    // New certificate files apply at once; turning TLS on or off, ports and the rest at restart.
    TlsSettings listener = fresh.tls;
    listener.certificate = settings_.tls.certificate;
    listener.key = settings_.tls.key;
    differs("tls", listener != settings_.tls || fresh.tls.enabled() != settings_.tls.enabled());
    if (nlohmann::json tls = reload_tls(fresh); !tls.is_null()) report["tls"] = tls;
  }
  {
    // The free space pushes need applies at once (an operator lowering it on a full disk).
    MediaSettings media = fresh.media;
    media.min_free_space = settings_.media.min_free_space;
    differs("media", media != settings_.media);
    settings_.media.min_free_space = fresh.media.min_free_space;
    if (disk_space_) disk_space_->set_min_free(fresh.media.min_free_space);
  }
  differs("security", fresh.security != settings_.security);
  // Keys already fetched or derived stay with their lives: a new key server applies at start.
  differs("drm", fresh.drm != settings_.drm);
  settings_.chat = fresh.chat;
  if (chat_) chat_->apply(fresh.chat);
  settings_.prepare_lead = fresh.prepare_lead;
  settings_.close_after = fresh.close_after;
  settings_.lives = fresh.lives;
  if (!options_.log_level) {
    settings_.log_level = fresh.log_level;
    log::set_level(fresh.log_level);
  }
  report["config"] = config_file_.empty() ? "embedded defaults" : config_file_;
  report["restart_needed_for"] = restart;
  return report;
}

}  // namespace bvlive
