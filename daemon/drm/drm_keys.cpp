#include "daemon/drm/drm_keys.hpp"

#include "core/drm/clear_key.hpp"
#include "daemon/drm/speke_client.hpp"
#include "daemon/log/log.hpp"

namespace bvlive {

std::vector<drm::DrmSystem> drm_systems(const DrmSettings& settings) {
  std::vector<drm::DrmSystem> out;
  for (const auto& name : settings.systems)
    if (auto s = drm::system_named(name)) out.push_back(*s);
  if (!out.empty()) return out;
  if (settings.key_server.empty()) return {drm::DrmSystem::ClearKey};
  return {drm::DrmSystem::Widevine, drm::DrmSystem::PlayReady, drm::DrmSystem::FairPlay};
}

DrmKeys::DrmKeys(uv_loop_t* loop, PlaybackSecret& secret, const DrmSettings& settings)
    : loop_(loop), secret_(secret), settings_(settings), self_(std::make_shared<DrmKeys*>(this)) {}

DrmKeys::~DrmKeys() { *self_ = nullptr; }

std::string DrmKeys::describe() const {
  if (!uses_key_server()) return "built-in ClearKey";
  std::string systems;
  for (auto s : drm_systems(settings_)) systems += (systems.empty() ? "" : ", ") + std::string(drm::info(s).name);
  return "key server " + settings_.key_server + " (" + systems + ")";
}

DrmKeys::Lookup DrmKeys::get(const std::string& live_id) {
  Entry& e = lives_[live_id];
  if (e.keys) return e.keys;
  if (!uses_key_server()) {
    e.keys = std::make_shared<const drm::ContentKeys>(drm::clear_key_content(secret_.bytes(), live_id));
    return e.keys;
  }
  if (!e.fetching) fetch(live_id);
  return e.problem.empty() ? std::string("the key server has not answered yet; push again in a moment")
                           : "the key server failed: " + e.problem;
}

void DrmKeys::prepare(const std::string& live_id) {
  if (!uses_key_server()) return;
  Entry& e = lives_[live_id];
  if (!e.keys && !e.fetching) fetch(live_id);
}

void DrmKeys::forget(const std::string& live_id) { lives_.erase(live_id); }

void DrmKeys::fetch(const std::string& live_id) {
  Entry& e = lives_[live_id];
  e.fetching = true;
  // The KID is ours (derived like ClearKey's, so it is the same after a restart); the key
  // server answers with its key for it, as DRM vendors keep keys by KID.
  const cenc::CencKey derived = drm::derive_content_key(secret_.bytes(), live_id);
  const std::vector<drm::DrmSystem> systems = drm_systems(settings_);
  drm::CpixRequest request;
  request.content_id = live_id;
  request.kids = {derived.kid};
  // ClearKey is the daemon's own: its 'pssh' and tags are written here, not by the vendor.
  for (auto system : systems)
    if (system != drm::DrmSystem::ClearKey) request.systems.push_back(system);
  drm::SpekeSettings speke{settings_.key_server, settings_.username, settings_.password, settings_.headers,
                           static_cast<long>(settings_.timeout)};
  drm::fetch_keys_async(loop_, std::move(speke), request,
                        [self = self_, live_id, derived, systems](std::variant<drm::CpixResponse, std::string> result) {
    DrmKeys* me = *self;
    if (!me) return;  // the daemon is stopping
    const auto it = me->lives_.find(live_id);
    if (it == me->lives_.end()) return;  // the live is gone
    Entry& entry = it->second;
    entry.fetching = false;
    if (const auto* why = std::get_if<std::string>(&result)) {
      entry.problem = *why;
      ++me->fetch_failures_;
      log::warn("drm", "live " + live_id + ": no keys from the key server: " + *why);
      return;
    }
    const auto& answer = std::get<drm::CpixResponse>(result);
    auto content = std::make_shared<drm::ContentKeys>();
    content->key = derived;
    for (const auto& k : answer.keys)
      if (k.kid == derived.kid) {
        content->key.key = k.key;
        if (k.explicit_iv) content->key.iv = *k.explicit_iv;
      }
    for (auto system : systems) {
      drm::SystemSignalling signalling{system, {}, {}, {}};
      for (const auto& d : answer.systems)
        if (d.system == system && d.kid == derived.kid)
          signalling = drm::SystemSignalling{system, d.pssh, d.hls_media_tag, d.hls_master_tag};
      content->systems.push_back(std::move(signalling));
    }
    entry.keys = std::move(content);
    entry.problem.clear();
    ++me->fetched_;
    log::info("drm", "live " + live_id + ": keys from the key server for " + me->describe());
  });
}

}  // namespace bvlive
