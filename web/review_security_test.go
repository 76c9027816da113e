package web

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// Browsers drop tabs and newlines from a URL before resolving it, so a
// Location of "/\t/evil.example" goes to //evil.example: an open redirect
// through ?next= of /login and /lang/:lang.
func TestReviewNextCannotLeaveTheServer(t *testing.T) {
	for _, p := range []string{"/\t/evil.example", "/\x0b/evil.example", "/\x00/evil.example", "\t//evil.example"} {
		if got := localPath(p, "/"); got != "/" {
			t.Errorf("localPath(%q) = %q, want /", p, got)
		}
	}
	ts := newTestSite(t)
	c := ts.client(t)
	res, err := c.Get(ts.URL + "/lang/en?next=%2F%09%2Fevil.example")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if loc := res.Header.Get("Location"); strings.Contains(loc, "evil") {
		t.Fatalf("redirected to %q", loc)
	}
}

// The public rate limits (public link, evaluation codes) must key on the
// peer address: gin's ClientIP trusts any X-Forwarded-For by default, so a
// client that sends a new one each time is never limited.
func TestReviewPublicRateLimitIgnoresForwardedFor(t *testing.T) {
	ts := newTestSite(t)
	h := ts.srv.Config.Handler
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
