// Live-to-VOD in the daemon: starts a VodJob when a live enters ENCODING (or is found in
// ENCODING at start-up), records each attempt in the VodCatalog, and on success raises
// vod-asset-ready (ENCODING -> VOD_READY). A failure is kept on the asset (FAILED, with
// its reason, and a line in the live's events) until `bvlive vod ID --retry`.
#pragma once

#include <uv.h>

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/settings.hpp"
#include "core/library/library_catalog.hpp"
#include "daemon/media/media_index.hpp"
#include "service/live_service.hpp"
#include "uv/timer.hpp"
#include "core/vod/vod_catalog.hpp"
#include "daemon/vod/vod_job.hpp"

namespace bvlive {

struct VodContext {
  uv_loop_t* loop;
  LiveService& lives;
  VodCatalog& vods;
  library::LibraryCatalog& library;
  MediaIndex& index;
  const MediaSettings& media;
  // Whether the live still has a session writing its last segments (a catchup waits).
  std::function<bool(const std::string& live_id)> recording_busy;
  // "http://host:port/live/ID/" for URLs in `bvlive vod` ("" without an HTTP origin).
  std::function<std::string(const LiveRecord&)> public_base;
  // After a transition the manager caused: the scheduler re-arms, ingest keys refresh.
  std::function<void()> after_transition;
};

class VodManager {
 public:
  explicit VodManager(VodContext ctx);
  ~VodManager();

  // The live entered ENCODING: a new attempt.
  void begin(const std::string& live_id);
  // Start-up: ENCODING lives whose asset is not FAILED get their job (again); a READY
  // asset whose transition was lost raises it now.
  void resume();
  // The live was deleted: its job stops, its asset is forgotten.
  void forget(const std::string& live_id);

  // vod.get and vod.retry.
  nlohmann::json get(const nlohmann::json& params);
  nlohmann::json retry(const nlohmann::json& params);

  std::size_t running() const { return jobs_.size(); }

 private:
  void launch(const std::string& live_id);
  void check_waiting();
  void finished(const std::string& live_id, std::optional<VodInfo> info, const std::string& error);
  void note(const LiveRecord& live, const std::string& cause, const std::string& detail);
  nlohmann::json view(const LiveRecord& live, const VodAsset& asset) const;

  VodContext ctx_;
  std::map<std::string, std::shared_ptr<VodJob>> jobs_;  // by live id
  std::vector<std::shared_ptr<VodJob>> retired_;  // freed on the next loop turn
  uv::Timer reaper_;
  std::set<std::string> waiting_;  // catchups waiting for their recording's last segments
  uv::Timer wait_timer_;
};

}  // namespace bvlive
