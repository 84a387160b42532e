// What a live with protection DRM is encrypted with, and what players are told about it:
// the content key (KID, key, constant IV) and, per DRM system, the 'pssh' box for the
// init segment and the playlist tags. From the built-in ClearKey (clear_key.hpp) or a
// SPEKE v2 key server (daemon/drm/speke_client.hpp); held in memory only.
#pragma once

#include <string>
#include <vector>

#include "core/drm/drm_system.hpp"
#include "core/media/cenc/cenc_types.hpp"

namespace bvlive::drm {

struct SystemSignalling {
  DrmSystem system = DrmSystem::ClearKey;
  cenc::Bytes pssh;        // a whole 'pssh' box from the key server; empty: none, or ours for ClearKey
  std::string media_tag;   // the key server's "#EXT-X-KEY:..." line(s); empty: written by hls_key_tags
  std::string master_tag;  // the key server's "#EXT-X-SESSION-KEY:..." line(s); likewise
};

struct ContentKeys {
  cenc::CencKey key;
  std::vector<SystemSignalling> systems;

  // The 'pssh' boxes the init segment carries: the key server's, and a version 1 box
  // naming the KID for ClearKey (what an EME "encrypted" event hands the CDM).
  std::vector<cenc::PsshBox> pssh_boxes() const {
    std::vector<cenc::PsshBox> out;
    for (const auto& s : systems) {
      if (!s.pssh.empty()) out.push_back(cenc::PsshBox{info(s.system).system_id, {}, {}, s.pssh});
      else if (s.system == DrmSystem::ClearKey) out.push_back(cenc::PsshBox{cenc::kClearKeySystemId, {key.kid}, {}, {}});
    }
    return out;
  }
  bool has(DrmSystem system) const {
    for (const auto& s : systems)
      if (s.system == system) return true;
    return false;
  }
};

}  // namespace bvlive::drm
