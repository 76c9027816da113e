package main

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"budgetpoint/db"
	"budgetpoint/internal/testutil"
)

// TestSessionIdleFlag: serve takes the idle timeout from
// BUDGETPOINT_SESSION_IDLE (or --session-idle): a session whose stored use
// is 2 minutes old is signed out under 1m and lives under the default;
// values under a minute are refused, at serve and at the hub.
func TestSessionIdleFlag(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		env  map[string]string
		want int
	}{
		{map[string]string{"BUDGETPOINT_SESSION_IDLE": "1m"}, 401},
		{nil, 200},
	} {
		data := t.TempDir()
		if err := run(ctx, []string{"user", "add", "--data", data, "--name", "staff", "--role", "staff"}, envOf(nil), strings.NewReader("Budget-Desk-7\n"), io.Discard); err != nil {
			t.Fatal(err)
		}
		r := serveRun(t, []string{"--data", data, "--addr", "127.0.0.1:0"}, c.env)
		res, err := post(r.url, "/api/v1/login", "", map[string]any{"name": "staff", "password": "Budget-Desk-7"})
		if err != nil {
			t.Fatal(err)
		}
		res.Want(t, 200, "sign in")
		var cookie string
		for _, ck := range (&http.Response{Header: res.Header}).Cookies() {
			if ck.Name == "bp_session" {
				cookie = ck.Value
			}
		}
		backdate(t, data)
		res, err = testutil.RequestWith(r.url, "GET", "/api/v1/me", nil, func(q *http.Request) {
			q.AddCookie(&http.Cookie{Name: "bp_session", Value: cookie})
		})
		if err != nil {
			t.Fatal(err)
		}
		res.Want(t, c.want, "a session unused for 2 min under "+c.env["BUDGETPOINT_SESSION_IDLE"])
		r.stop(t)
	}

	// The hub takes --session-idle too.
	hubDir := t.TempDir()
	hctx, cancel := context.WithCancel(ctx)
	out := &testutil.Buffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(hctx, []string{"hub", "--demo", "--data", hubDir, "--addr", "127.0.0.1:0", "--session-idle", "1m"}, envOf(nil), nil, out)
	}()
	hubURL := regexp.MustCompile(`committee hub: (http://[0-9.:]+)`)
	var url string
	for deadline := time.Now().Add(60 * time.Second); url == ""; time.Sleep(5 * time.Millisecond) {
		if m := hubURL.FindStringSubmatch(out.String()); m != nil {
			url = m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("the hub did not start: %s", out.String())
		}
	}
	res, err := post(url, "/api/v1/login", "", map[string]any{"name": "committee", "password": demoPassword})
	if err != nil {
		t.Fatal(err)
	}
	res.Want(t, 200, "sign in at the hub")
	var cookie string
	for _, ck := range (&http.Response{Header: res.Header}).Cookies() {
		if ck.Name == "bp_session" {
			cookie = ck.Value
		}
	}
	backdate(t, hubDir)
	res, err = testutil.RequestWith(url, "GET", "/api/v1/me", nil, func(q *http.Request) {
		q.AddCookie(&http.Cookie{Name: "bp_session", Value: cookie})
	})
	if err != nil {
		t.Fatal(err)
	}
	res.Want(t, 401, "a hub session unused for 2 min under --session-idle 1m")
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("hub after cancel: %v", err)
	}

	for _, c := range []struct {
		args []string
		env  map[string]string
	}{
		{[]string{"serve", "--data", t.TempDir(), "--session-idle", "0s"}, nil},
		{[]string{"serve", "--data", t.TempDir()}, map[string]string{"BUDGETPOINT_SESSION_IDLE": "thirty"}},
		{[]string{"hub", "--demo", "--data", filepath.Join(t.TempDir(), "h"), "--session-idle", "30s"}, nil},
	} {
		if err := run(ctx, c.args, envOf(c.env), nil, io.Discard); !isUsage(err) {
			t.Errorf("%v %v: %v, want a usage error", c.args, c.env, err)
		}
	}
}

// backdate makes the sessions in the database in dir made, and last used,
// 2 minutes ago.
func backdate(t *testing.T, dir string) {
	t.Helper()
	raw, err := sql.Open("sqlite3", db.DSN(filepath.Join(dir, db.FileName), ""))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	old := time.Now().Add(-2 * time.Minute).UTC().Format("2006-01-02T15:04:05.000000Z07:00")
	if _, err := raw.Exec(`UPDATE tokens SET created_at=? WHERE kind=?`, old, db.TokenSession); err != nil {
		t.Fatal(err)
	}
}
