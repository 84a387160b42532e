// Include after <boost/test/unit_test.hpp>: makes BOOST_TEST compare nlohmann::json values
// as values (operator==, printed with dump()) instead of as collections of elements.
#pragma once

#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

namespace boost::unit_test {

#define BVTEST_JSON_NOT_A_COLLECTION(T)             \
  template <>                                       \
  struct is_forward_iterable<T> {                   \
    typedef mpl::false_ type;                       \
    enum { value = false };                         \
  };                                                \
  template <>                                       \
  struct is_container_forward_iterable<T> {         \
    typedef mpl::false_ type;                       \
    enum { value = false };                         \
  };

BVTEST_JSON_NOT_A_COLLECTION(nlohmann::json)
BVTEST_JSON_NOT_A_COLLECTION(const nlohmann::json)
#undef BVTEST_JSON_NOT_A_COLLECTION

}  // namespace boost::unit_test
