package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// A batch made only of responses' requests runs without savepoints; when
// one of them fails after it has written, nothing it wrote may stay, and
// the others must: the batch is run again with savepoints. Requests that
// write a setting stand in for responses here, one failing after its write.
func TestCommitWholeRunsAgainWithSavepoints(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	d, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx := context.Background()
	errLate := errors.New("failed after writing")
	set := func(key string, fail bool) func(*sql.Tx) error {
		return func(tx *sql.Tx) error {
			if _, err := tx.Exec(`INSERT INTO settings(key,value) VALUES(?, 'x')`, key); err != nil {
				return err
			}
			if fail {
				return errLate
			}
			return nil
		}
	}
	oneBatch := func(fns ...func(*sql.Tx) error) []error {
		hold, held := make(chan struct{}), make(chan struct{})
		go d.Write(ctx, func(*sql.Tx) error { close(held); <-hold; return nil })
		<-held
		answers := make([]chan error, len(fns))
		for i, fn := range fns {
			answers[i] = make(chan error, 1)
			go func() { answers[i] <- d.write(ctx, true, fn) }()
			for deadline := time.Now().Add(10 * time.Second); d.QueuedWrites() < i+1; time.Sleep(time.Millisecond) {
				if time.Now().After(deadline) {
					close(hold)
					t.Fatalf("request %d not queued", i)
				}
			}
		}
		close(hold)
		out := make([]error, len(fns))
		for i, a := range answers {
			out[i] = <-a
		}
		return out
	}
	stored := func(key string) bool {
		var n int
		if err := d.r.QueryRow(`SELECT count(*) FROM settings WHERE key=?`, key).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 1
	}

	errs := oneBatch(set("w1", false), set("w2", false))
	if errs[0] != nil || errs[1] != nil || !stored("w1") || !stored("w2") || d.wholeBatches != 1 {
		t.Fatalf("all succeeding: %v, stored %v %v, whole batches %d", errs, stored("w1"), stored("w2"), d.wholeBatches)
	}
	errs = oneBatch(set("a", false), set("b", true), set("c", false))
	if errs[0] != nil || !errors.Is(errs[1], errLate) || errs[2] != nil {
		t.Errorf("answers %v, want nil, %v, nil", errs, errLate)
	}
	if !stored("a") || stored("b") || !stored("c") {
		t.Errorf("stored a %v, b %v, c %v: want the failing one's write undone and the others kept", stored("a"), stored("b"), stored("c"))
	}
	if d.wholeBatches != 1 {
		t.Errorf("the batch with a failure counted as committed whole (%d)", d.wholeBatches)
	}
	// The next batches go with savepoints straight away, then whole again.
	for i := range savepointsAfterFailure {
		if errs := oneBatch(set(fmt.Sprint("after-", i), false)); errs[0] != nil || d.wholeBatches != 1 {
			t.Fatalf("batch %d after the failure: %v, whole batches %d (want still 1)", i, errs[0], d.wholeBatches)
		}
	}
	if errs := oneBatch(set("whole-again", false)); errs[0] != nil || d.wholeBatches != 2 {
		t.Errorf("after %d batches with savepoints: %v, whole batches %d (want 2)", savepointsAfterFailure, errs[0], d.wholeBatches)
	}
	// A batch of one that fails leaves nothing, answered at once.
	if errs := oneBatch(set("alone", true)); !errors.Is(errs[0], errLate) || stored("alone") {
		t.Errorf("a failing batch of one: %v, stored %v", errs[0], stored("alone"))
	}
}
