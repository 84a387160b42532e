// The /metrics text (Prometheus exposition format 0.0.4): HELP and TYPE once per family,
// samples with labels, label values escaped, integers without a fraction.
#define BOOST_TEST_MODULE prometheus_text
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "metrics/prometheus_text.hpp"

using namespace bvlive::metrics;

BOOST_AUTO_TEST_CASE(families_and_samples) {
  PrometheusText t;
  t.family("bvlive_lives", "gauge", "Lives by state.")
      .sample(3, {{"state", "LIVE"}})
      .sample(0, {{"state", "PREVIEW"}})
      .family("bvlive_ingest_bytes_total", "counter", "Bytes received from encoders.")
      .sample(1234567)
      .family("bvlive_sessions", "gauge", "Sessions.")
      .sample(1, {{"live", "a"}, {"protocol", "rtmp"}});
  BOOST_TEST(t.str() ==
             "# HELP bvlive_lives Lives by state.\n"
             "# TYPE bvlive_lives gauge\n"
             "bvlive_lives{state=\"LIVE\"} 3\n"
             "bvlive_lives{state=\"PREVIEW\"} 0\n"
             "# HELP bvlive_ingest_bytes_total Bytes received from encoders.\n"
             "# TYPE bvlive_ingest_bytes_total counter\n"
             "bvlive_ingest_bytes_total 1234567\n"
             "# HELP bvlive_sessions Sessions.\n"
             "# TYPE bvlive_sessions gauge\n"
             "bvlive_sessions{live=\"a\",protocol=\"rtmp\"} 1\n");
}

BOOST_AUTO_TEST_CASE(empty_output) { BOOST_TEST(PrometheusText().str().empty()); }

BOOST_AUTO_TEST_CASE(label_values_are_escaped) {
  BOOST_TEST(escape_label_value("plain") == "plain");
  BOOST_TEST(escape_label_value("a\\b") == "a\\\\b");
  BOOST_TEST(escape_label_value("say \"hi\"") == "say \\\"hi\\\"");
  BOOST_TEST(escape_label_value("two\nlines") == "two\\nlines");
  BOOST_TEST(escape_label_value("") == "");
  BOOST_TEST(escape_label_value("\\\"\n") == "\\\\\\\"\\n");

  PrometheusText t;
  t.family("m", "gauge", "h").sample(1, {{"name", "x\"y\\z\nw"}});
  BOOST_TEST(t.str() == "# HELP m h\n# TYPE m gauge\nm{name=\"x\\\"y\\\\z\\nw\"} 1\n");
  // Every sample stays on one line whatever the label value holds.
  const std::string body = t.str();
  BOOST_TEST(std::count(body.begin(), body.end(), '\n') == 3);
}

BOOST_AUTO_TEST_CASE(integers_and_fractions) {
  auto value_of = [](double v) {
    PrometheusText t;
    t.family("m", "gauge", "h").sample(v);
    const std::string s = t.str();
    const auto last_line = s.substr(s.rfind('\n', s.size() - 2) + 1);
    return last_line.substr(2, last_line.size() - 3);  // "m VALUE\n" -> VALUE
  };
  BOOST_TEST(value_of(0) == "0");
  BOOST_TEST(value_of(42) == "42");
  BOOST_TEST(value_of(-7) == "-7");
  BOOST_TEST(value_of(1e12) == "1000000000000");  // a byte counter, not 1e+12
  BOOST_TEST(value_of(123456789012345) == "123456789012345");
  BOOST_TEST(value_of(0.5) == "0.5");
  BOOST_TEST(value_of(2.25) == "2.25");
  BOOST_TEST(value_of(-0.125) == "-0.125");
  // Fractions and very large values keep six significant digits; every form parses as a float.
  BOOST_TEST(value_of(1.0 / 3) == "0.333333");
  BOOST_TEST(std::stod(value_of(1e20)) == 1e20);
  BOOST_TEST(std::isinf(std::stod(value_of(std::numeric_limits<double>::infinity()))));
}

// The format asks HELP text to escape backslash and newline, so a HELP line never breaks.
BOOST_AUTO_TEST_CASE(help_text_is_escaped) {
  PrometheusText t;
  t.family("m", "gauge", "first line\nsecond \\ part").sample(1);
  BOOST_TEST(t.str() == "# HELP m first line\\nsecond \\\\ part\n# TYPE m gauge\nm 1\n");
}
