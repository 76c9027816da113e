package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"budgetpoint/db"
	"budgetpoint/demo"
	"budgetpoint/handlers"
	"budgetpoint/internal/testutil"
)

// testSite is a real contact point (SQLite file, demo content, the real
// router with the pages mounted) behind an httptest server.
type testSite struct {
	DB  *db.DB
	S   *handlers.Server
	App *App
	URL string
	srv *testutil.Server
}

func newTestSite(t *testing.T) *testSite {
	t.Helper()
	db.BcryptCost = bcrypt.MinCost
	d, err := db.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := demo.Load(context.Background(), d, "hongta", io.Discard); err != nil {
		t.Fatal(err)
	}
	if _, err := d.CreateUser(context.Background(), "admin", "admin", demo.DemoPassword, ""); err != nil {
		t.Fatal(err)
	}
	s := handlers.NewServer(d, handlers.Config{PointID: "hongta", Log: slog.New(slog.NewTextHandler(io.Discard, nil)), BodyLimits: BodyLimits()})
	a, err := New(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := s.Router()
	a.Routes(r)
	srv := testutil.Serve(t, r)
	return &testSite{DB: d, S: s, App: a, URL: srv.URL, srv: srv}
}

// client is a browser-like client: cookies kept, redirects not followed.
func (ts *testSite) client(t *testing.T) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// login signs a user in through the login form and returns the client.
func (ts *testSite) login(t *testing.T, name string) *http.Client {
	t.Helper()
	c := ts.client(t)
	body := ts.get(t, c, "/login", http.StatusOK)
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("login page has no csrf field")
	}
	res, err := c.PostForm(ts.URL+"/login", url.Values{"csrf": {m[1]}, "name": {name}, "password": {demo.DemoPassword}, "next": {"/"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login %s: status %d", name, res.StatusCode)
	}
	return c
}

// csrf reads the CSRF token of the signed-in session from its home page
// (every page has it, in the sign-out form): the dashboard for staff and
// admins, /my for deputies, whom / sends there.
func (ts *testSite) csrf(t *testing.T, c *http.Client) string {
	t.Helper()
	res, err := c.Get(ts.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	body := string(b)
	switch {
	case res.StatusCode == http.StatusOK:
	case res.StatusCode == http.StatusSeeOther && res.Header.Get("Location") == "/my":
		body = ts.get(t, c, "/my", http.StatusOK)
	default:
		t.Fatalf("GET / of a signed-in session: status %d to %q, want 200 or 303 to /my", res.StatusCode, res.Header.Get("Location"))
	}
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf token on the home page\n%s", truncate(body))
	}
	return m[1]
}

// get fetches a path and checks its status (0: any), returning the body.
func (ts *testSite) get(t *testing.T, c *http.Client, path string, want int) string {
	t.Helper()
	res, err := c.Get(ts.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	if want != 0 && res.StatusCode != want {
		t.Fatalf("GET %s: status %d, want %d\n%s", path, res.StatusCode, want, truncate(string(b)))
	}
	return string(b)
}

// post submits a form and checks its status, returning the response (body read).
func (ts *testSite) post(t *testing.T, c *http.Client, path string, form url.Values, want int) (*http.Response, string) {
	t.Helper()
	res, err := c.PostForm(ts.URL+path, form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	if want != 0 && res.StatusCode != want {
		t.Fatalf("POST %s: status %d, want %d\n%s", path, res.StatusCode, want, truncate(string(b)))
	}
	return res, string(b)
}

func truncate(s string) string {
	if len(s) > 3000 {
		return s[:3000] + "…"
	}
	return s
}

func mustContain(t *testing.T, body string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(body, p) {
			t.Errorf("page does not contain %q\n%s", p, truncate(body))
		}
	}
}
