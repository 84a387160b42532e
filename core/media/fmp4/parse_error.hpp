// What went wrong parsing a box's contents, for logs and session errors.
#pragma once

#include <string>
#include <variant>

namespace bvlive::fmp4 {

struct ParseError {
  std::string message;
};

// A parse result: the value, or why there is none.
template <class T>
using Parsed = std::variant<T, ParseError>;

}  // namespace bvlive::fmp4
