// The DRM systems a live with protection DRM can be played with, and what each is called
// where it is named: in bvlived.toml ([drm] systems), in CPIX documents (its SystemID as a
// UUID), in the init segment ('pssh' SystemID) and in HLS playlists (KEYFORMAT).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/media/cenc/cenc_types.hpp"

namespace bvlive::drm {

enum class DrmSystem { ClearKey, Widevine, PlayReady, FairPlay };

struct DrmSystemInfo {
  DrmSystem system;
  std::string_view name;        // "widevine": bvlived.toml, bvlive show, logs
  cenc::Block16 system_id;      // DASH-IF registry (dashif.org/identifiers/content_protection)
  std::string_view uuid;        // the same, as CPIX and DASH write it
  std::string_view keyformat;   // EXT-X-KEY KEYFORMAT (RFC 8216bis 4.4.4.4)
};

inline constexpr cenc::Block16 kFairPlaySystemId{0x94, 0xce, 0x86, 0xfb, 0x07, 0xff, 0x4f, 0x43,
                                                 0xad, 0xb8, 0x93, 0xd2, 0xfa, 0x96, 0x8c, 0xa2};

inline constexpr DrmSystemInfo kDrmSystems[] = {
    {DrmSystem::ClearKey, "clearkey", cenc::kClearKeySystemId, "1077efec-c0b2-4d02-ace3-3c1e52e2fb4b",
     "org.w3.clearkey"},
    {DrmSystem::Widevine, "widevine", cenc::kWidevineSystemId, "edef8ba9-79d6-4ace-a3c8-27dcd51d21ed",
     "urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed"},
    {DrmSystem::PlayReady, "playready", cenc::kPlayReadySystemId, "9a04f079-9840-4286-ab92-e65be0885f95",
     "com.microsoft.playready"},
    {DrmSystem::FairPlay, "fairplay", kFairPlaySystemId, "94ce86fb-07ff-4f43-adb8-93d2fa968ca2",
     "com.apple.streamingkeydelivery"},
};

inline const DrmSystemInfo& info(DrmSystem system) {
  for (const auto& i : kDrmSystems)
    if (i.system == system) return i;
  return kDrmSystems[0];
}

inline std::optional<DrmSystem> system_named(std::string_view name) {
  for (const auto& i : kDrmSystems)
    if (i.name == name) return i.system;
  return std::nullopt;
}

// By SystemID as CPIX writes it (either case).
inline std::optional<DrmSystem> system_of_uuid(std::string_view uuid) {
  for (const auto& i : kDrmSystems) {
    if (uuid.size() != i.uuid.size()) continue;
    bool same = true;
    for (std::size_t k = 0; k < uuid.size() && same; ++k)
      same = (uuid[k] | 0x20) == (i.uuid[k] | 0x20);
    if (same) return i.system;
  }
  return std::nullopt;
}

}  // namespace bvlive::drm
