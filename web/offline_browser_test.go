package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"budgetpoint/demo"
	"budgetpoint/internal/testutil"
	"budgetpoint/models"
	"budgetpoint/web/internal/webtest"
)

// setOffline cuts the browser's network (every request fails, and
// navigator.onLine says so) or gives it back, as DevTools does.
func setOffline(t *testing.T, ctx context.Context, offline bool) {
	t.Helper()
	_, err := chromedp.Call(ctx, network.Enable, network.EnableParams{})
	if err == nil {
		_, err = chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			MatchedNetworkConditions: []*network.Conditions{{Offline: offline, DownloadThroughput: -1, UploadThroughput: -1}}})
	}
	if err == nil {
		_, err = chromedp.Call(ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: offline, DownloadThroughput: -1, UploadThroughput: -1})
	}
	if err != nil {
		t.Fatalf("network offline=%v: %v", offline, err)
	}
}

// TestBrowserFillOffline: a deputy opens the fill page, loses the signal,
// answers and presses 提交: the page says the answers are kept on the device
// and will be sent; the deputy closes the page; with the signal back, the
// page opened again shows the answers and sends them by itself; the
// response is counted exactly once, with what was typed.
func TestBrowserFillOffline(t *testing.T) {
	ts := newTestSite(t)
	const q = "q-2026-state-assets"
	var before int
	raw := testutil.RawOf(t, ts.DB)
	if err := raw.QueryRow(`SELECT count(*) FROM responses WHERE questionnaire_id=?`, q).Scan(&before); err != nil {
		t.Fatal(err)
	}
	ctx := webtest.Browser(t)
	webtest.SignIn(t, ctx, ts.URL, "deputy", demo.DemoPassword)
	// The page in a tab of its own, closed later as a person closes it.
	tab, closeTab := chromedp.NewContext(ctx)
	webtest.Run(t, tab, "the fill page", chromedp.Navigate(ts.URL+"/fill/"+q), chromedp.WaitVisible(chromedp.CSS(`.sticky-submit button`)))
	setOffline(t, tab, true)
	webtest.Run(t, tab, "answer without signal",
		chromedp.Click(chromedp.CSS(`label[for="q-admin_assets-0"]`)),
		chromedp.Click(chromedp.CSS(`label[for="q-enterprise_assets-1"]`)),
		chromedp.Click(chromedp.CSS(`.sticky-submit button`)))
	webtest.WaitFor(t, tab, "#offline-status:not([hidden])")
	msg := webtest.Read(t, tab, "the status", chromedp.Text(chromedp.ID("offline-status")))
	webtest.ShotView(t, tab, "1-kept-on-device")
	if want := "已保存在本机，联网后自动提交"; !strings.Contains(msg, want) {
		t.Fatalf("offline submit says %q, want it to say %q", msg, want)
	}
	var n int
	if err := raw.QueryRow(`SELECT count(*) FROM responses WHERE questionnaire_id=?`, q).Scan(&n); err != nil || n != before {
		t.Fatalf("%d responses while offline, want %d", n, before)
	}
	closeTab()

	// The signal is back: the page opened again sends what was kept.
	again, closeAgain := chromedp.NewContext(ctx)
	defer closeAgain()
	webtest.Run(t, again, "open it again", chromedp.Navigate(ts.URL+"/fill/"+q))
	webtest.WaitFor(t, again, "#done-h")
	webtest.ShotView(t, again, "2-sent-by-itself")
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if err := raw.QueryRow(`SELECT count(*) FROM responses WHERE questionnaire_id=?`, q).Scan(&n); err == nil && n == before+1 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n != before+1 {
		t.Fatalf("%d responses after the network came back, want %d", n, before+1)
	}
	var ans string
	if err := raw.QueryRow(`SELECT answers FROM responses WHERE questionnaire_id=? ORDER BY rowid DESC LIMIT 1`, q).Scan(&ans); err != nil || !strings.Contains(ans, "admin_assets") {
		t.Errorf("the response sent: %s %v", ans, err)
	}
	// Opening the page once more sends nothing again.
	webtest.Run(t, again, "the page again", chromedp.Navigate(ts.URL+"/fill/"+q), chromedp.WaitVisible(chromedp.CSS(`.sticky-submit button`)))
	time.Sleep(500 * time.Millisecond)
	if err := raw.QueryRow(`SELECT count(*) FROM responses WHERE questionnaire_id=?`, q).Scan(&n); err != nil || n != before+1 {
		t.Errorf("%d responses after opening the page again, want %d", n, before+1)
	}
	testutil.CheckCounters(t, ts.DB, "t-2026-state-assets")
}

// TestBrowserFillOfflineThenClosed: a deputy's answers kept on the phone
// offline, and the topic closes before the signal comes back: the page
// opened again says plainly that they could not be sent (not kept silently
// on the device), and nothing is counted.
func TestBrowserFillOfflineThenClosed(t *testing.T) {
	ts := newTestSite(t)
	const q, topic = "q-2026-state-assets", "t-2026-state-assets"
	raw := testutil.RawOf(t, ts.DB)
	count := func() (n int) {
		t.Helper()
		if err := raw.QueryRow(`SELECT count(*) FROM responses WHERE questionnaire_id=?`, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()
	ctx := webtest.Browser(t)
	webtest.SignIn(t, ctx, ts.URL, "deputy", demo.DemoPassword)
	tab, closeTab := chromedp.NewContext(ctx)
	webtest.Run(t, tab, "the fill page", chromedp.Navigate(ts.URL+"/fill/"+q), chromedp.WaitVisible(chromedp.CSS(`.sticky-submit button`)))
	setOffline(t, tab, true)
	webtest.Run(t, tab, "answer without signal",
		chromedp.Click(chromedp.CSS(`label[for="q-admin_assets-0"]`)),
		chromedp.Click(chromedp.CSS(`.sticky-submit button`)))
	webtest.WaitFor(t, tab, "#offline-status:not([hidden])")
	closeTab()

	yesterday := time.Now().AddDate(0, 0, -1)
	if _, err := ts.DB.PatchTopic(context.Background(), topic, models.TopicPatch{ClosesAt: &yesterday}); err != nil {
		t.Fatal(err)
	}
	again, closeAgain := chromedp.NewContext(ctx)
	defer closeAgain()
	webtest.Run(t, again, "open it again", chromedp.Navigate(ts.URL+"/fill/"+q))
	webtest.WaitFor(t, again, "#queued-closed:not([hidden])")
	webtest.ShotView(t, again, "1-closed-not-sent")
	if msg := webtest.Read(t, again, "the message", chromedp.Text(chromedp.ID("queued-closed"))); !strings.Contains(msg, "没有能提交") {
		t.Errorf("the closed page says %q", msg)
	}
	if kept := webtest.Read(t, again, "the device", chromedp.Evaluate[int](`Object.keys(localStorage).filter(function (k) { return k.indexOf("bp-") === 0; }).length`)); kept != 0 {
		t.Errorf("%d answers still kept on the device after saying they cannot be sent", kept)
	}
	if n := count(); n != before {
		t.Fatalf("%d responses after closing, want %d", n, before)
	}
}
