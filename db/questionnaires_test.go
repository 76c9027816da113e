package db_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"testing"

	"budgetpoint/db"
	"budgetpoint/internal/testutil"
	"budgetpoint/models"
)

func topic(t *testing.T, d *db.DB, id string) {
	t.Helper()
	if err := d.CreateTopic(context.Background(), &models.Topic{ID: id, Kind: "other", FiscalYear: 2026, Title: "事项 " + id}); err != nil {
		t.Fatal(err)
	}
}

func wantInvalidField(t *testing.T, err error, field string) {
	t.Helper()
	e, ok := models.AsError(err)
	if !ok || e.Code != models.EInvalid {
		t.Fatalf("err %v, want validation_failed naming %s", err, field)
	}
	if _, ok := e.Fields[field]; !ok {
		t.Fatalf("validation_failed does not name %s: %v", field, e.Fields)
	}
}

func TestQuestionnaireVersions(t *testing.T) {
	d := testutil.OpenDB(t)
	ctx := context.Background()
	topic(t, d, "t1")
	topic(t, d, "t2")
	v1 := testutil.Definition("q1", "t1")
	q, created, err := d.SaveQuestionnaire(ctx, v1, models.OriginLocal)
	if err != nil || !created || q.Version != 1 || q.LatestVersion != 1 {
		t.Fatalf("first: %+v %v %v", q, created, err)
	}
	// The same definition, with spaces that normalisation removes: no new version.
	same := testutil.Definition("q1", "t1")
	same.Title = "  " + same.Title + " "
	q, created, err = d.SaveQuestionnaire(ctx, same, models.OriginLocal)
	if err != nil || created || q.Version != 1 {
		t.Fatalf("same again: version %d created %v err %v", q.Version, created, err)
	}
	// A changed one: version 2; version 1 is kept unchanged.
	v2 := testutil.Definition("q1", "t1")
	v2.Questions = v2.Questions[1:] // "overall" (single_choice) removed
	q, created, err = d.SaveQuestionnaire(ctx, v2, models.OriginLocal)
	if err != nil || !created || q.Version != 2 {
		t.Fatalf("changed: version %d created %v err %v", q.Version, created, err)
	}
	old, err := d.Questionnaire(ctx, "q1", 1)
	if err != nil || old.Version != 1 || old.LatestVersion != 2 || old.Question("overall") == nil {
		t.Fatalf("version 1 after publishing 2: %+v %v", old, err)
	}
	// A key changing type against the latest version: 422.
	bad := testutil.Definition("q1", "t1")
	bad.Questions[1].Type = models.SingleChoice // priorities was multiple_choice
	_, _, err = d.SaveQuestionnaire(ctx, bad, models.OriginLocal)
	wantInvalidField(t, err, "questions[1].type")
	// A key coming back with another type than an older version gave it: 422
	// too, or the summary would add a text's answers to a choice's counts.
	back := testutil.Definition("q1", "t1")
	back.Questions[0] = models.Question{Key: "overall", Type: models.Text, Label: "总体评价"}
	_, _, err = d.SaveQuestionnaire(ctx, back, models.OriginLocal)
	wantInvalidField(t, err, "questions[0].type")
	// Moving to another topic: 422.
	moved := testutil.Definition("q1", "t2")
	_, _, err = d.SaveQuestionnaire(ctx, moved, models.OriginLocal)
	wantInvalidField(t, err, "topic_id")
	// An unknown topic: 422.
	_, _, err = d.SaveQuestionnaire(ctx, testutil.Definition("q9", "nope"), models.OriginLocal)
	wantInvalidField(t, err, "topic_id")
	if q, err := d.Questionnaire(ctx, "q1", 0); err != nil || q.Version != 2 {
		t.Fatalf("refused definitions changed the latest version to %d (%v)", q.Version, err)
	}
	var n int
	if err := testutil.RawOf(t, d).QueryRow(`SELECT count(*) FROM questionnaire_versions`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("%d versions stored, want 2", n)
	}
	// A committee questionnaire cannot be changed locally.
	if err := d.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`UPDATE questionnaires SET origin='committee' WHERE id='q1'`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	_, _, err = d.SaveQuestionnaire(ctx, v1, models.OriginLocal)
	if models.ErrorCode(err) != models.EForbidden {
		t.Fatalf("changing a committee questionnaire: %v, want forbidden", err)
	}
}

