package web

// English pages (issue 9, "friction"): no Chinese punctuation written by the
// pages themselves, and the English titles of topics and questionnaires
// shown where they are given.

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"golang.org/x/net/html"

	"budgetpoint/db"
	"budgetpoint/demo"
	"budgetpoint/handlers"
	"budgetpoint/models"
	"budgetpoint/web/internal/webtest"
)

// The titles of the English test content: a local topic and questionnaire
// with both titles, a topic with a Chinese title only, and the committee's
// topic and questionnaire as a pull stores them.
const (
	enTopicZH, enTopicEN = "二零二七年预算草案", "Budget draft 2027"
	enQZH, enQEN         = "预算草案问卷", "Budget draft survey"
	zhOnlyTopic          = "只有中文标题的事项"
	cTopicZH, cTopicEN   = "委员会发布的事项", "Committee topic"
	cQZH, cQEN           = "委员会发布的问卷", "Committee survey"
)

// newEnglishSite is a point with content in English only (but for the
// Chinese titles above, which carry no punctuation), so that any Chinese
// mark on an English page is the page's own: the logins staff and deputy
// (linked to a deputy) besides admin, a deputy, the topics and
// questionnaires above.
func newEnglishSite(t *testing.T) *testSite {
	t.Helper()
	ts := &testSite{}
	load := func(ctx context.Context, d *db.DB) error {
		for _, dep := range []models.Deputy{{ID: "d-en", Name: "Alice Smith", Level: "county", Unit: "Finance Office"}, {ID: "d-en2", Name: "Bob Jones", Level: "municipal"}} {
			if err := d.CreateDeputy(ctx, &dep); err != nil {
				return err
			}
		}
		for _, u := range [][3]string{{"staff", "staff", ""}, {"deputy", "deputy", "d-en"}} {
			if _, err := d.CreateUser(ctx, u[0], u[1], demo.DemoPassword, u[2]); err != nil {
				return err
			}
		}
		for _, tp := range []models.Topic{
			{ID: "t-en", Kind: "budget_draft", FiscalYear: 2027, Title: enTopicZH, TitleEN: enTopicEN, Summary: "What the draft budget spends on"},
			{ID: "t-zh", Kind: "other", FiscalYear: 2027, Title: zhOnlyTopic},
		} {
			if err := d.CreateTopic(ctx, &tp); err != nil {
				return err
			}
		}
		lo, hi := 0.0, 1000.0
		qs := []models.Question{
			{Key: "overall", Type: "single_choice", Label: "Overall", Required: true, Options: []models.Option{{Value: "good", Label: "Good"}, {Value: "poor", Label: "Poor"}}},
			{Key: "areas", Type: "multiple_choice", Label: "Priorities", MaxChoices: 2, Options: []models.Option{{Value: "schools", Label: "Schools"}, {Value: "roads", Label: "Roads"}, {Value: "health", Label: "Health"}}},
			{Key: "score", Type: "rating", Label: "Openness"},
			{Key: "amount", Type: "number", Label: "Amount", Min: &lo, Max: &hi},
			{Key: "advice", Type: "text", Label: "Advice", Opinion: true},
		}
		def := models.Definition{ID: "q-en", TopicID: "t-en", Title: enQZH, TitleEN: enQEN, Description: "A short survey", Questions: qs}
		if _, _, err := d.SaveQuestionnaire(ctx, def, models.OriginLocal); err != nil {
			return err
		}
		// The committee's, stored as a pull stores them.
		cdef := models.Definition{ID: "q-c", TopicID: "t-c", Title: cQZH, TitleEN: cQEN, Questions: qs[:3]}
		_, err := d.ApplyUpdates(ctx, db.Updates{Topics: []models.Topic{{ID: "t-c", Kind: "budget_draft", FiscalYear: 2027, Title: cTopicZH, TitleEN: cTopicEN}},
			Questionnaires: []models.Questionnaire{{Definition: cdef, Version: 2}}})
		return err
	}
	ts.Point = webtest.NewPointWith(t, BodyLimits(), load, func(s *handlers.Server, r *gin.Engine) error {
		a, err := New(s, nil)
		if err != nil {
			return err
		}
		a.Routes(r)
		ts.App = a
		return nil
	})
	return ts
}

