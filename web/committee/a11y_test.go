package committee

// Accessibility of every page of the committee, with the checker and
// crawler of webtest (web/internal/webtest/a11y.go says what is checked).

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"budgetpoint/hub"
	"budgetpoint/models"
	"budgetpoint/web/internal/webtest"
)

func TestA11yHubPages(t *testing.T) {
	hs := newHubSite(t)
	op, op2 := hubOpinion(1, "建议加大乡村道路投入"), hubOpinion(2, "建议公开三公经费")
	hs.ingest(t, "hongta", 1, 6, op, op2)
	// Two like op: one merged into it (并案), one whose page offers it; and
	// one replied B with a view of its assisting unit and a follow-up date.
	alike, merged, followed := hubOpinion(4, "建议加大乡村道路投入力度"), hubOpinion(5, "建议加大乡村道路的投入"), hubOpinion(6, "建议改善医疗条件")
	hs.ingest(t, "tonghai", 1, 3, hubOpinion(3, "建议压减一般性支出"), alike, merged, followed)
	hs.pushActivities(t, "hongta", []models.Activity{hubActivity("forum", "2027年预算草案座谈会", "2026-11-18", "研和街道", models.Participants{Deputies: 7, Public: 15})})
	c := hs.Login(t, "committee")
	tok := hs.hubCSRF(t, c)
	// A published topic and questionnaire, for the builder's edit and preview.
	hs.Post(t, c, "/hub/publish/topic", url.Values{"csrf": {tok}, "id": {"t-2028-assets"}, "kind": {"state_assets"}, "fiscal_year": {"2028"},
		"title": {"2028年国有资产管理情况"}, "to": {"all"}}, http.StatusSeeOther)
	hs.Post(t, c, "/questionnaires/new?topic=t-2028-assets&to=all", url.Values{"csrf": {tok}, "id": {"q-2028-assets"}, "topic_id": {"t-2028-assets"},
		"title": {"国有资产管理问卷"}, "n": {"1"}, "op": {"save"}, "q0_key": {"q1"}, "q0_type": {"single_choice"}, "q0_label": {"您对国有资产管理情况的评价"},
		"q0_required": {"1"}, "q0_options": {"满意\n基本满意\n不满意"}}, http.StatusSeeOther)
	// One opinion answered, so the workbench shows every kind of row.
	hs.Post(t, c, "/hub/opinions/"+op.ID, url.Values{"csrf": {tok}, "op": {"forward"}}, http.StatusSeeOther)
	hs.Post(t, c, "/hub/opinions/"+op.ID, url.Values{"csrf": {tok}, "op": {"answer"}, "answer": {"已纳入2027年预算安排"}}, http.StatusSeeOther)
	// A unit, and an opinion assigned to it, replied to, and reopened under
	// supervision: the rows show their handling, 督办 and 办理统计 have rows.
	hs.Post(t, c, "/hub/units", url.Values{"csrf": {tok}, "id": {"czj"}, "name": {"市财政局"}, "kind": {"department"}}, http.StatusSeeOther)
	hs.Post(t, c, "/hub/opinions/"+op2.ID+"/assign", url.Values{"csrf": {tok}, "lead": {"czj"}}, http.StatusSeeOther)
	if _, err := hs.H.Store.UnitAct(context.Background(), "czj", op2.ID, hub.UnitStep{Action: "reply", Grade: "B", Content: "正在办理"}, hs.H.Calendar); err != nil {
		t.Fatal(err)
	}
	hs.Post(t, c, "/hub/opinions/"+op2.ID, url.Values{"csrf": {tok}, "op": {"close"}, "evaluation": {"unsatisfied"}}, http.StatusSeeOther)
	hs.Post(t, c, "/hub/units", url.Values{"csrf": {tok}, "id": {"wjw"}, "name": {"市卫生健康委"}, "kind": {"department"}}, http.StatusSeeOther)
	hs.Post(t, c, "/hub/opinions/"+followed.ID+"/assign", url.Values{"csrf": {tok}, "lead": {"wjw"}, "assist": {"czj"}}, http.StatusSeeOther)
	if _, err := hs.H.Store.UnitAct(context.Background(), "czj", followed.ID, hub.UnitStep{Action: "view", Content: "已安排医疗专项资金"}, hs.H.Calendar); err != nil {
		t.Fatal(err)
	}
	if _, err := hs.H.Store.UnitAct(context.Background(), "wjw", followed.ID, hub.UnitStep{Action: "reply", Grade: "C", Content: "列入明年计划",
		FollowUp: hs.H.Calendar.Add(hs.H.Store.Now(), 2).Format("2006-01-02")}, hs.H.Calendar); err != nil {
		t.Fatal(err)
	}
	hs.Post(t, c, "/hub/opinions/"+merged.ID+"/merge", url.Values{"csrf": {tok}, "into": {op.ID}, "single": {"1"}}, http.StatusSeeOther)

	idPages := []string{"/hub/topics/" + hubTopic, "/hub/opinions", "/hub/opinions/" + op2.ID, "/hub/opinions/" + op.ID, "/hub/opinions/" + alike.ID,
		"/hub/opinions/" + merged.ID, "/hub/opinions/" + followed.ID, "/hub/units", "/hub/supervision", "/hub/supervision?sort=unit", "/hub/stats",
		"/hub/publish", "/hub/export", "/questionnaires/new",
		"/questionnaires/q-2028-assets/edit", "/questionnaires/q-2028-assets/preview"}
	for _, lang := range []string{"zh", "en"} {
		for _, role := range []string{"committee", "admin"} {
			t.Run(role+"/"+lang, func(t *testing.T) {
				c := hs.Login(t, role)
				if lang == "en" {
					hs.english(t, c)
				}
				cr := webtest.NewCrawl(t, hs.URL, c, true)
				cr.Run(append([]string{"/", "/hub/topics"}, idPages...)...)
				cr.Summary(role + "/" + lang)
				cr.MustHave(idPages...)
				if n := cr.OK(); n < 12 {
					t.Errorf("%s visited %d pages, want at least 12", role, n)
				}
			})
		}
	}
	t.Run("errors", func(t *testing.T) {
		hs.CheckPost(t, c, "/hub/publish/topic", url.Values{"csrf": {tok}, "kind": {"other"}, "fiscal_year": {"2027"}, "title": {""}, "to": {"some"}}, http.StatusUnprocessableEntity, true)
		hs.CheckPost(t, c, "/hub/opinions/"+op.ID, url.Values{"csrf": {tok}, "op": {"answer"}, "answer": {" "}}, http.StatusUnprocessableEntity, true)
		hs.CheckPost(t, c, "/hub/opinions/"+op.ID, url.Values{"csrf": {tok}, "op": {"close"}}, http.StatusUnprocessableEntity, true)
		hs.CheckPost(t, c, "/hub/units", url.Values{"csrf": {tok}, "id": {"财政"}, "name": {""}, "kind": {"club"}}, http.StatusUnprocessableEntity, true)
		hs.CheckPost(t, c, "/hub/opinions/"+op2.ID+"/assign", url.Values{"csrf": {tok}, "lead": {"czj"}, "due": {"2020-01-06"}}, http.StatusUnprocessableEntity, true)
		hs.CheckPost(t, c, "/hub/assign", url.Values{"csrf": {tok}, "ids": {op2.ID}}, http.StatusUnprocessableEntity, true)
		hs.CheckPost(t, c, "/hub/opinions/"+alike.ID+"/merge", url.Values{"csrf": {tok}, "into": {"no-such-opinion"}, "single": {"1"}}, http.StatusUnprocessableEntity, true)
		hs.CheckPost(t, c, "/hub/opinions/"+merged.ID+"/merge", url.Values{"csrf": {tok}, "into": {alike.ID}, "single": {"1"}}, http.StatusConflict, true)
		hs.CheckPost(t, c, "/hub/opinions/"+alike.ID, url.Values{"csrf": {tok}, "op": {"answer"}, "answer": {""}, "single": {"1"}}, http.StatusUnprocessableEntity, true)
		hs.CheckPost(t, c, "/questionnaires/new", url.Values{"csrf": {tok}, "id": {"q-bad"}, "topic_id": {"t-2028-assets"}, "title": {""}, "n": {"1"}, "op": {"save"},
			"q0_key": {"q1"}, "q0_type": {"single_choice"}, "q0_label": {""}, "q0_options": {""}}, http.StatusUnprocessableEntity, true)
	})
}
