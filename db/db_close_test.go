package db_test

import (
	"context"
	"database/sql"
	"sync"
	"testing"

	"budgetpoint/db"
	"budgetpoint/models"
)

// Writes racing with Close either commit or answer unavailable; none hangs.
func TestWriteAfterCloseAnswers(t *testing.T) {
	d, err := db.Open(t.TempDir())
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
	d.Close()
	wg.Wait() // a hang here is the defect
	close(errs)
	for err := range errs {
		if err != nil && models.ErrorCode(err) != models.EUnavailable {
			t.Errorf("write during close: %v", err)
		}
	}
	if err := d.Write(context.Background(), func(*sql.Tx) error { return nil }); models.ErrorCode(err) != models.EUnavailable {
		t.Errorf("write after close = %v, want unavailable", err)
	}
}
