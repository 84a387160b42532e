// Turns pushes into sessions: the IngestHandler every listener (RTMP, SRT) asks. It looks
// the stream key up, applies core's ingest policy, keeps one running session per live
// (a newer push replaces the older one), and ends sessions when their live stops taking
// ingest (end, cancel, delete).
#pragma once

#include <uv.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "daemon/ingest/publication.hpp"
#include "daemon/media/disk_space.hpp"
#include "daemon/media/media_index.hpp"
#include "service/live_service.hpp"
#include "sessions/session.hpp"
#include "uv/timer.hpp"

namespace bvlive {

struct SessionStats {
  std::uint64_t started = 0;
  std::uint64_t refused = 0;
  std::uint64_t refused_disk = 0;  // of which for a nearly full media disk
  std::uint64_t errors = 0;
  std::uint64_t bytes_in = 0;  // of sessions that have ended; add the running ones' row().bytes_in
  PublishLatency publish_latency;
};

class SessionManager : public ingest::IngestHandler {
 public:
  SessionManager(uv_loop_t* loop, LiveService& lives, Store& store, MediaIndex& index, const MediaSettings& media);
  ~SessionManager() override;

  ingest::PublishResult publish(ingest::PublishRequest request) override;
  std::string check_key(std::string_view stream_key) const override;

  // After anything that may change which keys are accepted (create, update, rotate-key,
  // delete, transitions): the snapshot check_key reads from other threads is rebuilt once,
  // at the end of this loop turn, however many changes the turn made (a create alone
  // makes three transitions; a rebuild reads every live).
  void refresh_keys();
  // A live changed state: its session ends when the live no longer takes ingest.
  void on_transition(const AppliedTransition& t);

  // A simulive's playout of `request.input_file` as the live's session (protocol file).
  // Returns the reason when it cannot start ("" = started).
  std::string start_playout(const LiveRecord& live, ingest::PublishRequest request);
  // Starts the slate for a live whose encoder is gone: `request` names its picture
  // (slate_image, or slate_title/slate_detail for a card). Empty string: started.
  std::string start_slate(const LiveRecord& live, ingest::PublishRequest request);
  // Called when a playout session is over: ended with its file ("playout finished"), or
  // failed. Not called when the live's end or a shutdown stopped it.
  std::function<void(const std::string& live_id, const SessionRow& row)> on_playout_end;
  // A live's encoder signal was lost or is back (see SessionContext::signal).
  std::function<void(const std::string& live_id, bool lost, const std::string& detail)> on_signal;
  // The file of a library item ("" when there is none): a live's watermark image.
  std::function<std::string(const std::string& library_id)> library_file;
  // A DRM-protected live's keys, or why there are none (SessionContext::drm_keys).
  std::function<std::variant<std::shared_ptr<const drm::ContentKeys>, std::string>(const std::string& live_id)> drm_keys;
  // An encoder's session ended for a reason not of bvlived's own and nothing else runs for
  // the live (the daemon may start the slate).
  std::function<void(const std::string& live_id)> on_push_lost;
  // The media disk: pushes are refused while it is below [media] min_free_space (null: never).
  DiskSpace* disk_space = nullptr;
  // Whether any session of the live is still running or writing its last segments.
  bool busy(const std::string& live_id) const;

  const Session* running(const std::string& live_id) const;
  std::size_t running_count() const { return running_.size(); }
  // Every session object still alive (running, or ended and draining its packager).
  const std::map<Session*, std::unique_ptr<Session>>& sessions() const { return sessions_; }
  const SessionStats& stats() const { return stats_; }
  // Ends every session (daemon shutdown): the packagers are stopped with their sessions.
  void end_all(const std::string& reason);

 private:
  class Handle;
  void finished(Session& s);
  // Starts a session for `live`, replacing its running one; null (and `error`) on failure.
  Session* launch(const LiveRecord& live, const ingest::PublishRequest& request, const std::string& replaced_reason,
                  std::string& error);
  std::size_t keep_segments(const std::string& live_id);

  uv_loop_t* loop_;
  LiveService& lives_;
  Store& store_;
  MediaIndex& index_;
  const MediaSettings& media_;
  SessionContext ctx_;
  std::map<Session*, std::unique_ptr<Session>> sessions_;
  std::map<std::string, Session*> running_;  // by live id
  std::map<const Session*, std::string> pushed_with_;  // an encoder's session -> the stream key it used
  std::vector<std::unique_ptr<Session>> graveyard_;
  uv::Timer reaper_;
  SessionStats stats_;

  void rebuild_keys();
  uv::UvHandle<uv_check_t> keys_check_;  // runs rebuild_keys at the end of a turn that asked
  mutable std::mutex keys_mutex_;
  std::unordered_map<std::string, std::string> keys_;  // stream key -> refusal ("" = accepted), by protocol srt
};

}  // namespace bvlive
