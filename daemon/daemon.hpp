// bvlived: owns the loop and everything on it. One Daemon per process.
#pragma once

#include <uv.h>

#include <memory>
#include <optional>
#include <string>

#include "core/api/api_key_registry.hpp"
#include "daemon/api/api_server.hpp"
#include "config/settings.hpp"
#include "control/control_server.hpp"
#include "daemon/covers/cover_service.hpp"
#include "http/http_server.hpp"
#include "daemon/ingest/rtmp/rtmp_server.hpp"
#include "daemon/ingest/srt/srt_listener.hpp"
#include "core/library/library_catalog.hpp"
#include "daemon/library/library_import.hpp"
#include "daemon/media/media_index.hpp"
#include "events/event_hub.hpp"
#include "daemon/interaction/chat_service.hpp"
#include "daemon/interaction/interaction_routes.hpp"
#include "daemon/interaction/poll_service.hpp"
#include "origin/origin.hpp"
#include "daemon/security/playback_gate.hpp"
#include "daemon/drm/drm_keys.hpp"
#include "daemon/security/segment_protection.hpp"
#include "daemon/security/playback_secret.hpp"
#include "sessions/session_manager.hpp"
#include "webrtc/whip_server.hpp"
#include "scheduler/scheduler.hpp"
#include "service/live_service.hpp"
#include "store/store.hpp"
#include "core/vod/vod_catalog.hpp"
#include "daemon/vod/vod_manager.hpp"
#include "uv/loop.hpp"
#include "uv/signal.hpp"

namespace bvlive {

// What the command line said; it wins over the config file.
struct DaemonOptions {
  std::string config_file;  // empty: $BVLIVE_CONFIG, else /etc/bvlive/bvlived.toml if present, else defaults
  std::string socket_path;
  std::string state_dir;
  std::optional<LogLevel> log_level;
  std::string listen;                 // all listeners' address
  std::optional<int> rtmp_port, srt_port, http_port, webrtc_port, api_port;
};

// The config file bvlived reads: --config, else $BVLIVE_CONFIG, else
// /etc/bvlive/bvlived.toml when it exists; empty means the embedded defaults.
std::string resolve_config_file(const std::string& from_flag);

class Daemon {
 public:
  explicit Daemon(DaemonOptions options);
  ~Daemon();
  // Runs until SIGTERM/SIGINT. Returns the process exit code.
  int run();

  // The JSON-RPC methods (daemon/rpc_methods.cpp).
  nlohmann::json dispatch(const std::string& method, const nlohmann::json& params, const Peer& peer);
  // The same methods for any caller: the control socket's peers and the HTTP API's keys.
  nlohmann::json dispatch_as(const std::string& method, const nlohmann::json& params, const Caller& caller);
  nlohmann::json status() const;
  // live.get plus what only the daemon knows: ingest and playback URLs.
  nlohmann::json live_view(const nlohmann::json& params);
  // What only the daemon knows of a live, added to its JSON: URLs, and its VOD if any.
  void add_daemon_fields(nlohmann::json& live) const;
  nlohmann::json reload();
  void shutdown();
  // The media library (library.add imports through ffprobe; the rest is the catalog's).
  using Answer = std::function<void(const std::function<nlohmann::json()>& answer)>;
  // Methods answered later (ControlServer::DispatchLater): true when `method` is one.
  bool dispatch_later(const std::string& method, const nlohmann::json& params, const Peer& peer, Answer answer);
  void library_add(const nlohmann::json& params, Answer answer);
  api::ApiKeyRegistry& api_keys() { return *api_keys_; }
  nlohmann::json library_list() const;
  nlohmann::json library_get(const nlohmann::json& params) const;
  // live.token {id, ttl_ms?, device_limit?} and secret.rotate (see daemon/security/).
  nlohmann::json issue_token(const nlohmann::json& params);
  nlohmann::json edge_config(const nlohmann::json& params);
  nlohmann::json rotate_secret(const Caller& caller);
  nlohmann::json library_remove(const nlohmann::json& params);
  VodManager& vod() { return *vod_; }
  // chat.* and poll.* (daemon/interaction_methods.cpp).
  nlohmann::json chat_list(const nlohmann::json& params);
  nlohmann::json chat_send(const nlohmann::json& params);
  nlohmann::json chat_delete(const nlohmann::json& params);
  nlohmann::json poll_create(const nlohmann::json& params);
  nlohmann::json poll_close(const nlohmann::json& params);
  nlohmann::json poll_list(const nlohmann::json& params);

