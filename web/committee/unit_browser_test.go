package committee

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"budgetpoint/web/internal/webtest"
)

// A unit's login signs in at the hub and lands on its inbox (待办意见),
// opens an opinion assigned to it, signs for it (签收), replies with grade
// B and a text (答复), and sees it as 已答复 there and in its inbox.
func TestBrowserUnitSignsForAndReplies(t *testing.T) {
	f := newUnitFixture(t)
	ctx := webtest.Browser(t)
	webtest.SignIn(t, ctx, f.URL, "czj1", f.Password)
	// A browser that asks for English gets the inbox in English first.
	webtest.WaitFor(t, ctx, "#sec-new")
	if en := webtest.Read(t, ctx, "read the inbox", chromedp.Text(chromedp.CSS(`main`))); strings.Contains(en, "Newly assigned") {
		webtest.Shot(t, ctx, "unit-0-inbox-en")
	}
	webtest.Run(t, ctx, "switch to Chinese", chromedp.Navigate(f.URL+"/lang/zh?next=/unit"))
	webtest.WaitFor(t, ctx, "#sec-new")
	inbox := webtest.Read(t, ctx, "read the inbox", chromedp.Text(chromedp.CSS(`main`)))
	webtest.MustContain(t, inbox, "待办意见", "新交办", f.Mine.Content, f.Late.Content, "主办")
	nav := webtest.Read(t, ctx, "read the nav", chromedp.Text(chromedp.CSS(`nav.main-nav`)))
	if !strings.Contains(nav, "待办意见") || !strings.Contains(nav, "账号") || strings.Contains(nav, "意见建议办理") {
		t.Errorf("a unit's nav: %q", nav)
	}
	webtest.Shot(t, ctx, "unit-1-inbox")

	webtest.Run(t, ctx, "open the opinion", chromedp.Click(chromedp.CSS(`#op-h-`+f.Mine.ID+` a`)))
	webtest.WaitFor(t, ctx, "#accept-h")
	webtest.Shot(t, ctx, "unit-2-opinion")
	webtest.Run(t, ctx, "sign for it", chromedp.Click(chromedp.CSS(`form[action$="/accept"] button`)))
	webtest.WaitFor(t, ctx, ".flash-ok")
	if s := webtest.Read(t, ctx, "read the flash", chromedp.Text(chromedp.CSS(`.flash-ok`))); !strings.Contains(s, "已签收") {
		t.Errorf("after 签收: %q", s)
	}
	webtest.Shot(t, ctx, "unit-3-signed-for")

	const reply = "已纳入2027年市级预算，分两年安排乡村道路养护资金。"
	webtest.Run(t, ctx, "reply with grade B",
		chromedp.Click(chromedp.ID("grade-B")),
		chromedp.SendKeys(chromedp.ID("reply-content"), reply),
	)
	webtest.ShotView(t, ctx, "unit-4-reply-typed")
	webtest.Run(t, ctx, "send the reply", chromedp.Click(chromedp.CSS(`form[action$="/reply"] button`)))
	webtest.WaitFor(t, ctx, ".unit-reply")
	page := webtest.Read(t, ctx, "read the opinion", chromedp.Text(chromedp.CSS(`main`)))
	webtest.MustContain(t, page, "已答复", reply, "B（正在解决）", "答复记录")
	webtest.Shot(t, ctx, "unit-5-replied")

	webtest.Run(t, ctx, "back to the inbox", chromedp.Click(chromedp.CSS(`a[href="/unit"]`)))
	webtest.WaitFor(t, ctx, "#sec-done")
	done := webtest.Read(t, ctx, "read the answered", chromedp.Text(chromedp.ID("sec-done")))
	webtest.MustContain(t, done, f.Mine.Content, "已答复")
	webtest.Shot(t, ctx, "unit-6-inbox-answered")
}
