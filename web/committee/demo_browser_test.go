package committee

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"budgetpoint/demo"
	"budgetpoint/hub"
	"budgetpoint/models"
	"budgetpoint/web/internal/webtest"
)

// TestBrowserDemoHubHistory: the demo hub's handled history (demo.LoadHub,
// what `hub --demo` loads) shows on 办理统计, 督办 and the workbench as the
// statistics say, and to the demo unit login in its inbox; loading it again
// changes nothing. The screenshots are the ones the README shows.
func TestBrowserDemoHubHistory(t *testing.T) {
	hs := newHubSite(t)
	ctx := context.Background()
	for range 2 {
		if err := demo.LoadHub(ctx, hs.H, hs.DB, io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	page, err := hs.H.Opinions(ctx, models.OpinionFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 8 {
		t.Fatalf("%d opinions at the demo hub, want 8 (loaded twice)", len(page.Items))
	}
	st, err := hs.H.Store.UnitStatistics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var czj hub.UnitStats
	for _, u := range st {
		if u.Unit == "czj" {
			czj = u
		}
	}
	if czj.Assigned != 2 || czj.Answered != 1 || czj.Overdue != 1 {
		t.Fatalf("市财政局 in the demo: %+v", czj)
	}

	t.Run("committee", func(t *testing.T) {
		b := webtest.Browser(t)
		webtest.SignIn(t, b, hs.URL, "committee", demo.DemoPassword)
		webtest.Run(t, b, "statistics", chromedp.Navigate(hs.URL+"/lang/zh?next=/hub/stats"), chromedp.WaitVisible(chromedp.ID("stats-topics")))
		text := webtest.Read(t, b, "read the statistics", chromedp.Text(chromedp.CSS(`main`)))
		webtest.MustContain(t, text, "市财政局", "市交通运输局", "50.0%", "2027年玉溪市市级预算草案")
		webtest.Shot(t, b, "hub-stats")
		webtest.Run(t, b, "supervision", chromedp.Navigate(hs.URL+"/hub/supervision"), chromedp.WaitVisible(chromedp.CSS(`tr.due-over`)))
		webtest.Shot(t, b, "hub-supervision")
		webtest.Run(t, b, "one handled opinion", chromedp.Navigate(hs.URL+"/hub/opinions/demo-hub-op-3"), chromedp.WaitVisible(chromedp.CSS(`main`)))
		if one := webtest.Read(t, b, "read it", chromedp.Text(chromedp.CSS(`main`))); !strings.Contains(one, "督办") || !strings.Contains(one, "将在2028年预算编制时") {
			t.Errorf("the reopened demo opinion's page:\n%s", one)
		}
		webtest.Shot(t, b, "hub-opinion-reopened")
	})
	t.Run("unit", func(t *testing.T) {
		u := webtest.Browser(t)
		webtest.SignIn(t, u, hs.URL, demo.UnitLogin, demo.DemoPassword)
		webtest.Run(t, u, "the unit's inbox", chromedp.Navigate(hs.URL+"/lang/zh?next=/unit"), chromedp.WaitVisible(chromedp.CSS(`main`)))
		inbox := webtest.Read(t, u, "read the inbox", chromedp.Text(chromedp.CSS(`main`)))
		webtest.MustContain(t, inbox, "已超期", "建立闲置资产台账")
		webtest.Shot(t, u, "unit-inbox")
	})
}
