#include "core/media/ts/adts.hpp"

#include <array>
#include <string>

namespace bvlive::ts {

namespace {

// ISO/IEC 14496-3 Table 1.18; indexes 13 and 14 are reserved, 15 means "explicit", which
// ADTS cannot carry.
constexpr std::array<std::uint32_t, 13> kSampleRates = {
    96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350};

ParseError damaged(std::size_t offset, const char* what) {
  return ParseError{std::string("ADTS ") + what + " at byte " + std::to_string(offset)};
}

}  // namespace

Parsed<std::vector<AdtsFrame>> split_adts(ByteSpan payload) {
  std::vector<AdtsFrame> frames;
  std::size_t pos = 0;
  while (pos < payload.size()) {
    const ByteSpan h = payload.subspan(pos);
    if (h.size() < 7) return damaged(pos, "header truncated");
    if (h[0] != 0xFF || (h[1] & 0xF0) != 0xF0) return damaged(pos, "syncword missing");
    if ((h[1] & 0x06) != 0) return damaged(pos, "layer is not 0");
    const std::size_t header_length = (h[1] & 0x01) ? 7 : 9;  // protection_absent: no CRC
    const unsigned rate_index = (h[2] >> 2) & 0x0F;
    if (rate_index >= kSampleRates.size()) return damaged(pos, "sampling_frequency_index invalid");
    const std::size_t frame_length =
        (static_cast<std::size_t>(h[3] & 0x03) << 11) | (static_cast<std::size_t>(h[4]) << 3) | (h[5] >> 5);
    if (frame_length < header_length) return damaged(pos, "frame_length shorter than its header");
    if (frame_length > h.size()) return damaged(pos, "frame runs past the PES");
    const std::uint32_t blocks = (h[6] & 0x03) + 1u;  // number_of_raw_data_blocks_in_frame + 1
    frames.push_back(AdtsFrame{h.subspan(0, frame_length), kSampleRates[rate_index], 1024 * blocks});
    pos += frame_length;
  }
  if (frames.empty()) return ParseError{"ADTS: no frames"};
  return frames;
}

}  // namespace bvlive::ts
