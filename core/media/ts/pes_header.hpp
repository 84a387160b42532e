// The PES packet header (ISO/IEC 13818-1 §2.4.3.6, §2.4.3.7): start code prefix 00 00 01,
// stream_id, PES_packet_length, then for audio/video stream_ids an optional header with
// the 33-bit PTS and DTS. Only what a remuxer needs is read; other optional fields are
// skipped via PES_header_data_length.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "core/media/ts/common.hpp"

namespace bvlive::ts {

struct PesHeader {
  std::uint8_t stream_id = 0;
  std::uint16_t packet_length = 0;  // 0: unbounded (video only, §2.4.3.7)
  std::optional<std::uint64_t> pts;  // 33 bits, 90 kHz
  std::optional<std::uint64_t> dts;  // present only together with a PTS
  std::size_t payload_offset = 0;    // first byte of the elementary stream data
};

// `pes` starts at the packet_start_code_prefix and holds at least the whole header.
Parsed<PesHeader> parse_pes_header(ByteSpan pes);

}  // namespace bvlive::ts
