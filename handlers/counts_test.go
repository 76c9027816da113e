package handlers_test

import (
	"strings"
	"testing"

	"budgetpoint/models"
)

// TestCountsWhole (issue 9, "a count accepted 2.5"): a count is a whole
// number. A forum's participants (POST and PATCH /api/v1/activities) and an
// evaluation code set's count given as 2.5 are refused with 422 naming the
// field and nothing is stored; "2.5" (a string) is a wrong type (400, the
// field named); 2.0 and 1e2 are the whole numbers they are (JSON Schema's
// integer) and are stored as 2 and 100.
func TestCountsWhole(t *testing.T) {
	fx := newFixture(t)
	staff := fx.tokens["staff"]
	act := func(participants string) string {
		return `{"id":"` + newID() + `","kind":"forum","topic_id":"t1","title":"count","held_on":"2026-11-20","participants":` + participants + `}`
	}
	for _, tc := range []struct{ participants, field string }{
		{`{"deputies": 2.5}`, "participants.deputies"},
		{`{"public": 0.5}`, "participants.public"},
		{`{"other": 1e-1}`, "participants.other"},
	} {
		e := fx.Do(t, "POST", "/api/v1/activities", staff, act(tc.participants)).Want(t, 422, tc.participants).Err(t)
		if e.Error.Code != models.EInvalid || !strings.Contains(e.Error.Fields[tc.field], "whole number") || !strings.Contains(e.Error.Fields[tc.field], "整数") {
			t.Errorf("%s: %+v, want %s named as not a whole number in both languages", tc.participants, e.Error, tc.field)
		}
	}
	e := fx.Do(t, "POST", "/api/v1/activities", staff, act(`{"deputies": "2.5"}`)).Want(t, 400, "a string").Err(t)
	if _, ok := e.Error.Fields["participants.deputies"]; !ok {
		t.Errorf(`"2.5": %+v, want the field named`, e.Error)
	}
	var a models.Activity
	fx.Do(t, "POST", "/api/v1/activities", staff, act(`{"deputies": 2.0, "public": 1e2, "other": 3}`)).Want(t, 201, "2.0 and 1e2").JSON(t, &a)
	if p := a.Participants; p.Deputies != 2 || p.Public != 100 || p.Other != 3 {
		t.Errorf("2.0, 1e2, 3 stored as %+v", p)
	}

	path := "/api/v1/activities/" + a.ID
	e = fx.Do(t, "PATCH", path, staff, `{"participants": {"deputies": 2.5, "public": 100}, "reason": "typo"}`).Want(t, 422, "PATCH 2.5").Err(t)
	if !strings.Contains(e.Error.Fields["participants.deputies"], "whole number") {
		t.Errorf("PATCH 2.5: %+v", e.Error)
	}
	fx.Do(t, "PATCH", path, staff, `{"participants": {"deputies": -1}, "reason": "typo"}`).Want(t, 422, "PATCH -1")

	e = fx.Do(t, "POST", "/api/v1/questionnaires/q1/eval-codes", staff, `{"name": "codes", "count": 2.5, "respondent_kind": "deputy"}`).Want(t, 422, "eval count 2.5").Err(t)
	if !strings.Contains(e.Error.Fields["count"], "whole number") {
		t.Errorf("eval count 2.5: %+v", e.Error)
	}
	var set struct{ Codes []string }
	fx.Do(t, "POST", "/api/v1/questionnaires/q1/eval-codes", staff, `{"name": "codes", "count": 2.0, "respondent_kind": "deputy"}`).Want(t, 201, "eval count 2.0").JSON(t, &set)
	if len(set.Codes) != 2 {
		t.Errorf("count 2.0 issued %d codes", len(set.Codes))
	}
}
