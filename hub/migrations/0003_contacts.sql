-- Every signed request of a point (a batch or a pull) is contact: a quiet
-- point that pulls but has nothing to push is not taken for a dead one.
CREATE TABLE hub_contacts (
  point_id        TEXT PRIMARY KEY,
  last_contact_at TEXT NOT NULL,
  last_pull_at    TEXT
) WITHOUT ROWID;
