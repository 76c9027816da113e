package handlers_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"budgetpoint/db"
	"budgetpoint/handlers"
	"budgetpoint/internal/testutil"
	"budgetpoint/models"
)

// lockoutEnv is a point's API on a database whose clock the test moves.
type lockoutEnv struct {
	dir   string
	d     *db.DB
	url   string
	clock *atomic.Int64 // unix nanoseconds
	admin string        // an admin's token
	staff models.User   // its password is testutil.Password("staff")
}

var lockoutStart = time.Date(2026, 11, 20, 9, 0, 0, 0, db.CST)

func newLockoutEnv(t *testing.T, l db.Lockout) *lockoutEnv {
	t.Helper()
	e := &lockoutEnv{clock: &atomic.Int64{}}
	e.clock.Store(lockoutStart.UnixNano())
	e.dir = t.TempDir()
	e.open(t)
	t.Cleanup(func() { e.d.Close() })
	e.staff, _ = testutil.MakeUser(t, e.d, "staff", "staff", "")
	_, e.admin = testutil.MakeUser(t, e.d, "admin", "admin", "")
	e.serve(t, l)
	return e
}

// open opens the database in e.dir.
func (e *lockoutEnv) open(t *testing.T) {
	t.Helper()
	d, err := db.Open(e.dir)
	if err != nil {
		t.Fatal(err)
	}
	e.d = d
}

// serve serves the API on e.d with lockout l, the clock set first.
func (e *lockoutEnv) serve(t *testing.T, l db.Lockout) {
	t.Helper()
	e.d.Now = func() time.Time { return time.Unix(0, e.clock.Load()) }
	s := handlers.NewServer(e.d, handlers.Config{PointID: "hongta", Log: slog.New(slog.DiscardHandler), Lockout: l})
	e.url = testutil.Serve(t, s.Router(handlers.APIs{})).URL
}

func (e *lockoutEnv) advance(d time.Duration) { e.clock.Add(int64(d)) }

// signIn posts /api/v1/login from the loopback address ip.
func (e *lockoutEnv) signIn(t *testing.T, ip, name, password string) *testutil.Resp {
	t.Helper()
	res, err := testutil.RequestWithClient(testutil.ClientFrom(ip), e.url, "POST", "/api/v1/login", map[string]any{"name": name, "password": password}, nil)
	if err != nil {
		t.Fatalf("sign in as %s from %s: %v", name, ip, err)
	}
	return res
}

// failFive signs in as name with wrong passwords from 127.0.0.2…6, one
// address each, and returns the answers.
func (e *lockoutEnv) failFive(t *testing.T, name string) []*testutil.Resp {
	t.Helper()
	var out []*testutil.Resp
	for i := 2; i <= 6; i++ {
		out = append(out, e.signIn(t, fmt.Sprintf("127.0.0.%d", i), name, "Wrong-guess-"+fmt.Sprint(i)))
	}
	return out
}

