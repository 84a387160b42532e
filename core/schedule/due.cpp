#include "schedule/due.hpp"

namespace bvlive {

std::optional<DueTransition> next_automatic(const LiveRecord& l, const ScheduleRules& rules) {
  const auto& s = l.spec;
  const TimeMs since = l.state_changed_at;
  switch (l.state) {
    case LiveState::Scheduled:
      return DueTransition{Trigger::PrepareDue, s.scheduled_at ? *s.scheduled_at - rules.prepare_lead : since};
    case LiveState::Preparing:
      return DueTransition{Trigger::ResourcesReady, since};
    case LiveState::WaitForPreview:
      if (s.schedule.auto_preview)
        return DueTransition{Trigger::Preview, s.scheduled_at ? *s.scheduled_at - *s.schedule.auto_preview : since};
      if (s.schedule.auto_start) return DueTransition{Trigger::Preview, s.scheduled_at.value_or(since)};
      return std::nullopt;
    case LiveState::Preview:
      if (s.schedule.auto_start) return DueTransition{Trigger::Start, s.scheduled_at.value_or(since)};
      return std::nullopt;
    case LiveState::Live: {
      std::optional<TimeMs> at = l.playout_ends_at;
      if (s.schedule.auto_end) {
        const TimeMs auto_end = l.live_started_at.value_or(since) + *s.schedule.auto_end;
        if (!at || auto_end < *at) at = auto_end;
      }
      if (at) return DueTransition{Trigger::End, *at};
      return std::nullopt;
    }
    case LiveState::Encoding:
      return std::nullopt;  // the VOD job raises vod-asset-ready when the asset is done
    case LiveState::VodReady:
      if (s.live_vod.started_at) return DueTransition{Trigger::VodWindowOpen, *s.live_vod.started_at};
      return std::nullopt;
    case LiveState::Vod:
      if (s.live_vod.ended_at) return DueTransition{Trigger::VodWindowClose, *s.live_vod.ended_at};
      return std::nullopt;
    case LiveState::LiveEnd: {
      const DurationMs after = s.schedule.close_after.value_or(rules.close_after);
      if (after > 0) return DueTransition{Trigger::CloseAfter, since + after};
      return std::nullopt;
    }
    case LiveState::Closed:
    case LiveState::Archived:
      return std::nullopt;
  }
  return std::nullopt;
}

std::string_view automatic_cause(const DueTransition& due, TimeMs daemon_started_at, TimeMs live_changed_at) {
  if (due.at < daemon_started_at && live_changed_at < daemon_started_at) return "missed-schedule";
  return due.trigger == Trigger::CloseAfter ? "timeout" : "schedule";
}

bool prepare_due(const LiveSpec& spec, const ScheduleRules& rules, TimeMs now) {
  return !spec.scheduled_at || now >= *spec.scheduled_at - rules.prepare_lead;
}

}  // namespace bvlive
