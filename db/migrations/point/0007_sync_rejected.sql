-- What the hub did not store of a batch, and why (its 200's rejected): kept
-- aside for the point's staff, not sent again until it changes; an item the
-- hub later takes leaves this table.
CREATE TABLE sync_rejected (
  kind        TEXT NOT NULL,      -- summary | activity | opinion | topic
  ref_id      TEXT NOT NULL,
  code        TEXT NOT NULL,      -- conflict | validation_failed
  message     TEXT NOT NULL,
  batch_id    TEXT NOT NULL,
  rejected_at TEXT NOT NULL,
  PRIMARY KEY (kind, ref_id)
) WITHOUT ROWID;
