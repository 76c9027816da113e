package db_test

import (
	"context"
	"testing"

	"budgetpoint/db"
	"budgetpoint/internal/testutil"
	"budgetpoint/models"
)

// A response without an id and without a version is checked against the
// latest version as last seen; after a new version is published, one valid
// only for it is checked again against the latest committed, not refused
// (found by a review: a hinted check that failed went round again only for
// submissions with an id).
func TestStaleVersionHintChecksAgain(t *testing.T) {
	d := testutil.OpenDB(t)
	ctx := context.Background()
	topic(t, d, "t1")
	if _, _, err := d.SaveQuestionnaire(ctx, testutil.Definition("q1", "t1"), models.OriginLocal); err != nil {
		t.Fatal(err)
	}
	ans := answersOf
	// A first response (no id, no version): the hint becomes version 1.
	if _, created, err := d.SubmitResponse(ctx, "q1", db.Submission{Respondent: models.Respondent{Kind: "public"}, Channel: "online",
		Answers: ans(map[string]any{"overall": "basic"})}); err != nil || !created {
		t.Fatalf("first: %v %v", created, err)
	}
	// Version 2 adds a required question.
	v2 := testutil.Definition("q1", "t1")
	v2.Questions = append(v2.Questions, models.Question{Key: "region", Type: models.SingleChoice, Label: "地区", Required: true,
		Options: []models.Option{{Value: "urban", Label: "城镇"}, {Value: "rural", Label: "农村"}}})
	if q, _, err := d.SaveQuestionnaire(ctx, v2, models.OriginLocal); err != nil || q.Version != 2 {
		t.Fatalf("v2: %v %v", q.Version, err)
	}
	// A response to the latest version (2), no id, no version: valid for v2.
	sub := db.Submission{Respondent: models.Respondent{Kind: "public"}, Channel: "online",
		Answers: ans(map[string]any{"overall": "basic", "region": "rural"})}
	_, created, err := d.SubmitResponse(ctx, "q1", sub)
	if err != nil || !created {
		t.Errorf("a valid response to the latest version without id/version: created %v err %v (want created)", created, err)
	}
	// Anything that reads Definition(q1, 0) refreshes the hint, and then it works.
	if _, _, err := d.Definition(ctx, "q1", 0); err != nil {
		t.Fatal(err)
	}
	if _, created, err := d.SubmitResponse(ctx, "q1", sub); err != nil || !created {
		t.Fatalf("after the hint is refreshed: %v %v", created, err)
	}
}
