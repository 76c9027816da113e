package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"budgetpoint/demo"
	"budgetpoint/internal/testutil"
	"budgetpoint/models"
	"budgetpoint/web/internal/webtest"
)

// TestDeputyAnswersOnce: on a questionnaire once_per_deputy, the deputy's
// first response is taken; 我的问卷 then marks it 已填写 with a link to what
// was sent (only to them); opening or sending it again leads back to 我的问卷
// with a clear message, and nothing more is counted.
func TestDeputyAnswersOnce(t *testing.T) {
	ts := newTestSite(t)
	ctx := context.Background()
	def := models.Definition{ID: "q-once", TopicID: draftT, Title: "代表满意度（一次）", OncePerDeputy: true, Questions: []models.Question{
		{Key: "overall", Type: models.SingleChoice, Label: "总体评价", Required: true,
			Options: []models.Option{{Value: "good", Label: "满意"}, {Value: "bad", Label: "不满意"}}}}}
	if _, _, err := ts.DB.SaveQuestionnaire(ctx, def, models.OriginLocal); err != nil {
		t.Fatal(err)
	}
	dep := ts.Login(t, "deputy")
	fill := ts.Get(t, dep, "/fill/q-once", http.StatusOK)
	tok := webtest.CSRFRe.FindStringSubmatch(fill)[1]
	form := url.Values{"csrf": {tok}, "rid": {uuid.NewString()}, "v": {"1"}, "a.overall": {"good"}}
	ts.Post(t, dep, "/fill/q-once", form, http.StatusSeeOther)

	my := ts.Get(t, dep, "/my", http.StatusOK)
	webtest.CheckPage(t, "GET /my", my, hostOf(ts), true)
	m := regexp.MustCompile(`<li class="card" data-q="q-once">[^<]*<h2>[^<]*</h2>\s*<p class="done-mark"><strong>✓ 已填写</strong></p>\s*<p><a class="button" href="(/my/responses/[^"]+)"`).FindStringSubmatch(my)
	if m == nil {
		t.Fatalf("我的问卷 does not mark the questionnaire answered\n%s", webtest.Truncate(my))
	}
	sent := ts.Get(t, dep, m[1], http.StatusOK)
	webtest.MustContain(t, sent, "我填写的内容", "代表满意度（一次）", "<dt>总体评价</dt><dd>满意</dd>")
	webtest.CheckPage(t, "GET "+m[1], sent, hostOf(ts), true)

	res, _ := ts.Post(t, dep, "/fill/q-once", url.Values{"csrf": {tok}, "rid": {uuid.NewString()}, "v": {"1"}, "a.overall": {"bad"}}, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/my" {
		t.Fatalf("a second response leads to %q, want /my", loc)
	}
	webtest.MustContain(t, ts.Get(t, dep, "/my", http.StatusOK), "您已经填写过这份问卷")
	res, _ = ts.Post(t, dep, "/fill/q-once", form, http.StatusSeeOther) // the first again: recognised
	if loc := res.Header.Get("Location"); loc != "/done" {
		t.Errorf("the first response sent again leads to %q, want /done", loc)
	}
	if c, err := http.NewRequest("GET", ts.URL+"/fill/q-once", nil); err == nil {
		r, err := dep.Do(c)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/my" {
			t.Errorf("opening it again: %d to %q, want 303 to /my", r.StatusCode, r.Header.Get("Location"))
		}
	}
	var n int
	if err := testutil.RawOf(t, ts.DB).QueryRow(`SELECT count(*) FROM responses WHERE questionnaire_id='q-once'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d responses stored, want 1 (%v)", n, err)
	}
	staff := ts.Login(t, "staff")
	ts.Get(t, staff, m[1], http.StatusForbidden) // deputies' page
}

// TestBrowserDeputySecondTryRefused: in the browser, a deputy answers a
// questionnaire taken once per deputy; opening it again leads to 我的问卷
// with a clear message and the questionnaire marked 已填写.
func TestBrowserDeputySecondTryRefused(t *testing.T) {
	ts := newTestSite(t)
	def := models.Definition{ID: "q-once-b", TopicID: draftT, Title: "代表满意度测评", OncePerDeputy: true, Questions: []models.Question{
		{Key: "overall", Type: models.SingleChoice, Label: "总体评价", Required: true,
			Options: []models.Option{{Value: "good", Label: "满意"}, {Value: "bad", Label: "不满意"}}}}}
	if _, _, err := ts.DB.SaveQuestionnaire(context.Background(), def, models.OriginLocal); err != nil {
		t.Fatal(err)
	}
	ctx := webtest.Browser(t)
	webtest.SignIn(t, ctx, ts.URL, "deputy", demo.DemoPassword)
	webtest.Run(t, ctx, "first answer", chromedp.Navigate(ts.URL+"/fill/q-once-b"), chromedp.WaitVisible(chromedp.CSS(`.sticky-submit button`)),
		chromedp.Click(chromedp.CSS(`label[for="q-overall-0"]`)), chromedp.Click(chromedp.CSS(`.sticky-submit button`)))
	webtest.WaitFor(t, ctx, "#done-h")
	webtest.Run(t, ctx, "second try", chromedp.Navigate(ts.URL+"/fill/q-once-b"))
	webtest.WaitFor(t, ctx, ".flash-error")
	webtest.Shot(t, ctx, "second-try")
	msg := webtest.Read(t, ctx, "message", chromedp.Text(chromedp.CSS(".flash-error")))
	if !strings.Contains(msg, "您已经填写过这份问卷") {
		t.Errorf("the second try says %q", msg)
	}
	if mark := webtest.Read(t, ctx, "mark", chromedp.Text(chromedp.CSS(`li[data-q="q-once-b"] .done-mark`))); !strings.Contains(mark, "已填写") {
		t.Errorf("我的问卷 marks it %q", mark)
	}
}
