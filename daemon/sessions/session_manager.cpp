#include "sessions/session_manager.hpp"

#include "core/ingest/ingest_policy.hpp"
#include "log/log.hpp"

namespace bvlive {

// What a listener holds for an accepted push. It only names the session; the manager
// owns it, so a session that ended on its own is never touched through a stale pointer.
class SessionManager::Handle : public ingest::Publication {
 public:
  Handle(SessionManager& m, Session* s) : manager_(m), session_(s), id_(s->id()) {}
  ~Handle() override {
    if (auto* s = live()) s->encoder_finished("encoder disconnected");
  }
  void write(std::span<const std::uint8_t> bytes) override {
    if (auto* s = live()) s->write(bytes);
  }
  void finish(const std::string& reason) override {
    if (auto* s = live()) s->encoder_finished(reason);
    session_ = nullptr;
  }

 private:
  Session* live() {
    if (!session_) return nullptr;
    auto it = manager_.sessions_.find(session_);
    if (it == manager_.sessions_.end() || it->second->id() != id_) return session_ = nullptr;
    return session_;
  }
  SessionManager& manager_;
  Session* session_;
  std::string id_;
};

SessionManager::SessionManager(uv_loop_t* loop, LiveService& lives, Store& store, MediaIndex& index,
                               const MediaSettings& media)
    : loop_(loop),
      lives_(lives),
      store_(store),
      index_(index),
      media_(media),
      ctx_{loop, store, index, media,
           [this](const std::string& live_id, const std::string& detail) {
             const LiveRecord* l = lives_.by_id_or_custom_id(live_id);
             if (!l) return;
             const std::string state(to_string(l->state));
             store_.append_event({0, live_id, now_ms(), state, state, "session", "ingest", detail, std::nullopt, std::nullopt});
           },
           [this](const std::string& live_id) { return keep_segments(live_id); },
           [this](const std::string& live_id, bool lost, const std::string& detail) {
             if (on_signal) on_signal(live_id, lost, detail);
           },
           [this](const std::string& library_id) { return library_file ? library_file(library_id) : std::string(); },
           [this](const std::string& live_id) -> std::variant<std::shared_ptr<const drm::ContentKeys>, std::string> {
             if (!drm_keys) return std::string("DRM is not set up in this daemon");
             return drm_keys(live_id);
           }},
      reaper_(loop) {
  index_.on_published = [this](double seconds) { stats_.publish_latency.add(seconds); };
  if (uv_check_init(loop, keys_check_.get()) != 0) throw std::runtime_error("uv_check_init failed");
  keys_check_.mark_initialized();
  keys_check_->data = this;
  rebuild_keys();
}

SessionManager::~SessionManager() {
  end_all("daemon shutting down");
  index_.on_published = nullptr;
}

void SessionManager::end_all(const std::string& reason) {
  std::vector<Session*> all;
  for (auto& [raw, s] : sessions_) all.push_back(raw);
  for (auto* s : all) {
    s->detach_encoder();  // listeners are closing their own connections
    s->stop(reason);
  }
  running_.clear();
}

std::size_t SessionManager::keep_segments(const std::string& live_id) {
  const LiveRecord* l = lives_.by_id_or_custom_id(live_id);
  if (!l) return 0;
  // DVR lists everything since LIVE began, and a live with live_vod keeps its recording.
  if (l->spec.broadcast_mode != BroadcastMode::TraditionalLive || l->spec.live_vod.enabled()) return 0;
  return static_cast<std::size_t>(media_.keep_segments);
}

ingest::PublishResult SessionManager::publish(ingest::PublishRequest request) {
  const IngestType protocol = request.protocol == ingest::Protocol::Rtmp  ? IngestType::Rtmp
                              : request.protocol == ingest::Protocol::Srt ? IngestType::Srt
                                                                          : IngestType::Whip;
  const LiveRecord* live = lives_.by_stream_key(request.stream_key);
  if (auto refusal = ingest_refusal(live, protocol); !refusal.empty()) {
    ++stats_.refused;
    return {nullptr, refusal};
  }
  if (disk_space) {
    disk_space->refresh();  // the figures of now, not of the last check
    if (auto refusal = disk_space->refusal(); !refusal.empty()) {
      ++stats_.refused;
      ++stats_.refused_disk;
      return {nullptr, refusal};
    }
  }
  std::string error;
  Session* raw = launch(*live, request, "replaced by a newer push from " + request.remote, error);
  if (!raw) return {nullptr, "the session could not start: " + error};
  pushed_with_[raw] = request.stream_key;
  return {std::make_unique<Handle>(*this, raw), ""};
}

std::string SessionManager::start_playout(const LiveRecord& live, ingest::PublishRequest request) {
  request.protocol = ingest::Protocol::File;
  request.container = ingest::Container::File;
  request.remote = "library";
  std::string error;
  return launch(live, request, "replaced by a new playout", error) ? "" : "the playout could not start: " + error;
}

std::string SessionManager::start_slate(const LiveRecord& live, ingest::PublishRequest request) {
  request.protocol = ingest::Protocol::Slate;
  request.container = ingest::Container::Slate;
  request.remote = "bvlived";
  request.transcode_video = true;  // a still picture and silence are encoded
  request.transcode_audio = true;
  request.source_height = 720;     // the slate is 1280x720: no trial run
  std::string error;
  return launch(live, request, "replaced by the slate", error) ? "" : "the slate could not start: " + error;
}

Session* SessionManager::launch(const LiveRecord& live, const ingest::PublishRequest& request,
                                const std::string& replaced_reason, std::string& error) {
  if (auto it = running_.find(live.id); it != running_.end()) {
    Session* old = it->second;
    running_.erase(it);
    old->stop(replaced_reason);
  }
  auto session = std::make_unique<Session>(ctx_, live, request);
  Session* raw = session.get();
  raw->on_finished = [this](Session& s) { finished(s); };
  sessions_.emplace(raw, std::move(session));
  try {
    raw->start();
  } catch (const std::exception& e) {
    ++stats_.errors;
    error = e.what();
    return nullptr;
  }
  ++stats_.started;
  running_[live.id] = raw;
  return raw;
}

bool SessionManager::busy(const std::string& live_id) const {
  for (const auto& [raw, s] : sessions_)
    if (s->live_id() == live_id) return true;
  return false;
}

void SessionManager::finished(Session& s) {
  if (s.row().protocol == "file" && on_playout_end && !s.stopped()) on_playout_end(s.live_id(), s.row());
  if (s.row().state == "ERROR" || (s.row().end_reason && s.row().end_reason->rfind("packager", 0) == 0))
    ++stats_.errors;
  stats_.bytes_in += static_cast<std::uint64_t>(s.row().bytes_in);
  if (auto it = running_.find(s.live_id()); it != running_.end() && it->second == &s) running_.erase(it);
  pushed_with_.erase(&s);
  const bool pushed = s.row().protocol == "rtmp" || s.row().protocol == "srt" || s.row().protocol == "whip";
  if (pushed && !s.stopped() && on_push_lost && !running_.count(s.live_id())) on_push_lost(s.live_id());
  auto it = sessions_.find(&s);
  if (it == sessions_.end()) return;
  // Freed on the next loop turn: we are inside one of its callbacks.
  graveyard_.push_back(std::move(it->second));
  sessions_.erase(it);
  reaper_.start(0, 0, [this] { graveyard_.clear(); });
}

const Session* SessionManager::running(const std::string& live_id) const {
  auto it = running_.find(live_id);
  return it == running_.end() ? nullptr : it->second;
}

void SessionManager::on_transition(const AppliedTransition& t) {
  if (!t.to) index_.forget(t.live_id);
  if (t.to && accepts_ingest(*t.to)) return;
  auto it = running_.find(t.live_id);
  if (it == running_.end()) return;
  Session* s = it->second;
  running_.erase(it);
  s->stop(t.to ? "live " + t.label + " is now " + std::string(to_string(*t.to)) : "live " + t.label + " was deleted");
}

std::string SessionManager::check_key(std::string_view stream_key) const {
  std::lock_guard lock(keys_mutex_);
  auto it = keys_.find(std::string(stream_key));
  if (it == keys_.end()) return ingest_refusal(nullptr, IngestType::Srt);
  if (!it->second.empty() || !disk_space) return it->second;
  return disk_space->refusal();  // atomics: safe on libsrt's thread
}

void SessionManager::refresh_keys() {
  if (uv_is_active(keys_check_.handle())) return;
  uv_check_start(keys_check_.get(), [](uv_check_t* h) {
    auto* self = static_cast<SessionManager*>(h->data);
    if (!self) return;
    uv_check_stop(h);
    self->rebuild_keys();
  });
}

void SessionManager::rebuild_keys() {
  std::unordered_map<std::string, std::string> fresh;
  fresh.reserve(lives_.lives().size());
  for (const auto& [id, live] : lives_.lives()) fresh.emplace(live.stream_key, ingest_refusal(&live, IngestType::Srt));
  {
    std::lock_guard lock(keys_mutex_);
    keys_.swap(fresh);
  }
  // A rotated key stops working at once, for the push that is using it too: the encoder is
  // disconnected (a lost signal, while LIVE) and must come back with the new key.
  std::vector<Session*> revoked;
  for (const auto& [live_id, s] : running_) {
    const auto key = pushed_with_.find(s);
    const LiveRecord* live = lives_.by_id_or_custom_id(live_id);
    if (key != pushed_with_.end() && live && live->stream_key != key->second) revoked.push_back(s);
  }
  for (Session* s : revoked) {
    running_.erase(s->live_id());
    s->end("the stream key was rotated; reconnect the encoder with the new key");
  }
}

}  // namespace bvlive
