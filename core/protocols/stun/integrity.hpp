// The two checksums a STUN message can end with (RFC 8489 §14.5, §14.7): the keyed
// MESSAGE-INTEGRITY (HMAC-SHA1) and the FINGERPRINT (CRC-32 XOR 0x5354554e).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "protocols/stun/message.hpp"

namespace bvlive::stun {

inline constexpr std::uint32_t kFingerprintXor = 0x5354554e;

// True when the datagram parses, carries FINGERPRINT, and its value matches.
bool verify_fingerprint(std::span<const std::uint8_t> datagram);

// True when the datagram parses, carries MESSAGE-INTEGRITY, and it is the HMAC-SHA1 of
// the message up to that attribute with `key`. For ICE's short-term credentials the key
// is the password as is (ICE passwords are ASCII, which SASLprep leaves unchanged).
// Compared in constant time.
bool verify_integrity(std::span<const std::uint8_t> datagram, std::string_view key);

// The same, for a datagram already parsed into `message` (which must come from it).
bool verify_fingerprint(std::span<const std::uint8_t> datagram, const Message& message);
bool verify_integrity(std::span<const std::uint8_t> datagram, const Message& message, std::string_view key);

// The HMAC-SHA1 of `message_prefix` (header + attributes before MESSAGE-INTEGRITY) with
// the header's length field replaced by `length_field`, as both sides compute it.
std::array<std::uint8_t, 20> integrity_hmac(std::span<const std::uint8_t> message_prefix,
                                            std::uint16_t length_field, std::string_view key);

}  // namespace bvlive::stun
