package committee

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"budgetpoint/demo"
	"budgetpoint/models"
	"budgetpoint/syncer"

	"budgetpoint/web/internal/webtest"
)

// The committee answers an opinion at the hub with the keyboard; after the
// point's sync (the real syncer, over HTTP, signed), the staff page at the
// point shows the answer.
func TestBrowserCommitteeAnswersAtHubAndPointShowsIt(t *testing.T) {
	hs := newHubSite(t)
	ts := newPointSite(t) // the hongta point, with demo content
	pointDB := ts.DB
	sy := syncer.New(pointDB, syncer.Config{Hub: hs.URL, Secret: hubPointsForTest[0].Secret, PointID: "hongta",
		Interval: time.Hour, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	bg := context.Background()
	if err := sy.RunOnce(bg); err != nil {
		t.Fatalf("first sync: %v", err)
	}
	page, err := hs.H.Opinions(bg, models.OpinionFilter{Point: "hongta", Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var op models.Opinion
	for _, o := range page.Items {
		if o.Status == "recorded" || o.Status == "reported" {
			op = o
			break
		}
	}
	if op.ID == "" {
		t.Fatalf("the hub has no open opinion from hongta after sync (%d opinions)", len(page.Items))
	}

	ctx := webtest.Browser(t)
	webtest.SignIn(t, ctx, hs.URL, "committee", demo.DemoPassword)
	// This browser asks for English: the hub answers in English, then the
	// switch (remembered) turns it to Chinese.
	webtest.Run(t, ctx, "points overview in English", chromedp.WaitVisible(chromedp.CSS(`table.hub-points`)))
	if en := webtest.Read(t, ctx, "read the overview", chromedp.Text(chromedp.CSS(`main`))); strings.Contains(en, "The six contact points") {
		webtest.Shot(t, ctx, "0-points-en")
	}
	webtest.Run(t, ctx, "switch to Chinese", chromedp.Navigate(hs.URL+"/lang/zh?next=/"), chromedp.WaitVisible(chromedp.CSS(`table.hub-points`)))
	overview := webtest.Read(t, ctx, "read the overview", chromedp.Text(chromedp.CSS(`main`)))
	webtest.MustContain(t, overview, "六个联系点一览", "红塔区人大常委会", "从未联系")
	webtest.Shot(t, ctx, "1-points")

	webtest.Run(t, ctx, "topic summary", chromedp.Navigate(hs.URL+"/hub/topics/"+op.TopicID), chromedp.WaitVisible(chromedp.CSS(`#all-h`)))
	webtest.Shot(t, ctx, "2-summary")

	const answer = "已纳入2027年市级预算统筹安排，由市财政局牵头落实。"
	webtest.Run(t, ctx, "open the workbench",
		chromedp.Navigate(hs.URL+"/hub/opinions?point=hongta"),
		chromedp.WaitVisible(chromedp.ID("answer-"+op.ID)),
	)
	webtest.Shot(t, ctx, "3-workbench")
	// Keyboard only: type the answer, Tab to its button, Enter.
	webtest.Run(t, ctx, "type the answer", chromedp.SendKeys(chromedp.ID("answer-"+op.ID), answer), chromedp.KeyEvent(kb.Tab))
	onButton := webtest.Read(t, ctx, "focus", chromedp.Evaluate[string](`document.activeElement.tagName + ":" + document.activeElement.textContent.trim()`))
	if onButton != "BUTTON:答复" {
		t.Fatalf("Tab from the answer lands on %q, want the 答复 button", onButton)
	}
	webtest.Run(t, ctx, "answer", chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(`.flash-ok`)))
	flash := webtest.Read(t, ctx, "read the flash", chromedp.Text(chromedp.CSS(`.flash-ok`)))
	row := webtest.Read(t, ctx, "read the opinion", chromedp.Text(chromedp.ID("op-"+op.ID)))
	if !strings.Contains(flash, "已答复") || !strings.Contains(row, answer) || !strings.Contains(row, "已答复") {
		t.Errorf("after answering: flash %q, opinion %q", flash, row)
	}
	webtest.Shot(t, ctx, "4-answered")

	// The cross-point Excel export says what it is doing, then that it is done.
	webtest.Run(t, ctx, "export page", chromedp.Navigate(hs.URL+"/hub/export"), chromedp.WaitVisible(chromedp.ID("exp-"+op.TopicID)))
	webtest.Run(t, ctx, "export", chromedp.Focus(chromedp.CSS(`a[data-download="exp-`+op.TopicID+`"]`)), chromedp.KeyEvent(kb.Enter))
	done := false
	for i := 0; i < 100 && !done; i++ {
		s := webtest.Read(t, ctx, "progress", chromedp.Text(chromedp.ID("exp-"+op.TopicID)))
		done = strings.Contains(s, "文件已生成")
		if !done && strings.Contains(s, "没有成功") {
			t.Fatalf("export failed: %q", s)
		}
		if !done {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if !done {
		t.Error("the export never says it is done")
	}
	webtest.Shot(t, ctx, "5-export")

	// Publishing: the page, and the point's questionnaire builder opened for two points.
	webtest.Run(t, ctx, "publish page", chromedp.Navigate(hs.URL+"/hub/publish"), chromedp.WaitVisible(chromedp.ID("pub-topic-h")))
	webtest.Shot(t, ctx, "7-publish")
	webtest.Run(t, ctx, "builder", chromedp.Navigate(hs.URL+"/questionnaires/new?topic="+op.TopicID+"&to=some&points=hongta&points=tonghai"), chromedp.WaitVisible(chromedp.ID("q0_label")))
	if h1 := webtest.Read(t, ctx, "builder title", chromedp.Text(chromedp.CSS(`h1`))); !strings.Contains(h1, "红塔区人大常委会、通海县人大常委会") {
		t.Errorf("the builder does not say where it publishes: %q", h1)
	}
	webtest.Shot(t, ctx, "8-builder")

	// The point pulls the committee's answer.
	if err := sy.RunOnce(bg); err != nil {
		t.Fatalf("second sync: %v", err)
	}
	webtest.SignIn(t, ctx, ts.URL, "staff", demo.DemoPassword)
	webtest.Run(t, ctx, "Chinese at the point", chromedp.Navigate(ts.URL+"/lang/zh?next=/"))
	webtest.Run(t, ctx, "the point's opinions", chromedp.Navigate(ts.URL+"/opinions"), chromedp.WaitVisible(chromedp.CSS(`main table`)))
	staff := webtest.Read(t, ctx, "read the point's opinions", chromedp.Text(chromedp.CSS(`main`)))
	if !strings.Contains(staff, answer) {
		t.Errorf("the staff page at the point does not show the committee's answer:\n%s", staff)
	}
	webtest.Shot(t, ctx, "6-point-staff-opinions")
}
