// The segment index of every live, in memory over the SQLite `segments` table: what the
// playlists list. A segment is written to disk, then recorded here (committed to SQLite),
// and only then listed, so a playlist never names a file that a restart would forget.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

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
  void forget(const std::string& live_id) { cache_.erase(live_id); }

  std::string path_of(const std::string& live_id, const std::string& file) const {
    return media_root_ + "/" + live_id + "/" + file;
  }
  const std::string& media_root() const { return media_root_; }

  std::uint64_t segments_written() const { return segments_written_; }

 private:
  Store& store_;
  std::string media_root_;
  std::map<std::string, std::deque<SegmentRecord>, std::less<>> cache_;
  std::uint64_t segments_written_ = 0;
};

}  // namespace bvlive
