#include "daemon.hpp"
#include "daemon/security/playback_gate.hpp"
#include "daemon/security/playback_secret.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>

#include "bvlive/version.hpp"
#include "config/config_loader.hpp"
#include "control/socket_activation.hpp"
#include "daemon/library/library_import.hpp"
#include "events/live_status.hpp"
#include "core/interaction/room_status.hpp"
#include "log/log.hpp"
#include "metrics/prometheus_text.hpp"
#include "rpc/error.hpp"
#include "util/paths.hpp"
#include "uv/work.hpp"
#include "daemon/api/upload_file.hpp"
#include "daemon/api/openapi_document.hpp"

namespace bvlive {
namespace {

namespace fs = std::filesystem;
constexpr const char* kSystemConfig = "/etc/bvlive/bvlived.toml";

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : "";
}

}  // namespace

// Holds an exclusive flock on STATE_DIR/bvlived.lock for the daemon's lifetime so
// two daemons never write one store.
struct Daemon::StateLock {
  explicit StateLock(const std::string& dir) {
    const std::string path = dir + "/bvlived.lock";
    fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);
      throw std::runtime_error("another bvlived is already using the state directory " + dir);
    }
  }
  ~StateLock() { ::close(fd); }
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;
  int fd = -1;
};

std::string resolve_config_file(const std::string& from_flag) {
  if (!from_flag.empty()) return from_flag;
  if (auto env = env_or_empty("BVLIVE_CONFIG"); !env.empty()) return env;
  if (fs::exists(kSystemConfig)) return kSystemConfig;
  return "";
}

Daemon::Daemon(DaemonOptions options) : options_(std::move(options)) {
  config_file_ = resolve_config_file(options_.config_file);
  settings_ = load_settings();
  log::set_level(options_.log_level.value_or(settings_.log_level));

  // Resolve paths: command line, then config, then systemd's directories, then the default rules.
  if (!options_.socket_path.empty()) settings_.socket_path = options_.socket_path;
  if (settings_.socket_path.empty() && !env_or_empty("RUNTIME_DIRECTORY").empty())
    settings_.socket_path = env_or_empty("RUNTIME_DIRECTORY") + "/" + kSocketFileName;
  if (settings_.socket_path.empty()) settings_.socket_path = socket_path_from_env();
  if (!options_.state_dir.empty()) settings_.state_dir = options_.state_dir;
  if (settings_.state_dir.empty()) settings_.state_dir = env_or_empty("STATE_DIRECTORY");
  if (settings_.state_dir.empty()) settings_.state_dir = state_dir_from_env();

  std::error_code ec;
  fs::create_directories(settings_.state_dir + "/media", ec);
  if (ec) throw std::runtime_error("cannot create state directory " + settings_.state_dir + ": " + ec.message());
  lock_ = std::make_unique<StateLock>(settings_.state_dir);

  // Bind first: a start refused because another daemon answers on the socket
  // must not have touched the store. Nothing is served before run().
  control_ = std::make_unique<ControlServer>(
      loop_.get(), [this](const std::string& m, const nlohmann::json& p, const Peer& peer) { return dispatch(m, p, peer); },
      settings_.max_request_bytes);
  control_->set_dispatch_later(
      [this](const std::string& m, const nlohmann::json& p, const Peer& peer, ControlServer::Answer answer) {
        return dispatch_later(m, p, peer, std::move(answer));
      });
  const auto fds = systemd_listen_fds();
  if (!fds.empty()) {
    for (int fd : fds) control_->adopt_fd(fd);
    log::info("control", "listening on " + std::to_string(fds.size()) + " socket(s) from systemd");
  } else {
    control_->listen_path(settings_.socket_path, settings_.socket_mode, settings_.socket_group);
  }

  started_at_ = now_ms();
  store_ = std::make_unique<Store>(settings_.state_dir + "/bvlive.db", settings_.sync_full);
  for (const auto& s : store_->end_orphaned_sessions(started_at_, "daemon-restart"))
    log::warn("session", "session " + s.id + " of live " + s.live_id + " was running when bvlived stopped; ended");
  service_ = std::make_unique<LiveService>(*store_, rules_of(settings_), settings_.state_dir + "/media", started_at_);
  library_ = std::make_unique<library::LibraryCatalog>(*store_, settings_.state_dir + "/media");
  vods_ = std::make_unique<VodCatalog>(*store_);
  service_->check_references = [this](const LiveSpec& spec) { check_references(spec); };
  service_->on_transition = [this](const AppliedTransition& t) { on_transition(t); };
  const auto report = service_->reconcile(settings_.lives);
  if (!report["created"].empty()) log::info("config", "created lives " + report["created"].dump());
  if (!report["updated"].empty()) log::info("config", "updated lives " + report["updated"].dump());
  for (const auto& s : report["skipped"])
    log::warn("config", "left live " + s["custom_id"].get<std::string>() + " alone: " + s["reason"].get<std::string>());

  start_media_plane();
  start_api();
  scheduler_ = std::make_unique<Scheduler>(loop_.get(), *service_);

  sigterm_ = std::make_unique<uv::Signal>(loop_.get(), SIGTERM, [this] { shutdown(); });
  sigint_ = std::make_unique<uv::Signal>(loop_.get(), SIGINT, [this] { shutdown(); });
  sighup_ = std::make_unique<uv::Signal>(loop_.get(), SIGHUP, [this] {
    try {
      const auto r = reload();
      scheduler_->rearm();  // the reload may have added or moved a schedule
      log::info("config", "reloaded " + r["config"].get<std::string>() + ": " + r.dump());
    } catch (const std::exception& e) {
      log::error("config", std::string("reload refused, running config kept: ") + e.what());
    }
  });
  std::signal(SIGPIPE, SIG_IGN);
}

