package db_test

import (
	"context"
	"io"
	"slices"
	"testing"

	"budgetpoint/db"
	"budgetpoint/demo"
	"budgetpoint/internal/testutil"
)

// EachResponse reads page by page: across the pages' edges every response
// not voided comes once, in the order stored, voided ones not at all, and
// none stored after the export began.
func TestEachResponseAcrossPages(t *testing.T) {
	d := testutil.OpenDB(t)
	ctx := context.Background()
	if err := demo.Load(ctx, d, "hongta", io.Discard); err != nil {
		t.Fatal(err)
	}
	qid := demo.Questionnaires()[0].ID
	var subs []db.Submission
	for _, s := range benchSubs(1300) {
		if s.qid == qid {
			subs = append(subs, s.s)
		}
	}
	if _, err := d.SubmitResponses(ctx, qid, subs); err != nil {
		t.Fatal(err)
	}
	raw := testutil.RawOf(t, d)
	// Voided: the first, one on each side of the first page's edge, the last.
	ids := testutil.ResponseIDs(t, raw, qid)
	if len(ids) < 1001 {
		t.Fatalf("%d responses, want over two pages", len(ids))
	}
	for _, i := range []int{len(ids) - 1, 500, 499, 0} {
		if _, err := d.VoidResponse(ctx, ids[i], "测试作废"); err != nil {
			t.Fatal(err)
		}
		ids = slices.Delete(ids, i, i+1)
	}
	var got []string
	err := d.EachResponse(ctx, qid, func(r db.ExportRow) error {
		if len(got) == 0 { // stored after the export began: not in it
			if _, err := d.SubmitResponses(ctx, qid, benchSubsFor(qid, 3)); err != nil {
				t.Fatal(err)
			}
		}
		got = append(got, r.ID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, ids) {
		t.Fatalf("%d responses exported, want the %d not voided in order", len(got), len(ids))
	}
}

func benchSubsFor(qid string, n int) []db.Submission {
	var out []db.Submission
	for _, s := range benchSubs(20 * n) {
		if s.qid == qid && len(out) < n {
			s.s.ID = ""
			out = append(out, s.s)
		}
	}
	return out
}
