package hub_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"budgetpoint/db"
	"budgetpoint/hub"
	"budgetpoint/internal/testutil"
	"budgetpoint/internal/workdays"
	"budgetpoint/models"
)

// TestUnitsAndAssignment: the committee keeps a registry of units (承办单位)
// and assigns an opinion to a lead unit and assisting ones: status
// forwarded, a due date three months on by the working-day calendar unless
// given, the change audited and queued for the point; an unknown unit, a
// past or non-working due date, a voided opinion or a closed one is refused
// and changes nothing; the opinion shows overdue once past due.
func TestUnitsAndAssignment(t *testing.T) {
	e := newEnv(t)
	for _, u := range []hub.Unit{{ID: "czj", Name: "市财政局", Kind: "department"}, {ID: "jtj", Name: "市交通运输局", Kind: "department"}} {
		e.apiJSON(t, "POST", "/api/v1/committee/units", u, 201, nil)
	}
	if st, out := e.api(t, "POST", "/api/v1/committee/units", hub.Unit{ID: "czj2", Name: "市财政局", Kind: "department"}); st != 409 || !strings.Contains(string(out), " / ") {
		t.Fatalf("a unit's name twice: %d %s", st, out)
	}
	if st, _ := e.api(t, "POST", "/api/v1/committee/units", map[string]any{"id": "x", "name": "某单位", "kind": "club"}); st != 422 {
		t.Fatalf("a unit of an unknown kind: %d", st)
	}
	var units struct{ Items []hub.Unit }
	e.apiJSON(t, "GET", "/api/v1/committee/units", nil, 200, &units)
	if len(units.Items) != 2 {
		t.Fatalf("units %+v", units.Items)
	}

	o := opinion(topicID, 1)
	e.push(t, batch("hongta", nil, []models.Opinion{o}))
	for name, body := range map[string]map[string]any{
		"an unknown lead unit":     {"lead": "nowhere"},
		"the lead also assisting":  {"lead": "czj", "assist": []string{"czj"}},
		"a due date in the past":   {"lead": "czj", "due": "2020-01-06"},
		"a due date on a Saturday": {"lead": "czj", "due": "2099-01-03"},
		"no lead":                  {"assist": []string{"jtj"}},
	} {
		if st, out := e.api(t, "POST", "/api/v1/committee/opinions/"+o.ID+"/assign", body); st != 422 {
			t.Errorf("%s: %d %s", name, st, out)
		}
	}
	var got models.Opinion
	e.apiJSON(t, "POST", "/api/v1/committee/opinions/"+o.ID+"/assign", map[string]any{"lead": "czj", "assist": []string{"jtj"}}, 200, &got)
	want := (*workdays.Calendar)(nil).Months(time.Now(), 3).Format(time.DateOnly)
	if got.Status != "forwarded" || got.Lead != "czj" || len(got.Assist) != 1 || got.Assist[0] != "jtj" || got.Due != want || got.Round != 1 || got.Overdue {
		t.Fatalf("assigned: %+v, want forwarded to czj with jtj, due %s", got, want)
	}
	// Audited, and queued for the point.
	p, err := e.d.AuditLog(context.Background(), models.AuditFilter{Action: "opinion.assign", Limit: 10})
	if err != nil || len(p.Items) != 1 || p.Items[0].Object.ID != o.ID {
		t.Fatalf("audit of the assignment: %+v %v", p.Items, err)
	}
	st, body := e.signed(t, "GET", "/api/v1/sync/updates", "since=0", "hongta", secretOf("hongta"), nil, time.Now())
	if st != http.StatusOK || !strings.Contains(string(body), `"status":"forwarded"`) {
		t.Fatalf("the point's updates after the assignment: %d %s", st, body)
	}
	// Reassigned with a due date of the committee's; then past due.
	got = models.Opinion{}
	e.apiJSON(t, "POST", "/api/v1/committee/opinions/"+o.ID+"/assign", map[string]any{"lead": "jtj", "due": "2099-03-02"}, 200, &got)
	if got.Lead != "jtj" || got.Due != "2099-03-02" || got.Assist != nil {
		t.Fatalf("reassigned: %+v", got)
	}
	testutil.Exec(t, e.d, `UPDATE hub_opinions SET due='2020-01-06' WHERE id=?`, o.ID)
	var page models.Page[models.Opinion]
	e.apiJSON(t, "GET", "/api/v1/committee/opinions?point=hongta", nil, 200, &page)
	if len(page.Items) != 1 || !page.Items[0].Overdue {
		t.Fatalf("past due and not answered is overdue: %+v", page.Items)
	}

	// A voided opinion is neither assigned nor moved.
	v := opinion(topicID, 2)
	v.Voided = true
	e.push(t, batch("hongta", nil, []models.Opinion{v}))
	if st, _ := e.api(t, "POST", "/api/v1/committee/opinions/"+v.ID+"/assign", map[string]any{"lead": "czj"}); st != 409 {
		t.Errorf("assigning a voided opinion: %d, want 409", st)
	}
	if st, _ := e.api(t, "PATCH", "/api/v1/committee/opinions/"+v.ID, map[string]any{"status": "forwarded"}); st != 409 {
		t.Errorf("moving a voided opinion: %d, want 409", st)
	}
	if st, _ := e.api(t, "POST", "/api/v1/committee/opinions/no-such/assign", map[string]any{"lead": "czj"}); st != 404 {
		t.Errorf("assigning an opinion that does not exist: %d, want 404", st)
	}
}

