// Cover images (the seed's cover_images): which status a live is showing, and what its
// cover for a status is made of. Pure.
//
//   SCHEDULED, PREPARING, WAIT_FOR_PREVIEW  ready_to_start
//   PREVIEW                                 preview
//   LIVE                                    current (signal_interruption while interrupted)
//   VOD                                     current
//   ENCODING, VOD_READY, LIVE_END           end
//   CLOSED, ARCHIVED                        close
// player_pause is never "current": the player shows it when paused.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "live/live_record.hpp"

namespace bvlive::covers {

std::string_view current_status(const LiveRecord& live);
bool is_status(std::string_view status);  // one of kCoverStatuses

// What an automatic cover shows: a frame of the running stream (preview, current) or a
// card rendered with the live's name and status (the others).
bool is_frame_status(std::string_view status);

// The library image of a COVER_IMAGE_TYPE_CUSTOMIZE cover; empty for auto.
std::optional<std::string> custom_image(const LiveSpec& spec, std::string_view status);

// A card's lines: the live's name, the status in words, and when it is scheduled.
struct CardText {
  std::string title;
  std::string detail;
};
CardText card_text(const LiveRecord& live, std::string_view status);

}  // namespace bvlive::covers
