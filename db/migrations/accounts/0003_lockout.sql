-- Failed sign-ins (lockout.go): per name, whether or not a login has it, so
-- that an unknown name is answered as a known one; and per client address,
-- across names. In the database, so that they hold across restarts and
-- across processes on the same data.
CREATE TABLE login_failures (
  name         TEXT PRIMARY KEY,
  failures     INTEGER NOT NULL,   -- in a row, since the last success or lock
  last_at      TEXT NOT NULL,      -- the latest failure
  locked_until TEXT                -- set when failures reached the limit
) WITHOUT ROWID;

CREATE TABLE login_addr_failures (
  addr TEXT NOT NULL,
  at   TEXT NOT NULL
);
CREATE INDEX login_addr_failures_addr_at ON login_addr_failures(addr, at);
CREATE INDEX login_addr_failures_at ON login_addr_failures(at);
