// Live-to-VOD: a finished playlist (RFC 8216 §4.3.3.5, PLAYLIST-TYPE VOD) over a live's
// recorded segments, optionally cut to a wall-clock window. Pure, like media_playlist.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/media/segment_record.hpp"
#include "util/time.hpp"

namespace bvlive::hls {

// The segments (in seq order, as given) whose time [program_date_time, + duration)
// overlaps [from, to); a missing bound is open. Whole segments: the first and last may
// begin before `from` or end after `to`.
std::vector<SegmentRecord> vod_segments(std::span<const SegmentRecord> segments,
                                        std::optional<TimeMs> from, std::optional<TimeMs> to);

// #EXT-X-PLAYLIST-TYPE:VOD over vod_segments(): TARGETDURATION from the selected segments,
// MEDIA-SEQUENCE of the first, EXT-X-MAP per session, EXT-X-DISCONTINUITY between sessions,
// PROGRAM-DATE-TIME on the first segment and after each discontinuity (or drift), and
// EXT-X-ENDLIST. URIs are uri_prefix + file. No segment in the window: a valid, empty VOD.
std::string vod_playlist(std::span<const SegmentRecord> segments, std::optional<TimeMs> from,
                         std::optional<TimeMs> to, const std::string& uri_prefix);

// Seconds of media the VOD lists (the sum of the selected segments' durations).
double vod_duration(std::span<const SegmentRecord> segments, std::optional<TimeMs> from,
                    std::optional<TimeMs> to);

}  // namespace bvlive::hls
