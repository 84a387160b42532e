#include "protocols/stun/packet_kind.hpp"

namespace bvlive::stun {

PacketKind classify(std::span<const std::uint8_t> datagram) {
  if (datagram.empty()) return PacketKind::Unknown;
  const std::uint8_t b = datagram[0];
  if (b <= 3) return PacketKind::Stun;
  if (b >= 20 && b <= 63) return PacketKind::Dtls;
  if (b >= 128 && b <= 191) {
    // RTP's second byte is marker + payload type; RTCP's is the packet type (SR 200,
    // RR 201, ..., all in 192..223). RTP payload types 64..95 are avoided for this reason.
    if (datagram.size() < 2) return PacketKind::Unknown;
    const std::uint8_t second = datagram[1];
    return second >= 192 && second <= 223 ? PacketKind::Rtcp : PacketKind::Rtp;
  }
  return PacketKind::Unknown;
}

std::string_view to_string(PacketKind kind) {
  switch (kind) {
    case PacketKind::Stun: return "stun";
    case PacketKind::Dtls: return "dtls";
    case PacketKind::Rtp: return "rtp";
    case PacketKind::Rtcp: return "rtcp";
    case PacketKind::Unknown: break;
  }
  return "unknown";
}

}  // namespace bvlive::stun
