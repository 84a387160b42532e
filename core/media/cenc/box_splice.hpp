// Replaces one box inside another without re-serialising the rest: the parent's header is
// rewritten for its new size, its other bytes are copied as they were. How encryption
// edits a sample entry deep in a moov (trak > mdia > minf > stbl > stsd > entry) while
// leaving every box it does not understand untouched.
#pragma once

#include "core/media/cenc/cenc_types.hpp"

namespace bvlive::cenc {

// `parent` with `child` (one of the boxes in its payload, as a reader returned it: its
// spans point into parent's) replaced by `replacement`. A parent whose header was 16
// bytes ('uuid', largesize) gets a plain 8-byte header unless it needs more.
Bytes splice_child(const fmp4::Box& parent, const fmp4::Box& child, ByteSpan replacement);

}  // namespace bvlive::cenc
