-- 并案: an opinion merged into another follows it (status, units, due date,
-- round, reply and evaluation are copied from it with every step); each
-- proposer is still answered.
ALTER TABLE hub_opinions ADD COLUMN merged_into TEXT NOT NULL DEFAULT '';
CREATE INDEX hub_opinions_merged ON hub_opinions(merged_into) WHERE merged_into <> '';
-- The grade of the latest reply, and the date a B or C reply is followed up.
ALTER TABLE hub_opinions ADD COLUMN grade TEXT NOT NULL DEFAULT '';
ALTER TABLE hub_opinions ADD COLUMN follow_up TEXT NOT NULL DEFAULT '';
-- The assisting units' views (协办意见), for the lead unit before it replies.
CREATE TABLE hub_opinion_views (
  id         INTEGER PRIMARY KEY,
  opinion_id TEXT NOT NULL,
  round      INTEGER NOT NULL,
  unit_id    TEXT NOT NULL,
  content    TEXT NOT NULL,
  at         TEXT NOT NULL
);
CREATE INDEX hub_opinion_views_opinion ON hub_opinion_views(opinion_id, id);
