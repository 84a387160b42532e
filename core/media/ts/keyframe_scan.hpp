// Whether a video access unit can start decoding: the Annex B start codes (00 00 01) are
// scanned and each NAL unit header's type read. This is a minimal scan of our own; it
// does not parse parameter sets.
//   H.264 (ITU-T H.264 §7.4.1.2, Table 7-1): nal_unit_type 5 is an IDR slice.
//   HEVC (ITU-T H.265 §7.4.2.2, Table 7-1): types 16..23 are IRAP pictures (BLA, IDR, CRA
//   and reserved IRAP types).
#pragma once

#include "core/media/ts/common.hpp"
#include "core/media/ts/stream_kind.hpp"

namespace bvlive::ts {

bool h264_has_idr(ByteSpan annex_b);
bool hevc_has_irap(ByteSpan annex_b);
// Dispatches on kind; audio is always a random access point, `other` never.
bool is_keyframe(StreamKind kind, ByteSpan data);

}  // namespace bvlive::ts
