// The byte types and error values shared by the codec configuration parsers. They are the
// same types the fmp4 layer uses, so configurations flow into box building unchanged.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/media/fmp4/parse_error.hpp"

namespace bvlive::codec {

using Bytes = std::vector<std::uint8_t>;
using ByteSpan = std::span<const std::uint8_t>;

using ParseError = fmp4::ParseError;
template <class T>
using Parsed = fmp4::Parsed<T>;

}  // namespace bvlive::codec
