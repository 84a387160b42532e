// The live and session state tables against the lifecycle as documented
// (docs/ARCHITECTURE.md#state-tables, bvlive(1) LIVE STATES), written out here
// independently: every (state, trigger, facts) combination is checked, so an added, missing
// or wrong row fails.
#define BOOST_TEST_MODULE lifecycle
#include <boost/test/unit_test.hpp>

#include <map>
#include <set>

#include "lifecycle/channel_state.hpp"
#include "lifecycle/live_state.hpp"
#include "lifecycle/session_state.hpp"

namespace bvlive {
std::ostream& operator<<(std::ostream& o, LiveState s) { return o << to_string(s); }
std::ostream& operator<<(std::ostream& o, Trigger t) { return o << to_string(t); }
}  // namespace bvlive

using namespace bvlive;
using S = LiveState;
using T = Trigger;

namespace {

const T kAllTriggers[] = {T::Preview,        T::Start,         T::End,           T::Cancel,        T::Close,
                          T::Reopen,         T::Archive,       T::Delete,        T::PrepareDue,    T::ResourcesReady,
                          T::VodAssetReady,  T::VodWindowOpen, T::VodWindowClose, T::CloseAfter};

// bvlive(1) LIVE STATES, transcribed. nullopt inside the optional = "deleted".
std::optional<std::optional<S>> expected(S from, T t, bool has_vod, bool due) {
  using R = std::optional<std::optional<S>>;
  switch (t) {
    case T::PrepareDue: return from == S::Scheduled ? R{S::Preparing} : R{};
    case T::ResourcesReady: return from == S::Preparing ? R{S::WaitForPreview} : R{};
    case T::Preview: return from == S::WaitForPreview ? R{S::Preview} : R{};
    case T::Start: return from == S::Preview ? R{S::Live} : R{};
    case T::End:
      if (from != S::Live) return R{};
      return has_vod ? R{S::Encoding} : R{S::LiveEnd};
    case T::VodAssetReady: return from == S::Encoding ? R{S::VodReady} : R{};
    case T::VodWindowOpen: return from == S::VodReady ? R{S::Vod} : R{};
    case T::VodWindowClose: return from == S::Vod ? R{S::LiveEnd} : R{};
    case T::Close:
    case T::CloseAfter: return from == S::LiveEnd ? R{S::Closed} : R{};
    case T::Cancel: {
      const std::set<S> ok = {S::Scheduled, S::Preparing, S::WaitForPreview, S::Preview, S::Live};
      return ok.count(from) ? R{S::Closed} : R{};
    }
    case T::Reopen:
      if (from != S::Closed) return R{};
      return due ? R{S::Preparing} : R{S::Scheduled};
    case T::Archive: return (from == S::LiveEnd || from == S::Closed) ? R{S::Archived} : R{};
    case T::Delete: return (from == S::Closed || from == S::Archived) ? R{std::optional<S>{}} : R{};
  }
  return R{};
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_transition_matches_the_spec) {
  int allowed = 0, refused = 0;
  for (S from : kAllLiveStates)
    for (T t : kAllTriggers)
      for (bool has_vod : {false, true})
        for (bool due : {false, true}) {
          const auto want = expected(from, t, has_vod, due);
          const auto got = live_transition(from, t, {has_vod, due});
          BOOST_TEST_CONTEXT(to_string(from) << " + " << to_string(t) << " vod=" << has_vod << " due=" << due) {
            BOOST_TEST(got.allowed == want.has_value());
            if (want && got.allowed) {
              BOOST_TEST(got.to.has_value() == want->has_value());
              if (got.to && *want) BOOST_TEST(to_string(*got.to) == to_string(**want));
              ++allowed;
            } else {
              BOOST_TEST(!got.allowed_from.empty());  // a refusal always says where it is allowed
              ++refused;
            }
          }
        }
  BOOST_TEST(allowed > 0);
  BOOST_TEST(refused > allowed);
}

BOOST_AUTO_TEST_CASE(refusal_names_state_and_allowed_states) {
  const auto r = live_transition(S::WaitForPreview, T::Start, {});
  BOOST_TEST(!r.allowed);
  BOOST_TEST(r.allowed_from.size() == 1u);
  const auto msg = refusal_message(T::Start, S::WaitForPreview, r.allowed_from);
  BOOST_TEST(msg == "cannot start: live is WAIT_FOR_PREVIEW; start is allowed from PREVIEW");

  const auto c = live_transition(S::Archived, T::Cancel, {});
  const auto cmsg = refusal_message(T::Cancel, S::Archived, c.allowed_from);
  BOOST_TEST(cmsg == "cannot cancel: live is ARCHIVED; cancel is allowed from SCHEDULED, PREPARING, "
                     "WAIT_FOR_PREVIEW, PREVIEW or LIVE");
}

BOOST_AUTO_TEST_CASE(archived_is_final_except_delete) {
  for (T t : kAllTriggers) {
    const auto r = live_transition(S::Archived, t, {true, true});
    BOOST_TEST(r.allowed == (t == T::Delete), to_string(t));
  }
}

BOOST_AUTO_TEST_CASE(names_round_trip) {
  for (S s : kAllLiveStates) BOOST_TEST((parse_live_state(to_string(s)) == s));
  BOOST_TEST((parse_live_state("wait_for_preview") == S::WaitForPreview));
  BOOST_TEST(!parse_live_state("RUNNING"));
  for (T t : kOps) BOOST_TEST((parse_op(to_string(t)) == t));
  BOOST_TEST(!parse_op("prepare-due"));  // automatic events are not ops
  BOOST_TEST(!parse_op("launch"));
}

BOOST_AUTO_TEST_CASE(ingest_is_accepted_in_preview_and_live_only) {
  for (S s : kAllLiveStates) BOOST_TEST(accepts_ingest(s) == (s == S::Preview || s == S::Live), to_string(s));
}

BOOST_AUTO_TEST_CASE(channel_state_is_derived) {
  for (S s : kAllLiveStates) {
    const bool stop = s == S::LiveEnd || s == S::Closed || s == S::Archived;
    BOOST_TEST(to_string(channel_state(s, false)) == (stop ? "STOP" : "IDLE"), to_string(s));
    BOOST_TEST(to_string(channel_state(s, true)) == (stop ? "STOP" : "ACTIVE"), to_string(s));
  }
}

BOOST_AUTO_TEST_CASE(session_table_matches_the_spec) {
  using SS = SessionState;
  using E = SessionEvent;
  const std::map<std::pair<SS, E>, SS> allowed = {
      {{SS::Init, E::PackagerStarted}, SS::Processing},
      {{SS::Processing, E::FirstSegment}, SS::Live},
      {{SS::Init, E::Failed}, SS::Error},
      {{SS::Processing, E::Failed}, SS::Error},
      {{SS::Live, E::Failed}, SS::Error},
      {{SS::Init, E::Finished}, SS::Ended},
      {{SS::Processing, E::Finished}, SS::Ended},
      {{SS::Live, E::Finished}, SS::Ended},
      {{SS::Error, E::Finished}, SS::Ended},
  };
  for (SS s : {SS::Init, SS::Processing, SS::Live, SS::Error, SS::Ended})
    for (E e : {E::PackagerStarted, E::FirstSegment, E::Failed, E::Finished}) {
      const auto got = session_transition(s, e);
      const auto it = allowed.find({s, e});
      BOOST_TEST_CONTEXT(to_string(s) << " + " << to_string(e)) {
        BOOST_TEST(got.has_value() == (it != allowed.end()));
        if (got && it != allowed.end()) BOOST_TEST(to_string(*got) == to_string(it->second));
      }
    }
  BOOST_TEST(!is_running(SS::Ended));
  BOOST_TEST(!is_running(SS::Error));
  BOOST_TEST(is_running(SS::Live));
}
