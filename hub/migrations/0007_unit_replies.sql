-- Replies of the lead unit (答复, with its grade A–D), each round kept; and
-- when an assignment was signed for (签收).
CREATE TABLE hub_opinion_replies (
  id         INTEGER PRIMARY KEY,
  opinion_id TEXT NOT NULL,
  round      INTEGER NOT NULL,
  unit_id    TEXT NOT NULL,
  grade      TEXT NOT NULL,      -- A | B | C | D
  content    TEXT NOT NULL,
  at         TEXT NOT NULL
);
CREATE INDEX hub_opinion_replies_opinion ON hub_opinion_replies(opinion_id, id);
