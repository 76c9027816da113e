package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The audit page: an administrator sees the entries a staff member's change
// left (who, what, from where), filters them, and exports them (the export
// itself then shows); staff may not see it; a bad date is named beside its
// field and the page answers 400.
func TestAuditPage(t *testing.T) {
	ts := newTestSite(t)
	staff := ts.Login(t, "staff")
	tok := ts.csrf(t, staff)
	ts.Post(t, staff, "/topics/new", url.Values{"csrf": {tok}, "kind": {"other"}, "fiscal_year": {"2027"}, "title": {"审计测试事项"}}, http.StatusSeeOther)
	ts.Get(t, staff, "/audit", http.StatusForbidden)

	admin := ts.Login(t, "admin")
	page := ts.Get(t, admin, "/audit?action=topic.create", http.StatusOK)
	for _, want := range []string{"topic.create", "<td>topic t-", "<td>staff</td>", "127.0.0.1"} {
		if !strings.Contains(page, want) {
			t.Errorf("the audit page lacks %q", want)
		}
	}
	if strings.Contains(page, "settings.update") {
		t.Error("the action filter let other actions through")
	}
	res, err := admin.Get(ts.URL + "/audit.xlsx?action=topic.create")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("audit export: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if page := ts.Get(t, admin, "/audit?action=export", http.StatusOK); !strings.Contains(page, "/audit.xlsx") {
		t.Error("the export of the audit log was not audited")
	}
	bad := ts.Get(t, admin, "/audit?since=yesterday", http.StatusBadRequest)
	if !strings.Contains(bad, `id="err-since"`) {
		t.Error("a bad date is not named beside its field")
	}
}
