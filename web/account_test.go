package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"

	"budgetpoint/internal/testutil"
	"budgetpoint/models"
	"budgetpoint/web/internal/webtest"
)

// TestUsersPageActions: an admin disables, enables and deletes a login on
// 账号管理; each takes effect at once (the login's session ends when
// disabled), needs the CSRF token, and the admin's own row offers neither.
func TestUsersPageActions(t *testing.T) {
	ts := newTestSite(t)
	ctx := context.Background()
	u, err := ts.DB.CreateUser(ctx, "clerk9", "staff", testutil.Password("clerk9"), "")
	if err != nil {
		t.Fatal(err)
	}
	admin := ts.Login(t, "admin")
	tok := ts.csrf(t, admin)
	clerk, _ := ts.signIn(t, "clerk9", testutil.Password("clerk9"))
	ts.Get(t, clerk, "/", http.StatusOK)

	page := ts.Get(t, admin, "/users", http.StatusOK)
	webtest.CheckPage(t, "GET /users", page, hostOf(ts), true)
	webtest.MustContain(t, page, `<tr data-user="clerk9">`, fmt.Sprintf(`action="/users/%d/disable"`, u.ID))
	self, _ := ts.DB.UserByName(ctx, "admin")
	webtest.MustNotContain(t, page, fmt.Sprintf(`action="/users/%d/disable"`, self.ID), fmt.Sprintf(`action="/users/%d/delete"`, self.ID))

	ts.Post(t, admin, fmt.Sprintf("/users/%d/disable", u.ID), url.Values{}, http.StatusForbidden) // no CSRF token
	if x, _ := ts.DB.UserByID(ctx, u.ID); x.Disabled {
		t.Fatal("disabled without the CSRF token")
	}
	ts.Post(t, admin, fmt.Sprintf("/users/%d/disable", u.ID), url.Values{"csrf": {tok}}, http.StatusSeeOther)
	ts.Get(t, clerk, "/", http.StatusSeeOther) // to /login
	webtest.MustContain(t, ts.Get(t, admin, "/users", http.StatusOK), "已停用", fmt.Sprintf(`action="/users/%d/enable"`, u.ID))
	ts.Post(t, admin, fmt.Sprintf("/users/%d/enable", u.ID), url.Values{"csrf": {tok}}, http.StatusSeeOther)
	if x, _ := ts.DB.UserByID(ctx, u.ID); x.Disabled {
		t.Fatal("still disabled after enabling")
	}
	ts.Post(t, admin, fmt.Sprintf("/users/%d/delete", u.ID), url.Values{"csrf": {tok}}, http.StatusSeeOther)
	webtest.MustNotContain(t, ts.Get(t, admin, "/users", http.StatusOK), `data-user="clerk9"`)
	ts.Post(t, admin, fmt.Sprintf("/users/%d/delete", self.ID), url.Values{"csrf": {tok}}, http.StatusConflict)
	ts.Post(t, admin, "/users/1/frobnicate", url.Values{"csrf": {tok}}, http.StatusNotFound)
	staff := ts.Login(t, "staff")
	ts.Get(t, staff, "/users", http.StatusForbidden)
}

// TestMistypedAddress: a mistyped page address is a page (404) in the
// page's language, not raw JSON; a mistyped /api/ address stays JSON.
func TestMistypedAddress(t *testing.T) {
	ts := newTestSite(t)
	c := ts.Login(t, "staff")
	body := ts.Get(t, c, "/topicz", http.StatusNotFound)
	webtest.MustContain(t, body, "<!doctype html>", "找不到这个页面")
	webtest.MustNotContain(t, body, `{"error"`)
	anon := ts.Client(t)
	res, err := anon.Get(ts.URL + "/api/v1/nothing-here")
	if err != nil {
		t.Fatal(err)
	}
	b := webtest.ReadAll(t, res)
	if res.StatusCode != http.StatusNotFound || !strings.Contains(b, `"not_found"`) {
		t.Errorf("a mistyped API address: %d %s", res.StatusCode, b)
	}
}

