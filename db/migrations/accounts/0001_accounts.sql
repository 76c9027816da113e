-- Accounts: every database has them, a contact point's and the hub's (package db owns them).
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE,
  role          TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  deputy_id     TEXT,
  created_at    TEXT NOT NULL
);

CREATE TABLE tokens (
  id         INTEGER PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  hash       BLOB NOT NULL UNIQUE,
  kind       TEXT NOT NULL,            -- api | session
  csrf       TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  expires_at TEXT,
  revoked_at TEXT
);

