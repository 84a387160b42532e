// One 188-byte transport stream packet (ISO/IEC 13818-1 §2.4.3.2) and the parts of its
// adaptation field (§2.4.3.4) the demuxer acts on. The payload is a view into the packet.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/media/ts/common.hpp"

namespace bvlive::ts {

inline constexpr std::size_t kPacketSize = 188;
inline constexpr std::uint8_t kSyncByte = 0x47;
inline constexpr std::uint16_t kPatPid = 0x0000;
inline constexpr std::uint16_t kNullPid = 0x1FFF;

struct Packet {
  std::uint16_t pid = 0;
  bool transport_error = false;     // the link layer could not correct this packet
  bool payload_unit_start = false;  // a PES or the first byte of a PSI pointer_field starts here
  std::uint8_t scrambling = 0;      // transport_scrambling_control; 0 = clear
  std::uint8_t continuity_counter = 0;
  bool has_payload = false;         // adaptation_field_control 01 or 11
  bool discontinuity = false;       // discontinuity_indicator (§2.4.3.5)
  bool random_access = false;       // random_access_indicator (§2.4.3.5)
  ByteSpan payload;                 // empty when has_payload is false
};

// `bytes` must be one whole packet starting with the sync byte.
Parsed<Packet> parse_packet(ByteSpan bytes);

}  // namespace bvlive::ts
