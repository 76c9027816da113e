package db_test

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"budgetpoint/db"
	"budgetpoint/internal/testutil"
)

// While the server runs, the checkpointer folds the WAL back into the
// database file soon after commits, long before the WAL is large enough
// for the writer to do it inside a commit (writerCheckpoint): the file
// alone, without its WAL, soon holds what was written.
func TestCheckpointerFoldsTheWALBack(t *testing.T) {
	dir := testutil.DataDir(t)
	d, err := db.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for i := range 50 {
		if err := d.Write(t.Context(), insertSetting(fmt.Sprintf("folded-%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		var err error
		if n, err = countAlone(t, dir, "folded-"); err == nil && n == 50 {
			return
		}
	}
	t.Fatalf("after 10 s the database file alone holds %d of the 50 settings written: the WAL was not folded back", n)
}

// Once the writes stop, the checkpointer empties the WAL: what a burst of
// writes grew does not keep its disk space until the server stops. A
// reader holding frames back keeps it until it is done, and nothing
// written is lost by it.
func TestCheckpointerEmptiesTheWALWhenIdle(t *testing.T) {
	restore := db.SetIdleTruncate(200 * time.Millisecond)
	dir := testutil.DataDir(t)
	d, err := db.Open(dir)
	restore()
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	// A reader from before the writes: its snapshot keeps their frames
	// from being folded back while it lasts.
	held, release, read := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		read <- d.Read(t.Context(), func(tx *sql.Tx) error {
			var n int
			err := tx.QueryRow(`SELECT count(*) FROM settings`).Scan(&n)
			close(held)
			<-release
			return err
		})
	}()
	<-held
	for i := range 50 {
		if err := d.Write(t.Context(), insertSetting(fmt.Sprintf("idle-%d", i))); err != nil {
			close(release)
			t.Fatal(err)
		}
	}
	wal := filepath.Join(dir, db.FileName+"-wal")
	time.Sleep(2 * time.Second) // past the fold after the writes, and several quiet spells
	st, err := os.Stat(wal)
	close(release)
	if err := <-read; err != nil {
		t.Fatal(err)
	}
	if err != nil || st.Size() == 0 {
		t.Fatalf("while a reader held frames back the WAL was %v (err %v), want it kept", st, err)
	}
	testutil.WaitWALEmpty(t, dir, 10*time.Second)
	// All of it is in the file alone now.
	if n, err := countAlone(t, dir, "idle-"); err != nil || n != 50 {
		t.Fatalf("the file alone holds %d of the 50 settings (err %v)", n, err)
	}
}

// countAlone counts the settings whose key starts with prefix in a copy of
// dir's database file alone, read as it is, without its WAL or locks.
func countAlone(t *testing.T, dir, prefix string) (int, error) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, db.FileName))
	if err != nil {
		t.Fatal(err)
	}
	alone := filepath.Join(t.TempDir(), "alone.db")
	if err := os.WriteFile(alone, b, 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := sql.Open("sqlite3", "file:"+alone+"?immutable=1")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var n int
	err = c.QueryRow(`SELECT count(*) FROM settings WHERE key LIKE ? || '%'`, prefix).Scan(&n)
	return n, err
}
