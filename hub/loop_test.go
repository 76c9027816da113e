package hub_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"budgetpoint/db"
	"budgetpoint/hub"
	"budgetpoint/internal/testutil"
	"budgetpoint/internal/workdays"
	"budgetpoint/models"
	"budgetpoint/syncproto"
)

// loopEnv is a hub with two units (czj, jtj) and a login of each.
type loopEnv struct {
	*env
	czj, jtj string // the units' bearer tokens
}

func newLoopEnv(t *testing.T) *loopEnv {
	t.Helper()
	e := newEnv(t)
	for _, u := range []hub.Unit{{ID: "czj", Name: "市财政局", Kind: "department"}, {ID: "jtj", Name: "市交通运输局", Kind: "department"}} {
		e.apiJSON(t, "POST", "/api/v1/committee/units", u, 201, nil)
	}
	return &loopEnv{env: e, czj: e.unitLogin(t, "czj1", "czj"), jtj: e.unitLogin(t, "jtj1", "jtj")}
}

// unitLogin adds a login of the unit and returns a bearer token of it.
func (e *env) unitLogin(t *testing.T, name, unit string) string {
	t.Helper()
	ctx := context.Background()
	u, err := e.d.CreateLogin(ctx, db.NewLogin{Name: name, Role: "unit", Password: "Lead-Unit-Pass-2026!", UnitID: unit})
	if err != nil {
		t.Fatal(err)
	}
	tok, _, _, err := e.d.CreateToken(ctx, u.ID, db.TokenAPI)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// unit calls the unit API with tok and wants the status want.
func (e *loopEnv) unit(t *testing.T, tok, method, path string, body any, want int) []byte {
	t.Helper()
	r := e.he.Do(t, method, path, tok, body)
	if r.Status != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, r.Status, r.Body, want)
	}
	return r.Body
}

// sqlExec changes the hub's database behind its back (what a test cannot
// reach through the API: an assignment made days ago).
func (e *loopEnv) sqlExec(t *testing.T, q string, args ...any) {
	t.Helper()
	testutil.Exec(t, e.d, q, args...)
}

// pull is the point's pull of its updates (all of them), keyed by opinion.
func (e *loopEnv) pull(t *testing.T, point string) map[string]syncproto.OpinionUpdate {
	t.Helper()
	st, out := e.signed(t, "GET", syncproto.PathUpdates, "since=0", point, secretOf(point), nil, time.Now())
	if st != 200 {
		t.Fatalf("pull of %s: %d %s", point, st, out)
	}
	var u syncproto.Updates
	if err := json.Unmarshal(out, &u); err != nil {
		t.Fatal(err)
	}
	m := map[string]syncproto.OpinionUpdate{}
	for _, o := range u.OpinionUpdates {
		m[o.ID] = o
	}
	return m
}

func (e *loopEnv) opinion(t *testing.T, id string) models.Opinion {
	t.Helper()
	var o models.Opinion
	e.apiJSON(t, "GET", "/api/v1/committee/opinions/"+id, nil, 200, &o)
	return o
}

