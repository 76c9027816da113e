package web

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"

	"budgetpoint/internal/testutil"
	"budgetpoint/web/internal/webtest"
)

// A public fill-in form that cannot be read is answered with a page that
// says so (400), one over the size limit with 413 and the limit; neither is
// stored.
func TestPublicFillBadForm(t *testing.T) {
	ts := newTestSite(t)
	link := openPublic(t, ts, ts.Login(t, "staff"), draftQ)
	before := summaryOf(t, ts, draftT).Responses.Total
	post := func(body io.Reader) (int, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, ts.URL+link, body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := ts.Client(t).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return res.StatusCode, webtest.ReadAll(t, res)
	}
	status, body := post(bytes.NewBufferString("rid=%zz&a.overall=basic"))
	if status != http.StatusBadRequest {
		t.Errorf("a form that cannot be read: %d, want 400", status)
	}
	webtest.MustContain(t, body, "表单无法读取")
	// Sent in chunks (no Content-Length): the limit is met while reading.
	status, body = post(io.MultiReader(bytes.NewBufferString("a.advice="), bytes.NewReader(bytes.Repeat([]byte("x"), 2<<20))))
	if status != http.StatusRequestEntityTooLarge {
		t.Errorf("a form over the limit: %d, want 413", status)
	}
	webtest.MustContain(t, body, "提交的内容超过 1048576 字节的上限")
	if after := summaryOf(t, ts, draftT).Responses.Total; after != before {
		t.Errorf("%d responses stored from forms that could not be read", after-before)
	}
}

// Submissions without login share one limit per client address, the API's
// and the pages': once the API's public submissions have used it up, the
// fill-in page refuses too (429, said in both languages).
func TestPublicSubmissionsShareOneLimit(t *testing.T) {
	ts := newTestSite(t)
	link := openPublic(t, ts, ts.Login(t, "staff"), draftQ)
	api := ts.URL + "/api/v1/public/" + strings.TrimPrefix(link, "/p/") + "/responses"
	limited := false
	for i := 0; i < 100 && !limited; i++ {
		res, err := http.Post(api, "application/json", strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		webtest.ReadAll(t, res)
		limited = res.StatusCode == http.StatusTooManyRequests
	}
	if !limited {
		t.Fatal("100 public submissions through the API, none refused")
	}
	// Two at once: the limit may have let one more through since.
	anon := ts.Client(t)
	n := 0
	for range 2 {
		res, body := ts.Post(t, anon, link, url.Values{"a.overall": {"basic"}}, 0)
		if res.StatusCode == http.StatusTooManyRequests {
			webtest.MustContain(t, body, "提交过于频繁")
			n++
		}
	}
	if n == 0 {
		t.Error("the fill-in page has a limit of its own: both submissions after the API's were taken")
	}
}

// TestPublicFillAsksWhoYouAre: 您的身份 is not pre-set (a deputy who skips it
// would count as public): sent without it, the page asks for it and keeps
// the answers; nothing is stored.
func TestPublicFillAsksWhoYouAre(t *testing.T) {
	ts := newTestSite(t)
	staff := ts.Login(t, "staff")
	link := openPublic(t, ts, staff, draftQ)
	anon := ts.Client(t)
	page := ts.Get(t, anon, link, http.StatusOK)
	if strings.Contains(page, `name="rkind" value="public" checked`) || strings.Contains(page, `value="public" checked`) {
		t.Error("您的身份 is pre-set to 群众")
	}
	before := testutil.Snapshot(t, ts.DB)
	_, body := ts.Post(t, anon, link, url.Values{"rid": {uuid.NewString()}, "v": {"1"}, "a.overall": {"satisfied"}}, http.StatusUnprocessableEntity)
	webtest.MustContain(t, body, `id="err-respondent"`, "请选择您的身份", `value="satisfied" checked`)
	testutil.SameSnapshot(t, ts.DB, before, "a response without 您的身份")
}
