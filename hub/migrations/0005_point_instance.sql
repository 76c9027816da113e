-- The instance each point's database is now (the newest seen): a summary of
-- it replaces any of an older instance whatever its seq; one of an instance
-- seen before but superseded is stale. Kept per point, not per topic, so
-- that a restore moves every topic of the point.
CREATE TABLE hub_point_instance (
  point_id TEXT PRIMARY KEY,
  instance TEXT NOT NULL,
  since    TEXT NOT NULL
) WITHOUT ROWID;
