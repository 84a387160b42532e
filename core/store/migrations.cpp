#include "store/migrations.hpp"

namespace bvlive {
namespace {

constexpr std::string_view kMigrations[] = {
    // 1: lives, sessions, transition history
    R"sql(
CREATE TABLE lives (
  id               TEXT PRIMARY KEY,
  custom_id        TEXT UNIQUE,
  name             TEXT NOT NULL,
  state            TEXT NOT NULL,
  spec             TEXT NOT NULL,          -- the create body, JSON, long enum names
  stream_key       TEXT NOT NULL,
  created_at       INTEGER NOT NULL,       -- ms since the epoch, UTC
  updated_at       INTEGER NOT NULL,
  state_changed_at INTEGER NOT NULL,
  live_started_at  INTEGER,
  live_ended_at    INTEGER,
  from_config      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX lives_by_state ON lives(state);

CREATE TABLE sessions (
  id          TEXT PRIMARY KEY,
  live_id     TEXT NOT NULL REFERENCES lives(id) ON DELETE CASCADE,
  state       TEXT NOT NULL,
  protocol    TEXT NOT NULL,
  remote      TEXT NOT NULL DEFAULT '',
  media       TEXT NOT NULL DEFAULT '{}',
  bytes_in    INTEGER NOT NULL DEFAULT 0,
  segments    INTEGER NOT NULL DEFAULT 0,
  started_at  INTEGER NOT NULL,
  ended_at    INTEGER,
  end_reason  TEXT
);
CREATE INDEX sessions_by_live ON sessions(live_id, started_at);

CREATE TABLE events (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  live_id    TEXT NOT NULL REFERENCES lives(id) ON DELETE CASCADE,
  at         INTEGER NOT NULL,
  from_state TEXT,
  to_state   TEXT,
  trigger    TEXT NOT NULL,
  cause      TEXT NOT NULL,
  detail     TEXT NOT NULL DEFAULT '',
  uid        INTEGER
);
CREATE INDEX events_by_live ON events(live_id, seq);
)sql",
    // 2: the segment index of the media plane; the host preview token of each live
    R"sql(
ALTER TABLE lives ADD COLUMN preview_token TEXT NOT NULL DEFAULT '';

CREATE TABLE segments (
  live_id      TEXT NOT NULL REFERENCES lives(id) ON DELETE CASCADE,
  seq          INTEGER NOT NULL,         -- per live, across sessions (EXT-X-MEDIA-SEQUENCE)
  session_id   TEXT NOT NULL,
  duration     REAL NOT NULL,            -- seconds
  pdt          INTEGER NOT NULL,         -- wall clock of the first frame, ms since the epoch
  file         TEXT NOT NULL,            -- relative to the live's media folder
  init_file    TEXT NOT NULL,
  bytes        INTEGER NOT NULL,
  PRIMARY KEY (live_id, seq)
) WITHOUT ROWID;
)sql",
    // 3: the media library, live-to-VOD assets, and when a simulive's playout ends
    R"sql(
ALTER TABLE lives ADD COLUMN playout_ends_at INTEGER;

CREATE TABLE library (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  kind        TEXT NOT NULL,             -- video, image, audio
  file        TEXT NOT NULL,             -- relative to the media folder: library/ID.ext
  original    TEXT NOT NULL,             -- the path it was imported from
  stored      TEXT NOT NULL,             -- hardlink or copy
  probe       TEXT NOT NULL,             -- ffprobe's JSON, read again on load
  created_at  INTEGER NOT NULL
);

CREATE TABLE vod_assets (
  id          TEXT PRIMARY KEY,
  live_id     TEXT NOT NULL UNIQUE REFERENCES lives(id) ON DELETE CASCADE,
  source      TEXT NOT NULL,             -- LIVE_VOD_SOURCE_*
  source_ref  TEXT NOT NULL DEFAULT '',  -- library id (replace), VOD id (playback)
  state       TEXT NOT NULL,             -- ENCODING, READY, FAILED
  error       TEXT,
  attempts    INTEGER NOT NULL DEFAULT 0,
  info        TEXT NOT NULL DEFAULT '{}', -- what the job produced: duration, segments, mp4, codecs, ...
  started_at  INTEGER NOT NULL,
  finished_at INTEGER
);
)sql",
    // 4: a running session's warning (a packager slower than real time)
    R"sql(
ALTER TABLE sessions ADD COLUMN warning TEXT;
)sql",
    // 5: a LIVE live whose ingest stopped (signal interruption), and why
    R"sql(
