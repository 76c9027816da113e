package committee

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"budgetpoint/web/internal/webtest"
)

// TestHubUsersPage: at the hub, 账号管理 adds the committee's logins (a
// generated password shown once, to be changed at the first sign-in; bad
// names refused beside their field, nothing added), and 我的账号 serves the
// committee as it serves a point's staff.
func TestHubUsersPage(t *testing.T) {
	hs := newHubSite(t)
	ctx := context.Background()
	admin := hs.Login(t, "admin")
	tok := hs.hubCSRF(t, admin)
	page := hs.Get(t, admin, "/users", http.StatusOK)
	webtest.MustContain(t, page, `<form method="post" action="/users"`, `<option value="committee" selected>`)
	webtest.CheckPage(t, "GET /users at the hub", page, "", true)

	_, body := hs.Post(t, admin, "/users", url.Values{"csrf": {tok}, "name": {"li ming"}, "role": {"committee"}}, http.StatusUnprocessableEntity)
	webtest.MustContain(t, body, `id="err-user_name"`, `value="li ming"`)
	_, body = hs.Post(t, admin, "/users", url.Values{"csrf": {tok}, "name": {"clerk3"}, "role": {"staff"}}, http.StatusUnprocessableEntity)
	webtest.MustContain(t, body, `id="err-user_role"`)
	_, body = hs.Post(t, admin, "/users", url.Values{"csrf": {tok}, "name": {"committee"}, "role": {"committee"}}, http.StatusUnprocessableEntity)
	webtest.MustContain(t, body, `id="err-user_name"`, "已存在")
	if _, err := hs.DB.UserByName(ctx, "clerk3"); err == nil {
		t.Fatal("a refused form added a login")
	}

	_, body = hs.Post(t, admin, "/users", url.Values{"csrf": {tok}, "name": {"clerk3"}, "role": {"committee"}}, http.StatusOK)
	m := regexp.MustCompile(`id="new-password">([^<]+)<`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no generated password shown\n%s", webtest.Truncate(body))
	}
	webtest.MustContain(t, body, `<tr data-user="clerk3">`, "须修改密码")
	c := hs.LoginWith(t, "clerk3", m[1])
	hs.Get(t, c, "/hub/topics", http.StatusSeeOther)
	acct := hs.Get(t, c, "/account", http.StatusOK)
	webtest.MustContain(t, acct, `id="must-change"`, "预工委")
	webtest.CheckPage(t, "GET /account at the hub", acct, "", true)

	committee := hs.Login(t, "committee")
	hs.Get(t, committee, "/users", http.StatusForbidden)
	webtest.MustContain(t, hs.Get(t, committee, "/account", http.StatusOK), `id="sessions"`)
}
