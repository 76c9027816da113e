package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"budgetpoint/db"
	"budgetpoint/internal/testutil"
	"budgetpoint/models"
)

// get asks path with a bearer token.
func (e *lockoutEnv) get(t *testing.T, path, token string) *testutil.Resp {
	t.Helper()
	res, err := testutil.Request(e.url, "GET", path, token, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestTokenExpires: a bearer token works until its expiry and gets 401
// from then on, even with its owner cached; an API token made without a
// lifetime lasts 365 days.
func TestTokenExpires(t *testing.T) {
	e := newSessionEnv(t, 0)
	tok, _, err := e.d.CreateAPIToken(context.Background(), e.staff.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	e.advance(time.Hour - time.Second)
	e.get(t, "/api/v1/me", tok).Want(t, 200, "a token 1 s before its expiry")
	e.advance(time.Second) // within the 2 s cache of its owner
	if res := e.get(t, "/api/v1/me", tok); res.Status != 401 || res.Err(t).Error.Code != models.EUnauth {
		t.Fatalf("a token at its expiry: %d %s, want 401", res.Status, res.Body)
	}
	e.advance(time.Minute)
	e.get(t, "/api/v1/me", tok).Want(t, 401, "a token past its expiry")
	if _, _, err := e.d.CreateAPIToken(context.Background(), e.staff.ID, 0); models.ErrorCode(err) != models.EInvalid {
		t.Fatalf("a token of no lifetime: %v, want validation_failed", err)
	}

	def, _, _, err := e.d.CreateToken(context.Background(), e.staff.ID, db.TokenAPI)
	if err != nil {
		t.Fatal(err)
	}
	e.advance(365*24*time.Hour - time.Second)
	e.get(t, "/api/v1/me", def).Want(t, 200, "a default token after 365 days less 1 s")
	e.advance(3 * time.Second)
	e.get(t, "/api/v1/me", def).Want(t, 401, "a default token after 365 days")
}

type tokenList struct {
	Items []map[string]any `json:"items"`
	Next  *string          `json:"next"`
}

// TestListTokens: GET /api/v1/tokens lists the caller's own tokens (id,
// kind, created_at, expires_at, last_used_at, revoked) and no secret; an
// admin may ask for another's with ?user=ID, no one else may.
func TestListTokens(t *testing.T) {
	e := newSessionEnv(t, 0)
	ctx := context.Background()
	staffTok, staffID, err := e.d.CreateAPIToken(ctx, e.staff.ID, 90*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cookie := e.session(t) // a session of staff
	e.advance(2 * time.Minute)
	e.get(t, "/api/v1/me", staffTok).Want(t, 200, "staff's token") // its last use is written

	res := e.get(t, "/api/v1/tokens", staffTok).Want(t, 200, "list own tokens")
	for _, secret := range []string{staffTok, cookie} {
		if strings.Contains(string(res.Body), secret) {
			t.Fatalf("the list shows a token's secret: %s", res.Body)
		}
	}
	var l tokenList
	res.JSON(t, &l)
	if len(l.Items) != 3 {
		t.Fatalf("staff's tokens: %s, want the first API token, the new one and the session", res.Body)
	}
	api, sess := l.Items[1], l.Items[2]
	if api["id"] != float64(staffID) || api["kind"] != db.TokenAPI || sess["kind"] != db.TokenSession || api["revoked"] != false {
		t.Fatalf("staff's tokens: %s", res.Body)
	}
	for _, k := range []string{"created_at", "expires_at", "last_used_at", "revoked"} {
		if _, ok := api[k]; !ok {
			t.Fatalf("no %s in %v", k, api)
		}
	}
	created, _ := time.Parse(time.RFC3339, api["created_at"].(string))
	expires, _ := time.Parse(time.RFC3339, api["expires_at"].(string))
	if got := expires.Sub(created); got != 90*24*time.Hour {
		t.Fatalf("expires_at − created_at = %v, want 90 days", got)
	}
	if api["last_used_at"] == nil || sess["last_used_at"] != nil {
		t.Fatalf("last_used_at: the used token's %v, the unused session's %v", api["last_used_at"], sess["last_used_at"])
	}
	for _, it := range l.Items {
		if len(it) != 6 {
			t.Fatalf("a token is shown with other fields than the six: %v", it)
		}
	}

	adminOwn := e.get(t, "/api/v1/tokens", e.admin).Want(t, 200, "the admin's own")
	var al tokenList
	adminOwn.JSON(t, &al)
	if len(al.Items) != 1 || al.Items[0]["id"] == float64(staffID) {
		t.Fatalf("the admin's own tokens: %s", adminOwn.Body)
	}
	if res := e.get(t, fmt.Sprintf("/api/v1/tokens?user=%d", e.staff.ID+1), staffTok); res.Status != http.StatusForbidden {
		t.Fatalf("staff asks for another's tokens: %d %s, want 403", res.Status, res.Body)
	}
	e.get(t, fmt.Sprintf("/api/v1/tokens?user=%d", e.staff.ID), staffTok).Want(t, 200, "staff names themselves")
	e.get(t, "/api/v1/tokens?user=x", e.admin).Want(t, 400, "a user that is no id")

	if _, err := testutil.Request(e.url, "DELETE", fmt.Sprintf("/api/v1/tokens/%d", staffID), e.admin, nil); err != nil {
		t.Fatal(err)
	}
	res = e.get(t, fmt.Sprintf("/api/v1/tokens?user=%d&limit=2", e.staff.ID), e.admin).Want(t, 200, "an admin lists staff's")
	res.JSON(t, &l)
	if len(l.Items) != 2 || l.Items[1]["id"] != float64(staffID) || l.Items[1]["revoked"] != true || l.Items[0]["revoked"] != false || l.Next == nil {
		t.Fatalf("staff's first two tokens, the second revoked, with a next page: %s", res.Body)
	}
	res = e.get(t, fmt.Sprintf("/api/v1/tokens?user=%d&limit=1&after=%s", e.staff.ID, *l.Next), e.admin).Want(t, 200, "the next page")
	res.JSON(t, &l)
	if len(l.Items) != 1 || l.Items[0]["kind"] != db.TokenSession || l.Next != nil {
		t.Fatalf("the second page: %s", res.Body)
	}
}
