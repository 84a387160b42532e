// CRC-32 (ISO-HDLC, the zlib/Ethernet one) for STUN's FINGERPRINT attribute.
#pragma once

#include <cstdint>
#include <span>

namespace bvlive::stun {

std::uint32_t crc32(std::span<const std::uint8_t> data);

}  // namespace bvlive::stun
