#include "protocols/stun/message_builder.hpp"

#include <stdexcept>
#include <string>

#include "protocols/stun/crc32.hpp"
#include "protocols/stun/integrity.hpp"
#include "protocols/stun/message.hpp"

namespace bvlive::stun {

namespace {

void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v & 0xFF));
}

void put32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  put16(out, static_cast<std::uint16_t>(v >> 16));
  put16(out, static_cast<std::uint16_t>(v & 0xFFFF));
}

void set_length(std::vector<std::uint8_t>& bytes, std::size_t length) {
  bytes[2] = static_cast<std::uint8_t>(length >> 8);
  bytes[3] = static_cast<std::uint8_t>(length & 0xFF);
}

// Room kept for MESSAGE-INTEGRITY (24) and FINGERPRINT (8) so finish() cannot overflow.
constexpr std::size_t kMaxBody = 0xFFFC - 32;

}  // namespace

MessageBuilder::MessageBuilder(std::uint16_t type, const std::array<std::uint8_t, 12>& transaction_id) {
  bytes_.reserve(128);
  put16(bytes_, type & 0x3FFF);
  put16(bytes_, 0);
  put32(bytes_, kMagicCookie);
  bytes_.insert(bytes_.end(), transaction_id.begin(), transaction_id.end());
}

MessageBuilder& MessageBuilder::add(std::uint16_t type, std::span<const std::uint8_t> value) {
  const std::size_t padded = (value.size() + 3) & ~std::size_t{3};
  if (bytes_.size() - kHeaderSize + 4 + padded > kMaxBody)
    throw std::length_error("STUN message too long: attribute of " + std::to_string(value.size()) + " bytes");
  put16(bytes_, type);
  put16(bytes_, static_cast<std::uint16_t>(value.size()));
  bytes_.insert(bytes_.end(), value.begin(), value.end());
  bytes_.resize(bytes_.size() + padded - value.size(), 0);
  set_length(bytes_, bytes_.size() - kHeaderSize);
  return *this;
}

MessageBuilder& MessageBuilder::add_string(std::uint16_t type, std::string_view value) {
  return add(type, {reinterpret_cast<const std::uint8_t*>(value.data()), value.size()});
}

MessageBuilder& MessageBuilder::add_u32(std::uint16_t type, std::uint32_t value) {
  std::vector<std::uint8_t> v;
  put32(v, value);
  return add(type, v);
}

MessageBuilder& MessageBuilder::add_u64(std::uint16_t type, std::uint64_t value) {
  std::vector<std::uint8_t> v;
  put32(v, static_cast<std::uint32_t>(value >> 32));
  put32(v, static_cast<std::uint32_t>(value & 0xFFFFFFFFu));
  return add(type, v);
}

MessageBuilder& MessageBuilder::add_flag(std::uint16_t type) { return add(type, {}); }

MessageBuilder& MessageBuilder::add_xor_mapped_address(const Address& address) {
  std::vector<std::uint8_t> v{0, static_cast<std::uint8_t>(address.v6 ? 0x02 : 0x01)};
  put16(v, static_cast<std::uint16_t>(address.port ^ (kMagicCookie >> 16)));
  // XOR with the cookie, then (IPv6) the transaction id, which follows it in the header.
  const std::size_t n = address.v6 ? 16 : 4;
  for (std::size_t i = 0; i < n; ++i) v.push_back(address.ip[i] ^ bytes_[4 + i]);
  return add(attr::kXorMappedAddress, v);
}

MessageBuilder& MessageBuilder::add_error_code(int code, std::string_view reason) {
  if (code < 300 || code > 699) throw std::invalid_argument("STUN error code " + std::to_string(code) + " is not 300..699");
  if (reason.size() > 763) reason = reason.substr(0, 763);
  std::vector<std::uint8_t> v{0, 0, static_cast<std::uint8_t>(code / 100), static_cast<std::uint8_t>(code % 100)};
  v.insert(v.end(), reason.begin(), reason.end());
  return add(attr::kErrorCode, v);
}

MessageBuilder& MessageBuilder::add_unknown_attributes(std::span<const std::uint16_t> types) {
  std::vector<std::uint8_t> v;
  for (const std::uint16_t t : types) put16(v, t);
  return add(attr::kUnknownAttributes, v);
}

std::vector<std::uint8_t> MessageBuilder::finish(std::string_view integrity_key, bool fingerprint) const {
  std::vector<std::uint8_t> out = bytes_;
  if (!integrity_key.empty()) {
    const std::size_t at = out.size();
    const auto mac = integrity_hmac(out, static_cast<std::uint16_t>(at + 24 - kHeaderSize), integrity_key);
    put16(out, attr::kMessageIntegrity);
    put16(out, 20);
    out.insert(out.end(), mac.begin(), mac.end());
  }
  if (fingerprint) {
    // The CRC covers the header with the length already counting FINGERPRINT.
    set_length(out, out.size() + 8 - kHeaderSize);
    const std::uint32_t crc = crc32(out) ^ kFingerprintXor;
    put16(out, attr::kFingerprint);
    put16(out, 4);
    put32(out, crc);
  }
  set_length(out, out.size() - kHeaderSize);
  return out;
}

}  // namespace bvlive::stun
