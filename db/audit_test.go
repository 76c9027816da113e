package db_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"

	"budgetpoint/db"
	"budgetpoint/internal/testutil"
	"budgetpoint/models"
)

// Entries chain in seq order; only changes with an actor are audited; a
// failed change leaves no entry (it is rolled back with its savepoint); an
// entry removed from the middle of the file is a gap VerifyAudit names.
func TestAuditChain(t *testing.T) {
	d := testutil.OpenDB(t)
	dir := testutil.Dir(d)
	ctx := models.WithActor(context.Background(), models.Actor{User: "clerk", Role: "staff", Addr: "10.1.2.3"})
	for _, id := range []string{"t1", "t2", "t3"} {
		tp := models.Topic{ID: id, Kind: "other", FiscalYear: 2027, Title: "事项 " + id}
		if err := d.CreateTopic(ctx, &tp); err != nil {
			t.Fatal(err)
		}
	}
	dup := models.Topic{ID: "t1", Kind: "other", FiscalYear: 2027, Title: "again"}
	if err := d.CreateTopic(ctx, &dup); models.ErrorCode(err) != models.EConflict {
		t.Fatalf("a taken id: %v", err)
	}
	sys := models.Topic{ID: "t-sys", Kind: "other", FiscalYear: 2027, Title: "by the system"}
	if err := d.CreateTopic(context.Background(), &sys); err != nil {
		t.Fatal(err)
	}
	p, err := d.AuditLog(context.Background(), models.AuditFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != 3 {
		t.Fatalf("%d entries, want 3 (one per topic created by the clerk): %+v", len(p.Items), p.Items)
	}
	for i, e := range p.Items {
		if e.Seq != int64(i+1) || e.Actor.User != "clerk" || e.Addr != "10.1.2.3" || e.Action != "topic.create" {
			t.Errorf("entry %d: %+v", i, e)
		}
	}
	if n, brk, err := db.VerifyAudit(context.Background(), dir); err != nil || brk != nil || n != 3 {
		t.Fatalf("verify: %d %+v %v", n, brk, err)
	}
	w, err := sql.Open("sqlite3", db.DSN(d.Path, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Exec(`DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq=2`); err != nil {
		t.Fatal(err)
	}
	_, brk, err := db.VerifyAudit(context.Background(), dir)
	if err != nil || brk == nil || brk.Seq != 3 || !strings.Contains(brk.Reason, "missing") {
		t.Fatalf("verify after removing entry 2: %+v %v", brk, err)
	}
}

// Within one batch the writer chains each entry to the one before without
// reading it back; a request that wrote an entry and then failed is rolled
// back with its entry, and the next one must chain to what remains.
func TestAuditChainAcrossBatchWithFailures(t *testing.T) {
	d := testutil.OpenDB(t)
	ctx := models.WithActor(context.Background(), models.Actor{User: "clerk", Role: "staff"})
	const n = 90
	errs := make(chan error, n)
	start := make(chan struct{})
	for i := range n {
		go func() {
			<-start
			errs <- d.Write(ctx, func(tx *sql.Tx) error {
				if err := d.AuditChange(ctx, tx, "test.write", "thing", fmt.Sprint(i), nil); err != nil {
					return err
				}
				if i%3 == 1 {
					return errFailed
				}
				return nil
			})
		}()
	}
	close(start)
	ok := 0
	for range n {
		switch err := <-errs; {
		case err == nil:
			ok++
		case !errors.Is(err, errFailed):
			t.Fatal(err)
		}
	}
	if ok != n-n/3 {
		t.Fatalf("%d writes succeeded, want %d", ok, n-n/3)
	}
	checked, brk, err := db.VerifyAudit(context.Background(), testutil.Dir(d))
	if err != nil || brk != nil || checked != int64(ok) {
		t.Fatalf("verify: %d entries checked, break %+v, %v; want %d unbroken", checked, brk, err, ok)
	}
}

var errFailed = errors.New("the request fails after auditing")