// TestUnitWork: a unit login (one unit) sees only its unit's opinions,
// signs for one (签收), replies with a grade (答复): answered, the answer
// flows down to the point; another unit, an assisting unit, a step out of
// turn, a return past 7 working days and a bad grade are refused and change
// nothing; a return within them sends it back to the committee.
func TestUnitWork(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, u := range []hub.Unit{{ID: "czj", Name: "市财政局", Kind: "department"}, {ID: "jtj", Name: "市交通运输局", Kind: "department"}} {
		e.apiJSON(t, "POST", "/api/v1/committee/units", u, 201, nil)
	}
	if st, _ := e.api(t, "POST", "/api/v1/users", map[string]any{"name": "nounit", "role": "unit", "password": "Unit-pass-2026-x"}); st != 422 && st != 403 {
		t.Fatalf("a unit login without its unit: %d", st)
	}
	czj, jtj := e.unitLogin(t, "czj1", "czj"), e.unitLogin(t, "jtj1", "jtj")
	do := func(tok, method, path string, body any, want int) []byte {
		t.Helper()
		r := e.he.Do(t, method, path, tok, body)
		if r.Status != want {
			t.Fatalf("%s %s: %d %s, want %d", method, path, r.Status, r.Body, want)
		}
		return r.Body
	}
	o1, o2 := opinion(topicID, 1), opinion(topicID, 2)
	e.push(t, batch("hongta", nil, []models.Opinion{o1, o2}))
	e.apiJSON(t, "POST", "/api/v1/committee/opinions/"+o1.ID+"/assign", map[string]any{"lead": "czj", "assist": []string{"jtj"}}, 200, nil)
	e.apiJSON(t, "POST", "/api/v1/committee/opinions/"+o2.ID+"/assign", map[string]any{"lead": "jtj"}, 200, nil)

	if b := do(czj, "GET", "/api/v1/unit/opinions", nil, 200); !strings.Contains(string(b), o1.ID) || strings.Contains(string(b), o2.ID) {
		t.Fatalf("czj's inbox: %s", b)
	}
	do(czj, "GET", "/api/v1/unit/opinions/"+o2.ID, nil, 404)            // another unit's
	do(jtj, "POST", "/api/v1/unit/opinions/"+o1.ID+"/accept", nil, 403) // assisting, not lead
	do(czj, "GET", "/api/v1/committee/opinions", nil, 403)              // not the committee
	do(czj, "POST", "/api/v1/unit/opinions/"+o1.ID+"/reply", map[string]any{"grade": "E", "content": "已办"}, 422)
	do(czj, "POST", "/api/v1/unit/opinions/"+o1.ID+"/accept", nil, 200)
	do(czj, "POST", "/api/v1/unit/opinions/"+o1.ID+"/accept", nil, 409) // signed for already
	var got models.Opinion
	if err := json.Unmarshal(do(czj, "POST", "/api/v1/unit/opinions/"+o1.ID+"/reply", map[string]any{"grade": "A", "content": "已在2027年预算中安排乡村道路硬化资金"}, 200), &got); err != nil {
		t.Fatal(err)
	}
	if got.Status != "answered" || got.Answer != "已在2027年预算中安排乡村道路硬化资金" {
		t.Fatalf("replied: %+v", got)
	}
	st, body := e.signed(t, "GET", "/api/v1/sync/updates", "since=0", "hongta", secretOf("hongta"), nil, time.Now())
	if st != 200 || !strings.Contains(string(body), "已在2027年预算中安排乡村道路硬化资金") {
		t.Fatalf("the reply did not flow down: %d %s", st, body)
	}
	// Not satisfied: the next round under supervision (督办), the first reply kept.
	got = models.Opinion{}
	e.apiJSON(t, "PATCH", "/api/v1/committee/opinions/"+o1.ID, map[string]any{"status": "closed", "evaluation": "unsatisfied"}, 200, &got)
	if got.Status != "forwarded" || got.Round != 2 || !got.Supervised || got.Lead != "czj" || got.Answer == "" {
		t.Fatalf("an unsatisfied evaluation: %+v, want round 2 under supervision, forwarded to czj, the first reply kept", got)
	}
	st, body = e.signed(t, "GET", "/api/v1/sync/updates", "since=0", "hongta", secretOf("hongta"), nil, time.Now())
	if st != 200 || !strings.Contains(string(body), `"round":2`) {
		t.Fatalf("the new round did not flow down: %d %s", st, body)
	}
	do(czj, "POST", "/api/v1/unit/opinions/"+o1.ID+"/reply", map[string]any{"grade": "B", "content": "第二轮：已补充安排养护资金"}, 200)
	// The whole story: both replies with their rounds, and every step.
	var story models.Opinion
	if err := json.Unmarshal(do(czj, "GET", "/api/v1/unit/opinions/"+o1.ID, nil, 200), &story); err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, s := range story.History {
		steps = append(steps, s.Action+":"+s.Actor)
	}
	if len(story.Replies) != 2 || story.Replies[0].Round != 1 || story.Replies[1].Round != 2 || story.Replies[1].Grade != "B" ||
		strings.Join(steps, ",") != "assign:committee1,accept:czj1,reply:czj1,reopen:committee1,reply:czj1" {
		t.Fatalf("the opinion's story: replies %+v, steps %v", story.Replies, steps)
	}
	var replies int
	if err := testutil.RawOf(t, e.d).QueryRow(`SELECT count(*) FROM hub_opinion_replies WHERE opinion_id=?`, o1.ID).Scan(&replies); err != nil || replies != 2 {
		t.Fatalf("%d replies kept, want both rounds' (%v)", replies, err)
	}
	// Returned within 7 working days: back to the committee.
	got = models.Opinion{}
	if err := json.Unmarshal(do(jtj, "POST", "/api/v1/unit/opinions/"+o2.ID+"/return", map[string]any{"reason": "不属于本单位职责，建议交市财政局"}, 200), &got); err != nil {
		t.Fatal(err)
	}
	if got.Status != "reported" || got.Lead != "" {
		t.Fatalf("returned: %+v", got)
	}
	do(jtj, "GET", "/api/v1/unit/opinions/"+o2.ID, nil, 404)
	// Assigned again, and 20 days later it can no longer be returned.
	e.apiJSON(t, "POST", "/api/v1/committee/opinions/"+o2.ID+"/assign", map[string]any{"lead": "jtj"}, 200, nil)
	testutil.Exec(t, e.d, `UPDATE hub_opinions SET assigned_at=? WHERE id=?`, db.FormatTime(time.Now().AddDate(0, 0, -20)), o2.ID)
	do(jtj, "POST", "/api/v1/unit/opinions/"+o2.ID+"/return", map[string]any{"reason": "太晚了"}, 422)
	for a, n := range map[string]int{"opinion.accept": 1, "opinion.reply": 2, "opinion.return": 1, "opinion.reopen": 1} {
		p, err := e.d.AuditLog(ctx, models.AuditFilter{Action: a, Limit: 10})
		if err != nil || len(p.Items) != n {
			t.Errorf("audit of %s: %d entries (%v), want %d", a, len(p.Items), err, n)
		}
	}
}

