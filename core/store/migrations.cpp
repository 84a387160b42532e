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
};

}  // namespace

std::span<const std::string_view> store_migrations() { return kMigrations; }

}  // namespace bvlive
