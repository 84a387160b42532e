// The origin's side of DRM protection: the SAMPLE-AES tags of a DRM live's playlists and
// the ClearKey licence (W3C EME §9.1). The licence route sits behind the same playback
// gate as the live's playlists (token, device limit, domains, geo), so a viewer who may
// not watch gets no key; it names only the live's own KID.
#include "core/drm/clear_key.hpp"
#include "core/drm/hls_key_tags.hpp"
#include "daemon/origin/origin.hpp"
#include "daemon/origin/origin_answers.hpp"

namespace bvlive {

using http::Response;

namespace {
constexpr std::size_t kMaxLicenceRequest = 16 * 1024;
}

std::string Origin::with_drm_tags(const LiveRecord& live, std::string playlist, const std::string& query, bool master) {
  if (live.spec.security.protection != ProtectionType::Drm || !drm) return playlist;
  const auto keys = drm->get(live.id);
  // Without keys no segment was written (a push is refused), so there is nothing to tag.
  const auto* content = std::get_if<std::shared_ptr<const drm::ContentKeys>>(&keys);
  if (!content) return playlist;
  const std::string licence = std::string(kClearKeyLicence) + query;
  return master ? drm::with_session_key_tags(playlist, drm::session_key_tags(**content, licence))
                : drm::with_media_key_tags(playlist, drm::media_key_tags(**content, licence));
}

Response Origin::clearkey_licence(const LiveRecord& live, const http::Request& req) {
  Response r = licence_answer(live, req);
  ++(r.status == 200 ? licence_counts_.granted : licence_counts_.refused);
  return r;
}

Response Origin::licence_answer(const LiveRecord& live, const http::Request& req) {
  if (live.spec.security.protection != ProtectionType::Drm || !drm)
    return error(404, "live " + live.label() + " is not DRM protected: it has no licence");
  const auto keys = drm->get(live.id);
  if (const auto* why = std::get_if<std::string>(&keys))
    return error(503, "no keys for live " + live.label() + " yet: " + *why);
  const auto& content = *std::get<std::shared_ptr<const drm::ContentKeys>>(keys);
  if (!content.has(drm::DrmSystem::ClearKey))
    return error(404, "live " + live.label() + " is not offered with ClearKey ([drm] systems); its licences come from the DRM vendor");
  if (req.body.size() > kMaxLicenceRequest)
    return error(413, "the licence request is " + std::to_string(req.body.size()) + " bytes; at most " +
                          std::to_string(kMaxLicenceRequest));
  const auto asked = drm::parse_licence_request(req.body);
  if (const auto* why = std::get_if<std::string>(&asked)) return error(400, *why);
  std::vector<cenc::CencKey> granted;
  for (const auto& kid : std::get<std::vector<cenc::Block16>>(asked))
    if (kid == content.key.kid && granted.empty()) granted.push_back(content.key);
  if (granted.empty()) return error(404, "live " + live.label() + " has no key with the key ids asked for");
  Response r;
  r.body = drm::licence_response(granted);
  r.set("Content-Type", "application/json");
  r.set("Cache-Control", "no-store");
  return r;
}

}  // namespace bvlive
