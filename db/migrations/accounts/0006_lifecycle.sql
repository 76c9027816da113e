-- The life of a login (accounts.go): a password that must be changed at the
-- next sign-in (a generated one, or one an admin reset), disabled logins
-- (refused everywhere at once), and deleted ones, whose row stays so that
-- what they did stays attributed to their name, and the name is not reused.
ALTER TABLE users ADD COLUMN must_change INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN password_changed_at TEXT;
ALTER TABLE users ADD COLUMN disabled_at TEXT;
ALTER TABLE users ADD COLUMN deleted_at TEXT;
