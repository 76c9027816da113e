package web

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"budgetpoint/demo"
	"budgetpoint/models"
	"budgetpoint/web/internal/webtest"
)

// TestBrowserEnterSavesDraft: staff write a questionnaire in the builder
// and press Enter in a field: a draft is saved, nothing is published, and a
// deputy sees nothing of it (我的问卷, the fill page); only 发布 publishes
// it, as version 1, and the deputy then has it.
func TestBrowserEnterSavesDraft(t *testing.T) {
	ts := newTestSite(t)
	ctx := webtest.Browser(t)
	webtest.SignIn(t, ctx, ts.URL, "staff", demo.DemoPassword)
	webtest.Run(t, ctx, "the builder",
		chromedp.Navigate(ts.URL+"/questionnaires/new?topic="+draftT),
		chromedp.WaitVisible(chromedp.ID("title")),
		chromedp.SendKeys(chromedp.ID("id"), "q-enter"),
		chromedp.SendKeys(chromedp.ID("q0_label"), "您对本次座谈会的安排是否满意"),
		chromedp.SendKeys(chromedp.ID("title"), "座谈会满意度"+kb.Enter))
	webtest.WaitFor(t, ctx, "#draft-note")
	webtest.Shot(t, ctx, "1-draft-saved")
	if u := webtest.Read(t, ctx, "where", chromedp.Evaluate[string](`location.pathname`)); u != "/questionnaires/q-enter/edit" {
		t.Errorf("after Enter the builder is at %s", u)
	}
	bg := context.Background()
	if _, err := ts.DB.Questionnaire(bg, "q-enter", 0); models.ErrorCode(err) != models.ENotFound {
		t.Fatalf("Enter published the questionnaire: %v", err)
	}
	if dr, err := ts.DB.Draft(bg, "q-enter"); err != nil || dr.Title != "座谈会满意度" {
		t.Fatalf("the draft: %+v %v", dr, err)
	}
	dep := ts.Login(t, "deputy")
	if strings.Contains(ts.Get(t, dep, "/my", http.StatusOK), "座谈会满意度") {
		t.Error("a deputy's 我的问卷 lists the draft")
	}
	ts.Get(t, dep, "/fill/q-enter", http.StatusNotFound)

	webtest.Run(t, ctx, "publish", chromedp.Click(chromedp.ID("publish")))
	webtest.WaitFor(t, ctx, ".flash-ok")
	webtest.Shot(t, ctx, "2-published")
	q, err := ts.DB.Questionnaire(bg, "q-enter", 0)
	if err != nil || q.Version != 1 {
		t.Fatalf("after 发布: %+v %v", q, err)
	}
	if _, err := ts.DB.Draft(bg, "q-enter"); models.ErrorCode(err) != models.ENotFound {
		t.Errorf("the draft stays after publishing: %v", err)
	}
	if !strings.Contains(ts.Get(t, dep, "/my", http.StatusOK), "座谈会满意度") {
		t.Error("a deputy's 我的问卷 does not list the published questionnaire")
	}
}
