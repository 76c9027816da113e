package db_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"budgetpoint/db"
)

// When a request's failure ends the whole transaction (SQLite rolls the
// transaction back by itself on SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM…;
// simulated here by the request issuing ROLLBACK), ROLLBACK TO its savepoint
// fails. The writer must then fail the whole batch: going on would run the
// next requests outside the batch's transaction ("SAVEPOINT req" starts a new
// one and "RELEASE req" commits it), so a request whose caller is told it
// failed is in fact stored, and counts flushed at the end are applied in
// another transaction than their rows.
func TestReviewLostTransactionFailsTheBatch(t *testing.T) {
	d, err := db.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx := context.Background()
	hold, held := make(chan struct{}), make(chan struct{})
	go d.Write(ctx, func(*sql.Tx) error { close(held); <-hold; return nil })
	<-held
	errA, errB := make(chan error, 1), make(chan error, 1)
	go func() {
		errA <- d.Write(ctx, func(tx *sql.Tx) error {
			tx.Exec(`ROLLBACK`)
			return errors.New("disk full")
		})
	}()
	time.Sleep(50 * time.Millisecond) // A is queued before B: both go in the next batch
	go func() {
		errB <- d.Write(ctx, func(tx *sql.Tx) error {
			_, err := tx.Exec(`INSERT INTO settings(key,value) VALUES('review-b','stored')`)
			return err
		})
	}()
	time.Sleep(50 * time.Millisecond)
	close(hold)
	if err := <-errA; err == nil {
		t.Fatal("A succeeded")
	}
	eb := <-errB
	stored := d.Setting(ctx, "review-b", "") == "stored"
	if (eb == nil) != stored {
		t.Fatalf("B answered err=%v but stored=%v: an answer that disagrees with what was committed", eb, stored)
	}
	// The writer goes on working afterwards.
	if err := d.SetSetting(ctx, "review-c", "ok"); err != nil || d.Setting(ctx, "review-c", "") != "ok" {
		t.Fatalf("write after the failed batch: %v", err)
	}
}
