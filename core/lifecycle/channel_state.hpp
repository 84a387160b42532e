// The channel state of seeds/000: a view derived from the live's state and whether
// a session is running. Never stored.
#pragma once

#include <string_view>

#include "lifecycle/live_state.hpp"

namespace bvlive {

enum class ChannelState { Idle, Active, Stop };

// STOP once the user ended or cancelled the live; ACTIVE while a session runs; IDLE otherwise.
ChannelState channel_state(LiveState live, bool session_running);
std::string_view to_string(ChannelState s);

}  // namespace bvlive
