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

// TestHubUsersPageAddsUnitLogins: 账号管理 adds a unit's login with its
// unit; without one, with an unknown one, or a unit given to a committee
// login is refused beside the field (nothing added) or dropped; the new
// login lands on its unit's inbox.
func TestHubUsersPageAddsUnitLogins(t *testing.T) {
	hs := newHubSite(t)
	ctx := context.Background()
	admin := hs.Login(t, "admin")
	tok := hs.hubCSRF(t, admin)
	webtest.MustContain(t, hs.Get(t, admin, "/users", http.StatusOK), `<option value="unit" >`, "还没有承办单位")
	hs.addUnits(t, "czj", "市财政局")
	page := hs.Get(t, admin, "/users", http.StatusOK)
	webtest.MustContain(t, page, `<select id="user_unit" name="unit_id"`, `<option value="czj" >市财政局</option>`)
	webtest.CheckPage(t, "GET /users at the hub with units", page, "", true)
	for name, form := range map[string]url.Values{
		"no unit":      {"name": {"czj-a"}, "role": {"unit"}, "password": {"Unit-Pass-2026-long"}},
		"unknown unit": {"name": {"czj-a"}, "role": {"unit"}, "unit_id": {"nowhere"}, "password": {"Unit-Pass-2026-long"}},
	} {
		_, body := hs.Post(t, admin, "/users", url.Values{"csrf": {tok}, "name": form["name"], "role": form["role"], "unit_id": form["unit_id"], "password": form["password"]}, http.StatusUnprocessableEntity)
		webtest.MustContain(t, body, `id="err-user_unit"`)
		if _, err := hs.DB.UserByName(ctx, "czj-a"); err == nil {
			t.Fatalf("%s: a refused form added a login", name)
		}
	}
	hs.Post(t, admin, "/users", url.Values{"csrf": {tok}, "name": {"cm-x"}, "role": {"committee"}, "unit_id": {"czj"}, "password": {"Committee-Pass-2026-long"}}, http.StatusOK)
	if u, err := hs.DB.UserByName(ctx, "cm-x"); err != nil || u.UnitID != "" {
		t.Fatalf("a committee login given a unit: %+v %v", u, err)
	}
	_, body := hs.Post(t, admin, "/users", url.Values{"csrf": {tok}, "name": {"czj-a"}, "role": {"unit"}, "unit_id": {"czj"}, "password": {"Unit-Pass-2026-long"}}, http.StatusOK)
	webtest.MustContain(t, body, `<tr data-user="czj-a">`, "承办单位")
	u, err := hs.DB.UserByName(ctx, "czj-a")
	if err != nil || u.Role != "unit" || u.UnitID != "czj" {
		t.Fatalf("the unit login: %+v %v", u, err)
	}
	c := hs.LoginWith(t, "czj-a", "Unit-Pass-2026-long")
	webtest.MustContain(t, hs.Get(t, c, "/unit", http.StatusOK), "市财政局")
}
