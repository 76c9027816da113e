package handlers_test

import (
	"context"
	"encoding/json"
	"testing"

	"budgetpoint/internal/testutil"
	"budgetpoint/models"
)

type record struct {
	Changed  bool `json:"changed"`
	Response struct {
		ID         string          `json:"id"`
		Answers    json.RawMessage `json:"answers"`
		Revision   int             `json:"revision"`
		VoidedAt   *string         `json:"voided_at"`
		VoidReason string          `json:"void_reason"`
		Revisions  []struct {
			Revision  int             `json:"revision"`
			Action    string          `json:"action"`
			Answers   json.RawMessage `json:"answers"`
			Reason    string          `json:"reason"`
			ChangedBy string          `json:"changed_by"`
		} `json:"revisions"`
	} `json:"response"`
}

func seqOf(t *testing.T, fx *fixture, topic string) int64 {
	t.Helper()
	s, err := fx.DB.Summary(context.Background(), topic, "hongta")
	if err != nil {
		t.Fatal(err)
	}
	return s.Seq
}

// TestCorrectAndVoidResponses: staff correct a stored response (new
// answers checked as on submission, a reason required) and void one; each
// keeps what was there as a revision with who and why, moves the summary by
// exactly the difference (counters equal to the recount after every step,
// seq up by one, the number question's minimum and maximum right after its
// extreme is taken away), makes the opinion follow its text (changed,
// taken away, given back), and is audited; bad corrections change nothing;
// a voided response cannot be corrected, nor its id used again.
func TestCorrectAndVoidResponses(t *testing.T) {
	fx := newFixture(t)
	staff := fx.tokens["staff"]
	ids := make([]string, 7)
	for i := range ids {
		ids[i] = newID()
		r := testutil.Response(ids[i], i)
		r["answers"].(map[string]any)["amount"] = float64(10 * (i + 1)) // 10 … 70: ids[6] holds the maximum
		fx.Do(t, "POST", "/api/v1/questionnaires/q1/responses", staff, r).Want(t, 201, "a response")
	}
	testutil.CheckCounters(t, fx.DB, "t1")
	opinions := func() int64 {
		s, _ := fx.DB.Summary(context.Background(), "t1", "hongta")
		return s.Opinions.Total
	}
	base := opinions()
	path := "/api/v1/responses/" + ids[0] // i=0: it has an advice (an opinion)

	// Refused: no reason, bad answers, a deputy. Nothing changes.
	before := testutil.Snapshot(t, fx.DB)
	e := fx.Do(t, "PATCH", path, staff, map[string]any{"answers": map[string]any{"overall": "basic"}}).Want(t, 422, "no reason").Err(t)
	if e.Error.Fields["reason"] == "" {
		t.Errorf("no reason: %+v", e.Error)
	}
	e = fx.Do(t, "PATCH", path, staff, map[string]any{"answers": map[string]any{"overall": "nonsense", "transparency": 9}, "reason": "录入错误"}).Want(t, 422, "bad answers").Err(t)
	if e.Error.Fields["answers.overall"] == "" && e.Error.Fields["overall"] == "" {
		t.Errorf("bad answers name no field: %+v", e.Error)
	}
	fx.Do(t, "PATCH", path, fx.tokens["deputy"], map[string]any{"answers": map[string]any{"overall": "basic"}, "reason": "x"}).Want(t, 403, "a deputy")
	fx.Do(t, "PATCH", "/api/v1/responses/"+newID(), staff, map[string]any{"answers": map[string]any{"overall": "basic"}, "reason": "x"}).Want(t, 404, "no such response")
	testutil.SameSnapshot(t, fx.DB, before, "refused corrections")

	// A correction: new choice, new text.
	seq := seqOf(t, fx, "t1")
	var rec record
	fx.Do(t, "PATCH", path, staff, map[string]any{"answers": map[string]any{"overall": "unsatisfied", "priorities": []string{"health"}, "amount": 5,
		"advice": "建议公开村级预算执行情况"}, "reason": "纸质问卷第3题录错"}).Want(t, 200, "a correction").JSON(t, &rec)
	if !rec.Changed || rec.Response.Revision != 2 || len(rec.Response.Revisions) != 1 {
		t.Fatalf("after a correction: %+v", rec)
	}
	if r := rec.Response.Revisions[0]; r.Action != "correct" || r.ChangedBy != "staff" || r.Reason != "纸质问卷第3题录错" || r.Revision != 1 || len(r.Answers) < 10 {
		t.Errorf("the revision kept: %+v", r)
	}
	if got := seqOf(t, fx, "t1"); got != seq+1 {
		t.Errorf("seq %d after a correction, want %d", got, seq+1)
	}
	testutil.CheckCounters(t, fx.DB, "t1")
	o, err := fx.DB.Opinions(context.Background(), models.OpinionFilter{Topic: "t1", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, x := range o.Items {
		if x.ResponseID == ids[0] {
			found = x.Content == "建议公开村级预算执行情况"
		}
	}
	if !found || opinions() != base {
		t.Errorf("the opinion does not follow the corrected text (found %v, %d opinions, want %d)", found, opinions(), base)
	}
	// The same answers again: nothing changes.
	fx.Do(t, "PATCH", path, staff, map[string]any{"answers": map[string]any{"overall": "unsatisfied", "priorities": []string{"health"}, "amount": 5,
		"advice": "建议公开村级预算执行情况"}, "reason": "再次提交"}).Want(t, 200, "the same correction").JSON(t, &rec)
	if rec.Changed || rec.Response.Revision != 2 {
		t.Errorf("the same correction again changed it: %+v", rec)
	}
	// The text taken away, then given back.
	fx.Do(t, "PATCH", path, staff, map[string]any{"answers": map[string]any{"overall": "unsatisfied"}, "reason": "意见属于另一份问卷"}).Want(t, 200, "text taken away")
	testutil.CheckCounters(t, fx.DB, "t1")
	if opinions() != base-1 {
		t.Errorf("%d opinions after the text was taken away, want %d", opinions(), base-1)
	}
	fx.Do(t, "PATCH", path, staff, map[string]any{"answers": map[string]any{"overall": "unsatisfied", "advice": "建议公开"}, "reason": "找回意见"}).Want(t, 200, "text given back")
	testutil.CheckCounters(t, fx.DB, "t1")
	if opinions() != base {
		t.Errorf("%d opinions after the text came back, want %d", opinions(), base)
	}

	// A void of the response with the greatest amount: the maximum moves.
	vpath := "/api/v1/responses/" + ids[6]
	fx.Do(t, "DELETE", vpath, staff, map[string]any{}).Want(t, 422, "a void without a reason")
	fx.Do(t, "DELETE", vpath, staff, map[string]any{"reason": "重复录入"}).Want(t, 200, "a void").JSON(t, &rec)
	if !rec.Changed || rec.Response.VoidedAt == nil || rec.Response.VoidReason != "重复录入" || rec.Response.Revisions[0].Action != "void" {
		t.Fatalf("after a void: %+v", rec)
	}
	testutil.CheckCounters(t, fx.DB, "t1")
	c, err := fx.DB.StoredCounters(context.Background(), "t1")
	if err != nil {
		t.Fatal(err)
	}
	if got := c[models.CounterKey{Questionnaire: "q1", Question: "amount", Bucket: "max"}]; got != 60*models.NumberScale {
		t.Errorf("the maximum after voiding the greatest: %d, want %d", got, 60*models.NumberScale)
	}
	fx.Do(t, "DELETE", vpath+"?reason=again", staff, nil).Want(t, 200, "voided again").JSON(t, &rec)
	if rec.Changed {
		t.Error("a second void changed something")
	}
	fx.Do(t, "PATCH", vpath, staff, map[string]any{"answers": map[string]any{"overall": "basic"}, "reason": "x"}).Want(t, 409, "correct a voided response")
	again := testutil.Response(ids[6], 6)
	again["answers"].(map[string]any)["amount"] = float64(70)
	fx.Do(t, "POST", "/api/v1/questionnaires/q1/responses", staff, again).Want(t, 409, "the voided id again")
	testutil.CheckCounters(t, fx.DB, "t1")

	for action, n := range map[string]int{"response.correct": 3, "response.void": 1} {
		if a := audited(t, fx, action, ""); len(a) != n || a[0].Actor.User != "staff" {
			t.Errorf("%s: %d entries, want %d by staff", action, len(a), n)
		}
	}
	fx.Do(t, "GET", path, fx.tokens["admin"], nil).Want(t, 200, "an admin reads the history").JSON(t, &rec.Response)
	if len(rec.Response.Revisions) != 3 {
		t.Errorf("%d revisions of the corrected response, want 3", len(rec.Response.Revisions))
	}
}

// TestCorrectActivity: a forum's attendance typed as 60/120/20 is put right
// as 6/12/2: the summary's participants move by exactly the difference (the
// counters equal the recount), seq by one, the earlier figures are kept as a
// revision with who and why, a retry of the first creation is still
// recognised, bad fields and no reason change nothing, and a deputy may not.
func TestCorrectActivity(t *testing.T) {
	fx := newFixture(t)
	staff := fx.tokens["staff"]
	id := newID()
	body := map[string]any{"id": id, "kind": "forum", "topic_id": "t1", "title": "预算草案座谈会", "held_on": "2026-11-20",
		"participants": map[string]any{"deputies": 60, "public": 120, "other": 20}}
	fx.Do(t, "POST", "/api/v1/activities", staff, body).Want(t, 201, "a forum typed wrong")
	sum := func() models.Summary {
		s, err := fx.DB.Summary(context.Background(), "t1", "hongta")
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := sum()
	path := "/api/v1/activities/" + id
	snap := testutil.Snapshot(t, fx.DB)
	fx.Do(t, "PATCH", path, staff, map[string]any{"participants": map[string]any{"deputies": 6, "public": 12, "other": 2}}).Want(t, 422, "no reason")
	e := fx.Do(t, "PATCH", path, staff, map[string]any{"held_on": "2026-13-40", "participants": map[string]any{"deputies": -1}, "reason": "x"}).Want(t, 422, "bad fields").Err(t)
	if len(e.Error.Fields) == 0 {
		t.Errorf("bad fields name none: %+v", e.Error)
	}
	fx.Do(t, "PATCH", path, fx.tokens["deputy"], map[string]any{"participants": map[string]any{"deputies": 6}, "reason": "x"}).Want(t, 403, "a deputy")
	fx.Do(t, "PATCH", "/api/v1/activities/"+newID(), staff, map[string]any{"title": "x", "reason": "x"}).Want(t, 404, "no such activity")
	testutil.SameSnapshot(t, fx.DB, snap, "refused corrections")

	var out struct {
		models.Activity
		Changed   *bool `json:"changed"`
		Revisions []struct {
			Revision  int             `json:"revision"`
			Body      json.RawMessage `json:"body"`
			Reason    string          `json:"reason"`
			ChangedBy string          `json:"changed_by"`
		} `json:"revisions"`
	}
	fx.Do(t, "PATCH", path, staff, map[string]any{"participants": map[string]any{"deputies": 6, "public": 12, "other": 2}, "reason": "人数多录了一个零"}).Want(t, 200, "corrected").JSON(t, &out)
	if out.Changed == nil || !*out.Changed || out.Participants.Public != 12 || len(out.Revisions) != 1 || out.Revisions[0].ChangedBy != "staff" || out.Revisions[0].Reason != "人数多录了一个零" {
		t.Fatalf("after the correction: %+v", out)
	}
	var kept struct{ Participants models.Participants }
	if err := json.Unmarshal(out.Revisions[0].Body, &kept); err != nil || kept.Participants.Public != 120 {
		t.Errorf("the revision keeps %s, want the figures of before", out.Revisions[0].Body)
	}
	after := sum()
	if d := after.Activities.Participants.Public - before.Activities.Participants.Public; d != -108 {
		t.Errorf("public participants moved by %d, want -108", d)
	}
	if after.Seq != before.Seq+1 || after.Activities.Forum != before.Activities.Forum {
		t.Errorf("seq %d→%d, forums %d→%d", before.Seq, after.Seq, before.Activities.Forum, after.Activities.Forum)
	}
	testutil.CheckCounters(t, fx.DB, "t1")
	fx.Do(t, "POST", "/api/v1/activities", staff, body).Want(t, 200, "the first creation again: recognised")
	fx.Do(t, "PATCH", path, staff, map[string]any{"participants": map[string]any{"deputies": 6, "public": 12, "other": 2}, "reason": "again"}).Want(t, 200, "the same").JSON(t, &out)
	if *out.Changed {
		t.Error("the same correction again changed it")
	}
	if a := audited(t, fx, "activity.correct", ""); len(a) != 1 {
		t.Errorf("%d activity.correct entries, want 1", len(a))
	}
	testutil.CheckCounters(t, fx.DB, "t1")
}
