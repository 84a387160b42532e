#include "lifecycle/live_state.hpp"

#include <algorithm>
#include <cctype>

namespace bvlive {
namespace {

using S = LiveState;
using T = Trigger;

// "from" lists, named for what they mean.
constexpr S kFromScheduled[] = {S::Scheduled};
constexpr S kFromPreparing[] = {S::Preparing};
constexpr S kFromWaitForPreview[] = {S::WaitForPreview};
constexpr S kFromPreview[] = {S::Preview};
constexpr S kFromLive[] = {S::Live};
constexpr S kFromEncoding[] = {S::Encoding};
constexpr S kFromVodReady[] = {S::VodReady};
constexpr S kFromVod[] = {S::Vod};
constexpr S kFromLiveEnd[] = {S::LiveEnd};
constexpr S kFromClosed[] = {S::Closed};
constexpr S kCancellable[] = {S::Scheduled, S::Preparing, S::WaitForPreview, S::Preview, S::Live};
constexpr S kArchivable[] = {S::LiveEnd, S::Closed};
constexpr S kDeletable[] = {S::Closed, S::Archived};

// The whole state machine. Read it top to bottom as the life of a live.
constexpr LiveTransition kLiveTransitions[] = {
    // trigger            from                 to                  guard
    {T::PrepareDue,       kFromScheduled,      S::Preparing,       Guard::None},
    {T::ResourcesReady,   kFromPreparing,      S::WaitForPreview,  Guard::None},
    {T::Preview,          kFromWaitForPreview, S::Preview,         Guard::None},
    {T::Start,            kFromPreview,        S::Live,            Guard::None},
    {T::End,              kFromLive,           S::Encoding,        Guard::HasLiveVod},
    {T::End,              kFromLive,           S::LiveEnd,         Guard::NoLiveVod},
    {T::VodAssetReady,    kFromEncoding,       S::VodReady,        Guard::None},
    {T::VodWindowOpen,    kFromVodReady,       S::Vod,             Guard::None},
    {T::VodWindowClose,   kFromVod,            S::LiveEnd,         Guard::None},
    {T::Close,            kFromLiveEnd,        S::Closed,          Guard::None},
    {T::CloseAfter,       kFromLiveEnd,        S::Closed,          Guard::None},
    {T::Cancel,           kCancellable,        S::Closed,          Guard::None},
    {T::Reopen,           kFromClosed,         S::Preparing,       Guard::ScheduleDue},
    {T::Reopen,           kFromClosed,         S::Scheduled,       Guard::ScheduleNotDue},
    {T::Archive,          kArchivable,         S::Archived,        Guard::None},
    {T::Delete,           kDeletable,          std::nullopt,       Guard::None},
};

bool guard_holds(Guard g, const TransitionFacts& f) {
  switch (g) {
    case Guard::None: return true;
    case Guard::HasLiveVod: return f.has_live_vod;
    case Guard::NoLiveVod: return !f.has_live_vod;
    case Guard::ScheduleDue: return f.schedule_due;
    case Guard::ScheduleNotDue: return !f.schedule_due;
  }
  return false;
}

struct StateName {
  S state;
  std::string_view name;
};
constexpr StateName kStateNames[] = {
    {S::Scheduled, "SCHEDULED"}, {S::Preparing, "PREPARING"},
    {S::WaitForPreview, "WAIT_FOR_PREVIEW"}, {S::Preview, "PREVIEW"},
    {S::Live, "LIVE"}, {S::Encoding, "ENCODING"},
    {S::VodReady, "VOD_READY"}, {S::Vod, "VOD"},
    {S::LiveEnd, "LIVE_END"}, {S::Closed, "CLOSED"},
    {S::Archived, "ARCHIVED"},
};

struct TriggerName {
  T trigger;
  std::string_view name;
};
constexpr TriggerName kTriggerNames[] = {
    {T::Preview, "preview"}, {T::Start, "start"}, {T::End, "end"},
    {T::Cancel, "cancel"}, {T::Close, "close"}, {T::Reopen, "reopen"},
    {T::Archive, "archive"}, {T::Delete, "delete"},
    {T::PrepareDue, "prepare-due"}, {T::ResourcesReady, "resources-ready"},
    {T::VodAssetReady, "vod-asset-ready"}, {T::VodWindowOpen, "vod-window-open"},
    {T::VodWindowClose, "vod-window-close"}, {T::CloseAfter, "close-after"},
};

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::span<const LiveTransition> live_transitions() { return kLiveTransitions; }

TransitionResult live_transition(LiveState from, Trigger trigger, const TransitionFacts& facts) {
  TransitionResult r;
  for (const auto& row : kLiveTransitions) {
    if (row.trigger != trigger) continue;
    const bool from_matches = std::ranges::find(row.from, from) != row.from.end();
    if (from_matches && guard_holds(row.guard, facts)) {
      r.allowed = true;
      r.to = row.to;
      r.allowed_from.clear();
      return r;
    }
    for (S s : row.from)
      if (std::ranges::find(r.allowed_from, s) == r.allowed_from.end()) r.allowed_from.push_back(s);
  }
  return r;
}

std::string refusal_message(Trigger trigger, LiveState from, std::span<const LiveState> allowed_from) {
  std::string msg = "cannot ";
  msg += to_string(trigger);
  msg += ": live is ";
  msg += to_string(from);
  msg += "; ";
  msg += to_string(trigger);
  if (allowed_from.empty()) {
    msg += " is never allowed";
    return msg;
  }
  msg += " is allowed from ";
  for (std::size_t i = 0; i < allowed_from.size(); ++i) {
    if (i) msg += (i + 1 == allowed_from.size()) ? " or " : ", ";
    msg += to_string(allowed_from[i]);
  }
  return msg;
}

bool is_op(Trigger t) { return std::ranges::find(kOps, t) != std::end(kOps); }

std::string_view to_string(LiveState s) {
  for (const auto& n : kStateNames)
    if (n.state == s) return n.name;
  return "UNKNOWN";
}

std::optional<LiveState> parse_live_state(std::string_view s) {
  const std::string u = upper(s);
  for (const auto& n : kStateNames)
    if (n.name == u) return n.state;
  return std::nullopt;
}

std::string_view to_string(Trigger t) {
  for (const auto& n : kTriggerNames)
    if (n.trigger == t) return n.name;
  return "unknown";
}

std::optional<Trigger> parse_op(std::string_view s) {
  for (const auto& n : kTriggerNames)
    if (n.name == s && is_op(n.trigger)) return n.trigger;
  return std::nullopt;
}

bool accepts_ingest(LiveState s) { return s == S::Preview || s == S::Live; }

bool before_live(LiveState s) {
  return s == S::Scheduled || s == S::Preparing || s == S::WaitForPreview || s == S::Preview;
}

}  // namespace bvlive
