#include "protocols/stun/message.hpp"

#include <algorithm>
#include <cstdio>

namespace bvlive::stun {

namespace {

std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }

std::uint32_t be32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) << 24 | static_cast<std::uint32_t>(p[1]) << 16 |
         static_cast<std::uint32_t>(p[2]) << 8 | p[3];
}

std::uint64_t be64(const std::uint8_t* p) { return static_cast<std::uint64_t>(be32(p)) << 32 | be32(p + 4); }

std::string hex16(std::uint16_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%04x", v);
  return buf;
}

ParseError error(std::string message) { return ParseError{"STUN: " + std::move(message)}; }

// The value sizes the accessors rely on; an attribute that breaks them makes the whole
// message malformed rather than silently absent.
std::optional<std::string> check_value(std::uint16_t type, std::span<const std::uint8_t> v) {
  auto want = [&](std::size_t n, const char* name) -> std::optional<std::string> {
    if (v.size() == n) return std::nullopt;
    return std::string(name) + " must be " + std::to_string(n) + " bytes, got " + std::to_string(v.size());
  };
  switch (type) {
    case attr::kMessageIntegrity: return want(20, "MESSAGE-INTEGRITY");
    case attr::kFingerprint: return want(4, "FINGERPRINT");
    case attr::kPriority: return want(4, "PRIORITY");
    case attr::kUseCandidate: return want(0, "USE-CANDIDATE");
    case attr::kIceControlling: return want(8, "ICE-CONTROLLING");
    case attr::kIceControlled: return want(8, "ICE-CONTROLLED");
    case attr::kUsername:
      if (v.size() > 513) return "USERNAME longer than 513 bytes";
      return std::nullopt;
    case attr::kXorMappedAddress:
    case attr::kMappedAddress:
      if (v.size() == 8 && v[1] == 0x01) return std::nullopt;
      if (v.size() == 20 && v[1] == 0x02) return std::nullopt;
      return "address attribute " + hex16(type) + " has a bad family or size";
    case attr::kErrorCode: {
      if (v.size() < 4) return "ERROR-CODE shorter than 4 bytes";
      const int cls = v[2] & 0x07;
      if (cls < 3 || cls > 6 || v[3] > 99) return "ERROR-CODE has an invalid code";
      return std::nullopt;
    }
    default: return std::nullopt;
  }
}

bool understood(std::uint16_t type) {
  switch (type) {
    case attr::kMappedAddress:
    case attr::kUsername:
    case attr::kMessageIntegrity:
    case attr::kErrorCode:
    case attr::kUnknownAttributes:
    case attr::kXorMappedAddress:
    case attr::kPriority:
    case attr::kUseCandidate: return true;
    default: return type >= 0x8000;  // comprehension-optional: always safe to ignore
  }
}

}  // namespace

std::uint16_t message_type(std::uint16_t method, MessageClass cls) {
  const auto c = static_cast<std::uint16_t>(cls);
  return static_cast<std::uint16_t>((method & 0x000F) | (method & 0x0070) << 1 | (method & 0x0F80) << 2 |
                                    (c & 1) << 4 | (c & 2) << 7);
}

MessageClass message_class(std::uint16_t type) {
  return static_cast<MessageClass>((type >> 4 & 1) | (type >> 7 & 2));
}

std::uint16_t message_method(std::uint16_t type) {
  return static_cast<std::uint16_t>((type & 0x000F) | (type >> 1 & 0x0070) | (type >> 2 & 0x0F80));
}

const Attribute* Message::find(std::uint16_t attribute_type) const {
  for (const auto& a : attributes)
    if (a.type == attribute_type) return &a;
  return nullptr;
}

std::optional<std::string> Message::username() const {
  const Attribute* a = find(attr::kUsername);
  if (!a) return std::nullopt;
  return std::string(a->value.begin(), a->value.end());
}

std::optional<std::uint32_t> Message::priority() const {
  const Attribute* a = find(attr::kPriority);
  if (!a) return std::nullopt;
  return be32(a->value.data());
}

