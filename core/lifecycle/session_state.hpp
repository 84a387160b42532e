// The session state machine, as data (docs/ARCHITECTURE.md#session-states, bvlived(8) SESSIONS).
// INIT -> PROCESSING -> LIVE | ERROR -> ENDED. A session is never reused.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace bvlive {

enum class SessionState { Init, Processing, Live, Error, Ended };

enum class SessionEvent {
  PackagerStarted,  // INIT -> PROCESSING
  FirstSegment,     // PROCESSING -> LIVE
  Failed,           // INIT/PROCESSING/LIVE -> ERROR (packager failed, unsupported media, ingest error)
  Finished,         // any running state or ERROR -> ENDED (disconnect, max duration, live ended, replaced)
};

struct SessionTransition {
  SessionEvent event;
  std::span<const SessionState> from;
  SessionState to;
};

std::span<const SessionTransition> session_transitions();
std::optional<SessionState> session_transition(SessionState from, SessionEvent event);

// INIT, PROCESSING and LIVE count as running (the channel is ACTIVE).
bool is_running(SessionState s);

std::string_view to_string(SessionState s);
std::optional<SessionState> parse_session_state(std::string_view s);
std::string_view to_string(SessionEvent e);

}  // namespace bvlive
