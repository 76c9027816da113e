-- A draft saved again keeps what it replaced: who saved it, when, and its
-- content, so that nothing staff typed silently disappears.
CREATE TABLE questionnaire_draft_revisions (
  id               INTEGER PRIMARY KEY,
  questionnaire_id TEXT NOT NULL,
  definition       TEXT NOT NULL,
  saved_at         TEXT NOT NULL,
  saved_by         TEXT NOT NULL DEFAULT '',
  replaced_at      TEXT NOT NULL
);
CREATE INDEX questionnaire_draft_revisions_q ON questionnaire_draft_revisions(questionnaire_id, id);
