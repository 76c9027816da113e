-- Corrections and voids (corrections.go). A response keeps its id, its
-- first content's hash (a retry of what was first sent is still recognised)
-- and its current answers; each correction or void keeps what was there
-- before as a revision, with who, when and why. A voided response stops
-- counting and is kept. An opinion raised in a response is voided with it,
-- or when a correction takes its text away.
ALTER TABLE responses ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
ALTER TABLE responses ADD COLUMN updated_at TEXT;
ALTER TABLE responses ADD COLUMN voided_at TEXT;
ALTER TABLE responses ADD COLUMN void_reason TEXT NOT NULL DEFAULT '';

CREATE TABLE response_revisions (
  response_id TEXT NOT NULL REFERENCES responses(id),
  revision    INTEGER NOT NULL,      -- the revision this row was, before the change
  action      TEXT NOT NULL,         -- correct | void
  answers     TEXT NOT NULL,         -- the answers before the change
  reason      TEXT NOT NULL,
  changed_by  TEXT NOT NULL,
  changed_at  TEXT NOT NULL,
  PRIMARY KEY (response_id, revision)
) WITHOUT ROWID;

ALTER TABLE opinions ADD COLUMN voided_at TEXT;
