-- The round of handling the committee is in with an opinion: a later round
-- (the proposer was not satisfied) may bring the status back to forwarded.
ALTER TABLE opinions ADD COLUMN round INTEGER NOT NULL DEFAULT 0;
