package web

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"budgetpoint/web/internal/webtest"
)

// maxPages sets how many pages the writer's connection may grow the file
// to: 1 (never below its size) is a disk that is full.
func maxPages(t *testing.T, ts *testSite, n int) {
	t.Helper()
	ts.exec(t, fmt.Sprintf(`PRAGMA max_page_count = %d`, n))
}

// A page whose write the database cannot take (SQLITE_FULL, as on a full
// disk) answers 503 with the unavailable message and no detail; the log has
// the code and the cause, as the API's do.
func TestErrorPageLogsCause(t *testing.T) {
	ts := newTestSite(t)
	c := ts.Login(t, "staff")
	form := url.Values{"csrf": {ts.csrf(t, c)}, "kind": {"other"}, "fiscal_year": {"2027"}, "title": {"大事项"},
		"summary": {strings.Repeat("预算说明", 490)}} // more than a page
	maxPages(t, ts, 1)
	_, body := ts.Post(t, c, "/topics/new", form, http.StatusServiceUnavailable)
	webtest.MustContain(t, body, "服务器暂时无法可靠地保存数据")
	if strings.Contains(body, "full") {
		t.Errorf("the page shows the driver's error:\n%s", webtest.Truncate(body))
	}
	logs := ts.Logs.String()
	if !strings.Contains(logs, "code=unavailable") || !strings.Contains(logs, "database or disk is full") || !strings.Contains(logs, "path=/topics/new") {
		t.Errorf("the log does not have the code, the path and the cause: %s", logs)
	}
	maxPages(t, ts, 1<<30)
	ts.Post(t, c, "/topics/new", form, http.StatusSeeOther)
}

// A flash cookie that is not what SetFlash wrote (not base64, not the
// messages) shows no message and is forgotten; the page is shown as usual.
func TestBadFlashCookie(t *testing.T) {
	ts := newTestSite(t)
	c := ts.Login(t, "staff")
	for _, v := range []string{"not base64!", base64.RawURLEncoding.EncodeToString([]byte(`[{"k":"ok","m":`))} {
		req, err := http.NewRequest(http.MethodGet, ts.URL+"/topics", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.AddCookie(&http.Cookie{Name: flashCookie, Value: v})
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body := webtest.ReadAll(t, res)
		if res.StatusCode != http.StatusOK || strings.Contains(body, `class="flash`) {
			t.Errorf("flash cookie %q: %d, want the page without a message", v, res.StatusCode)
		}
		if sc := res.Header.Get("Set-Cookie"); !strings.Contains(sc, flashCookie+"=;") || !strings.Contains(sc, "Max-Age=0") {
			t.Errorf("flash cookie %q is not forgotten: %q", v, sc)
		}
	}
}
