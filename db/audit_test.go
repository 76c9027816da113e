package db_test

import (
	"context"
	"database/sql"
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
