-- When a token was last used (users.go, UserByToken): written at most once a
-- minute per token. A session unused for longer than the idle timeout ends.
ALTER TABLE tokens ADD COLUMN last_used_at TEXT;
