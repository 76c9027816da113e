package handlers_test

import (
	"strings"
	"testing"
	"time"

	"budgetpoint/internal/testutil"
	"budgetpoint/models"
)

// TestTopicDates: while a topic is not open (before opens_at, after the
// day of closes_at), deputies and public links neither see its
// questionnaires in their list nor send responses (409 topic_closed, its
// date named), and nothing is counted; staff still enter paper forms and
// late ones; a response stored before closing is still recognised on a
// retry; the closing day itself is open to its end.
func TestTopicDates(t *testing.T) {
	fx := newFixture(t)
	staff, deputy := fx.tokens["staff"], fx.tokens["deputy"]
	cst := time.FixedZone("CST", 8*3600)
	day := func(offset int) string {
		return time.Now().In(cst).AddDate(0, 0, offset).Format("2006-01-02") + "T00:00:00+08:00"
	}
	listed := func(what string) bool {
		t.Helper()
		var p models.Page[models.Questionnaire]
		fx.Do(t, "GET", "/api/v1/questionnaires", deputy, nil).Want(t, 200, what).JSON(t, &p)
		for _, q := range p.Items {
			if q.ID == "q1" {
				return true
			}
		}
		return false
	}
	respond := func(tok string, id string, want int, what string) *testutil.Resp {
		t.Helper()
		return fx.Do(t, "POST", "/api/v1/questionnaires/q1/responses", tok, testutil.Response(id, 1)).Want(t, want, what)
	}
	public := func(id string, want int, what string) *testutil.Resp {
		t.Helper()
		return fx.Do(t, "POST", "/api/v1/public/"+fx.publicToken+"/responses", "", testutil.Response(id, 2)).Want(t, want, what)
	}
	total := func() int64 {
		t.Helper()
		var s models.Summary
		fx.Do(t, "GET", "/api/v1/topics/t1/summary", staff, nil).Want(t, 200, "summary").JSON(t, &s)
		return s.Responses.Total
	}

	// Open on its closing day, to the end of it.
	fx.Do(t, "PATCH", "/api/v1/topics/t1", staff, map[string]any{"opens_at": day(-10), "closes_at": day(0)}).Want(t, 200, "closing today")
	if !listed("closing today") {
		t.Fatal("a topic closing today is not listed for deputies")
	}
	early := newID()
	respond(deputy, early, 201, "a deputy on the closing day")
	before := total()

	// Closed since yesterday.
	fx.Do(t, "PATCH", "/api/v1/topics/t1", staff, map[string]any{"closes_at": day(-1)}).Want(t, 200, "closed")
	if listed("closed") {
		t.Error("deputies still see the questionnaire of a closed topic")
	}
	e := respond(deputy, newID(), 409, "a deputy after closing").Err(t)
	if e.Error.Code != models.ETopicClosed || !strings.Contains(e.Error.Message, day(-1)[:10]) || !strings.Contains(e.Error.Message, " / ") {
		t.Errorf("after closing: %+v", e.Error)
	}
	if e := public(newID(), 409, "a public link after closing").Err(t); e.Error.Code != models.ETopicClosed {
		t.Errorf("public link after closing: %+v", e.Error)
	}
	if e := fx.Do(t, "GET", "/api/v1/public/"+fx.publicToken, "", nil).Want(t, 409, "the public questionnaire after closing").Err(t); e.Error.Code != models.ETopicClosed {
		t.Errorf("the public questionnaire after closing: %+v", e.Error)
	}
	respond(deputy, early, 200, "the retry of a response stored before closing")
	if n := total(); n != before {
		t.Fatalf("refused responses were counted: %d, want %d", n, before)
	}
	paper := testutil.Response(newID(), 3)
	paper["channel"], paper["serial"] = "paper", "41"
	fx.Do(t, "POST", "/api/v1/questionnaires/q1/responses", staff, paper).Want(t, 201, "staff typing a paper form after closing")
	respond(staff, newID(), 201, "staff entering a late response")

	// Not open yet.
	fx.Do(t, "PATCH", "/api/v1/topics/t1", staff, map[string]any{"opens_at": day(2), "closes_at": day(20)}).Want(t, 200, "not yet")
	if listed("not yet open") {
		t.Error("deputies see the questionnaire of a topic not open yet")
	}
	if e := public(newID(), 409, "a public link before opening").Err(t); e.Error.Code != models.ETopicClosed || !strings.Contains(e.Error.Message, day(2)[:10]) {
		t.Errorf("before opening: %+v", e.Error)
	}
	testutil.CheckCounters(t, fx.DB, "t1")
}
