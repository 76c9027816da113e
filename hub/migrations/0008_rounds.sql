-- An unsatisfied evaluation of an assigned opinion opens a new round of
-- handling under supervision (督办): the earlier reply is kept.
ALTER TABLE hub_opinions ADD COLUMN supervised INTEGER NOT NULL DEFAULT 0;
