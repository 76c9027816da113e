package handlers_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"budgetpoint/db"
	"budgetpoint/handlers"
	"budgetpoint/internal/testutil"
	"budgetpoint/models"
)

// proxyEnv is a point's API served with the given trusted proxies, a
// lockout that stops an address after two failed sign-ins, a staff login
// and an admin's token (to read the audit log).
type proxyEnv struct {
	url   string
	admin string
	staff models.User
}

func newProxyEnv(t *testing.T, proxies ...string) *proxyEnv {
	t.Helper()
	d := testutil.OpenDB(t)
	var ps []netip.Prefix
	for _, p := range proxies {
		pp, err := handlers.ParseProxy(p)
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, pp)
	}
	e := &proxyEnv{}
	e.staff, _ = testutil.MakeUser(t, d, "staff", "staff", "")
	_, e.admin = testutil.MakeUser(t, d, "admin", "admin", "")
	s := handlers.NewServer(d, handlers.Config{PointID: "hongta", Log: slog.New(slog.DiscardHandler), TrustedProxies: ps,
		Lockout: db.Lockout{After: 100, For: time.Minute, AddrFailures: 2, AddrWindow: 10 * time.Minute}})
	e.url = testutil.Serve(t, s.Router(handlers.APIs{})).URL
	return e
}

