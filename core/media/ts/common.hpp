// The byte and error vocabulary the MPEG-TS demuxer shares with the fMP4 code: owned
// bytes, read-only views, and parse results that carry either a value or why not.
#pragma once

#include "core/media/fmp4/box_builder.hpp"
#include "core/media/fmp4/box_reader.hpp"
#include "core/media/fmp4/parse_error.hpp"

namespace bvlive::ts {

using fmp4::Bytes;
using fmp4::ByteSpan;
using fmp4::Parsed;
using fmp4::ParseError;

}  // namespace bvlive::ts
