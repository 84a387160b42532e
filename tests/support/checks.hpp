// Boost.Test helpers shared by the integration tests. Include after <boost/test/unit_test.hpp>.
#pragma once

#include <boost/test/unit_test.hpp>

#include <cctype>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/boost_json.hpp"
#include "support/process.hpp"

// Exit code of a bvlive/bvlived run; the failure message shows the command, stdout and stderr.
// `expr` is evaluated exactly once.
#define CHECK_EXIT(expr, expected)                                                                   \
  do {                                                                                               \
    const ::bvtest::RunResult& bvtest_r_ = (expr);                                                   \
    BOOST_TEST(bvtest_r_.code == (expected), "expected exit " << (expected) << bvtest_r_.describe()); \
  } while (0)
#define REQUIRE_EXIT(expr, expected)                                                                         \
  do {                                                                                                       \
    const ::bvtest::RunResult& bvtest_r_ = (expr);                                                           \
    BOOST_TEST_REQUIRE(bvtest_r_.code == (expected), "expected exit " << (expected) << bvtest_r_.describe()); \
  } while (0)

namespace bvtest {

inline bool contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

// The non-empty lines of a command's output.
inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(line);
  return out;
}

inline std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

// True when `text` contains one of `words`, in any case: for error messages, whose exact
// wording may change while their point must not.
inline bool mentions(const std::string& text, const std::vector<std::string>& words) {
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  for (const auto& w : words)
    if (contains(lower(text), lower(w))) return true;
  return false;
}

// stdout as JSON; fails the test case (with the command's output) if it is not JSON.
inline nlohmann::json parse_out(const RunResult& r) {
  nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
  BOOST_TEST_REQUIRE(!j.is_discarded(), "stdout is not JSON" << r.describe());
  return j;
}

}  // namespace bvtest