ALTER TABLE lives ADD COLUMN signal_lost_at INTEGER;
ALTER TABLE lives ADD COLUMN signal_reason TEXT NOT NULL DEFAULT '';
)sql",
    // 6: renditions. A transcoded ladder writes one segment per rendition for each seq, so
    // the key gains the rendition ('' for a single-rendition session). SQLite cannot change
    // a primary key in place: the table is rebuilt.
    R"sql(
CREATE TABLE segments_v6 (
  live_id      TEXT NOT NULL REFERENCES lives(id) ON DELETE CASCADE,
  seq          INTEGER NOT NULL,
  rendition    TEXT NOT NULL DEFAULT '',  -- '' (single rendition) or the ladder rung: '720p'
  session_id   TEXT NOT NULL,
  duration     REAL NOT NULL,
  pdt          INTEGER NOT NULL,
  file         TEXT NOT NULL,
  init_file    TEXT NOT NULL,
  bytes        INTEGER NOT NULL,
  PRIMARY KEY (live_id, seq, rendition)
) WITHOUT ROWID;
INSERT INTO segments_v6 (live_id, seq, rendition, session_id, duration, pdt, file, init_file, bytes)
  SELECT live_id, seq, '', session_id, duration, pdt, file, init_file, bytes FROM segments;
DROP TABLE segments;
ALTER TABLE segments_v6 RENAME TO segments;
)sql",
    // 7: the chatrooms and polls of player pages. A deleted message keeps its row (ids stay
    // increasing cursors) but loses its text. A vote's device is the page's bvlive_device
    // cookie; one row per poll and device is what makes it one vote per device.
    R"sql(
CREATE TABLE chat_messages (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  live_id     TEXT NOT NULL REFERENCES lives(id) ON DELETE CASCADE,
  phase       TEXT NOT NULL,             -- live, vod
  name        TEXT NOT NULL,
  text        TEXT NOT NULL,
  host        INTEGER NOT NULL DEFAULT 0,
  device      TEXT NOT NULL DEFAULT '',  -- who posted: the device cookie, '' for the host
  address     TEXT NOT NULL DEFAULT '',
  at          INTEGER NOT NULL,
  deleted_at  INTEGER
);
CREATE INDEX chat_by_live ON chat_messages(live_id, id);

CREATE TABLE polls (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  live_id     TEXT NOT NULL REFERENCES lives(id) ON DELETE CASCADE,
  question    TEXT NOT NULL,
  options     TEXT NOT NULL,             -- JSON array of strings
  open        INTEGER NOT NULL DEFAULT 1,
  created_at  INTEGER NOT NULL,
  closed_at   INTEGER
);
CREATE INDEX polls_by_live ON polls(live_id, id);

CREATE TABLE poll_votes (
  poll_id     INTEGER NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
  device      TEXT NOT NULL,
  option      INTEGER NOT NULL,
  at          INTEGER NOT NULL,
  PRIMARY KEY (poll_id, device)
) WITHOUT ROWID;
)sql",
    // 8: API keys of the HTTP API (only a SHA-256 of each key), and which key made a change
    R"sql(
CREATE TABLE api_keys (
  name         TEXT PRIMARY KEY,
  scope        TEXT NOT NULL,             -- read, write, admin
  hash         TEXT NOT NULL UNIQUE,      -- hex SHA-256 of the key; the key itself is never stored
  prefix       TEXT NOT NULL,             -- its first characters, to recognise it
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at   INTEGER
);
ALTER TABLE events ADD COLUMN api_key TEXT;
)sql",
};

}  // namespace

std::span<const std::string_view> store_migrations() { return kMigrations; }

}  // namespace bvlive
