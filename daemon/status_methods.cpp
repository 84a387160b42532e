// What the daemon tells about itself and its lives: daemon.status, live.get's URLs and
// VOD, and the /metrics text.
#include "daemon.hpp"

#include <unistd.h>

#include <algorithm>

#include "bvlive/version.hpp"
#include "metrics/prometheus_text.hpp"

namespace bvlive {

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
                         {"api", api_ ? nlohmann::json(ports_.api) : nlohmann::json(nullptr)},
                         {"https", ports_.https ? nlohmann::json(ports_.https) : nlohmann::json(nullptr)},
                         {"rtmps", ports_.rtmps ? nlohmann::json(ports_.rtmps) : nlohmann::json(nullptr)}}},
          {"tls", tls_status()},
          {"drm", drm_keys_ ? nlohmann::json{{"keys", drm_keys_->describe()},
                                             {"key_fetches", drm_keys_->fetched()},
                                             {"key_fetch_failures", drm_keys_->fetch_failures()}}
                            : nlohmann::json(nullptr)},
          {"media_disk", {{"path", disk_space_->path()},
                          {"free_bytes", disk_space_->free_bytes()},
                          {"size_bytes", disk_space_->size_bytes()},
                          {"min_free_bytes", disk_space_->min_free()},
                          {"pushes_refused", !disk_space_->refusal().empty()}}},
          {"sessions_running", sessions_->running_count()},
          {"lives_by_state", by_state}};
}

nlohmann::json Daemon::live_view(const nlohmann::json& params) {
  nlohmann::json out = service_->get(params);
  add_daemon_fields(out["live"]);
  return out;
}

void Daemon::add_daemon_fields(nlohmann::json& live) const {
  const LiveRecord* l = service_->by_id_or_custom_id(live["id"].get<std::string>());
  if (!l) return;
  live["urls"] = urls(*l);
  if (const VodAsset* vod = vods_->of_live(l->id))
    live["vod"] = {{"id", vod->id},
                   {"state", std::string(to_string(vod->state))},
                   {"error", vod->error ? nlohmann::json(*vod->error) : nlohmann::json(nullptr)}};
}

nlohmann::json Daemon::urls(const LiveRecord& live) const {
  nlohmann::json u = nlohmann::json::object();
  const std::string host = url_host();
  if (rtmp_) {
    u["rtmp_server"] = "rtmp://" + host + ":" + std::to_string(ports_.rtmp) + "/live";
    u["rtmp"] = u["rtmp_server"].get<std::string>() + "/" + live.stream_key;
    if (ports_.rtmps) {
      u["rtmps_server"] = "rtmps://" + host + ":" + std::to_string(ports_.rtmps) + "/live";
      u["rtmps"] = u["rtmps_server"].get<std::string>() + "/" + live.stream_key;
    }
  }
  if (ports_.srt)
    u["srt"] = "srt://" + host + ":" + std::to_string(ports_.srt) + "?streamid=#!::r=" + live.stream_key + ",m=publish";
  if (http_) {
    const std::string base = http_base();
    u["playback"] = base + "/live/" + live.id + "/index.m3u8";
    u["player"] = base + "/watch/" + live.id;
    u["preview"] = base + "/preview/" + live.id + "/index.m3u8?token=" + live.preview_token;
    if (whip_) u["whip"] = base + "/whip/" + live.id;
    // Where EME players ask for a ClearKey DRM live's licence (POST, behind the playback gate).
    if (live.spec.security.protection == ProtectionType::Drm) {
      const auto systems = drm_systems(settings_.drm);
      if (std::find(systems.begin(), systems.end(), drm::DrmSystem::ClearKey) != systems.end())
        u["clearkey_licence"] = base + "/live/" + live.id + "/clearkey";
    }
  }
  return u;
}

std::string Daemon::url_host() const {
  return public_host_.find(':') != std::string::npos ? "[" + public_host_ + "]" : public_host_;  // IPv6 in brackets
}

std::string Daemon::http_base() const {
  if (!http_) return "";
  if (!settings_.http.public_url.empty()) return settings_.http.public_url;
  if (ports_.https) return "https://" + url_host() + (ports_.https == 443 ? "" : ":" + std::to_string(ports_.https));
  return "http://" + url_host() + ":" + std::to_string(ports_.http);
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
  m.family("bvlive_sessions_refused_disk_total", "counter",
           "Pushes refused because the media disk had less than [media] min_free_space free.")
      .sample(st.refused_disk);
  m.family("bvlive_sessions_failed_total", "counter", "Sessions that went to ERROR.").sample(st.errors);
  m.family("bvlive_media_disk_free_bytes", "gauge", "Free space on the media disk (STATE_DIR/media).")
      .sample(static_cast<double>(disk_space_->free_bytes()));
  m.family("bvlive_media_disk_size_bytes", "gauge", "Size of the media disk.")
      .sample(static_cast<double>(disk_space_->size_bytes()));
  m.family("bvlive_media_disk_min_free_bytes", "gauge", "[media] min_free_space: pushes are refused below it.")
      .sample(static_cast<double>(disk_space_->min_free()));
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
    if (tls_) {
      m.family("bvlive_tls_handshakes_total", "counter", "TLS handshakes on the HTTPS origin, by result.");
      m.sample(static_cast<double>(hs.tls_handshakes), {{"result", "ok"}});
      m.sample(static_cast<double>(hs.tls_handshake_failures), {{"result", "failed"}});
      m.family("bvlive_tls_certificate_expiry_seconds", "gauge", "When the served certificate expires (Unix time).")
          .sample(static_cast<double>(tls_->info().not_after));
    }
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
    m.family("bvlive_playlist_renders_total", "counter", "Media playlists rendered (a live's segments, parts or fields changed).")
        .sample(static_cast<double>(origin_->playlist_renders()));
    m.family("bvlive_playlist_cache_hits_total", "counter",
             "Media playlist requests answered from the rendering of the same index version.")
        .sample(static_cast<double>(origin_->playlist_render_hits()));
    const auto& gate = origin_->edge_gate_counts();
    m.family("bvlive_edge_gate_answers_total", "counter",
             "Answers to the nginx edges' gate (bvlive edge-config): viewers allowed, refused, lives not here.")
        .sample(static_cast<double>(gate.allowed), {{"result", "allowed"}})
        .sample(static_cast<double>(gate.refused), {{"result", "refused"}})
        .sample(static_cast<double>(gate.unknown), {{"result", "unknown"}});
    const auto& licences = origin_->licence_counts();
    m.family("bvlive_drm_licences_total", "counter",
             "ClearKey licences of DRM lives: answered with the key, refused (a bad request, another KID).")
        .sample(static_cast<double>(licences.granted), {{"result", "granted"}})
        .sample(static_cast<double>(licences.refused), {{"result", "refused"}});
  }
  if (drm_keys_)
    m.family("bvlive_drm_key_fetches_total", "counter", "DRM keys asked of the [drm] key server (SPEKE v2), by result.")
        .sample(static_cast<double>(drm_keys_->fetched()), {{"result", "ok"}})
        .sample(static_cast<double>(drm_keys_->fetch_failures()), {{"result", "failed"}});
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

}  // namespace bvlive
