package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"

	"budgetpoint/internal/testutil"
	"budgetpoint/web/internal/webtest"
)

// TestBrowserSkipLogic: staff give question 2 a condition in the builder
// (asked only when question 1 is 不满意) and publish; on a phone, through the
// public link, question 2 is hidden, appears when 不满意 is chosen and goes
// again on 满意; a response sent with 满意 counts without it, one with 不满意
// counts its answer; the summary counts question 2 answered once.
func TestBrowserSkipLogic(t *testing.T) {
	ts := newTestSite(t)
	staff := ts.Login(t, "staff")
	tok := ts.csrf(t, staff)
	form := url.Values{"csrf": {tok}, "id": {"q-skip"}, "topic_id": {draftT}, "title": {"座谈会满意度"}, "n": {"2"}, "op": {"publish"},
		"q0_key": {"overall"}, "q0_type": {"single_choice"}, "q0_label": {"您对座谈会是否满意"}, "q0_options": {"满意\n不满意"}, "q0_required": {"1"},
		"q1_key": {"why"}, "q1_type": {"text"}, "q1_label": {"不满意的原因"}, "q1_required": {"1"}, "q1_opinion": {"1"},
		"q1_relkey": {"overall"}, "q1_relin": {"不满意"}}
	ts.Post(t, staff, "/questionnaires/new", form, http.StatusSeeOther)
	q, err := ts.DB.Questionnaire(context.Background(), "q-skip", 0)
	if err != nil || q.Questions[1].Relevant == nil || q.Questions[1].Relevant.Key != "overall" || len(q.Questions[1].Relevant.In) != 1 {
		t.Fatalf("the builder did not keep the condition: %+v %v", q.Questions, err)
	}
	edit := ts.Get(t, staff, "/questionnaires/q-skip/edit", http.StatusOK)
	webtest.MustContain(t, edit, `<option value="overall" selected>`, `>不满意</textarea>`)
	link := openPublic(t, ts, staff, "q-skip")

	ctx := webtest.Browser(t)
	visible := func(what string) bool {
		return webtest.Read(t, ctx, what, chromedp.Evaluate[bool](`!document.getElementById("q-why").hidden`))
	}
	webtest.Run(t, ctx, "open on a phone",
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch),
		chromedp.Navigate(ts.URL+link), chromedp.WaitVisible(chromedp.ID("q-overall")))
	if visible("before any answer") {
		t.Error("the follow-up shows before question 1 is answered")
	}
	webtest.Run(t, ctx, "不满意", chromedp.Click(chromedp.CSS(`label[for="q-overall-1"]`)))
	if !visible("after 不满意") {
		t.Fatal("the follow-up does not appear after 不满意")
	}
	webtest.ShotView(t, ctx, "1-follow-up-shown")
	webtest.Run(t, ctx, "满意", chromedp.Click(chromedp.CSS(`label[for="q-overall-0"]`)))
	if visible("after 满意") {
		t.Error("the follow-up stays after 满意")
	}
	webtest.Run(t, ctx, "send with 满意", chromedp.Click(chromedp.CSS(`label[for="rk-public"]`)), chromedp.Click(chromedp.CSS(`.sticky-submit button`)))
	webtest.WaitFor(t, ctx, "#done-h")

	webtest.Run(t, ctx, "again, 不满意",
		chromedp.Navigate(ts.URL+link), chromedp.WaitVisible(chromedp.ID("q-overall")),
		chromedp.Click(chromedp.CSS(`label[for="q-overall-1"]`)),
		chromedp.SendKeys(chromedp.ID("in-why"), "会议通知太晚"),
		chromedp.Click(chromedp.CSS(`label[for="rk-public"]`)),
		chromedp.Click(chromedp.CSS(`.sticky-submit button`)))
	webtest.WaitFor(t, ctx, "#done-h")

	var n int
	if err := testutil.RawOf(t, ts.DB).QueryRow(`SELECT count(*) FROM responses WHERE questionnaire_id='q-skip'`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("%d responses, want 2 (%v)", n, err)
	}
	s, err := ts.DB.Summary(context.Background(), draftT, "hongta")
	if err != nil {
		t.Fatal(err)
	}
	for _, qs := range s.Questionnaires {
		if qs.ID != "q-skip" {
			continue
		}
		for _, x := range qs.Questions {
			if x.Key == "why" && x.Answered != 1 {
				b, _ := json.Marshal(x)
				t.Errorf("why answered %d times, want 1: %s", x.Answered, b)
			}
		}
	}
	testutil.CheckCounters(t, ts.DB, draftT)
}

// TestBrowserMaxChoices: on "最多选3项", once three boxes are ticked the
// others are disabled, and unticking one gives them back.
func TestBrowserMaxChoices(t *testing.T) {
	ts := newTestSite(t)
	staff := ts.Login(t, "staff")
	link := openPublic(t, ts, staff, draftQ)
	ctx := webtest.Browser(t)
	webtest.Run(t, ctx, "three boxes",
		chromedp.Navigate(ts.URL+link), chromedp.WaitVisible(chromedp.ID("q-priorities")),
		chromedp.Click(chromedp.CSS(`label[for="q-priorities-0"]`)),
		chromedp.Click(chromedp.CSS(`label[for="q-priorities-1"]`)),
		chromedp.Click(chromedp.CSS(`label[for="q-priorities-2"]`)))
	if !webtest.Read(t, ctx, "the fourth", chromedp.Evaluate[bool](`document.getElementById("q-priorities-3").disabled`)) {
		t.Error("a fourth box can be ticked on 最多选3项")
	}
	webtest.Run(t, ctx, "untick one", chromedp.Click(chromedp.CSS(`label[for="q-priorities-0"]`)))
	if webtest.Read(t, ctx, "the fourth again", chromedp.Evaluate[bool](`document.getElementById("q-priorities-3").disabled`)) {
		t.Error("the fourth box stays disabled after unticking one")
	}
}
