// Whether a push is accepted (docs/ARCHITECTURE.md#session-states): by the live's state, its
// type and its ingestion_types; a refusal names the live and what to do, never the stream key.
#define BOOST_TEST_MODULE ingest_policy
#include <boost/test/unit_test.hpp>

#include <string>

#include "core/ingest/ingest_policy.hpp"

using namespace bvlive;

namespace {

const std::string kKey = "sk_Secret0123456789";

LiveRecord live_in(LiveState state) {
  LiveRecord l;
  l.id = "lv_abc";
  l.spec.name = "Launch";
  l.spec.custom_id = "launch-2025";
  l.state = state;
  l.stream_key = kKey;
  l.spec.ingestion_types = {IngestType::Rtmp, IngestType::Srt};
  return l;
}

void check_no_key(const std::string& refusal) {
  BOOST_TEST_INFO("refusal: " << refusal);
  BOOST_TEST(refusal.find(kKey) == std::string::npos);
  BOOST_TEST(refusal.find("sk_") == std::string::npos);
}

}  // namespace

BOOST_AUTO_TEST_CASE(no_live_for_the_key) {
  const std::string r = ingest_refusal(nullptr, IngestType::Rtmp);
  BOOST_TEST(!r.empty());
  BOOST_TEST(r.find("no live has this stream key") != std::string::npos);
  check_no_key(r);
}

BOOST_AUTO_TEST_CASE(only_preview_and_live_accept) {
  for (LiveState s : kAllLiveStates) {
    const LiveRecord l = live_in(s);
    const std::string name(to_string(s));
    BOOST_TEST_INFO("state " << name);
    for (IngestType p : {IngestType::Rtmp, IngestType::Srt}) {
      const std::string r = ingest_refusal(&l, p);
      if (s == LiveState::Preview || s == LiveState::Live) {
        BOOST_TEST(r.empty());
      } else {
        BOOST_TEST(!r.empty());
        BOOST_TEST(r.find("launch-2025") != std::string::npos);  // names the live by its custom_id
        BOOST_TEST(r.find(name) != std::string::npos);
        BOOST_TEST(r.find("PREVIEW and LIVE") != std::string::npos);
        BOOST_TEST(r.find("bvlive preview launch-2025") != std::string::npos);
        check_no_key(r);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(a_live_without_custom_id_is_named_by_id) {
  LiveRecord l = live_in(LiveState::Scheduled);
  l.spec.custom_id.reset();
  const std::string r = ingest_refusal(&l, IngestType::Rtmp);
  BOOST_TEST(r.find("live lv_abc is SCHEDULED") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(simulive_takes_no_push) {
  for (LiveState s : {LiveState::Preview, LiveState::Live}) {
    LiveRecord l = live_in(s);
    l.spec.type = LiveType::Simulive;
    const std::string r = ingest_refusal(&l, IngestType::Rtmp);
    BOOST_TEST(!r.empty());
    BOOST_TEST(r.find("simulive") != std::string::npos);
    check_no_key(r);
  }
}

BOOST_AUTO_TEST_CASE(protocol_not_in_ingestion_types_is_refused_by_short_name) {
  LiveRecord l = live_in(LiveState::Live);
  l.spec.ingestion_types = {IngestType::Rtmp};
  BOOST_TEST(ingest_refusal(&l, IngestType::Rtmp).empty());
  const std::string srt = ingest_refusal(&l, IngestType::Srt);
  BOOST_TEST_INFO(srt);
  BOOST_TEST(srt.find("does not take srt pushes") != std::string::npos);
  BOOST_TEST(srt.find("LIVE_STREAM_INGEST_TYPE") == std::string::npos);
  BOOST_TEST(srt.find("ingestion_types") != std::string::npos);
  check_no_key(srt);

  l.spec.ingestion_types = {IngestType::Srt};
  BOOST_TEST(ingest_refusal(&l, IngestType::Srt).empty());
  BOOST_TEST(ingest_refusal(&l, IngestType::Rtmp).find("does not take rtmp pushes") != std::string::npos);

  l.spec.ingestion_types.clear();
  BOOST_TEST(!ingest_refusal(&l, IngestType::Rtmp).empty());
  BOOST_TEST(!ingest_refusal(&l, IngestType::Srt).empty());
}

BOOST_AUTO_TEST_CASE(state_is_checked_before_protocol) {
  // A live in the wrong state that also lacks the protocol: the state is what to fix first.
  LiveRecord l = live_in(LiveState::WaitForPreview);
  l.spec.ingestion_types = {IngestType::Rtmp};
  const std::string r = ingest_refusal(&l, IngestType::Srt);
  BOOST_TEST(r.find("WAIT_FOR_PREVIEW") != std::string::npos);
}
