package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"budgetpoint/web/internal/webtest"
)

// refuseRevoke makes the database refuse to revoke any token (a trigger
// aborts the update), as a failing disk would; the returned func lifts it.
func refuseRevoke(t *testing.T, ts *testSite) func() {
	t.Helper()
	ts.exec(t, `CREATE TRIGGER refuse_revoke BEFORE UPDATE OF revoked_at ON tokens BEGIN SELECT RAISE(ABORT, 'revoke refused by the test'); END`)
	return func() { ts.exec(t, `DROP TRIGGER refuse_revoke`) }
}

// Sign-out revokes the session. When the revocation fails, the person is
// not told they are signed out: the error page says what happened, the
// session still works and its cookie is kept; the cause is logged. Once the
// database takes writes again, sign-out works.
func TestSignOut(t *testing.T) {
	ts := newTestSite(t)
	staff := ts.Login(t, "staff")
	lift := refuseRevoke(t, ts)
	res, body := ts.Post(t, staff, "/logout", url.Values{"csrf": {ts.csrf(t, staff)}}, http.StatusInternalServerError)
	webtest.MustContain(t, body, "服务器内部错误")
	if strings.Contains(body, "已退出登录") || strings.Contains(res.Header.Get("Set-Cookie"), "bp_session=;") {
		t.Errorf("a failed sign-out says it signed out: %s\n%s", res.Header.Get("Set-Cookie"), webtest.Truncate(body))
	}
	if !strings.Contains(ts.Logs.String(), "revoke refused by the test") {
		t.Errorf("the cause is not logged: %s", ts.Logs.String())
	}
	ts.Get(t, staff, "/topics", http.StatusOK) // still signed in

	lift()
	res, _ = ts.Post(t, staff, "/logout", url.Values{"csrf": {ts.csrf(t, staff)}}, http.StatusSeeOther)
	if res.Header.Get("Location") != "/login" {
		t.Errorf("sign-out goes to %q, want /login", res.Header.Get("Location"))
	}
	webtest.MustContain(t, ts.Get(t, staff, "/login", http.StatusOK), "已退出登录")
	ts.Get(t, staff, "/topics", http.StatusSeeOther) // signed out: to the sign-in page
}
