#include "protocols/stun/integrity.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <vector>

#include "protocols/stun/crc32.hpp"

namespace bvlive::stun {

std::array<std::uint8_t, 20> integrity_hmac(std::span<const std::uint8_t> message_prefix,
                                            std::uint16_t length_field, std::string_view key) {
  std::vector<std::uint8_t> data(message_prefix.begin(), message_prefix.end());
  if (data.size() >= 4) {
    data[2] = static_cast<std::uint8_t>(length_field >> 8);
    data[3] = static_cast<std::uint8_t>(length_field & 0xFF);
  }
  std::array<std::uint8_t, 20> out{};
  unsigned int out_len = 0;
  static const unsigned char kNoKey = 0;  // OpenSSL wants a pointer even for an empty key
  const void* k = key.empty() ? static_cast<const void*>(&kNoKey) : key.data();
  HMAC(EVP_sha1(), k, static_cast<int>(key.size()), data.data(), data.size(), out.data(), &out_len);
  return out;
}

bool verify_fingerprint(std::span<const std::uint8_t> datagram, const Message& message) {
  if (!message.fingerprint_offset) return false;
  const std::size_t at = *message.fingerprint_offset;
  if (at + 8 > datagram.size()) return false;
  const std::uint32_t expected = crc32(datagram.first(at)) ^ kFingerprintXor;
  const std::uint8_t* v = datagram.data() + at + 4;
  const std::uint32_t got = static_cast<std::uint32_t>(v[0]) << 24 | static_cast<std::uint32_t>(v[1]) << 16 |
                            static_cast<std::uint32_t>(v[2]) << 8 | v[3];
  return got == expected;
}

bool verify_integrity(std::span<const std::uint8_t> datagram, const Message& message, std::string_view key) {
  if (!message.integrity_offset) return false;
  const std::size_t at = *message.integrity_offset;
  if (at + 24 > datagram.size()) return false;
  // The length covers everything up to and including MESSAGE-INTEGRITY (RFC 8489 §14.5).
  const auto length = static_cast<std::uint16_t>(at + 24 - kHeaderSize);
  const auto mac = integrity_hmac(datagram.first(at), length, key);
  return CRYPTO_memcmp(mac.data(), datagram.data() + at + 4, mac.size()) == 0;
}

bool verify_fingerprint(std::span<const std::uint8_t> datagram) {
  const auto parsed = parse(datagram);
  const Message* m = std::get_if<Message>(&parsed);
  return m && verify_fingerprint(datagram, *m);
}

bool verify_integrity(std::span<const std::uint8_t> datagram, std::string_view key) {
  const auto parsed = parse(datagram);
  const Message* m = std::get_if<Message>(&parsed);
  return m && verify_integrity(datagram, *m, key);
}

}  // namespace bvlive::stun
