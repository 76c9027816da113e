package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"budgetpoint/demo"

	"budgetpoint/web/internal/webtest"
)

// Browsers drop tabs and newlines from a URL before resolving it, so a
// Location of "/\t/evil.example" goes to //evil.example: an open redirect
// through ?next= of /login and /lang/:lang.
func TestNextCannotLeaveTheServer(t *testing.T) {
	for _, p := range []string{"/\t/evil.example", "/\x0b/evil.example", "/\x00/evil.example", "\t//evil.example"} {
		if got := localPath(p, "/"); got != "/" {
			t.Errorf("localPath(%q) = %q, want /", p, got)
		}
	}
	ts := newTestSite(t)
	c := ts.Client(t)
	res, err := c.Get(ts.URL + "/lang/en?next=%2F%09%2Fevil.example")
	if err != nil {
		t.Fatal(err)
	}
	webtest.CloseBody(t, res)
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/" {
		t.Fatalf("/lang/en?next=/%%09/evil.example: status %d to %q, want 303 to /", res.StatusCode, loc)
	}
	// And the sign-in form's next.
	c = ts.Client(t)
	m := webtest.CSRFRe.FindStringSubmatch(ts.Get(t, c, "/login", http.StatusOK))
	if m == nil {
		t.Fatal("login page has no csrf field")
	}
	res2, _ := ts.Post(t, c, "/login", url.Values{"csrf": {m[1]}, "name": {"staff"}, "password": {demo.DemoPassword}, "next": {"/\t/evil.example"}}, http.StatusSeeOther)
	if loc := res2.Header.Get("Location"); loc != "/" {
		t.Fatalf("login with next=/\\t/evil.example: redirected to %q, want /", loc)
	}
}

// The public rate limits (public link, evaluation codes) must key on the
// peer address: gin's ClientIP trusts any X-Forwarded-For by default, so a
// client that sends a new one each time is never limited.
func TestPublicRateLimitIgnoresForwardedFor(t *testing.T) {
	ts := newTestSite(t)
	h := ts.HTTP.Handler
	for _, path := range []string{"/p/no-such-token", "/e/ABCDEFGHJK", "/api/v1/eval/ABCDEFGHJK/responses"} {
		limited := false
		for i := 0; i < 80 && !limited; i++ {
			req := httptest.NewRequest(http.MethodPost, path, strings.NewReader("{}"))
			req.RemoteAddr = "203.0.113." + strconv.Itoa(len(path)) + ":4321"
			req.Header.Set("X-Forwarded-For", "198.51.100."+strconv.Itoa(i))
			if strings.HasPrefix(path, "/api/") {
				req.Header.Set("Content-Type", "application/json")
			} else {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			limited = rec.Code == http.StatusTooManyRequests
		}
		if !limited {
			t.Errorf("POST %s: 80 requests from one peer with changing X-Forwarded-For were never rate limited", path)
		}
	}
}
