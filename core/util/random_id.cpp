#include "util/random_id.hpp"

#include <openssl/rand.h>

#include <stdexcept>
#include <string_view>

namespace bvlive {

std::string random_string(std::size_t n, std::string_view alphabet) {
  // Reject bytes above the largest multiple of the alphabet size so each
  // character is uniform.
  const unsigned limit = 256 - (256 % alphabet.size());
  std::string out;
  out.reserve(n);
  unsigned char buf[64];
  while (out.size() < n) {
    if (RAND_bytes(buf, sizeof buf) != 1) throw std::runtime_error("OpenSSL RAND_bytes failed");
    for (unsigned char b : buf) {
      if (b >= limit) continue;
      out.push_back(alphabet[b % alphabet.size()]);
      if (out.size() == n) break;
    }
  }
  return out;
}

std::string new_live_id() { return random_string(12, "abcdefghijklmnopqrstuvwxyz0123456789"); }

namespace {
constexpr std::string_view kAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
}

std::string new_stream_key() { return "sk_" + random_string(32, kAlnum); }
std::string new_preview_token() { return "pt_" + random_string(32, kAlnum); }

}  // namespace bvlive
