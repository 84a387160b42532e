// Writes a STUN message attribute by attribute, then seals it with MESSAGE-INTEGRITY
// and FINGERPRINT, fixing the header length as each is added (RFC 8489 §14.5, §14.7).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "protocols/stun/address.hpp"

namespace bvlive::stun {

class MessageBuilder {
 public:
  MessageBuilder(std::uint16_t type, const std::array<std::uint8_t, 12>& transaction_id);

  // Each throws std::length_error if the message would exceed what the 16-bit lengths hold.
  MessageBuilder& add(std::uint16_t type, std::span<const std::uint8_t> value);
  MessageBuilder& add_string(std::uint16_t type, std::string_view value);
  MessageBuilder& add_u32(std::uint16_t type, std::uint32_t value);
  MessageBuilder& add_u64(std::uint16_t type, std::uint64_t value);
  MessageBuilder& add_flag(std::uint16_t type);  // an empty attribute, e.g. USE-CANDIDATE
  MessageBuilder& add_xor_mapped_address(const Address& address);
  // `code` must be 300..699 (std::invalid_argument otherwise); the reason is cut to the
  // 763 bytes RFC 8489 allows.
  MessageBuilder& add_error_code(int code, std::string_view reason);
  MessageBuilder& add_unknown_attributes(std::span<const std::uint16_t> types);

  // The finished datagram: MESSAGE-INTEGRITY keyed with `integrity_key` unless it is
  // empty, then FINGERPRINT if asked.
  std::vector<std::uint8_t> finish(std::string_view integrity_key, bool fingerprint = true) const;

 private:
  std::vector<std::uint8_t> bytes_;
};

}  // namespace bvlive::stun
