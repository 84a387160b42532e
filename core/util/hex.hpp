// Hexadecimal text: the one codec for secrets on disk, digests, fingerprints and
// percent-escapes.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace bvlive {

// Two digits per byte; `separator` (e.g. ':') between bytes when not '\0'.
std::string hex_encode(std::span<const std::uint8_t> bytes, bool upper = false, char separator = '\0');
// 0..15 for a hex digit (either case), -1 for anything else.
int hex_digit_value(char c);
// Bytes from an even number of hex digits (either case); nullopt otherwise.
std::optional<std::vector<std::uint8_t>> hex_decode(std::string_view text);

}  // namespace bvlive
