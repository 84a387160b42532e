// STUN messages (RFC 8489) as the ICE-lite side of WebRTC ingest sees them: a strict
// parser for one datagram and typed accessors for the attributes ICE uses (RFC 8445).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "protocols/stun/address.hpp"

namespace bvlive::stun {

inline constexpr std::uint32_t kMagicCookie = 0x2112A442;
inline constexpr std::size_t kHeaderSize = 20;
inline constexpr std::uint16_t kMethodBinding = 0x001;

// Attribute types used here (RFC 8489 §18.3, RFC 8445 §16.1).
namespace attr {
inline constexpr std::uint16_t kMappedAddress = 0x0001;
inline constexpr std::uint16_t kUsername = 0x0006;
inline constexpr std::uint16_t kMessageIntegrity = 0x0008;
inline constexpr std::uint16_t kErrorCode = 0x0009;
inline constexpr std::uint16_t kUnknownAttributes = 0x000A;
inline constexpr std::uint16_t kRealm = 0x0014;
inline constexpr std::uint16_t kNonce = 0x0015;
inline constexpr std::uint16_t kMessageIntegritySha256 = 0x001C;
inline constexpr std::uint16_t kPasswordAlgorithm = 0x001D;
inline constexpr std::uint16_t kUserhash = 0x001E;
inline constexpr std::uint16_t kXorMappedAddress = 0x0020;
inline constexpr std::uint16_t kPriority = 0x0024;
inline constexpr std::uint16_t kUseCandidate = 0x0025;
inline constexpr std::uint16_t kSoftware = 0x8022;
inline constexpr std::uint16_t kAlternateServer = 0x8023;
inline constexpr std::uint16_t kFingerprint = 0x8028;
inline constexpr std::uint16_t kIceControlled = 0x8029;
inline constexpr std::uint16_t kIceControlling = 0x802A;
}  // namespace attr

enum class MessageClass { Request = 0, Indication = 1, SuccessResponse = 2, ErrorResponse = 3 };

// The 14-bit message type interleaves method and class bits (RFC 8489 §5).
std::uint16_t message_type(std::uint16_t method, MessageClass cls);
MessageClass message_class(std::uint16_t type);
std::uint16_t message_method(std::uint16_t type);

struct Attribute {
  std::uint16_t type = 0;
  std::vector<std::uint8_t> value;  // without padding
};

struct ErrorCode {
  int code = 0;  // 300..699
  std::string reason;
};

struct Message {
  std::uint16_t type = 0;
  std::array<std::uint8_t, 12> transaction_id{};
  // In datagram order, MESSAGE-INTEGRITY and FINGERPRINT included. Attributes between
  // MESSAGE-INTEGRITY and FINGERPRINT are not listed: RFC 8489 §14.5 says to ignore them.
  std::vector<Attribute> attributes;
  // Where those two attributes' headers start in the datagram, when present.
  std::optional<std::size_t> integrity_offset;
  std::optional<std::size_t> fingerprint_offset;

  MessageClass message_class() const { return stun::message_class(type); }
  std::uint16_t method() const { return message_method(type); }
  bool is_binding_request() const { return type == message_type(kMethodBinding, MessageClass::Request); }

  // The first attribute of that type, or null.
  const Attribute* find(std::uint16_t attribute_type) const;

  std::optional<std::string> username() const;
  std::optional<std::uint32_t> priority() const;
  bool use_candidate() const;
  std::optional<std::uint64_t> ice_controlling() const;  // the tie-breaker
  std::optional<std::uint64_t> ice_controlled() const;   // the tie-breaker
  std::optional<Address> xor_mapped_address() const;
  std::optional<ErrorCode> error_code() const;
  // Comprehension-required attributes (type < 0x8000) this code does not understand; a
  // request carrying any must be answered 420 with UNKNOWN-ATTRIBUTES listing them.
  std::vector<std::uint16_t> unknown_comprehension_required() const;
};

struct ParseError {
  std::string message;
};

// Parses one whole datagram. Strict: the header must carry the magic cookie and a
// length that is a multiple of 4 and matches the datagram; every attribute must fit
// with its padding; FINGERPRINT, if present, must be last; attributes the accessors
// read must have their defined sizes. Never reads past `datagram`.
std::variant<Message, ParseError> parse(std::span<const std::uint8_t> datagram);

}  // namespace bvlive::stun
