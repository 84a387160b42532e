// Unit-test helpers for code that refuses with RpcError. Include after <boost/test/unit_test.hpp>.
#pragma once

#include <functional>
#include <string>

#include "rpc/error.hpp"
#include "support/checks.hpp"

namespace bvtest {

// The RpcError `fn` throws; fails the test case when it throws none.
inline bvlive::RpcError error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const bvlive::RpcError& e) {
    return e;
  }
  BOOST_FAIL("expected an RpcError");
  return bvlive::RpcError(bvlive::ErrorKind::Internal, "unreachable");
}

inline bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace bvtest
