// The segment index of every live, in memory over the SQLite `segments` table: what the
// playlists list. A segment is written to disk, then recorded here (committed to SQLite),
// and only then listed, so a playlist never names a file that a restart would forget.
//
// Group commit. With a loop, the segments appended during one loop turn (hundreds of
// streams each finishing a segment) are committed in one transaction at the end of the
// turn (a uv_check handle), and listed right after it: one fsync a turn instead of one a
// segment. Session rows that only carry counters ride along (queue_session); a state
// change is written at once, after whatever was queued (commit_pending first).
// LL-HLS parts (ull_enabled lives) are listed here too, in memory only: they matter for a
// few seconds, and the segments they make up are what a restart keeps.
#pragma once

#include <uv.h>

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "uv/handle.hpp"

#include "core/media/hls/partial_segment.hpp"
#include "daemon/media/segment_index.hpp"
#include "core/media/segment_record.hpp"
#include "store/store.hpp"

namespace bvlive {

class MediaIndex final : public SegmentIndex {
 public:
  // Without a loop every append is committed at once.
  MediaIndex(Store& store, std::string media_root, uv_loop_t* loop = nullptr);
  ~MediaIndex();
  MediaIndex(const MediaIndex&) = delete;
  MediaIndex& operator=(const MediaIndex&) = delete;

  // In seq order. Loaded from the store the first time a live is asked for.
  const std::deque<SegmentRecord>& segments(const std::string& live_id);
  // The seq the live's next segment takes, counting those appended but not yet listed.
  std::int64_t next_seq(const std::string& live_id) override;

  // Persists `r` (with the session's updated row, in one transaction) and lists it: at
  // the end of this loop turn, or now without a loop. Throws when SQLite refuses.
  // `since_ns` (uv_hrtime): when its media came out of the packager, for on_published.
  void append(const SegmentRecord& r, const SessionRow& session, std::optional<std::uint64_t> since_ns = {}) override;
  // A session row whose change may wait for the end of the turn (byte counters).
  void queue_session(const SessionRow& session);
  // Commits and lists what is queued now (before a write that must follow it).
  void commit_pending();
  std::size_t pending() const { return pending_segments_.size(); }
  std::uint64_t group_commits() const { return group_commits_; }

  // Keeps the newest `keep` segments of a live: older rows go first, then their files.
  void trim(const std::string& live_id, std::size_t keep) override;
  // Forgets a deleted live (its rows went with it; its folder is removed by the service).
  void forget(const std::string& live_id) {
    cache_.erase(live_id);
    parts_.erase(live_id);
    ++versions_[live_id];
  }
  // Changes whenever a live's listed segments or parts change: what a rendered playlist
  // depends on, so one rendering serves every request until the next change.
  std::uint64_t version(const std::string& live_id) const {
    const auto it = versions_.find(live_id);
    return it == versions_.end() ? 0 : it->second;
  }

  // A live's parts in the order they landed: those of its newest segments and of the one
  // being written. A part's file is written before it is appended.
  const std::deque<hls::PartRecord>& parts(const std::string& live_id);
  void append_part(const hls::PartRecord& p) override;

  // After every append or append_part: whoever waits for a live's next segment or part (a
  // blocking playlist reload, a preload hint) looks again.
  std::function<void(const std::string& live_id)> on_update;
  // A segment appended with since_ns is listed: seconds from its media to its listing.
  std::function<void(double seconds)> on_published;

  std::string path_of(const std::string& live_id, const std::string& file) const override {
    return media_root_ + "/" + live_id + "/" + file;
  }
  const std::string& media_root() const { return media_root_; }

  std::uint64_t segments_written() const { return segments_written_; }
  std::uint64_t parts_written() const { return parts_written_; }

 private:
  void list(const SegmentRecord& r);
  void schedule();  // commit at the end of this loop turn

  Store& store_;
  std::string media_root_;
  uv::UvHandle<uv_check_t> check_;  // initialized with a loop
  struct Pending {
    SegmentRecord record;
    std::optional<std::uint64_t> since_ns;
  };
  std::vector<Pending> pending_segments_;
  std::map<std::string, SessionRow> pending_sessions_;  // by session id: the newest row
  std::uint64_t group_commits_ = 0;
  // Parts of segments older than the newest few are dropped (files too) as segments land.
  void drop_parts(const std::string& live_id, const SegmentRecord& landed);
  void notify(const std::string& live_id) {
    if (on_update) on_update(live_id);
  }

  std::map<std::string, std::deque<SegmentRecord>, std::less<>> cache_;
  std::map<std::string, std::deque<hls::PartRecord>, std::less<>> parts_;
  std::map<std::string, std::uint64_t, std::less<>> versions_;
  std::uint64_t segments_written_ = 0;
  std::uint64_t parts_written_ = 0;
};

}  // namespace bvlive
