package web

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"

	"budgetpoint/handlers"
	"budgetpoint/web/internal/webtest"
)

// testSite is the real contact point of every test of the pages
// (webtest.NewPoint: SQLite file, demo content, the real router) with the
// point's pages (App) mounted.
type testSite struct {
	*webtest.Point
	App *App
}

func newTestSite(t *testing.T) *testSite {
	t.Helper()
	ts := &testSite{}
	ts.Point = webtest.NewPoint(t, BodyLimits(), func(s *handlers.Server, r *gin.Engine) error {
		a, err := New(s, nil)
		if err != nil {
			return err
		}
		a.Routes(r)
		ts.App = a
		return nil
	})
	return ts
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
	webtest.CloseBody(t, res)
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

// exec runs a statement in the database writer's transaction: to break the
// database on purpose (a trigger, a size limit, a corrupt row).
func (ts *testSite) exec(t *testing.T, query string, args ...any) {
	t.Helper()
	if err := ts.DB.Write(context.Background(), func(tx *sql.Tx) error { _, err := tx.Exec(query, args...); return err }); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}