// TestMergeAnswersEveryProposer: two points raise the same thing; the
// committee sees it offered as a likely duplicate, merges one into the
// other (并案), and assigns and closes only the one; both follow it, both
// points are told the reply and the evaluation, the unit sees it once, and
// the statistics count it once per unit and once per proposer per topic.
// Merging twice, into itself, into a closed one, or a step on the merged
// one is refused and changes nothing.
func TestMergeAnswersEveryProposer(t *testing.T) {
	e := newLoopEnv(t)
	a, b, c := opinion(topicID, 1), opinion(topicID, 2), opinion(topicID, 3)
	a.Content = "建议加大对乡村道路硬化的投入，尤其是山区村组的道路。"
	b.Content = "建议加大乡村道路硬化投入，山区村组道路要优先。"
	c.Content = "希望公开市本级三公经费的明细。"
	e.push(t, batch("hongta", nil, []models.Opinion{a, c}))
	e.push(t, batch("tonghai", nil, []models.Opinion{b}))

	var sim struct{ Items []hub.Similar }
	e.apiJSON(t, "GET", "/api/v1/committee/opinions/"+b.ID+"/similar", nil, 200, &sim)
	if len(sim.Items) != 1 || sim.Items[0].ID != a.ID || sim.Items[0].Score < hub.SimilarMin {
		t.Fatalf("likely duplicates of b: %+v, want a alone", sim.Items)
	}

	for name, body := range map[string]map[string]any{"into itself": {"into": b.ID}, "into nothing": {"into": "nope"}, "no into": {}} {
		if st, out := e.api(t, "POST", "/api/v1/committee/opinions/"+b.ID+"/merge", body); st != 422 {
			t.Errorf("merge %s: %d %s", name, st, out)
		}
	}
	var got models.Opinion
	e.apiJSON(t, "POST", "/api/v1/committee/opinions/"+b.ID+"/merge", map[string]any{"into": a.ID}, 200, &got)
	if got.MergedInto != a.ID || got.Status != "reported" {
		t.Fatalf("merged: %+v", got)
	}
	if st, _ := e.api(t, "POST", "/api/v1/committee/opinions/"+b.ID+"/merge", map[string]any{"into": c.ID}); st != 409 {
		t.Errorf("merging a merged one again: %d", st)
	}
	if st, _ := e.api(t, "POST", "/api/v1/committee/opinions/"+b.ID+"/assign", map[string]any{"lead": "czj"}); st != 409 {
		t.Errorf("assigning the merged one: %d", st)
	}
	e.apiJSON(t, "POST", "/api/v1/committee/opinions/"+a.ID+"/assign", map[string]any{"lead": "czj", "assist": []string{"jtj"}}, 200, nil)
	if o := e.opinion(t, b.ID); o.Status != "forwarded" || o.Lead != "czj" || o.LeadName != "市财政局" || o.Due == "" {
		t.Fatalf("b does not follow a's assignment: %+v", o)
	}
	// The unit sees one item, not two.
	var inbox struct{ Items []models.Opinion }
	if err := json.Unmarshal(e.unit(t, e.czj, "GET", "/api/v1/unit/opinions", nil, 200), &inbox); err != nil {
		t.Fatal(err)
	}
	if len(inbox.Items) != 1 || inbox.Items[0].ID != a.ID {
		t.Fatalf("czj's inbox %+v, want a alone", inbox.Items)
	}
	e.unit(t, e.czj, "GET", "/api/v1/unit/opinions/"+b.ID, nil, 404)
	e.unit(t, e.czj, "POST", "/api/v1/unit/opinions/"+a.ID+"/accept", nil, 200)
	e.unit(t, e.czj, "POST", "/api/v1/unit/opinions/"+a.ID+"/reply", map[string]any{"grade": "A", "content": "已列入2027年农村公路建设计划，山区村组优先。"}, 200)
	e.apiJSON(t, "PATCH", "/api/v1/committee/opinions/"+a.ID, map[string]any{"status": "closed", "evaluation": "satisfied"}, 200, nil)
	if st, _ := e.api(t, "PATCH", "/api/v1/committee/opinions/"+b.ID, map[string]any{"status": "answered", "answer": "x"}); st != 409 {
		t.Errorf("moving the merged one: %d", st)
	}
	if st, _ := e.api(t, "POST", "/api/v1/committee/opinions/"+c.ID+"/merge", map[string]any{"into": a.ID}); st != 422 {
		t.Errorf("merging into a closed one: %d", st)
	}

	ob := e.opinion(t, b.ID)
	if ob.Status != "closed" || ob.Evaluation != "satisfied" || ob.Grade != "A" || len(ob.Replies) != 1 || !strings.Contains(ob.Answer, "山区村组优先") {
		t.Fatalf("b after a was closed: %+v", ob)
	}
	actions := []string{}
	for _, s := range ob.History {
		actions = append(actions, s.Action)
	}
	if h := strings.Join(actions, ","); !strings.Contains(h, "merge") || !strings.Contains(h, "reply") || !strings.Contains(h, "close") {
		t.Errorf("b's history %s lacks the merge, the reply or the close", h)
	}
	// Each proposer's point is told.
	for point, id := range map[string]string{"hongta": a.ID, "tonghai": b.ID} {
		u, ok := e.pull(t, point)[id]
		if !ok || u.Status != "closed" || u.Evaluation != "satisfied" || u.Lead != "市财政局" || u.Reply == nil || u.Reply.Grade != "A" || u.Reply.Unit != "市财政局" || u.Answer != u.Reply.Content {
			t.Errorf("%s is told of %s: %+v (reply %+v)", point, id, u, u.Reply)
		}
	}
	var us struct{ Items []hub.UnitStats }
	e.apiJSON(t, "GET", "/api/v1/committee/stats/units", nil, 200, &us)
	for _, s := range us.Items {
		if s.Unit == "czj" && (s.Assigned != 1 || s.Answered != 1 || s.Satisfied != 1) {
			t.Errorf("czj counts the merged pair as %+v, want once", s)
		}
	}
	var ts struct{ Items []hub.TopicStats }
	e.apiJSON(t, "GET", "/api/v1/committee/stats/topics", nil, 200, &ts)
	if len(ts.Items) != 1 || ts.Items[0].Topic != topicID || ts.Items[0].Assigned != 2 || ts.Items[0].Satisfied != 2 || *ts.Items[0].SatisfyRate != 1 {
		t.Errorf("topic statistics %+v, want both proposers counted", ts.Items)
	}
	if n := e.count(t, "hub_opinion_replies"); n != 1 {
		t.Errorf("%d replies stored, want the one", n)
	}
}

