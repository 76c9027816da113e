package handlers_test

import "testing"

// contract.md: 404 for a questionnaire that does not exist, whether or not
// the submission names a version; a topic may have a deadline without a
// start date; a deadline before the start is 422 on closes_at.
func TestReviewContractEdges(t *testing.T) {
	fx := newFixture(t)
	staff := fx.tokens["staff"]
	sub := map[string]any{"version": 1, "respondent": map[string]any{"kind": "public"}, "answers": map[string]any{}}
	fx.Do(t, "POST", "/api/v1/questionnaires/nope/responses", staff, sub).Want(t, 404, "unknown questionnaire with a version")
	sub["version"] = 99
	fx.Do(t, "POST", "/api/v1/questionnaires/q1/responses", staff, sub).Want(t, 422, "unknown version")
	fx.Do(t, "POST", "/api/v1/topics", staff, map[string]any{"id": "t9", "kind": "other", "fiscal_year": 2027, "title": "x",
		"closes_at": "2027-01-01T00:00:00+08:00"}).Want(t, 201, "deadline without a start")
	r := fx.Do(t, "POST", "/api/v1/topics", staff, map[string]any{"id": "t10", "kind": "other", "fiscal_year": 2027, "title": "x",
		"opens_at": "2027-02-01T00:00:00+08:00", "closes_at": "2027-01-01T00:00:00+08:00"}).Want(t, 422, "deadline before the start")
	if e := r.Err(t); e.Error.Fields["closes_at"] == "" {
		t.Fatalf("fields %v", e.Error.Fields)
	}
}
