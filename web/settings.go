package web

// 系统设置 (settings, admin only): the point's name in Chinese and English,
// the public address that links and QR codes use (absURL), and the point's
// logins, with a form to add one (its password typed in, or generated and
// shown once).

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"budgetpoint/db"
	"budgetpoint/forms"
	"budgetpoint/handlers"
	"budgetpoint/models"
)

// Setting keys of this page.
const (
	SettingPointName   = "point_name"
	SettingPointNameEN = "point_name_en"
	// SettingPublicURL is scheme://host[:port] as people reach the point from
	// their phones; links and QR codes use it (absURL).
	SettingPublicURL = "public_url"
)

var settingsMessages = map[string][2]string{
	"nav.settings":          {"系统设置", "Settings"},
	"set.title":             {"系统设置", "Settings"},
	"set.point":             {"联系点名称与公开访问地址", "Name and public address"},
	"set.name":              {"联系点名称（中文）", "Name in Chinese"},
	"set.name_hint":         {"显示在每个页面的顶部、问卷填写页和打印的报表上。默认：%s", "Shown at the top of every page, on the fill-in page and on printed reports. Default: %s"},
	"set.name_en":           {"联系点名称（英文）", "Name in English"},
	"set.name_en_hint":      {"英文页面使用。留空则英文页面也显示中文名称。默认：%s", "Used on the English pages; if empty, they show the Chinese name. Default: %s"},
	"set.name_en_hint0":     {"英文页面使用。留空则英文页面也显示中文名称。", "Used on the English pages; if empty, they show the Chinese name."},
	"set.public":            {"公开访问地址", "Public address"},
	"set.public_hint":       {"公开填写链接、二维码和测评码纸条都用这个地址，手机要能打开它：填写本机在局域网中的地址或域名，例如 http://192.168.1.20:8080 或 https://ys.example.cn，不带路径。留空则使用您现在打开本页所用的地址：%s", "Public links, QR codes and evaluation-code slips use this address, so phones must be able to open it: this computer's address on the local network or a domain name, e.g. http://192.168.1.20:8080 or https://ys.example.cn, without a path. If empty, the address you opened this page by is used: %s"},
	"set.loopback":          {"手机无法访问 %s：请在系统设置中填写公开访问地址", "Phones cannot reach %s: enter the public address in Settings"},
	"set.loopback_staff":    {"手机无法访问 %s：请管理员在系统设置中填写公开访问地址", "Phones cannot reach %s: ask the administrator to enter the public address in Settings"},
	"set.saved":             {"系统设置已保存", "Settings saved"},
	"set.users":             {"登录账号", "Logins"},
	"set.user_name":         {"用户名", "User name"},
	"set.user_name_hint":    {"登录时填写，2 到 32 个字，不含空格。", "Typed when signing in: 2 to 32 characters, no spaces."},
	"set.role":              {"角色", "Role"},
	"set.deputy":            {"代表（角色为人大代表时选择）", "Deputy (for a deputy's login)"},
	"set.deputy_col":        {"代表", "Deputy"},
	"set.not_deputy":        {"（不是代表）", "(not a deputy)"},
	"set.created":           {"添加时间", "Added"},
	"set.add_user":          {"添加登录账号", "Add a login"},
	"set.add_user_hint":     {"密码可以自己填写；留空则由系统生成，添加后只显示一次。", "Type a password, or leave it empty to have one generated and shown once, after adding."},
	"set.new_password":      {"初始密码（可不填）", "Password (optional)"},
	"set.new_password_hint": {"至少 10 个字符，含小写字母、大写字母、数字、符号中的至少三类，不能是常见密码，不能包含用户名。", "At least 10 characters, with at least three of: lower case letters, upper case letters, digits, symbols; not a common password, and not containing the user name."},
	"set.password_typed":    {"已设为您填写的密码，请交给本人。", "The password you typed is set: hand it over."},
	"set.user_added":        {"已添加登录账号 %s。", "Login %s added."},
	"set.password":          {"初始密码", "Password"},
	"set.password_once":     {"请现在抄下或交给本人：此密码只显示这一次，离开本页后无法再查看。", "Write it down or hand it over now: it is shown only this once and cannot be seen again after you leave this page."},
	"set.no_users":          {"还没有登录账号。", "No logins yet."},
	"set.role.admin":        {"管理员", "administrator"},
	"set.role.staff":        {"工作人员", "staff"},
	"set.role.deputy":       {"人大代表", "deputy"},
	"share.public_address":  {"链接和二维码使用系统设置中的公开访问地址。", "The link and QR code use the public address from Settings."},
}

