// AES-128 protection of a live (security.protection AES_128): its segments are served
// encrypted (AES-128-CBC, the segment's media sequence number as IV), its playlists name a
// key per rotation period (keys/PERIOD.key, [security] key_rotation) and its recording one
// key (keys/vod.key). Keys are derived from STATE_DIR/segment-key-secret, so the segments
// on disk stay in the clear and nothing about a key is stored or logged. The key files are
// served on the live's own routes, behind the same token, domain and geo checks.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/settings.hpp"
#include "live/live_record.hpp"
#include "core/media/segment_record.hpp"
#include "daemon/security/playback_secret.hpp"
#include "core/security/segment_cipher.hpp"

namespace bvlive {

class SegmentProtection {
 public:
  SegmentProtection(PlaybackSecret& master, const SecuritySettings& settings);

  static bool protects(const LiveRecord& live) { return live.spec.security.protection == ProtectionType::Aes128; }

  // The name of the key a live segment is sealed with: its rotation period ("493921").
  std::string key_name(const SegmentRecord& s) const;
  static constexpr std::string_view kVodKeyName = "vod";
  // "keys/NAME.key", relative to the live's playlists.
  static std::string key_file(std::string_view name) { return "keys/" + std::string(name) + ".key"; }
  // "493921.key" -> "493921"; nothing for anything else.
  static std::optional<std::string> key_name_of_file(std::string_view file);

  security::SegmentKey key(const std::string& live_id, std::string_view name) const;
  std::vector<std::uint8_t> seal(const std::string& live_id, std::string_view key_name, std::int64_t seq,
                                 std::span<const std::uint8_t> clear) const;

 private:
  PlaybackSecret& master_;
  const SecuritySettings& settings_;
};

}  // namespace bvlive
