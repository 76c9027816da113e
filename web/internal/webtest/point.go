package webtest

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/gin-gonic/gin"

	"budgetpoint/db"
	"budgetpoint/demo"
	"budgetpoint/handlers"
	"budgetpoint/internal/testutil"
)

// Point is a real contact point with its pages: a SQLite file in a
// temporary directory with the demo content of hongta and a login per role
// (admin among them, each with the password demo.DemoPassword), the real
// router with the API and the pages, behind a loopback server.
type Point struct {
	*Site
	DB   *db.DB
	S    *handlers.Server
	HTTP *testutil.Server
	// Logs is what the server logged.
	Logs *testutil.Buffer
}

// NewPoint starts a contact point. The pages are package web's, which this
// package cannot import (web's own tests import it): mount adds them to the
// router, and limits are their body limits (web.BodyLimits).
func NewPoint(t *testing.T, limits map[string]int64, mount func(s *handlers.Server, r *gin.Engine) error) *Point {
	t.Helper()
	return NewPointWith(t, limits, func(ctx context.Context, d *db.DB) error { return demo.Load(ctx, d, "hongta", io.Discard) }, mount)
}

// NewPointWith is NewPoint with other content than the demo's: load fills
// the database (logins other than admin included) before the server starts.
func NewPointWith(t *testing.T, limits map[string]int64, load func(ctx context.Context, d *db.DB) error, mount func(s *handlers.Server, r *gin.Engine) error) *Point {
	t.Helper()
	d := testutil.OpenDB(t)
	ctx := context.Background()
	if err := load(ctx, d); err != nil {
		t.Fatal(err)
	}
	if _, err := d.CreateUser(ctx, "admin", "admin", demo.DemoPassword, ""); err != nil {
		t.Fatal(err)
	}
	logs := &testutil.Buffer{}
	s := handlers.NewServer(d, handlers.Config{PointID: "hongta", Log: slog.New(slog.NewTextHandler(logs, nil)), BodyLimits: limits})
	r := s.Router(handlers.APIs{})
	if err := mount(s, r); err != nil {
		t.Fatal(err)
	}
	srv := testutil.Serve(t, r)
	return &Point{Site: &Site{URL: srv.URL, Password: demo.DemoPassword}, DB: d, S: s, HTTP: srv, Logs: logs}
}
