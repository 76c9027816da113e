-- Contact point side of the sync with the committee hub (issue 3).

-- Durable sync state: the pull cursor, the last successful push and pull,
-- the last error. Key/value so that later fields need no migration.
CREATE TABLE sync_state (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

-- The batch sent to the hub and not yet acknowledged (at most one). Its body
-- is kept as sent, so that a retry of the same content goes out under the
-- same batch_id and the hub recognises it; items are the outbox entries it
-- covers, with the version each had when the batch was built.
CREATE TABLE sync_batch (
  batch_id   TEXT PRIMARY KEY,
  body       BLOB NOT NULL,
  created_at TEXT NOT NULL,
  attempts   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE sync_batch_items (
  batch_id TEXT NOT NULL REFERENCES sync_batch(batch_id) ON DELETE CASCADE,
  kind     TEXT NOT NULL,
  ref_id   TEXT NOT NULL,
  version  INTEGER NOT NULL,
  PRIMARY KEY (batch_id, kind, ref_id)
) WITHOUT ROWID;

CREATE INDEX outbox_queued ON outbox(queued_at);
