package db_test

import (
	"context"
	"io"
	"testing"

	"budgetpoint/db"
	"budgetpoint/demo"
	"budgetpoint/internal/testutil"
	"budgetpoint/models"
)

// A committee version that changes a key's type against any earlier version
// is left aside at the point, even though the hub checks it too.
func TestCommitteeVersionChangingTypeSkipped(t *testing.T) {
	d := testutil.OpenDB(t)
	ctx := context.Background()
	topic := models.Topic{ID: "t-c", Kind: "other", FiscalYear: 2027, Title: "委员会事项"}
	lo, hi := 1.0, 5.0
	rating := models.Question{Key: "x", Type: models.Rating, Label: "评分", Min: &lo, Max: &hi}
	choice := models.Question{Key: "x", Type: models.SingleChoice, Label: "评价",
		Options: []models.Option{{Value: "a", Label: "甲"}, {Value: "b", Label: "乙"}}}
	text := models.Question{Key: "y", Type: models.Text, Label: "意见"}
	version := func(n int, qs ...models.Question) models.Questionnaire {
		return models.Questionnaire{Version: n, Definition: models.Definition{ID: "q-c", TopicID: "t-c", Title: "问卷", Questions: qs}}
	}
	r, err := d.ApplyUpdates(ctx, db.Updates{Topics: []models.Topic{topic},
		Questionnaires: []models.Questionnaire{version(1, rating), version(2, text)}})
	if err != nil || r.Questionnaires != 2 || len(r.Skipped) != 0 {
		t.Fatalf("v1, v2: %+v %v", r, err)
	}
	r, err = d.ApplyUpdates(ctx, db.Updates{Questionnaires: []models.Questionnaire{version(3, choice)}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Questionnaires != 0 || len(r.Skipped) != 1 {
		t.Fatalf("v3 bringing x back as single choice: %+v, want it skipped", r)
	}
	if _, v, err := d.Definition(ctx, "q-c", 0); err != nil || v != 2 {
		t.Fatalf("latest version %d (%v), want 2", v, err)
	}
}

// The pages count the queue up to a limit; the API counts all of it.
func TestOutboxStatsUpTo(t *testing.T) {
	d := testutil.OpenDB(t)
	ctx := context.Background()
	if err := demo.Load(ctx, d, "hongta", io.Discard); err != nil {
		t.Fatal(err)
	}
	all, oldest, err := d.OutboxStats(ctx)
	if err != nil || all < 3 || oldest == nil {
		t.Fatalf("all: %d %v %v", all, oldest, err)
	}
	for limit, want := range map[int]int{0: all, 2: 2, all: all, all + 5: all} {
		n, o, err := d.OutboxStatsUpTo(ctx, limit)
		if err != nil || n != want || o == nil || !o.Equal(*oldest) {
			t.Errorf("up to %d: %d %v %v, want %d and the oldest %v", limit, n, o, err, want, oldest)
		}
	}
}
