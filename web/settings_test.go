package web

import (
	"bytes"
	"context"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"
	qrcode "github.com/skip2/go-qrcode"

	"budgetpoint/forms"
	"budgetpoint/internal/testutil"
	"budgetpoint/models"

	"budgetpoint/web/internal/webtest"
)

// signIn signs in through the login form with a password and returns the
// client and the status of the POST /login.
func (ts *testSite) signIn(t *testing.T, name, password string) (*http.Client, *http.Response) {
	t.Helper()
	c := ts.Client(t)
	body := ts.Get(t, c, "/login", http.StatusOK)
	m := webtest.CSRFRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("login page has no csrf field")
	}
	res, _ := ts.Post(t, c, "/login", url.Values{"csrf": {m[1]}, "name": {name}, "password": {password}, "next": {"/"}}, 0)
	return c, res
}

// settingsCSRF reads the csrf token from the settings page (admin only).
func settingsCSRF(t *testing.T, ts *testSite, c *http.Client) string {
	t.Helper()
	m := webtest.CSRFRe.FindStringSubmatch(ts.Get(t, c, "/settings", http.StatusOK))
	if m == nil {
		t.Fatal("settings page has no csrf field")
	}
	return m[1]
}

// The names demo.Load stores for the test site's point (hongta).
const (
	demoPointName   = "红塔区人大常委会预算工作基层联系点"
	demoPointNameEN = "Hongta District People's Congress Standing Committee — budget-work contact point"
)

func TestSettingsAdminSeesAndSaves(t *testing.T) {
	ts := newTestSite(t)
	ctx := context.Background()
	admin := ts.Login(t, "admin")

	body := ts.Get(t, admin, "/", http.StatusOK)
	webtest.MustContain(t, body, `<a href="/settings" >系统设置</a>`)
	body = ts.Get(t, admin, "/settings", http.StatusOK)
	webtest.MustContain(t, body,
		`<a href="/settings" aria-current="page">系统设置</a>`,
		// The demo point's names, stored by demo.Load; the hints name the neutral defaults.
		`name="point_name" type="text" value="红塔区人大常委会预算工作基层联系点"`,
		"默认：预算工作基层联系点 hongta",
		`value="Hongta District People&#39;s Congress Standing Committee — budget-work contact point"`,
		`name="public_url"`, `id="public_url-hint"`,
		// The point's logins.
		"<td>admin</td><td>管理员</td>", "<td>staff</td><td>工作人员</td>", "<td>deputy</td><td>人大代表</td><td>李明</td>",
		`action="/settings/users"`, `<option value="d-liming"`)

	tok := settingsCSRF(t, ts, admin)
	res, _ := ts.Post(t, admin, "/settings", url.Values{"csrf": {tok}, "point_name": {" 红塔区预算工作联系点 "}, "point_name_en": {"Hongta contact point"},
		"public_url": {" HTTP://192.168.1.20:8080/ "}}, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/settings" {
		t.Fatalf("saved: redirected to %q", loc)
	}
	for k, want := range map[string]string{SettingPointName: "红塔区预算工作联系点", SettingPointNameEN: "Hongta contact point", SettingPublicURL: "http://192.168.1.20:8080"} {
		if got := ts.setting(t, ctx, k, "(unset)"); got != want {
			t.Errorf("setting %s = %q, want %q", k, got, want)
		}
	}
	body = ts.Get(t, admin, "/settings", http.StatusOK)
	webtest.MustContain(t, body, "系统设置已保存", `<span class="point">红塔区预算工作联系点</span>`, `value="http://192.168.1.20:8080"`, `value="Hongta contact point"`)
	a11yEnglish(t, ts, admin)
	body = ts.Get(t, admin, "/settings", http.StatusOK)
	webtest.MustContain(t, body, `<span class="point">Hongta contact point</span>`, ">Settings</a>", "Public address")

	// Back to the default name: stored unset, so the English default applies again.
	ts.Post(t, admin, "/settings", url.Values{"csrf": {tok}, "point_name": {"预算工作基层联系点 hongta"}, "point_name_en": {""}, "public_url": {""}}, http.StatusSeeOther)
	if n, u := ts.setting(t, ctx, SettingPointName, "x"), ts.setting(t, ctx, SettingPublicURL, "x"); n != "" || u != "" {
		t.Errorf("defaults saved as point_name %q, public_url %q, want both empty", n, u)
	}
	body = ts.Get(t, admin, "/settings", http.StatusOK)
	webtest.MustContain(t, body, `<span class="point">Budget-work contact point hongta</span>`)
	// A Chinese name alone shows on the English pages too.
	ts.Post(t, admin, "/settings", url.Values{"csrf": {tok}, "point_name": {"红塔区人大常委会预算工作基层联系点"}, "point_name_en": {""}, "public_url": {""}}, http.StatusSeeOther)
	body = ts.Get(t, admin, "/settings", http.StatusOK)
	webtest.MustContain(t, body, `<span class="point">红塔区人大常委会预算工作基层联系点</span>`)
}

