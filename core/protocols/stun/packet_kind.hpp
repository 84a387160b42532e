// Tells apart the protocols that share one UDP port in WebRTC (RFC 7983, as updated by
// RFC 9443): STUN for ICE, DTLS for the key exchange, and SRTP/SRTCP media.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace bvlive::stun {

enum class PacketKind { Stun, Dtls, Rtp, Rtcp, Unknown };

// Decides by the first byte (and, for RTP/RTCP, the second byte as RFC 5761 §4 says:
// RTCP packet types 192..223). Does not validate the packet itself; an empty datagram,
// ZRTP (16..19), TURN channel data (64..79) and anything else is Unknown.
PacketKind classify(std::span<const std::uint8_t> datagram);

// "stun", "dtls", "rtp", "rtcp" or "unknown", for logs.
std::string_view to_string(PacketKind kind);

}  // namespace bvlive::stun
