package db_test

import (
	"bytes"
	"context"
	"database/sql"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"budgetpoint/db"
	"budgetpoint/internal/testutil"
	"budgetpoint/models"
)

// Writes racing with Close either commit or answer unavailable; none hangs.
func TestWriteAfterCloseAnswers(t *testing.T) {
	dir := t.TempDir()
	d, err := db.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- d.Write(context.Background(), func(tx *sql.Tx) error {
				_, err := tx.Exec(`INSERT INTO settings(key,value) VALUES(hex(randomblob(8)),'x')`)
				return err
			})
		}()
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait() // a hang here is the defect
	close(errs)
	committed := 0
	for err := range errs {
		switch {
		case err == nil:
			committed++
		case models.ErrorCode(err) != models.EUnavailable:
			t.Errorf("write during close: %v", err)
		}
	}
	if err := d.Write(context.Background(), func(*sql.Tx) error { return nil }); models.ErrorCode(err) != models.EUnavailable {
		t.Errorf("write after close = %v, want unavailable", err)
	}
	// Every write answered as committed is stored, and no other.
	d2, err := db.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	var stored int
	if err := testutil.RawOf(t, d2).QueryRow(`SELECT count(*) FROM settings WHERE value='x'`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored != committed {
		t.Fatalf("%d writes answered committed, %d stored", committed, stored)
	}
}

// A second Close answers as the first did, and warns of nothing: it does
// not fold the WAL back again on connections already closed.
func TestCloseTwice(t *testing.T) {
	var logs bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })
	d, err := db.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Errorf("second Close = %v, want nil as the first", err)
	}
	if strings.Contains(logs.String(), "checkpoint on close") {
		t.Errorf("second Close warned: %s", logs.String())
	}
}
