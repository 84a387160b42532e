#include "lifecycle/session_state.hpp"

#include <algorithm>

namespace bvlive {
namespace {

using S = SessionState;
using E = SessionEvent;

constexpr S kFromInit[] = {S::Init};
constexpr S kFromProcessing[] = {S::Processing};
constexpr S kRunning[] = {S::Init, S::Processing, S::Live};
constexpr S kEndable[] = {S::Init, S::Processing, S::Live, S::Error};

constexpr SessionTransition kSessionTransitions[] = {
    // event              from             to
    {E::PackagerStarted,  kFromInit,       S::Processing},
    {E::FirstSegment,     kFromProcessing, S::Live},
    {E::Failed,           kRunning,        S::Error},
    {E::Finished,         kEndable,        S::Ended},
};

}  // namespace

std::span<const SessionTransition> session_transitions() { return kSessionTransitions; }

std::optional<SessionState> session_transition(SessionState from, SessionEvent event) {
  for (const auto& row : kSessionTransitions)
    if (row.event == event && std::ranges::find(row.from, from) != row.from.end()) return row.to;
  return std::nullopt;
}

bool is_running(SessionState s) { return s == S::Init || s == S::Processing || s == S::Live; }

std::string_view to_string(SessionState s) {
  switch (s) {
    case S::Init: return "INIT";
    case S::Processing: return "PROCESSING";
    case S::Live: return "LIVE";
    case S::Error: return "ERROR";
    case S::Ended: return "ENDED";
  }
  return "UNKNOWN";
}

std::optional<SessionState> parse_session_state(std::string_view s) {
  for (S v : {S::Init, S::Processing, S::Live, S::Error, S::Ended})
    if (to_string(v) == s) return v;
  return std::nullopt;
}

std::string_view to_string(SessionEvent e) {
  switch (e) {
    case E::PackagerStarted: return "packager-started";
    case E::FirstSegment: return "first-segment";
    case E::Failed: return "failed";
    case E::Finished: return "finished";
  }
  return "unknown";
}

}  // namespace bvlive
