#include "core/security/segment_cipher.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace bvlive::security {
namespace {

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

std::vector<std::uint8_t> run(std::span<const std::uint8_t> in, const SegmentKey& key, std::int64_t seq, bool encrypt) {
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  const auto iv = sequence_iv(seq);
  if (!ctx || EVP_CipherInit_ex(ctx.get(), EVP_aes_128_cbc(), nullptr, key.data(), iv.data(), encrypt ? 1 : 0) != 1)
    throw std::runtime_error("AES-128-CBC: cannot set up the cipher");
  std::vector<std::uint8_t> out(in.size() + 16);
  int n = 0, tail = 0;
  if (EVP_CipherUpdate(ctx.get(), out.data(), &n, in.data(), static_cast<int>(in.size())) != 1 ||
      EVP_CipherFinal_ex(ctx.get(), out.data() + n, &tail) != 1)
    throw std::runtime_error(encrypt ? "AES-128-CBC: encryption failed" : "AES-128-CBC: wrong key or bad padding");
  out.resize(static_cast<std::size_t>(n + tail));
  return out;
}

}  // namespace

std::int64_t key_period(TimeMs start, DurationMs rotation) {
  if (rotation <= 0) return 0;
  return start >= 0 ? start / rotation : -((-start + rotation - 1) / rotation);
}

SegmentKey derive_key16(std::span<const std::uint8_t> secret, std::string_view label) {
  std::uint8_t mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
            reinterpret_cast<const unsigned char*>(label.data()), label.size(), mac, &len) || len < 16)
    throw std::runtime_error("HMAC-SHA256 failed deriving a key");
  SegmentKey key{};
  std::copy(mac, mac + key.size(), key.begin());
  return key;
}

SegmentKey segment_key(std::span<const std::uint8_t> secret, std::string_view live_id, std::string_view key_name) {
  return derive_key16(secret, "bvlive-aes128|" + std::string(live_id) + "|" + std::string(key_name));
}

std::array<std::uint8_t, 16> sequence_iv(std::int64_t seq) {
  std::array<std::uint8_t, 16> iv{};
  auto v = static_cast<std::uint64_t>(seq);
  for (int i = 15; i >= 8; --i, v >>= 8) iv[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v & 0xff);
  return iv;
}

std::vector<std::uint8_t> encrypt_segment(std::span<const std::uint8_t> clear, const SegmentKey& key, std::int64_t seq) {
  return run(clear, key, seq, true);
}

std::vector<std::uint8_t> decrypt_segment(std::span<const std::uint8_t> sealed, const SegmentKey& key, std::int64_t seq) {
  return run(sealed, key, seq, false);
}

}  // namespace bvlive::security
