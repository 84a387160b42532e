#define BOOST_TEST_MODULE srt_stream_id
#include <boost/test/unit_test.hpp>

#include <string>

#include "protocols/srt/stream_id.hpp"

using bvlive::srt::parse_stream_id;
using bvlive::srt::StreamIdError;

namespace {

void check_key(const std::string& id, const std::string& key) {
  const auto r = parse_stream_id(id);
  BOOST_TEST_CONTEXT("streamid " << id) {
    BOOST_TEST(r.ok());
    BOOST_TEST(r.key == key);
    BOOST_TEST(r.reason.empty());
  }
}

void check_refused(const std::string& id, StreamIdError error, const std::string& secret = "sk_secret") {
  const auto r = parse_stream_id(id);
  BOOST_TEST_CONTEXT("streamid " << id) {
    BOOST_TEST(!r.ok());
    BOOST_TEST((r.error == error));
    BOOST_TEST(r.key.empty());
    BOOST_TEST(!r.reason.empty());
    BOOST_TEST(r.reason.find(secret) == std::string::npos, "the reason must not quote the key: " << r.reason);
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(access_control_form) {
  check_key("#!::r=sk_abc,m=publish", "sk_abc");
  check_key("#!::m=publish,r=sk_abc", "sk_abc");
  check_key("#!::u=alice,r=sk_abc,s=1234,t=stream,m=publish", "sk_abc");
  check_key("#!::r=sk_abc,m=PUBLISH", "sk_abc");
  check_key("#!::r=sk_abc,x-vendor=whatever", "sk_abc");  // no m=: this listener only takes pushes
  check_key("#!::r=sk=with=equals,m=publish", "sk=with=equals");
}

BOOST_AUTO_TEST_CASE(bare_key_form) {
  check_key("sk_68IP7TpWQvvEzJgGLabBQrypLcxqIbxM", "sk_68IP7TpWQvvEzJgGLabBQrypLcxqIbxM");
  check_key("live/sk_abc", "live/sk_abc");
  check_key("#not-access-control", "#not-access-control");
}

BOOST_AUTO_TEST_CASE(modes_other_than_publish_are_refused) {
  check_refused("#!::r=sk_secret,m=request", StreamIdError::BadMode);
  check_refused("#!::m=bidirectional,r=sk_secret", StreamIdError::BadMode);
  check_refused("#!::r=sk_secret,m=", StreamIdError::BadMode);
  const auto r = parse_stream_id("#!::r=sk_secret,m=request");
  BOOST_TEST(r.reason.find("m=request") != std::string::npos);
  BOOST_TEST(r.reason.find("m=publish") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(malformed_or_empty_is_refused) {
  check_refused("", StreamIdError::Empty);
  check_refused("#!::", StreamIdError::Malformed);
  check_refused("#!::m=publish", StreamIdError::NoKey);
  check_refused("#!::r=,m=publish", StreamIdError::NoKey);
  check_refused("#!::r=sk_secret,m=publish,", StreamIdError::Malformed);
  check_refused("#!::sk_secret", StreamIdError::Malformed);
  check_refused("#!::=sk_secret", StreamIdError::Malformed);
  check_refused("#!::r=sk_secret,r=sk_secret2", StreamIdError::Malformed);
  check_refused("#!:{r=sk_secret}", StreamIdError::Malformed);
  check_refused("#!" + std::string(600, 'a'), StreamIdError::Malformed);
  check_refused(std::string(513, 'k'), StreamIdError::Malformed, std::string(513, 'k'));
}
