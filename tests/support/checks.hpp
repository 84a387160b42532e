// Boost.Test helpers shared by the integration tests. Include after <boost/test/unit_test.hpp>.
#pragma once

#include <boost/test/unit_test.hpp>

#include <string>

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

// stdout as JSON; fails the test case (with the command's output) if it is not JSON.
inline nlohmann::json parse_out(const RunResult& r) {
  nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
  BOOST_TEST_REQUIRE(!j.is_discarded(), "stdout is not JSON" << r.describe());
  return j;
}

}  // namespace bvtest
