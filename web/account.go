package web

// 我的账号 (/account), for everyone signed in, at a point and at the hub:
// change one's password, see one's sessions and tokens, end one or all of
// them. 账号管理 (/users), for administrators: every login with its state
// (locked, disabled, to change its password) and what an admin can do to
// it: unlock, reset the password (shown once), disable or enable, delete.
// Both call the same store methods as the API (handlers/accounts.go).

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"budgetpoint/db"
	"budgetpoint/forms"
	"budgetpoint/handlers"
	"budgetpoint/models"
)

var accountMessages = Messages{
	"nav.account":          {"我的账号", "My account"},
	"nav.users":            {"账号管理", "Logins"},
	"acct.must_change":     {"您正在使用系统生成或管理员重设的密码：请先设置一个只有您知道的新密码，然后才能继续使用。", "You are using a generated or reset password: set a new one that only you know before going on."},
	"acct.who":             {"用户名：%s（%s）", "User name: %s (%s)"},
	"acct.change":          {"修改密码", "Change password"},
	"acct.current":         {"当前密码", "Current password"},
	"acct.new":             {"新密码", "New password"},
	"acct.again":           {"再输入一次新密码", "New password again"},
	"acct.mismatch":        {"两次输入的新密码不一样", "the two new passwords differ"},
	"acct.changed":         {"密码已修改。您在其他地方的登录和令牌都已失效。", "Password changed. Your sign-ins and tokens elsewhere have ended."},
	"acct.sessions":        {"登录和令牌", "Sign-ins and tokens"},
	"acct.sessions_lead":   {"下面是您账号当前有效的登录（浏览器）和令牌（程序使用）。不认识的请立即结束，并修改密码。", "These are the live sign-ins (browsers) and tokens (programs) of your login. End any you do not recognise, and change your password."},
	"acct.kind.session":    {"登录", "Sign-in"},
	"acct.kind.api":        {"令牌", "Token"},
	"acct.kind":            {"类型", "Kind"},
	"acct.created":         {"开始", "Started"},
	"acct.last_used":       {"最近使用", "Last used"},
	"acct.expires":         {"到期", "Expires"},
	"acct.this":            {"（本次登录）", "(this sign-in)"},
	"acct.end":             {"结束", "End"},
	"acct.ended":           {"已结束。", "Ended."},
	"acct.end_all":         {"退出所有登录", "Sign out everywhere"},
	"acct.end_all_hint":    {"结束本账号在所有浏览器上的登录，包括这一个；程序用的令牌不受影响。", "Ends the sign-ins of this login in every browser, this one too; tokens of programs stay."},
	"acct.ended_all":       {"已退出所有登录，请重新登录。", "Signed out everywhere: sign in again."},
	"acct.none":            {"没有有效的登录或令牌。", "No live sign-ins or tokens."},
	"users.lead":           {"停用的账号立即不能登录，令牌也不能用；删除的账号保留其用户名和操作记录。添加账号在“系统设置”中。", "A disabled login can no longer sign in, nor can its tokens be used; a deleted login keeps its name and its records. Logins are added in Settings."},
	"users.state":          {"状态", "State"},
	"users.active":         {"正常", "active"},
	"users.disabled":       {"已停用", "disabled"},
	"users.locked":         {"已锁定至 %s", "locked until %s"},
	"users.must_change":    {"须修改密码", "must change password"},
	"users.unlock":         {"解锁", "Unlock"},
	"users.reset":          {"重设密码", "Reset password"},
	"users.disable":        {"停用", "Disable"},
	"users.enable":         {"启用", "Enable"},
	"users.delete":         {"删除", "Delete"},
	"users.delete_confirm": {"确定删除账号 %s？删除后不能恢复，其用户名也不能再使用。", "Delete the login %s? This cannot be undone, and its name cannot be used again."},
	"users.unlocked":       {"已解锁 %s。", "%s unlocked."},
	"users.disabled_ok":    {"已停用 %s。", "%s disabled."},
	"users.enabled_ok":     {"已启用 %s。", "%s enabled."},
	"users.deleted_ok":     {"已删除 %s。", "%s deleted."},
	"users.reset_ok":       {"已重设 %s 的密码。此密码只显示这一次：请交给本人，本人下次登录时须修改。", "The password of %s is reset. It is shown only this once: hand it over; it must be changed at the next sign-in."},
	"users.you":            {"（您自己）", "(you)"},
	"users.lead_hub":       {"停用的账号立即不能登录，令牌也不能用；删除的账号保留其用户名和操作记录。", "A disabled login can no longer sign in, nor can its tokens be used; a deleted login keeps its name and its records."},
	"set.role.committee":   {"预工委", "committee"},
	"set.role.unit":        {"承办单位", "unit"},
	"set.unit":             {"所属承办单位", "The unit it belongs to"},
	"set.unit_hint":        {"只有承办单位的账号选择；账号只看到交办给本单位的意见。", "For a unit's login only: it sees only what is assigned to its unit."},
	"set.unit_needed":      {"承办单位的账号须选择所属单位", "a unit's login needs its unit"},
	"set.unit_unknown":     {"没有这个承办单位，请先在“承办单位”中添加", "no such unit: add it at Handling units first"},
	"set.no_units":         {"（还没有承办单位）", "(no unit yet)"},
}

