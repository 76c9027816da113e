package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"budgetpoint/db"
	"budgetpoint/demo"
	"budgetpoint/internal/testutil"
	"budgetpoint/web/internal/webtest"
)

// TestBrowserCorrections: staff correct a counted paper form (question 1
// typed 1 where the paper says 3) and a forum's attendance typed 60/120/20
// for 6/12/2, each with a reason, in the browser; the summary and the
// printed report then show the new figures, the counters equal the
// recount, and each page lists the correction with who and why.
func TestBrowserCorrections(t *testing.T) {
	ts := newTestSite(t)
	ctx := context.Background()
	staff := ts.Login(t, "staff")
	tok := ts.csrf(t, staff)
	b := db.PaperBatch{Name: "座谈会纸质问卷", QuestionnaireID: paperQID, Expected: 2}
	if err := ts.DB.CreatePaperBatch(ctx, &b); err != nil {
		t.Fatal(err)
	}
	ts.Post(t, staff, "/paper/"+b.ID+"/entry", url.Values{"csrf": {tok}, "pass": {"1"}, "serial": {"7"}, "a.overall": {"1"}, "a.priorities": {"2"}, "a.transparency": {"4"}}, http.StatusSeeOther)
	actID := uuid.NewString()
	ts.Post(t, staff, "/activities/new", url.Values{"csrf": {tok}, "id": {actID}, "kind": {"forum"}, "topic_id": {draftT}, "title": {"村民代表座谈会"},
		"held_on": {"2026-11-20"}, "p_deputies": {"60"}, "p_public": {"120"}, "p_other": {"20"}, "rows": {"0"}, "op": {"save"}}, http.StatusSeeOther)
	before, err := ts.DB.Summary(ctx, draftT, "hongta")
	if err != nil {
		t.Fatal(err)
	}

	br := webtest.Browser(t)
	webtest.SignIn(t, br, ts.URL, "staff", demo.DemoPassword)
	webtest.Run(t, br, "the counted form", chromedp.Navigate(ts.URL+"/paper/"+b.ID+"/form?serial=7"), chromedp.WaitVisible(chromedp.ID("correct-form")),
		chromedp.Click(chromedp.ID("correct-form")))
	webtest.WaitFor(t, br, "#fix-overall")
	webtest.Run(t, br, "correct question 1",
		chromedp.SetValue(chromedp.ID("fix-overall"), "3"),
		chromedp.SendKeys(chromedp.ID("fix-reason"), "第1题纸上是3，录成了1"),
		chromedp.Click(chromedp.ID("save-fix")))
	webtest.WaitFor(t, br, "#history")
	webtest.Shot(t, br, "1-paper-form-corrected")
	if h := webtest.Read(t, br, "history", chromedp.Text(chromedp.ID("history"))); !strings.Contains(h, "第1题纸上是3") || !strings.Contains(h, "staff") {
		t.Errorf("the form's history: %q", h)
	}

	webtest.Run(t, br, "the forum", chromedp.Navigate(ts.URL+"/activities/"+actID), chromedp.WaitVisible(chromedp.ID("correct")),
		chromedp.Click(chromedp.CSS("#correct summary")),
		chromedp.SetValue(chromedp.ID("fix-p_deputies"), "6"),
		chromedp.SetValue(chromedp.ID("fix-p_public"), "12"),
		chromedp.SetValue(chromedp.ID("fix-p_other"), "2"),
		chromedp.SendKeys(chromedp.ID("fix-reason"), "人数多录了一个零"),
		chromedp.Click(chromedp.ID("save-correction")))
	webtest.WaitFor(t, br, "#history")
	webtest.Shot(t, br, "2-forum-corrected")

	after, err := ts.DB.Summary(ctx, draftT, "hongta")
	if err != nil {
		t.Fatal(err)
	}
	if d := after.Activities.Participants.Public - before.Activities.Participants.Public; d != -108 {
		t.Errorf("public participants moved by %d, want -108", d)
	}
	if after.Responses.Total != before.Responses.Total {
		t.Errorf("a correction changed the number of responses: %d → %d", before.Responses.Total, after.Responses.Total)
	}
	testutil.CheckCounters(t, ts.DB, draftT)
	for _, page := range []string{"/topics/" + draftT + "/summary", "/topics/" + draftT + "/report"} {
		body := ts.Get(t, staff, page, http.StatusOK)
		want := strconv.FormatInt(after.Activities.Participants.Public, 10)
		if !strings.Contains(body, want) {
			t.Errorf("%s does not show the corrected public participants %s", page, want)
		}
	}
	webtest.Run(t, br, "the report", chromedp.Navigate(ts.URL+"/topics/"+draftT+"/report"), chromedp.WaitVisible(chromedp.CSS("h1")))
	webtest.Shot(t, br, "3-report")
}
