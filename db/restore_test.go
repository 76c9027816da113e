package db_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"budgetpoint/db"
	"budgetpoint/internal/testutil"
	"budgetpoint/models"
)

func instanceOf(t *testing.T, d *db.DB) string {
	t.Helper()
	id, err := d.Instance(context.Background())
	if err != nil || len(id) < 20 {
		t.Fatalf("instance id %q: %v", id, err)
	}
	return id
}

// A database gets an instance id when it is made, keeps it when opened
// again, and a restore gives the copy a new one, audited in the copy (the
// chain whole), keeping the database it replaced aside.
func TestInstanceAndRestore(t *testing.T) {
	ctx := models.WithActor(context.Background(), models.Actor{User: "cli", Role: "system"})
	src := t.TempDir()
	d, err := db.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	id := instanceOf(t, d)
	// Two topics, their summaries already delivered (the outbox empty), and
	// a batch pending when the backup is taken.
	for _, tp := range []string{"t1", "t2"} {
		if err := d.CreateTopic(ctx, &models.Topic{ID: tp, Kind: "budget_draft", FiscalYear: 2027, Title: tp}); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.SavePendingBatch(ctx, "b-old", []byte(`{}`), nil); err != nil {
		t.Fatal(err)
	}
	d.Close()
	if d, err = db.Open(src); err != nil {
		t.Fatal(err)
	}
	if again := instanceOf(t, d); again != id {
		t.Fatalf("the instance id changed on reopening: %s, then %s", id, again)
	}
	d.Close()
	backup := filepath.Join(t.TempDir(), "b.db")
	if _, err := db.BackupWhole(src, backup); err != nil {
		t.Fatal(err)
	}

	dst := filepath.Join(t.TempDir(), "new") // not even the directory exists
	for round := range 2 {                   // into a new directory, then over the database restored
		res, err := db.Restore(ctx, backup, dst)
		if err != nil {
			t.Fatal(err)
		}
		if res.Previous != id || res.Instance == id || strings.Join(res.Schemas, ",") != "accounts,point" {
			t.Fatalf("restore %d: %+v (original instance %s)", round, res, id)
		}
		if (res.Aside != "") != (round == 1) {
			t.Fatalf("restore %d: aside %q", round, res.Aside)
		}
		if res.Aside != "" {
			if _, err := os.Stat(res.Aside); err != nil {
				t.Fatalf("the replaced database is not kept: %v", err)
			}
		}
		r, err := db.Open(dst)
		if err != nil {
			t.Fatal(err)
		}
		if got := instanceOf(t, r); got != res.Instance {
			t.Fatalf("restored instance %s, Restore said %s", got, res.Instance)
		}
		// The pending batch names the old instance: dropped; every topic's
		// summary is queued to go up again under the new one.
		if pid, _, _, _, err := r.PendingBatch(ctx); err != nil || pid != "" {
			t.Fatalf("restore %d: the backup's pending batch %q is still there (%v)", round, pid, err)
		}
		var queued int
		if err := testutil.RawOf(t, r).QueryRow(`SELECT count(*) FROM outbox WHERE kind='summary' AND ref_id IN ('t1','t2')`).Scan(&queued); err != nil || queued != 2 {
			t.Fatalf("restore %d: %d topics' summaries queued again, want 2 (%v)", round, queued, err)
		}
		page, err := r.AuditLog(ctx, models.AuditFilter{Action: "backup.restore"})
		r.Close()
		if err != nil || len(page.Items) != 1 || page.Items[0].Actor.User != "cli" || page.Items[0].Detail["instance"] != res.Instance {
			t.Fatalf("restore %d: audit %v %+v", round, err, page.Items)
		}
		if _, brk, err := db.VerifyAudit(ctx, dst); err != nil || brk != nil {
			t.Fatalf("restore %d: audit chain: %v %+v", round, err, brk)
		}
	}
	st, err := os.Stat(filepath.Join(dst, db.FileName))
	if err != nil || st.Mode().Perm() != db.FileMode {
		t.Fatalf("restored file: %v %v", err, st)
	}
}

// Restore refuses, changing nothing, a directory in use, a file that is
// not a budgetpoint database, and another kind of installation's backup;
// and a database cannot be opened while a restore holds its directory.
func TestRestoreRefuses(t *testing.T) {
	ctx := context.Background()
	point := t.TempDir()
	d, err := db.Open(point)
	if err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(t.TempDir(), "point.db")
	if err := db.Backup(point, backup); err != nil {
		t.Fatal(err)
	}
	refused := func(from, dir, want string) {
		t.Helper()
		before, _ := os.ReadDir(dir)
		_, err := db.Restore(ctx, from, dir)
		if !errors.Is(err, db.ErrRestoreRefused) || !strings.Contains(err.Error(), want) {
			t.Fatalf("restore %s into %s: %v, want refused: %s", from, dir, err, want)
		}
		after, _ := os.ReadDir(dir)
		if len(after) != len(before) {
			t.Fatalf("a refused restore changed %s: %v, then %v", dir, before, after)
		}
	}
	refused(backup, point, "in use") // d is open
	d.Close()

	junk := filepath.Join(t.TempDir(), "junk.db")
	os.WriteFile(junk, []byte(strings.Repeat("not a database ", 100)), 0o600)
	refused(junk, point, "not a whole budgetpoint database")
	plain := filepath.Join(t.TempDir(), "plain.db")
	c, _ := sql.Open("sqlite3", plain)
	c.Exec(`CREATE TABLE t(x)`)
	c.Close()
	refused(plain, point, "not a whole budgetpoint database")
	refused(filepath.Join(t.TempDir(), "missing.db"), point, "no backup file")
	live := t.TempDir()
	l, err := db.Open(live)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.SetSetting(ctx, "x", "y"); err != nil { // something in its WAL
		t.Fatal(err)
	}
	refused(filepath.Join(live, db.FileName), point, "a database in use, not a backup")
	l.Close()
	// A server that has been quiet has emptied its WAL: its file is still
	// one in use.
	restore := db.SetIdleTruncate(100 * time.Millisecond)
	quiet := t.TempDir()
	q, err := db.Open(quiet)
	restore()
	if err != nil {
		t.Fatal(err)
	}
	if err := q.SetSetting(ctx, "x", "y"); err != nil {
		t.Fatal(err)
	}
	testutil.WaitWALEmpty(t, quiet, 10*time.Second)
	refused(filepath.Join(quiet, db.FileName), point, "a database in use, not a backup")
	q.Close()

	hubDir := t.TempDir()
	hub := db.Schema{Name: "hub", Files: fstest.MapFS{"0001_hub.sql": {Data: []byte(`CREATE TABLE hub_things(x);`)}}}
	h, err := db.OpenWith(hubDir, hub)
	if err != nil {
		t.Fatal(err)
	}
	h.Close()
	hubBackup := filepath.Join(t.TempDir(), "hub.db")
	if err := db.Backup(hubDir, hubBackup); err != nil {
		t.Fatal(err)
	}
	refused(hubBackup, point, "another kind of installation")
	refused(backup, hubDir, "another kind of installation")

	unlock, err := db.LockExclusive(point)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Open(point); !errors.Is(err, db.ErrDirInUse) || !strings.Contains(err.Error(), "being restored (pid") {
		t.Fatalf("open while restoring: %v", err)
	}
	unlock()
	if d, err = db.Open(point); err != nil {
		t.Fatalf("open after the restore: %v", err)
	}
	d.Close()
}
