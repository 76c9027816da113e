package main

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"budgetpoint/db"
	"budgetpoint/internal/testutil"
)

var lockedUntil = regexp.MustCompile(`locked until (\d{4}-\d\d-\d\d \d\d:\d\d)`)

// wantLockedFor checks that res is 423 locked until about d from now (the
// message gives the minute, rounded up: a generous window).
func wantLockedFor(t *testing.T, res *testutil.Resp, d time.Duration) {
	t.Helper()
	m := lockedUntil.FindStringSubmatch(string(res.Body))
	if res.Status != http.StatusLocked || m == nil {
		t.Fatalf("status %d %s, want 423 locked until …", res.Status, res.Body)
	}
	until, err := time.ParseInLocation("2006-01-02 15:04", m[1], db.CST)
	if err != nil {
		t.Fatal(err)
	}
	if left := time.Until(until); left < d-time.Minute || left > d+2*time.Minute {
		t.Fatalf("locked until %s, %v from now: want about %v", m[1], left.Round(time.Second), d)
	}
}

// TestLockoutFlags: serve and hub take --lockout-after and --lockout-for,
// or BUDGETPOINT_LOCKOUT_*; values that make no lockout are refused.
func TestLockoutFlags(t *testing.T) {
	data := t.TempDir()
	ctx := context.Background()
	if err := run(ctx, []string{"user", "add", "--data", data, "--name", "staff", "--role", "staff"}, envOf(nil), strings.NewReader("Budget-Desk-7\n"), io.Discard); err != nil {
		t.Fatal(err)
	}
	r := serveRun(t, []string{"--data", data, "--addr", "127.0.0.1:0", "--lockout-after", "2"}, map[string]string{"BUDGETPOINT_LOCKOUT_FOR": "5m"})
	post(r.url, "/api/v1/login", "", map[string]any{"name": "staff", "password": "Wrong-guess-1"})
	res, err := post(r.url, "/api/v1/login", "", map[string]any{"name": "staff", "password": "Wrong-guess-2"})
	if err != nil {
		t.Fatal(err)
	}
	wantLockedFor(t, res, 5*time.Minute)
	r.stop(t)

	hubDir := t.TempDir()
	hctx, cancel := context.WithCancel(ctx)
	out := &testutil.Buffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(hctx, []string{"hub", "--demo", "--data", hubDir, "--addr", "127.0.0.1:0", "--lockout-after", "1"}, envOf(nil), nil, out)
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
	res, err = post(url, "/api/v1/login", "", map[string]any{"name": "committee", "password": "Wrong-guess-1"})
	if err != nil {
		t.Fatal(err)
	}
	wantLockedFor(t, res, 30*time.Minute)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("hub after cancel: %v", err)
	}

	for _, c := range []struct {
		args []string
		env  map[string]string
	}{
		{[]string{"serve", "--data", t.TempDir(), "--lockout-after", "0"}, nil},
		{[]string{"serve", "--data", t.TempDir(), "--lockout-for", "0s"}, nil},
		{[]string{"serve", "--data", t.TempDir()}, map[string]string{"BUDGETPOINT_LOCKOUT_AFTER": "five"}},
		{[]string{"hub", "--demo", "--data", t.TempDir(), "--lockout-for", "-1m"}, nil},
	} {
		if err := run(ctx, c.args, envOf(c.env), nil, io.Discard); !isUsage(err) {
			t.Errorf("%v %v: %v, want a usage error", c.args, c.env, err)
		}
	}
}
