package web

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"budgetpoint/demo"
)

// browser starts Debian's Chromium (headless, fresh profile) for one test;
// the test is skipped only when no Chromium is installed.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("accept-lang", "zh-CN,zh"),
		chromedp.Env("LANGUAGE=zh_CN:zh", "LANG=zh_CN.UTF-8"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	os.RemoveAll(filepath.Join("..", "test-artifacts", t.Name())) // only this run's pictures
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelC := chromedp.NewContext(actx)
	// The first run starts the browser; it must not carry the timeout.
	if err := chromedp.Do(bctx); err != nil {
		cancelC()
		cancelA()
		t.Fatalf("starting chromium: %v", err)
	}
	ctx, cancelT := context.WithTimeout(bctx, 3*time.Minute)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	return ctx
}

// artifacts is where a browser test saves its screenshots: test-artifacts/<test>/ at the module root.
func artifacts(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("..", "test-artifacts", t.Name())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// shot saves a full-page screenshot as name.png.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	save(t, ctx, name, chromedp.FullScreenshot(100))
}

// shotView saves what the screen shows (for the phone, whose full-page
// capture Chromium does not finish under touch emulation).
func shotView(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	// A focused text field under touch emulation can keep Chromium from
	// producing the frame a capture waits for: take the focus away first.
	chromedp.Run(ctx, chromedp.Evaluate[bool](`(function(){var e=document.activeElement; if(e&&e.blur&&e!==document.body){e.blur()} return true})()`))
	save(t, ctx, name, chromedp.CaptureScreenshot())
}

