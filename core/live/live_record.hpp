// A live as the daemon keeps it: the operator's settings plus what the daemon
// generates and tracks.
#pragma once

#include <optional>
#include <string>

#include "lifecycle/live_state.hpp"
#include "live/live_spec.hpp"

namespace bvlive {

struct LiveRecord {
  std::string id;
  LiveSpec spec;
  LiveState state = LiveState::Scheduled;
  std::string stream_key;
  TimeMs created_at = 0;
  TimeMs updated_at = 0;
  TimeMs state_changed_at = 0;
  std::optional<TimeMs> live_started_at;  // last entry into LIVE
  std::optional<TimeMs> live_ended_at;    // last exit from LIVE
  bool from_config = false;               // declared by a [[live]] table
  std::string preview_token;              // the host preview URL's ?token= (bvlive show prints it)
  // Simulive: when its playout is over and the live ends (set when the playout finishes,
  // or, for BROADCAST_MODE_PLAYBACK, when LIVE begins: start + the video's duration).
  std::optional<TimeMs> playout_ends_at;
  // Signal interruption: while LIVE, the encoder went away or stopped sending media. Cleared
  // when media flows again (or a new session publishes), and when the live leaves LIVE.
  std::optional<TimeMs> signal_lost_at;
  std::string signal_reason;

  // "custom_id" when set, else the id: how a person names the live.
  const std::string& label() const { return spec.custom_id ? *spec.custom_id : id; }
};

}  // namespace bvlive