// Members close their handles (the control server also unlinks its socket) as
// they are destroyed; loop_, destroyed after them, finishes the closes.
Daemon::~Daemon() {
  alive_.reset();  // pool jobs that finish from now on find nothing to report to
  // Sessions end with the daemon as their reason, before the listeners drop their encoders.
  if (sessions_) sessions_->end_all("daemon shutting down");
  if (media_index_) media_index_->on_update = nullptr;  // the origin goes before the index
  if (service_) service_->on_changed = nullptr;         // and the event hub before the service
  if (service_) service_->session_running = nullptr;    // and the sessions too
}

// Ingest, sessions and the origin. Listeners bind here, before run(), so a port in use
// stops the start with a message instead of a daemon that cannot be pushed to.
void Daemon::start_media_plane() {
  public_host_ = settings_.public_host;
  if (public_host_.empty()) {
    char host[256] = {};
    public_host_ = ::gethostname(host, sizeof host - 1) == 0 && host[0] ? host : "localhost";
  }
  media_index_ = std::make_unique<MediaIndex>(*store_, settings_.state_dir + "/media", loop_.get());
  disk_space_ = std::make_unique<DiskSpace>(loop_.get(), settings_.state_dir + "/media", settings_.media.min_free_space);
  sessions_ = std::make_unique<SessionManager>(loop_.get(), *service_, *store_, *media_index_, settings_.media);
  sessions_->disk_space = disk_space_.get();
  sessions_->on_playout_end = [this](const std::string& live_id, const SessionRow& row) {
    const LiveRecord* live = service_->by_id_or_custom_id(live_id);
    if (!live || live->state != LiveState::Live || live->spec.broadcast_mode == BroadcastMode::Playback) return;
    // Traditional and DVR simulives end with their video (a playback one at start + its duration).
    log::info("simulive", "live " + live->label() + ": playout over (" + row.end_reason.value_or("") + "); ending it");
    service_->set_playout_end(live_id, now_ms());
    scheduler_->rearm();
  };
  sessions_->library_file = [this](const std::string& library_id) {
    const library::LibraryItem* item = library_->find(library_id);
    return item ? library_->path_of(*item) : std::string();
  };
  sessions_->on_push_lost = [this](const std::string& live_id) { start_slate(live_id); };
  service_->session_running = [this](const std::string& live_id) { return sessions_->running(live_id) != nullptr; };
  sessions_->on_signal = [this](const std::string& live_id, bool lost, const std::string& detail) {
    if (!service_->set_signal(live_id, lost, detail)) return;
    const LiveRecord* live = service_->by_id_or_custom_id(live_id);
    (lost ? log::warn : log::info)("signal", "live " + (live ? live->label() : live_id) + ": signal " +
                                                 (lost ? "interrupted: " : "restored: ") + detail);
  };
  vod_ = std::make_unique<VodManager>(VodContext{
      loop_.get(), *service_, *vods_, *library_, *media_index_, settings_.media,
      [this](const std::string& live_id) { return sessions_->busy(live_id); },
      [this](const LiveRecord& live) {
        const std::string base = http_base();
        return base.empty() ? base : base + "/live/" + live.id + "/";
      },
      [this] {
        if (scheduler_) scheduler_->rearm();
        sessions_->refresh_keys();
      }});
  playback_secret_ = std::make_unique<PlaybackSecret>(settings_.state_dir + "/playback-secret");
  playback_gate_ = std::make_unique<PlaybackGate>(*playback_secret_, settings_.security);
  if (const std::string geo = playback_gate_->geo_description(); !geo.empty())
    log::info("security", "geo control reads " + geo);
  segment_key_secret_ = std::make_unique<PlaybackSecret>(
      settings_.state_dir + "/segment-key-secret", "segment key secret",
      "AES-128 protected recordings, ClearKey DRM lives and players holding old keys can no longer decrypt");
  segment_protection_ = std::make_unique<SegmentProtection>(*segment_key_secret_, settings_.security);
  drm_keys_ = std::make_unique<DrmKeys>(loop_.get(), *segment_key_secret_, settings_.drm);
  sessions_->drm_keys = [this](const std::string& live_id) { return drm_keys_->get(live_id); };
  for (const auto& [id, live] : service_->lives())
    if (live.spec.security.protection == ProtectionType::Drm && live.state != LiveState::Archived) drm_keys_->prepare(id);
  // Pages' event streams, chat and polls: the CLI side works without HTTP too.
  events_ = std::make_unique<EventHub>(loop_.get());
  service_->on_changed = [this](const LiveRecord& live) {
    events_->publish(live.id, "status", live_status(live));
    if (live.spec.security.protection == ProtectionType::Drm) drm_keys_->prepare(live.id);
  };
  interaction_store_ = std::make_unique<InteractionStore>(store_->db());
  chat_ = std::make_unique<ChatService>(*interaction_store_, *events_, settings_.chat);
  polls_ = std::make_unique<PollService>(loop_.get(), *interaction_store_, *events_);
  interaction_routes_ = std::make_unique<InteractionRoutes>(*chat_, *polls_);
  start_tls();
  if (settings_.http.enabled) {
    origin_ = std::make_unique<Origin>(loop_.get(), *service_, *media_index_, *vods_, settings_.media,
                                       [this] { return metrics_text(); });
    media_index_->on_update = [this](const std::string& live_id) { origin_->wake(live_id); };
    origin_->web_root = settings_.http.web_root.empty() ? BVLIVE_WEB_DIR : settings_.http.web_root;
    origin_->events = events_.get();
    origin_->interaction = interaction_routes_.get();
    origin_->playback_gate = playback_gate_.get();
    origin_->protection = segment_protection_.get();
    origin_->drm = drm_keys_.get();
    origin_->session_running = [this](const std::string& live_id) { return sessions_->running(live_id) != nullptr; };
    covers_ = std::make_unique<CoverService>(loop_.get(), *library_, *media_index_, settings_.media);
    origin_->covers = [this](const LiveRecord& live, std::string_view status) { return covers_->serve(live, status); };
    http::ServerOptions opts;
    opts.idle_timeout_ms = static_cast<std::uint64_t>(settings_.http.idle_timeout);
    opts.hsts_max_age = settings_.tls.hsts_max_age;
    http_ = std::make_unique<http::HttpServer>(
        loop_.get(),
        [this](const http::Request& r, const http::ClientInfo& c) {
          if (auto redirect = https_redirect(r, c)) return std::move(*redirect);
          if (whip_ && r.path.rfind("/whip/", 0) == 0) return whip_->handle(r, c);
          return origin_->handle(r, c);
        },
        opts);
    ports_.http = http_->listen(settings_.http.listen, settings_.http.port);
    log::info("http", "listening on " + settings_.http.listen + ":" + std::to_string(ports_.http));
    if (tls_ && settings_.tls.https) {
      ports_.https = http_->listen(settings_.http.listen, settings_.tls.https_port, tls_.get());
      log::info("http", "HTTPS listening on " + settings_.http.listen + ":" + std::to_string(ports_.https));
    }
  }
  if (settings_.rtmp.enabled) {
    rtmp_ = std::make_unique<RtmpServer>(loop_.get(), settings_.rtmp, *sessions_);
    ports_.rtmp = rtmp_->listen();
    if (tls_ && settings_.tls.rtmps) ports_.rtmps = rtmp_->listen_tls(settings_.tls.rtmps_port, *tls_);
  }
  if (settings_.srt.enabled) {
    srt_ = std::make_unique<SrtListener>(loop_.get(), settings_.srt, *sessions_);
    ports_.srt = srt_->start();
  }
  // WHIP is served by the HTTP origin, so it needs it.
  if (settings_.webrtc.enabled && http_) {
    whip_ = std::make_unique<WhipServer>(loop_.get(), settings_.webrtc, settings_.media, settings_.state_dir, *service_,
                                         *sessions_);
    ports_.webrtc = whip_->listen();
  }
}

