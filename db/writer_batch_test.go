package db_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"budgetpoint/db"
	"budgetpoint/internal/testutil"
)

// inOneBatch runs fns as write requests committed together in one batch, in
// this order, and returns their answers. It holds the writer inside a
// request of its own while the others queue (requests waiting while a
// transaction commits go together in the next one), and releases it once
// all of them are queued.
func inOneBatch(t *testing.T, d *db.DB, fns ...func(*sql.Tx) error) []error {
	t.Helper()
	ctx := context.Background()
	hold, held, holdErr := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() { holdErr <- d.Write(ctx, func(*sql.Tx) error { close(held); <-hold; return nil }) }()
	<-held
	errs := make([]chan error, len(fns))
	for i, fn := range fns {
		errs[i] = make(chan error, 1)
		go func() { errs[i] <- d.Write(ctx, fn) }()
		// Wait until it is queued before sending the next: the queue keeps their order.
		deadline := time.Now().Add(10 * time.Second)
		for d.QueuedWrites() < i+1 {
			if time.Now().After(deadline) {
				close(hold)
				t.Fatalf("request %d never reached the writer's queue (%d queued)", i, d.QueuedWrites())
			}
			time.Sleep(time.Millisecond)
		}
	}
	close(hold)
	if err := <-holdErr; err != nil {
		t.Fatalf("the holding request: %v", err)
	}
	out := make([]error, len(fns))
	for i := range errs {
		out[i] = <-errs[i]
	}
	return out
}

func storedSetting(t *testing.T, d *db.DB, key string) bool {
	t.Helper()
	var n int
	if err := testutil.RawOf(t, d).QueryRow(`SELECT count(*) FROM settings WHERE key=?`, key).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}

func insertSetting(key string) func(*sql.Tx) error {
	return func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO settings(key,value) VALUES(?,'stored')`, key)
		return err
	}
}

var errDiskFull = errors.New("disk full")

// When a request's failure ends the whole transaction (SQLite rolls the
// transaction back by itself on SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM…;
// simulated here by the request issuing ROLLBACK), ROLLBACK TO its savepoint
// fails. The writer must then fail the whole batch: going on would run the
// next requests outside the batch's transaction ("SAVEPOINT req" starts a new
// one and "RELEASE req" commits it), so a request whose caller is told it
// failed is in fact stored, and counts flushed at the end are applied in
// another transaction than their rows.
func TestLostTransactionFailsTheBatch(t *testing.T) {
	d, err := db.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	errs := inOneBatch(t, d,
		func(tx *sql.Tx) error {
			if _, err := tx.Exec(`ROLLBACK`); err != nil {
				t.Errorf("ROLLBACK inside the request: %v", err)
			}
			return errDiskFull
		},
		insertSetting("batch-b"))
	if !errors.Is(errs[0], errDiskFull) {
		t.Errorf("A answered %v, want its own error", errs[0])
	}
	if errs[1] == nil {
		t.Error("B, in the batch whose transaction A lost, answered success")
	}
	if storedSetting(t, d, "batch-b") {
		t.Error("B is stored although its batch failed")
	}
	// The writer goes on working afterwards.
	if err := d.SetSetting(context.Background(), "batch-c", "ok"); err != nil {
		t.Fatalf("write after the failed batch: %v", err)
	}
	if !storedSetting(t, d, "batch-c") {
		t.Fatal("the write after the failed batch is not stored")
	}
}

// The contrast: a request that fails without losing the transaction is
// rolled back to its savepoint alone, and the others of its batch commit.
func TestFailingRequestDoesNotSpoilItsBatch(t *testing.T) {
	d, err := db.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	errs := inOneBatch(t, d,
		insertSetting("batch-a"),
		func(tx *sql.Tx) error {
			if err := insertSetting("batch-b")(tx); err != nil {
				return err
			}
			return errDiskFull
		},
		insertSetting("batch-c"))
	if errs[0] != nil || errs[2] != nil || !errors.Is(errs[1], errDiskFull) {
		t.Fatalf("answers %v, want nil, its own error, nil", errs)
	}
	for key, want := range map[string]bool{"batch-a": true, "batch-b": false, "batch-c": true} {
		if got := storedSetting(t, d, key); got != want {
			t.Errorf("%s stored %v, want %v", key, got, want)
		}
	}
}
