// What a finished VOD lists, measured from its segments, and the one variant of its
// master playlist. Pure.
#pragma once

#include <span>

#include "core/media/fmp4/box_reader.hpp"
#include "core/media/hls/master_playlist.hpp"
#include "core/media/segment_record.hpp"
#include "core/vod/vod_asset.hpp"

namespace bvlive {

// duration, segment count, discontinuities (session changes) and bytes; no MP4 yet.
VodInfo summarize_vod(std::span<const SegmentRecord> segments);

// BANDWIDTH (peak), AVERAGE-BANDWIDTH, CODECS and RESOLUTION from the segments and the
// init segment of the last session; `uri` is the media playlist.
hls::Variant vod_variant(std::span<const SegmentRecord> segments, fmp4::ByteSpan last_init, const std::string& uri);

}  // namespace bvlive
