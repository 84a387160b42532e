#include "core/interaction/room_status.hpp"

#include "live/enums.hpp"

namespace bvlive::interaction {

std::optional<Phase> phase_of(LiveState state) {
  switch (state) {
    case LiveState::Scheduled:
    case LiveState::Preparing:
    case LiveState::WaitForPreview:
    case LiveState::Preview:
    case LiveState::Live: return Phase::Live;
    case LiveState::Vod: return Phase::Vod;
    case LiveState::Encoding:
    case LiveState::VodReady:
    case LiveState::LiveEnd:
    case LiveState::Closed:
    case LiveState::Archived: return std::nullopt;
  }
  return std::nullopt;
}

const char* to_string(Phase p) { return p == Phase::Live ? "live" : "vod"; }

nlohmann::json phase_json(std::optional<Phase> p) { return p ? nlohmann::json(to_string(*p)) : nlohmann::json(nullptr); }

std::string theme_name(ChatroomTheme t) {
  switch (t) {
    case ChatroomTheme::Light: return "light";
    case ChatroomTheme::Dark: return "dark";
    case ChatroomTheme::Unspecified: break;
  }
  return "";
}

RoomStatus room_status(const LiveRecord& live) {
  RoomStatus s;
  const auto& in = live.spec.interaction;
  const std::string label = live.label();
  const std::string state(to_string(live.state));
  s.phase = phase_of(live.state);
  s.room = s.phase.value_or(Phase::Live);
  const Chatroom& room = s.room == Phase::Live ? in.chat_live : in.chat_vod;
  s.enabled = room.enabled;
  s.theme = room.theme;
  s.polls_enabled = in.poll_enabled;
  s.polls_open = in.poll_enabled && s.phase == Phase::Live;
  const std::string flag = s.room == Phase::Live ? "--chat-live" : "--chat-vod";
  if (!s.enabled) {
    s.reason = "the chat of live " + label + " is not enabled for its " + to_string(s.room) +
               " phase (bvlive update " + label + " " + flag + " light|dark)";
  } else if (!s.phase) {
    s.reason = "the chat of live " + label + " is closed: the live has ended (state " + state + ")" +
               (in.chat_vod.enabled && live.spec.live_vod.enabled() ? "; it opens again when its VOD plays" : "");
  } else {
    s.open = true;
  }
  return s;
}

nlohmann::json status_json(const RoomStatus& s) {
  return {{"phase", phase_json(s.phase)},
          {"chat", {{"enabled", s.enabled}, {"theme", theme_name(s.theme)}, {"open", s.open}}},
          {"polls_enabled", s.polls_enabled}};
}

}  // namespace bvlive::interaction
