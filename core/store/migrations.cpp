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
};

}  // namespace

std::span<const std::string_view> store_migrations() { return kMigrations; }

}  // namespace bvlive