// TestUnitStatistics: the per-unit figures equal a recount over the
// opinions, done here from the opinions the committee API lists.
func TestUnitStatistics(t *testing.T) {
	e := newEnv(t)
	for _, u := range []hub.Unit{{ID: "czj", Name: "市财政局", Kind: "department"}, {ID: "jtj", Name: "市交通运输局", Kind: "department"}, {ID: "idle", Name: "市国资委", Kind: "department"}} {
		e.apiJSON(t, "POST", "/api/v1/committee/units", u, 201, nil)
	}
	tok := e.unitLogin(t, "czj1", "czj")
	var ops []models.Opinion
	for i := range 6 {
		ops = append(ops, opinion(topicID, i))
	}
	e.push(t, batch("hongta", nil, ops))
	for i, o := range ops {
		lead := "czj"
		if i >= 4 {
			lead = "jtj"
		}
		e.apiJSON(t, "POST", "/api/v1/committee/opinions/"+o.ID+"/assign", map[string]any{"lead": lead}, 200, nil)
	}
	reply := func(o models.Opinion) {
		t.Helper()
		if r := e.he.Do(t, "POST", "/api/v1/unit/opinions/"+o.ID+"/reply", tok, map[string]any{"grade": "A", "content": "已办理"}); r.Status != 200 {
			t.Fatalf("reply: %d %s", r.Status, r.Body)
		}
	}
	reply(ops[0])
	reply(ops[1])
	reply(ops[2])
	// ops[3] is answered after its due date: answered, not on time.
	lateDue := time.Now().In(workdays.China).AddDate(0, 0, -2).Format(time.DateOnly)
	testutil.Exec(t, e.d, `UPDATE hub_opinions SET due=? WHERE id=?`, lateDue, ops[3].ID)
	reply(ops[3])
	e.apiJSON(t, "PATCH", "/api/v1/committee/opinions/"+ops[0].ID, map[string]any{"status": "closed", "evaluation": "satisfied"}, 200, nil)
	e.apiJSON(t, "PATCH", "/api/v1/committee/opinions/"+ops[1].ID, map[string]any{"status": "closed", "evaluation": "basic"}, 200, nil)
	// Not satisfied: round 2 runs, and the evaluation counts against czj.
	e.apiJSON(t, "PATCH", "/api/v1/committee/opinions/"+ops[2].ID, map[string]any{"status": "closed", "evaluation": "unsatisfied"}, 200, nil)
	// jtj's first one is past due.
	testutil.Exec(t, e.d, `UPDATE hub_opinions SET due='2020-01-06' WHERE id=?`, ops[4].ID)

	var got struct{ Items []hub.UnitStats }
	e.apiJSON(t, "GET", "/api/v1/committee/stats/units", nil, 200, &got)
	// The recount, from what the committee's list says of each opinion.
	var page models.Page[models.Opinion]
	e.apiJSON(t, "GET", "/api/v1/committee/opinions?limit=500", nil, 200, &page)
	want := map[string]*hub.UnitStats{}
	for _, o := range page.Items {
		if o.Lead == "" {
			continue
		}
		w := want[o.Lead]
		if w == nil {
			w = &hub.UnitStats{}
			want[o.Lead] = w
		}
		w.Assigned++
		if o.Status == "answered" || o.Status == "closed" {
			w.Answered++
			// On time: the lead's last reply of the round on or before the due day (China time).
			var one models.Opinion
			e.apiJSON(t, "GET", "/api/v1/committee/opinions/"+o.ID, nil, 200, &one)
			last := ""
			for _, r := range one.Replies {
				if r.Round == one.Round && r.Unit == one.Lead {
					last = r.At.In(workdays.China).Format(time.DateOnly)
				}
			}
			if last != "" && last <= one.Due {
				w.OnTime++
			}
		}
		if o.Evaluation == "unsatisfied" && (o.Status != "forwarded" || o.Round != 2) {
			t.Errorf("an unsatisfied evaluation of an assigned opinion: %+v, want round 2 forwarded", o)
		}
		if o.Overdue {
			w.Overdue++
		}
		if o.Evaluation != "" {
			w.Evaluated++
			if o.Evaluation == "satisfied" || o.Evaluation == "basic" {
				w.Satisfied++
			}
		}
	}
	if len(got.Items) != 3 {
		t.Fatalf("%d rows, want one per unit", len(got.Items))
	}
	// Per topic (one topic here, nothing merged): the same recount, summed.
	var topics struct{ Items []hub.TopicStats }
	e.apiJSON(t, "GET", "/api/v1/committee/stats/topics", nil, 200, &topics)
	sum := hub.UnitStats{}
	for _, w := range want {
		sum.Assigned, sum.Answered, sum.OnTime, sum.Overdue, sum.Evaluated, sum.Satisfied = sum.Assigned+w.Assigned, sum.Answered+w.Answered,
			sum.OnTime+w.OnTime, sum.Overdue+w.Overdue, sum.Evaluated+w.Evaluated, sum.Satisfied+w.Satisfied
	}
	if len(topics.Items) != 1 || topics.Items[0].Topic != topicID {
		t.Fatalf("topic statistics %+v", topics.Items)
	}
	if g := topics.Items[0]; g.Assigned != sum.Assigned || g.Answered != sum.Answered || g.OnTime != sum.OnTime || g.Overdue != sum.Overdue ||
		g.Evaluated != sum.Evaluated || g.Satisfied != sum.Satisfied {
		t.Errorf("topic: %+v, the recount %+v", g, sum)
	}
	for _, g := range got.Items {
		w := want[g.Unit]
		if w == nil {
			w = &hub.UnitStats{}
		}
		if g.Assigned != w.Assigned || g.Answered != w.Answered || g.OnTime != w.OnTime || g.Overdue != w.Overdue || g.Evaluated != w.Evaluated || g.Satisfied != w.Satisfied {
			t.Errorf("%s: %+v, the recount %+v", g.Unit, g, *w)
		}
	}
	for _, g := range got.Items {
		switch g.Unit {
		case "czj":
			if g.Assigned != 4 || g.Answered != 3 || g.OnTime != 2 || g.AnswerRate == nil || *g.AnswerRate != 0.75 || g.Evaluated != 3 || g.SatisfyRate == nil || *g.SatisfyRate != 0.667 {
				t.Errorf("czj: %+v", g)
			}
		case "jtj":
			if g.Assigned != 2 || g.Overdue != 1 || *g.AnswerRate != 0 || g.SatisfyRate != nil {
				t.Errorf("jtj: %+v", g)
			}
		case "idle":
			if g.Assigned != 0 || g.AnswerRate != nil {
				t.Errorf("a unit with nothing assigned: %+v", g)
			}
		}
	}
}