// mustChangePaths are the pages a login that must change its password may
// still open.
var mustChangePaths = map[string]bool{"/account": true, "/account/password": true, "/logout": true}

type accountData struct {
	User   models.User
	Tokens []db.TokenInfo
	This   int64 // the token of this sign-in
	Errs   map[string]string
}

func (st *Site) accountPage(c *gin.Context) {
	st.renderAccount(c, http.StatusOK, nil)
}

func (st *Site) renderAccount(c *gin.Context, status int, errs map[string]string) {
	sess, _ := handlers.SessionOf(c)
	items, _, err := st.S.DB.ListTokens(c.Request.Context(), sess.User.ID, 0, 500)
	if err != nil {
		st.Error(c, err)
		return
	}
	now := st.S.DB.Now()
	d := &accountData{User: sess.User, This: sess.TokenID}
	for _, t := range items {
		if !t.Revoked && (t.ExpiresAt == nil || t.ExpiresAt.After(now)) {
			d.Tokens = append(d.Tokens, t)
		}
	}
	v := st.View(c, "nav.account", d)
	v.Nav = "account"
	v.Path = "/account"
	v.Errors = errs
	st.Render(c, status, "account.html", v)
}

// accountPassword changes one's own password (db.ChangePassword): this
// sign-in stays, the others end.
func (st *Site) accountPassword(c *gin.Context) {
	sess, _ := handlers.SessionOf(c)
	var f forms.PasswordChange
	errs, err := formErrors(BindForm(c, "密码", &f))
	if err != nil {
		st.Error(c, err)
		return
	}
	if len(errs) == 0 && f.New != c.PostForm("again") {
		errs = map[string]string{"again": both("acct.mismatch")}
	}
	if len(errs) == 0 {
		_, err := st.S.DB.ChangePassword(c.Request.Context(), sess.User.ID, f.Current, f.New, sess.TokenID, st.S.Lockout())
		if errs = FieldErrors(err); err != nil && errs == nil {
			st.Error(c, err)
			return
		}
	}
	if len(errs) > 0 {
		st.renderAccount(c, http.StatusUnprocessableEntity, errs)
		return
	}
	st.Redirect(c, "/account", "ok", both("acct.changed"))
}

// accountEnd ends one of one's own sessions or tokens.
func (st *Site) accountEnd(c *gin.Context) {
	sess, _ := handlers.SessionOf(c)
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		st.Error(c, models.NotFound("令牌", "token"))
		return
	}
	if err := st.S.DB.RevokeToken(c.Request.Context(), id, sess.User.ID, false); err != nil {
		st.Error(c, err)
		return
	}
	if id == sess.TokenID {
		handlers.SetSessionCookie(c, "", -1)
		st.Redirect(c, "/login", "ok", both("acct.ended"))
		return
	}
	st.Redirect(c, "/account", "ok", both("acct.ended"))
}

// accountEndAll signs out everywhere (db.EndSessions), here too.
func (st *Site) accountEndAll(c *gin.Context) {
	sess, _ := handlers.SessionOf(c)
	if _, err := st.S.DB.EndSessions(c.Request.Context(), sess.User.ID); err != nil {
		st.Error(c, err)
		return
	}
	handlers.SetSessionCookie(c, "", -1)
	st.Redirect(c, "/login", "ok", both("acct.ended_all"))
}

type userState struct {
	U           models.User
	LockedUntil time.Time
	You         bool
}

type usersData struct {
	Users    []userState
	Reset    *models.User // whose password was just reset
	Password string       // the new password, shown this once
	// The form that adds a login (Options.AddLogins), with what it added.
	AddLogins bool
	Form      forms.HubUserForm
	Added     *models.User
	Errors    map[string]string
	// Units a unit login may belong to (id, name), when units are offered.
	Units [][2]string
	Roles []string // the roles the form offers
}

// units lists the units a unit login may belong to (Options.Units), none
// without it.
func (st *Site) units(c *gin.Context) ([][2]string, error) {
	if st.opts.Units == nil {
		return nil, nil
	}
	return st.opts.Units(c.Request.Context())
}

// addError adds a field's message to errs (made when nil).
func addError(errs map[string]string, field, msg string) map[string]string {
	if errs == nil {
		errs = map[string]string{}
	}
	errs[field] = msg
	return errs
}

