// One run of ENCODING for one live: turns its source into the VOD files under
// MEDIA_ROOT/LIVE_ID/vod/ (see core/vod/vod_asset.hpp) and reports what it made.
//
//   catchup   the recorded segments from LIVE's start to its end are hard-linked into vod/
//             (each session keeps its init segment; sessions are discontinuities), the
//             playlists are written, and ffmpeg remuxes the sessions into one MP4 through
//             its concat demuxer.
//   replace   ffmpeg makes an H.264/AAC MP4 of the library video (copy when it already is),
//             then the segmenter cuts that MP4's fragments into vod/replace/.
//   playback  the reused VOD's files are hard-linked into vod/.
//
// File work runs on libuv's thread pool, ffmpeg as a child on the loop. A retry starts
// from an empty vod/ folder. cancel() stops it (its ffmpeg is killed); a job is held by
// shared_ptr so that a pool thread still working keeps it alive until it returns.
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/library/library_item.hpp"
#include "live/live_record.hpp"
#include "core/media/fmp4/segment_cutter.hpp"
#include "core/media/fmp4/stream_splitter.hpp"
#include "core/media/segment_record.hpp"
#include "process/ffmpeg_process.hpp"
#include "core/vod/vod_asset.hpp"

namespace bvlive {

struct VodJobInput {
  LiveRecord live;
  std::string live_dir;                       // MEDIA_ROOT/LIVE_ID
  std::string ffmpeg = "ffmpeg";
  double segment_duration = 2.0;
  std::vector<SegmentRecord> recording;       // catchup: the live's segment index
  std::optional<library::LibraryItem> library_item;  // replace
  std::string library_path;                   // replace: its stored file
  std::optional<VodAsset> reused;             // playback: the READY asset
  std::string reused_live_dir;                // playback: its live's folder
};

class VodJob : public std::enable_shared_from_this<VodJob> {
 public:
  // `done` gets the finished asset's info, or the reason it failed; it may destroy the job.
  using Done = std::function<void(std::optional<VodInfo> info, std::string error)>;

  VodJob(uv_loop_t* loop, VodJobInput input, Done done);
  ~VodJob();
  VodJob(const VodJob&) = delete;
  VodJob& operator=(const VodJob&) = delete;

  void start();
  // Nothing more is reported; a running ffmpeg is killed.
  void cancel();

 private:
  bool drm() const { return in_.live.spec.security.protection == ProtectionType::Drm; }
  std::string vod_dir() const { return in_.live_dir + "/vod"; }
  std::string mp4_path() const { return in_.live_dir + "/" + vod_mp4_file(in_.live.id); }
  void fail(std::string why);
  void succeed();

  // catchup
  void link_recording();              // pool thread
  void remux_sessions();
  // replace
  void library_to_mp4();
  void segment_mp4();
  void on_fragments(std::span<const std::uint8_t> bytes);
  void write_segment(const fmp4::Segment& segment);
  // playback
  void link_reused();                 // pool thread
  // all
  void write_playlists(const std::vector<SegmentRecord>& segments);  // and info_
  void run_ffmpeg(std::vector<std::string> argv, std::function<void()> next, const std::string& what,
                  FfmpegProcess::Callbacks callbacks = {});
  void in_thread(std::function<void()> work, std::function<void()> next);

  uv_loop_t* loop_;
  VodJobInput in_;
  Done done_;
  VodInfo info_;
  std::unique_ptr<FfmpegProcess> ffmpeg_;
  // replace: the segmenter's state
  fmp4::StreamSplitter splitter_;
  fmp4::SegmentCutter cutter_;
  std::vector<SegmentRecord> cut_;
  std::string split_error_;
  bool finished_ = false;
};

}  // namespace bvlive