func save(t *testing.T, ctx context.Context, name string, a chromedp.Action[[]byte]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	buf, err := chromedp.Run(sctx, a)
	if err != nil {
		t.Logf("screenshot %s not saved: %v", name, err) // an artifact, not a check
		return
	}
	if err := os.WriteFile(filepath.Join(artifacts(t), name+".png"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

func run(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		shot(t, ctx, "failed-"+strings.ReplaceAll(what, " ", "-"))
		t.Fatalf("%s: %v", what, err)
	}
}

// signIn signs in through the login page with the keyboard.
func signIn(t *testing.T, ctx context.Context, base, name string) {
	t.Helper()
	run(t, ctx, "sign in",
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.ID("name")),
		chromedp.SendKeys(chromedp.ID("name"), name),
		chromedp.SendKeys(chromedp.ID("password"), demo.DemoPassword+kb.Enter),
	)
	waitFor(t, ctx, "nav.main-nav")
}

func TestBrowserDeputyFillsOnPhoneAndSummaryShowsIt(t *testing.T) {
	ts := newTestSite(t)
	staffHTTP := ts.login(t, "staff")
	link := openPublic(t, ts, staffHTTP, draftQ)
	before := summaryOf(t, ts, draftT)
	ctx := browser(t)

	// A deputy's phone: 390×844, touch, mobile.
	run(t, ctx, "open the public link on a phone",
		chromedp.EmulateViewport(390, 844, chromedp.EmulatePortrait, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(3)),
		chromedp.Navigate(ts.URL+link),
		chromedp.WaitVisible(chromedp.CSS(`h1`)),
	)
	width := get(t, ctx, "measure", chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if width > 390 {
		t.Errorf("the fill-in page scrolls sideways on a 390 px phone: %d px wide", width)
	}
	h := get(t, ctx, "touch target", chromedp.Evaluate[int](`Math.round(document.querySelector("label.choice").getBoundingClientRect().height)`))
	if h < 44 {
		t.Errorf("an answer's touch target is %d px high, want at least 44", h)
	}
	shotView(t, ctx, "1-fill-page")

	// Answer everything but the required first question, then submit.
	run(t, ctx, "answer all but one",
		chromedp.Click(chromedp.CSS(`label[for="q-priorities-0"]`)),
		chromedp.Click(chromedp.CSS(`label[for="q-priorities-2"]`)),
		chromedp.Click(chromedp.CSS(`label[for="q-transparency-4"]`)),
		chromedp.SendKeys(chromedp.ID("in-road_budget"), "1200"),
		chromedp.SendKeys(chromedp.ID("in-advice"), "建议在村组公开栏公布预算执行情况"),
		chromedp.Click(chromedp.CSS(`label[for="rk-deputy"]`)),
		chromedp.Click(chromedp.CSS(`.sticky-submit button`)),
	)
	waitFor(t, ctx, "#err-overall")
	msg := get(t, ctx, "read the message", chromedp.Text(chromedp.ID("err-overall")))
	kept := get(t, ctx, "read the kept answer", chromedp.Value(chromedp.ID("in-advice")))
	if !strings.Contains(msg, "必答题") {
		t.Errorf("message beside the missing answer: %q", msg)
	}
	if kept != "建议在村组公开栏公布预算执行情况" {
		t.Errorf("the answers were not kept: %q", kept)
	}
	shotView(t, ctx, "2-missing-answer")
	if now := summaryOf(t, ts, draftT); now.Responses.Total != before.Responses.Total {
		t.Fatal("an incomplete response was stored")
	}

	run(t, ctx, "fix and submit",
		chromedp.Click(chromedp.CSS(`label[for="q-overall-1"]`)),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			// Keep what is sent, to send it again below.
			_, err := chromedp.Evaluate[bool](`sessionStorage.setItem("link", location.pathname); sessionStorage.setItem("sent", new URLSearchParams(new FormData(document.querySelector("form[data-once]"))).toString()); true`)(ctx, tg)
			return err
		}),
		chromedp.Click(chromedp.CSS(`.sticky-submit button`)),
	)
	waitFor(t, ctx, "#done-h")
	done := get(t, ctx, "read the confirmation", chromedp.Text(chromedp.ID("done-h")))
	if done != "已提交，感谢您的参与" {
		t.Errorf("confirmation: %q", done)
	}
	shotView(t, ctx, "3-submitted")
	// The same page sent again (a second tap that got through, or the
	// browser's resubmit): the form as it was sent, posted once more.
	status := get(t, ctx, "resubmit the same page", chromedp.Evaluate[int](
		`fetch(sessionStorage.getItem("link"), {method: "POST", headers: {"Content-Type": "application/x-www-form-urlencoded"}, body: sessionStorage.getItem("sent"), redirect: "manual"}).then(r => r.type === "opaqueredirect" ? 303 : r.status)`,
		chromedp.EvalAwaitPromise))
	resubmitted := status == 303
	after := summaryOf(t, ts, draftT)
	if got := after.Responses.Total - before.Responses.Total; got != 1 {
		t.Fatalf("the response was counted %d times (resubmitted from the kept page: %v)", got, resubmitted)
	}

	// Staff, at a desk, see it in the summary.
	run(t, ctx, "desk", chromedp.EmulateViewport(1280, 900))
	signIn(t, ctx, ts.URL, "staff")
	run(t, ctx, "summary",
		chromedp.Navigate(ts.URL+"/topics/"+draftT+"/summary"),
		chromedp.WaitVisible(chromedp.ID("total-all")),
	)
	total := get(t, ctx, "total", chromedp.Text(chromedp.ID("total-all")))
	online := get(t, ctx, "online", chromedp.Text(chromedp.ID("total-online")))
	if total != strconv.FormatInt(before.Responses.Total+1, 10) || online != strconv.FormatInt(before.Responses.ByChannel["online"]+1, 10) {
		t.Errorf("summary shows total %s online %s; want %d and %d", total, online, before.Responses.Total+1, before.Responses.ByChannel["online"]+1)
	}
	body := get(t, ctx, "opinions", chromedp.Text(chromedp.CSS(`main`)))
	if !strings.Contains(body, "建议在村组公开栏公布预算执行情况") {
		t.Error("the summary does not list the new opinion")
	}
	shot(t, ctx, "4-summary")
	run(t, ctx, "report", chromedp.Navigate(ts.URL+"/topics/"+draftT+"/report"), chromedp.WaitVisible(chromedp.CSS(`.sign`)))
	shot(t, ctx, "5-report")
	pdf := get(t, ctx, "print to A4", chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), func(p *page.PrintToPDFParams) { yes := true; p.PreferCSSPageSize = &yes }))
	if len(pdf) < 1000 || string(pdf[:4]) != "%PDF" {
		t.Error("the report does not print")
	}
	os.WriteFile(filepath.Join(artifacts(t), "5-report.pdf"), pdf, 0o644)
}

