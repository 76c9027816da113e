-- Paper entry (纸质问卷录入) and one-time evaluation codes (测评码).

-- A batch is one stack of paper forms of one questionnaire version.
CREATE TABLE paper_batches (
  id               TEXT PRIMARY KEY,
  name             TEXT NOT NULL,
  questionnaire_id TEXT NOT NULL REFERENCES questionnaires(id),
  version          INTEGER NOT NULL,
  expected         INTEGER NOT NULL,
  double_entry     INTEGER NOT NULL DEFAULT 0,
  respondent_kind  TEXT NOT NULL DEFAULT 'public',
  created_by       TEXT NOT NULL DEFAULT '',
  created_at       TEXT NOT NULL
);

-- One row per paper form (问卷编号) of a batch and its state:
-- entered (single entry, counted at once), pending (one pass of two),
-- mismatch (both passes, not equal), counted (stored as a response).
CREATE TABLE paper_forms (
  batch_id     TEXT NOT NULL REFERENCES paper_batches(id),
  serial       TEXT NOT NULL,
  status       TEXT NOT NULL,
  response_id  TEXT,
  source       TEXT NOT NULL DEFAULT 'keyboard',  -- keyboard | import
  updated_at   TEXT NOT NULL,
  PRIMARY KEY (batch_id, serial)
) WITHOUT ROWID;

-- What was typed, per pass (1 or 2); single entry uses pass 1 only.
-- Entries are not responses: they are never counted.
CREATE TABLE paper_entries (
  batch_id   TEXT NOT NULL,
  serial     TEXT NOT NULL,
  pass       INTEGER NOT NULL,
  answers    TEXT NOT NULL,      -- canonical JSON of the checked answers
  entered_by TEXT NOT NULL,
  entered_at TEXT NOT NULL,
  PRIMARY KEY (batch_id, serial, pass),
  FOREIGN KEY (batch_id, serial) REFERENCES paper_forms(batch_id, serial)
) WITHOUT ROWID;

-- Who changed what and when: one row per entry, re-entry, resolution or count.
CREATE TABLE paper_audit (
  id           INTEGER PRIMARY KEY,
  batch_id     TEXT NOT NULL,
  serial       TEXT NOT NULL,
  action       TEXT NOT NULL,     -- enter | reenter | mismatch | verify | resolve | import
  pass         INTEGER NOT NULL DEFAULT 0,
  question_key TEXT NOT NULL DEFAULT '',
  old_value    TEXT NOT NULL DEFAULT '',
  new_value    TEXT NOT NULL DEFAULT '',
  user_name    TEXT NOT NULL,
  at           TEXT NOT NULL
);
CREATE INDEX paper_audit_form ON paper_audit(batch_id, serial, id);

-- A set of one-time evaluation codes issued together for a questionnaire.
CREATE TABLE eval_code_sets (
  id               TEXT PRIMARY KEY,
  questionnaire_id TEXT NOT NULL REFERENCES questionnaires(id),
  name             TEXT NOT NULL,
  respondent_kind  TEXT NOT NULL DEFAULT 'deputy',
  issued           INTEGER NOT NULL,
  created_by       TEXT NOT NULL DEFAULT '',
  created_at       TEXT NOT NULL
);

-- Only a hash of each code is kept, in hash order (no insertion order), with
-- no time of use and nothing that points to the response it answered.
CREATE TABLE eval_codes (
  hash   BLOB PRIMARY KEY,
  set_id TEXT NOT NULL REFERENCES eval_code_sets(id),
  used   INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX eval_codes_set ON eval_codes(set_id, used);
