// When automatic transitions fall due (core/schedule/due.hpp).
#define BOOST_TEST_MODULE schedule
#include <boost/test/unit_test.hpp>

#include "schedule/due.hpp"

using namespace bvlive;

namespace {
constexpr TimeMs kHour = 3600 * 1000;
constexpr TimeMs kT0 = 1'800'000'000'000;  // an arbitrary "now"

LiveRecord live_in(LiveState s) {
  LiveRecord l;
  l.id = "x";
  l.spec.name = "x";
  l.state = s;
  l.state_changed_at = kT0;
  return l;
}
}  // namespace

BOOST_AUTO_TEST_CASE(scheduled_prepares_prepare_lead_before_the_start) {
  ScheduleRules rules;  // 12 h lead
  auto l = live_in(LiveState::Scheduled);
  l.spec.scheduled_at = kT0 + 24 * kHour;
  auto d = next_automatic(l, rules);
  BOOST_TEST((d->trigger == Trigger::PrepareDue));
  BOOST_TEST(d->at == kT0 + 12 * kHour);
  rules.prepare_lead = kHour;
  BOOST_TEST(next_automatic(l, rules)->at == kT0 + 23 * kHour);
  l.spec.scheduled_at.reset();  // no scheduled_at: launch now
  BOOST_TEST(next_automatic(l, rules)->at == kT0);
}

BOOST_AUTO_TEST_CASE(preparing_is_ready_at_once) {
  auto d = next_automatic(live_in(LiveState::Preparing), {});
  BOOST_TEST((d->trigger == Trigger::ResourcesReady));
  BOOST_TEST(d->at == kT0);
}

BOOST_AUTO_TEST_CASE(auto_preview_and_auto_start) {
  auto l = live_in(LiveState::WaitForPreview);
  BOOST_TEST(!next_automatic(l, {}).has_value());  // manual by default
  l.spec.scheduled_at = kT0 + kHour;
  l.spec.schedule.auto_preview = 15 * 60 * 1000;
  auto d = next_automatic(l, {});
  BOOST_TEST((d->trigger == Trigger::Preview));
  BOOST_TEST(d->at == kT0 + 45 * 60 * 1000);
  l.spec.schedule.auto_preview.reset();
  l.spec.schedule.auto_start = true;  // start implies preview at the start time
  BOOST_TEST(next_automatic(l, {})->at == kT0 + kHour);
  l.state = LiveState::Preview;
  d = next_automatic(l, {});
  BOOST_TEST((d->trigger == Trigger::Start));
  BOOST_TEST(d->at == kT0 + kHour);
}

BOOST_AUTO_TEST_CASE(auto_end_counts_from_live_start) {
  auto l = live_in(LiveState::Live);
  BOOST_TEST(!next_automatic(l, {}).has_value());
  l.live_started_at = kT0 - kHour;
  l.spec.schedule.auto_end = 2 * kHour;
  auto d = next_automatic(l, {});
  BOOST_TEST((d->trigger == Trigger::End));
  BOOST_TEST(d->at == kT0 + kHour);
}

BOOST_AUTO_TEST_CASE(vod_window) {
  auto l = live_in(LiveState::VodReady);
  l.spec.live_vod.source = LiveVodSource::Catchup;
  l.spec.live_vod.started_at = kT0 + kHour;
  l.spec.live_vod.ended_at = kT0 + 2 * kHour;
  BOOST_TEST(next_automatic(l, {})->at == kT0 + kHour);
  l.state = LiveState::Vod;
  auto d = next_automatic(l, {});
  BOOST_TEST((d->trigger == Trigger::VodWindowClose));
  BOOST_TEST(d->at == kT0 + 2 * kHour);
}

BOOST_AUTO_TEST_CASE(close_after_default_and_override) {
  auto l = live_in(LiveState::LiveEnd);
  BOOST_TEST(!next_automatic(l, {}).has_value());  // default 0 = never
  ScheduleRules rules;
  rules.close_after = kHour;
  BOOST_TEST(next_automatic(l, rules)->at == kT0 + kHour);
  l.spec.schedule.close_after = 2 * kHour;
  BOOST_TEST(next_automatic(l, rules)->at == kT0 + 2 * kHour);
  BOOST_TEST(automatic_cause(*next_automatic(l, rules), kT0, kT0) == "timeout");
}

BOOST_AUTO_TEST_CASE(final_states_have_nothing_due) {
  for (auto s : {LiveState::Closed, LiveState::Archived}) BOOST_TEST(!next_automatic(live_in(s), {}).has_value());
}

BOOST_AUTO_TEST_CASE(missed_schedule_cause) {
  DueTransition d{Trigger::PrepareDue, kT0 - 1};
  BOOST_TEST(automatic_cause(d, kT0, kT0 - 100) == "missed-schedule");
  // A live created after the start with a time in the past missed nothing.
  BOOST_TEST(automatic_cause(d, kT0, kT0 + 5) == "schedule");
  d.at = kT0;
  BOOST_TEST(automatic_cause(d, kT0, kT0 - 100) == "schedule");
}