// TestMergedIntoVoided: when the opinion others were merged into is taken
// back at its point, they stand on their own again, where it stood, their
// story whole, and the unit sees them.
func TestMergedIntoVoided(t *testing.T) {
	e := newLoopEnv(t)
	a, b := opinion(topicID, 1), opinion(topicID, 2)
	e.push(t, batch("hongta", nil, []models.Opinion{a}))
	e.push(t, batch("tonghai", nil, []models.Opinion{b}))
	e.apiJSON(t, "POST", "/api/v1/committee/opinions/"+b.ID+"/merge", map[string]any{"into": a.ID}, 200, nil)
	e.apiJSON(t, "POST", "/api/v1/committee/opinions/"+a.ID+"/assign", map[string]any{"lead": "czj"}, 200, nil)
	e.unit(t, e.czj, "POST", "/api/v1/unit/opinions/"+a.ID+"/reply", map[string]any{"grade": "D", "content": "留作参考。"}, 200)
	a.Voided = true
	e.push(t, batch("hongta", nil, []models.Opinion{a}))
	ob := e.opinion(t, b.ID)
	if ob.MergedInto != "" || ob.Status != "answered" || ob.Lead != "czj" || len(ob.Replies) != 1 || ob.Replies[0].Grade != "D" {
		t.Fatalf("b after a was voided: %+v", ob)
	}
	e.unit(t, e.czj, "GET", "/api/v1/unit/opinions/"+b.ID, nil, 200)
}

