package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"budgetpoint/db"
	"budgetpoint/handlers"
	"budgetpoint/internal/testutil"
	"budgetpoint/models"
)

// signInCookie signs name in over /api/v1/login and returns the session cookie.
func signInCookie(t *testing.T, fx *fixture, name, password string) (string, *testutil.Resp) {
	t.Helper()
	res := fx.Do(t, "POST", "/api/v1/login", "", map[string]any{"name": name, "password": password})
	for _, ck := range (&http.Response{Header: res.Header}).Cookies() {
		if ck.Name == handlers.SessionCookie && ck.Value != "" {
			return ck.Value, res
		}
	}
	return "", res
}

// withCookie sends a GET with a session cookie and returns the status.
func withCookie(t *testing.T, fx *fixture, path, cookie string) int {
	t.Helper()
	res, err := testutil.RequestWith(fx.URL, "GET", path, nil, func(r *http.Request) {
		r.AddCookie(&http.Cookie{Name: handlers.SessionCookie, Value: cookie})
	})
	if err != nil {
		t.Fatal(err)
	}
	return res.Status
}

// audited returns the audit entries of an action on an object.
func audited(t *testing.T, fx *fixture, action, object string) []models.AuditEntry {
	t.Helper()
	p, err := fx.DB.AuditLog(context.Background(), models.AuditFilter{Action: action, Object: object, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return p.Items
}

// TestChangePassword: the current password is checked (422 naming current,
// audited as failed), the new one by the rule (422 naming password); a
// change ends every other session and token of the login, keeps the
// request's own, and is audited once with the person as actor.
func TestChangePassword(t *testing.T) {
	fx := newFixture(t)
	u := fx.newUser(t)
	pw := testutil.Password(u.Name)
	if _, _, _, err := fx.DB.CreateToken(context.Background(), u.ID, db.TokenAPI); err != nil {
		t.Fatal(err)
	}
	tokOwn, _, _, _ := fx.DB.CreateToken(context.Background(), u.ID, db.TokenAPI)
	tokOther, _, _, _ := fx.DB.CreateToken(context.Background(), u.ID, db.TokenAPI)
	cookie, _ := signInCookie(t, fx, u.Name, pw)

	res := fx.Do(t, "POST", "/api/v1/me/password", tokOwn, map[string]any{"current": "Wrong-Pass-1234", "new": "Fresh-Garden-2027"}).Want(t, 422, "a wrong current password")
	if f := res.Err(t).Error.Fields["current"]; f != db.MsgWrongCurrent {
		t.Errorf("fields.current = %q, want %q", f, db.MsgWrongCurrent)
	}
	if a := audited(t, fx, "POST /api/v1/me/password", ""); len(a) != 1 || a[0].Result != models.AuditRefused || a[0].Actor.User != u.Name ||
		a[0].Detail["status"] != float64(422) || a[0].Detail["code"] != models.EInvalid {
		t.Errorf("a wrong current password: audit %+v, want one refused entry by %s", a, u.Name)
	}
	if a := audited(t, fx, "user.password.change", "user:"+u.Name); len(a) != 0 {
		t.Errorf("a refused change left a change entry: %+v", a)
	}
	for _, weak := range testutil.WeakPasswords(u.Name) {
		res := fx.Do(t, "POST", "/api/v1/me/password", tokOwn, map[string]any{"current": pw, "new": weak}).Want(t, 422, "a weak password "+weak)
		if res.Err(t).Error.Fields["password"] == "" {
			t.Errorf("weak %q: no fields.password: %s", weak, res.Body)
		}
	}
	fx.Do(t, "POST", "/api/v1/me/password", tokOwn, map[string]any{"current": pw, "new": pw}).Want(t, 422, "the same password again")
	fx.Do(t, "GET", "/api/v1/topics", tokOther, nil).Want(t, 200, "the other token before the change")

	var out struct{ Ended int64 }
	fx.Do(t, "POST", "/api/v1/me/password", tokOwn, map[string]any{"current": pw, "new": "Fresh-Garden-2027"}).Want(t, 200, "a good change").JSON(t, &out)
	if out.Ended != 3 { // the first token, the other one and the session
		t.Errorf("ended %d sessions and tokens, want 3", out.Ended)
	}
	fx.Do(t, "GET", "/api/v1/topics", tokOwn, nil).Want(t, 200, "the request's own token after the change")
	fx.Do(t, "GET", "/api/v1/topics", tokOther, nil).Want(t, 401, "another token after the change")
	if st := withCookie(t, fx, "/api/v1/me", cookie); st != 401 {
		t.Errorf("a session after the change: %d, want 401", st)
	}
	if _, res := signInCookie(t, fx, u.Name, pw); res.Status != 401 {
		t.Errorf("the old password signs in: %d", res.Status)
	}
	if c, res := signInCookie(t, fx, u.Name, "Fresh-Garden-2027"); c == "" {
		t.Errorf("the new password does not sign in: %d %s", res.Status, res.Body)
	}
	ok := 0
	for _, a := range audited(t, fx, "user.password.change", "user:"+u.Name) {
		if a.Result == models.AuditOK {
			ok++
			if a.Actor.User != u.Name {
				t.Errorf("the change is audited as %q, want %q", a.Actor.User, u.Name)
			}
		}
	}
	if ok != 1 {
		t.Errorf("%d ok entries of the change, want 1", ok)
	}
}

// TestResetPassword: an admin's reset answers a generated password once,
// ends the login's sessions and tokens, and the login must change it
// before anything else (403 naming password elsewhere; /me, the change and
// sign-out still work).
func TestResetPassword(t *testing.T) {
	fx := newFixture(t)
	admin, _ := fx.token(t, "admin")
	u := fx.newUser(t)
	tok, _, _, _ := fx.DB.CreateToken(context.Background(), u.ID, db.TokenAPI)

	fx.Do(t, "POST", fmt.Sprintf("/api/v1/users/%d/password", u.ID), admin, map[string]any{"password": "password"}).Want(t, 422, "a weak typed password")
	fx.Do(t, "POST", "/api/v1/users/999999/password", admin, map[string]any{}).Want(t, 404, "no such login")
	var out struct {
		User     models.User
		Password string
	}
	fx.Do(t, "POST", fmt.Sprintf("/api/v1/users/%d/password", u.ID), admin, map[string]any{}).Want(t, 200, "reset").JSON(t, &out)
	if out.Password == "" || !out.User.MustChangePassword || models.CheckPassword(u.Name, out.Password) != nil {
		t.Fatalf("reset answered %+v", out)
	}
	fx.Do(t, "GET", "/api/v1/topics", tok, nil).Want(t, 401, "a token of the login after the reset")
	if len(audited(t, fx, "user.password.reset", "user:"+u.Name)) != 1 {
		t.Error("the reset is not audited once")
	}

	cookie, res := signInCookie(t, fx, u.Name, out.Password)
	if cookie == "" {
		t.Fatalf("sign in with the reset password: %d %s", res.Status, res.Body)
	}
	var login struct{ User models.User }
	res.JSON(t, &login)
	if !login.User.MustChangePassword {
		t.Errorf("the sign-in does not say the password must be changed: %s", res.Body)
	}
	tok2, _, _, _ := fx.DB.CreateToken(context.Background(), u.ID, db.TokenAPI)
	e := fx.Do(t, "GET", "/api/v1/topics", tok2, nil).Want(t, 403, "before the change").Err(t)
	if e.Error.Fields["password"] != "must_change" {
		t.Errorf("403 without fields.password must_change: %+v", e)
	}
	fx.Do(t, "GET", "/api/v1/me", tok2, nil).Want(t, 200, "/me before the change")
	fx.Do(t, "POST", "/api/v1/me/password", tok2, map[string]any{"current": out.Password, "new": "Second-Spring-88"}).Want(t, 200, "the change")
	fx.Do(t, "GET", "/api/v1/topics", tok2, nil).Want(t, 200, "after the change")
}

// TestDisableLogin: a disabled login's token gets 401 at once, its right
// password too (audited refused, not counted towards the lockout); enabled
// again, it signs in, and the token of before stays ended. An admin cannot disable their own login nor the
// last admin.
func TestDisableLogin(t *testing.T) {
	fx := newFixture(t)
	admin, _ := fx.token(t, "admin")
	u := fx.newUser(t)
	tok, _, _, _ := fx.DB.CreateToken(context.Background(), u.ID, db.TokenAPI)
	fx.Do(t, "GET", "/api/v1/topics", tok, nil).Want(t, 200, "before")
	path := fmt.Sprintf("/api/v1/users/%d", u.ID)
	fx.Do(t, "PATCH", path, admin, map[string]any{}).Want(t, 422, "no disabled field")
	fx.Do(t, "PATCH", path, admin, map[string]any{"disabled": "yes"}).Want(t, 400, "disabled not a boolean")
	var out struct{ User models.User }
	fx.Do(t, "PATCH", path, admin, map[string]any{"disabled": true}).Want(t, 200, "disable").JSON(t, &out)
	if !out.User.Disabled {
		t.Errorf("disable answered %+v", out.User)
	}
	fx.Do(t, "GET", "/api/v1/topics", tok, nil).Want(t, 401, "the token of a disabled login")
	for i := 0; i < 6; i++ {
		_, res := signInCookie(t, fx, u.Name, testutil.Password(u.Name))
		if res.Status != 401 || res.Err(t).Error.Message != db.MsgDisabled {
			t.Fatalf("sign-in %d of a disabled login: %d %s", i, res.Status, res.Body)
		}
	}
	if a := audited(t, fx, "login", "user:"+u.Name); len(a) != 6 || a[0].Result != models.AuditRefused {
		t.Errorf("the refused sign-ins: %d entries, want 6 refused", len(a))
	}
	if a := audited(t, fx, "user.disable", "user:"+u.Name); len(a) != 1 || a[0].Actor.User != "admin" {
		t.Errorf("audit of the disable: %+v", a)
	}
	fx.Do(t, "PATCH", path, admin, map[string]any{"disabled": false}).Want(t, 200, "enable")
	fx.Do(t, "GET", "/api/v1/topics", tok, nil).Want(t, 401, "the token of before, once enabled again (disabling ended it)")
	if c, res := signInCookie(t, fx, u.Name, testutil.Password(u.Name)); c == "" {
		t.Errorf("sign in once enabled (not locked by the refused ones): %d %s", res.Status, res.Body)
	}

	self := fmt.Sprintf("/api/v1/users/%d", fx.users["admin"].ID)
	fx.Do(t, "PATCH", self, admin, map[string]any{"disabled": true}).Want(t, 409, "disable oneself")
	fx.Do(t, "DELETE", self, admin, nil).Want(t, 409, "delete oneself")
	other, _ := fx.User(t, "admin2", "admin", "")
	tok2, _, _, _ := fx.DB.CreateToken(context.Background(), other.ID, db.TokenAPI)
	fx.Do(t, "PATCH", fmt.Sprintf("/api/v1/users/%d", fx.users["admin"].ID), tok2, map[string]any{"disabled": true}).Want(t, 200, "another admin disables the first")
	fx.Do(t, "DELETE", fmt.Sprintf("/api/v1/users/%d", other.ID), tok2, nil).Want(t, 409, "the last admin deletes itself")
	fx.Do(t, "GET", "/api/v1/me", admin, nil).Want(t, 401, "the disabled first admin's token")
}

// TestDeleteLogin: a deleted login cannot sign in (answered as an unknown
// name), is gone from the list, its name is not given again, and what it
// did stays in the audit log under its name.
func TestDeleteLogin(t *testing.T) {
	fx := newFixture(t)
	admin, _ := fx.token(t, "admin")
	u := fx.newUser(t)
	tok, _, _, _ := fx.DB.CreateToken(context.Background(), u.ID, db.TokenAPI)
	fx.Do(t, "POST", "/api/v1/topics", tok, testutil.Topic("t-by-"+u.Name)).Want(t, 201, "the login makes a topic")
	fx.Do(t, "DELETE", fmt.Sprintf("/api/v1/users/%d", u.ID), admin, nil).Want(t, 200, "delete")
	fx.Do(t, "GET", "/api/v1/topics", tok, nil).Want(t, 401, "its token")
	_, res := signInCookie(t, fx, u.Name, testutil.Password(u.Name))
	_, unknown := signInCookie(t, fx, "nobody-here", testutil.Password(u.Name))
	if res.Status != 401 || string(res.Body) != string(unknown.Body) {
		t.Errorf("a deleted login's sign-in %d %s, an unknown name's %s", res.Status, res.Body, unknown.Body)
	}
	var list models.Page[models.User]
	fx.Do(t, "GET", "/api/v1/users", admin, nil).Want(t, 200, "list").JSON(t, &list)
	for _, x := range list.Items {
		if x.Name == u.Name {
			t.Errorf("the deleted login is listed")
		}
	}
	fx.Do(t, "POST", "/api/v1/users", admin, map[string]any{"name": u.Name, "role": "staff"}).Want(t, 409, "its name again")
	fx.Do(t, "DELETE", fmt.Sprintf("/api/v1/users/%d", u.ID), admin, nil).Want(t, 404, "deleted twice")
	p, err := fx.DB.AuditLog(context.Background(), models.AuditFilter{Actor: u.Name, Limit: 10})
	if err != nil || len(p.Items) == 0 {
		t.Errorf("the deleted login's entries: %v %v", p.Items, err)
	}
	if len(audited(t, fx, "user.delete", "user:"+u.Name)) != 1 {
		t.Error("the delete is not audited once")
	}
}

// TestSignOutEverywhere: DELETE /api/v1/me/sessions ends every session of
// the login, the asking one too, and leaves its API tokens.
func TestSignOutEverywhere(t *testing.T) {
	fx := newFixture(t)
	u := fx.newUser(t)
	pw := testutil.Password(u.Name)
	a, _ := signInCookie(t, fx, u.Name, pw)
	b, res := signInCookie(t, fx, u.Name, pw)
	var login struct {
		CSRF string `json:"csrf_token"`
	}
	res.JSON(t, &login)
	tok, _, _, _ := fx.DB.CreateToken(context.Background(), u.ID, db.TokenAPI)
	del, err := testutil.RequestWith(fx.URL, "DELETE", "/api/v1/me/sessions", nil, func(r *http.Request) {
		r.AddCookie(&http.Cookie{Name: handlers.SessionCookie, Value: b})
		r.Header.Set("X-CSRF-Token", login.CSRF)
	})
	if err != nil || del.Status != 200 {
		t.Fatalf("sign out everywhere: %v %d %s", err, del.Status, del.Body)
	}
	for _, ck := range []string{a, b} {
		if st := withCookie(t, fx, "/api/v1/me", ck); st != 401 {
			t.Errorf("a session after signing out everywhere: %d", st)
		}
	}
	fx.Do(t, "GET", "/api/v1/me", tok, nil).Want(t, 200, "an API token stays")
	if e := audited(t, fx, "logout.everywhere", "user:"+u.Name); len(e) != 1 || e[0].Detail["ended"] != float64(2) {
		t.Errorf("audit: %+v", e)
	}
}

// TestRefusedChangesAudited: a change a signed-in person tries and is
// refused (wrong role, bad content, conflict) leaves one entry with its
// route, the person and the result refused; a read does not; a change that
// succeeds leaves its own entry and no refused one.
func TestRefusedChangesAudited(t *testing.T) {
	fx := newFixture(t)
	staff, _ := fx.token(t, "staff")
	fx.Do(t, "POST", "/api/v1/users", staff, map[string]any{"name": "intruder", "role": "admin"}).Want(t, 403, "staff adds an admin")
	fx.Do(t, "POST", "/api/v1/topics", staff, map[string]any{"id": "t-bad"}).Want(t, 422, "a topic without its fields")
	fx.Do(t, "POST", "/api/v1/topics", staff, testutil.Topic("t1")).Want(t, 409, "a topic id taken")
	fx.Do(t, "GET", "/api/v1/users", staff, nil).Want(t, 403, "staff lists logins (a read)")
	fx.Do(t, "POST", "/api/v1/topics", staff, testutil.Topic("t-good")).Want(t, 201, "a good topic")
	for _, c := range []struct {
		action string
		status float64
	}{{"POST /api/v1/users", 403}, {"POST /api/v1/topics", 422}, {"POST /api/v1/topics", 409}} {
		n := 0
		for _, a := range audited(t, fx, c.action, "") {
			if a.Detail["status"] == c.status {
				n++
				if a.Actor.User != "staff" || a.Result != models.AuditRefused || a.Addr == "" {
					t.Errorf("%s %v: %+v", c.action, c.status, a)
				}
			}
		}
		if n != 1 {
			t.Errorf("%s answered %v: %d entries, want 1", c.action, c.status, n)
		}
	}
	if a := audited(t, fx, "GET /api/v1/users", ""); len(a) != 0 {
		t.Errorf("a refused read is audited: %+v", a)
	}
	if a := audited(t, fx, "POST /api/v1/topics", ""); len(a) != 2 {
		t.Errorf("POST /api/v1/topics: %d entries, want the 2 refused ones", len(a))
	}
}

// TestChangePasswordLockout: wrong current passwords on a password change
// count towards the lockout as failed sign-ins do: the fifth locks the
// login (423 for the change and for a sign-in with the right password).
func TestChangePasswordLockout(t *testing.T) {
	fx := newFixture(t)
	u := fx.newUser(t)
	tok, _, _, _ := fx.DB.CreateToken(context.Background(), u.ID, db.TokenAPI)
	for i := 1; i <= 5; i++ {
		want := 422
		if i == 5 {
			want = 423
		}
		fx.Do(t, "POST", "/api/v1/me/password", tok, map[string]any{"current": fmt.Sprintf("Wrong-Guess-%d0", i), "new": "Fresh-Garden-2027"}).Want(t, want, fmt.Sprintf("wrong current password %d", i))
	}
	fx.Do(t, "POST", "/api/v1/me/password", tok, map[string]any{"current": testutil.Password(u.Name), "new": "Fresh-Garden-2027"}).Want(t, 423, "the right current password while locked")
	if _, res := signInCookie(t, fx, u.Name, testutil.Password(u.Name)); res.Status != 423 {
		t.Errorf("sign-in while locked: %d", res.Status)
	}
}

// TestLoginNames: names that would look like another in the audit log are
// refused: another case of a taken name (a deleted one's too, 409), and
// spaces, invisible characters or a Cyrillic letter among Latin ones (422
// naming name); passwords padded with control characters are refused.
func TestLoginNames(t *testing.T) {
	fx := newFixture(t)
	admin, _ := fx.token(t, "admin")
	good := "Qx-Good-Pass-77"
	for _, name := range []string{"admin\u200b", "\u0430dmin", "  staff", "li ming", "x", "tab\tname"} {
		res := fx.Do(t, "POST", "/api/v1/users", admin, map[string]any{"name": name, "role": "staff", "password": good}).Want(t, 422, fmt.Sprintf("name %q", name))
		if res.Err(t).Error.Fields["name"] == "" {
			t.Errorf("name %q: no fields.name: %s", name, res.Body)
		}
	}
	fx.Do(t, "POST", "/api/v1/users", admin, map[string]any{"name": "Admin", "role": "staff", "password": good}).Want(t, 409, "another case of admin")
	var out struct{ User models.User }
	fx.Do(t, "POST", "/api/v1/users", admin, map[string]any{"name": "alice-tester", "role": "staff", "password": good}).Want(t, 201, "alice").JSON(t, &out)
	fx.Do(t, "DELETE", fmt.Sprintf("/api/v1/users/%d", out.User.ID), admin, nil).Want(t, 200, "delete alice")
	fx.Do(t, "POST", "/api/v1/users", admin, map[string]any{"name": "ALICE-TESTER", "role": "staff", "password": good}).Want(t, 409, "a deleted name in capitals")
	fx.Do(t, "POST", "/api/v1/users", admin, map[string]any{"name": "王芳.2027", "role": "staff", "password": good}).Want(t, 201, "a Chinese name with digits")

	res := fx.Do(t, "POST", "/api/v1/users", admin, map[string]any{"name": "padded", "role": "staff", "password": strings.Repeat("\u0000", 11) + "Aa1"}).Want(t, 422, "NULs in the password")
	if res.Err(t).Error.Fields["password"] != models.MsgPasswordInvisible {
		t.Errorf("NULs in the password: %s", res.Body)
	}
}
