// Base64 (RFC 4648): the standard alphabet with padding (CPIX documents, data: URIs in
// playlists) and base64url without padding (JWS, EME ClearKey licences). Decoding is
// strict: one spelling per byte string, so nothing else is accepted.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace bvlive {

enum class Base64 {
  Standard,  // A-Z a-z 0-9 + /, padded with '=' to a multiple of 4
  Url,       // A-Z a-z 0-9 - _, no padding (RFC 4648 section 5)
};

std::string base64_encode(std::span<const std::uint8_t> bytes, Base64 alphabet = Base64::Standard);
std::string base64_encode(std::string_view text, Base64 alphabet = Base64::Standard);
// nullopt for a character outside the alphabet, whitespace, wrong or missing padding
// (Standard), padding (Url), a length that cannot be bytes, or non-zero unused bits.
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text, Base64 alphabet = Base64::Standard);

}  // namespace bvlive
