#include "lifecycle/channel_state.hpp"

namespace bvlive {

ChannelState channel_state(LiveState live, bool session_running) {
  switch (live) {
    case LiveState::LiveEnd:
    case LiveState::Closed:
    case LiveState::Archived:
      return ChannelState::Stop;
    default:
      return session_running ? ChannelState::Active : ChannelState::Idle;
  }
}

std::string_view to_string(ChannelState s) {
  switch (s) {
    case ChannelState::Idle: return "IDLE";
    case ChannelState::Active: return "ACTIVE";
    case ChannelState::Stop: return "STOP";
  }
  return "UNKNOWN";
}

}  // namespace bvlive