func TestSettingsAdminOnly(t *testing.T) {
	ts := newTestSite(t)
	ctx := context.Background()
	for _, role := range []string{"staff", "deputy"} {
		c := ts.Login(t, role)
		if role == "staff" {
			if body := ts.Get(t, c, "/", http.StatusOK); strings.Contains(body, `href="/settings"`) {
				t.Errorf("the staff nav links to the settings page")
			}
		}
		ts.Get(t, c, "/settings", http.StatusForbidden)
		tok := ts.csrf(t, c)
		ts.Post(t, c, "/settings", url.Values{"csrf": {tok}, "point_name": {"改名"}, "public_url": {"http://10.0.0.1"}}, http.StatusForbidden)
		ts.Post(t, c, "/settings/users", url.Values{"csrf": {tok}, "name": {"sneaky-" + role}, "role": {"admin"}}, http.StatusForbidden)
	}
	// Not signed in: to the sign-in page.
	res, _ := ts.Post(t, ts.Client(t), "/settings", url.Values{"point_name": {"改名"}}, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, "/login") {
		t.Errorf("anonymous POST /settings: redirected to %q", loc)
	}
	// Admin without the csrf token: refused.
	admin := ts.Login(t, "admin")
	ts.Post(t, admin, "/settings", url.Values{"point_name": {"改名"}}, http.StatusForbidden)
	if n := ts.setting(t, ctx, SettingPointName, ""); n != demoPointName {
		t.Errorf("point_name changed to %q by a refused request", n)
	}
	if u := ts.setting(t, ctx, SettingPublicURL, ""); u != "" {
		t.Errorf("public_url changed to %q by a refused request", u)
	}
	for _, name := range []string{"sneaky-staff", "sneaky-deputy"} {
		if _, err := ts.DB.UserByName(ctx, name); models.ErrorCode(err) != models.ENotFound {
			t.Errorf("login %s: %v, want not found (not added by a refused request)", name, err)
		}
	}
}

func TestSettingsBadAddressRefused(t *testing.T) {
	ts := newTestSite(t)
	ctx := context.Background()
	admin := ts.Login(t, "admin")
	tok := settingsCSRF(t, ts, admin)
	for _, bad := range []string{
		"192.168.1.20:8080", "ftp://192.168.1.20", "http://", "http://192.168.1.20:8080/ys", "https://ys.example.cn/?a=1",
		"https://ys.example.cn#top", "http://user:pw@ys.example.cn", "http://ys.example.cn:99999", "http://ys example.cn", "http://0.0.0.0:8080",
		"javascript:alert(1)", "http://ys_example.cn",
	} {
		_, body := ts.Post(t, admin, "/settings", url.Values{"csrf": {tok}, "point_name": {"新名称"}, "point_name_en": {"New name"}, "public_url": {bad}}, http.StatusUnprocessableEntity)
		// The field is named, marked and described by its message; what was typed stays.
		webtest.MustContain(t, body, `id="public_url"`, `aria-invalid="true"`, `aria-describedby="public_url-hint err-public_url"`,
			`<p class="field-error" id="err-public_url">公开访问地址`, `class="error-box" role="alert"`, `value="新名称"`)
		if !strings.Contains(body, `value="`+template.HTMLEscapeString(bad)+`"`) {
			t.Errorf("%q: the typed address is not kept", bad)
		}
		webtest.CheckPage(t, "POST /settings "+bad, body, hostOf(ts), true)
		if strings.Contains(body, `id="err-user_name"`) {
			t.Errorf("%q: errors shown beside the other form", bad)
		}
	}
	// In English too.
	a11yEnglish(t, ts, admin)
	_, body := ts.Post(t, admin, "/settings", url.Values{"csrf": {tok}, "point_name": {"新名称"}, "public_url": {"192.168.1.20:8080"}}, http.StatusUnprocessableEntity)
	webtest.MustContain(t, body, `id="err-public_url">the public address must start with http:// or https://`)
	// A missing name is named too.
	_, body = ts.Post(t, admin, "/settings", url.Values{"csrf": {tok}, "point_name": {"  "}, "public_url": {"http://192.168.1.20:8080"}}, http.StatusUnprocessableEntity)
	webtest.MustContain(t, body, `id="err-point_name"`)

	for k, want := range map[string]string{SettingPointName: demoPointName, SettingPointNameEN: demoPointNameEN, SettingPublicURL: ""} {
		if v := ts.setting(t, ctx, k, ""); v != want {
			t.Errorf("setting %s = %q after refused saves, want %q (nothing saved)", k, v, want)
		}
	}
}

