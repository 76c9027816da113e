package db_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"budgetpoint/db"
	"budgetpoint/internal/testutil"
	"budgetpoint/models"
)

// submitInOneBatch submits subs to q1 as responses committed together in
// one batch, in this order, and returns their answers: the writer is held
// by a request of its own until all of them are queued.
func submitInOneBatch(t *testing.T, d *db.DB, ctx context.Context, subs ...db.Submission) (created []bool, errs []error) {
	t.Helper()
	hold, held, holdErr := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() { holdErr <- d.Write(ctx, func(*sql.Tx) error { close(held); <-hold; return nil }) }()
	<-held
	type answer struct {
		created bool
		err     error
	}
	answers := make([]chan answer, len(subs))
	for i, s := range subs {
		answers[i] = make(chan answer, 1)
		go func() {
			_, c, err := d.SubmitResponse(ctx, "q1", s)
			answers[i] <- answer{c, err}
		}()
		deadline := time.Now().Add(10 * time.Second)
		for d.QueuedWrites() < i+1 {
			if time.Now().After(deadline) {
				close(hold)
				t.Fatalf("submission %d never reached the writer's queue", i)
			}
			time.Sleep(time.Millisecond)
		}
	}
	close(hold)
	if err := <-holdErr; err != nil {
		t.Fatal(err)
	}
	for _, a := range answers {
		r := <-a
		created, errs = append(created, r.created), append(errs, r.err)
	}
	return created, errs
}

// A batch made only of responses runs without a savepoint for each. When
// one of them fails (here an id used before with other content), the batch
// runs again with savepoints: the failing one is refused and leaves nothing,
// every other one is stored, counted and audited once, as if each had been
// sent alone.
func TestResponseBatchWithAFailure(t *testing.T) {
	dir := testutil.DataDir(t)
	d, err := db.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	open := true
	defer func() {
		if open {
			d.Close()
		}
	}()
	ctx := models.WithActor(context.Background(), models.Actor{User: "staff1", Role: "staff", Addr: "127.0.0.1"})
	topic(t, d, "t1")
	if _, _, err := d.SaveQuestionnaire(ctx, testutil.Definition("q1", "t1"), models.OriginLocal); err != nil {
		t.Fatal(err)
	}
	sub := func(id, overall, advice string) db.Submission {
		return db.Submission{ID: id, Version: 1, Respondent: models.Respondent{Kind: "public"}, Channel: "online",
			Answers: answersOf(map[string]any{"overall": overall, "advice": advice})}
	}
	if _, created, err := d.SubmitResponse(ctx, "q1", sub("00000000-0000-4000-8000-000000000000", "basic", "早先的一份")); err != nil || !created {
		t.Fatalf("r0: %v %v", created, err)
	}
	whole0 := d.WholeBatches()

	// All of them valid: one batch, no savepoints.
	created, errs := submitInOneBatch(t, d, ctx, sub("00000000-0000-4000-8000-0000000000a1", "satisfied", "一"), sub("00000000-0000-4000-8000-0000000000a2", "basic", "二"), sub("00000000-0000-4000-8000-0000000000a1", "satisfied", "一"))
	for i, want := range []bool{true, true, false} { // the third is the first again: stored once
		if errs[i] != nil || created[i] != want {
			t.Errorf("all valid, submission %d: created %v, %v (want created %v)", i, created[i], errs[i], want)
		}
	}
	if got := d.WholeBatches() - whole0; got != 1 {
		t.Errorf("a batch of valid responses committed without savepoints %d times, want 1", got)
	}

	// One of them refused: the batch again, with savepoints.
	created, errs = submitInOneBatch(t, d, ctx, sub("00000000-0000-4000-8000-0000000000b1", "satisfied", "三"), sub("00000000-0000-4000-8000-000000000000", "satisfied", "内容不同"), sub("00000000-0000-4000-8000-0000000000b2", "basic", "四"))
	if errs[0] != nil || !created[0] || errs[2] != nil || !created[2] {
		t.Errorf("the valid ones beside a refused one: %v %v / %v %v", created[0], errs[0], created[2], errs[2])
	}
	if models.ErrorCode(errs[1]) != models.EConflict {
		t.Errorf("the id used before with other content: %v, want conflict", errs[1])
	}
	if got := d.WholeBatches() - whole0; got != 1 {
		t.Errorf("the batch with a refused response counted as committed without savepoints (%d)", got)
	}

	raw := testutil.RawOf(t, d)
	for table, want := range map[string]int{"responses": 5, "opinions": 5} {
		var n int
		if err := raw.QueryRow(fmt.Sprintf(`SELECT count(*) FROM %s`, table)).Scan(&n); err != nil || n != want {
			t.Errorf("%s: %d rows (%v), want %d", table, n, err, want)
		}
	}
	var audited int
	if err := raw.QueryRow(`SELECT count(*) FROM audit_log WHERE action='response.create'`).Scan(&audited); err != nil || audited != 5 {
		t.Errorf("%d responses audited (%v), want 5", audited, err)
	}
	kept, err := d.StoredCounters(ctx, "t1")
	if err != nil {
		t.Fatal(err)
	}
	recount, err := d.Recount(ctx, "t1")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(kept) != fmt.Sprint(recount) {
		t.Errorf("counters %v, recount %v", kept, recount)
	}
	open = false
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if _, brk, err := db.VerifyAudit(context.Background(), dir); err != nil || brk != nil {
		t.Errorf("audit chain: %v %v", brk, err)
	}
}