// TestViewsAndFollowUp: an assisting unit gives its view (协办意见), which
// the lead unit reads before it replies; the lead cannot give one, and
// none is taken after the reply. A B or C reply is followed up three
// months on or on the date given; an A reply takes no date; the point is
// told the date.
func TestViewsAndFollowUp(t *testing.T) {
	e := newLoopEnv(t)
	o1, o2 := opinion(topicID, 1), opinion(topicID, 2)
	e.push(t, batch("hongta", nil, []models.Opinion{o1, o2}))
	for _, o := range []models.Opinion{o1, o2} {
		e.apiJSON(t, "POST", "/api/v1/committee/opinions/"+o.ID+"/assign", map[string]any{"lead": "czj", "assist": []string{"jtj"}}, 200, nil)
	}
	p := "/api/v1/unit/opinions/" + o1.ID
	e.unit(t, e.jtj, "POST", p+"/views", map[string]any{"content": "  "}, 422)
	e.unit(t, e.czj, "POST", p+"/views", map[string]any{"content": "主办单位的意见"}, 403)
	e.unit(t, e.jtj, "POST", p+"/views", map[string]any{"content": "建议结合农村公路“十五五”规划统筹安排。"}, 200)
	var lead models.Opinion
	if err := json.Unmarshal(e.unit(t, e.czj, "GET", p, nil, 200), &lead); err != nil {
		t.Fatal(err)
	}
	if len(lead.Views) != 1 || lead.Views[0].Unit != "jtj" || !strings.Contains(lead.Views[0].Content, "十五五") {
		t.Fatalf("the lead unit reads the views %+v", lead.Views)
	}
	tomorrowish := (*workdays.Calendar)(nil).Add(time.Now(), 1).Format(time.DateOnly)
	for name, body := range map[string]map[string]any{
		"a follow-up for an A reply": {"grade": "A", "content": "已解决", "follow_up": tomorrowish},
		"a follow-up in the past":    {"grade": "B", "content": "正在解决", "follow_up": "2020-01-06"},
		"a follow-up not a date":     {"grade": "B", "content": "正在解决", "follow_up": "下个月"},
	} {
		e.unit(t, e.czj, "POST", p+"/reply", body, 422)
		if o := e.opinion(t, o1.ID); o.Status != "forwarded" || len(o.Replies) != 0 {
			t.Fatalf("%s changed the opinion: %+v", name, o)
		}
	}
	e.unit(t, e.czj, "POST", p+"/reply", map[string]any{"grade": "B", "content": "正在解决，2027年6月底前完成。"}, 200)
	want := (*workdays.Calendar)(nil).Months(time.Now(), 3).Format(time.DateOnly)
	if o := e.opinion(t, o1.ID); o.FollowUp != want || o.Grade != "B" {
		t.Fatalf("a B reply: follow-up %q grade %q, want %s", o.FollowUp, o.Grade, want)
	}
	e.unit(t, e.jtj, "POST", p+"/views", map[string]any{"content": "迟到的意见"}, 409)
	e.unit(t, e.czj, "POST", "/api/v1/unit/opinions/"+o2.ID+"/reply", map[string]any{"grade": "C", "content": "列入计划。", "follow_up": tomorrowish}, 200)
	u := e.pull(t, "hongta")
	if u[o1.ID].FollowUp != want || u[o2.ID].FollowUp != tomorrowish || u[o2.ID].Reply == nil || u[o2.ID].Reply.Grade != "C" {
		t.Errorf("the point is told %+v and %+v", u[o1.ID], u[o2.ID])
	}
	// An unsatisfied evaluation opens round 2 without the old follow-up.
	e.apiJSON(t, "PATCH", "/api/v1/committee/opinions/"+o1.ID, map[string]any{"status": "closed", "evaluation": "unsatisfied"}, 200, nil)
	if o := e.opinion(t, o1.ID); o.Round != 2 || o.FollowUp != "" || !o.Supervised || len(o.Replies) != 1 {
		t.Errorf("reopened: %+v", o)
	}
	for a, n := range map[string]int{"opinion.view": 1, "opinion.reply": 2} {
		if got := testutilAudit(t, e, a); got != n {
			t.Errorf("%d audit entries %s, want %d", got, a, n)
		}
	}
}

// testutilAudit counts the hub's audit entries of an action.
func testutilAudit(t *testing.T, e *loopEnv, action string) int {
	t.Helper()
	var n int
	testutil.QueryRow(t, e.d, `SELECT count(*) FROM audit_log WHERE action=?`, []any{action}, &n)
	return n
}

