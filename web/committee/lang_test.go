package committee

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"budgetpoint/hub"
	"budgetpoint/models"
	"budgetpoint/web/internal/webtest"
)

// TestEnglishHubPages (issue 9, "friction"): the committee's pages in
// English, with content in English only, write no Chinese punctuation
// （）：、；，。「」 where a person sees text (webtest.CJKPunctShown): the points'
// summaries and opinions, an activity, a topic and questionnaire published
// with English titles, an opinion answered; and the English titles show.
func TestEnglishHubPages(t *testing.T) {
	hs := newHubSite(t)
	def := &models.Definition{ID: "q-2027", TopicID: hubTopic, Title: "预算草案问卷", TitleEN: "Budget draft survey", Questions: []models.Question{
		{Key: "overall", Type: models.SingleChoice, Label: "Overall", Options: []models.Option{{Value: "satisfied", Label: "Satisfied"}, {Value: "basic", Label: "Fairly"}, {Value: "unsatisfied", Label: "Not satisfied"}}},
		{Key: "transparency", Type: models.Rating, Label: "Openness", Min: ptrF(1), Max: ptrF(5)},
		{Key: "amount", Type: models.Number, Label: "Amount", Min: ptrF(0), Max: ptrF(100000)},
		{Key: "advice", Type: models.Text, Label: "Advice", Opinion: true},
	}}
	op := hubOpinion(1, "Fund rural roads")
	op.Proposer = models.Proposer{Kind: "deputy", Name: "Alice Smith", Level: "county"}
	op2 := hubOpinion(2, "Publish the spending")
	op2.Proposer = models.Proposer{Kind: "public", Description: "shop owner"}
	hs.ingestDef(t, def, "hongta", 1, 6, op, op2)
	op3 := hubOpinion(3, "Cut general spending")
	// Two like op: one merged into it (并案), one whose page offers it.
	op4, op5 := hubOpinion(4, "Fund rural roads and bridges"), hubOpinion(5, "Fund the rural roads")
	hs.ingestDef(t, def, "tonghai", 1, 3, op3, op4, op5)
	hs.pushActivities(t, "hongta", []models.Activity{hubActivity("forum", "Forum on the draft", "2026-11-18", "Town hall", models.Participants{Deputies: 7, Public: 15})})
	c := hs.Login(t, "committee")
	tok := hs.hubCSRF(t, c)
	hs.Post(t, c, "/hub/publish/topic", url.Values{"csrf": {tok}, "id": {"t-2028-assets"}, "kind": {"state_assets"}, "fiscal_year": {"2028"},
		"title": {"国有资产管理情况"}, "title_en": {"State assets 2028"}, "to": {"some"}, "points": {"hongta", "tonghai"}}, http.StatusSeeOther)
	hs.Post(t, c, "/questionnaires/new?topic=t-2028-assets&to=all", url.Values{"csrf": {tok}, "id": {"q-2028-assets"}, "topic_id": {"t-2028-assets"},
		"title": {"国有资产管理问卷"}, "title_en": {"State assets survey"}, "n": {"1"}, "op": {"save"}, "q0_key": {"q1"}, "q0_type": {"single_choice"}, "q0_label": {"Assets"},
		"q0_required": {"1"}, "q0_options": {"Good\nPoor"}}, http.StatusSeeOther)
	// The topic and questionnaire the points summed, as the committee published them.
	hs.Post(t, c, "/hub/publish/topic", url.Values{"csrf": {tok}, "id": {hubTopic}, "kind": {"budget_draft"}, "fiscal_year": {"2027"},
		"title": {"预算草案"}, "title_en": {"Budget draft 2027"}, "to": {"all"}}, http.StatusSeeOther)
	hs.Post(t, c, "/questionnaires/new?topic="+hubTopic+"&to=all", url.Values{"csrf": {tok}, "id": {"q-2027"}, "topic_id": {hubTopic},
		"title": {"预算草案问卷"}, "title_en": {"Budget draft survey"}, "n": {"1"}, "op": {"save"}, "q0_key": {"overall"}, "q0_type": {"single_choice"}, "q0_label": {"Overall"},
		"q0_options": {"Satisfied\nFairly\nNot satisfied"}}, http.StatusSeeOther)
	hs.Post(t, c, "/hub/opinions/"+op.ID, url.Values{"csrf": {tok}, "op": {"forward"}}, http.StatusSeeOther)
	hs.Post(t, c, "/hub/opinions/"+op.ID, url.Values{"csrf": {tok}, "op": {"answer"}, "answer": {"In the 2027 budget"}}, http.StatusSeeOther)
	// Units, an opinion assigned with an assisting unit, replied to and
	// reopened under supervision, another assigned: the closed loop's pages.
	hs.Post(t, c, "/hub/units", url.Values{"csrf": {tok}, "id": {"czj"}, "name": {"Finance Bureau"}, "kind": {"department"}}, http.StatusSeeOther)
	hs.Post(t, c, "/hub/units", url.Values{"csrf": {tok}, "id": {"jtj"}, "name": {"Transport Bureau"}, "kind": {"other"}}, http.StatusSeeOther)
	hs.Post(t, c, "/hub/opinions/"+op2.ID+"/assign", url.Values{"csrf": {tok}, "lead": {"czj"}, "assist": {"jtj"}}, http.StatusSeeOther)
	if _, err := hs.H.Store.UnitAct(context.Background(), "czj", op2.ID, hub.UnitStep{Action: "reply", Grade: "C", Content: "Planned for 2028"}, hs.H.Calendar); err != nil {
		t.Fatal(err)
	}
	hs.Post(t, c, "/hub/opinions/"+op2.ID, url.Values{"csrf": {tok}, "op": {"close"}, "evaluation": {"unsatisfied"}}, http.StatusSeeOther)
	hs.Post(t, c, "/hub/assign", url.Values{"csrf": {tok}, "ids": {op3.ID}, "lead": {"jtj"}}, http.StatusSeeOther)
	// op2's second round has a view of its assisting unit; op3 a B reply
	// followed up soon (待跟踪); op4 merged into op.
	if _, err := hs.H.Store.UnitAct(context.Background(), "jtj", op2.ID, hub.UnitStep{Action: "view", Content: "Roads are planned with the towns"}, hs.H.Calendar); err != nil {
		t.Fatal(err)
	}
	follow := hs.H.Calendar.Add(hs.H.Store.Now(), 3).Format("2006-01-02")
	if _, err := hs.H.Store.UnitAct(context.Background(), "jtj", op3.ID, hub.UnitStep{Action: "reply", Grade: "B", Content: "Being cut", FollowUp: follow}, hs.H.Calendar); err != nil {
		t.Fatal(err)
	}
	hs.Post(t, c, "/hub/opinions/"+op4.ID+"/merge", url.Values{"csrf": {tok}, "into": {op.ID}, "single": {"1"}}, http.StatusSeeOther)

	shown := map[string]string{}
	check := func(page string, doc *html.Node) {
		for _, s := range webtest.CJKPunctShown(doc) {
			t.Errorf("%s (English): Chinese punctuation in %q", page, s)
		}
		shown[page] = webtest.Text(doc)
	}
	idPages := []string{"/hub/topics/" + hubTopic, "/hub/topics/" + hubTopic + "?point=hongta", "/hub/opinions", "/hub/opinions/" + op2.ID,
		"/hub/opinions/" + op.ID, "/hub/opinions/" + op3.ID, "/hub/opinions/" + op4.ID, "/hub/opinions/" + op5.ID, "/hub/units", "/hub/supervision", "/hub/supervision?sort=point", "/hub/stats", "/hub/publish", "/hub/export", "/questionnaires/new",
		"/questionnaires/q-2028-assets/edit", "/questionnaires/q-2028-assets/preview"}
	for _, role := range []string{"committee", "admin"} {
		c := hs.Login(t, role)
		hs.english(t, c)
		cr := webtest.NewCrawl(t, hs.URL, c, true)
		cr.Check = check
		cr.Run(append([]string{"/", "/hub/topics"}, idPages...)...)
		cr.MustHave(idPages...)
		cr.Summary(role + "/en")
	}
	for page, want := range map[string]string{"/hub/units": "Transport Bureau", "/hub/supervision": "Finance Bureau", "/hub/stats": "Answer rate",
		"/hub/opinions/" + op2.ID: "round 2", "/hub/topics": "State assets 2028", "/hub/publish": "State assets survey", "/hub/topics/" + hubTopic: "Budget draft survey", "/hub/opinions": "Budget draft 2027", "/hub/export": "State assets 2028",
		"/hub/opinions/" + op4.ID: "Merged into: Fund rural roads", "/hub/opinions/" + op.ID: "1 merged into this one", "/hub/opinions/" + op5.ID: "Merge into this one",
		"/hub/opinions/" + op3.ID: "Follow-up date: " + follow} {
		if !strings.Contains(shown[page], want) {
			t.Errorf("%s (English) does not show %q", page, want)
		}
	}
}
