#include "media/media_index.hpp"

#include <unistd.h>

#include <iterator>
#include <tuple>

#include "log/log.hpp"

namespace bvlive {
namespace {

// Parts are listed for the last three segments (hls::LowLatencyOptions::parts_segments);
// a player may still be fetching those of the one before.
constexpr std::int64_t kPartSegmentsKept = 4;

}  // namespace

MediaIndex::MediaIndex(Store& store, std::string media_root) : store_(store), media_root_(std::move(media_root)) {}

const std::deque<SegmentRecord>& MediaIndex::segments(const std::string& live_id) {
  auto it = cache_.find(live_id);
  if (it == cache_.end()) {
    auto rows = store_.segments(live_id);
    it = cache_.emplace(live_id, std::deque<SegmentRecord>(std::make_move_iterator(rows.begin()),
                                                           std::make_move_iterator(rows.end())))
             .first;
  }
  return it->second;
}

std::int64_t MediaIndex::next_seq(const std::string& live_id) {
  const auto& list = segments(live_id);
  return list.empty() ? 0 : list.back().seq + 1;  // kept in (seq, rendition) order
}

void MediaIndex::append(const SegmentRecord& r, const SessionRow& session) {
  segments(r.live_id);  // load before the row exists, so it is not listed twice
  {
    sql::Transaction tx(store_.db());
    store_.insert_segment(r);
    store_.update_session(session);
    tx.commit();
  }
  // A lower rendition's segment may land after the top rendition's next one: keep the
  // list in (seq, rendition) order, which is almost always an append.
  auto& list = cache_[r.live_id];
  auto at = list.end();
  while (at != list.begin() && std::tie(std::prev(at)->seq, std::prev(at)->rendition) > std::tie(r.seq, r.rendition))
    --at;
  list.insert(at, r);
  ++segments_written_;
  drop_parts(r.live_id, r);
  notify(r.live_id);
}

const std::deque<hls::PartRecord>& MediaIndex::parts(const std::string& live_id) {
  return parts_[live_id];
}

void MediaIndex::append_part(const hls::PartRecord& p) {
  parts_[p.live_id].push_back(p);
  ++parts_written_;
  notify(p.live_id);
}

void MediaIndex::drop_parts(const std::string& live_id, const SegmentRecord& landed) {
  auto found = parts_.find(live_id);
  if (found == parts_.end()) return;
  auto& parts = found->second;
  // Too old, or numbered for this seq by another push (one that was ending as this one
  // began): those parts are not pieces of the segment that now holds the seq.
  auto stale = [&](const hls::PartRecord& p) {
    return p.seq <= landed.seq - kPartSegmentsKept ||
           (p.seq == landed.seq && p.rendition == landed.rendition && p.session_id != landed.session_id);
  };
  std::erase_if(parts, [&](const hls::PartRecord& p) {
    if (!stale(p)) return false;
    const std::string path = path_of(live_id, p.file);
    if (::unlink(path.c_str()) != 0) log::debug("media", "cannot remove " + path);
    return true;
  });
}

void MediaIndex::trim(const std::string& live_id, std::size_t keep) {
  auto& list = cache_[live_id];
  if (list.empty() || keep == 0) return;
  // `keep` seqs, each with all its renditions.
  const std::int64_t first_kept = list.back().seq - static_cast<std::int64_t>(keep) + 1;
  if (list.front().seq >= first_kept) return;
  store_.delete_segments_before(live_id, first_kept);
  while (!list.empty() && list.front().seq < first_kept) {
    const std::string path = path_of(live_id, list.front().file);
    if (::unlink(path.c_str()) != 0) log::debug("media", "cannot remove " + path);
    list.pop_front();
  }
}

}  // namespace bvlive
