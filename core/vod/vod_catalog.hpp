// Every live's VOD asset, in memory over the SQLite `vod_assets` table. The daemon's VOD
// job moves an asset through ENCODING -> READY | FAILED; this keeps the rows, answers
// `bvlive vod`, and resolves live_vod.playback.id to the READY asset it reuses.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "live/live_record.hpp"
#include "store/store.hpp"
#include "core/vod/vod_asset.hpp"

namespace bvlive {

class VodCatalog {
 public:
  explicit VodCatalog(Store& store);

  const VodAsset* of_live(std::string_view live_id) const;
  const VodAsset* find(std::string_view vod_id) const;
  const std::map<std::string, VodAsset, std::less<>>& assets() const { return by_live_; }

  // A new attempt for the live's asset (created on the first): ENCODING, attempts + 1,
  // error cleared. Persisted before it returns.
  const VodAsset& begin(const LiveRecord& live, TimeMs now);
  // Persists the asset's new state (READY with its info, or FAILED with its error).
  void save(const VodAsset& asset);
  void forget(std::string_view live_id);  // the live was deleted (its row went with it)

  // live_vod.playback.id: a VOD id, or the id/custom_id of a live, whose asset is READY.
  // Throws RpcError(InvalidParams) at `path` otherwise.
  const VodAsset& playback_source(std::string_view ref, const std::map<std::string, LiveRecord, std::less<>>& lives,
                                  const std::string& path) const;

 private:
  Store& store_;
  std::map<std::string, VodAsset, std::less<>> by_live_;
};

}  // namespace bvlive
