#include "daemon.hpp"
#include "security/playback_gate.hpp"
#include "security/playback_secret.hpp"

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
#include "library/library_import.hpp"
#include "events/live_status.hpp"
#include "interaction/room_status.hpp"
#include "log/log.hpp"
#include "metrics/prometheus_text.hpp"
#include "rpc/error.hpp"
#include "util/paths.hpp"
#include "uv/work.hpp"
#include "api/upload_file.hpp"
#include "api/openapi_document.hpp"

namespace bvlive {
namespace {

namespace fs = std::filesystem;
constexpr const char* kSystemConfig = "/etc/bvlive/bvlived.toml";

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : "";
}

ScheduleRules rules_of(const Settings& s) { return {s.prepare_lead, s.close_after}; }

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
  sessions_ = std::make_unique<SessionManager>(loop_.get(), *service_, *store_, *media_index_, settings_.media);
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
      "AES-128 protected recordings and players holding old keys can no longer decrypt");
  segment_protection_ = std::make_unique<SegmentProtection>(*segment_key_secret_, settings_.security);
  // Pages' event streams, chat and polls: the CLI side works without HTTP too.
  events_ = std::make_unique<EventHub>(loop_.get());
  service_->on_changed = [this](const LiveRecord& live) { events_->publish(live.id, "status", live_status(live)); };
  interaction_store_ = std::make_unique<InteractionStore>(store_->db());
  chat_ = std::make_unique<ChatService>(*interaction_store_, *events_, settings_.chat);
  polls_ = std::make_unique<PollService>(loop_.get(), *interaction_store_, *events_);
  interaction_routes_ = std::make_unique<InteractionRoutes>(*chat_, *polls_);
  if (settings_.http.enabled) {
    origin_ = std::make_unique<Origin>(loop_.get(), *service_, *media_index_, *vods_, settings_.media,
                                       [this] { return metrics_text(); });
    media_index_->on_update = [this](const std::string& live_id) { origin_->wake(live_id); };
    origin_->web_root = settings_.http.web_root.empty() ? BVLIVE_WEB_DIR : settings_.http.web_root;
    origin_->events = events_.get();
    origin_->interaction = interaction_routes_.get();
    origin_->playback_gate = playback_gate_.get();
    origin_->protection = segment_protection_.get();
    origin_->session_running = [this](const std::string& live_id) { return sessions_->running(live_id) != nullptr; };
    covers_ = std::make_unique<CoverService>(loop_.get(), *library_, *media_index_, settings_.media);
    origin_->covers = [this](const LiveRecord& live, std::string_view status) { return covers_->serve(live, status); };
    http::ServerOptions opts;
    opts.idle_timeout_ms = static_cast<std::uint64_t>(settings_.http.idle_timeout);
    http_ = std::make_unique<http::HttpServer>(
        loop_.get(),
        [this](const http::Request& r, const http::ClientInfo& c) {
          if (whip_ && r.path.rfind("/whip/", 0) == 0) return whip_->handle(r, c);
          return origin_->handle(r, c);
        },
        opts);
    ports_.http = http_->listen(settings_.http.listen, settings_.http.port);
    log::info("http", "listening on " + settings_.http.listen + ":" + std::to_string(ports_.http));
  }
  if (settings_.rtmp.enabled) {
    rtmp_ = std::make_unique<RtmpServer>(loop_.get(), settings_.rtmp, *sessions_);
    ports_.rtmp = rtmp_->listen();
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

std::string Daemon::metrics_text() const {
  metrics::PrometheusText m;
  m.family("bvlive_lives", "gauge", "Lives by state.");
  auto counts = service_->count_by_state();
  for (auto s : kAllLiveStates) m.sample(counts.count(s) ? counts.at(s) : 0, {{"state", std::string(to_string(s))}});
  m.family("bvlive_lives_signal_interrupted", "gauge", "LIVE lives whose encoder stopped sending.");
  double interrupted = 0;
  for (const auto& [id, live] : service_->lives()) interrupted += live.signal_lost_at ? 1 : 0;
  m.sample(interrupted);
  m.family("bvlive_sessions_running", "gauge", "Sessions in INIT, PROCESSING or LIVE.");
  m.sample(static_cast<double>(sessions_->running_count()));
  const auto& st = sessions_->stats();
  m.family("bvlive_sessions_started_total", "counter", "Pushes accepted as sessions.").sample(st.started);
  m.family("bvlive_sessions_refused_total", "counter", "Pushes refused (wrong key, live not taking ingest).")
      .sample(st.refused);
  m.family("bvlive_sessions_failed_total", "counter", "Sessions that went to ERROR.").sample(st.errors);
  double bytes_in = static_cast<double>(st.bytes_in);
  for (const auto& [raw, s] : sessions_->sessions()) bytes_in += static_cast<double>(s->row().bytes_in);
  m.family("bvlive_ingest_bytes_total", "counter", "Bytes received from encoders.").sample(bytes_in);
  m.family("bvlive_segments_written_total", "counter", "Media segments written.")
      .sample(static_cast<double>(media_index_->segments_written()));
  m.family("bvlive_parts_written_total", "counter", "LL-HLS parts written (ull_enabled lives).")
      .sample(static_cast<double>(media_index_->parts_written()));
  // Publish latency: from a segment's last fragment leaving the packager to the segment
  // being listed. The mean is this total over bvlive_segment_publish_count.
  m.family("bvlive_segment_publish_seconds_total", "counter", "Sum of segment publish latencies, in seconds.")
      .sample(st.publish_latency.sum_seconds);
  m.family("bvlive_segment_publish_count", "counter", "Segments whose publish latency was measured.")
      .sample(static_cast<double>(st.publish_latency.count));
  m.family("bvlive_segment_publish_seconds_max", "gauge", "Slowest segment publication since start, in seconds.")
      .sample(st.publish_latency.max_seconds);
  m.family("bvlive_packager_speed", "gauge", "ffmpeg speed of each running session (1 = real time).");
  for (const auto& [raw, s] : sessions_->sessions())
    if (s->running()) m.sample(s->packager_speed(), {{"live", s->live_id()}, {"session", s->id()}});
  m.family("bvlive_sessions_slow", "gauge", "Running sessions whose packager is slower than real time.");
  double slow = 0;
  for (const auto& [raw, s] : sessions_->sessions())
    if (s->running() && s->row().warning) slow += 1;
  m.sample(slow);
  m.family("bvlive_session_renditions", "gauge",
           "Renditions of each running session and whether it is transcoded (0: passthrough).");
  for (const auto& [raw, s] : sessions_->sessions())
    if (s->running())
      m.sample(static_cast<double>(s->renditions().size()),
               {{"live", s->live_id()}, {"session", s->id()},
                {"transcoded", ladder::is_passthrough(s->renditions()) ? "0" : "1"}});
  if (http_) {
    const auto& hs = http_->stats();
    m.family("bvlive_http_responses_total", "counter", "HTTP responses by status code.");
    for (const auto& [code, n] : hs.responses_by_status) m.sample(static_cast<double>(n), {{"code", std::to_string(code)}});
    m.family("bvlive_http_bytes_out_total", "counter", "Bytes sent by the HTTP origin.")
        .sample(static_cast<double>(hs.bytes_out));
    m.family("bvlive_http_connections", "gauge", "Open HTTP connections.")
        .sample(static_cast<double>(hs.connections_open));
  }
  if (api_) {
    m.family("bvlive_api_responses_total", "counter", "HTTP API responses by status code.");
    for (const auto& [code, n] : api_->stats().responses_by_status)
      m.sample(static_cast<double>(n), {{"code", std::to_string(code)}});
    m.family("bvlive_api_unauthenticated_total", "counter", "HTTP API requests refused for a missing, unknown or revoked key.")
        .sample(static_cast<double>(api_->refused_auth()));
    m.family("bvlive_api_rate_limited_total", "counter", "HTTP API requests refused for their key's rate (429).")
        .sample(static_cast<double>(api_->rate_limited()));
  }
  if (events_) {
    m.family("bvlive_event_streams", "gauge", "Open event streams of player pages (/live/ID/events).")
        .sample(static_cast<double>(events_->streams()));
    m.family("bvlive_events_sent_total", "counter", "Events written to player pages' streams.")
        .sample(static_cast<double>(events_->events_sent()));
  }
  if (chat_ && polls_) {
    m.family("bvlive_chat_messages_total", "counter", "Chat messages kept (viewers' and the host's).")
        .sample(static_cast<double>(chat_->posted()));
    m.family("bvlive_chat_rate_limited_total", "counter", "Chat posts refused for coming too fast (HTTP 429).")
        .sample(static_cast<double>(chat_->refused_rate()));
    m.family("bvlive_poll_votes_total", "counter", "Poll votes counted.").sample(static_cast<double>(polls_->votes()));
  }
  if (origin_) {
    const HeldRequests& held = origin_->held();
    m.family("bvlive_http_held_requests", "gauge",
             "LL-HLS requests waiting for their segment or part (blocking reloads, preload hints).")
        .sample(static_cast<double>(held.size()));
    m.family("bvlive_http_held_answered_total", "counter", "Held requests answered when what they waited for came.")
        .sample(static_cast<double>(held.answered_ready()));
    m.family("bvlive_http_held_timeouts_total", "counter", "Held requests answered 503/404 after their wait.")
        .sample(static_cast<double>(held.timed_out()));
  }
  if (rtmp_) {
    m.family("bvlive_rtmp_connections", "gauge", "Open RTMP connections.")
        .sample(static_cast<double>(rtmp_->connections()));
  }
  if (whip_) m.family("bvlive_whip_sessions", "gauge", "WHIP publishers connected.").sample(static_cast<double>(whip_->peers()));
  if (srt_) {
    m.family("bvlive_srt_connections", "gauge", "SRT callers pushing.").sample(static_cast<double>(srt_->connections()));
  }
  return m.str();
}

std::string Daemon::url_host() const {
  return public_host_.find(':') != std::string::npos ? "[" + public_host_ + "]" : public_host_;  // IPv6 in brackets
}

std::string Daemon::http_base() const {
  if (!http_) return "";
  if (!settings_.http.public_url.empty()) return settings_.http.public_url;
  return "http://" + url_host() + ":" + std::to_string(ports_.http);
}

nlohmann::json Daemon::urls(const LiveRecord& live) const {
  nlohmann::json u = nlohmann::json::object();
  const std::string host = url_host();
  if (rtmp_) {
    u["rtmp_server"] = "rtmp://" + host + ":" + std::to_string(ports_.rtmp) + "/live";
    u["rtmp"] = u["rtmp_server"].get<std::string>() + "/" + live.stream_key;
  }
  if (ports_.srt)
    u["srt"] = "srt://" + host + ":" + std::to_string(ports_.srt) + "?streamid=#!::r=" + live.stream_key + ",m=publish";
  if (http_) {
    const std::string base = http_base();
    u["playback"] = base + "/live/" + live.id + "/index.m3u8";
    u["player"] = base + "/watch/" + live.id;
    u["preview"] = base + "/preview/" + live.id + "/index.m3u8?token=" + live.preview_token;
    if (whip_) u["whip"] = base + "/whip/" + live.id;
  }
  return u;
}

void Daemon::on_transition(const AppliedTransition& t) {
  log::info("lifecycle", "live " + t.label + ": " + (t.from ? std::string(to_string(*t.from)) : "-") + " -> " +
                             (t.to ? std::string(to_string(*t.to)) : "deleted") + " (" +
                             std::string(to_string(t.trigger)) + ", " + t.cause + ")");
  if (sessions_) {
    sessions_->on_transition(t);
    sessions_->refresh_keys();
  }
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

void Daemon::start_playout(const LiveRecord& live) {
  const library::LibraryItem* item = library_->find(live.spec.source.library_id.value_or(""));
  const TimeMs now = now_ms();
  auto give_up = [&](const std::string& why) {
    log::error("simulive", "live " + live.label() + ": " + why + "; the live ends");
    const std::string state(to_string(live.state));
    store_->append_event({0, live.id, now, state, state, "session", "error", why, std::nullopt, std::nullopt});
    service_->set_playout_end(live.id, now);
  };
  if (!item) return give_up("its library video " + live.spec.source.library_id.value_or("?") + " is gone");
  const double duration = item->probe.duration_seconds;
  const TimeMs started = live.live_started_at.value_or(now);
  ingest::PublishRequest request;
  request.input_file = library_->path_of(*item);
  request.transcode_video = item->probe.video_codec != "h264";
  request.transcode_audio = !item->probe.audio_codec.empty() && item->probe.audio_codec != "aac";
  if (item->probe.height > 0) request.source_height = item->probe.height;
  if (live.spec.broadcast_mode == BroadcastMode::Playback) {
    // The whole video is packaged at once and listed as it is cut; the live lasts as long
    // as the video. After a restart it goes on from what was already cut.
    request.realtime = false;
    if (!live.playout_ends_at)
      service_->set_playout_end(live.id, started + static_cast<TimeMs>(duration * 1000));
    for (const auto& s : media_index_->segments(live.id))
      if (s.program_date_time + static_cast<TimeMs>(s.duration * 1000) > started) request.start_seconds += s.duration;
  } else {
    // As a live: the video's time runs with the wall clock from LIVE's start.
    request.start_seconds = static_cast<double>(now - started) / 1000.0;
  }
  if (request.start_seconds >= duration - 0.5) {
    if (live.spec.broadcast_mode != BroadcastMode::Playback) service_->set_playout_end(live.id, now);
    return;
  }
  if (auto error = sessions_->start_playout(live, request); !error.empty()) give_up(error);
}

void Daemon::resume_playouts() {
  std::vector<std::string> ids;
  for (const auto& [id, live] : service_->lives())
    if (live.state == LiveState::Live && live.spec.type == LiveType::Simulive && !sessions_->running(id)) ids.push_back(id);
  for (const auto& id : ids)
    if (const LiveRecord* live = service_->by_id_or_custom_id(id)) start_playout(*live);
  scheduler_->rearm();
}

// media.slate: while a LIVE live's encoder is gone, its playlist goes on with the
// signal_interruption cover as video (a customized image, else a card with the live's name),
// so players keep playing; the next push replaces it.
void Daemon::start_slate(const std::string& live_id) {
  if (!settings_.media.slate) return;
  const LiveRecord* live = service_->by_id_or_custom_id(live_id);
  if (!live || live->state != LiveState::Live || !live->signal_lost_at || live->spec.type == LiveType::Simulive) return;
  ingest::PublishRequest request;
  const auto status = std::find(kCoverStatuses.begin(), kCoverStatuses.end(), "signal_interruption");
  const CoverImage& cover = live->spec.cover_images[static_cast<std::size_t>(status - kCoverStatuses.begin())];
  if (cover.type == CoverImageType::Customize && cover.customize_library_id)
    if (const library::LibraryItem* item = library_->find(*cover.customize_library_id))
      request.slate_image = library_->path_of(*item);
  request.slate_title = live->spec.name;
  request.slate_detail = "Signal interrupted: we will be right back";
  if (auto error = sessions_->start_slate(*live, request); !error.empty())
    log::warn("signal", "live " + live->label() + ": " + error);
  else
    log::info("signal", "live " + live->label() + ": the slate plays until the next push");
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
      out["live"] = live_view({{"id", out["live"]["id"]}})["live"];
    return out;
  };
  // ffprobe and the link run on the thread pool: nothing else on the loop waits for them.
  hooks.import_upload = [this](std::shared_ptr<UploadFile> upload, const std::string& name, const Caller& caller,
                               ApiServer::Done done) {
    LibraryImport request;
    request.path = upload->path();
    request.name = name.empty() ? "upload" : name;
    request.original = "upload by API key " + caller.api_key.value_or("?");
    auto item = std::make_shared<library::LibraryItem>();
    uv::queue_work(
        loop_.get(),
        [request, item, upload, ffprobe = settings_.media.ffprobe, root = library_->media_root()] {
          *item = import_library_file(request, ffprobe, root);
        },
        [this, alive = std::weak_ptr<bool>(alive_), item, upload, done](std::exception_ptr error) {
          if (alive.expired()) return;  // the daemon has gone; so has the request
          done([&] {
            if (error) rethrow_as_upload_refusal(error, upload->path());
            if (stopping_) throw RpcError(ErrorKind::Unavailable, "bvlived is shutting down; retry once it is back");
            return keep_in_library(std::move(*item), "upload");
          });
        });
  };
  hooks.upload_dir = library_->media_root() + "/library";
  std::error_code ec;
  fs::create_directories(hooks.upload_dir, ec);
  hooks.document = kOpenApiDocument;
  api_ = std::make_unique<ApiServer>(loop_.get(), settings_.api, static_cast<std::uint64_t>(settings_.http.idle_timeout),
                                     *api_keys_, std::move(hooks));
  ports_.api = api_->listen();
  log::info("api", "HTTP API listening on " + settings_.api.listen + ":" + std::to_string(ports_.api) + " (" +
                       std::to_string(api_keys_->size()) + " API keys)");
}

// An import refusal names the temporary file; the client knows it as its request body.
[[noreturn]] void Daemon::rethrow_as_upload_refusal(std::exception_ptr error, const std::string& path) {
  try {
    std::rethrow_exception(error);
  } catch (const RpcError& e) {
    if (e.kind() != ErrorKind::InvalidParams) throw;
    std::string message = e.what();
    for (auto at = message.find(path); at != std::string::npos; at = message.find(path))
      message.replace(at, path.size(), "the uploaded file");
    if (message.starts_with("path: ")) message.replace(0, 4, "body");
    throw RpcError(ErrorKind::InvalidParams, message, {{"path", "body"}});
  }
}

nlohmann::json Daemon::library_add(const nlohmann::json& params) {
  LibraryImport request;
  if (!params.is_object() || !params.contains("path") || !params["path"].is_string())
    throw_invalid("path", "required: the absolute path of the file to import");
  request.path = params["path"].get<std::string>();
  if (params.contains("name") && !params["name"].is_null()) {
    if (!params["name"].is_string()) throw_invalid("name", "must be a string");
    request.name = params["name"].get<std::string>();
  }
  return import_to_library(request);
}

nlohmann::json Daemon::import_to_library(const LibraryImport& request) {
  return keep_in_library(import_library_file(request, settings_.media.ffprobe, library_->media_root()), request.path);
}

nlohmann::json Daemon::keep_in_library(library::LibraryItem item, const std::string& from) {
  const std::string id = item.id;
  const std::string stored = library_->path_of(item);
  try {
    library_->add(std::move(item));
  } catch (...) {
    std::error_code ec;
    fs::remove(stored, ec);  // nothing is kept of a file the store did not take
    throw;
  }
  log::info("library", "added " + id + " from " + from);
  return library_->get_json(id, service_->lives());
}

nlohmann::json Daemon::library_list() const { return library_->list_json(service_->lives()); }

nlohmann::json Daemon::library_get(const nlohmann::json& params) const {
  if (!params.is_object() || !params.contains("id") || !params["id"].is_string())
    throw_invalid("id", "required: the library item's id (lib_...)");
  return library_->get_json(params["id"].get<std::string>(), service_->lives());
}

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

nlohmann::json Daemon::library_remove(const nlohmann::json& params) {
  if (!params.is_object() || !params.contains("id") || !params["id"].is_string())
    throw_invalid("id", "required: the library item's id (lib_...)");
  const std::string id = params["id"].get<std::string>();
  library_->remove(id, service_->lives());
  log::info("library", "removed " + id);
  return {{"removed", {{"id", id}}}};
}

nlohmann::json Daemon::live_view(const nlohmann::json& params) {
  nlohmann::json out = service_->get(params);
  if (const LiveRecord* l = service_->by_id_or_custom_id(out["live"]["id"].get<std::string>())) {
    out["live"]["urls"] = urls(*l);
    if (const VodAsset* vod = vods_->of_live(l->id))
      out["live"]["vod"] = {{"id", vod->id},
                            {"state", std::string(to_string(vod->state))},
                            {"error", vod->error ? nlohmann::json(*vod->error) : nlohmann::json(nullptr)}};
  }
  return out;
}

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

nlohmann::json Daemon::status() const {
  nlohmann::json by_state = nlohmann::json::object();
  for (auto s : kAllLiveStates) by_state[std::string(to_string(s))] = 0;
  for (const auto& [s, n] : service_->count_by_state()) by_state[std::string(to_string(s))] = n;
  const TimeMs now = now_ms();
  return {{"version", kVersion},
          {"pid", ::getpid()},
          {"started_at", format_rfc3339(started_at_)},
          {"uptime_s", (now - started_at_) / 1000},
          {"socket", settings_.socket_path},
          {"state_dir", settings_.state_dir},
          {"config", config_file_.empty() ? nlohmann::json(nullptr) : nlohmann::json(config_file_)},
          {"lives_total", service_->size()},
          {"listeners", {{"rtmp", rtmp_ ? nlohmann::json(ports_.rtmp) : nlohmann::json(nullptr)},
                         {"srt", ports_.srt ? nlohmann::json(ports_.srt) : nlohmann::json(nullptr)},
                         {"http", http_ ? nlohmann::json(ports_.http) : nlohmann::json(nullptr)},
                         {"webrtc", whip_ ? nlohmann::json(ports_.webrtc) : nlohmann::json(nullptr)},
                         {"api", api_ ? nlohmann::json(ports_.api) : nlohmann::json(nullptr)}}},
          {"sessions_running", sessions_->running_count()},
          {"lives_by_state", by_state}};
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
  differs("media", fresh.media != settings_.media);
  differs("security", fresh.security != settings_.security);
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