func TestPublicBase(t *testing.T) {
	for in, want := range map[string]string{
		"":                            "",
		"http://192.168.1.20:8080":    "http://192.168.1.20:8080",
		" HTTP://192.168.1.20:8080/ ": "http://192.168.1.20:8080",
		"https://YS.Example.cn":       "https://ys.example.cn",
		"https://ys.example.cn:443":   "https://ys.example.cn:443",
		"http://[fe80::1]:8080":       "http://[fe80::1]:8080",
		"http://budget-point.local":   "http://budget-point.local",
	} {
		got, msg := forms.PublicBase(in)
		if got != want || msg != "" {
			t.Errorf("PublicBase(%q) = %q, %q; want %q", in, got, msg, want)
		}
	}
	for _, in := range []string{"ys.example.cn", "http:ys.example.cn", "http://ys.example.cn/a", "http://ys.example.cn?", "http://ys.example.cn:", "http://ys.example.cn:0",
		"http://-ys.example.cn", "http://[::]:80", "http://224.0.0.1", "http://192.168.1.256", "http://1.2.3.4.5"} {
		if got, msg := forms.PublicBase(in); msg == "" || !strings.Contains(msg, " / ") {
			t.Errorf("PublicBase(%q) = %q, %q; want a bilingual refusal", in, got, msg)
		}
	}
}

func TestShareLinkUsesPublicAddress(t *testing.T) {
	ts := newTestSite(t)
	staff := ts.Login(t, "staff")
	path := openPublic(t, ts, staff, draftQ)

	// Unset: the address the page was opened by, which phones cannot reach here.
	u, _ := url.Parse(ts.URL)
	body := ts.Get(t, staff, "/questionnaires/"+draftQ+"/share", http.StatusOK)
	webtest.MustContain(t, body, ">"+ts.URL+path+"</a>", `id="loopback-hint"`, "手机无法访问 127.0.0.1：请管理员在系统设置中填写公开访问地址")
	if strings.Contains(body, `href="/settings"`) {
		t.Error("the staff share page links to the admin-only settings page")
	}
	admin := ts.Login(t, "admin")
	body = ts.Get(t, admin, "/questionnaires/"+draftQ+"/share", http.StatusOK)
	webtest.MustContain(t, body, "手机无法访问 127.0.0.1：请在系统设置中填写公开访问地址", `<a href="/settings">系统设置</a>`)
	a11yEnglish(t, ts, admin)
	webtest.MustContain(t, ts.Get(t, admin, "/questionnaires/"+draftQ+"/share", http.StatusOK), "Phones cannot reach 127.0.0.1: enter the public address in Settings")

	// Set: the link, the QR code and the evaluation-code slips use it.
	admin = ts.Login(t, "admin")
	tok := settingsCSRF(t, ts, admin)
	ts.Post(t, admin, "/settings", url.Values{"csrf": {tok}, "point_name": {"红塔区人大常委会预算工作基层联系点"}, "public_url": {"http://192.168.1.20:8080"}}, http.StatusSeeOther)
	want := "http://192.168.1.20:8080" + path
	body = ts.Get(t, staff, "/questionnaires/"+draftQ+"/share", http.StatusOK)
	webtest.MustContain(t, body, `href="`+path+`" id="public-link">`+want+`</a>`, `alt="请用手机扫码填写：`+want+`"`, "链接和二维码使用系统设置中的公开访问地址")
	if strings.Contains(body, "loopback-hint") || strings.Contains(body, ts.URL+path) {
		t.Error("the share page still shows the local address")
	}
	png := ts.Get(t, staff, "/questionnaires/"+draftQ+"/qr.png", http.StatusOK)
	wantPNG, err := qrcode.Encode(want, qrcode.Medium, 512)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal([]byte(png), wantPNG) {
		oldPNG, _ := qrcode.Encode(ts.URL+path, qrcode.Medium, 512)
		t.Errorf("the QR code does not encode %s (it is the local address's code: %v)", want, bytes.Equal([]byte(png), oldPNG))
	}
	_, slips := ts.Post(t, staff, "/codes", url.Values{"csrf": {ts.csrf(t, staff)}, "set_id": {uuid.NewString()}, "questionnaire_id": {draftQ}, "name": {"地址测试"},
		"count": {"1"}, "respondent_kind": {"deputy"}, "mode": {"slips"}}, http.StatusOK)
	webtest.MustContain(t, slips, "http://192.168.1.20:8080/e")
	if strings.Contains(slips, u.Host) {
		t.Error("the slips still show the local address")
	}
}

