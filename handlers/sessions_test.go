package handlers_test

import (
	"database/sql"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"budgetpoint/db"
	"budgetpoint/handlers"
	"budgetpoint/internal/testutil"
)

// newSessionEnv is a lockoutEnv (a database whose clock the test moves)
// served with the idle timeout idle (zero: the default).
func newSessionEnv(t *testing.T, idle time.Duration) *lockoutEnv {
	t.Helper()
	e := newLockoutEnv(t, db.Lockout{})
	s := handlers.NewServer(e.d, handlers.Config{PointID: "hongta", Log: slog.New(slog.DiscardHandler), SessionIdle: idle})
	e.url = testutil.Serve(t, s.Router(handlers.APIs{})).URL
	return e
}

// session signs staff in over /api/v1/login and returns the session cookie's value.
func (e *lockoutEnv) session(t *testing.T) string {
	t.Helper()
	res := e.signIn(t, "127.0.0.9", "staff", testutil.Password("staff")).Want(t, 200, "sign in")
	for _, ck := range (&http.Response{Header: res.Header}).Cookies() {
		if ck.Name == handlers.SessionCookie && ck.Value != "" {
			return ck.Value
		}
	}
	t.Fatalf("no session cookie in %v", res.Header)
	return ""
}

// me asks GET /api/v1/me with the session cookie and returns the status.
func (e *lockoutEnv) me(t *testing.T, cookie string) int {
	t.Helper()
	res, err := testutil.RequestWith(e.url, "GET", "/api/v1/me", nil, func(r *http.Request) {
		r.AddCookie(&http.Cookie{Name: handlers.SessionCookie, Value: cookie})
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status == http.StatusUnauthorized && !strings.Contains(string(res.Body), " / ") {
		t.Fatalf("401 without the message in both languages: %s", res.Body)
	}
	return res.Status
}

// TestSessionIdle: a session unused for 30 minutes and 1 second is signed
// out (401), and one used 29 minutes after signing in lasts until 30
// minutes after that use; an API token is not subject to the idle timeout.
func TestSessionIdle(t *testing.T) {
	e := newSessionEnv(t, 0)
	idle := e.session(t)
	used := e.session(t)
	e.advance(29 * time.Minute)
	if st := e.me(t, used); st != 200 {
		t.Fatalf("a session used after 29 min: %d, want 200", st)
	}
	e.advance(time.Minute + time.Second)
	if st := e.me(t, idle); st != 401 {
		t.Fatalf("a session unused for 30 min 1 s: %d, want 401", st)
	}
	e.advance(28*time.Minute + 58*time.Second) // 58 min 59 s: 29 min 59 s after its last use
	if st := e.me(t, used); st != 200 {
		t.Fatalf("a session used 29 min 59 s ago: %d, want 200", st)
	}
	e.advance(30*time.Minute + time.Second)
	if st := e.me(t, used); st != 401 {
		t.Fatalf("a session unused for 30 min 1 s after a use: %d, want 401", st)
	}
	if st := e.me(t, idle); st != 401 {
		t.Fatalf("an idle session used again later: %d, want 401", st)
	}
	res, err := testutil.Request(e.url, "GET", "/api/v1/me", e.admin, nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Want(t, 200, "an API token unused for 90 min")
}

// TestSessionIdleConfig: the idle timeout comes from handlers.Config.
func TestSessionIdleConfig(t *testing.T) {
	e := newSessionEnv(t, 5*time.Minute)
	a, b := e.session(t), e.session(t)
	e.advance(5*time.Minute - time.Second)
	if st := e.me(t, a); st != 200 {
		t.Fatalf("a session unused for 4 min 59 s of 5: %d, want 200", st)
	}
	e.advance(2 * time.Second)
	if st := e.me(t, b); st != 401 {
		t.Fatalf("a session unused for 5 min 1 s of 5: %d, want 401", st)
	}
}

// TestSessionUsedLivesTwelveHours: used every 10 minutes a session lives,
// but not past 12 hours from the sign-in, not even from the 2 s cache of
// its owner.
func TestSessionUsedLivesTwelveHours(t *testing.T) {
	e := newSessionEnv(t, 0)
	ck := e.session(t)
	for i := 1; i < 12*6; i++ {
		e.advance(10 * time.Minute)
		if st := e.me(t, ck); st != 200 {
			t.Fatalf("a session used every 10 min, after %v: %d, want 200", time.Duration(i)*10*time.Minute, st)
		}
	}
	e.advance(10*time.Minute - 1500*time.Millisecond) // 12 h less 1.5 s: cached now for 2 s
	if st := e.me(t, ck); st != 200 {
		t.Fatalf("a session 1.5 s before its 12 h: %d, want 200", st)
	}
	e.advance(1500 * time.Millisecond)
	if st := e.me(t, ck); st != 401 {
		t.Fatalf("a session at 12 h, used every 10 min, its owner cached: %d, want 401", st)
	}
}

// TestSessionLastUseWrittenOncePerMinute: the last use is stored, but
// written at most once a minute per token.
func TestSessionLastUseWrittenOncePerMinute(t *testing.T) {
	e := newSessionEnv(t, 0)
	ck := e.session(t)
	raw := testutil.RawOf(t, e.d)
	last := func() sql.NullString {
		t.Helper()
		var s sql.NullString
		if err := raw.QueryRow(`SELECT last_used_at FROM tokens WHERE kind='session'`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	e.advance(30 * time.Second)
	e.me(t, ck)
	e.advance(3 * time.Second) // past the cache
	e.me(t, ck)
	if l := last(); l.Valid {
		t.Fatalf("last use written within a minute of the sign-in: %s", l.String)
	}
	e.advance(30 * time.Second) // 63 s after the sign-in
	e.me(t, ck)
	first := last()
	if !first.Valid || !strings.HasPrefix(first.String, lockoutStart.Add(63*time.Second).UTC().Format("2006-01-02T15:04:05")) {
		t.Fatalf("last use after 63 s: %v, want the time of that use", first)
	}
	for range 5 {
		e.advance(3 * time.Second)
		e.me(t, ck)
	}
	if l := last(); l != first {
		t.Fatalf("last use rewritten within the minute: %v, then %v", first, l)
	}
	e.advance(time.Minute)
	e.me(t, ck)
	if l := last(); l == first {
		t.Fatalf("last use not written a minute later: still %v", l)
	}
}

// TestSessionShortIdleInUse: with the shortest idle timeout (1 min), a
// session used every 10 s lives on (its last use is stored at least every
// half idle timeout), and ends a minute after its last use.
func TestSessionShortIdleInUse(t *testing.T) {
	e := newSessionEnv(t, time.Minute)
	s := e.session(t)
	for i := 1; i <= 18; i++ { // three minutes
		e.advance(10 * time.Second)
		if st := e.me(t, s); st != 200 {
			t.Fatalf("a session used every 10 s, after %d s: %d, want 200", 10*i, st)
		}
	}
	e.advance(time.Minute + 3*time.Second)
	if st := e.me(t, s); st != 401 {
		t.Fatalf("a session unused for a minute: %d, want 401", st)
	}
}
