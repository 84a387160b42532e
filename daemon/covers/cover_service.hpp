// Cover images of every live, made on demand by ffmpeg and kept in MEDIA_ROOT/LIVE_ID/covers/
// (STATUS.jpg). Served by the origin at /live/ID/cover.jpg (the live's current status) and
// /live/ID/covers/STATUS.jpg.
//
// A cover is made again when what it shows changes: a card when the live's name, status
// text or schedule does, a customized cover when its library image does, a frame of the
// stream (auto preview and current) when a newer segment exists and the frame is more than
// 5 s old. Covers are made when asked for (a thousand idle lives cost nothing): until the
// first one exists the answer is 503 with Retry-After: 1; after that the last one is served
// while the next is made. At most one ffmpeg per cover.
#pragma once

#include <uv.h>

#include <map>
#include <memory>
#include <string>

#include "config/settings.hpp"
#include "http/http_server.hpp"
#include "core/library/library_catalog.hpp"
#include "daemon/media/media_index.hpp"
#include "process/ffmpeg_process.hpp"
#include "service/live_service.hpp"
#include "uv/timer.hpp"

namespace bvlive {

class CoverService {
 public:
  CoverService(uv_loop_t* loop, library::LibraryCatalog& library, MediaIndex& index, const MediaSettings& media);
  ~CoverService();

  // The cover of `status` ("" = the live's current one).
  http::Response serve(const LiveRecord& live, std::string_view status);
  void forget(const std::string& live_id);

 private:
  struct Job;
  // What the cover of `status` should show now, and how to make it. False: nothing to do.
  bool make(const LiveRecord& live, const std::string& status);
  std::string dir_of(const std::string& live_id) const { return index_.media_root() + "/" + live_id + "/covers"; }

  uv_loop_t* loop_;
  library::LibraryCatalog& library_;
  MediaIndex& index_;
  const MediaSettings& media_;
  std::map<std::string, std::string> made_;           // "LIVE/STATUS" -> what its file shows
  std::map<std::string, std::uint64_t> made_at_;      // "LIVE/STATUS" -> uv_now() when made
  std::map<std::string, std::unique_ptr<Job>> jobs_;  // running ffmpegs, by "LIVE/STATUS"
  std::vector<std::unique_ptr<Job>> done_;            // freed on the next loop turn
  uv::Timer reaper_;
};

}  // namespace bvlive