func hostOf(ts *testSite) string {
	u, _ := url.Parse(ts.URL)
	return u.Host
}

var passwordRe = regexp.MustCompile(`id="new-password">([^<]+)<`)

func TestSettingsAddLogin(t *testing.T) {
	ts := newTestSite(t)
	ctx := context.Background()
	admin := ts.Login(t, "admin")
	tok := settingsCSRF(t, ts, admin)

	_, body := ts.Post(t, admin, "/settings/users", url.Values{"csrf": {tok}, "name": {" clerk2 "}, "role": {"staff"}, "deputy_id": {"d-wangfang"}}, http.StatusOK)
	webtest.MustContain(t, body, "已添加登录账号 clerk2。", "此密码只显示这一次", "<td>clerk2</td><td>工作人员</td><td></td>")
	webtest.CheckPage(t, "POST /settings/users", body, hostOf(ts), true)
	m := passwordRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no password shown\n%s", webtest.Truncate(body))
	}
	pw := m[1]
	if !regexp.MustCompile(`^[2-9a-hjkmnp-zA-HJ-NP-Z]{14}$`).MatchString(pw) || models.CheckPassword("clerk2", pw) != nil {
		t.Errorf("password %q: want 14 letters and digits that cannot be mistaken, passing the password rule", pw)
	}
	webtest.MustContain(t, body, `href="/lang/en?next=%2fsettings"`)
	if u, err := ts.DB.UserByName(ctx, "clerk2"); err != nil || u.Role != "staff" || u.DeputyID != "" {
		t.Fatalf("clerk2: %+v, %v", u, err)
	}
	// The password is not shown again.
	if strings.Contains(ts.Get(t, admin, "/settings", http.StatusOK), pw) {
		t.Error("the password is shown again on the settings page")
	}
	c, res := ts.signIn(t, "clerk2", pw)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("clerk2 signs in: status %d", res.StatusCode)
	}
	// The generated password serves only to set a new one.
	ts.Get(t, c, "/", http.StatusSeeOther)
	ts.Get(t, c, "/topics", http.StatusSeeOther)
	page := ts.Get(t, c, "/account", http.StatusOK)
	webtest.MustContain(t, page, `id="must-change"`, `class="who" href="/account"`)
	webtest.CheckPage(t, "GET /account (must change)", page, hostOf(ts), true)
	ctok := webtest.CSRFRe.FindStringSubmatch(page)[1]
	_, body = ts.Post(t, c, "/account/password", url.Values{"csrf": {ctok}, "current": {pw}, "new": {"Clerk2-New-Pass"}, "again": {"Clerk2-New-Pas"}}, http.StatusUnprocessableEntity)
	webtest.MustContain(t, body, `id="err-again"`, "两次输入的新密码不一样")
	_, body = ts.Post(t, c, "/account/password", url.Values{"csrf": {ctok}, "current": {pw}, "new": {"password1234"}, "again": {"password1234"}}, http.StatusUnprocessableEntity)
	webtest.MustContain(t, body, `id="err-new"`)
	ts.Post(t, c, "/account/password", url.Values{"csrf": {ctok}, "current": {pw}, "new": {"Budget-Desk-2027"}, "again": {"Budget-Desk-2027"}}, http.StatusSeeOther)
	webtest.MustContain(t, ts.Get(t, c, "/", http.StatusOK), `class="who" href="/account"`, ">clerk2</a>")
	ts.Get(t, c, "/settings", http.StatusForbidden)

	// A deputy's login needs the deputy from the registry.
	_, body = ts.Post(t, admin, "/settings/users", url.Values{"csrf": {tok}, "name": {"wangfang"}, "role": {"deputy"}}, http.StatusUnprocessableEntity)
	webtest.MustContain(t, body, `id="user_deputy" name="deputy_id" aria-invalid="true" aria-describedby="err-user_deputy"`, `id="err-user_deputy">角色为人大代表时`, `value="wangfang"`)
	_, body = ts.Post(t, admin, "/settings/users", url.Values{"csrf": {tok}, "name": {"wangfang"}, "role": {"deputy"}, "deputy_id": {"d-nobody"}}, http.StatusUnprocessableEntity)
	webtest.MustContain(t, body, `id="err-user_deputy">代表名册中没有此人`)
	_, body = ts.Post(t, admin, "/settings/users", url.Values{"csrf": {tok}, "name": {"wangfang"}, "role": {"deputy"}, "deputy_id": {"d-wangfang"}}, http.StatusOK)
	pw = passwordRe.FindStringSubmatch(body)[1]
	webtest.MustContain(t, body, "<td>wangfang</td><td>人大代表</td><td>王芳</td>")
	c, res = ts.signIn(t, "wangfang", pw)
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/account" {
		t.Fatalf("the deputy signs in with a generated password: status %d, to %q, want /account", res.StatusCode, loc)
	}
	ts.Get(t, c, "/my", http.StatusSeeOther)

	// Refusals beside their fields; nothing added.
	for _, tc := range []struct {
		form  url.Values
		field string
		msg   string
	}{
		{url.Values{"name": {"clerk2"}, "role": {"staff"}}, "user_name", "用户名 clerk2 已存在"},
		{url.Values{"name": {"x"}, "role": {"staff"}}, "user_name", "用户名"},
		{url.Values{"name": {"two words"}, "role": {"staff"}}, "user_name", "用户名不能含空格"},
		{url.Values{"name": {"boss"}, "role": {"committee"}}, "user_role", "角色"},
	} {
		tc.form.Set("csrf", tok)
		_, body := ts.Post(t, admin, "/settings/users", tc.form, http.StatusUnprocessableEntity)
		webtest.MustContain(t, body, `aria-describedby="`, `err-`+tc.field+`"`, `id="err-`+tc.field+`">`+tc.msg)
		webtest.CheckPage(t, "POST /settings/users "+tc.field, body, hostOf(ts), true)
	}
	for _, name := range []string{"x", "two words", "boss"} {
		if _, err := ts.DB.UserByName(ctx, name); models.ErrorCode(err) != models.ENotFound {
			t.Errorf("login %q: %v, want not found (not added)", name, err)
		}
	}
}

