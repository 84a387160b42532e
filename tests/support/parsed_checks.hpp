// Boost.Test helpers for core's parse results (fmp4::Parsed<T>: a value or a ParseError).
#pragma once

#include <boost/test/unit_test.hpp>

#include <variant>

#include "core/media/fmp4/parse_error.hpp"

namespace bvtest {

// The value, or the test stops with the parse error's message.
template <class T>
const T& value_of(const bvlive::fmp4::Parsed<T>& parsed) {
  if (const auto* failure = std::get_if<bvlive::fmp4::ParseError>(&parsed))
    BOOST_FAIL("unexpected parse error: " + failure->message);
  return std::get<T>(parsed);
}

template <class T>
bool is_error(const bvlive::fmp4::Parsed<T>& parsed) {
  return std::holds_alternative<bvlive::fmp4::ParseError>(parsed);
}

}  // namespace bvtest
