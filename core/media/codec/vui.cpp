#include "core/media/codec/vui.hpp"

#include <cstdint>

namespace bvlive::codec {

AspectRatio read_vui_common(BitReader& in) {
  AspectRatio sar;
  if (in.bit()) {  // aspect_ratio_info_present_flag
    // Table E-1: the sample aspect ratios of aspect_ratio_idc 1..16; 255 is Extended_SAR.
    static constexpr int kSar[17][2] = {{0, 0},   {1, 1},   {12, 11}, {10, 11}, {16, 11},
                                        {40, 33}, {24, 11}, {20, 11}, {32, 11}, {80, 33},
                                        {18, 11}, {15, 11}, {64, 33}, {160, 99}, {4, 3},
                                        {3, 2},   {2, 1}};
    const std::uint32_t idc = in.bits(8);
    if (idc == 255) {
      sar.width = static_cast<int>(in.bits(16));
      sar.height = static_cast<int>(in.bits(16));
    } else if (idc >= 1 && idc <= 16) {
      sar.width = kSar[idc][0];
      sar.height = kSar[idc][1];
    }
    if (sar.width == 0 || sar.height == 0) sar = AspectRatio{};
  }
  if (in.bit()) in.skip(1);  // overscan_info_present_flag, overscan_appropriate_flag
  if (in.bit()) {            // video_signal_type_present_flag
    in.skip(3 + 1);          // video_format, video_full_range_flag
    if (in.bit()) in.skip(8 + 8 + 8);  // colour_primaries, transfer, matrix_coefficients
  }
  if (in.bit()) {  // chroma_loc_info_present_flag
    in.ue();
    in.ue();
  }
  return sar;
}

}  // namespace bvlive::codec
