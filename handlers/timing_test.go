package handlers_test

import (
	"net/http"
	"sort"
	"testing"
	"time"

	"budgetpoint/db"
)

// TestUnknownNameTakesAsLong: a sign-in with an unknown name takes about as
// long as one with a known name and a wrong password, so that the time of
// the answer does not tell which names exist. The hashes are made at cost 9
// here (tests lower it to 4), so that a dummy hash of another cost would
// show. The medians of 20 sign-ins each, taken in turns, are compared as a
// ratio, allowed from 0.5 to 2.0: a ratio, not a time, because on a busy
// machine every time varies, but both kinds of sign-in vary alike; a dummy
// hash of bcrypt's least cost (as before) gives a ratio near 0.1.
func TestUnknownNameTakesAsLong(t *testing.T) {
	old := db.BcryptCost
	t.Cleanup(func() { db.BcryptCost = old }) // last: after the server has stopped
	db.BcryptCost = 9
	e := newLockoutEnv(t, db.Lockout{After: 1000, AddrFailures: 1000})
	signIn := func(name string) time.Duration {
		start := time.Now()
		e.signIn(t, "127.0.0.1", name, "Wrong-guess-1").Want(t, http.StatusUnauthorized, "a wrong sign-in of "+name)
		return time.Since(start)
	}
	signIn("staff") // warm up both paths: connections, the dummy hash of this cost
	signIn("nobody")
	var known, unknown []time.Duration
	for i := 0; i < 20; i++ {
		known = append(known, signIn("staff"))
		unknown = append(unknown, signIn("nobody"))
	}
	median := func(ds []time.Duration) time.Duration {
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		return (ds[len(ds)/2-1] + ds[len(ds)/2]) / 2
	}
	k, u := median(known), median(unknown)
	if r := float64(u) / float64(k); r < 0.5 || r > 2.0 {
		t.Fatalf("median sign-in: unknown name %v, known name %v: ratio %.2f, want 0.5–2.0", u, k, r)
	}
	t.Logf("median sign-in: unknown name %v, known name %v", u, k)
}