void Daemon::on_transition(const AppliedTransition& t) {
  log::info("lifecycle", "live " + t.label + ": " + (t.from ? std::string(to_string(*t.from)) : "-") + " -> " +
                             (t.to ? std::string(to_string(*t.to)) : "deleted") + " (" +
                             std::string(to_string(t.trigger)) + ", " + t.cause + ")");
  if (sessions_) {
    sessions_->on_transition(t);
    sessions_->refresh_keys();
  }
  // A DRM live's keys are fetched as soon as it exists, so its first push finds them.
  if (drm_keys_ && !t.to) drm_keys_->forget(t.live_id);
  if (drm_keys_ && t.to)
    if (const LiveRecord* live = service_->by_id_or_custom_id(t.live_id);
        live && live->spec.security.protection == ProtectionType::Drm)
      drm_keys_->prepare(live->id);
  if (events_) {
    if (!t.to) events_->close_live(t.live_id);
    else if (const LiveRecord* live = service_->by_id_or_custom_id(t.live_id))
      events_->publish(live->id, "status", live_status(*live));
  }
  if (polls_) {
    if (!t.to) polls_->forget(t.live_id);
    else if (const LiveRecord* live = service_->by_id_or_custom_id(t.live_id);
             live && interaction::phase_of(live->state) != interaction::Phase::Live)
      polls_->close_all(*live, now_ms());  // polls run in the live phase
  }
  if (!t.to) {
    if (vod_) vod_->forget(t.live_id);
    if (covers_) covers_->forget(t.live_id);
    return;
  }
  if (*t.to == LiveState::Encoding && vod_) vod_->begin(t.live_id);
  if (*t.to == LiveState::Live && sessions_)
    if (const LiveRecord* live = service_->by_id_or_custom_id(t.live_id); live && live->spec.type == LiveType::Simulive)
      start_playout(*live);
}

