// The live (channel) state machine, as data (docs/ARCHITECTURE.md#live-lifecycle; for users,
// bvlive(1) LIVE STATES).
//
// Every transition a live can make is one row of kLiveTransitions: which trigger
// (an operator op or an automatic event), from which states, to which state, and
// an optional guard. Handlers never move a live by hand; they ask this table.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace bvlive {

enum class LiveState {
  Scheduled,
  Preparing,
  WaitForPreview,
  Preview,
  Live,
  Encoding,
  VodReady,
  Vod,
  LiveEnd,
  Closed,
  Archived,
};

inline constexpr LiveState kAllLiveStates[] = {
    LiveState::Scheduled, LiveState::Preparing, LiveState::WaitForPreview, LiveState::Preview,
    LiveState::Live,      LiveState::Encoding,  LiveState::VodReady,       LiveState::Vod,
    LiveState::LiveEnd,   LiveState::Closed,    LiveState::Archived,
};

// What moves a live. Ops come from the operator (CLI, or a config schedule acting
// on the operator's behalf); the rest are automatic events raised by the daemon.
enum class Trigger {
  // operator ops
  Preview,
  Start,
  End,
  Cancel,
  Close,
  Reopen,
  Archive,
  Delete,
  // automatic events
  PrepareDue,      // now >= scheduled_at - prepare_lead (or no scheduled_at)
  ResourcesReady,  // stream key active, media folders and ingest routes in place
  VodAssetReady,   // ENCODING finished the VOD asset
  VodWindowOpen,   // now >= live_vod.started_at
  VodWindowClose,  // now >= live_vod.ended_at
  CloseAfter,      // LIVE_END for longer than close_after
};

inline constexpr Trigger kOps[] = {Trigger::Preview, Trigger::Start,  Trigger::End,
                                   Trigger::Cancel,  Trigger::Close,  Trigger::Reopen,
                                   Trigger::Archive, Trigger::Delete};

// Facts about a live that some rows depend on.
struct TransitionFacts {
  bool has_live_vod = false;   // live_vod.source is set: `end` goes through ENCODING
  bool schedule_due = false;   // reopen: scheduled_at (minus prepare_lead) has come
};

enum class Guard {
  None,
  HasLiveVod,
  NoLiveVod,
  ScheduleDue,
  ScheduleNotDue,
};

// `to` is empty for Delete: the live is removed.
struct LiveTransition {
  Trigger trigger;
  std::span<const LiveState> from;
  std::optional<LiveState> to;
  Guard guard;
};

std::span<const LiveTransition> live_transitions();

struct TransitionResult {
  bool allowed = false;
  std::optional<LiveState> to;  // when allowed; empty means "removed" (delete)
  // when refused: the states the trigger is allowed from (for the error message)
  std::vector<LiveState> allowed_from;
};

// Looks the trigger up in the table for a live in `from`.
TransitionResult live_transition(LiveState from, Trigger trigger, const TransitionFacts& facts);

// A person-readable refusal: "cannot start: live is WAIT_FOR_PREVIEW; start is allowed from PREVIEW".
std::string refusal_message(Trigger trigger, LiveState from, std::span<const LiveState> allowed_from);

bool is_op(Trigger t);

// Names: states use the upper-case names of the seed (WAIT_FOR_PREVIEW); triggers
// use the CLI words (preview, start, ... and prepare-due, resources-ready, ...).
std::string_view to_string(LiveState s);
std::optional<LiveState> parse_live_state(std::string_view s);  // accepts any case
std::string_view to_string(Trigger t);
std::optional<Trigger> parse_op(std::string_view s);  // ops only

// Ingest is accepted in PREVIEW and LIVE.
bool accepts_ingest(LiveState s);
// States in which the live's settings that shape the stream can still be changed.
bool before_live(LiveState s);

}  // namespace bvlive