// publicBase is the public address an administrator set, or "".
func (a *App) publicBase(ctx context.Context) string {
	return a.setting(ctx, SettingPublicURL, "")
}

// setting reads a setting for a page, or def when it is not set; a failed
// read is logged and shows def.
func (a *App) setting(ctx context.Context, key, def string) string {
	v, err := a.S.DB.Setting(ctx, key, def)
	if err != nil {
		a.S.Log.Error("page setting", "key", key, "err", err)
	}
	return v
}

// absURL is a path on this server as an absolute link (for QR codes, slips
// and copying): the public address of 系统设置 when one is set, else the
// address the staff member reached the server by.
func (a *App) absURL(c *gin.Context, path string) string {
	if base := a.publicBase(c.Request.Context()); base != "" {
		return base + path
	}
	return handlers.Scheme(c) + "://" + c.Request.Host + path
}

// loopbackHost returns the host of an absolute link when phones cannot
// reach it (127.0.0.1, ::1, localhost), else "".
func loopbackHost(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return ""
	}
	h := strings.ToLower(u.Hostname())
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return h
	}
	if ip := net.ParseIP(h); ip != nil && (ip.IsLoopback() || ip.IsUnspecified()) {
		return h
	}
	return ""
}

// defaultPointNames are the point's names when no administrator set any.
func (a *App) defaultPointNames() (zh, en string) {
	n := a.pointName()
	return n.DefaultZH, n.DefaultEN
}

type userRow struct {
	U      models.User
	Deputy string
}

type settingsData struct {
	Form          forms.PointSettingsForm
	DefaultZH     string
	DefaultEN     string
	RequestBase   string // the address of this request, used when no public address is set
	Users         []userRow
	Deputies      []models.Deputy
	Roles         []string
	UserForm      forms.NewUserForm
	Which         string // the form the errors belong to: "point" or "user"
	Added         *models.User
	AddedPassword string
}

func (a *App) settingsPage(c *gin.Context) {
	d := &settingsData{Form: a.currentSettings(c.Request.Context()), UserForm: forms.NewUserForm{Role: "staff"}}
	a.renderSettings(c, http.StatusOK, d, nil)
}

func (a *App) renderSettings(c *gin.Context, status int, d *settingsData, errs map[string]string) {
	ctx := c.Request.Context()
	d.DefaultZH, d.DefaultEN = a.defaultPointNames()
	d.RequestBase = handlers.Scheme(c) + "://" + c.Request.Host
	d.Roles = []string{"staff", "deputy", "admin"}
	users, err := a.S.DB.ListUsers(ctx)
	if err != nil {
		a.Error(c, err)
		return
	}
	deps, err := a.S.DB.Deputies(ctx, 500, "")
	if err != nil {
		a.Error(c, err)
		return
	}
	d.Deputies = deps.Items
	names := map[string]string{}
	for _, x := range deps.Items {
		names[x.ID] = x.Name
	}
	for _, u := range users {
		r := userRow{U: u}
		if u.DeputyID != "" {
			r.Deputy = names[u.DeputyID]
			if r.Deputy == "" {
				r.Deputy = u.DeputyID
			}
		}
		d.Users = append(d.Users, r)
	}
	v := a.View(c, "set.title", d)
	v.Nav = "settings"
	v.Path = "/settings" // the language switch comes back to the page, not to a POST-only path
	v.Errors = errs
	a.Render(c, status, "settings.html", v)
}

