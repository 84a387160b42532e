#include "core/media/cenc/cbcs_cipher.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

namespace bvlive::cenc {
namespace {

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;
constexpr std::size_t kBlock = 16;

void run(std::span<std::uint8_t> range, const Block16& key, const Block16& iv, Pattern pattern, bool encrypt) {
  // {0, 0}: no pattern, the whole range is one run of crypt blocks (§9.7).
  const std::size_t crypt = pattern.crypt == 0 ? range.size() / kBlock : pattern.crypt;
  const std::size_t skip = pattern.crypt == 0 ? 0 : pattern.skip;
  if (crypt == 0) return;  // shorter than one block: nothing to do
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  if (!ctx || EVP_CipherInit_ex(ctx.get(), EVP_aes_128_cbc(), nullptr, key.data(), iv.data(), encrypt ? 1 : 0) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1)
    throw std::runtime_error("cbcs: cannot set up AES-128-CBC");
  // Successive updates continue one chain: EVP carries the last cipher block as the next IV.
  std::size_t at = 0;
  while (range.size() - at >= crypt * kBlock) {
    const std::size_t n = crypt * kBlock;
    int out = 0;
    if (EVP_CipherUpdate(ctx.get(), range.data() + at, &out, range.data() + at, static_cast<int>(n)) != 1 ||
        static_cast<std::size_t>(out) != n)
      throw std::runtime_error("cbcs: AES-128-CBC failed");
    at += n;
    at += std::min(skip * kBlock, range.size() - at);
  }
}

}  // namespace

void cbcs_encrypt(std::span<std::uint8_t> range, const Block16& key, const Block16& iv, Pattern pattern) {
  run(range, key, iv, pattern, true);
}

void cbcs_decrypt(std::span<std::uint8_t> range, const Block16& key, const Block16& iv, Pattern pattern) {
  run(range, key, iv, pattern, false);
}

}  // namespace bvlive::cenc
