package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"sort"
	"strings"
	"testing"

	"budgetpoint/db"
	"budgetpoint/internal/testutil"
)

// route is one route of routes.go with the roles that may use it and a
// request that succeeds for them.
type route struct {
	method, path string   // gin's pattern, as Routes() lists it
	roles        []string // nil: no login needed
	req          func(t *testing.T, fx *fixture, role string) (path string, body any)
}

var (
	anyRole   = []string{"admin", "staff", "deputy"}
	staffOnly = []string{"admin", "staff"}
	adminOnly = []string{"admin"}
)

func fixed(path string, body any) func(*testing.T, *fixture, string) (string, any) {
	return func(*testing.T, *fixture, string) (string, any) { return path, body }
}

var n int

func uniq(prefix string) string { n++; return fmt.Sprintf("%s%d", prefix, n) }

var routeTable = []route{
	{"GET", "/api/v1/health", nil, fixed("/api/v1/health", nil)},
	{"GET", "/api/v1/openapi.json", nil, fixed("/api/v1/openapi.json", nil)},
	{"POST", "/api/v1/login", nil, fixed("/api/v1/login", map[string]any{"name": "staff", "password": testutil.Password("staff")})},
	{"POST", "/api/v1/logout", anyRole, fixed("/api/v1/logout", nil)},
	{"GET", "/api/v1/me", anyRole, fixed("/api/v1/me", nil)},
	{"GET", "/api/v1/tokens", anyRole, fixed("/api/v1/tokens", nil)},
	{"POST", "/api/v1/tokens", anyRole, fixed("/api/v1/tokens", nil)},
	{"DELETE", "/api/v1/tokens/:id", anyRole, func(t *testing.T, fx *fixture, role string) (string, any) {
		if role == "" || fx.users[role].ID == 0 {
			return "/api/v1/tokens/1", nil
		}
		_, id := fx.token(t, role)
		return fmt.Sprintf("/api/v1/tokens/%d", id), nil
	}},
	{"GET", "/api/v1/users", adminOnly, fixed("/api/v1/users", nil)},
	{"POST", "/api/v1/users", adminOnly, func(*testing.T, *fixture, string) (string, any) {
		return "/api/v1/users", map[string]any{"name": uniq("user"), "role": "staff"}
	}},
	{"POST", "/api/v1/users/:id/unlock", adminOnly, func(_ *testing.T, fx *fixture, _ string) (string, any) {
		return fmt.Sprintf("/api/v1/users/%d/unlock", fx.users["staff"].ID), nil
	}},
	{"POST", "/api/v1/users/:id/password", adminOnly, func(t *testing.T, fx *fixture, _ string) (string, any) {
		return fmt.Sprintf("/api/v1/users/%d/password", fx.newUser(t).ID), map[string]any{}
	}},
	{"PATCH", "/api/v1/users/:id", adminOnly, func(t *testing.T, fx *fixture, _ string) (string, any) {
		return fmt.Sprintf("/api/v1/users/%d", fx.newUser(t).ID), map[string]any{"disabled": true}
	}},
	{"DELETE", "/api/v1/users/:id", adminOnly, func(t *testing.T, fx *fixture, _ string) (string, any) {
		return fmt.Sprintf("/api/v1/users/%d", fx.newUser(t).ID), nil
	}},
	{"POST", "/api/v1/me/password", anyRole, func(_ *testing.T, fx *fixture, role string) (string, any) {
		// Each call changes the login's password to a new one, remembered.
		if fx.passwords == nil {
			fx.passwords = map[string]string{}
		}
		cur, ok := fx.passwords[role]
		if !ok {
			cur = testutil.Password(role)
		}
		next := uniq("Changed-Pw-")
		if role != "" {
			fx.passwords[role] = next
		}
		return "/api/v1/me/password", map[string]any{"current": cur, "new": next}
	}},
	{"DELETE", "/api/v1/me/sessions", anyRole, fixed("/api/v1/me/sessions", nil)},
	{"GET", "/api/v1/topics", anyRole, fixed("/api/v1/topics", nil)},
	{"POST", "/api/v1/topics", staffOnly, func(*testing.T, *fixture, string) (string, any) {
		return "/api/v1/topics", testutil.Topic(uniq("t-new-"))
	}},
	{"GET", "/api/v1/topics/:id", anyRole, fixed("/api/v1/topics/t1", nil)},
	{"PATCH", "/api/v1/topics/:id", staffOnly, fixed("/api/v1/topics/t1", map[string]any{"summary": "就市级预算草案征求意见"})},
	{"GET", "/api/v1/topics/:id/summary", staffOnly, fixed("/api/v1/topics/t1/summary", nil)},
	{"GET", "/api/v1/questionnaires", anyRole, fixed("/api/v1/questionnaires", nil)},
	{"POST", "/api/v1/questionnaires", staffOnly, func(*testing.T, *fixture, string) (string, any) {
		return "/api/v1/questionnaires", testutil.Definition(uniq("q-new-"), "t1")
	}},
	{"GET", "/api/v1/questionnaires/:id", anyRole, fixed("/api/v1/questionnaires/q1", nil)},
	{"PATCH", "/api/v1/questionnaires/:id", staffOnly, fixed("/api/v1/questionnaires/q1", map[string]any{"public": true})},
	{"GET", "/api/v1/questionnaires/:id/draft", staffOnly, func(t *testing.T, fx *fixture, _ string) (string, any) {
		return "/api/v1/questionnaires/" + fx.newDraft(t) + "/draft", nil
	}},
	{"POST", "/api/v1/questionnaires/:id/publish", staffOnly, func(t *testing.T, fx *fixture, _ string) (string, any) {
		return "/api/v1/questionnaires/" + fx.newDraft(t) + "/publish", nil
	}},
	{"POST", "/api/v1/questionnaires/:id/responses", anyRole, func(*testing.T, *fixture, string) (string, any) {
		return "/api/v1/questionnaires/q1/responses", testutil.Response(newID(), 4)
	}},
	{"GET", "/api/v1/questionnaires/:id/responses", anyRole, fixed("/api/v1/questionnaires/q1/responses", nil)},
	{"GET", "/api/v1/responses/:id", staffOnly, func(t *testing.T, fx *fixture, _ string) (string, any) {
		return "/api/v1/responses/" + fx.newResponse(t), nil
	}},
	{"PATCH", "/api/v1/responses/:id", staffOnly, func(t *testing.T, fx *fixture, _ string) (string, any) {
		return "/api/v1/responses/" + fx.newResponse(t), map[string]any{"answers": map[string]any{"overall": "basic"}, "reason": "录入错误"}
	}},
	{"DELETE", "/api/v1/responses/:id", staffOnly, func(t *testing.T, fx *fixture, _ string) (string, any) {
		return "/api/v1/responses/" + fx.newResponse(t), map[string]any{"reason": "重复录入"}
	}},
	{"GET", "/api/v1/activities", staffOnly, fixed("/api/v1/activities", nil)},
	{"POST", "/api/v1/activities", staffOnly, func(*testing.T, *fixture, string) (string, any) {
		return "/api/v1/activities", map[string]any{"kind": "written", "topic_id": "t1", "title": "书面征求意见", "held_on": "2026-11-21"}
	}},
	{"GET", "/api/v1/activities/:id", staffOnly, func(_ *testing.T, fx *fixture, _ string) (string, any) {
		return "/api/v1/activities/" + fx.activityID, nil
	}},
	{"PATCH", "/api/v1/activities/:id", staffOnly, func(_ *testing.T, fx *fixture, _ string) (string, any) {
		return "/api/v1/activities/" + fx.activityID, map[string]any{"participants": map[string]any{"deputies": 6, "public": 12, "other": 2}, "reason": "人数录错"}
	}},
	{"GET", "/api/v1/opinions", anyRole, fixed("/api/v1/opinions", nil)},
	{"POST", "/api/v1/opinions", staffOnly, func(*testing.T, *fixture, string) (string, any) {
		return "/api/v1/opinions", map[string]any{"topic_id": "t1", "source": "other", "content": "建议提高基层医疗卫生经费", "proposer": map[string]any{"kind": "public"}}
	}},
	{"GET", "/api/v1/opinions/:id", anyRole, func(_ *testing.T, fx *fixture, _ string) (string, any) {
		return "/api/v1/opinions/" + fx.opinionID, nil
	}},
	{"GET", "/api/v1/deputies", anyRole, fixed("/api/v1/deputies", nil)},
	{"GET", "/api/v1/deputies/:id", staffOnly, fixed("/api/v1/deputies/d-dep", nil)},
	{"POST", "/api/v1/deputies", staffOnly, func(*testing.T, *fixture, string) (string, any) {
		return "/api/v1/deputies", map[string]any{"name": "张伟", "level": "township"}
	}},
	{"GET", "/api/v1/public/:token", nil, func(_ *testing.T, fx *fixture, _ string) (string, any) {
		return "/api/v1/public/" + fx.publicToken, nil
	}},
	{"POST", "/api/v1/public/:token/responses", nil, func(_ *testing.T, fx *fixture, _ string) (string, any) {
		return "/api/v1/public/" + fx.publicToken + "/responses", testutil.Response(newID(), 5)
	}},
	{"POST", "/api/v1/questionnaires/:id/eval-codes", staffOnly, fixed("/api/v1/questionnaires/q1/eval-codes",
		map[string]any{"name": "座谈会测评", "count": 2, "respondent_kind": "deputy"})},
	{"POST", "/api/v1/eval/:code/responses", nil, func(t *testing.T, fx *fixture, _ string) (string, any) {
		codes, err := fx.DB.IssueEvalCodes(context.Background(), db.EvalCodeSet{ID: newID(), QuestionnaireID: "q1", Name: "测评",
			RespondentKind: "deputy", CreatedBy: "staff"}, 1)
		if err != nil {
			t.Fatal(err)
		}
		r := testutil.Response(newID(), 5)
		return "/api/v1/eval/" + db.FormatEvalCode(codes[0]) + "/responses", map[string]any{"id": r["id"], "answers": r["answers"]}
	}},
	{"GET", "/api/v1/audit", adminOnly, fixed("/api/v1/audit", nil)},
	{"GET", "/api/v1/sync/status", staffOnly, fixed("/api/v1/sync/status", nil)},
	{"POST", "/api/v1/sync/run", staffOnly, fixed("/api/v1/sync/run", nil)},
}

