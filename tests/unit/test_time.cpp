#define BOOST_TEST_MODULE time
#include <boost/test/unit_test.hpp>

#include <set>

#include "util/random_id.hpp"
#include "util/time.hpp"

using namespace bvlive;

BOOST_AUTO_TEST_CASE(rfc3339_parses_the_seed_example) {
  BOOST_TEST(parse_rfc3339("2019-08-24T14:15:22Z").value() == 1566656122000LL);
  BOOST_TEST(parse_rfc3339("1970-01-01T00:00:00Z").value() == 0);
}

BOOST_AUTO_TEST_CASE(rfc3339_offsets_and_fractions) {
  BOOST_TEST(parse_rfc3339("2019-08-24T16:15:22+02:00").value() == 1566656122000LL);
  BOOST_TEST(parse_rfc3339("2019-08-24T09:15:22.250-05:00").value() == 1566656122250LL);
  BOOST_TEST(parse_rfc3339("2019-08-24t14:15:22z").value() == 1566656122000LL);
  BOOST_TEST(parse_rfc3339("2024-02-29T00:00:00Z").has_value());  // leap day
}

BOOST_AUTO_TEST_CASE(rfc3339_refuses_non_times) {
  for (const char* bad : {"", "2019-08-24", "2019-08-24T14:15:22", "2019-13-01T00:00:00Z", "2019-02-29T00:00:00Z",
                          "2019-08-24T24:00:00Z", "2019-08-24T14:15:22+2:00", "yesterday", "2019-08-24T14:15:22Zjunk",
                          "2019-08-24T14:15:22."})
    BOOST_TEST(!parse_rfc3339(bad).has_value(), bad);
}

BOOST_AUTO_TEST_CASE(rfc3339_format_round_trips) {
  for (TimeMs t : {0LL, 1566656122000LL, 1566656122250LL, 4102444800000LL, -86400000LL})
    BOOST_TEST(parse_rfc3339(format_rfc3339(t)).value() == t);
  BOOST_TEST(format_rfc3339(1566656122000LL) == "2019-08-24T14:15:22Z");
  BOOST_TEST(format_rfc3339(1566656122250LL) == "2019-08-24T14:15:22.250Z");
}

BOOST_AUTO_TEST_CASE(durations) {
  BOOST_TEST(parse_duration("12h").value() == 12 * 3600 * 1000LL);
  BOOST_TEST(parse_duration("1h30m").value() == 90 * 60 * 1000LL);
  BOOST_TEST(parse_duration("45").value() == 45000);
  BOOST_TEST(parse_duration("500ms").value() == 500);
  BOOST_TEST(parse_duration("2d").value() == 2 * 86400 * 1000LL);
  BOOST_TEST(parse_duration("0").value() == 0);
  for (const char* bad : {"", "h", "12 hours", "-5m", "5x", "1h-30m"}) BOOST_TEST(!parse_duration(bad), bad);
  for (DurationMs d : {0LL, 1000LL, 90 * 60 * 1000LL, 12 * 3600 * 1000LL, 86400000LL + 1500})
    BOOST_TEST(parse_duration(format_duration(d)).value() == d);
  BOOST_TEST(format_duration(90 * 60 * 1000LL) == "1h30m");
}

BOOST_AUTO_TEST_CASE(ids_are_url_safe_and_distinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    auto id = new_live_id();
    BOOST_TEST(id.size() == 12u);
    BOOST_TEST(id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789") == std::string::npos);
    seen.insert(id);
  }
  BOOST_TEST(seen.size() == 1000u);
  auto key = new_stream_key();
  BOOST_TEST(key.rfind("sk_", 0) == 0u);
  BOOST_TEST(key.size() == 35u);
}