// TestReturnOverHolidayWeek: the seven working days to return an
// assignment are counted over the calendar: an assignment two weeks ago
// with a holiday week between may still be returned, which Monday to
// Friday alone would refuse (422, saying why); the default due date skips
// the holidays.
func TestReturnOverHolidayWeek(t *testing.T) {
	e := newLoopEnv(t)
	now := time.Now().In(workdays.China)
	assigned := now.AddDate(0, 0, -14)
	var hol []string
	for d := assigned.AddDate(0, 0, 1); d.Before(now.AddDate(0, 0, -6)); d = d.AddDate(0, 0, 1) {
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			hol = append(hol, fmt.Sprintf("%q", d.Format(time.DateOnly)))
		}
	}
	cal, err := workdays.Parse([]byte(`{"source": "test", "holidays": [` + strings.Join(hol, ",") + `]}`))
	if err != nil {
		t.Fatal(err)
	}
	if n, plain := cal.Between(assigned, now), (*workdays.Calendar)(nil).Between(assigned, now); n > hub.ReturnWithin || plain <= hub.ReturnWithin {
		t.Fatalf("the test's dates: %d working days over the holidays, %d without; want ≤ %d and > %d", n, plain, hub.ReturnWithin, hub.ReturnWithin)
	}
	o1, o2 := opinion(topicID, 1), opinion(topicID, 2)
	e.push(t, batch("hongta", nil, []models.Opinion{o1, o2}))
	for _, o := range []models.Opinion{o1, o2} {
		e.apiJSON(t, "POST", "/api/v1/committee/opinions/"+o.ID+"/assign", map[string]any{"lead": "czj"}, 200, nil)
	}
	e.sqlExec(t, `UPDATE hub_opinions SET assigned_at=?`, db.FormatTime(assigned))
	// Monday to Friday: too late.
	out := e.unit(t, e.czj, "POST", "/api/v1/unit/opinions/"+o1.ID+"/return", map[string]any{"reason": "不属于本单位职责"}, 422)
	if !strings.Contains(string(out), "7 个工作日内") || !strings.Contains(string(out), "within 7 working days") {
		t.Errorf("the refusal says %s", out)
	}
	if o := e.opinion(t, o1.ID); o.Status != "forwarded" || o.Lead != "czj" {
		t.Fatalf("a refused return changed the opinion: %+v", o)
	}
	// Over the calendar with the holiday week: in time.
	e.h.Calendar = cal
	e.unit(t, e.czj, "POST", "/api/v1/unit/opinions/"+o1.ID+"/return", map[string]any{"reason": "不属于本单位职责"}, 200)
	if o := e.opinion(t, o1.ID); o.Status != "reported" || o.Lead != "" {
		t.Fatalf("returned: %+v", o)
	}
	var got models.Opinion
	e.apiJSON(t, "POST", "/api/v1/committee/opinions/"+o1.ID+"/assign", map[string]any{"lead": "jtj"}, 200, &got)
	if want := cal.Months(time.Now(), hub.DefaultDueMonths).Format(time.DateOnly); got.Due != want {
		t.Errorf("due %s, want %s over the calendar", got.Due, want)
	}
	// Overdue: past due while not answered, answered ones never.
	e.sqlExec(t, `UPDATE hub_opinions SET due=? WHERE id IN (?, ?)`, now.AddDate(0, 0, -1).Format(time.DateOnly), o1.ID, o2.ID)
	e.unit(t, e.czj, "POST", "/api/v1/unit/opinions/"+o2.ID+"/reply", map[string]any{"grade": "A", "content": "已解决"}, 200)
	if o := e.opinion(t, o1.ID); !o.Overdue {
		t.Errorf("past due and not answered, not overdue: %+v", o)
	}
	if o := e.opinion(t, o2.ID); o.Overdue {
		t.Errorf("answered, yet overdue: %+v", o)
	}
}

