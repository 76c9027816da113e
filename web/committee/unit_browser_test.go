package committee

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"budgetpoint/web/internal/webtest"
)

// A unit's login signs in at the hub and lands on its inbox (待办意见),
// opens an opinion assigned to it and signs for it (签收); the assisting
// unit's login sends its view (协办意见); the lead unit reads it on the
// opinion before it replies with grade B, a text and a follow-up date
// (跟踪日期, shown only for B or C), and sees it as 已答复 with the date
// there and in its inbox.
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

	// The assisting unit sends its view.
	const view = "建议结合农村公路“十五五”规划统筹安排养护资金。"
	webtest.Run(t, ctx, "sign out", chromedp.Click(chromedp.CSS(`form.logout button`)))
	webtest.WaitFor(t, ctx, "#name")
	webtest.SignIn(t, ctx, f.URL, "jtj1", f.Password)
	webtest.Run(t, ctx, "open the opinion as the assisting unit", chromedp.Navigate(f.URL+"/unit/opinions/"+f.Mine.ID))
	webtest.WaitFor(t, ctx, "#view-h")
	webtest.Run(t, ctx, "type the view", chromedp.SendKeys(chromedp.ID("view-content"), view))
	webtest.ShotView(t, ctx, "unit-3a-view-typed")
	webtest.Run(t, ctx, "send the view", chromedp.Click(chromedp.CSS(`form[action$="/views"] button`)))
	webtest.WaitFor(t, ctx, ".flash-ok")
	if s := webtest.Read(t, ctx, "read the flash", chromedp.Text(chromedp.CSS(`.flash-ok`))); !strings.Contains(s, "协办意见已送主办单位") {
		t.Errorf("after 协办意见: %q", s)
	}
	webtest.Shot(t, ctx, "unit-3b-view-sent")
	webtest.Run(t, ctx, "sign out", chromedp.Click(chromedp.CSS(`form.logout button`)))
	webtest.WaitFor(t, ctx, "#name")

	// The lead unit reads it before it replies.
	webtest.SignIn(t, ctx, f.URL, "czj1", f.Password)
	webtest.Run(t, ctx, "open the opinion again", chromedp.Navigate(f.URL+"/unit/opinions/"+f.Mine.ID))
	webtest.WaitFor(t, ctx, "#views .unit-view")
	views := webtest.Read(t, ctx, "read the views", chromedp.Text(chromedp.ID("views")))
	webtest.MustContain(t, views, "协办意见", "市交通运输局", view)
	webtest.Shot(t, ctx, "unit-3c-lead-reads-view")

	// 跟踪日期 shows for B or C only.
	hidden := func(what string) bool {
		return webtest.Read(t, ctx, what, chromedp.Evaluate[bool](`document.getElementById("follow-up-field").hidden`))
	}
	webtest.Run(t, ctx, "choose A", chromedp.Click(chromedp.ID("grade-A")))
	if !hidden("is the follow-up hidden for A") {
		t.Errorf("the follow-up date shows for an A reply")
	}
	const reply = "已纳入2027年市级预算，分两年安排乡村道路养护资金。"
	follow := f.H.Calendar.Add(time.Now(), 10).Format(time.DateOnly)
	webtest.Run(t, ctx, "reply with grade B",
		chromedp.Click(chromedp.ID("grade-B")),
		chromedp.SendKeys(chromedp.ID("reply-content"), reply),
	)
	if hidden("is the follow-up shown for B") {
		t.Fatalf("the follow-up date is hidden for a B reply")
	}
	webtest.Run(t, ctx, "give the follow-up date", chromedp.SetValue(chromedp.ID("follow-up"), follow))
	webtest.ShotView(t, ctx, "unit-4-reply-typed")
	webtest.Run(t, ctx, "send the reply", chromedp.Click(chromedp.CSS(`form[action$="/reply"] button`)))
	webtest.WaitFor(t, ctx, ".unit-reply")
	page := webtest.Read(t, ctx, "read the opinion", chromedp.Text(chromedp.CSS(`main`)))
	webtest.MustContain(t, page, "已答复", reply, "B 类：正在解决", "答复记录", "跟踪日期", follow, view)
	webtest.Shot(t, ctx, "unit-5-replied")

	webtest.Run(t, ctx, "back to the inbox", chromedp.Click(chromedp.CSS(`a[href="/unit"]`)))
	webtest.WaitFor(t, ctx, "#sec-done")
	done := webtest.Read(t, ctx, "read the answered", chromedp.Text(chromedp.ID("sec-done")))
	webtest.MustContain(t, done, f.Mine.Content, "已答复")
	webtest.Shot(t, ctx, "unit-6-inbox-answered")
}
