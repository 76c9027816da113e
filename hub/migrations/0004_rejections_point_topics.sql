-- What the hub did not store of a batch, and why (syncproto.Rejection, as
-- JSON): answered again to a duplicate of the batch.
ALTER TABLE hub_batches ADD COLUMN rejected TEXT NOT NULL DEFAULT '[]';

-- Topics points created themselves, as they sent them: the committee sees
-- their titles instead of their ids.
CREATE TABLE hub_point_topics (
  point_id    TEXT NOT NULL,
  id          TEXT NOT NULL,
  kind        TEXT NOT NULL,
  fiscal_year INTEGER NOT NULL,
  title       TEXT NOT NULL,
  title_en    TEXT NOT NULL DEFAULT '',
  opens_at    TEXT,
  closes_at   TEXT,
  received_at TEXT NOT NULL,
  PRIMARY KEY (point_id, id)
) WITHOUT ROWID;

-- A point database's instance (made anew when it is restored from a
-- backup): the summary of a point and topic is the newest instance's, even
-- with a lower seq; a summary of an instance superseded since is stale.
ALTER TABLE hub_summaries ADD COLUMN instance TEXT NOT NULL DEFAULT '';
CREATE TABLE hub_instances (
  point_id      TEXT NOT NULL,
  instance      TEXT NOT NULL,
  first_seen_at TEXT NOT NULL,
  PRIMARY KEY (point_id, instance)
) WITHOUT ROWID;
-- Each time a new instance's summary replaced another's: the committee is
-- shown that the point was restored, and by how much its counts moved.
CREATE TABLE hub_restores (
  id             INTEGER PRIMARY KEY,
  point_id       TEXT NOT NULL,
  topic_id       TEXT NOT NULL,
  old_instance   TEXT NOT NULL,
  new_instance   TEXT NOT NULL,
  old_seq        INTEGER NOT NULL,
  new_seq        INTEGER NOT NULL,
  old_responses  INTEGER NOT NULL,
  new_responses  INTEGER NOT NULL,
  old_opinions   INTEGER NOT NULL,
  new_opinions   INTEGER NOT NULL,
  at             TEXT NOT NULL
);
CREATE INDEX hub_restores_point ON hub_restores(point_id, at);
