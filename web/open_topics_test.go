package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"budgetpoint/models"
	"budgetpoint/web/internal/webtest"
)

// TestClosedTopicPages: once a topic has closed, its public link and a
// deputy's fill page say since when instead of showing the form, a form
// sent anyway is refused with the same words and not counted, and 我的问卷
// no longer offers it (one the deputy answered stays, marked 征求意见已截止).
func TestClosedTopicPages(t *testing.T) {
	ts := newTestSite(t)
	ctx := context.Background()
	staff := ts.Login(t, "staff")
	link := openPublic(t, ts, staff, draftQ)
	dep := ts.Login(t, "deputy")
	page := ts.Get(t, dep, "/my", http.StatusOK)
	webtest.MustContain(t, page, `data-q="`+draftQ+`"`)
	fill := ts.Get(t, ts.Client(t), link, http.StatusOK)
	csrf := webtest.CSRFRe.FindStringSubmatch(fill)

	yesterday := time.Now().AddDate(0, 0, -1)
	if _, err := ts.DB.PatchTopic(ctx, draftT, models.TopicPatch{ClosesAt: &yesterday}); err != nil {
		t.Fatal(err)
	}
	date := yesterday.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
	closed := "本事项的征求意见已于 " + date + " 截止，不再接收答卷"
	webtest.MustContain(t, ts.Get(t, ts.Client(t), link, http.StatusConflict), closed)
	webtest.MustContain(t, ts.Get(t, dep, "/fill/"+draftQ, http.StatusConflict), closed)
	if strings.Contains(ts.Get(t, dep, "/my", http.StatusOK), `data-q="`+draftQ+`"`) {
		t.Error("我的问卷 still offers the questionnaire of a closed topic")
	}

	before := paperOnline(t, ts)
	form := url.Values{"rid": {uuid.NewString()}, "rkind": {"public"}, "a.overall": {"satisfied"}}
	if csrf != nil {
		form.Set("csrf", csrf[1])
	}
	_, body := ts.Post(t, ts.Client(t), link, form, http.StatusConflict)
	webtest.MustContain(t, body, closed)
	if n := paperOnline(t, ts); n != before {
		t.Fatalf("a response after closing was counted: %d, want %d", n, before)
	}
}

// paperOnline is the number of online responses of the demo topic.
func paperOnline(t *testing.T, ts *testSite) int64 {
	t.Helper()
	s, err := ts.DB.Summary(context.Background(), draftT, "hongta")
	if err != nil {
		t.Fatal(err)
	}
	return s.Responses.ByChannel["online"]
}
