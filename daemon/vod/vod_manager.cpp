#include "daemon/vod/vod_manager.hpp"

#include "log/log.hpp"
#include "rpc/error.hpp"

namespace bvlive {
namespace {

constexpr std::uint64_t kRecordingPollMs = 200;

}  // namespace

VodManager::VodManager(VodContext ctx) : ctx_(std::move(ctx)), reaper_(ctx_.loop), wait_timer_(ctx_.loop) {}

VodManager::~VodManager() {
  for (auto& [id, job] : jobs_) job->cancel();
}

void VodManager::note(const LiveRecord& live, const std::string& cause, const std::string& detail) {
  const std::string state(to_string(live.state));
  ctx_.lives.store().append_event({0, live.id, now_ms(), state, state, "vod", cause, detail, std::nullopt, std::nullopt});
}

void VodManager::begin(const std::string& live_id) {
  const LiveRecord* live = ctx_.lives.by_id_or_custom_id(live_id);
  if (!live || live->state != LiveState::Encoding) return;
  if (auto it = jobs_.find(live_id); it != jobs_.end()) it->second->cancel(), jobs_.erase(it);
  const VodAsset& asset = ctx_.vods.begin(*live, now_ms());
  const std::string what = "VOD " + asset.id + ": ENCODING (" + std::string(short_name(asset.source)) +
                           ", attempt " + std::to_string(asset.attempts) + ")";
  note(*live, "encoding", what);
  log::info("vod", "live " + live->label() + ": " + what);
  // A catchup lists the recording's last segments, which the ending session may still be
  // writing: it waits until the live has no session left.
  if (asset.source == LiveVodSource::Catchup && ctx_.recording_busy(live_id)) {
    waiting_.insert(live_id);
    wait_timer_.start(kRecordingPollMs, kRecordingPollMs, [this] { check_waiting(); });
    return;
  }
  launch(live_id);
}

void VodManager::check_waiting() {
  const std::set<std::string> ids = waiting_;
  for (const auto& id : ids) {
    if (ctx_.recording_busy(id)) continue;
    waiting_.erase(id);
    launch(id);
  }
  if (waiting_.empty()) wait_timer_.stop();
}

void VodManager::launch(const std::string& live_id) {
  const LiveRecord* live = ctx_.lives.by_id_or_custom_id(live_id);
  if (!live || live->state != LiveState::Encoding) return;
  VodJobInput in;
  in.live = *live;
  in.live_dir = ctx_.index.media_root() + "/" + live->id;
  in.ffmpeg = ctx_.media.ffmpeg;
  in.segment_duration = ctx_.media.segment_duration;
  const auto& vod = live->spec.live_vod;
  try {
    switch (vod.source) {
      case LiveVodSource::Catchup: {
        const auto& deque = ctx_.index.segments(live->id);
        in.recording.assign(deque.begin(), deque.end());
        break;
      }
      case LiveVodSource::Replace:
        if (const auto* item = ctx_.library.find(vod.replace_id.value_or(""))) {
          in.library_item = *item;
          in.library_path = ctx_.library.path_of(*item);
        }
        break;
      case LiveVodSource::Playback: {
        const VodAsset& reused =
            ctx_.vods.playback_source(vod.playback_id.value_or(""), ctx_.lives.lives(), "live.live_vod.playback.id");
        in.reused = reused;
        in.reused_live_dir = ctx_.index.media_root() + "/" + reused.live_id;
        if (const VodAsset* mine = ctx_.vods.of_live(live->id); mine && mine->source_ref != reused.id) {
          VodAsset named = *mine;  // `bvlive vod` names the VOD reused, however it was given
          named.source_ref = reused.id;
          ctx_.vods.save(named);
        }
        break;
      }
      case LiveVodSource::Unspecified:
        break;
    }
  } catch (const std::exception& e) {
    return finished(live->id, std::nullopt, e.what());
  }
  auto job = std::make_shared<VodJob>(ctx_.loop, std::move(in),
                                      [this, id = live->id](std::optional<VodInfo> info, std::string error) {
                                        finished(id, std::move(info), error);
                                      });
  jobs_[live->id] = job;
  job->start();
}

void VodManager::finished(const std::string& live_id, std::optional<VodInfo> info, const std::string& error) {
  // The job reports from its own callback: it is released on the next turn, not here.
  if (auto it = jobs_.find(live_id); it != jobs_.end()) {
    retired_.push_back(std::move(it->second));
    jobs_.erase(it);
    reaper_.start(0, 0, [this] { retired_.clear(); });
  }
  const LiveRecord* live = ctx_.lives.by_id_or_custom_id(live_id);
  const VodAsset* current = ctx_.vods.of_live(live_id);
  if (!live || !current) return;
  VodAsset asset = *current;
  asset.finished_at = now_ms();
  if (info) {
    asset.state = VodState::Ready;
    asset.info = *info;
    ctx_.vods.save(asset);
    log::info("vod", "live " + live->label() + ": VOD " + asset.id + " READY (" + std::to_string(info->segments) +
                         " segments, " + std::to_string(info->duration_seconds) + " s)");
    ctx_.lives.vod_asset_ready(live_id);
  } else {
    asset.state = VodState::Failed;
    asset.error = error;
    ctx_.vods.save(asset);
    note(*live, "error", "VOD " + asset.id + ": FAILED: " + error + " (bvlive vod " + live->label() + " --retry)");
    log::error("vod", "live " + live->label() + ": VOD " + asset.id + " failed: " + error);
  }
  if (ctx_.after_transition) ctx_.after_transition();
}

void VodManager::resume() {
  std::vector<std::string> encoding;
  for (const auto& [id, live] : ctx_.lives.lives())
    if (live.state == LiveState::Encoding) encoding.push_back(id);
  for (const auto& id : encoding) {
    if (jobs_.count(id) || waiting_.count(id)) continue;  // begun by a transition just now
    const VodAsset* asset = ctx_.vods.of_live(id);
    if (asset && asset->state == VodState::Failed) continue;  // waits for --retry
    if (asset && asset->state == VodState::Ready) {
      ctx_.lives.vod_asset_ready(id);
      continue;
    }
    begin(id);
  }
  if (ctx_.after_transition) ctx_.after_transition();
}

void VodManager::forget(const std::string& live_id) {
  if (auto it = jobs_.find(live_id); it != jobs_.end()) it->second->cancel(), jobs_.erase(it);
  waiting_.erase(live_id);
  ctx_.vods.forget(live_id);
}

nlohmann::json VodManager::view(const LiveRecord& live, const VodAsset& a) const {
  const std::string base = ctx_.public_base(live);
  nlohmann::json mp4 = nullptr;
  if (!a.info.mp4_file.empty())
    mp4 = {{"path", ctx_.index.media_root() + "/" + live.id + "/" + a.info.mp4_file},
           {"url", base.empty() ? nlohmann::json(nullptr) : nlohmann::json(base + a.info.mp4_file)},
           {"bytes", a.info.mp4_bytes}};
  const auto& vod = live.spec.live_vod;
  return {{"id", a.id},
          {"live_id", live.id},
          {"source", std::string(long_name(a.source))},
          {"source_ref", a.source_ref},
          {"state", std::string(to_string(a.state))},
          {"error", a.error ? nlohmann::json(*a.error) : nlohmann::json(nullptr)},
          {"attempts", a.attempts},
          {"duration_seconds", a.info.duration_seconds},
          {"segments", a.info.segments},
          {"discontinuities", a.info.discontinuities},
          {"bytes", a.info.bytes},
          {"mp4", mp4},
          {"playlist_url", base.empty() ? nlohmann::json(nullptr) : nlohmann::json(base + "index.m3u8")},
          {"window",
           {{"started_at", vod.started_at ? nlohmann::json(format_rfc3339(*vod.started_at)) : nlohmann::json(nullptr)},
            {"ended_at", vod.ended_at ? nlohmann::json(format_rfc3339(*vod.ended_at)) : nlohmann::json(nullptr)}}},
          {"live_state", std::string(to_string(live.state))},
          {"started_at", format_rfc3339(a.started_at)},
          {"finished_at", a.finished_at ? nlohmann::json(format_rfc3339(*a.finished_at)) : nlohmann::json(nullptr)}};
}

nlohmann::json VodManager::get(const nlohmann::json& params) {
  const LiveRecord& live = ctx_.lives.named(params);
  const VodAsset* asset = ctx_.vods.of_live(live.id);
  if (!asset) {
    const std::string why = live.spec.live_vod.enabled()
                                ? "its VOD is made when it ends (bvlive end " + live.label() + ")"
                                : "it has no live_vod (bvlive update " + live.label() + " --live-vod catchup ...)";
    throw RpcError(ErrorKind::NotFound,
                   "live " + live.label() + " has no VOD yet (state " + std::string(to_string(live.state)) + "); " + why,
                   {{"id", live.id}});
  }
  return {{"vod", view(live, *asset)}};
}

nlohmann::json VodManager::retry(const nlohmann::json& params) {
  const LiveRecord& live = ctx_.lives.named(params);
  const VodAsset* asset = ctx_.vods.of_live(live.id);
  if (live.state != LiveState::Encoding || !asset || asset->state != VodState::Failed)
    throw RpcError(ErrorKind::Conflict,
                   "nothing to retry: live " + live.label() + " is " + std::string(to_string(live.state)) +
                       (asset ? " and its VOD is " + std::string(to_string(asset->state)) : " with no VOD") +
                       "; --retry runs a FAILED VOD job again",
                   {{"state", std::string(to_string(live.state))}});
  const std::string id = live.id;
  begin(id);
  return get({{"id", id}});
}

}  // namespace bvlive
