// Which chatroom a live's viewers are in and whether they may post, from its state and
// its interaction settings. A live is in its "live" phase until it ends (SCHEDULED through
// LIVE: viewers waiting for the start can already talk), in its "vod" phase while its VOD
// plays, and in neither in between or after (LIVE_END, ENCODING, VOD_READY, CLOSED,
// ARCHIVED): then the room is read-only and its history stays readable.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "live/live_record.hpp"

namespace bvlive::interaction {

enum class Phase { Live, Vod };

std::optional<Phase> phase_of(LiveState state);
const char* to_string(Phase p);
// "live" / "vod", or null in neither phase.
nlohmann::json phase_json(std::optional<Phase> p);

struct RoomStatus {
  std::optional<Phase> phase;
  Phase room = Phase::Live;  // the room shown: the phase's, else the live room
  bool enabled = false;      // that room is enabled for the live
  ChatroomTheme theme = ChatroomTheme::Unspecified;
  bool open = false;       // viewers and the host may post now
  std::string reason;      // why not, when !open: a sentence naming what would open it
  bool polls_enabled = false;
  bool polls_open = false;  // votes are taken (and polls created) now: the live phase
};

RoomStatus room_status(const LiveRecord& live);

// {phase, chat: {enabled, theme, open}, polls_enabled}: the `interaction` member of a
// live's status event.
nlohmann::json status_json(const RoomStatus& s);
// "light" / "dark" ("" unspecified).
std::string theme_name(ChatroomTheme t);

}  // namespace bvlive::interaction