// TestEnglishPages walks the pages of a point in English as staff, admin,
// a deputy and the public, over the real router, with English content and
// every kind of thing a page shows (an activity with a deputy's and the
// public's opinions, a double-entry paper batch with a mismatch, evaluation
// codes, a public link, a deputy's response), and fails on:
//
//   - a Chinese punctuation mark（）：、；，。「」 anywhere a person sees
//     text (webtest.CJKPunctShown): the pages' own words and marks;
//   - a Chinese title where an English one is given, on the topics list,
//     the questionnaires, the dashboard, the summary and the report, the
//     reports, the share, the fill page and the deputy's questionnaires,
//     for the point's own and the committee's (stored as a pull stores them);
//     a topic without an English title shows its Chinese one.
func TestEnglishPages(t *testing.T) {
	ts := newEnglishSite(t)
	ctx := context.Background()
	staff := ts.Login(t, "staff")
	tok := ts.csrf(t, staff)

	// Content made as staff make it.
	ts.Post(t, staff, "/activities/new", url.Values{"csrf": {tok}, "id": {uuid.NewString()}, "kind": {"forum"}, "topic_id": {"t-en"}, "title": {"Forum on the draft"},
		"held_on": {"2026-11-18"}, "location": {"Town hall"}, "host": {"Finance Committee"}, "p_deputies": {"2"}, "p_public": {"10"}, "p_other": {"1"},
		"deputy_ids": {"d-en", "d-en2"}, "minutes": {"Notes of the forum"}, "rows": {"2"}, "op": {"save"},
		"o0_content": {"Fund more schools"}, "o0_kind": {"deputy"}, "o0_deputy": {"d-en"},
		"o1_content": {"Repair the roads"}, "o1_kind": {"public"}, "o1_desc": {"shop owner"}}, http.StatusSeeOther)
	public := openPublic(t, ts, staff, "q-en")
	b := db.PaperBatch{Name: "Paper batch", QuestionnaireID: "q-en", Expected: 3, DoubleEntry: true}
	if err := ts.DB.CreatePaperBatch(ctx, &b); err != nil {
		t.Fatal(err)
	}
	for pass, overall := range map[string]string{"1": "1", "2": "2"} {
		ts.Post(t, staff, "/paper/"+b.ID+"/entry", url.Values{"csrf": {tok}, "pass": {pass}, "serial": {"1"}, "a.overall": {overall}, "a.areas": {"12"}, "a.score": {"4"}}, http.StatusSeeOther)
	}
	_, slips := ts.Post(t, staff, "/codes", url.Values{"csrf": {tok}, "set_id": {uuid.NewString()}, "questionnaire_id": {"q-en"}, "name": {"Forum codes"},
		"count": {"2"}, "respondent_kind": {"deputy"}, "mode": {"slips"}}, http.StatusOK)
	codes := regexp.MustCompile(`class="eval-code">([^<]+)<`).FindAllStringSubmatch(slips, -1)
	if len(codes) != 2 {
		t.Fatalf("issued %d codes, want 2", len(codes))
	}
	dep := ts.Login(t, "deputy")
	fill := ts.Get(t, dep, "/fill/q-en", http.StatusOK)
	ts.Post(t, dep, "/fill/q-en", url.Values{"csrf": {webtest.CSRFRe.FindStringSubmatch(fill)[1]}, "rid": {uuid.NewString()}, "v": {"1"},
		"a.overall": {"good"}, "a.areas": {"schools", "roads"}, "a.score": {"5"}, "a.amount": {"20"}, "a.advice": {"Publish the debt plan"}}, http.StatusSeeOther)
	act, err := ts.DB.Activities(ctx, "", "", 1, "")
	if err != nil || len(act.Items) != 1 {
		t.Fatalf("activities: %+v %v", act, err)
	}
	p, err := ts.DB.Responses(ctx, "q-en", db.ResponseFilter{Limit: 10})
	if err != nil || len(p.Items) == 0 {
		t.Fatalf("responses: %+v %v", p, err)
	}

	// What each English page shows.
	shown := map[string]string{}
	check := func(page string, doc *html.Node) {
		for _, s := range webtest.CJKPunctShown(doc) {
			t.Errorf("%s (English): Chinese punctuation in %q", page, s)
		}
		shown[page] = webtest.Text(doc)
	}
	idPages := []string{
		"/topics/t-en/edit", "/topics/t-en/summary", "/topics/t-en/report", "/topics/t-c/summary", "/topics/t-c/report",
		"/questionnaires/q-en/edit", "/questionnaires/q-en/preview", "/questionnaires/q-en/share", "/questionnaires/new", "/topics/new",
		"/activities/new", "/activities/" + act.Items[0].ID, "/paper/" + b.ID, "/paper/" + b.ID + "/entry?pass=1", "/paper/" + b.ID + "/entry?pass=2",
		"/paper/" + b.ID + "/form?serial=1", "/paper/" + b.ID + "/history", "/responses/" + p.Items[0].ID + "/correct", "/codes", "/deputies/d-en",
	}
	navPages := []string{"/", "/topics", "/questionnaires", "/paper", "/activities", "/opinions", "/deputies", "/reports"}
	for _, role := range []string{"staff", "admin"} {
		c := ts.Login(t, role)
		a11yEnglish(t, ts, c)
		cr := webtest.NewCrawl(t, ts.URL, c, true)
		cr.Check = check
		cr.Run(append(append([]string{}, navPages...), idPages...)...)
		cr.MustHave(navPages...)
		cr.MustHave(idPages...)
		cr.Summary(role + "/en")
	}
	// Pages as they come back with errors.
	en := ts.Login(t, "staff")
	a11yEnglish(t, ts, en)
	entok := ts.csrf(t, en)
	for _, e := range []struct {
		path string
		form url.Values
	}{
		{"/topics/new", url.Values{"kind": {"other"}, "fiscal_year": {"1800"}, "title": {""}}},
		{"/activities/new", url.Values{"id": {uuid.NewString()}, "kind": {"forum"}, "topic_id": {"t-en"}, "title": {""}, "held_on": {""}, "p_public": {"2.5"}, "rows": {"1"}, "op": {"save"}, "o0_content": {"x"}, "o0_kind": {"deputy"}}},
		{"/paper", url.Values{"name": {""}, "questionnaire_id": {"q-en"}, "expected": {"2.5"}, "respondent_kind": {"public"}}},
		{"/paper/" + b.ID + "/entry", url.Values{"pass": {"1"}, "serial": {""}, "a.overall": {"7"}, "a.areas": {"19"}}},
		{"/questionnaires/new", url.Values{"id": {"q-x"}, "topic_id": {"t-en"}, "title": {""}, "n": {"1"}, "op": {"paste"}, "paste": {"Survey\n1. Overall\nA. Good\nB. Poor\nnot understood"}}},
	} {
		e.form.Set("csrf", entok)
		_, body := ts.Post(t, en, e.path, e.form, 0)
		check("POST "+e.path, webtest.CheckPage(t, "POST "+e.path, body, strings.TrimPrefix(ts.URL, "http://"), true))
	}
	dc := ts.Login(t, "deputy")
	a11yEnglish(t, ts, dc)
	cr := webtest.NewCrawl(t, ts.URL, dc, true)
	cr.Check = check
	cr.Run("/my", "/my/opinions", "/fill/q-en", "/fill/q-c")
	cr.MustHave("/my", "/my/opinions", "/fill/q-en", "/fill/q-c")
	anon := ts.Client(t)
	a11yEnglish(t, ts, anon)
	cr = webtest.NewCrawl(t, ts.URL, anon, false)
	cr.Check = check
	starts := []string{"/login", public, "/done", "/e", "/e/" + codes[0][1]}
	cr.Run(starts...)
	cr.MustHave(starts...)

	// The English titles, where given.
	for page, want := range map[string][]string{
		"/":                            {enTopicEN, cTopicEN},
		"/topics":                      {enTopicEN, cTopicEN, zhOnlyTopic},
		"/questionnaires":              {enQEN, cQEN, enTopicEN},
		"/reports":                     {enTopicEN, cTopicEN, enQEN},
		"/topics/t-en/summary":         {enTopicEN, enQEN},
		"/topics/t-en/report":          {enTopicEN, enQEN},
		"/topics/t-c/summary":          {cTopicEN, cQEN},
		"/questionnaires/q-en/share":   {enQEN},
		"/questionnaires/q-en/edit":    {enTopicEN},
		"/activities":                  {enTopicEN},
		"/activities/new":              {enTopicEN},
		"/codes":                       {enQEN},
		"/paper":                       {enQEN},
		"/opinions":                    {enTopicEN},
		"/my":                          {enQEN, cQEN},
		"/fill/q-en":                   {enQEN},
		"/fill/q-c":                    {cQEN},
		"/questionnaires/q-en/preview": {enQEN},
		public:                         {enQEN},
		"/e/" + codes[0][1]:            {enQEN},
	} {
		text, ok := shown[page]
		if !ok {
			t.Errorf("%s was not visited", page)
			continue
		}
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s (English) does not show %q", page, w)
			}
		}
		for _, zh := range []string{enTopicZH, enQZH, cTopicZH, cQZH} {
			if strings.Contains(text, zh) {
				t.Errorf("%s (English) shows the Chinese title %q", page, zh)
			}
		}
	}
	// A topic and a questionnaire made at the point carry an English title from their forms.
	ts.Post(t, staff, "/topics/new", url.Values{"csrf": {tok}, "kind": {"other"}, "fiscal_year": {"2028"}, "title": {"本地事项"}, "title_en": {"Local topic"}}, http.StatusSeeOther)
	ts.Post(t, staff, "/questionnaires/new", url.Values{"csrf": {tok}, "id": {"q-local"}, "topic_id": {"t-en"}, "title": {"本地问卷"}, "title_en": {"Local survey"}, "n": {"1"}, "op": {"save"},
		"q0_key": {"q1"}, "q0_type": {"single_choice"}, "q0_label": {"Overall"}, "q0_options": {"Good\nPoor"}}, http.StatusSeeOther)
	webtest.MustContain(t, ts.Get(t, en, "/topics", http.StatusOK), "Local topic")
	webtest.MustContain(t, ts.Get(t, en, "/questionnaires", http.StatusOK), "Local survey")
	webtest.MustNotContain(t, ts.Get(t, en, "/questionnaires", http.StatusOK), "本地问卷")
	// In Chinese, the Chinese titles.
	zh := ts.Login(t, "staff")
	webtest.MustContain(t, ts.Get(t, zh, "/topics", http.StatusOK), enTopicZH, cTopicZH)
	webtest.MustNotContain(t, ts.Get(t, zh, "/topics", http.StatusOK), enTopicEN, cTopicEN)
	webtest.MustContain(t, ts.Get(t, zh, "/topics/t-en/summary", http.StatusOK), enQZH, "（")
}
