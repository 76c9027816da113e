-- The committee hub's own tables (package hub owns them): what points pushed,
-- and what the committee published or changed for them. The accounts tables
-- (package db) come first; a hub database has none of a point's tables.

-- Topics the committee published.
CREATE TABLE hub_topics (
  id          TEXT PRIMARY KEY,
  kind        TEXT NOT NULL,
  fiscal_year INTEGER NOT NULL,
  title       TEXT NOT NULL,
  title_en    TEXT NOT NULL DEFAULT '',
  summary     TEXT NOT NULL DEFAULT '',
  opens_at    TEXT,
  closes_at   TEXT,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);

-- Questionnaires the committee published, each version kept (models.NextVersion).
CREATE TABLE hub_questionnaires (
  id             TEXT PRIMARY KEY,
  topic_id       TEXT NOT NULL REFERENCES hub_topics(id),
  latest_version INTEGER NOT NULL,
  created_at     TEXT NOT NULL
);
CREATE INDEX hub_questionnaires_topic ON hub_questionnaires(topic_id);

CREATE TABLE hub_questionnaire_versions (
  questionnaire_id TEXT NOT NULL REFERENCES hub_questionnaires(id),
  version          INTEGER NOT NULL,
  definition       TEXT NOT NULL,
  hash             TEXT NOT NULL,
  created_at       TEXT NOT NULL,
  PRIMARY KEY (questionnaire_id, version)
) WITHOUT ROWID;

-- Every batch received, remembered (90 days) so a replay is recognised.
-- Keyed by point too: a batch id another point happened to use (a cloned data
-- directory, say) must not be taken as this point's replay, or the point
-- would drop what it never delivered.
CREATE TABLE hub_batches (
  batch_id    TEXT NOT NULL,
  point_id    TEXT NOT NULL,
  received_at TEXT NOT NULL,
  summaries   INTEGER NOT NULL,
  activities  INTEGER NOT NULL,
  opinions    INTEGER NOT NULL,
  PRIMARY KEY (point_id, batch_id)
) WITHOUT ROWID;
CREATE INDEX hub_batches_point ON hub_batches(point_id, received_at);
CREATE INDEX hub_batches_received ON hub_batches(received_at);

-- The newest summary of each topic at each point (highest seq wins).
CREATE TABLE hub_summaries (
  point_id    TEXT NOT NULL,
  topic_id    TEXT NOT NULL,
  seq         INTEGER NOT NULL,
  body        TEXT NOT NULL,
  received_at TEXT NOT NULL,
  PRIMARY KEY (point_id, topic_id)
) WITHOUT ROWID;
CREATE INDEX hub_summaries_topic ON hub_summaries(topic_id);

CREATE TABLE hub_activities (
  hrow        INTEGER PRIMARY KEY,
  id          TEXT NOT NULL UNIQUE,
  point_id    TEXT NOT NULL,
  topic_id    TEXT NOT NULL,
  kind        TEXT NOT NULL,
  body        TEXT NOT NULL,
  received_at TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);
CREATE INDEX hub_activities_topic ON hub_activities(topic_id);
CREATE INDEX hub_activities_point ON hub_activities(point_id);

-- Opinions from all points. status, answer and evaluation belong to the
-- committee once it has moved the opinion on; content comes from the point.
CREATE TABLE hub_opinions (
  hrow         INTEGER PRIMARY KEY,
  id           TEXT NOT NULL UNIQUE,
  point_id     TEXT NOT NULL,
  topic_id     TEXT NOT NULL,
  source       TEXT NOT NULL,
  activity_id  TEXT NOT NULL DEFAULT '',
  response_id  TEXT NOT NULL DEFAULT '',
  question_key TEXT NOT NULL DEFAULT '',
  content      TEXT NOT NULL,
  proposer     TEXT NOT NULL,
  status       TEXT NOT NULL,
  answer       TEXT NOT NULL DEFAULT '',
  evaluation   TEXT NOT NULL DEFAULT '',
  recorded_at  TEXT NOT NULL,
  received_at  TEXT NOT NULL,
  updated_at   TEXT NOT NULL
);
CREATE INDEX hub_opinions_topic ON hub_opinions(topic_id, hrow);
CREATE INDEX hub_opinions_point ON hub_opinions(point_id, hrow);
CREATE INDEX hub_opinions_status ON hub_opinions(status, hrow);

-- The change feed points pull: one row per publication or opinion change,
-- for one point or (point_id NULL) for every point. seq is the cursor.
CREATE TABLE hub_changes (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  point_id   TEXT,
  kind       TEXT NOT NULL,          -- topic | questionnaire | opinion
  ref_id     TEXT NOT NULL,
  version    INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL
);
CREATE INDEX hub_changes_point ON hub_changes(point_id, seq);
