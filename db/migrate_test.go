package db

import (
	"database/sql"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

// openWriter opens a writer connection as Open does, on a new file.
func openWriter(t *testing.T) *sql.DB {
	t.Helper()
	w, err := sql.Open("sqlite3", DSN(filepath.Join(t.TempDir(), FileName), "_txlock=immediate"))
	if err != nil {
		t.Fatal(err)
	}
	w.SetMaxOpenConns(1)
	t.Cleanup(func() { w.Close() })
	if err := connect(w); err != nil {
		t.Fatal(err)
	}
	return w
}

// testSchema is the migrations under set/ in fsys as a schema.
func testSchema(t *testing.T, name string, fsys fs.FS) Schema {
	t.Helper()
	sub, err := fs.Sub(fsys, "set")
	if err != nil {
		t.Fatal(err)
	}
	return Schema{Name: name, Files: sub}
}

func recorded(t *testing.T, w *sql.DB) string {
	t.Helper()
	rows, err := w.Query(`SELECT version, name FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v int
		var n string
		rows.Scan(&v, &n)
		out = append(out, strconv.Itoa(v)+":"+n)
	}
	return strings.Join(out, " ")
}

// TestMigrateGeneric: any fs.FS and glob; applied in the order of their
// numbers (10 after 9), each recorded once; a second run applies nothing; a
// failing migration leaves nothing of the run behind; bad names are refused.
func TestMigrateGeneric(t *testing.T) {
	w := openWriter(t)
	fsys := fstest.MapFS{
		"set/9_a.sql":  {Data: []byte(`CREATE TABLE a(x);`)},
		"set/10_b.sql": {Data: []byte(`INSERT INTO a VALUES (1); CREATE TABLE b(y);`)},
		"other/1.txt":  {Data: []byte(`not sql`)},
	}
	if err := migrate(w, false, testSchema(t, "t", fsys)); err != nil {
		t.Fatal(err)
	}
	if got := recorded(t, w); got != "9:9_a.sql 10:10_b.sql" {
		t.Fatalf("recorded %q", got)
	}
	if err := migrate(w, false, testSchema(t, "t", fsys)); err != nil {
		t.Fatalf("second run: %v", err)
	}
	var n int
	w.QueryRow(`SELECT count(*) FROM a`).Scan(&n)
	if n != 1 {
		t.Fatalf("10_b ran %d times", n)
	}

	fsys["set/11_c.sql"] = &fstest.MapFile{Data: []byte(`CREATE TABLE c(z);`)}
	fsys["set/12_d.sql"] = &fstest.MapFile{Data: []byte(`CREATE TABLE a(x);`)} // fails: a exists
	err := migrate(w, false, testSchema(t, "t", fsys))
	if err == nil || !strings.Contains(err.Error(), "12_d.sql") {
		t.Fatalf("a failing migration: %v, want an error naming 12_d.sql", err)
	}
	if w.QueryRow(`SELECT count(*) FROM c`).Scan(&n) == nil {
		t.Fatal("11_c stayed applied although the run failed")
	}
	if got := recorded(t, w); got != "9:9_a.sql 10:10_b.sql" {
		t.Fatalf("after the failed run, recorded %q", got)
	}

	for name, f := range map[string]fstest.MapFS{
		"no number": {"set/a.sql": {Data: []byte(`SELECT 1;`)}},
		"duplicate": {"set/1_a.sql": {Data: []byte(`SELECT 1;`)}, "set/01_b.sql": {Data: []byte(`SELECT 1;`)}},
	} {
		if err := migrate(openWriter(t), false, testSchema(t, "t", f)); err == nil || !strings.Contains(err.Error(), " / ") {
			t.Errorf("%s: %v, want a message in Chinese and English", name, err)
		}
	}
}

// TestMigrateSchemas: each schema's versions are its own; a database is
// refused by an opener that does not ask for every schema it holds, so a
// hub's data directory is never opened as a point's.
func TestMigrateSchemas(t *testing.T) {
	w := openWriter(t)
	a := fstest.MapFS{"set/1_a.sql": {Data: []byte(`CREATE TABLE a(x);`)}}
	b := fstest.MapFS{"set/1_b.sql": {Data: []byte(`CREATE TABLE b(x);`)}}
	if err := migrate(w, false, testSchema(t, "accounts", a), testSchema(t, "hub", b)); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := w.QueryRow(`SELECT count(*) FROM schema_migrations WHERE version=1`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("version 1 of both schemas: %d recorded (%v), want 2", n, err)
	}
	err := migrate(w, false, testSchema(t, "accounts", a))
	if err == nil || !strings.Contains(err.Error(), "hub") {
		t.Fatalf("opened a hub database without the hub schema: %v", err)
	}
	if err := migrate(w, true, testSchema(t, "accounts", a)); err != nil {
		t.Fatalf("accounts only, others allowed: %v", err)
	}
	if err := migrate(w, false, testSchema(t, "accounts", a), testSchema(t, "hub", b)); err != nil {
		t.Fatalf("again: %v", err)
	}
}

// TestConnectWaitsForWAL: switching a new file to WAL needs the write lock
// on top of a read, so SQLite answers "database is locked" at once, without
// the busy timeout, while another connection (another process, in life)
// holds the write lock; connect tries again until it is free.
func TestConnectWaitsForWAL(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	other, err := sql.Open("sqlite3", "file:"+path) // rollback journal, as a new file has
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`CREATE TABLE held(x)`); err != nil { // takes the write (RESERVED) lock
		t.Fatal(err)
	}
	busy := make(chan struct{}, 1)
	connectBusy = func() {
		select {
		case busy <- struct{}{}:
		default:
		}
	}
	defer func() { connectBusy = nil }()
	w, err := sql.Open("sqlite3", DSN(path, "_txlock=immediate"))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.SetMaxOpenConns(1)
	done := make(chan error, 1)
	go func() { done <- connect(w) }()
	select {
	case <-busy: // found it locked, and tries again
	case err := <-done:
		t.Fatalf("connect returned while the file was locked: %v", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("connect after the lock was freed: %v", err)
	}
}
