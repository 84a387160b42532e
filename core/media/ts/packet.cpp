#include "core/media/ts/packet.hpp"

namespace bvlive::ts {

Parsed<Packet> parse_packet(ByteSpan bytes) {
  if (bytes.size() != kPacketSize) return ParseError{"a TS packet is 188 bytes"};
  if (bytes[0] != kSyncByte) return ParseError{"no sync byte"};
  Packet p;
  p.transport_error = (bytes[1] & 0x80) != 0;
  p.payload_unit_start = (bytes[1] & 0x40) != 0;
  p.pid = static_cast<std::uint16_t>(((bytes[1] & 0x1F) << 8) | bytes[2]);
  p.scrambling = static_cast<std::uint8_t>(bytes[3] >> 6);
  const unsigned adaptation_field_control = (bytes[3] >> 4) & 0x3;
  p.continuity_counter = bytes[3] & 0x0F;
  // §2.4.3.3: '00' is reserved; decoders discard such packets.
  if (adaptation_field_control == 0) return ParseError{"reserved adaptation_field_control 00"};
  p.has_payload = (adaptation_field_control & 0x1) != 0;

  std::size_t payload_start = 4;
  if (adaptation_field_control & 0x2) {
    // §2.4.3.5: adaptation_field_length is 0..182 before a payload, 183 without one. We
    // accept a shorter field without a payload (the rest is then ignored).
    const std::size_t length = bytes[4];
    const std::size_t max_length = p.has_payload ? 182 : 183;
    if (length > max_length) return ParseError{"adaptation_field_length too large"};
    if (length > 0) {
      p.discontinuity = (bytes[5] & 0x80) != 0;
      p.random_access = (bytes[5] & 0x40) != 0;
    }
    payload_start = 5 + length;
  }
  if (p.has_payload) p.payload = bytes.subspan(payload_start);
  return p;
}

}  // namespace bvlive::ts
