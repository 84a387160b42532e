// One push, from the encoder's connection to the last segment: a session
// (docs/ARCHITECTURE.md#session-states, bvlived(8) SESSIONS). It owns the packager
// (packager/packager.hpp: in bvlived itself for a passthrough push, an ffmpeg child where
// the media is re-encoded) and the segmenter (core's segment
// cutter and rendition aligner), writes init.mp4 and the segment files under
// MEDIA_ROOT/LIVE_ID/SESSION_ID/, and records each segment in the MediaIndex. An encoder
// that changes its configuration mid-push gets a new init segment (init-2.mp4, ...), and
// the playlists a discontinuity there.
//
// States: INIT (accepted) -> PROCESSING (packager running) -> LIVE (first segment
// listed) or ERROR (packager failed, unreadable output, no segment in time) -> ENDED.
// Every state change is committed to SQLite as it happens.
//
// Renditions. The session plans its renditions (media/ladder/rendition_plan.hpp) from the
// live's resolution, ABR and watermark. The source's size is only known once the packager
// has read the input, so it starts on a plan that assumes the source fits, its output is
// held back, and the encoder's bytes are kept; when the packager reports the real size and
// it calls for another plan, that packager is stopped and a new one gets the kept bytes
// from the start. Nothing reaches the index before the plan is settled. A
// ladder's outputs are cut by a RenditionAligner and written under SESSION/RENDITION/.
//
// Packager restarts. A LIVE session whose ffmpeg packager exits unasked (the child killed,
// crashed, or stuck and killed by the watchdog below) does not end: a new packager is
// started on the same plan, at most kMaxPackagerRestarts times per session, and the
// playlist goes on after a discontinuity (a new init segment, init-N.mp4; segment numbers
// carry on). An RTMP push is resumed with the FLV header, metadata and sequence headers
// kept from the start (flv_resume.hpp) and the push's next keyframe; MPEG-TS resyncs by
// itself; WHIP's RTP and the slate are read again by the new ffmpeg. A simulive's file and
// a session not LIVE yet (PROCESSING) still fail as before: ERROR, then ENDED; so does
// the in-process remux, which stops only on input it cannot read.
//
// Stuck packager. While LIVE, a packager that has input waiting (bytes queued for its
// stdin, or its own input for a file or the slate) but reports no progress for
// kStuckWarnMs gets a warning on the session ("packager stuck: no progress for 10s");
// the warning clears when progress comes back, and after kStuckKillMs the child is
// killed (SIGKILL, reaped by FfmpegProcess) and restarted as above.
#pragma once

#include <uv.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "config/settings.hpp"
#include "core/drm/content_keys.hpp"
#include "core/media/cenc/output_encryptor.hpp"
#include "daemon/ingest/publication.hpp"
#include "lifecycle/session_state.hpp"
#include "live/live_record.hpp"
#include "core/media/ffmpeg/media_info.hpp"
#include "core/media/ffmpeg/packager_command.hpp"
#include "core/media/fmp4/stream_splitter.hpp"
#include "core/media/ladder/rendition_plan.hpp"
#include "daemon/media/media_index.hpp"
#include "packager/packager.hpp"
#include "sessions/flv_resume.hpp"
#include "sessions/segment_writer.hpp"
#include "store/store.hpp"
#include "uv/timer.hpp"

