#include "core/vod/vod_catalog.hpp"

#include "rpc/error.hpp"

namespace bvlive {

VodCatalog::VodCatalog(Store& store) : store_(store) {
  for (auto& a : store_.load_vod_assets()) {
    auto live_id = a.live_id;
    by_live_.emplace(std::move(live_id), std::move(a));
  }
}

const VodAsset* VodCatalog::of_live(std::string_view live_id) const {
  auto it = by_live_.find(live_id);
  return it == by_live_.end() ? nullptr : &it->second;
}

const VodAsset* VodCatalog::find(std::string_view vod_id) const {
  for (const auto& [live_id, a] : by_live_)
    if (a.id == vod_id) return &a;
  return nullptr;
}

const VodAsset& VodCatalog::begin(const LiveRecord& live, TimeMs now) {
  VodAsset next;
  if (const VodAsset* old = of_live(live.id)) next = *old;
  else next.id = new_vod_id(), next.live_id = live.id;
  next.source = live.spec.live_vod.source;
  next.source_ref = next.source == LiveVodSource::Replace    ? live.spec.live_vod.replace_id.value_or("")
                    : next.source == LiveVodSource::Playback ? live.spec.live_vod.playback_id.value_or("")
                                                             : "";
  next.state = VodState::Encoding;
  next.error.reset();
  next.attempts += 1;
  next.info = {};
  next.started_at = now;
  next.finished_at.reset();
  store_.save_vod_asset(next);
  return by_live_[live.id] = std::move(next);
}

void VodCatalog::save(const VodAsset& asset) {
  store_.save_vod_asset(asset);
  by_live_[asset.live_id] = asset;
}

void VodCatalog::forget(std::string_view live_id) {
  if (auto it = by_live_.find(live_id); it != by_live_.end()) by_live_.erase(it);
}

const VodAsset& VodCatalog::playback_source(std::string_view ref,
                                            const std::map<std::string, LiveRecord, std::less<>>& lives,
                                            const std::string& path) const {
  const VodAsset* asset = find(ref);
  if (!asset) {
    for (const auto& [id, live] : lives)
      if (id == ref || (live.spec.custom_id && *live.spec.custom_id == ref)) asset = of_live(id);
  }
  if (!asset)
    throw_invalid(path, "no VOD '" + std::string(ref) +
                            "': give a VOD id (vod_...) or a live whose VOD is READY (bvlive vod LIVE)");
  if (asset->state != VodState::Ready)
    throw_invalid(path, "the VOD " + asset->id + " is " + std::string(to_string(asset->state)) +
                            "; only a READY VOD can be reused");
  return *asset;
}

}  // namespace bvlive