// TestProposerDeputyWithoutRegistry: an opinion of a deputy not linked to
// the registry names them 人大代表, not a blank.
func TestProposerDeputyWithoutRegistry(t *testing.T) {
	ts := newTestSite(t)
	ctx := context.Background()
	id := uuid.NewString()
	a := models.Activity{ID: id, Kind: "forum", TopicID: draftT, Title: "座谈会", HeldOn: "2026-11-20",
		Opinions: []models.Opinion{{ID: uuid.NewString(), Content: "建议公开村级预算", Proposer: models.Proposer{Kind: "deputy"}}}}
	if _, err := ts.DB.CreateActivity(ctx, &a, 0); err != nil {
		t.Fatal(err)
	}
	body := ts.Get(t, ts.Login(t, "staff"), "/activities/"+id, http.StatusOK)
	webtest.MustContain(t, body, `<p class="muted">人大代表 · `)
}

// TestStaticCacheLifetime: a static file named with its hash (as pages name
// them) may be kept a year; without it, a day.
func TestStaticCacheLifetime(t *testing.T) {
	ts := newTestSite(t)
	c := ts.Client(t)
	for path, want := range map[string]string{"/static/app.css?v=abc": "public, max-age=31536000, immutable", "/static/app.css": "public, max-age=86400"} {
		res, err := c.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		webtest.CloseBody(t, res)
		if got := res.Header.Get("Cache-Control"); res.StatusCode != 200 || got != want {
			t.Errorf("%s: %d %q, want %q", path, res.StatusCode, got, want)
		}
	}
}

// TestEnglishColon: an English page writes "Password: ", not the Chinese
// "Password：".
func TestEnglishColon(t *testing.T) {
	ts := newTestSite(t)
	u, err := ts.DB.CreateUser(context.Background(), "clerk8", "staff", testutil.Password("clerk8"), "")
	if err != nil {
		t.Fatal(err)
	}
	admin := ts.Login(t, "admin")
	tok := ts.csrf(t, admin)
	ts.English(t, admin, LangCookie)
	_, body := ts.Post(t, admin, fmt.Sprintf("/users/%d/password", u.ID), url.Values{"csrf": {tok}}, http.StatusOK)
	webtest.MustContain(t, body, "<strong>Password: </strong>")
	webtest.MustNotContain(t, body, "Password：")
}

// TestAddRowsKeepPlace: 添加一条意见 on the activity form and ＋添加题目 in
// the builder bring the form back with the new row focused (not at the top).
func TestAddRowsKeepPlace(t *testing.T) {
	ts := newTestSite(t)
	c := ts.Login(t, "staff")
	tok := ts.csrf(t, c)
	_, body := ts.Post(t, c, "/activities/new", url.Values{"csrf": {tok}, "kind": {"forum"}, "topic_id": {draftT}, "title": {"座谈会"},
		"held_on": {"2026-11-20"}, "rows": {"1"}, "o0_content": {"意见一"}, "o0_kind": {"public"}, "op": {"add_row"}}, http.StatusOK)
	if !regexp.MustCompile(`id="o1_content"[^>]*autofocus`).MatchString(body) {
		t.Error("the new opinion row is not focused")
	}
	_, body = ts.Post(t, c, "/questionnaires/new", url.Values{"csrf": {tok}, "id": {"q-x"}, "topic_id": {draftT}, "title": {"x"}, "n": {"1"},
		"q0_key": {"q1"}, "q0_type": {"text"}, "q0_label": {"一"}, "op": {"add"}}, http.StatusOK)
	if !regexp.MustCompile(`id="q1_label"[^>]*autofocus`).MatchString(body) {
		t.Error("the new question is not focused")
	}
	webtest.MustContain(t, body, `id="q1_required" name="q1_required" value="1" checked`)
}
