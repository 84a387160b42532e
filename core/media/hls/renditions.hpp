// Renditions in the segment index. A transcoded ladder records one segment per rendition
// for each seq ("1080p", "720p", ...); a single-rendition session records one with
// rendition "". Each rendition has its own media playlist (media_720p.m3u8; the single
// rendition and the top of a ladder answer at media.m3u8 too), and every playlist lists one
// segment per seq: when the session that made a seq had no such rendition (the live
// changed its ladder between pushes), the nearest one below it stands in, so a player
// that chose a variant never sees a gap.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/media/hls/master_playlist.hpp"
#include "core/media/segment_record.hpp"

namespace bvlive::hls {

// 720 for "720p"; 0 for "" (the single rendition) or anything else.
int rendition_height(std::string_view rendition);
// "720p" for 720.
std::string rendition_name(int height);

// "media.m3u8" for "" (and for the top of a ladder when asked for the top), else
// "media_720p.m3u8".
std::string rendition_playlist(std::string_view rendition);
// The rendition a playlist file name asks for: "" for media.m3u8 (the top), "720p" for
// media_720p.m3u8; false for any other name.
bool rendition_of_playlist(std::string_view file, std::string& rendition);

// One segment per seq, in seq order: the one of `rendition`, else the highest one not
// above it, else the lowest there is. `rendition` "" asks for the highest of each seq.
// The newest seqs that the push making them has not written in `rendition` yet (while it
// does write that rendition) are left out: they come a moment later.
std::vector<SegmentRecord> rendition_view(std::span<const SegmentRecord> all, std::string_view rendition);

// The renditions a session recorded, highest first ("" alone for a single rendition).
std::vector<std::string> session_renditions(std::span<const SegmentRecord> all, std::string_view session_id);

// BANDWIDTH (peak) and AVERAGE-BANDWIDTH of a variant from the newest `recent` segments
// it produced (bits per second). BANDWIDTH is at least 1, as RFC 8216 requires a value.
void measure_bandwidth(std::span<const SegmentRecord> segments, Variant& variant, std::size_t recent = 30);

}  // namespace bvlive::hls