// signIn posts a sign-in from the loopback address from with the given
// headers (X-Forwarded-For, X-Forwarded-Proto, Origin).
func (e *proxyEnv) signIn(t *testing.T, from, password string, headers map[string]string) *testutil.Resp {
	t.Helper()
	res, err := testutil.RequestWithClient(testutil.ClientFrom(from), e.url, "POST", "/api/v1/login",
		map[string]any{"name": "staff", "password": password}, func(r *http.Request) {
			for k, v := range headers {
				r.Header.Set(k, v)
			}
		})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// lastLoginAddr is the address of the newest sign-in in the audit log.
func (e *proxyEnv) lastLoginAddr(t *testing.T) string {
	t.Helper()
	res, err := testutil.Request(e.url, "GET", "/api/v1/audit?action=login", e.admin, nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Want(t, 200, "the audit log")
	var page models.Page[models.AuditEntry]
	if err := json.Unmarshal(res.Body, &page); err != nil || len(page.Items) == 0 {
		t.Fatalf("no sign-in in the audit log: %v %s", err, testutil.Trunc(res.Body))
	}
	newest := page.Items[0]
	for _, it := range page.Items {
		if it.Seq > newest.Seq {
			newest = it
		}
	}
	return newest.Addr
}

// sessionCookie is the session cookie an answer sets (nil: none).
func sessionCookie(res *testutil.Resp) *http.Cookie {
	for _, c := range (&http.Response{Header: res.Header}).Cookies() {
		if c.Name == handlers.SessionCookie {
			return c
		}
	}
	return nil
}

// Without --trusted-proxy, X-Forwarded-For and X-Forwarded-Proto are
// ignored: the audit log and the per-address limit see the peer, and the
// session cookie over plain HTTP is not Secure, whatever the headers say.
func TestTrustedProxyNone(t *testing.T) {
	e := newProxyEnv(t)
	xff := func(ip string) map[string]string { return map[string]string{"X-Forwarded-For": ip} }
	e.signIn(t, "127.0.0.1", "Wrong-guess-1", xff("203.0.113.1")).Want(t, 401, "first failure")
	if got := e.lastLoginAddr(t); got != "127.0.0.1" {
		t.Errorf("audit addr %q with an untrusted X-Forwarded-For, want the peer 127.0.0.1", got)
	}
	e.signIn(t, "127.0.0.1", "Wrong-guess-2", xff("203.0.113.2")).Want(t, 401, "second failure")
	// A new X-Forwarded-For does not escape the per-address limit.
	e.signIn(t, "127.0.0.1", "Wrong-guess-3", xff("203.0.113.3")).Want(t, 429, "third failure from the same peer")

	res := e.signIn(t, "127.0.0.2", testutil.Password("staff"), map[string]string{"X-Forwarded-Proto": "https"}).Want(t, 200, "sign-in")
	if c := sessionCookie(res); c == nil || c.Secure {
		t.Errorf("session cookie %v: want one, not Secure (X-Forwarded-Proto from an untrusted peer)", res.Header["Set-Cookie"])
	}
	if h := res.Header.Get("Strict-Transport-Security"); h != "" {
		t.Errorf("HSTS %q over plain HTTP without a trusted proxy", h)
	}
}

// With the loopback 127.0.0.1 trusted, X-Forwarded-For from it decides the
// client's address (the nearest untrusted one), for the audit log and the
// per-address limit; X-Forwarded-Proto: https from it makes the session
// cookie Secure, sets HSTS and makes https:// the expected Origin. From
// 127.0.0.2, not trusted, the same headers count for nothing.
func TestTrustedProxyLoopback(t *testing.T) {
	e := newProxyEnv(t, "127.0.0.1")
	xff := func(ip string) map[string]string { return map[string]string{"X-Forwarded-For": ip} }
	e.signIn(t, "127.0.0.1", "Wrong-guess-1", xff("203.0.113.1")).Want(t, 401, "first failure")
	if got := e.lastLoginAddr(t); got != "203.0.113.1" {
		t.Errorf("audit addr %q through the trusted proxy, want 203.0.113.1", got)
	}
	// A client's own entry in front of the proxy's is not believed: the
	// address is the nearest one that is not a trusted proxy.
	e.signIn(t, "127.0.0.1", "Wrong-guess-2", xff("198.51.100.9, 203.0.113.1, 127.0.0.1")).Want(t, 401, "second failure")
	if got := e.lastLoginAddr(t); got != "203.0.113.1" {
		t.Errorf("audit addr %q for a forged chain, want 203.0.113.1", got)
	}
	e.signIn(t, "127.0.0.1", "Wrong-guess-3", xff("203.0.113.1")).Want(t, 429, "third failure of 203.0.113.1")
	// The limit is per forwarded address: another client behind the proxy may still try.
	e.signIn(t, "127.0.0.1", "Wrong-guess-4", xff("203.0.113.2")).Want(t, 401, "first failure of 203.0.113.2")

	// An untrusted peer's X-Forwarded-For is ignored.
	e.signIn(t, "127.0.0.2", "Wrong-guess-5", xff("203.0.113.3")).Want(t, 401, "failure from an untrusted peer")
	if got := e.lastLoginAddr(t); got != "127.0.0.2" {
		t.Errorf("audit addr %q from an untrusted peer, want 127.0.0.2", got)
	}

	https := map[string]string{"X-Forwarded-For": "203.0.113.4", "X-Forwarded-Proto": "https"}
	res := e.signIn(t, "127.0.0.1", testutil.Password("staff"), https).Want(t, 200, "sign-in through the trusted proxy over HTTPS")
	if c := sessionCookie(res); c == nil || !c.Secure {
		t.Errorf("session cookie %v through a trusted proxy that says https: want Secure", res.Header["Set-Cookie"])
	}
	if h := res.Header.Get("Strict-Transport-Security"); h != "max-age=31536000" {
		t.Errorf("HSTS %q through a trusted proxy that says https", h)
	}
	res = e.signIn(t, "127.0.0.2", testutil.Password("staff"), https).Want(t, 200, "sign-in from an untrusted peer")
	if c := sessionCookie(res); c == nil || c.Secure {
		t.Errorf("session cookie %v: want one, not Secure (X-Forwarded-Proto from an untrusted peer)", res.Header["Set-Cookie"])
	}
	if h := res.Header.Get("Strict-Transport-Security"); h != "" {
		t.Errorf("HSTS %q for an untrusted peer's X-Forwarded-Proto", h)
	}

	// The Origin a browser sends through the HTTPS proxy is https://host.
	host := strings.TrimPrefix(e.url, "http://")
	https["Origin"] = "https://" + host
	e.signIn(t, "127.0.0.1", testutil.Password("staff"), https).Want(t, 200, "sign-in with an https:// Origin through the trusted proxy")
	https["Origin"] = "http://" + host
	e.signIn(t, "127.0.0.1", testutil.Password("staff"), https).Want(t, 403, "sign-in with an http:// Origin through a proxy that says https")
	e.signIn(t, "127.0.0.2", testutil.Password("staff"), map[string]string{"Origin": "https://" + host, "X-Forwarded-Proto": "https"}).
		Want(t, 403, "an https:// Origin from an untrusted peer over plain HTTP")
}

// --trusted-proxy values: a CIDR (masked), a bare IPv4 or IPv6 address
// (/32, /128); anything else is refused.
func TestParseProxy(t *testing.T) {
	for in, want := range map[string]string{"10.1.2.3/8": "10.0.0.0/8", "127.0.0.1": "127.0.0.1/32", " ::1 ": "::1/128",
		"fd00::/8": "fd00::/8", "::ffff:10.0.0.1": "10.0.0.1/32"} {
		p, err := handlers.ParseProxy(in)
		if err != nil || p.String() != want {
			t.Errorf("ParseProxy(%q) = %v, %v; want %s", in, p, err, want)
		}
	}
	for _, in := range []string{"", "10.0.0.0/33", "localhost", "10.0.0", "fe80::1%eth0", "1.2.3.4/x"} {
		if p, err := handlers.ParseProxy(in); err == nil {
			t.Errorf("ParseProxy(%q) = %v, want an error", in, p)
		}
	}
}