void Daemon::check_references(const LiveSpec& spec) const {
  library_->check_refs(spec);
  if (spec.live_vod.source == LiveVodSource::Playback && spec.live_vod.playback_id)
    vods_->playback_source(*spec.live_vod.playback_id, service_->lives(), "live.live_vod.playback.id");
}

// The HTTP API on its own listener. Keys are the daemon's whatever [api] says, so `bvlive
// apikey` works with the API off.
void Daemon::start_api() {
  api_keys_ = std::make_unique<api::ApiKeyRegistry>(store_->db());
  if (!settings_.api.enabled) return;
  ApiServer::Hooks hooks;
  hooks.call = [this](const std::string& method, const nlohmann::json& params, const Caller& caller) {
    nlohmann::json out = dispatch_as(method, params, caller);
    // Every answer that holds a live holds it as GET does, URLs and VOD included.
    if (out.is_object() && out.contains("live") && out["live"].is_object() && out["live"].contains("id"))
      add_daemon_fields(out["live"]);
    return out;
  };
  // ffprobe and the link run on the thread pool: nothing else on the loop waits for them.
  hooks.import_upload = [this](std::shared_ptr<UploadFile> upload, const std::string& name, const Caller& caller,
                               ApiServer::Done done) {
    LibraryImport request;
    request.path = upload->path();
    request.name = name.empty() ? "upload" : name;
    request.original = "upload by API key " + caller.api_key.value_or("?");
    import_in_pool(std::move(request), std::move(upload), std::move(done));
  };
  hooks.upload_dir = library_->media_root() + "/library";
  std::error_code ec;
  fs::create_directories(hooks.upload_dir, ec);
  hooks.document = kOpenApiDocument;
  api_ = std::make_unique<ApiServer>(loop_.get(), settings_.api, static_cast<std::uint64_t>(settings_.http.idle_timeout),
                                     *api_keys_, std::move(hooks));
  ports_.api = api_->listen(settings_.tls.api ? tls_.get() : nullptr);
  log::info("api", std::string(settings_.tls.api && tls_ ? "HTTPS" : "HTTP") + " API listening on " + settings_.api.listen + ":" + std::to_string(ports_.api) + " (" +
                       std::to_string(api_keys_->size()) + " API keys)");
}

int Daemon::run() {
  log::info("daemon", std::string("bvlived ") + kVersion + " started (pid " + std::to_string(::getpid()) +
                          ", state " + settings_.state_dir + ", config " +
                          (config_file_.empty() ? "embedded defaults" : config_file_) + ")");
  // Transitions that fell due while the daemon was down are applied now, with
  // cause missed-schedule, before any client is served.
  scheduler_->fire_now();
  // Work a stop interrupted: simulive playouts still on air, VOD jobs of ENCODING lives.
  resume_playouts();
  vod_->resume();
  uv_run(loop_.get(), UV_RUN_DEFAULT);
  log::info("daemon", "stopped");
  return 0;
}

void Daemon::shutdown() {
  if (stopping_) return;
  stopping_ = true;
  log::info("daemon", "shutting down");
  // Stop the loop; handles are closed by the destructor, outside any callback.
  uv_stop(loop_.get());
}

}  // namespace bvlive
