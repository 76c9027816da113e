package web

// Accessibility of every page of a point (issue 4), with the checker and
// crawler of webtest (web/internal/webtest/a11y.go says what is checked).

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"

	"budgetpoint/db"
	"budgetpoint/web/internal/webtest"
)

func TestA11yPointPages(t *testing.T) {
	ts := newTestSite(t)
	ctx := context.Background()
	staff := ts.Login(t, "staff")
	tok := ts.csrf(t, staff)

	// Content the id pages need: a public link, a double-entry batch with a
	// mismatch to resolve, and evaluation codes.
	public := openPublic(t, ts, staff, draftQ)
	b := db.PaperBatch{Name: "无障碍检查批次", QuestionnaireID: paperQID, Expected: 3, DoubleEntry: true}
	if err := ts.DB.CreatePaperBatch(ctx, &b); err != nil {
		t.Fatal(err)
	}
	for pass, overall := range map[string]string{"1": "3", "2": "2"} {
		ts.Post(t, staff, "/paper/"+b.ID+"/entry", url.Values{"csrf": {tok}, "pass": {pass}, "serial": {"1"}, "a.overall": {overall}, "a.priorities": {"15"}, "a.transparency": {"2"}}, http.StatusSeeOther)
	}
	_, slips := ts.Post(t, staff, "/codes", url.Values{"csrf": {tok}, "set_id": {uuid.NewString()}, "questionnaire_id": {paperQID}, "name": {"无障碍测评"},
		"count": {"2"}, "respondent_kind": {"deputy"}, "mode": {"slips"}}, http.StatusOK)
	codes := regexp.MustCompile(`class="eval-code">([^<]+)<`).FindAllStringSubmatch(slips, -1)
	if len(codes) != 2 {
		t.Fatalf("issued %d codes, want 2", len(codes))
	}
	u, _ := url.Parse(ts.URL)
	webtest.CheckPage(t, "POST /codes (slips)", slips, u.Host, true)

	// A single-entry batch with one form entered: the page of a counted form.
	b1 := db.PaperBatch{Name: "无障碍检查单人录入", QuestionnaireID: paperQID, Expected: 2}
	if err := ts.DB.CreatePaperBatch(ctx, &b1); err != nil {
		t.Fatal(err)
	}
	ts.Post(t, staff, "/paper/"+b1.ID+"/entry", url.Values{"csrf": {tok}, "pass": {"1"}, "serial": {"5"}, "a.overall": {"1"}, "a.priorities": {"2"}, "a.transparency": {"4"}}, http.StatusSeeOther)

	var actID string
	if p, err := ts.DB.Activities(ctx, "", "", 1, ""); err != nil || len(p.Items) == 0 {
		t.Fatalf("no demo activity: %v", err)
	} else {
		actID = p.Items[0].ID
	}
	idPages := []string{
		"/topics/" + draftT + "/edit", "/topics/" + draftT + "/summary", "/topics/" + draftT + "/report",
		"/questionnaires/" + draftQ + "/edit", "/questionnaires/" + draftQ + "/preview", "/questionnaires/" + draftQ + "/share",
		"/activities/new", "/activities/" + actID,
		"/paper/" + b.ID, "/paper/" + b.ID + "/entry?pass=1", "/paper/" + b.ID + "/entry?pass=2", "/paper/" + b.ID + "/form?serial=1", "/paper/" + b.ID + "/history",
		"/paper/" + b1.ID, "/paper/" + b1.ID + "/form?serial=5",
		"/codes", "/reports",
		// Filters and pre-chosen values, as other pages link to them.
		"/opinions?status=recorded&source=forum", "/opinions?topic=" + draftT, "/activities?topic=" + draftT,
		"/activities/new?topic=" + draftT, "/questionnaires/new?topic=" + draftT, "/paper?q=" + paperQID, "/codes?q=" + draftQ,
	}
	navPages := []string{"/", "/topics", "/questionnaires", "/paper", "/activities", "/opinions", "/deputies", "/reports"}

	// The crawl only GETs: nothing may change (the outbox grows with every stored change).
	outbox, _, err := ts.DB.OutboxStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if n, _, err := ts.DB.OutboxStats(ctx); err != nil || n != outbox {
			t.Errorf("the outbox went from %d to %d (%v) during the crawl: a GET changed something", outbox, n, err)
		}
	}()
	for _, lang := range []string{"zh", "en"} {
		for _, tc := range []struct {
			role string
			min  int
		}{{"staff", 40}, {"admin", 40}} {
			t.Run(tc.role+"/"+lang, func(t *testing.T) {
				c := ts.Login(t, tc.role)
				if lang == "en" {
					a11yEnglish(t, ts, c)
				}
				cr := webtest.NewCrawl(t, ts.URL, c, true)
				cr.Run(append(append([]string{}, navPages...), idPages...)...)
				cr.Summary(tc.role + "/" + lang)
				cr.MustHave(navPages...)
				cr.MustHave(idPages...)
				if n := cr.OK(); n < tc.min {
					t.Errorf("%s visited %d pages, want at least %d", tc.role, n, tc.min)
				}
			})
		}
		t.Run("deputy/"+lang, func(t *testing.T) {
			c := ts.Login(t, "deputy")
			if lang == "en" {
				a11yEnglish(t, ts, c)
			}
			cr := webtest.NewCrawl(t, ts.URL, c, true)
			cr.Run("/", "/my", "/my/opinions")
			cr.Summary("deputy/" + lang)
			cr.MustHave("/my", "/my/opinions", "/fill/q-2026-state-assets")
			if n := cr.OK(); n < 4 {
				t.Errorf("deputy visited %d pages, want at least 4", n)
			}
		})
		t.Run("public/"+lang, func(t *testing.T) {
			c := ts.Client(t)
			if lang == "en" {
				a11yEnglish(t, ts, c)
			}
			cr := webtest.NewCrawl(t, ts.URL, c, false)
			starts := []string{"/login", public, "/done", "/e", "/e/" + codes[0][1], "/e/" + codes[1][1]}
			cr.Run(starts...)
			cr.Summary("public/" + lang)
			cr.MustHave(starts...)
			if n := cr.OK(); n < len(starts) {
				t.Errorf("public visited %d pages, want at least %d", n, len(starts))
			}
		})
	}

	// Pages as they come back with errors (nothing is stored): the
	// messages beside the fields must be named by the fields.
	t.Run("errors", func(t *testing.T) {
		ts.CheckPost(t, staff, "/topics/new", url.Values{"csrf": {tok}, "kind": {"other"}, "fiscal_year": {"1800"}, "title": {""}}, http.StatusUnprocessableEntity, true)
		ts.CheckPost(t, staff, "/questionnaires/new", url.Values{"csrf": {tok}, "id": {"q-a11y"}, "topic_id": {draftT}, "title": {""}, "n": {"1"}, "op": {"save"},
			"q0_key": {"q1"}, "q0_type": {"single_choice"}, "q0_label": {""}, "q0_options": {"了解"}}, http.StatusUnprocessableEntity, true)
		ts.CheckPost(t, staff, "/activities/new", url.Values{"csrf": {tok}, "id": {uuid.NewString()}, "kind": {"forum"}, "topic_id": {draftT}, "title": {""}, "held_on": {""},
			"rows": {"1"}, "op": {"save"}, "o0_content": {"建议"}, "o0_kind": {"deputy"}, "o0_deputy": {""}}, http.StatusUnprocessableEntity, true)
		ts.CheckPost(t, staff, "/questionnaires/new", url.Values{"csrf": {tok}, "id": {"q-a11y"}, "topic_id": {draftT}, "title": {"数字"}, "n": {"3"}, "op": {"save"},
			"q0_key": {"q1"}, "q0_type": {"number"}, "q0_label": {"金额"}, "q0_min": {"x"}, "q0_max": {"y"},
			"q1_key": {"q2"}, "q1_type": {"text"}, "q1_label": {"建议"}, "q1_maxlen": {"x"},
			"q2_key": {"q3"}, "q2_type": {"multiple_choice"}, "q2_label": {"领域"}, "q2_options": {"教育\n医疗"}, "q2_maxc": {"x"}}, http.StatusUnprocessableEntity, true)
		ts.CheckPost(t, staff, "/activities/new", url.Values{"csrf": {tok}, "id": {uuid.NewString()}, "kind": {"nonsense"}, "topic_id": {draftT}, "title": {"座谈会"}, "held_on": {"2026-11-18"},
			"p_deputies": {"x"}, "p_public": {"-1"}, "p_other": {"y"}, "rows": {"1"}, "op": {"save"}, "o0_content": {strings.Repeat("长", 20001)}, "o0_kind": {"public"}}, http.StatusUnprocessableEntity, true)
		ts.CheckPost(t, staff, "/paper", url.Values{"csrf": {tok}, "name": {""}, "questionnaire_id": {paperQID}, "expected": {"x"}, "respondent_kind": {"public"}}, http.StatusUnprocessableEntity, true)
		ts.CheckPost(t, staff, "/paper/"+b.ID+"/entry", url.Values{"csrf": {tok}, "pass": {"1"}, "serial": {""}, "a.overall": {"7"}, "a.priorities": {"19"}}, http.StatusUnprocessableEntity, true)
		ts.CheckPost(t, staff, "/paper/"+b.ID+"/form?serial=1", url.Values{"csrf": {tok}}, http.StatusUnprocessableEntity, true)
		ts.CheckPost(t, staff, "/codes", url.Values{"csrf": {tok}, "set_id": {uuid.NewString()}, "questionnaire_id": {paperQID}, "name": {""}, "count": {"x"},
			"respondent_kind": {"deputy"}, "mode": {"deputies"}}, http.StatusUnprocessableEntity, true)
		ts.CheckPost(t, staff, "/deputies", url.Values{"csrf": {tok}, "name": {""}, "phone": {strings.Repeat("1", 40)}, "id_number": {"x"}}, http.StatusUnprocessableEntity, true)
		ts.CheckPost(t, staff, "/topics/new", url.Values{"csrf": {tok}, "kind": {"other"}, "fiscal_year": {"2027"}, "title": {"日期"}, "opens_at": {"2027-02-01"}, "closes_at": {"2027-01-01"}}, http.StatusUnprocessableEntity, true)
		ts.CheckPost(t, staff, "/topics/new", url.Values{"csrf": {tok}, "kind": {"other"}, "fiscal_year": {"2027"}, "title": {"日期"}, "opens_at": {"x"}}, http.StatusUnprocessableEntity, true)
		ts.CheckPost(t, staff, "/paper", url.Values{"csrf": {tok}, "name": {"批次"}, "questionnaire_id": {"q-nope"}, "expected": {"3"}, "respondent_kind": {"nope"}}, http.StatusUnprocessableEntity, true)
		ts.CheckPost(t, staff, "/codes", url.Values{"csrf": {tok}, "set_id": {uuid.NewString()}, "questionnaire_id": {"q-nope"}, "name": {"测评"}, "count": {"2"},
			"respondent_kind": {"nope"}, "mode": {"slips"}}, http.StatusUnprocessableEntity, true)
		anon := ts.Client(t)
		body := ts.Get(t, anon, public, http.StatusOK)
		rid := regexp.MustCompile(`name="rid" value="([^"]+)"`).FindStringSubmatch(body)[1]
		ts.CheckPost(t, anon, public, url.Values{"rid": {rid}, "v": {"1"}, "a.transparency": {"9"}}, http.StatusUnprocessableEntity, false)
		ts.CheckPost(t, anon, "/e/"+codes[0][1], url.Values{"rid": {uuid.NewString()}, "v": {"1"}}, http.StatusUnprocessableEntity, false)
		dep := ts.Login(t, "deputy")
		fill := ts.Get(t, dep, "/fill/q-2026-state-assets", http.StatusOK)
		ts.CheckPost(t, dep, "/fill/q-2026-state-assets", url.Values{"csrf": {webtest.CSRFRe.FindStringSubmatch(fill)[1]}, "rid": {uuid.NewString()}}, http.StatusUnprocessableEntity, true)
		webtest.CheckPage(t, "/e?code=bad", ts.Get(t, anon, "/e?code=bad", http.StatusUnprocessableEntity), u.Host, false)
		webtest.CheckPage(t, "/e/AAAAAAAAAA", ts.Get(t, anon, "/e/AAAAAAAAAA", http.StatusNotFound), u.Host, false)
		webtest.CheckPage(t, "/topics/no-such-topic/edit", ts.Get(t, staff, "/topics/no-such-topic/edit", http.StatusNotFound), u.Host, true)
		webtest.CheckPage(t, "/deputies (deputy: 403)", ts.Get(t, ts.Login(t, "deputy"), "/deputies", http.StatusForbidden), u.Host, true)
		lc := ts.Client(t)
		m := webtest.CSRFRe.FindStringSubmatch(ts.Get(t, lc, "/login", http.StatusOK))
		ts.CheckPost(t, lc, "/login", url.Values{"csrf": {m[1]}, "name": {"staff"}, "password": {"wrong-password"}}, http.StatusUnauthorized, false)
	})
}