// TestSettingsAddLoginPasswordRule: a password typed into the add-login
// form must pass the rule, as through the API and the CLI: each weak one is
// refused beside the password field with the rule's message and adds no
// login; a good one is set (not shown back) and signs in.
func TestSettingsAddLoginPasswordRule(t *testing.T) {
	ts := newTestSite(t)
	ctx := context.Background()
	admin := ts.Login(t, "admin")
	tok := settingsCSRF(t, ts, admin)
	for _, pw := range testutil.WeakPasswords("clerk3") {
		_, body := ts.Post(t, admin, "/settings/users", url.Values{"csrf": {tok}, "name": {"clerk3"}, "role": {"staff"}, "password": {pw}}, http.StatusUnprocessableEntity)
		zh, _, _ := strings.Cut(models.PasswordProblem("clerk3", pw), " / ")
		webtest.MustContain(t, body, `id="user_password" name="password" type="password"`, `aria-invalid="true"`, `id="err-user_password">`+zh)
		if regexp.MustCompile(`id="user_password"[^>]*value=`).MatchString(body) {
			t.Errorf("the refused password %q is written back into the page", pw)
		}
	}
	if _, err := ts.DB.UserByName(ctx, "clerk3"); models.ErrorCode(err) != models.ENotFound {
		t.Fatalf("a weak password added the login: %v", err)
	}
	_, body := ts.Post(t, admin, "/settings/users", url.Values{"csrf": {tok}, "name": {"clerk3"}, "role": {"staff"}, "password": {"Budget-Desk-7"}}, http.StatusOK)
	webtest.MustContain(t, body, "已添加登录账号 clerk3。", "已设为您填写的密码")
	webtest.CheckPage(t, "POST /settings/users with a password", body, hostOf(ts), true)
	if strings.Contains(body, "Budget-Desk-7") || passwordRe.MatchString(body) {
		t.Error("a typed password is shown on the page")
	}
	if _, res := ts.signIn(t, "clerk3", "Budget-Desk-7"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("clerk3 signs in with the typed password: status %d", res.StatusCode)
	}
}
