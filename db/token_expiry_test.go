package db

import (
	"io/fs"
	"testing"
	"testing/fstest"
	"time"
)

// TestMigrateTokenExpiry: API tokens made before tokens carried an expiry
// get 365 days from their making; sessions and tokens with an expiry keep theirs.
func TestMigrateTokenExpiry(t *testing.T) {
	w := openWriter(t)
	old := fstest.MapFS{}
	for _, n := range []string{"0001_accounts.sql", "0002_audit.sql", "0003_lockout.sql", "0004_sessions.sql"} {
		b, err := fs.ReadFile(migrations, "migrations/accounts/"+n)
		if err != nil {
			t.Fatal(err)
		}
		old["set/"+n] = &fstest.MapFile{Data: b}
	}
	if err := migrate(w, false, testSchema(t, "accounts", old)); err != nil {
		t.Fatal(err)
	}
	made := time.Date(2026, 3, 1, 2, 3, 4, 567891000, time.UTC)
	if _, err := w.Exec(`INSERT INTO users(id, name, role, password_hash, created_at) VALUES(1,'staff','staff','x',?)`, ts(made)); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Exec(`INSERT INTO tokens(id, user_id, hash, kind, created_at, expires_at) VALUES
		(1, 1, x'01', 'api', ?1, NULL), (2, 1, x'02', 'api', ?1, ?2), (3, 1, x'03', 'session', ?1, ?3)`,
		ts(made), ts(made.Add(time.Hour)), ts(made.Add(SessionTTL))); err != nil {
		t.Fatal(err)
	}
	if err := migrate(w, false, accountsSchema); err != nil {
		t.Fatal(err)
	}
	want := map[int]time.Time{1: made.AddDate(1, 0, 0), 2: made.Add(time.Hour), 3: made.Add(SessionTTL)}
	for id, at := range want {
		var got string
		if err := w.QueryRow(`SELECT expires_at FROM tokens WHERE id=?`, id).Scan(&got); err != nil {
			t.Fatalf("token %d: %v", id, err)
		}
		if got != ts(at) {
			t.Errorf("token %d expires at %s, want %s", id, got, ts(at))
		}
	}
}
