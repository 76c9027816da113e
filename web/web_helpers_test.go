package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"budgetpoint/db"
	"budgetpoint/demo"
	"budgetpoint/handlers"
	"budgetpoint/internal/testutil"
	"budgetpoint/web/internal/webtest"
)

// testSite is a real contact point (SQLite file, demo content, the real
// router with the pages mounted) behind a real loopback server; webtest.Site
// gives its clients (Client, Login, Get, Post).
type testSite struct {
	*webtest.Site
	DB  *db.DB
	S   *handlers.Server
	App *App
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
	r := s.Router(handlers.APIs{})
	a.Routes(r)
	srv := testutil.Serve(t, r)
	return &testSite{Site: &webtest.Site{URL: srv.URL, Password: demo.DemoPassword}, DB: d, S: s, App: a, srv: srv}
}

// a11yEnglish makes the client ask for English pages (the remembered
// language switch).
func a11yEnglish(t *testing.T, ts *testSite, c *http.Client) { ts.English(t, c, LangCookie) }

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
		body = ts.Get(t, c, "/my", http.StatusOK)
	default:
		t.Fatalf("GET / of a signed-in session: status %d to %q, want 200 or 303 to /my", res.StatusCode, res.Header.Get("Location"))
	}
	m := webtest.CSRFRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf token on the home page\n%s", webtest.Truncate(body))
	}
	return m[1]
}

// setting reads a setting, failing the test when it cannot be read.
func (ts *testSite) setting(t *testing.T, ctx context.Context, key, def string) string {
	t.Helper()
	v, err := ts.DB.Setting(ctx, key, def)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
