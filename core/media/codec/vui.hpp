// The start of the VUI parameters that H.264 (§E.1.1) and HEVC (§E.2.1) share, word for
// word: the sample aspect ratio (Table E-1 / E.1), overscan, video signal type and chroma
// location. Each codec reads its own fields after that.
#pragma once

#include "core/media/codec/bit_reader.hpp"

namespace bvlive::codec {

struct AspectRatio {
  int width = 1;
  int height = 1;
};

// Reads aspect_ratio_info_present_flag through chroma_loc_info; returns the sample aspect
// ratio (1:1 when absent or unspecified).
AspectRatio read_vui_common(BitReader& in);

}  // namespace bvlive::codec
