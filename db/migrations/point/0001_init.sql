-- A contact point's own tables (package db owns them); the accounts tables come first.
CREATE TABLE topics (
  id          TEXT PRIMARY KEY,
  kind        TEXT NOT NULL,
  fiscal_year INTEGER NOT NULL,
  title       TEXT NOT NULL,
  title_en    TEXT NOT NULL DEFAULT '',
  summary     TEXT NOT NULL DEFAULT '',
  opens_at    TEXT,
  closes_at   TEXT,
  origin      TEXT NOT NULL DEFAULT 'local',
  seq         INTEGER NOT NULL DEFAULT 0,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);

CREATE TABLE questionnaires (
  id             TEXT PRIMARY KEY,
  topic_id       TEXT NOT NULL REFERENCES topics(id),
  latest_version INTEGER NOT NULL,
  origin         TEXT NOT NULL DEFAULT 'local',
  public_token   TEXT UNIQUE,
  created_at     TEXT NOT NULL
);
CREATE INDEX questionnaires_topic ON questionnaires(topic_id);

CREATE TABLE questionnaire_versions (
  questionnaire_id TEXT NOT NULL REFERENCES questionnaires(id),
  version          INTEGER NOT NULL,
  definition       TEXT NOT NULL,
  hash             TEXT NOT NULL,
  created_at       TEXT NOT NULL,
  PRIMARY KEY (questionnaire_id, version)
) WITHOUT ROWID;

CREATE TABLE deputies (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  level      TEXT NOT NULL,
  unit       TEXT NOT NULL DEFAULT '',
  phone      TEXT NOT NULL DEFAULT '',
  id_number  TEXT NOT NULL DEFAULT '',
  liaison    INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL
);

CREATE TABLE responses (
  rowid            INTEGER PRIMARY KEY,
  id               TEXT NOT NULL UNIQUE,
  questionnaire_id TEXT NOT NULL REFERENCES questionnaires(id),
  version          INTEGER NOT NULL,
  topic_id         TEXT NOT NULL,
  respondent_kind  TEXT NOT NULL,
  deputy_id        TEXT,
  respondent_desc  TEXT NOT NULL DEFAULT '',
  channel          TEXT NOT NULL,
  answers          TEXT NOT NULL,
  content_hash     TEXT NOT NULL,
  serial           TEXT NOT NULL DEFAULT '',
  entered_by       TEXT NOT NULL DEFAULT '',
  submitted_by     INTEGER,
  created_at       TEXT NOT NULL
);
CREATE INDEX responses_q ON responses(questionnaire_id, rowid);
CREATE INDEX responses_topic ON responses(topic_id);
CREATE INDEX responses_user ON responses(submitted_by, rowid);

CREATE TABLE activities (
  rowid        INTEGER PRIMARY KEY,
  id           TEXT NOT NULL UNIQUE,
  kind         TEXT NOT NULL,
  topic_id     TEXT NOT NULL REFERENCES topics(id),
  title        TEXT NOT NULL,
  held_on      TEXT NOT NULL,
  location     TEXT NOT NULL DEFAULT '',
  host         TEXT NOT NULL DEFAULT '',
  p_deputies   INTEGER NOT NULL DEFAULT 0,
  p_public     INTEGER NOT NULL DEFAULT 0,
  p_other      INTEGER NOT NULL DEFAULT 0,
  deputy_ids   TEXT NOT NULL DEFAULT '[]',
  minutes      TEXT NOT NULL DEFAULT '',
  content_hash TEXT NOT NULL,
  created_by   INTEGER,
  created_at   TEXT NOT NULL
);
CREATE INDEX activities_topic ON activities(topic_id);

CREATE TABLE opinions (
  rowid         INTEGER PRIMARY KEY,
  id            TEXT NOT NULL UNIQUE,
  topic_id      TEXT NOT NULL REFERENCES topics(id),
  source        TEXT NOT NULL,
  activity_id   TEXT,
  response_id   TEXT,
  question_key  TEXT NOT NULL DEFAULT '',
  content       TEXT NOT NULL,
  proposer_kind TEXT NOT NULL,
  deputy_id     TEXT,
  proposer_name TEXT NOT NULL DEFAULT '',
  proposer_level TEXT NOT NULL DEFAULT '',
  proposer_desc TEXT NOT NULL DEFAULT '',
  status        TEXT NOT NULL DEFAULT 'recorded',
  answer        TEXT NOT NULL DEFAULT '',
  evaluation    TEXT NOT NULL DEFAULT '',
  content_hash  TEXT NOT NULL,
  created_by    INTEGER,
  recorded_at   TEXT NOT NULL,
  updated_at    TEXT NOT NULL
);
CREATE INDEX opinions_topic ON opinions(topic_id, rowid);
CREATE INDEX opinions_deputy ON opinions(deputy_id);
CREATE INDEX opinions_activity ON opinions(activity_id);

-- Exact summary counters, changed in the same transaction as their source rows.
CREATE TABLE counters (
  topic_id         TEXT NOT NULL,
  questionnaire_id TEXT NOT NULL,
  question_key     TEXT NOT NULL,
  bucket           TEXT NOT NULL,
  n                INTEGER NOT NULL,
  PRIMARY KEY (topic_id, questionnaire_id, question_key, bucket)
) WITHOUT ROWID;

-- What the committee should see, queued in the same transaction as the change.
-- One row per thing: a newer change of the same thing coalesces into it.
CREATE TABLE outbox (
  kind       TEXT NOT NULL,     -- summary | activity | opinion
  ref_id     TEXT NOT NULL,
  version    INTEGER NOT NULL DEFAULT 1,
  queued_at  TEXT NOT NULL,
  PRIMARY KEY (kind, ref_id)
) WITHOUT ROWID;