func TestBrowserActivityWithTwoOpinions(t *testing.T) {
	ts := newTestSite(t)
	ctx := browser(t)
	signIn(t, ctx, ts.URL, "staff")
	run(t, ctx, "open the form",
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
	shot(t, ctx, "1-form")
	run(t, ctx, "save", chromedp.Click(chromedp.ID("save-activity")))
	waitFor(t, ctx, ".flash-ok")
	flash := get(t, ctx, "read the flash", chromedp.Text(chromedp.CSS(`.flash-ok`)))
	body := get(t, ctx, "read the page", chromedp.Text(chromedp.CSS(`main`)))
	if !strings.Contains(flash, "2 条") {
		t.Errorf("flash: %q", flash)
	}
	mustContain(t, body, "建议增加农村饮水安全资金", "希望预算说明更通俗易懂", "李明、杨霞", "社区居民")
	shot(t, ctx, "2-saved")
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
	ctx := browser(t)
	// Sign in with the keyboard alone: type, Tab, type, Tab to the button, Enter.
	run(t, ctx, "login page", chromedp.Navigate(ts.URL+"/login"), chromedp.WaitVisible(chromedp.ID("name")))
	run(t, ctx, "type", chromedp.KeyEvent("deputy"), chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(demo.DemoPassword), chromedp.KeyEvent(kb.Tab))
	onButton := get(t, ctx, "focus", chromedp.Evaluate[bool](`document.activeElement.tagName === "BUTTON" && document.activeElement.type === "submit"`))
	if !onButton {
		t.Fatal("Tab from the password does not reach the sign-in button")
	}
	outline := get(t, ctx, "focus visible", chromedp.Evaluate[string](`getComputedStyle(document.activeElement).outlineStyle`))
	if outline == "none" || outline == "" {
		t.Errorf("the focused button shows no outline (%q)", outline)
	}
	shot(t, ctx, "1-login-focus")
	run(t, ctx, "enter", chromedp.KeyEvent(kb.Enter))
	waitFor(t, ctx, "nav.main-nav")

	// The deputy's fill-in page: Tab from the top reaches the submit button.
	run(t, ctx, "fill page", chromedp.Navigate(ts.URL+"/fill/q-2026-state-assets"), chromedp.WaitVisible(chromedp.CSS(`.sticky-submit button`)))
	reached := false
	for i := 0; i < 80 && !reached; i++ {
		run(t, ctx, "tab", chromedp.KeyEvent(kb.Tab))
		reached = get(t, ctx, "focus", chromedp.Evaluate[bool](`!!document.activeElement.closest(".sticky-submit")`))
	}
	if !reached {
		t.Fatal("Tab never reaches the submit button of the fill-in page")
	}
	shot(t, ctx, "2-fill-submit-focus")
	// Enter on the submit with nothing answered: the messages come, the focus goes to the first one.
	run(t, ctx, "submit empty", chromedp.KeyEvent(kb.Enter))
	waitFor(t, ctx, "#err-admin_assets")
	focused := get(t, ctx, "where is focus", chromedp.Evaluate[string](`document.activeElement.id`))
	if focused != "q-admin_assets" {
		t.Errorf("after errors, focus is on %q, want the first question with an error", focused)
	}
	// Answer with the keyboard: Space selects the focused radio; arrows move within a group.
	run(t, ctx, "answer by keyboard",
		chromedp.Focus(chromedp.ID("q-admin_assets-0")), chromedp.KeyEvent(" "),
		chromedp.Focus(chromedp.ID("q-enterprise_assets-0")), chromedp.KeyEvent(kb.ArrowDown),
	)
	for i := 0; i < 80; i++ {
		run(t, ctx, "tab", chromedp.KeyEvent(kb.Tab))
		if get(t, ctx, "focus", chromedp.Evaluate[bool](`!!document.activeElement.closest(".sticky-submit")`)) {
			break
		}
	}
	run(t, ctx, "submit", chromedp.KeyEvent(kb.Enter))
	waitFor(t, ctx, "#done-h")
	shot(t, ctx, "3-done")
	if got := basicCount(t, ts) - basicBefore; got != 1 {
		t.Errorf("基本满意 for enterprise_assets grew by %d, want 1: the arrow key did not choose it", got)
	}
}

// get runs an action that reads a value.
func get[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		shot(t, ctx, "failed-"+strings.ReplaceAll(what, " ", "-"))
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// waitFor waits until an element (a CSS selector) of the next page is
// there, by asking the page itself: after a click or Enter that navigates,
// a DOM query started on the old page may never see the new one.
func waitFor(t *testing.T, ctx context.Context, css string) {
	t.Helper()
	expr := fmt.Sprintf(`document.readyState === "complete" && !!document.querySelector(%q)`, css)
	for i := 0; i < 600; i++ {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr)); err == nil && ok {
			return
		} else if ctx.Err() != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	shot(t, ctx, "failed-wait")
	t.Fatalf("the page never showed %s", css)
}

// chromiumPath finds Debian's chromium. Without it the browser tests skip on
// a developer's machine, but fail under CI, where scripts/test.sh installs it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed: scripts/test.sh should have installed it")
	}
	t.Skip("chromium is not installed (scripts/test.sh installs it)")
	return ""
}
