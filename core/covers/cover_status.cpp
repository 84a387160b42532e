#include "core/covers/cover_status.hpp"

#include <algorithm>

namespace bvlive::covers {

std::string_view current_status(const LiveRecord& live) {
  switch (live.state) {
    case LiveState::Scheduled:
    case LiveState::Preparing:
    case LiveState::WaitForPreview: return "ready_to_start";
    case LiveState::Preview: return "preview";
    case LiveState::Live: return live.signal_lost_at ? "signal_interruption" : "current";
    case LiveState::Vod: return "current";
    case LiveState::Encoding:
    case LiveState::VodReady:
    case LiveState::LiveEnd: return "end";
    case LiveState::Closed:
    case LiveState::Archived: return "close";
  }
  return "close";
}

bool is_status(std::string_view status) {
  return std::find(kCoverStatuses.begin(), kCoverStatuses.end(), status) != kCoverStatuses.end();
}

bool is_frame_status(std::string_view status) { return status == "preview" || status == "current"; }

std::optional<std::string> custom_image(const LiveSpec& spec, std::string_view status) {
  for (std::size_t i = 0; i < kCoverStatuses.size(); ++i) {
    if (kCoverStatuses[i] != status) continue;
    const CoverImage& c = spec.cover_images[i];
    if (c.type == CoverImageType::Customize && c.customize_library_id && !c.customize_library_id->empty())
      return c.customize_library_id;
  }
  return std::nullopt;
}

CardText card_text(const LiveRecord& live, std::string_view status) {
  CardText t;
  t.title = live.spec.name.empty() ? live.label() : live.spec.name;
  if (status == "ready_to_start") {
    if (live.spec.scheduled_at) {
      std::string when = format_rfc3339(*live.spec.scheduled_at).substr(0, 16);  // 2026-11-24T18:00
      when[10] = ' ';
      t.detail = "Starts " + when + " UTC";
    } else {
      t.detail = "Starting soon";
    }
  } else if (status == "preview") {
    t.detail = "Starting soon";
  } else if (status == "player_pause") {
    t.detail = "Paused";
  } else if (status == "signal_interruption") {
    t.detail = "Signal interrupted - we will be right back";
  } else if (status == "end") {
    t.detail = "This live has ended";
  } else if (status == "close") {
    t.detail = "This live is closed";
  } else {
    t.detail = "Live";
  }
  return t;
}

}  // namespace bvlive::covers