namespace bvlive {

// How long a segment takes from its last fragment leaving the packager to being listed.
struct PublishLatency {
  double sum_seconds = 0;
  double max_seconds = 0;
  std::uint64_t count = 0;
  void add(double s) {
    sum_seconds += s;
    count += 1;
    if (s > max_seconds) max_seconds = s;
  }
};

struct SessionContext {
  uv_loop_t* loop;
  Store& store;
  MediaIndex& index;
  const MediaSettings& media;
  // A session line in the live's events log ("session abc: LIVE").
  std::function<void(const std::string& live_id, const std::string& detail)> record_event;
  // Retention after each new segment: how many segments of this live to keep (0 = all).
  std::function<std::size_t(const std::string& live_id)> keep_segments;
  // The encoder's signal for the live: lost (it went away, or sent nothing for
  // media.signal_timeout) or back (media flows again, a session publishes).
  std::function<void(const std::string& live_id, bool lost, const std::string& detail)> signal;
  // The file of a library item, "" when unknown: the watermark image.
  std::function<std::string(const std::string& library_id)> library_file;
  // A DRM-protected live's keys (daemon/drm/drm_keys.hpp), or why there are none yet.
  std::function<std::variant<std::shared_ptr<const drm::ContentKeys>, std::string>(const std::string& live_id)> drm_keys;
};

class Session {
 public:
  Session(SessionContext& ctx, const LiveRecord& live, const ingest::PublishRequest& request);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Spawns the packager: INIT -> PROCESSING. Throws std::runtime_error (the session is
  // then ERROR -> ENDED) when it cannot.
  void start();

  // Encoder side.
  void write(std::span<const std::uint8_t> bytes);
  void encoder_finished(const std::string& reason);

  // Ends the push for a reason of ours (replaced, max duration, live ended): the encoder
  // is kicked, the packager drains what it has, the session is ENDED now.
  void end(const std::string& reason);
  // end() for a reason of bvlived's own (replaced, the live ended, shutdown): not a lost signal.
  void stop(const std::string& reason);
  bool stopped() const { return stopping_; }

  // Called once the session is ENDED and its packager has exited: it may be destroyed.
  std::function<void(Session&)> on_finished;

  const SessionRow& row() const { return row_; }
  const std::string& id() const { return row_.id; }
  const std::string& live_id() const { return row_.live_id; }
  SessionState state() const { return state_; }
  bool running() const { return is_running(state_); }
  double packager_speed() const { return speed_; }
  bool packager_alive() const { return packager_ && packager_->running(); }
  const std::vector<ladder::PlannedRendition>& renditions() const { return plan_; }
  void detach_encoder() { kick_ = nullptr; }
  // Not an encoder's push: a simulive's playout or the slate, which ffmpeg reads itself.
  bool self_fed() const { return container_ == ingest::Container::File || container_ == ingest::Container::Slate; }

 private:
  void advance(SessionEvent event, const std::optional<std::string>& reason = std::nullopt);
  void fail(const std::string& reason);
  ladder::PlanInput plan_input(std::optional<int> source_height, bool has_video) const;
  // Starts ffmpeg on plan_; the error when it cannot.
  std::optional<std::string> launch_packager();
  void on_media_info(const ffmpeg::MediaInfo& m);
  void settle_plan();
  void on_output(std::size_t rendition, fmp4::SplitEvent event);
  void on_first_segment();
  std::string rendition_dir(std::size_t rendition) const;
  void on_packager_exit(const PackagerExit& status);
  // A new packager after an unasked exit while LIVE; false when none may be started.
  bool restart_packager(const std::string& why);
  void watch_packager();
  void set_stuck_warning(std::optional<std::string> warning);
  void save_row();
  void watch_speed();
  void watch_media();
  std::string dir() const;

  SessionContext& ctx_;
  SessionRow row_;
  SessionState state_ = SessionState::Init;
  ingest::Container container_;
  std::string ffmpeg_sdp_;
  bool transcode_video_ = false, transcode_audio_ = false;
  std::string input_file_;
  std::string slate_image_, slate_title_, slate_detail_;
  bool realtime_ = true;
  double start_seconds_ = 0;
  std::function<void(const std::string&)> kick_;
  std::unique_ptr<Packager> packager_;

  // Renditions: the plan, and the writer of their segments.
  bool ull_ = false;             // LL-HLS: parts cut by duration, published as they land
  int tier_height_ = 720;
  bool abr_ = false;
  std::string watermark_file_;   // the library image, "" without a watermark
  ffmpeg::Corner watermark_corner_ = ffmpeg::Corner::TopRight;
  std::optional<int> source_height_;  // known before start (a library video)
  std::vector<ladder::PlannedRendition> plan_;
  std::optional<SegmentWriter> writer_;
  // Protection DRM: everything the packager makes is encrypted before the writer sees it.
  bool drm_ = false;
  std::optional<cenc::OutputEncryptor> encryptor_;
  bool plan_settled_ = false;    // output flows to the segmenter
  bool replanning_ = false;      // this packager is being replaced by one on a new plan
  std::vector<std::vector<fmp4::SplitEvent>> held_output_;  // per rendition, until settled
  std::size_t held_output_bytes_ = 0;
  std::vector<std::uint8_t> replay_;  // the encoder's bytes until settled (stdin inputs)
  bool replay_complete_ = true;       // replay_ holds everything sent so far
  std::string ending_reason_;        // set once end() or the encoder finished it
  uv::Timer max_duration_;
  uv::Timer first_segment_;
  uv::Timer drain_;
  uv::Timer flush_stats_;
  uv::Timer stall_;                  // LIVE: checks that media keeps arriving
  std::uint64_t last_media_at_ = 0;  // uv_now() of the last encoder bytes
  bool stalled_ = false;
  bool stopping_ = false;
  std::int64_t unsaved_bytes_ = 0;
  double speed_ = 0;
  std::optional<TimeMs> slow_since_;  // speed below real time since then
  bool finished_ = false;

  // Packager restarts and the stuck-packager watchdog (see the top of this file).
  int packager_restarts_ = 0;
  std::uint64_t next_file_number_ = 0;  // for the next run's SegmentWriter
  int init_generations_ = 0;
  std::optional<FlvResume> flv_;        // RTMP pushes: what a restarted packager reads first
  uv::Timer packager_watch_;
  std::uint64_t last_progress_at_ = 0;  // uv_now() of the packager's last progress or output
  std::optional<std::uint64_t> stuck_since_;
  bool stuck_warned_ = false;
};

}  // namespace bvlive
