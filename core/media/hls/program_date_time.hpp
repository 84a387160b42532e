// EXT-X-PROGRAM-DATE-TIME text (RFC 8216 §4.3.2.6): RFC 3339 in UTC, always with
// milliseconds ("2026-11-24T10:00:00.000Z"), unlike util/time's shortest form, so that
// every tag in a playlist has the same shape.
#pragma once

#include <string>

#include "util/time.hpp"

namespace bvlive::hls {

std::string format_program_date_time(TimeMs t);

}  // namespace bvlive::hls
