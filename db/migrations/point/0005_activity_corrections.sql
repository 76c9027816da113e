-- Corrections of activities (corrections.go): a forum's attendance typed
-- as 60/120/20 instead of 6/12/2 is put right, with what was there before
-- kept as a revision (who, when, why). The first content's hash stays, so
-- that a retry of what was first sent is still recognised.
ALTER TABLE activities ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;

CREATE TABLE activity_revisions (
  activity_id TEXT NOT NULL REFERENCES activities(id),
  revision    INTEGER NOT NULL,   -- the revision this row was, before the change
  body        TEXT NOT NULL,      -- the activity's fields before the change (JSON)
  reason      TEXT NOT NULL,
  changed_by  TEXT NOT NULL,
  changed_at  TEXT NOT NULL,
  PRIMARY KEY (activity_id, revision)
) WITHOUT ROWID;