bool Message::use_candidate() const { return find(attr::kUseCandidate) != nullptr; }

std::optional<std::uint64_t> Message::ice_controlling() const {
  const Attribute* a = find(attr::kIceControlling);
  if (!a) return std::nullopt;
  return be64(a->value.data());
}

std::optional<std::uint64_t> Message::ice_controlled() const {
  const Attribute* a = find(attr::kIceControlled);
  if (!a) return std::nullopt;
  return be64(a->value.data());
}

std::optional<Address> Message::xor_mapped_address() const {
  const Attribute* a = find(attr::kXorMappedAddress);
  if (!a) return std::nullopt;
  const auto& v = a->value;
  Address out;
  out.v6 = v[1] == 0x02;
  out.port = static_cast<std::uint16_t>(be16(&v[2]) ^ (kMagicCookie >> 16));
  // The address is XORed with the cookie, then (IPv6) the transaction id.
  std::array<std::uint8_t, 16> mask{};
  mask[0] = kMagicCookie >> 24;
  mask[1] = kMagicCookie >> 16 & 0xFF;
  mask[2] = kMagicCookie >> 8 & 0xFF;
  mask[3] = kMagicCookie & 0xFF;
  std::copy(transaction_id.begin(), transaction_id.end(), mask.begin() + 4);
  const std::size_t n = out.v6 ? 16 : 4;
  for (std::size_t i = 0; i < n; ++i) out.ip[i] = v[4 + i] ^ mask[i];
  return out;
}

std::optional<ErrorCode> Message::error_code() const {
  const Attribute* a = find(attr::kErrorCode);
  if (!a) return std::nullopt;
  ErrorCode e;
  e.code = (a->value[2] & 0x07) * 100 + a->value[3];
  e.reason.assign(a->value.begin() + 4, a->value.end());
  return e;
}

std::vector<std::uint16_t> Message::unknown_comprehension_required() const {
  std::vector<std::uint16_t> out;
  for (const auto& a : attributes)
    if (!understood(a.type) && std::find(out.begin(), out.end(), a.type) == out.end()) out.push_back(a.type);
  return out;
}

std::variant<Message, ParseError> parse(std::span<const std::uint8_t> d) {
  if (d.size() < kHeaderSize) return error("datagram of " + std::to_string(d.size()) + " bytes is shorter than a header");
  if (d[0] & 0xC0) return error("first two bits are not zero");
  const std::size_t length = be16(&d[2]);
  if (length % 4 != 0) return error("length " + std::to_string(length) + " is not a multiple of 4");
  if (kHeaderSize + length != d.size())
    return error("length " + std::to_string(length) + " does not match the " + std::to_string(d.size()) +
                 "-byte datagram");
  if (be32(&d[4]) != kMagicCookie) return error("no magic cookie (not an RFC 5389/8489 message)");

  Message m;
  m.type = be16(&d[0]);
  std::copy_n(d.begin() + 8, 12, m.transaction_id.begin());
  std::size_t pos = kHeaderSize;
  while (pos < d.size()) {
    // pos and the size are multiples of 4, so the 4-byte attribute header always fits.
    const std::uint16_t type = be16(&d[pos]);
    const std::size_t len = be16(&d[pos + 2]);
    const std::size_t padded = (len + 3) & ~std::size_t{3};
    if (padded > d.size() - pos - 4)
      return error("attribute " + hex16(type) + " of " + std::to_string(len) + " bytes runs past the end");
    if (m.fingerprint_offset) return error("attribute " + hex16(type) + " after FINGERPRINT");
    const auto value = d.subspan(pos + 4, len);
    if (!m.integrity_offset || type == attr::kFingerprint) {
      if (auto why = check_value(type, value)) return error(*why);
      if (type == attr::kMessageIntegrity) m.integrity_offset = pos;
      if (type == attr::kFingerprint) m.fingerprint_offset = pos;
      m.attributes.push_back(Attribute{type, std::vector<std::uint8_t>(value.begin(), value.end())});
    }
    pos += 4 + padded;
  }
  return m;
}

}  // namespace bvlive::stun