// TestRoutesByRole sends every route of routes.go as nobody, with bad,
// malformed and revoked credentials, and as each role: 401 without valid
// credentials, 403 for a role that may not, 2xx for one that may.
func TestRoutesByRole(t *testing.T) {
	fx := newFixture(t)

	// The table covers every route the router has.
	have := map[string]bool{}
	for _, r := range fx.Router.Routes() {
		have[r.Method+" "+r.Path] = true
	}
	for _, r := range routeTable {
		k := r.method + " " + r.path
		if !have[k] {
			t.Errorf("table has %s, which the router does not", k)
		}
		delete(have, k)
	}
	var missing []string
	for k := range have {
		missing = append(missing, k)
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Fatalf("routes without a row in the role table: %v", missing)
	}

	revoked, revokedID := fx.token(t, "admin")
	if err := fx.DB.RevokeToken(context.Background(), revokedID, fx.users["admin"].ID, true); err != nil {
		t.Fatal(err)
	}
	credentials := []struct{ name, header string }{
		{"none", ""},
		{"bad bearer token", "Bearer not-a-token"},
		{"empty bearer", "Bearer "},
		{"not bearer", "Basic YWRtaW46cGFzcw=="},
		{"revoked token", "Bearer " + revoked},
	}
	for _, r := range routeTable {
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			for _, c := range credentials {
				path, body := r.req(t, fx, "")
				res := send(t, fx, r.method, path, c.header, body)
				if r.roles == nil {
					if res.Status < 200 || res.Status > 299 {
						t.Fatalf("%s without login: status %d, want 2xx: %s", c.name, res.Status, testutil.Trunc(res.Body))
					}
					continue
				}
				if res.Status != 401 || res.Err(t).Error.Code != "unauthenticated" {
					t.Fatalf("%s: status %d, want 401 unauthenticated: %s", c.name, res.Status, testutil.Trunc(res.Body))
				}
			}
			for _, role := range anyRole {
				tok, _ := fx.token(t, role)
				path, body := r.req(t, fx, role)
				res := send(t, fx, r.method, path, "Bearer "+tok, body)
				allowed := r.roles == nil || contains(r.roles, role)
				switch {
				case allowed && (res.Status < 200 || res.Status > 299):
					t.Fatalf("%s: status %d, want 2xx: %s", role, res.Status, testutil.Trunc(res.Body))
				case !allowed && (res.Status != 403 || res.Err(t).Error.Code != "forbidden"):
					t.Fatalf("%s: status %d, want 403 forbidden: %s", role, res.Status, testutil.Trunc(res.Body))
				}
			}
		})
	}
}