// settingsSave stores the names and the public address. Nothing is stored
// when any field is refused.
func (a *App) settingsSave(c *gin.Context) {
	var f forms.PointSettingsForm
	errs, err := formErrors(BindForm(c, "系统设置", &f))
	if err != nil {
		a.Error(c, err)
		return
	}
	if errs, err = addFieldErrors(errs, f.Clean()); err != nil {
		a.Error(c, err)
		return
	}
	if len(errs) > 0 {
		a.renderSettings(c, http.StatusUnprocessableEntity, &settingsData{Form: f, Which: "point"}, errs)
		return
	}
	ctx := c.Request.Context()
	zh, _ := a.defaultPointNames()
	name := f.PointName
	if name == zh {
		// The default, kept unset: the English default then still applies.
		name = ""
	}
	for _, kv := range [][2]string{{SettingPointName, name}, {SettingPointNameEN, f.PointNameEN}, {SettingPublicURL, f.PublicURL}} {
		if err := a.S.DB.SetSetting(ctx, kv[0], kv[1]); err != nil {
			a.Error(c, err)
			return
		}
	}
	a.Redirect(c, "/settings", "ok", Translate(LangOf(c), "set.saved"))
}

// formErrors splits a bindForm error into field errors (validation_failed)
// and any other error.
func formErrors(err error) (map[string]string, error) {
	if err == nil {
		return nil, nil
	}
	if fe := FieldErrors(err); fe != nil {
		return fe, nil
	}
	return nil, err
}

// settingsAddUser adds a login with the password typed in, or else a
// generated one, shown once on the page this POST answers (never in a
// cookie or a redirect). A password that breaks the rule is refused beside
// its field, as the API and the CLI refuse it (db.CreateUser).
func (a *App) settingsAddUser(c *gin.Context) {
	ctx := c.Request.Context()
	var f forms.NewUserForm
	errs, err := formErrors(BindForm(c, "用户", &f))
	if err != nil {
		a.Error(c, err)
		return
	}
	if errs, err = addFieldErrors(errs, f.Clean()); err != nil {
		a.Error(c, err)
		return
	}
	refuse := func(errs map[string]string) {
		a.renderSettings(c, http.StatusUnprocessableEntity, &settingsData{Form: a.currentSettings(ctx), UserForm: f, Which: "user"}, errs)
	}
	if len(errs) > 0 {
		refuse(errs)
		return
	}
	pw := f.Password
	generated := pw == ""
	if generated {
		pw = db.NewPassword(f.Name)
	}
	// A generated password is handed to its person, who must change it.
	u, err := a.S.DB.CreateLogin(ctx, db.NewLogin{Name: f.Name, Role: f.Role, Password: pw, DeputyID: f.DeputyID, MustChange: generated})
	if err != nil {
		if fe := FieldErrors(err); fe != nil {
			refuse(fe)
			return
		}
		if e, ok := models.AsError(err); ok && e.Code == models.EConflict {
			refuse(map[string]string{"name": e.Message})
			return
		}
		a.Error(c, err)
		return
	}
	d := &settingsData{Form: a.currentSettings(ctx), UserForm: forms.NewUserForm{Role: "staff"}, Added: &u}
	if generated {
		d.AddedPassword = pw
	}
	a.renderSettings(c, http.StatusOK, d, nil)
}

// currentSettings is the settings form as stored (defaults filled in).
func (a *App) currentSettings(ctx context.Context) forms.PointSettingsForm {
	zh, en := a.defaultPointNames()
	f := forms.PointSettingsForm{
		PointName:   a.setting(ctx, SettingPointName, zh),
		PointNameEN: a.setting(ctx, SettingPointNameEN, ""),
		PublicURL:   a.publicBase(ctx),
	}
	if f.PointNameEN == "" && a.setting(ctx, SettingPointName, "") == "" {
		f.PointNameEN = en
	}
	return f
}

// addFieldErrors adds the fields of a validation error to errs, keeping what
// errs already says about a field; any other error is returned.
func addFieldErrors(errs map[string]string, err error) (map[string]string, error) {
	if err == nil {
		return errs, nil
	}
	fe := FieldErrors(err)
	if fe == nil {
		return errs, err
	}
	if errs == nil {
		errs = map[string]string{}
	}
	for k, m := range fe {
		if _, ok := errs[k]; !ok {
			errs[k] = m
		}
	}
	return errs, nil
}
