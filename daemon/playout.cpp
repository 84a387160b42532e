// What plays when no encoder does: a simulive's library video as its session, and the
// slate while a LIVE live's encoder is gone (media.slate).
#include "daemon.hpp"

#include <algorithm>

#include "log/log.hpp"

namespace bvlive {

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

}  // namespace bvlive
