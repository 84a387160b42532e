// The segment index of every live, in memory over the SQLite `segments` table: what the
// playlists list. A segment is written to disk, then recorded here (committed to SQLite),
// and only then listed, so a playlist never names a file that a restart would forget.
// LL-HLS parts (ull_enabled lives) are listed here too, in memory only: they matter for a
// few seconds, and the segments they make up are what a restart keeps.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "media/hls/partial_segment.hpp"
#include "media/segment_record.hpp"
#include "store/store.hpp"

namespace bvlive {

class MediaIndex {
 public:
  MediaIndex(Store& store, std::string media_root);

  // In seq order. Loaded from the store the first time a live is asked for.
  const std::deque<SegmentRecord>& segments(const std::string& live_id);
  std::int64_t next_seq(const std::string& live_id);

  // Persists `r` (with the session's updated row, in one transaction) and lists it.
  void append(const SegmentRecord& r, const SessionRow& session);

  // Keeps the newest `keep` segments of a live: older rows go first, then their files.
  void trim(const std::string& live_id, std::size_t keep);
  // Forgets a deleted live (its rows went with it; its folder is removed by the service).
  void forget(const std::string& live_id) {
    cache_.erase(live_id);
    parts_.erase(live_id);
  }

  // A live's parts in the order they landed: those of its newest segments and of the one
  // being written. A part's file is written before it is appended.
  const std::deque<hls::PartRecord>& parts(const std::string& live_id);
  void append_part(const hls::PartRecord& p);

  // After every append or append_part: whoever waits for a live's next segment or part (a
  // blocking playlist reload, a preload hint) looks again.
  std::function<void(const std::string& live_id)> on_update;

  std::string path_of(const std::string& live_id, const std::string& file) const {
    return media_root_ + "/" + live_id + "/" + file;
  }
  const std::string& media_root() const { return media_root_; }

  std::uint64_t segments_written() const { return segments_written_; }
  std::uint64_t parts_written() const { return parts_written_; }

 private:
  Store& store_;
  std::string media_root_;
  // Parts of segments older than the newest few are dropped (files too) as segments land.
  void drop_parts(const std::string& live_id, const SegmentRecord& landed);
  void notify(const std::string& live_id) {
    if (on_update) on_update(live_id);
  }

  std::map<std::string, std::deque<SegmentRecord>, std::less<>> cache_;
  std::map<std::string, std::deque<hls::PartRecord>, std::less<>> parts_;
  std::uint64_t segments_written_ = 0;
  std::uint64_t parts_written_ = 0;
};

}  // namespace bvlive
