package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"budgetpoint/demo"
	"budgetpoint/internal/testutil"
	"budgetpoint/web/internal/webtest"
)

// TestBrowserUnlockResetAndChangePassword walks what an administrator and a
// clerk do when the clerk has locked their login: the admin sees it locked
// on 账号管理, unlocks it, resets its password (shown once); the clerk signs
// in with it, is sent to 我的账号 and sets a new one; the audit page shows
// all three, each once, by who did it.
func TestBrowserUnlockResetAndChangePassword(t *testing.T) {
	ts := newTestSite(t)
	for i := 0; i < 5; i++ { // five wrong passwords lock the login
		res, err := testutil.Request(ts.URL, "POST", "/api/v1/login", "", map[string]any{"name": "staff", "password": "Wrong-Guess-123"})
		if err != nil {
			t.Fatal(err)
		}
		if i == 4 && res.Status != http.StatusLocked {
			t.Fatalf("the fifth failure: %d, want 423", res.Status)
		}
	}
	ctx := webtest.Browser(t)
	webtest.SignIn(t, ctx, ts.URL, "admin", demo.DemoPassword)
	webtest.Run(t, ctx, "账号管理", chromedp.Navigate(ts.URL+"/users"), chromedp.WaitVisible(chromedp.ID("users")))
	state := webtest.Read(t, ctx, "staff's state", chromedp.Text(chromedp.CSS(`tr[data-user="staff"] td:nth-child(3)`)))
	if !strings.Contains(state, "已锁定") {
		t.Fatalf("staff's state is %q, want 已锁定", state)
	}
	webtest.Shot(t, ctx, "1-users-locked")
	webtest.Run(t, ctx, "unlock", chromedp.Click(chromedp.CSS(`tr[data-user="staff"] form[action$="/unlock"] button`)))
	webtest.WaitFor(t, ctx, ".flash-ok")
	if msg := webtest.Read(t, ctx, "flash", chromedp.Text(chromedp.CSS(".flash-ok"))); !strings.Contains(msg, "已解锁 staff") {
		t.Errorf("after unlocking: %q", msg)
	}
	webtest.Run(t, ctx, "reset", chromedp.Click(chromedp.CSS(`tr[data-user="staff"] form[action$="/password"] button`)))
	webtest.WaitFor(t, ctx, "#new-password")
	pw := webtest.Read(t, ctx, "the new password", chromedp.Text(chromedp.ID("new-password")))
	webtest.Shot(t, ctx, "2-password-reset")
	webtest.Run(t, ctx, "sign out", chromedp.Click(chromedp.CSS(`form.logout button`)))
	webtest.WaitFor(t, ctx, "#name")

	webtest.SignIn(t, ctx, ts.URL, "staff", pw)
	webtest.WaitFor(t, ctx, "#must-change")
	if u := webtest.Read(t, ctx, "where", chromedp.Evaluate[string](`location.pathname`)); u != "/account" {
		t.Errorf("signed in with a reset password, the clerk is at %s, want /account", u)
	}
	webtest.Shot(t, ctx, "3-must-change")
	webtest.Run(t, ctx, "a new password",
		chromedp.SendKeys(chromedp.ID("current"), pw),
		chromedp.SendKeys(chromedp.ID("new"), "Spring-Forum-2027"),
		chromedp.SendKeys(chromedp.ID("again"), "Spring-Forum-2027"+kb.Enter))
	webtest.WaitFor(t, ctx, ".flash-ok")
	if webtest.Read(t, ctx, "notice gone", chromedp.Evaluate[bool](`!!document.getElementById("must-change")`)) {
		t.Error("the page still asks for a new password after the change")
	}
	webtest.Run(t, ctx, "the dashboard now opens", chromedp.Navigate(ts.URL+"/"), chromedp.WaitVisible(chromedp.ID("main")))
	if u := webtest.Read(t, ctx, "where", chromedp.Evaluate[string](`location.pathname`)); u != "/" {
		t.Errorf("after the change / leads to %s", u)
	}
	webtest.Run(t, ctx, "sign out", chromedp.Click(chromedp.CSS(`form.logout button`)))
	webtest.WaitFor(t, ctx, "#name")

	webtest.SignIn(t, ctx, ts.URL, "admin", demo.DemoPassword)
	webtest.Run(t, ctx, "审计日志", chromedp.Navigate(ts.URL+"/audit"), chromedp.WaitVisible(chromedp.CSS("main table")))
	rows := webtest.Read(t, ctx, "audit rows", chromedp.Evaluate[[]string](`[...document.querySelectorAll("main tbody tr")].map(r => [...r.cells].map(c => c.textContent.trim()).join("|"))`))
	webtest.Shot(t, ctx, "4-audit")
	for action, actor := range map[string]string{"user.unlock": "admin", "user.password.reset": "admin", "user.password.change": "staff"} {
		n := 0
		for _, r := range rows {
			cells := strings.Split(r, "|")
			if len(cells) > 5 && cells[5] == action {
				n++
				if cells[2] != actor {
					t.Errorf("%s by %q, want %q", action, cells[2], actor)
				}
			}
		}
		if n != 1 {
			t.Errorf("%d rows of %s on the audit page, want 1", n, action)
		}
	}
}
