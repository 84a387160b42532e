// What a session's segment writer needs of the segment index: numbers for its segments,
// a place for their files, and the listing of segments and LL-HLS parts. MediaIndex is the
// real one; the writer's tests use one of their own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/media/hls/partial_segment.hpp"
#include "core/media/segment_record.hpp"
#include "store/store.hpp"

namespace bvlive {

class SegmentIndex {
 public:
  virtual ~SegmentIndex() = default;
  // The seq the live's next segment takes.
  virtual std::int64_t next_seq(const std::string& live_id) = 0;
  // Records the segment (its file is written) with its session's row, then lists it.
  // `since_ns`: when its media came out of the packager (uv_hrtime), for the publish latency.
  virtual void append(const SegmentRecord& r, const SessionRow& session, std::optional<std::uint64_t> since_ns) = 0;
  // Lists an LL-HLS part (its file is written).
  virtual void append_part(const hls::PartRecord& p) = 0;
  // Keeps the newest `keep` segments of a live.
  virtual void trim(const std::string& live_id, std::size_t keep) = 0;
  // The absolute path of a file named relative to the live's media folder.
  virtual std::string path_of(const std::string& live_id, const std::string& file) const = 0;
};

}  // namespace bvlive