 private:
  Settings load_settings() const;  // the config file with the command line's overrides applied
  static ScheduleRules rules_of(const Settings& s);
  void start_media_plane();
  void start_api();
  // Probes and stores a file on the thread pool, then answers on the loop; an upload's
  // file is kept until then, and its refusals speak of the request body.
  void import_in_pool(LibraryImport request, std::shared_ptr<UploadFile> upload, Answer answer);
  // Stores an imported item in the catalog (its file is removed if the store refuses it).
  nlohmann::json keep_in_library(library::LibraryItem item, const std::string& from);
  [[noreturn]] static void rethrow_as_upload_refusal(std::exception_ptr error, const std::string& path);
  std::string metrics_text() const;
  nlohmann::json urls(const LiveRecord& live) const;
  std::string url_host() const;   // public_host, in brackets when it is an IPv6 address
  std::string http_base() const;  // http.public_url, else "https://host:port" with HTTPS, else "http://host:port"; "" without HTTP
  void start_tls();
  // The plain port's answer when [tls] redirect_http sends viewers to HTTPS, if it does.
  std::optional<http::Response> https_redirect(const http::Request& r, const http::ClientInfo& c) const;
  nlohmann::json tls_status() const;
  nlohmann::json reload_tls(const Settings& fresh);
  void on_transition(const AppliedTransition& t);
  void check_references(const LiveSpec& spec) const;
  // A simulive is LIVE: its library video plays as its session (resumed after a restart).
  void start_slate(const std::string& live_id);
  void start_playout(const LiveRecord& live);
  void resume_playouts();
  void apply_settings(const Settings& s);

  struct StateLock;

  DaemonOptions options_;
  std::string config_file_;
  Settings settings_;
  // Order matters: members are destroyed in reverse, so the lock is released
  // last and the loop outlives every handle owner declared after it.
  std::unique_ptr<StateLock> lock_;
  uv::Loop loop_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<LiveService> service_;
  std::unique_ptr<library::LibraryCatalog> library_;
  std::unique_ptr<VodCatalog> vods_;
  std::unique_ptr<MediaIndex> media_index_;
  std::unique_ptr<DiskSpace> disk_space_;  // before the sessions, which ask it
  std::unique_ptr<SessionManager> sessions_;
  std::unique_ptr<VodManager> vod_;
  std::unique_ptr<CoverService> covers_;
  std::unique_ptr<PlaybackSecret> playback_secret_;
  std::unique_ptr<PlaybackGate> playback_gate_;
  std::unique_ptr<PlaybackSecret> segment_key_secret_;
  std::unique_ptr<SegmentProtection> segment_protection_;
  std::unique_ptr<DrmKeys> drm_keys_;
  std::unique_ptr<EventHub> events_;
  std::unique_ptr<InteractionStore> interaction_store_;
  std::unique_ptr<ChatService> chat_;
  std::unique_ptr<PollService> polls_;
  std::unique_ptr<InteractionRoutes> interaction_routes_;
  std::unique_ptr<Origin> origin_;
  std::unique_ptr<tls::TlsContext> tls_;  // [tls]: outlives every listener that uses it
  // Listeners go before the sessions they feed: their connections close first.
  std::unique_ptr<http::HttpServer> http_;
  std::unique_ptr<RtmpServer> rtmp_;
  std::unique_ptr<SrtListener> srt_;
  std::unique_ptr<WhipServer> whip_;
  std::unique_ptr<api::ApiKeyRegistry> api_keys_;
  std::unique_ptr<ApiServer> api_;
  struct Ports {
    int rtmp = 0, srt = 0, http = 0, webrtc = 0, api = 0, https = 0, rtmps = 0;
  } ports_;
  std::string public_host_;
  std::unique_ptr<ControlServer> control_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<uv::Signal> sigterm_, sigint_, sighup_;
  TimeMs started_at_ = 0;
  bool stopping_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // expires when the daemon goes
};

}  // namespace bvlive
