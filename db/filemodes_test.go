package db_test

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"budgetpoint/db"
	"budgetpoint/internal/testutil"
)

// withUmask sets the process's umask for the rest of the test: 0 lets
// through whatever mode a file is created with, so that nothing passes
// because the runner's umask happens to be strict. (Not parallel: the umask
// is the process's.)
func withUmask(t *testing.T, mask int) {
	old := syscall.Umask(mask)
	t.Cleanup(func() { syscall.Umask(old) })
}

func wantMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if got := st.Mode().Perm(); got != want {
		t.Errorf("%s: mode %04o, want %04o", filepath.Base(path), got, want)
	}
}

// A new data directory is 0700; the database, its -wal and -shm and a
// backup are 0600, whatever the umask.
func TestFileModes(t *testing.T) {
	base := t.TempDir()
	withUmask(t, 0)
	dir := filepath.Join(base, "new", "data")
	d, err := db.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	testutil.MakeUser(t, d, "staff1", "staff", "")
	if err := d.SetSetting(context.Background(), "point_name", "红塔区"); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, db.FileName)
	wantMode(t, dir, 0o700)
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		wantMode(t, f, 0o600)
	}

	out := filepath.Join(base, "backup.db")
	if err := db.Backup(dir, out); err != nil {
		t.Fatal(err)
	}
	wantMode(t, out, 0o600)
	if n := testutil.Count(t, dir, "users"); n != 1 {
		t.Fatalf("users: %d", n)
	}
	// The copy is a database with the write in it.
	backupDir := filepath.Join(base, "restored")
	if err := os.Mkdir(backupDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(out, filepath.Join(backupDir, db.FileName)); err != nil {
		t.Fatal(err)
	}
	if n := testutil.Count(t, backupDir, "users"); n != 1 {
		t.Fatalf("users in the backup: %d", n)
	}

	// A backup never overwrites a file, nor leaves one it could not make.
	taken := filepath.Join(base, "taken.db")
	if err := os.WriteFile(taken, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := db.Backup(dir, taken); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("backup onto an existing file: %v", err)
	}
	if b, _ := os.ReadFile(taken); string(b) != "keep me" {
		t.Fatalf("the existing file was changed: %q", b)
	}
	wantMode(t, taken, 0o644)
	if err := db.Backup(dir, filepath.Join(base, "no-such-dir", "b.db")); err == nil {
		t.Fatal("backup into a missing directory succeeded")
	}

	// Closed and opened again: still so (the WAL is made again at the first write).
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d2, err := db.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	if err := d2.SetSetting(context.Background(), "point_name", "通海县"); err != nil {
		t.Fatal(err)
	}
	wantMode(t, dir, 0o700)
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		wantMode(t, f, 0o600)
	}
}

// An existing data directory, or database file, open to the group or
// others is left as it is (an administrator may mean it), with a warning.
func TestOpenModesWarned(t *testing.T) {
	var logs bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })

	private := filepath.Join(t.TempDir(), "private") // t.TempDir is 0777 less the umask
	if err := os.Mkdir(private, 0o700); err != nil {
		t.Fatal(err)
	}
	d, err := db.Open(private)
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	if logs.Len() != 0 {
		t.Fatalf("warned about a private directory: %s", logs.String())
	}

	dir := filepath.Join(t.TempDir(), "shared")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	d, err = db.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	wantMode(t, dir, 0o750)
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "data directory") || !strings.Contains(logs.String(), dir) {
		t.Fatalf("no warning about a directory open to its group: %q", logs.String())
	}

	logs.Reset()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, db.FileName)
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	d, err = db.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	wantMode(t, path, 0o644)
	if !strings.Contains(logs.String(), "database file") || !strings.Contains(logs.String(), path) {
		t.Fatalf("no warning about a database file others may read: %q", logs.String())
	}
}
