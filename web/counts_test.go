package web

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/google/uuid"

	"budgetpoint/web/internal/webtest"
)

// TestCountsWholeOnPages (issue 9, "a count accepted 2.5"): the forms that
// take a count refuse 2.5 and say that a whole number is wanted, beside the
// field: a paper batch's expected number of forms, an evaluation code set's
// count, a forum's participants; nothing is stored.
func TestCountsWholeOnPages(t *testing.T) {
	ts := newTestSite(t)
	staff := ts.Login(t, "staff")
	tok := ts.csrf(t, staff)
	ctx := context.Background()
	outbox, _, err := ts.DB.OutboxStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, body := ts.Post(t, staff, "/paper", url.Values{"csrf": {tok}, "name": {"batch"}, "questionnaire_id": {paperQID}, "expected": {"2.5"}, "respondent_kind": {"public"}}, http.StatusUnprocessableEntity)
	webtest.MustContain(t, body, `id="err-expected"`, "整数")
	_, body = ts.Post(t, staff, "/codes", url.Values{"csrf": {tok}, "set_id": {uuid.NewString()}, "questionnaire_id": {paperQID}, "name": {"codes"},
		"count": {"2.5"}, "respondent_kind": {"deputy"}, "mode": {"slips"}}, http.StatusUnprocessableEntity)
	webtest.MustContain(t, body, `id="err-count"`, "整数")
	_, body = ts.Post(t, staff, "/activities/new", url.Values{"csrf": {tok}, "id": {uuid.NewString()}, "kind": {"forum"}, "topic_id": {draftT}, "title": {"forum"},
		"held_on": {"2026-11-18"}, "p_deputies": {"2.5"}, "p_public": {"1"}, "p_other": {"0"}, "rows": {"0"}, "op": {"save"}}, http.StatusUnprocessableEntity)
	webtest.MustContain(t, body, "整数")
	if n, _, err := ts.DB.OutboxStats(ctx); err != nil || n != outbox {
		t.Errorf("the outbox went from %d to %d (%v): a refused count stored something", outbox, n, err)
	}
}