// A response names its version and is checked against it; without a
// version it is checked against the latest, and a resubmission without a
// version is still recognised after a newer version is published.
func TestResponseVersions(t *testing.T) {
	d := testutil.OpenDB(t)
	ctx := context.Background()
	topic(t, d, "t1")
	v1 := testutil.Definition("q1", "t1")
	if _, _, err := d.SaveQuestionnaire(ctx, v1, models.OriginLocal); err != nil {
		t.Fatal(err)
	}
	ans := answersOf
	first := db.Submission{ID: "8d4e2c1a-0d55-4a4e-9a36-6f7b1a1c0001", Respondent: models.Respondent{Kind: "public"}, Channel: "online",
		Answers: ans(map[string]any{"overall": "basic", "priorities": []string{"transport", "education"}})}
	if _, created, err := d.SubmitResponse(ctx, "q1", first); err != nil || !created {
		t.Fatalf("first: %v %v", created, err)
	}
	v2 := testutil.Definition("q1", "t1")
	v2.Questions[1].Options = v2.Questions[1].Options[:3] // "transport" removed
	v2.Questions = append(v2.Questions, models.Question{Key: "region", Type: models.SingleChoice, Label: "地区", Required: true, Options: []models.Option{{Value: "urban", Label: "城镇"}, {Value: "rural", Label: "农村"}}})
	if q, _, err := d.SaveQuestionnaire(ctx, v2, models.OriginLocal); err != nil || q.Version != 2 {
		t.Fatalf("v2: %v %v", q.Version, err)
	}
	// The retry of the first response, still without a version.
	if _, created, err := d.SubmitResponse(ctx, "q1", first); err != nil || created {
		t.Fatalf("retry after v2: created %v err %v, want created=false", created, err)
	}
	// The same answers as a new response: checked against v2 now.
	again := first
	again.ID = "8d4e2c1a-0d55-4a4e-9a36-6f7b1a1c0002"
	_, _, err := d.SubmitResponse(ctx, "q1", again)
	wantInvalidField(t, err, "answers.region")
	wantInvalidField(t, err, "answers.priorities")
	// Naming version 1: accepted and stored as version 1.
	again.Version = 1
	if _, created, err := d.SubmitResponse(ctx, "q1", again); err != nil || !created {
		t.Fatalf("naming v1: %v %v", created, err)
	}
	// Naming a version that does not exist: 422 on version.
	bad := again
	bad.ID, bad.Version = "8d4e2c1a-0d55-4a4e-9a36-6f7b1a1c0003", 3
	_, _, err = d.SubmitResponse(ctx, "q1", bad)
	wantInvalidField(t, err, "version")
	// The same id naming version 2 now is different content: conflict.
	other := first
	other.Version = 2
	other.Answers = ans(map[string]any{"overall": "basic", "region": "rural"})
	if _, _, err := d.SubmitResponse(ctx, "q1", other); models.ErrorCode(err) != models.EConflict {
		t.Fatalf("same id, other version: %v, want conflict", err)
	}
	p, err := d.Responses(ctx, "q1", db.ResponseFilter{Limit: 10})
	if err != nil || len(p.Items) != 2 || p.Items[0].Version != 1 || p.Items[1].Version != 1 {
		t.Fatalf("stored: %+v %v", p.Items, err)
	}
	testutil.CheckCounters(t, d, "t1")
	s, err := d.Summary(ctx, "t1", "hongta")
	if err != nil || len(s.Questionnaires) != 1 {
		t.Fatalf("summary: %+v %v", s, err)
	}
	found := false
	for _, q := range s.Questionnaires[0].Questions {
		if q.Key == "priorities" {
			found = true
			if q.Counts["transport"] != 2 || q.Counts["education"] != 2 || q.Answered != 2 {
				t.Fatalf("an option only v1 had must still count: %+v", q)
			}
		}
	}
	if !found {
		t.Fatal("the summary has no priorities question")
	}
}

// answersOf makes a submission's answers from plain values.
func answersOf(m map[string]any) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	for k, v := range m {
		b, _ := json.Marshal(v)
		out[k] = b
	}
	return out
}