func contains(ss []string, s string) bool {
	for _, v := range ss {
		if v == s {
			return true
		}
	}
	return false
}

func send(t *testing.T, fx *fixture, method, path, auth string, body any) *testutil.Resp {
	t.Helper()
	res, err := requestWithHeader(fx.URL, method, path, auth, body)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func requestWithHeader(base, method, path, auth string, body any) (*testutil.Resp, error) {
	return testutil.RequestWith(base, method, path, body, func(r *http.Request) {
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
	})
}

// TestSessionCookie signs in through the API: the cookie is HttpOnly and
// SameSite, reads work with it, changes need the CSRF token, and signing
// out ends it.
func TestSessionCookie(t *testing.T) {
	fx := newFixture(t)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	do := func(method, path string, body any, csrf string) *testutil.Resp {
		t.Helper()
		res, err := testutil.RequestWithClient(c, fx.URL, method, path, body, func(r *http.Request) {
			if csrf != "" {
				r.Header.Set("X-CSRF-Token", csrf)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	res := do("POST", "/api/v1/login", map[string]any{"name": "staff", "password": "wrong-password"}, "")
	if res.Status != 401 || res.Err(t).Error.Code != "unauthenticated" {
		t.Fatalf("wrong password: %d %s", res.Status, res.Body)
	}
	res = do("POST", "/api/v1/login", map[string]any{"name": "staff", "password": testutil.Password("staff")}, "").Want(t, 200, "login")
	sc := res.Header.Get("Set-Cookie")
	if !strings.Contains(sc, "bp_session=") || !strings.Contains(sc, "HttpOnly") || !strings.Contains(sc, "SameSite=Lax") {
		t.Fatalf("session cookie %q: want HttpOnly and SameSite", sc)
	}
	var login struct {
		CSRF string `json:"csrf_token"`
	}
	res.JSON(t, &login)
	do("GET", "/api/v1/me", nil, "").Want(t, 200, "me with cookie")
	res = do("POST", "/api/v1/topics", testutil.Topic("t-cookie-1"), "")
	if res.Status != 403 {
		t.Fatalf("change with a cookie and no CSRF token: %d, want 403", res.Status)
	}
	do("GET", "/api/v1/topics/t-cookie-1", nil, "").Want(t, 404, "the topic of a change refused for want of a CSRF token")
	do("POST", "/api/v1/topics", testutil.Topic("t-cookie-2"), login.CSRF).Want(t, 201, "change with CSRF token")
	do("POST", "/api/v1/logout", nil, login.CSRF).Want(t, 200, "logout")
	res = do("GET", "/api/v1/me", nil, "")
	if res.Status != 401 {
		t.Fatalf("after logout: %d, want 401", res.Status)
	}
}

// TestUnknownRoutes: an unknown path is a 404 and a wrong method a 405,
// both in the error shape.
func TestUnknownRoutes(t *testing.T) {
	fx := newFixture(t)
	res := fx.Do(t, "GET", "/api/v1/nothing-here", fx.tokens["admin"], nil)
	if res.Status != 404 || res.Err(t).Error.Code != "not_found" {
		t.Fatalf("unknown path: %d %s", res.Status, res.Body)
	}
	res = fx.Do(t, "PUT", "/api/v1/topics", fx.tokens["admin"], nil)
	if res.Status != 405 {
		t.Fatalf("wrong method: %d %s", res.Status, res.Body)
	}
	res.Err(t)
	res = fx.Do(t, "GET", "/api/v1/topics/nope", fx.tokens["staff"], nil)
	if res.Status != 404 || res.Err(t).Error.Code != "not_found" {
		t.Fatalf("unknown topic: %d %s", res.Status, res.Body)
	}
}
