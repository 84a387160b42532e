// The daemon's durable state: lives, sessions and the transition history, in one
// SQLite file (WAL mode) under the state directory. The daemon commits every
// change here before it answers the client that asked for it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/library/library_item.hpp"
#include "live/live_record.hpp"
#include "core/media/segment_record.hpp"
#include "store/sqlite.hpp"
#include "core/vod/vod_asset.hpp"

namespace bvlive {

// One line of `bvlive events`: a transition (or creation/update) of a live.
struct EventRow {
  std::int64_t seq = 0;
  std::string live_id;
  TimeMs at = 0;
  std::optional<std::string> from_state;  // null for creation
  std::optional<std::string> to_state;
  std::string trigger;  // preview, start, ..., prepare-due, create, update, rotate-key
  std::string cause;    // op, schedule, missed-schedule, ingest, timeout, error, config
  std::string detail;
  std::optional<std::int64_t> uid;  // peer uid of the client that asked
  std::optional<std::string> api_key = std::nullopt;  // name of the HTTP API key that asked
};

struct SessionRow {
  std::string id;
  std::string live_id;
  std::string state;
  std::string protocol;
  std::string remote;
  std::string media_json = "{}";
  std::int64_t bytes_in = 0;
  std::int64_t segments = 0;
  TimeMs started_at = 0;
  std::optional<TimeMs> ended_at;
  std::optional<std::string> end_reason;
  std::optional<std::string> warning;  // set while something is wrong with a running session
};

class Store {
 public:
  static constexpr int kSchemaVersion = 8;

  // Opens or creates `path`, switches to WAL and applies pending migrations.
  Store(const std::string& path, bool sync_full);

  int schema_version();
  sql::Database& db() { return db_; }

  void insert_live(const LiveRecord& live);
  void update_live(const LiveRecord& live);
  void delete_live(const std::string& id);  // with its sessions and events
  std::vector<LiveRecord> load_lives();

  void append_event(const EventRow& e);
  std::vector<EventRow> events(const std::string& live_id, std::int64_t limit);

  void insert_session(const SessionRow& s);
  void update_session(const SessionRow& s);
  std::vector<SessionRow> sessions(const std::string& live_id);
  // The segment index (in seq order) and its retention.
  void insert_segment(const SegmentRecord& r);
  std::vector<SegmentRecord> segments(const std::string& live_id);
  void delete_segments_before(const std::string& live_id, std::int64_t seq);

  // The media library. load_library re-reads each item's ffprobe JSON.
  void insert_library_item(const library::LibraryItem& item);
  void delete_library_item(const std::string& id);
  std::vector<library::LibraryItem> load_library();

  // Live-to-VOD assets, one per live at most.
  void save_vod_asset(const VodAsset& asset);  // insert or replace
  std::vector<VodAsset> load_vod_assets();

  // Sessions left running by a daemon that stopped: marked ENDED with `reason`. Returns them.
  std::vector<SessionRow> end_orphaned_sessions(TimeMs now, const std::string& reason);

 private:
  void migrate();
  sql::Database db_;
};

}  // namespace bvlive
