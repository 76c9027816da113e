package web

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"budgetpoint/demo"

	"budgetpoint/web/internal/webtest"
)

func TestBrowserDeputyFillsOnPhoneAndSummaryShowsIt(t *testing.T) {
	ts := newTestSite(t)
	staffHTTP := ts.Login(t, "staff")
	link := openPublic(t, ts, staffHTTP, draftQ)
	before := summaryOf(t, ts, draftT)
	ctx := webtest.Browser(t)

	// A deputy's phone: 390×844, touch, mobile.
	webtest.Run(t, ctx, "open the public link on a phone",
		chromedp.EmulateViewport(390, 844, chromedp.EmulatePortrait, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(3)),
		chromedp.Navigate(ts.URL+link),
		chromedp.WaitVisible(chromedp.CSS(`h1`)),
	)
	width := webtest.Read(t, ctx, "measure", chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if width > 390 {
		t.Errorf("the fill-in page scrolls sideways on a 390 px phone: %d px wide", width)
	}
	h := webtest.Read(t, ctx, "touch target", chromedp.Evaluate[int](`Math.round(document.querySelector("label.choice").getBoundingClientRect().height)`))
	if h < 44 {
		t.Errorf("an answer's touch target is %d px high, want at least 44", h)
	}
	webtest.ShotView(t, ctx, "1-fill-page")

	// Answer everything but the required first question, then submit.
	webtest.Run(t, ctx, "answer all but one",
		chromedp.Click(chromedp.CSS(`label[for="q-priorities-0"]`)),
		chromedp.Click(chromedp.CSS(`label[for="q-priorities-2"]`)),
		chromedp.Click(chromedp.CSS(`label[for="q-transparency-4"]`)),
		chromedp.SendKeys(chromedp.ID("in-road_budget"), "1200"),
		chromedp.SendKeys(chromedp.ID("in-advice"), "建议在村组公开栏公布预算执行情况"),
		chromedp.Click(chromedp.CSS(`label[for="rk-deputy"]`)),
		chromedp.Click(chromedp.CSS(`.sticky-submit button`)),
	)
	webtest.WaitFor(t, ctx, "#err-overall")
	msg := webtest.Read(t, ctx, "read the message", chromedp.Text(chromedp.ID("err-overall")))
	kept := webtest.Read(t, ctx, "read the kept answer", chromedp.Value(chromedp.ID("in-advice")))
	if !strings.Contains(msg, "必答题") {
		t.Errorf("message beside the missing answer: %q", msg)
	}
	if kept != "建议在村组公开栏公布预算执行情况" {
		t.Errorf("the answers were not kept: %q", kept)
	}
	webtest.ShotView(t, ctx, "2-missing-answer")
	if now := summaryOf(t, ts, draftT); now.Responses.Total != before.Responses.Total {
		t.Fatal("an incomplete response was stored")
	}

	webtest.Run(t, ctx, "fix and submit",
		chromedp.Click(chromedp.CSS(`label[for="q-overall-1"]`)),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			// Keep what is sent, to send it again below.
			_, err := chromedp.Evaluate[bool](`sessionStorage.setItem("link", location.pathname); sessionStorage.setItem("sent", new URLSearchParams(new FormData(document.querySelector("form[data-offline]"))).toString()); true`)(ctx, tg)
			return err
		}),
		chromedp.Click(chromedp.CSS(`.sticky-submit button`)),
	)
	webtest.WaitFor(t, ctx, "#done-h")
	done := webtest.Read(t, ctx, "read the confirmation", chromedp.Text(chromedp.ID("done-h")))
	if done != "已提交，感谢您的参与" {
		t.Errorf("confirmation: %q", done)
	}
	webtest.ShotView(t, ctx, "3-submitted")
	// The same page sent again (a second tap that got through, or the
	// browser's resubmit): the form as it was sent, posted once more.
	status := webtest.Read(t, ctx, "resubmit the same page", chromedp.Evaluate[int](
		`fetch(sessionStorage.getItem("link"), {method: "POST", headers: {"Content-Type": "application/x-www-form-urlencoded"}, body: sessionStorage.getItem("sent"), redirect: "manual"}).then(r => r.type === "opaqueredirect" ? 303 : r.status)`,
		chromedp.EvalAwaitPromise))
	resubmitted := status == 303
	after := summaryOf(t, ts, draftT)
	if got := after.Responses.Total - before.Responses.Total; got != 1 {
		t.Fatalf("the response was counted %d times (resubmitted from the kept page: %v)", got, resubmitted)
	}

	// Staff, at a desk, see it in the summary.
	webtest.Run(t, ctx, "desk", chromedp.EmulateViewport(1280, 900))
	webtest.SignIn(t, ctx, ts.URL, "staff", demo.DemoPassword)
	webtest.Run(t, ctx, "summary",
		chromedp.Navigate(ts.URL+"/topics/"+draftT+"/summary"),
		chromedp.WaitVisible(chromedp.ID("total-all")),
	)
	total := webtest.Read(t, ctx, "total", chromedp.Text(chromedp.ID("total-all")))
	online := webtest.Read(t, ctx, "online", chromedp.Text(chromedp.ID("total-online")))
	if total != strconv.FormatInt(before.Responses.Total+1, 10) || online != strconv.FormatInt(before.Responses.ByChannel["online"]+1, 10) {
		t.Errorf("summary shows total %s online %s; want %d and %d", total, online, before.Responses.Total+1, before.Responses.ByChannel["online"]+1)
	}
	body := webtest.Read(t, ctx, "opinions", chromedp.Text(chromedp.CSS(`main`)))
	if !strings.Contains(body, "建议在村组公开栏公布预算执行情况") {
		t.Error("the summary does not list the new opinion")
	}
	webtest.Shot(t, ctx, "4-summary")
	webtest.Run(t, ctx, "report", chromedp.Navigate(ts.URL+"/topics/"+draftT+"/report"), chromedp.WaitVisible(chromedp.CSS(`.sign`)))
	webtest.Shot(t, ctx, "5-report")
	pdf := webtest.Read(t, ctx, "print to A4", chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), func(p *page.PrintToPDFParams) { yes := true; p.PreferCSSPageSize = &yes }))
	if len(pdf) < 1000 || string(pdf[:4]) != "%PDF" {
		t.Error("the report does not print")
	}
	if err := os.WriteFile(filepath.Join(webtest.Artifacts(t), "5-report.pdf"), pdf, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestBrowserActivityWithTwoOpinions(t *testing.T) {
	ts := newTestSite(t)
	ctx := webtest.Browser(t)
	webtest.SignIn(t, ctx, ts.URL, "staff", demo.DemoPassword)
	webtest.Run(t, ctx, "open the form",
		chromedp.Navigate(ts.URL+"/activities/new"),
		chromedp.WaitVisible(chromedp.ID("title")),
		chromedp.SetValue(chromedp.ID("kind"), "forum"),
		chromedp.SetValue(chromedp.ID("topic_id"), draftT),
		chromedp.SendKeys(chromedp.ID("title"), "2027年预算草案座谈会"),
		chromedp.SetValue(chromedp.ID("held_on"), "2026-11-18"),
		chromedp.SendKeys(chromedp.ID("location"), "红塔区人大常委会三楼会议室"),
		chromedp.SendKeys(chromedp.ID("host"), "红塔区人大常委会"),
		chromedp.Clear(chromedp.ID("p_deputies")),
		chromedp.SendKeys(chromedp.ID("p_deputies"), "8"),
		chromedp.Clear(chromedp.ID("p_public")),
		chromedp.SendKeys(chromedp.ID("p_public"), "15"),
		chromedp.Click(chromedp.ID("dep-d-liming")),
		chromedp.Click(chromedp.ID("dep-d-yangxia")),
		chromedp.SendKeys(chromedp.ID("minutes"), "与会代表和群众围绕预算草案提出意见。"),
		chromedp.SendKeys(chromedp.ID("o0_content"), "建议增加农村饮水安全资金"),
		chromedp.SetValue(chromedp.ID("o0_deputy"), "d-liming"),
		chromedp.SendKeys(chromedp.ID("o1_content"), "希望预算说明更通俗易懂"),
		chromedp.SendKeys(chromedp.ID("o1_desc"), "社区居民"),
	)
	webtest.Shot(t, ctx, "1-form")
	webtest.Run(t, ctx, "save", chromedp.Click(chromedp.ID("save-activity")))
	webtest.WaitFor(t, ctx, ".flash-ok")
	flash := webtest.Read(t, ctx, "read the flash", chromedp.Text(chromedp.CSS(`.flash-ok`)))
	body := webtest.Read(t, ctx, "read the page", chromedp.Text(chromedp.CSS(`main`)))
	if !strings.Contains(flash, "2 条") {
		t.Errorf("flash: %q", flash)
	}
	webtest.MustContain(t, body, "建议增加农村饮水安全资金", "希望预算说明更通俗易懂", "李明、杨霞", "社区居民")
	webtest.Shot(t, ctx, "2-saved")
	p, err := ts.DB.Activities(context.Background(), draftT, "forum", 100, "")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range p.Items {
		if a.Title == "2027年预算草案座谈会" {
			found = len(a.Opinions) == 2 && a.Participants.Deputies == 8 && a.Participants.Public == 15
		}
	}
	if !found {
		t.Error("the activity with two opinions is not stored as entered")
	}
}

// basicCount is how many answers of the state-assets questionnaire chose
// 基本满意 for enterprise_assets.
func basicCount(t *testing.T, ts *testSite) int64 {
	t.Helper()
	for _, q := range summaryOf(t, ts, "t-2026-state-assets").Questionnaires {
		for _, qq := range q.Questions {
			if qq.Key == "enterprise_assets" {
				return qq.Counts["basic"]
			}
		}
	}
	t.Fatal("the state-assets summary has no enterprise_assets question")
	return 0
}

func TestBrowserKeyboardOnly(t *testing.T) {
	ts := newTestSite(t)
	basicBefore := basicCount(t, ts)
	ctx := webtest.Browser(t)
	// Sign in with the keyboard alone: type, Tab, type, Tab to the button, Enter.
	webtest.Run(t, ctx, "login page", chromedp.Navigate(ts.URL+"/login"), chromedp.WaitVisible(chromedp.ID("name")))
	webtest.Run(t, ctx, "type", chromedp.KeyEvent("deputy"), chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(demo.DemoPassword), chromedp.KeyEvent(kb.Tab))
	onButton := webtest.Read(t, ctx, "focus", chromedp.Evaluate[bool](`document.activeElement.tagName === "BUTTON" && document.activeElement.type === "submit"`))
	if !onButton {
		t.Fatal("Tab from the password does not reach the sign-in button")
	}
	outline := webtest.Read(t, ctx, "focus visible", chromedp.Evaluate[string](`getComputedStyle(document.activeElement).outlineStyle`))
	if outline == "none" || outline == "" {
		t.Errorf("the focused button shows no outline (%q)", outline)
	}
	webtest.Shot(t, ctx, "1-login-focus")
	webtest.Run(t, ctx, "enter", chromedp.KeyEvent(kb.Enter))
	webtest.WaitFor(t, ctx, "nav.main-nav")

	// The deputy's fill-in page: Tab from the top reaches the submit button.
	webtest.Run(t, ctx, "fill page", chromedp.Navigate(ts.URL+"/fill/q-2026-state-assets"), chromedp.WaitVisible(chromedp.CSS(`.sticky-submit button`)))
	reached := false
	for i := 0; i < 80 && !reached; i++ {
		webtest.Run(t, ctx, "tab", chromedp.KeyEvent(kb.Tab))
		reached = webtest.Read(t, ctx, "focus", chromedp.Evaluate[bool](`!!document.activeElement.closest(".sticky-submit")`))
	}
	if !reached {
		t.Fatal("Tab never reaches the submit button of the fill-in page")
	}
	webtest.Shot(t, ctx, "2-fill-submit-focus")
	// Enter on the submit with nothing answered: the messages come, the focus goes to the first one.
	webtest.Run(t, ctx, "submit empty", chromedp.KeyEvent(kb.Enter))
	webtest.WaitFor(t, ctx, "#err-admin_assets")
	focused := webtest.Read(t, ctx, "where is focus", chromedp.Evaluate[string](`document.activeElement.id`))
	if focused != "q-admin_assets" {
		t.Errorf("after errors, focus is on %q, want the first question with an error", focused)
	}
	// Answer with the keyboard: Space selects the focused radio; arrows move within a group.
	webtest.Run(t, ctx, "answer by keyboard",
		chromedp.Focus(chromedp.ID("q-admin_assets-0")), chromedp.KeyEvent(" "),
		chromedp.Focus(chromedp.ID("q-enterprise_assets-0")), chromedp.KeyEvent(kb.ArrowDown),
	)
	for i := 0; i < 80; i++ {
		webtest.Run(t, ctx, "tab", chromedp.KeyEvent(kb.Tab))
		if webtest.Read(t, ctx, "focus", chromedp.Evaluate[bool](`!!document.activeElement.closest(".sticky-submit")`)) {
			break
		}
	}
	webtest.Run(t, ctx, "submit", chromedp.KeyEvent(kb.Enter))
	webtest.WaitFor(t, ctx, "#done-h")
	webtest.Shot(t, ctx, "3-done")
	if got := basicCount(t, ts) - basicBefore; got != 1 {
		t.Errorf("基本满意 for enterprise_assets grew by %d, want 1: the arrow key did not choose it", got)
	}
}
