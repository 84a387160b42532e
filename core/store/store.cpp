#include "store/store.hpp"

#include "store/migrations.hpp"

namespace bvlive {
namespace {

constexpr const char* kLiveColumns =
    "id, custom_id, name, state, spec, stream_key, created_at, updated_at, state_changed_at, "
    "live_started_at, live_ended_at, from_config, preview_token, playout_ends_at, signal_lost_at, signal_reason";

void bind_live(sql::Statement& st, const LiveRecord& l) {
  st.bind(1, l.id)
      .bind(2, l.spec.custom_id)
      .bind(3, l.spec.name)
      .bind(4, to_string(l.state))
      .bind(5, to_json(l.spec).dump())
      .bind(6, l.stream_key)
      .bind(7, l.created_at)
      .bind(8, l.updated_at)
      .bind(9, l.state_changed_at)
      .bind(10, l.live_started_at)
      .bind(11, l.live_ended_at)
      .bind(12, std::int64_t{l.from_config ? 1 : 0})
      .bind(13, l.preview_token)
      .bind(14, l.playout_ends_at)
      .bind(15, l.signal_lost_at)
      .bind(16, l.signal_reason);
}

}  // namespace

Store::Store(const std::string& path, bool sync_full) : db_(path) {
  try {
    db_.exec("PRAGMA journal_mode=WAL");
    db_.exec(sync_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    db_.exec("PRAGMA foreign_keys=ON");
    // Take the write lock once now: a daemon that could read but not write would start and
    // then fail every change it is asked for.
    db_.exec("BEGIN IMMEDIATE; COMMIT");
    migrate();
  } catch (const sql::Error& e) {
    if (e.code() == SQLITE_BUSY || e.code() == SQLITE_LOCKED)
      throw sql::Busy("the store " + path + " is locked by another process (" + e.what() +
                          " for 5 s): a sqlite3 shell or backup holding a write transaction? End it and start "
                          "bvlived again",
                      e.code());
    throw sql::Error("cannot use the store " + path + ": " + e.what() +
                         "; restore it from a backup, or move it aside to start with no lives",
                     e.code());
  }
}

int Store::schema_version() {
  auto st = db_.prepare("PRAGMA user_version");
  st.step();
  return static_cast<int>(st.integer(0));
}

void Store::migrate() {
  const auto migrations = store_migrations();
  const int current = schema_version();
  if (current > static_cast<int>(migrations.size()))
    throw sql::Error(db_.path() + " has schema version " + std::to_string(current) +
                     ", newer than this bvlived understands (" + std::to_string(migrations.size()) +
                     "); run a newer bvlived");
  for (int v = current; v < static_cast<int>(migrations.size()); ++v) {
    sql::Transaction tx(db_);
    db_.exec(migrations[static_cast<std::size_t>(v)]);
    db_.exec("PRAGMA user_version=" + std::to_string(v + 1));
    tx.commit();
  }
}

void Store::insert_live(const LiveRecord& l) {
  auto st = db_.prepare(std::string("INSERT INTO lives (") + kLiveColumns + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  bind_live(st, l);
  st.run();
}

void Store::update_live(const LiveRecord& l) {
  auto st = db_.prepare(
      "UPDATE lives SET custom_id=?2, name=?3, state=?4, spec=?5, stream_key=?6, created_at=?7, updated_at=?8, "
      "state_changed_at=?9, live_started_at=?10, live_ended_at=?11, from_config=?12, preview_token=?13, "
      "playout_ends_at=?14, signal_lost_at=?15, signal_reason=?16 WHERE id=?1");
  bind_live(st, l);
  st.run();
  if (db_.changes() != 1) throw sql::Error("update of live " + l.id + " matched no row");
}

void Store::delete_live(const std::string& id) {
  db_.prepare("DELETE FROM lives WHERE id=?").bind(1, id).run();
}

std::vector<LiveRecord> Store::load_lives() {
  std::vector<LiveRecord> out;
  auto st = db_.prepare(std::string("SELECT ") + kLiveColumns + " FROM lives ORDER BY created_at, id");
  while (st.step()) {
    LiveRecord l;
    l.id = st.text(0);
    const auto state = parse_live_state(st.text(3));
    if (!state) throw sql::Error("live " + l.id + " has an unknown state '" + st.text(3) + "' in the store");
    l.state = *state;
    try {
      l.spec = live_spec_from_json(nlohmann::json::parse(st.text(4)));
    } catch (const std::exception& e) {
      throw sql::Error("live " + l.id + " has unreadable settings in the store: " + e.what());
    }
    l.stream_key = st.text(5);
    l.created_at = st.integer(6);
    l.updated_at = st.integer(7);
    l.state_changed_at = st.integer(8);
    l.live_started_at = st.opt_integer(9);
    l.live_ended_at = st.opt_integer(10);
    l.from_config = st.integer(11) != 0;
    l.preview_token = st.text(12);
    l.playout_ends_at = st.opt_integer(13);
    l.signal_lost_at = st.opt_integer(14);
    l.signal_reason = st.text(15);
    out.push_back(std::move(l));
  }
  return out;
}

void Store::append_event(const EventRow& e) {
  db_.prepare("INSERT INTO events (live_id, at, from_state, to_state, trigger, cause, detail, uid, api_key) "
              "VALUES (?,?,?,?,?,?,?,?,?)")
      .bind(1, e.live_id)
      .bind(2, e.at)
      .bind(3, e.from_state)
      .bind(4, e.to_state)
      .bind(5, e.trigger)
      .bind(6, e.cause)
      .bind(7, e.detail)
      .bind(8, e.uid)
      .bind(9, e.api_key)
      .run();
}

std::vector<EventRow> Store::events(const std::string& live_id, std::int64_t limit) {
  // The newest `limit` events, returned oldest first.
  auto st = db_.prepare(
      "SELECT seq, live_id, at, from_state, to_state, trigger, cause, detail, uid, api_key FROM "
      "(SELECT * FROM events WHERE live_id=? ORDER BY seq DESC LIMIT ?) ORDER BY seq");
  st.bind(1, live_id).bind(2, limit > 0 ? limit : std::int64_t{-1});
  std::vector<EventRow> out;
  while (st.step())
    out.push_back({st.integer(0), st.text(1), st.integer(2), st.opt_text(3), st.opt_text(4), st.text(5), st.text(6),
                   st.text(7), st.opt_integer(8), st.opt_text(9)});
  return out;
}

void Store::insert_session(const SessionRow& s) {
  db_.prepare(
         "INSERT INTO sessions (id, live_id, state, protocol, remote, media, bytes_in, segments, started_at, ended_at, "
         "end_reason, warning) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")
      .bind(1, s.id)
      .bind(2, s.live_id)
      .bind(3, s.state)
      .bind(4, s.protocol)
      .bind(5, s.remote)
      .bind(6, s.media_json)
      .bind(7, s.bytes_in)
      .bind(8, s.segments)
      .bind(9, s.started_at)
      .bind(10, s.ended_at)
      .bind(11, s.end_reason)
      .bind(12, s.warning)
      .run();
}

void Store::update_session(const SessionRow& s) {
  db_.prepare(
         "UPDATE sessions SET state=?2, media=?3, bytes_in=?4, segments=?5, ended_at=?6, end_reason=?7, warning=?8 "
         "WHERE id=?1")
      .bind(1, s.id)
      .bind(2, s.state)
      .bind(3, s.media_json)
      .bind(4, s.bytes_in)
      .bind(5, s.segments)
      .bind(6, s.ended_at)
      .bind(7, s.end_reason)
      .bind(8, s.warning)
      .run();
}

namespace {
std::vector<SessionRow> read_sessions(sql::Statement& st) {
  std::vector<SessionRow> out;
  while (st.step())
    out.push_back({st.text(0), st.text(1), st.text(2), st.text(3), st.text(4), st.text(5), st.integer(6),
                   st.integer(7), st.integer(8), st.opt_integer(9), st.opt_text(10), st.opt_text(11)});
  return out;
}
constexpr const char* kSessionColumns =
    "id, live_id, state, protocol, remote, media, bytes_in, segments, started_at, ended_at, end_reason, warning";
}  // namespace

std::vector<SessionRow> Store::sessions(const std::string& live_id) {
  auto st = db_.prepare(std::string("SELECT ") + kSessionColumns +
                        " FROM sessions WHERE live_id=? ORDER BY started_at DESC, id DESC");
  st.bind(1, live_id);
  return read_sessions(st);
}

void Store::insert_segment(const SegmentRecord& r) {
  db_.prepare(
         "INSERT INTO segments (live_id, seq, session_id, duration, pdt, file, init_file, bytes, rendition) "
         "VALUES (?,?,?,?,?,?,?,?,?)")
      .bind(1, r.live_id)
      .bind(2, r.seq)
      .bind(3, r.session_id)
      .bind(4, r.duration)
      .bind(5, r.program_date_time)
      .bind(6, r.file)
      .bind(7, r.init_file)
      .bind(8, r.bytes)
      .bind(9, r.rendition)
      .run();
}

std::vector<SegmentRecord> Store::segments(const std::string& live_id) {
  auto st = db_.prepare(
      "SELECT live_id, session_id, seq, duration, pdt, file, init_file, bytes, rendition FROM segments "
      "WHERE live_id=? ORDER BY seq, rendition");
  st.bind(1, live_id);
  std::vector<SegmentRecord> out;
  while (st.step()) {
    SegmentRecord r;
    r.live_id = st.text(0);
    r.session_id = st.text(1);
    r.seq = st.integer(2);
    r.duration = st.real(3);
    r.program_date_time = st.integer(4);
    r.file = st.text(5);
    r.init_file = st.text(6);
    r.bytes = st.integer(7);
    r.rendition = st.text(8);
    out.push_back(std::move(r));
  }
  return out;
}

void Store::delete_segments_before(const std::string& live_id, std::int64_t seq) {
  db_.prepare("DELETE FROM segments WHERE live_id=? AND seq<?").bind(1, live_id).bind(2, seq).run();
}

void Store::insert_library_item(const library::LibraryItem& i) {
  db_.prepare("INSERT INTO library (id, name, kind, file, original, stored, probe, created_at) VALUES (?,?,?,?,?,?,?,?)")
      .bind(1, i.id)
      .bind(2, i.name)
      .bind(3, library::kind_name(i.probe.kind))
      .bind(4, i.file)
      .bind(5, i.original)
      .bind(6, i.stored)
      .bind(7, i.probe_json)
      .bind(8, i.created_at)
      .run();
}

void Store::delete_library_item(const std::string& id) {
  db_.prepare("DELETE FROM library WHERE id=?").bind(1, id).run();
}

std::vector<library::LibraryItem> Store::load_library() {
  auto st = db_.prepare("SELECT id, name, file, original, stored, probe, created_at FROM library ORDER BY created_at, id");
  std::vector<library::LibraryItem> out;
  while (st.step()) {
    library::LibraryItem i;
    i.id = st.text(0);
    i.name = st.text(1);
    i.file = st.text(2);
    i.original = st.text(3);
    i.stored = st.text(4);
    i.probe_json = st.text(5);
    i.created_at = st.integer(6);
    auto probe = library::parse_ffprobe_json(i.probe_json);
    if (auto* error = std::get_if<library::ProbeError>(&probe))
      throw sql::Error("library item " + i.id + " has an unreadable probe in the store: " + error->message);
    i.probe = std::get<library::MediaProbe>(probe);
    out.push_back(std::move(i));
  }
  return out;
}

void Store::save_vod_asset(const VodAsset& a) {
  db_.prepare(
         "INSERT OR REPLACE INTO vod_assets (id, live_id, source, source_ref, state, error, attempts, info, "
         "started_at, finished_at) VALUES (?,?,?,?,?,?,?,?,?,?)")
      .bind(1, a.id)
      .bind(2, a.live_id)
      .bind(3, long_name(a.source))
      .bind(4, a.source_ref)
      .bind(5, to_string(a.state))
      .bind(6, a.error)
      .bind(7, a.attempts)
      .bind(8, to_json(a.info).dump())
      .bind(9, a.started_at)
      .bind(10, a.finished_at)
      .run();
}

std::vector<VodAsset> Store::load_vod_assets() {
  auto st = db_.prepare(
      "SELECT id, live_id, source, source_ref, state, error, attempts, info, started_at, finished_at FROM vod_assets");
  std::vector<VodAsset> out;
  while (st.step()) {
    VodAsset a;
    a.id = st.text(0);
    a.live_id = st.text(1);
    const auto source = parse_enum<LiveVodSource>(st.text(2));
    const auto state = parse_vod_state(st.text(4));
    if (!source || !state) throw sql::Error("VOD " + a.id + " has an unknown source or state in the store");
    a.source = *source;
    a.source_ref = st.text(3);
    a.state = *state;
    a.error = st.opt_text(5);
    a.attempts = st.integer(6);
    a.info = vod_info_from_json(nlohmann::json::parse(st.text(7), nullptr, false));
    a.started_at = st.integer(8);
    a.finished_at = st.opt_integer(9);
    out.push_back(std::move(a));
  }
  return out;
}

std::vector<SessionRow> Store::end_orphaned_sessions(TimeMs now, const std::string& reason) {
  auto st = db_.prepare(std::string("SELECT ") + kSessionColumns +
                        " FROM sessions WHERE state IN ('INIT','PROCESSING','LIVE','ERROR')");
  auto orphans = read_sessions(st);
  for (auto& s : orphans) {
    s.state = "ENDED";
    s.ended_at = now;
    s.end_reason = reason;
    update_session(s);
  }
  return orphans;
}

}  // namespace bvlive
