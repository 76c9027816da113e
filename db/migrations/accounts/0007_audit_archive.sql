-- Archiving the audit log (db/audit_archive.go): entries older than the 180
-- days they must be kept may be moved to a file. Each archive is one row
-- here, written in the transaction that removes its entries, after the file
-- is durable: entries from_seq..to_seq, the last one's hash (the chain of
-- what remains starts from it), the file and when. Rows are never changed
-- or removed, and each one must continue the one before it.
CREATE TABLE audit_archive (
  to_seq      INTEGER PRIMARY KEY,
  from_seq    INTEGER NOT NULL,
  last_hash   TEXT NOT NULL,
  file        TEXT NOT NULL,
  archived_at TEXT NOT NULL,
  entries     INTEGER NOT NULL
);

-- An archive point continues the last one and names an entry still there,
-- with that entry's hash.
CREATE TRIGGER audit_archive_insert BEFORE INSERT ON audit_archive
WHEN NEW.from_seq <> coalesce((SELECT max(to_seq) FROM audit_archive), 0) + 1
  OR NEW.to_seq < NEW.from_seq
  OR NEW.entries <> NEW.to_seq - NEW.from_seq + 1
  OR NEW.last_hash IS NOT (SELECT hash FROM audit_log WHERE seq = NEW.to_seq)
BEGIN SELECT RAISE(ABORT, 'an audit archive point must continue the last one at an entry of the log'); END;
CREATE TRIGGER audit_archive_no_update BEFORE UPDATE ON audit_archive
BEGIN SELECT RAISE(ABORT, 'audit archive points are append-only'); END;
CREATE TRIGGER audit_archive_no_delete BEFORE DELETE ON audit_archive
BEGIN SELECT RAISE(ABORT, 'audit archive points are append-only'); END;

-- An entry may be removed only once it is archived: at or before the latest
-- archive point. Updates stay refused (0002_audit.sql).
DROP TRIGGER audit_log_no_delete;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN OLD.seq > coalesce((SELECT max(to_seq) FROM audit_archive), 0)
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

-- No entry is written under an archived number (after the insert, where
-- NEW.seq is the number given).
CREATE TRIGGER audit_log_after_archive AFTER INSERT ON audit_log
WHEN NEW.seq <= coalesce((SELECT max(to_seq) FROM audit_archive), 0)
BEGIN SELECT RAISE(ABORT, 'that audit entry number is archived'); END;