// TestReviewFindings: a return reaches the point (its round kept, so the
// point takes it); the committee does not answer in the place of the unit
// an opinion is assigned to; a merged opinion taken back at its point
// leaves the one it followed and is no longer moved with it; an opinion is
// merged only within its topic, and not away from another unit.
func TestReviewFindings(t *testing.T) {
	e := newLoopEnv(t)
	a, b, c, d := opinion(topicID, 1), opinion(topicID, 2), opinion(topicID, 3), opinion("t-other", 4)
	e.push(t, batch("hongta", nil, []models.Opinion{a, b, d}))
	e.push(t, batch("tonghai", nil, []models.Opinion{c}))

	e.apiJSON(t, "POST", "/api/v1/committee/opinions/"+a.ID+"/assign", map[string]any{"lead": "czj"}, 200, nil)
	if st, out := e.api(t, "PATCH", "/api/v1/committee/opinions/"+a.ID, map[string]any{"status": "answered", "answer": "预工委代答"}); st != 422 || !strings.Contains(string(out), "由主办单位答复") {
		t.Errorf("the committee answering for the unit: %d %s", st, out)
	}
	e.unit(t, e.czj, "POST", "/api/v1/unit/opinions/"+a.ID+"/return", map[string]any{"reason": "不属于本单位职责"}, 200)
	if u := e.pull(t, "hongta")[a.ID]; u.Status != "reported" || u.Round != 1 || u.Lead != "" {
		t.Errorf("the point is told of the return as %+v", u)
	}

	if st, _ := e.api(t, "POST", "/api/v1/committee/opinions/"+d.ID+"/merge", map[string]any{"into": b.ID}); st != 422 {
		t.Errorf("merging across topics: %d", st)
	}
	e.apiJSON(t, "POST", "/api/v1/committee/opinions/"+c.ID+"/assign", map[string]any{"lead": "jtj"}, 200, nil)
	if st, _ := e.api(t, "POST", "/api/v1/committee/opinions/"+c.ID+"/merge", map[string]any{"into": b.ID}); st != 409 {
		t.Errorf("merging one assigned to jtj into an unassigned one: %d", st)
	}
	e.unit(t, e.jtj, "POST", "/api/v1/unit/opinions/"+c.ID+"/return", map[string]any{"reason": "重复，另有一条"}, 200)
	e.apiJSON(t, "POST", "/api/v1/committee/opinions/"+c.ID+"/merge", map[string]any{"into": b.ID}, 200, nil)
	c.Voided = true
	e.push(t, batch("tonghai", nil, []models.Opinion{c}))
	e.apiJSON(t, "POST", "/api/v1/committee/opinions/"+b.ID+"/assign", map[string]any{"lead": "czj"}, 200, nil)
	var got models.Opinion
	if err := json.Unmarshal(e.unit(t, e.czj, "GET", "/api/v1/unit/opinions/"+b.ID, nil, 200), &got); err != nil {
		t.Fatal(err)
	}
	if u := e.pull(t, "tonghai")[c.ID]; u.Status == "forwarded" || u.Lead != "" {
		t.Errorf("the voided merged one still follows: %+v", u)
	}
	var merged string
	var steps int
	testutil.QueryRow(t, e.d, `SELECT merged_into, (SELECT count(*) FROM hub_opinion_steps WHERE opinion_id=? AND action='unmerge') FROM hub_opinions WHERE id=?`, []any{c.ID, c.ID}, &merged, &steps)
	if merged != "" || steps != 1 {
		t.Errorf("the voided one: merged_into %q, %d unmerge steps", merged, steps)
	}
}

// TestUnitListPaged: a unit's list comes in pages (?limit, ?after), what
// waits for it first, soonest due first; every item once over the pages.
func TestUnitListPaged(t *testing.T) {
	e := newLoopEnv(t)
	var ops []models.Opinion
	for i := range 3 {
		ops = append(ops, opinion(topicID, i))
	}
	e.push(t, batch("hongta", nil, ops))
	for i, o := range ops {
		due := (*workdays.Calendar)(nil).Add(time.Now(), 20-5*i).Format(time.DateOnly)
		e.apiJSON(t, "POST", "/api/v1/committee/opinions/"+o.ID+"/assign", map[string]any{"lead": "czj", "due": due}, 200, nil)
	}
	e.unit(t, e.czj, "POST", "/api/v1/unit/opinions/"+ops[2].ID+"/reply", map[string]any{"grade": "A", "content": "已解决"}, 200)
	var seen []string
	after := ""
	for range 3 {
		var page models.Page[models.Opinion]
		if err := json.Unmarshal(e.unit(t, e.czj, "GET", "/api/v1/unit/opinions?limit=2&after="+after, nil, 200), &page); err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Items {
			seen = append(seen, o.ID)
		}
		if page.Next == nil {
			break
		}
		after = *page.Next
	}
	// Waiting: ops[1] (due sooner) then ops[0]; answered: ops[2].
	if want := []string{ops[1].ID, ops[0].ID, ops[2].ID}; fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Fatalf("the pages give %v, want %v", seen, want)
	}
	e.unit(t, e.czj, "GET", "/api/v1/unit/opinions?limit=0", nil, 400)
}
