// HLS AES-128 protection (RFC 8216 §4.3.2.4): each media segment encrypted whole with
// AES-128-CBC and PKCS#7 padding, under a key that changes every rotation period, with
// the segment's media sequence number as its IV (the playlist then needs no IV attribute).
// Keys are derived, not stored: HMAC-SHA256(secret, "bvlive-aes128|LIVE_ID|KEY_NAME"), cut
// to 16 bytes, so every rendition and every restart agrees on them. A key's name is its
// rotation period's number ("493921") for a live, "vod" for its recording.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "util/time.hpp"

namespace bvlive::security {

using SegmentKey = std::array<std::uint8_t, 16>;

// The rotation period a segment starting at `start` falls in (rotation > 0).
std::int64_t key_period(TimeMs start, DurationMs rotation);

SegmentKey segment_key(std::span<const std::uint8_t> secret, std::string_view live_id, std::string_view key_name);
// The first 16 bytes of HMAC-SHA256(secret, label): every key the daemon derives instead
// of storing (segment keys above, the DRM ClearKey keys of core/drm/clear_key.hpp).
SegmentKey derive_key16(std::span<const std::uint8_t> secret, std::string_view label);

// The IV of media sequence number `seq`: 16 bytes, big-endian.
std::array<std::uint8_t, 16> sequence_iv(std::int64_t seq);

// AES-128-CBC with PKCS#7 padding. Throws std::runtime_error if OpenSSL fails.
std::vector<std::uint8_t> encrypt_segment(std::span<const std::uint8_t> clear, const SegmentKey& key, std::int64_t seq);
// The inverse, for tests and tools; throws on a bad key or padding.
std::vector<std::uint8_t> decrypt_segment(std::span<const std::uint8_t> sealed, const SegmentKey& key, std::int64_t seq);

}  // namespace bvlive::security
