// Wall-clock times as milliseconds since the Unix epoch (UTC), RFC 3339 text, and
// human durations ("90s", "15m", "1h30m", "2d").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bvlive {

using TimeMs = std::int64_t;      // ms since 1970-01-01T00:00:00Z
using DurationMs = std::int64_t;  // ms

TimeMs now_ms();

// RFC 3339 date-time: 2019-08-24T14:15:22Z, 2019-08-24T14:15:22.5+02:00 ('t'/'z' and a
// space separator accepted). Empty optional when the text is not one.
std::optional<TimeMs> parse_rfc3339(std::string_view text);
// Always UTC with a 'Z'; milliseconds only when not zero.
std::string format_rfc3339(TimeMs t);

// "0", "45s", "15m", "12h", "2d", "1h30m", "500ms", or a bare number of seconds.
std::optional<DurationMs> parse_duration(std::string_view text);
// Shortest exact form: "12h", "1h30m", "45s", "0s".
std::string format_duration(DurationMs d);

}  // namespace bvlive
