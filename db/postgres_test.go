package db_test

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"budgetpoint/db"
	"budgetpoint/internal/testutil"
	"budgetpoint/models"
)

func TestRebind(t *testing.T) {
	for in, want := range map[string]string{
		`SELECT a FROM t WHERE x=? AND y=?`:                         `SELECT a FROM t WHERE x=$1 AND y=$2`,
		`SELECT '?' , "a?b", ? -- what?` + "\n" + `, ?`:             `SELECT '?' , "a?b", $1 -- what?` + "\n" + `, $2`,
		`INSERT INTO t VALUES('it''s ?', ?)`:                        `INSERT INTO t VALUES('it''s ?', $1)`,
		`SELECT 1`:                                                  `SELECT 1`,
		`UPDATE t SET (a, b) = (SELECT a, b FROM r WHERE r.id = ?)`: `UPDATE t SET (a, b) = (SELECT a, b FROM r WHERE r.id = $1)`,
		`SELECT /* a ? */ ?`:                                        `SELECT /* a ? */ $1`,
		`DO $$ BEGIN PERFORM '?'; END $$; SELECT ?`:                 `DO $$ BEGIN PERFORM '?'; END $$; SELECT $1`,
		`SELECT $body$ ? $body$, ?`:                                 `SELECT $body$ ? $body$, $1`,
		`SELECT E'it\'s ?', ?`:                                      `SELECT E'it\'s ?', $1`,
		`SELECT ?2, ?1, ?`:                                          `SELECT $2, $1, $3`,
		`SELECT x FROM t WHERE a = $1`:                              `SELECT x FROM t WHERE a = $1`,
	} {
		if got := db.Rebind(in); got != want {
			t.Errorf("Rebind(%q) = %q, want %q", in, got, want)
		}
	}
}

// noSchema is a schema of no tables of its own, on both engines.
var noSchema = db.Schema{Name: "pgtest", Files: fstest.MapFS{}, Postgres: fstest.MapFS{}}

// TestAccountsOnPostgres: the accounts tables on PostgreSQL (the hub's
// database there) work as on SQLite: logins, sign-in, sessions and
// tokens, the audit log's chain, and several processes (here: two pools)
// opening and migrating the same new database at once, then writing audit
// entries at once, each entry stored once in one unbroken chain.
func TestAccountsOnPostgres(t *testing.T) {
	addr := testutil.Postgres(t)
	ctx := context.Background()
	var dbs [2]*db.DB
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dbs[i], errs[i] = db.OpenPostgres(ctx, addr, noSchema)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		t.Cleanup(func() { dbs[i].Close() })
	}
	a, b := dbs[0], dbs[1]
	admin := models.WithActor(ctx, models.Actor{User: "admin", Role: "admin"})
	u, err := a.CreateLogin(admin, db.NewLogin{Name: "czj1", Role: "unit", Password: "Lead-Unit-Pass-2026!", UnitID: "czj"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.CreateLogin(admin, db.NewLogin{Name: "CZJ1", Role: "committee", Password: "Lead-Unit-Pass-2026!"}); models.ErrorCode(err) != models.EConflict {
		t.Fatalf("the same name in other letters: %v, want conflict", err)
	}
	got, err := b.Authenticate(ctx, "czj1", "Lead-Unit-Pass-2026!")
	if err != nil || got.ID != u.ID || got.UnitID != "czj" || got.MustChangePassword {
		t.Fatalf("authenticate: %+v %v", got, err)
	}
	if _, err := b.Authenticate(ctx, "czj1", "wrong-password-2026"); err == nil {
		t.Fatal("a wrong password signed in")
	}
	// Failed sign-ins count across processes: three in a row at either
	// pool lock the name at both; the right password is then refused too.
	l := db.Lockout{After: 3, For: time.Hour, AddrFailures: 100, AddrWindow: time.Hour}
	for i, d := range []*db.DB{a, b, a} {
		if _, err := d.SignIn(ctx, "czj1", "wrong-password-2026", "10.0.0.9", l); models.ErrorCode(err) != models.EUnauth && models.ErrorCode(err) != models.ELocked {
			t.Fatalf("failed sign-in %d: %v, want unauthenticated or locked", i+1, err)
		}
	}
	if _, err := b.SignIn(ctx, "czj1", "Lead-Unit-Pass-2026!", "10.0.0.9", l); models.ErrorCode(err) != models.ELocked {
		t.Fatalf("the right password after three failures at two processes: %v, want locked", err)
	}
	if locked, err := a.LockedNames(ctx); err != nil || locked["czj1"].IsZero() {
		t.Fatalf("locked names: %v %v", locked, err)
	}
	tok, _, _, err := a.CreateToken(models.WithActor(ctx, models.Actor{User: "czj1", Role: "unit"}), u.ID, db.TokenSession)
	if err != nil {
		t.Fatal(err)
	}
	s, err := b.UserByToken(ctx, tok)
	if err != nil || s.User.ID != u.ID {
		t.Fatalf("the session, read by the other process: %+v %v", s, err)
	}
	if v, err := a.Setting(ctx, "no-such-setting", "default"); err != nil || v != "default" {
		t.Fatalf("setting: %q %v", v, err)
	}
	if id, err := a.Instance(ctx); err != nil || id == "" {
		t.Fatalf("instance: %q %v", id, err)
	}

	// Two processes auditing at once: serialisable transactions retried,
	// one chain.
	const n = 40
	for _, d := range []*db.DB{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n {
				if err := d.Audit(admin, "test.concurrent", "test", string(rune('a'+i%26)), "ok", nil); err != nil {
					t.Errorf("audit: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	page, err := a.AuditLog(ctx, models.AuditFilter{Action: "test.concurrent", Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 2*n {
		t.Fatalf("%d audit entries, want %d", len(page.Items), 2*n)
	}
	if _, brk, err := a.VerifyAuditChain(ctx); err != nil || brk != nil {
		t.Fatalf("the chain after concurrent writes: break %+v, err %v", brk, err)
	}
	// The log stays append-only on PostgreSQL too.
	raw, err := sql.Open("pgx", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE audit_log SET action='forged' WHERE seq=1`); err == nil {
		t.Fatal("an audit entry was changed")
	}
	if _, err := raw.Exec(`DELETE FROM audit_log WHERE seq=1`); err == nil {
		t.Fatal("an audit entry was deleted")
	}
}

// TestPostgresRefusesAsyncCommit: a database that acknowledges commits
// before they are durable (synchronous_commit off) is refused at open.
func TestPostgresRefusesAsyncCommit(t *testing.T) {
	addr := testutil.Postgres(t)
	raw, err := db.PostgresPool(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	name := testutil.PostgresName(addr)
	if _, err := raw.Exec(`ALTER DATABASE ` + name + ` SET synchronous_commit = off`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	if d, err := db.OpenPostgres(context.Background(), addr, noSchema); err == nil {
		d.Close()
		t.Fatal("a database with synchronous_commit off was taken")
	} else if !strings.Contains(err.Error(), "synchronous_commit") {
		t.Fatalf("refused, but saying %v", err)
	}
}