// TestLockout: five failed sign-ins in a row lock a login even from five
// addresses; the right password then gets 423 locked saying until when;
// an unknown name gets the very same answers; an admin's unlock, or the
// end of the 30 minutes, lets the login in again; a success resets the
// count; the lock holds across a restart.
func TestLockout(t *testing.T) {
	e := newLockoutEnv(t, db.Lockout{})
	known := e.failFive(t, "staff")
	for i, res := range known[:4] {
		if res.Status != http.StatusUnauthorized || res.Err(t).Error.Code != models.EUnauth {
			t.Fatalf("failure %d: %d %s, want 401 unauthenticated", i+1, res.Status, res.Body)
		}
	}
	until := "2026-11-20 09:30"
	locked := e.signIn(t, "127.0.0.7", "staff", testutil.Password("staff"))
	for _, res := range []*testutil.Resp{known[4], locked} {
		if res.Status != http.StatusLocked {
			t.Fatalf("after five failures: %d %s, want 423", res.Status, res.Body)
		}
		if b := res.Err(t); b.Error.Code != models.ELocked || strings.Count(b.Error.Message, until) != 2 {
			t.Fatalf("after five failures: %s, want code locked and until %s in both languages", res.Body, until)
		}
	}

	// An unknown name: the same answers, word for word.
	unknown := e.failFive(t, "nobody")
	unknown = append(unknown, e.signIn(t, "127.0.0.7", "nobody", testutil.Password("staff")))
	for i, res := range append(known, locked) {
		if u := unknown[i]; u.Status != res.Status || string(u.Body) != string(res.Body) {
			t.Errorf("attempt %d: unknown name %d %s, known name %d %s: want the same", i+1, u.Status, u.Body, res.Status, res.Body)
		}
	}

	// The lock is in the database: a restarted server keeps it.
	if err := e.d.Close(); err != nil {
		t.Fatal(err)
	}
	e.open(t)
	e.serve(t, db.Lockout{})
	e.signIn(t, "127.0.0.7", "staff", testutil.Password("staff")).Want(t, http.StatusLocked, "the lock after a restart")

	// An admin unlocks it (not someone else's id, not a login that is none).
	unlock := func(id int64, token string) *testutil.Resp {
		res, err := testutil.Request(e.url, "POST", fmt.Sprintf("/api/v1/users/%d/unlock", id), token, nil)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	unlock(999, e.admin).Want(t, http.StatusNotFound, "unlock a login that does not exist")
	unlock(e.staff.ID, e.admin).Want(t, http.StatusOK, "unlock")
	res, err := testutil.Request(e.url, "GET", "/api/v1/audit?action=user.unlock", e.admin, nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Want(t, http.StatusOK, "the audit of the unlock")
	if !strings.Contains(string(res.Body), `"object":{"type":"user","id":"staff"}`) {
		t.Errorf("the unlock is not audited: %s", res.Body)
	}
	e.signIn(t, "127.0.0.7", "staff", testutil.Password("staff")).Want(t, http.StatusOK, "the right password after the unlock")

	// A success resets the count: four failures, a success, four failures do not lock.
	for round := 0; round < 2; round++ {
		for i := 2; i <= 5; i++ {
			e.signIn(t, fmt.Sprintf("127.0.0.%d", i), "staff", "Wrong-again-1").Want(t, http.StatusUnauthorized, "a failure under five")
		}
		e.signIn(t, "127.0.0.7", "staff", testutil.Password("staff")).Want(t, http.StatusOK, "a success resets the count")
	}

	// The lock ends by itself after 30 minutes.
	e.failFive(t, "staff")[4].Want(t, http.StatusLocked, "locked again")
	e.advance(30*time.Minute - time.Second)
	e.signIn(t, "127.0.0.7", "staff", testutil.Password("staff")).Want(t, http.StatusLocked, "a second before the end of the lock")
	e.advance(time.Second)
	e.signIn(t, "127.0.0.7", "staff", testutil.Password("staff")).Want(t, http.StatusOK, "at the end of the lock")
}

// TestFailedSignInsPerAddress: twenty failed sign-ins from one address, each
// for another name (so that no name is locked), stop that address (429
// rate_limited, the right password of another login too) for ten minutes;
// other addresses still sign in.
func TestFailedSignInsPerAddress(t *testing.T) {
	e := newLockoutEnv(t, db.Lockout{})
	for i := 0; i < 20; i++ {
		e.signIn(t, "127.0.0.8", fmt.Sprintf("guess%d", i), "Wrong-guess-1").Want(t, http.StatusUnauthorized, "a failure under twenty")
	}
	res := e.signIn(t, "127.0.0.8", "staff", testutil.Password("staff"))
	if res.Status != http.StatusTooManyRequests || res.Err(t).Error.Code != models.ERateLimited {
		t.Fatalf("the 21st attempt from the address: %d %s, want 429 rate_limited", res.Status, res.Body)
	}
	e.signIn(t, "127.0.0.9", "staff", testutil.Password("staff")).Want(t, http.StatusOK, "another address")
	e.advance(10 * time.Minute)
	e.signIn(t, "127.0.0.8", "staff", testutil.Password("staff")).Want(t, http.StatusOK, "the address ten minutes later")
}

// TestRefusedSignInsBoundedInAudit: an address refused for its failures
// (429) cannot fill the audit log: of 100 refused sign-ins, 5 are audited
// (then one a minute), the rest only logged; its 20 failures before are
// audited each.
func TestRefusedSignInsBoundedInAudit(t *testing.T) {
	e := newLockoutEnv(t, db.Lockout{})
	for i := 0; i < 20; i++ {
		e.signIn(t, "127.0.0.8", fmt.Sprintf("guess%d", i), "Wrong-guess-1").Want(t, http.StatusUnauthorized, "a failure under twenty")
	}
	for i := 0; i < 100; i++ {
		e.signIn(t, "127.0.0.8", fmt.Sprintf("flood%d", i), "Wrong-guess-1").Want(t, http.StatusTooManyRequests, "refused")
	}
	count := func(result string) int {
		n := 0
		p, err := e.d.AuditLog(context.Background(), models.AuditFilter{Action: "login", Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range p.Items {
			if a.Result == result {
				n++
			}
		}
		return n
	}
	if f, r := count(models.AuditFailed), count(models.AuditRefused); f != 20 || r != 5 {
		t.Errorf("audited %d failed and %d refused sign-ins, want 20 and 5", f, r)
	}
}
