// What the origin serves of a live in each state (core/live/playback_access.hpp), as a table.
#define BOOST_TEST_MODULE playback_access
#include <boost/test/unit_test.hpp>

#include <optional>
#include <string>

#include "live/playback_access.hpp"

using namespace bvlive;

namespace {

constexpr TimeMs kNow = 1'800'000'000'000;

LiveRecord live_in(LiveState state, bool went_live, bool with_vod, std::optional<TimeMs> vod_opens = std::nullopt) {
  LiveRecord l;
  l.id = "abc";
  l.state = state;
  if (went_live) l.live_started_at = kNow - 3'600'000;
  if (with_vod) {
    l.spec.live_vod.source = LiveVodSource::Catchup;
    l.spec.live_vod.started_at = vod_opens;
  }
  return l;
}

struct Row {
  LiveState state;
  bool went_live;
  bool with_vod;
  int entry;      // status for index.m3u8
  int listed;     // status for a playlist or segment a player already had
  int preview;    // status for the host's preview
};

// The table the origin follows. 200 plays; 404 not yet; 410 gone; 503 come back later.
const Row kTable[] = {
    {LiveState::Scheduled, false, false, 404, 404, 404},
    {LiveState::Preparing, false, false, 404, 404, 404},
    {LiveState::WaitForPreview, false, false, 404, 404, 404},
    {LiveState::Preview, false, false, 404, 404, 200},
    {LiveState::Live, true, false, 200, 200, 200},
    {LiveState::Live, true, true, 200, 200, 200},
    {LiveState::LiveEnd, true, false, 410, 200, 404},   // no VOD: the closed live stays readable
    {LiveState::LiveEnd, true, true, 410, 410, 404},    // its VOD window has come and gone
    {LiveState::Encoding, true, true, 503, 200, 404},
    {LiveState::VodReady, true, true, 503, 200, 404},
    {LiveState::Vod, true, true, 200, 200, 404},
    {LiveState::Closed, true, false, 410, 410, 404},
    {LiveState::Closed, false, false, 404, 404, 404},   // cancelled before it went LIVE
    {LiveState::Archived, true, false, 410, 410, 404},
    {LiveState::Archived, false, false, 404, 404, 404},
    // A live reopened after it went LIVE once, waiting again: its old end is not replayed.
    {LiveState::WaitForPreview, true, false, 410, 410, 404},
};

}  // namespace

BOOST_AUTO_TEST_CASE(the_table) {
  for (const Row& row : kTable) {
    const LiveRecord l = live_in(row.state, row.went_live, row.with_vod, kNow + 90'500);
    const std::string what = std::string(to_string(row.state)) + (row.went_live ? " (went live)" : "") +
                             (row.with_vod ? " with live_vod" : "");
    const auto entry = public_access(l, true, kNow);
    const auto listed = public_access(l, false, kNow);
    const auto preview = preview_access(l);
    BOOST_TEST(entry.status == row.entry, what << ": index.m3u8 " << entry.status << " " << entry.reason);
    BOOST_TEST(listed.status == row.listed, what << ": listed " << listed.status << " " << listed.reason);
    BOOST_TEST(preview.status == row.preview, what << ": preview " << preview.status << " " << preview.reason);
    for (const auto& a : {entry, listed, preview}) {
      BOOST_TEST(a.allowed() == (a.status == 200));
      BOOST_TEST(a.reason.empty() == a.allowed(), what << ": a refusal says why, an access does not");
      BOOST_TEST(a.retry_after_s.has_value() == (a.status == 503), what);
    }
  }
}

BOOST_AUTO_TEST_CASE(refusals_say_what_to_do_and_when) {
  const auto not_yet = public_access(live_in(LiveState::Preview, false, false), true, kNow);
  BOOST_TEST(not_yet.reason.find("bvlive start abc") != std::string::npos, not_yet.reason);
  const auto encoding = public_access(live_in(LiveState::Encoding, true, true), true, kNow);
  BOOST_TEST(*encoding.retry_after_s == 10);
  const auto waiting = public_access(live_in(LiveState::VodReady, true, true, kNow + 90'500), true, kNow);
  BOOST_TEST(*waiting.retry_after_s == 91);  // rounded up to the second its window opens
  BOOST_TEST(waiting.reason.find(format_rfc3339(kNow + 90'500)) != std::string::npos, waiting.reason);
  const auto overdue = public_access(live_in(LiveState::VodReady, true, true, kNow - 5000), true, kNow);
  BOOST_TEST(*overdue.retry_after_s == 1);
  const auto gone = public_access(live_in(LiveState::LiveEnd, true, true), true, kNow);
  BOOST_TEST(gone.reason.find("no longer offered") != std::string::npos, gone.reason);
}

BOOST_AUTO_TEST_CASE(rehearsal_segments_are_not_public) {
  LiveRecord l = live_in(LiveState::Live, true, false);
  SegmentRecord s;
  s.duration = 2.0;
  s.program_date_time = *l.live_started_at - 2000;  // ends exactly when LIVE began
  BOOST_TEST(!segment_is_public(l, s));
  s.program_date_time += 1;  // its last millisecond is live
  BOOST_TEST(segment_is_public(l, s));
  l.live_started_at.reset();
  BOOST_TEST(!segment_is_public(l, s));
}