// usersAdd adds a login of the hub (db.CreateLogin); a generated password
// is shown once, and must be changed at the first sign-in.
func (st *Site) usersAdd(c *gin.Context) {
	var f forms.HubUserForm
	errs, err := formErrors(BindForm(c, "用户", &f))
	if err != nil {
		st.Error(c, err)
		return
	}
	if errs, err = addFieldErrors(errs, f.Clean()); err != nil {
		st.Error(c, err)
		return
	}
	d := &usersData{Form: f}
	if f.Role == "unit" || f.UnitID != "" {
		units, err := st.units(c)
		if err != nil {
			st.Error(c, err)
			return
		}
		known := false
		for _, u := range units {
			known = known || u[0] == f.UnitID
		}
		switch {
		case f.Role != "unit":
			f.UnitID, d.Form.UnitID = "", "" // only a unit login has a unit
		case f.UnitID == "":
			errs = addError(errs, "unit_id", st.Both("set.unit_needed"))
		case !known:
			errs = addError(errs, "unit_id", st.Both("set.unit_unknown"))
		}
	}
	if len(errs) == 0 {
		pw, generated := f.Password, f.Password == ""
		if generated {
			pw = db.NewPassword(f.Name)
		}
		u, err := st.S.DB.CreateLogin(c.Request.Context(), db.NewLogin{Name: f.Name, Role: f.Role, Password: pw, MustChange: generated, UnitID: f.UnitID})
		switch e, _ := models.AsError(err); {
		case err == nil:
			d = &usersData{Added: &u, Form: forms.HubUserForm{Role: "committee"}}
			if generated {
				d.Password = pw
			}
		case FieldErrors(err) != nil:
			errs = FieldErrors(err)
		case e != nil && e.Code == models.EConflict:
			errs = map[string]string{"name": e.Message}
		default:
			st.Error(c, err)
			return
		}
	}
	d.Errors = errs
	st.renderUsers(c, d)
}

func (st *Site) usersPage(c *gin.Context) {
	st.renderUsers(c, &usersData{Form: forms.HubUserForm{Role: "committee"}})
}

func (st *Site) renderUsers(c *gin.Context, d *usersData) {
	sess, _ := handlers.SessionOf(c)
	ctx := c.Request.Context()
	us, err := st.S.DB.ListUsers(ctx)
	if err != nil {
		st.Error(c, err)
		return
	}
	locked, err := st.S.DB.LockedNames(ctx)
	if err != nil {
		st.Error(c, err)
		return
	}
	for _, u := range us {
		d.Users = append(d.Users, userState{U: u, LockedUntil: locked[u.Name], You: u.ID == sess.User.ID})
	}
	d.AddLogins = st.opts.AddLogins
	d.Roles = []string{"committee", "admin"}
	if d.AddLogins && st.opts.Units != nil {
		if d.Units, err = st.units(c); err != nil {
			st.Error(c, err)
			return
		}
		d.Roles = append(d.Roles, "unit")
	}
	v := st.View(c, "nav.users", d)
	v.Nav = "users"
	v.Path = "/users"
	v.Errors = d.Errors
	status := http.StatusOK
	if len(d.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	}
	st.Render(c, status, "users.html", v)
}

// userAction is one admin action on the login :id, then back to /users
// with what was done.
func (st *Site) userAction(c *gin.Context) {
	sess, _ := handlers.SessionOf(c)
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		st.Error(c, models.NotFound("用户", "user"))
		return
	}
	ctx := c.Request.Context()
	var u models.User
	var done string
	switch c.Param("action") {
	case "unlock":
		u, err = st.S.DB.UnlockUser(ctx, id)
		done = "users.unlocked"
	case "disable":
		u, err = st.S.DB.SetDisabled(ctx, id, sess.User.ID, true)
		done = "users.disabled_ok"
	case "enable":
		u, err = st.S.DB.SetDisabled(ctx, id, sess.User.ID, false)
		done = "users.enabled_ok"
	case "delete":
		u, err = st.S.DB.DeleteUser(ctx, id, sess.User.ID)
		done = "users.deleted_ok"
	case "password":
		st.userReset(c, id)
		return
	default:
		st.Error(c, models.NotFound("页面", "page"))
		return
	}
	if err != nil {
		st.Error(c, err)
		return
	}
	st.Redirect(c, "/users", "ok", both(done, u.Name))
}

// userReset sets a generated password, shown on the page this once.
func (st *Site) userReset(c *gin.Context, id int64) {
	ctx := c.Request.Context()
	u, err := st.S.DB.UserByID(ctx, id)
	if err != nil {
		st.Error(c, err)
		return
	}
	pw := db.NewPassword(u.Name)
	if u, err = st.S.DB.ResetPassword(ctx, id, pw, true); err != nil {
		st.Error(c, err)
		return
	}
	st.renderUsers(c, &usersData{Reset: &u, Password: pw})
}
