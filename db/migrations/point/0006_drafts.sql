-- Questionnaire drafts (drafts.go): the builder saves here, as often as
-- staff like; nobody but staff sees a draft, and it takes no responses.
-- Publishing makes it the questionnaire's next version and removes it.
CREATE TABLE questionnaire_drafts (
  questionnaire_id TEXT PRIMARY KEY,
  topic_id         TEXT NOT NULL REFERENCES topics(id),
  definition       TEXT NOT NULL,
  saved_at         TEXT NOT NULL,
  saved_by         TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
