package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"budgetpoint/internal/testutil"
	"budgetpoint/models"
)

// TestLoginJSONOnly: POST /api/v1/login with a body that is not JSON by
// its Content-Type gets 400 bad_request naming the type, and no session;
// application/json, with or without parameters, signs in.
func TestLoginJSONOnly(t *testing.T) {
	e := testutil.New(t)
	e.User(t, "staff", "staff", "")
	body := `{"name":"staff","password":"` + testutil.Password("staff") + `"}`
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "", "application/jsonx", "json"} {
		res, err := testutil.RequestWith(e.URL, "POST", "/api/v1/login", body, func(r *http.Request) {
			if ct == "" {
				r.Header.Del("Content-Type")
			} else {
				r.Header.Set("Content-Type", ct)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		name := ct
		if name == "" {
			name = "(none)"
		} else {
			name, _, _ = strings.Cut(ct, ";")
		}
		if res.Status != http.StatusBadRequest || res.Err(t).Error.Code != models.EBadRequest || !strings.Contains(res.Err(t).Error.Message, name) {
			t.Fatalf("Content-Type %q: %d %s, want 400 bad_request naming it", ct, res.Status, res.Body)
		}
		if res.Header.Get("Set-Cookie") != "" {
			t.Fatalf("Content-Type %q: a cookie is set: %s", ct, res.Header.Get("Set-Cookie"))
		}
	}
	for _, ct := range []string{"application/json", "application/json; charset=utf-8", "Application/JSON"} {
		res, err := testutil.RequestWith(e.URL, "POST", "/api/v1/login", body, func(r *http.Request) { r.Header.Set("Content-Type", ct) })
		if err != nil {
			t.Fatal(err)
		}
		res.Want(t, 200, "sign in with Content-Type "+ct)
	}
}

// TestLoginOrigin: a sign-in whose Origin header is present and is not the
// server's own (scheme://Host) gets 403 forbidden, even with the right
// password; the server's own origin, or none, signs in.
func TestLoginOrigin(t *testing.T) {
	e := testutil.New(t)
	e.User(t, "staff", "staff", "")
	login := map[string]any{"name": "staff", "password": testutil.Password("staff")}
	host := strings.TrimPrefix(e.URL, "http://")
	for _, o := range []string{"http://evil.example", "https://" + host, "http://" + host + ".evil.example", "null", "http://localhost:1"} {
		res, err := testutil.RequestWith(e.URL, "POST", "/api/v1/login", login, func(r *http.Request) { r.Header.Set("Origin", o) })
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != http.StatusForbidden || res.Err(t).Error.Code != models.EForbidden || res.Header.Get("Set-Cookie") != "" {
			t.Fatalf("Origin %s: %d %s (cookie %q), want 403 forbidden and no session", o, res.Status, res.Body, res.Header.Get("Set-Cookie"))
		}
	}
	for _, o := range []string{e.URL, ""} {
		res, err := testutil.RequestWith(e.URL, "POST", "/api/v1/login", login, func(r *http.Request) {
			if o != "" {
				r.Header.Set("Origin", o)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		res.Want(t, 200, "sign in with Origin "+o)
	}
}
