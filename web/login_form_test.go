package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"budgetpoint/web/internal/webtest"
)

// TestLoginFormNotTheAPI: the pages' sign-in form posts a form to /login,
// not JSON to /api/v1/login, and keeps working with the browser's Origin
// of this very site; the same form sent to /api/v1/login is refused (400,
// JSON only), and from another site's Origin too (403).
func TestLoginFormNotTheAPI(t *testing.T) {
	ts := newTestSite(t)
	c := ts.Client(t)
	page := ts.Get(t, c, "/login", http.StatusOK)
	if !strings.Contains(page, `action="/login"`) || strings.Contains(page, "/api/v1/login") {
		t.Fatalf("the sign-in form does not post to /login alone")
	}
	m := webtest.CSRFRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("login page has no csrf field")
	}
	form := url.Values{"csrf": {m[1]}, "name": {"staff"}, "password": {ts.Password}, "next": {"/"}}
	post := func(path, origin string) *http.Response {
		t.Helper()
		req, err := http.NewRequest("POST", ts.URL+path, strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", origin)
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		webtest.CloseBody(t, res)
		return res
	}
	if res := post("/api/v1/login", ts.URL); res.StatusCode != http.StatusBadRequest {
		t.Fatalf("the form posted to /api/v1/login: %d, want 400", res.StatusCode)
	}
	if res := post("/api/v1/login", "http://evil.example"); res.StatusCode != http.StatusForbidden {
		t.Fatalf("the form posted to /api/v1/login from another site: %d, want 403", res.StatusCode)
	}
	if res := post("/login", ts.URL); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the sign-in form with this site's Origin: %d, want 303", res.StatusCode)
	}
	ts.Get(t, c, "/settings", http.StatusForbidden) // signed in: staff, not admin (a stranger is sent to /login)
}
