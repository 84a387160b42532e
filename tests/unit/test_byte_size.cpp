// Sizes as a config file writes them, and as messages show them.
#define BOOST_TEST_MODULE byte_size
#include <boost/test/unit_test.hpp>

#include "util/byte_size.hpp"

using namespace bvlive;

BOOST_AUTO_TEST_CASE(parses_numbers_with_decimal_and_binary_units) {
  BOOST_TEST(*parse_byte_size("0") == 0u);
  BOOST_TEST(*parse_byte_size("268435456") == 268435456u);
  BOOST_TEST(*parse_byte_size("256MiB") == 256ULL << 20);
  BOOST_TEST(*parse_byte_size("256 mib") == 256ULL << 20);
  BOOST_TEST(*parse_byte_size("512M") == 512ULL << 20);
  BOOST_TEST(*parse_byte_size("2GB") == 2'000'000'000u);
  BOOST_TEST(*parse_byte_size("3 TiB") == 3ULL << 40);
  BOOST_TEST(*parse_byte_size("10B") == 10u);
  BOOST_TEST(*parse_byte_size("1k") == 1024u);
}

BOOST_AUTO_TEST_CASE(refuses_what_is_not_a_size) {
  for (const char* bad : {"", "MiB", "-1", "1.5GiB", "12 parsecs", "1 GiB extra", " 1", "99999999999999999999",
                          "20000000TiB"})
    BOOST_TEST(!parse_byte_size(bad).has_value(), bad);
}

BOOST_AUTO_TEST_CASE(formats_with_three_figures) {
  BOOST_TEST(format_byte_size(0) == "0 B");
  BOOST_TEST(format_byte_size(1023) == "1023 B");
  BOOST_TEST(format_byte_size(1536) == "1.50 KiB");
  BOOST_TEST(format_byte_size(256ULL << 20) == "256 MiB");
  BOOST_TEST(format_byte_size(80240259072ULL) == "74.7 GiB");
  BOOST_TEST(format_byte_size(900ULL << 40) == "900 TiB");
}
