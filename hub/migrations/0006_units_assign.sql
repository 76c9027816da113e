-- The closed loop at the hub (contract.md): units (承办单位) the committee
-- assigns opinions to, with a lead unit, assisting units and a due date.
CREATE TABLE hub_units (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE,
  kind       TEXT NOT NULL,      -- department | enterprise | other
  created_at TEXT NOT NULL
);
ALTER TABLE hub_opinions ADD COLUMN lead TEXT NOT NULL DEFAULT '';
ALTER TABLE hub_opinions ADD COLUMN assist TEXT NOT NULL DEFAULT '[]';
ALTER TABLE hub_opinions ADD COLUMN due TEXT NOT NULL DEFAULT '';
ALTER TABLE hub_opinions ADD COLUMN round INTEGER NOT NULL DEFAULT 1;
ALTER TABLE hub_opinions ADD COLUMN assigned_at TEXT NOT NULL DEFAULT '';
-- Every step of an opinion at the hub (who, when, what), for its history.
CREATE TABLE hub_opinion_steps (
  id         INTEGER PRIMARY KEY,
  opinion_id TEXT NOT NULL,
  at         TEXT NOT NULL,
  actor      TEXT NOT NULL,
  action     TEXT NOT NULL,
  detail     TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX hub_opinion_steps_opinion ON hub_opinion_steps(opinion_id, id);
