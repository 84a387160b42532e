#include "daemon/media/media_index.hpp"

#include <unistd.h>

#include <iterator>
#include <stdexcept>
#include <tuple>
#include <utility>

#include "log/log.hpp"

namespace bvlive {
namespace {

// Parts are listed for the last three segments (hls::LowLatencyOptions::parts_segments);
// a player may still be fetching those of the one before.
constexpr std::int64_t kPartSegmentsKept = 4;

}  // namespace

MediaIndex::MediaIndex(Store& store, std::string media_root, uv_loop_t* loop)
    : store_(store), media_root_(std::move(media_root)) {
  if (!loop) return;
  if (uv_check_init(loop, check_.get()) != 0) throw std::runtime_error("uv_check_init failed");
  check_.mark_initialized();
  check_->data = this;
}

MediaIndex::~MediaIndex() {
  try {
    commit_pending();
  } catch (const std::exception& e) {
    log::error("media", std::string("segments not recorded at shutdown: ") + e.what());
  }
}

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
  std::int64_t next = list.empty() ? 0 : list.back().seq + 1;  // kept in (seq, rendition) order
  for (const auto& p : pending_segments_)
    if (p.record.live_id == live_id && p.record.seq >= next) next = p.record.seq + 1;
  return next;
}

void MediaIndex::append(const SegmentRecord& r, const SessionRow& session, std::optional<std::uint64_t> since_ns) {
  segments(r.live_id);  // load before the row exists, so it is not listed twice
  pending_segments_.push_back({r, since_ns});
  pending_sessions_[session.id] = session;
  if (!check_.initialized()) return commit_pending();
  schedule();
}

void MediaIndex::schedule() {
  if (!uv_is_active(check_.handle()))
    uv_check_start(check_.get(), [](uv_check_t* h) {
      auto* self = static_cast<MediaIndex*>(h->data);
      if (!self) return;
      try {
        self->commit_pending();
      } catch (const std::exception& e) {
        // The rows stay queued for the next turn; the sessions' files are on disk.
        log::error("media", std::string("cannot record segments: ") + e.what());
      }
    });
}

void MediaIndex::queue_session(const SessionRow& session) {
  if (!check_.initialized()) return store_.update_session(session);
  pending_sessions_[session.id] = session;
  schedule();
}

void MediaIndex::commit_pending() {
  if (check_.initialized()) uv_check_stop(check_.get());
  if (pending_segments_.empty() && pending_sessions_.empty()) return;
  {
    sql::Transaction tx(store_.db());
    for (const auto& p : pending_segments_) store_.insert_segment(p.record);
    for (const auto& [id, row] : pending_sessions_) store_.update_session(row);
    tx.commit();
  }
  ++group_commits_;
  pending_sessions_.clear();
  auto landed = std::exchange(pending_segments_, {});
  for (const auto& p : landed) {
    list(p.record);
    if (p.since_ns && on_published) on_published(static_cast<double>(uv_hrtime() - *p.since_ns) / 1e9);
  }
}

void MediaIndex::list(const SegmentRecord& r) {
  // A lower rendition's segment may land after the top rendition's next one: keep the
  // list in (seq, rendition) order, which is almost always an append.
  auto& list = cache_[r.live_id];
  auto at = list.end();
  while (at != list.begin() && std::tie(std::prev(at)->seq, std::prev(at)->rendition) > std::tie(r.seq, r.rendition))
    --at;
  list.insert(at, r);
  ++versions_[r.live_id];
  ++segments_written_;
  drop_parts(r.live_id, r);
  notify(r.live_id);
}

const std::deque<hls::PartRecord>& MediaIndex::parts(const std::string& live_id) {
  return parts_[live_id];
}

void MediaIndex::append_part(const hls::PartRecord& p) {
  parts_[p.live_id].push_back(p);
  ++versions_[p.live_id];
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
  ++versions_[live_id];
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
  ++versions_[live_id];
  while (!list.empty() && list.front().seq < first_kept) {
    const std::string path = path_of(live_id, list.front().file);
    if (::unlink(path.c_str()) != 0) log::debug("media", "cannot remove " + path);
    list.pop_front();
  }
}

}  // namespace bvlive
