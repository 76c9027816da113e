package web

import (
	"crypto/subtle"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"budgetpoint/db"
	"budgetpoint/handlers"
	"budgetpoint/models"
)

// Role sets of the pages.
var (
	AnyRole    = handlers.AnyPointRole
	StaffRoles = handlers.Staff
)

// Page lets a page request through only for the given roles: someone not
// signed in is sent to /login (and back afterwards), a wrong role gets the
// 403 page, and a POST must carry the session's CSRF token (form field csrf
// or header X-CSRF-Token; handlers.CheckCSRF).
func (st *Site) Page(roles ...string) gin.HandlerFunc {
	return func(c *gin.Context) {
		sess, err := st.S.Identify(c)
		if err != nil {
			if models.ErrorCode(err) != models.EUnauth {
				st.Error(c, err)
				return
			}
			next := c.Request.URL.RequestURI()
			if c.Request.Method != http.MethodGet {
				next = "/"
			}
			c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(next))
			c.Abort()
			return
		}
		defer st.S.AuditRefused(c, sess) // a POST refused here or by the page
		if !models.In(sess.User.Role, roles) {
			if home := st.opts.Home[sess.User.Role]; home != "" && c.Request.Method == http.MethodGet && c.Request.URL.Path == "/" {
				c.Redirect(http.StatusSeeOther, home) // its own start, not the 403 page
				c.Abort()
				return
			}
			st.Forbidden(c)
			return
		}
		if err := handlers.CheckCSRF(c, sess); err != nil {
			st.Error(c, err)
			return
		}
		if sess.User.MustChangePassword && !mustChangePaths[c.FullPath()] {
			// A generated or reset password serves only to set a new one.
			c.Redirect(http.StatusSeeOther, "/account")
			c.Abort()
			return
		}
		handlers.ActAs(c, sess)
		c.Next()
	}
}

// loginCSRF is a double-submit cookie for the sign-in form, which has no session yet.
const loginCSRF = "bp_login_csrf"

type loginData struct {
	Name, Next, Token, Error string
}

func (st *Site) loginPage(c *gin.Context) {
	if sess, err := st.S.Identify(c); err == nil && sess.User.ID != 0 {
		c.Redirect(http.StatusSeeOther, localPath(c.Query("next"), "/"))
		return
	}
	st.renderLogin(c, http.StatusOK, &loginData{Next: localPath(c.Query("next"), "/")})
}

func (st *Site) renderLogin(c *gin.Context, status int, d *loginData) {
	d.Token = db.RandomToken(18)
	http.SetCookie(c.Writer, &http.Cookie{Name: loginCSRF, Value: d.Token, Path: "/login", MaxAge: 3600,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: handlers.IsHTTPS(c)})
	v := st.View(c, "login.title", d)
	v.Bare = true
	st.Render(c, status, "login.html", v)
}

func (st *Site) loginSubmit(c *gin.Context) {
	d := &loginData{Name: c.PostForm("name"), Next: localPath(c.PostForm("next"), "/")}
	ck, err := c.Cookie(loginCSRF)
	if err != nil || ck == "" || subtle.ConstantTimeCompare([]byte(ck), []byte(c.PostForm("csrf"))) != 1 {
		d.Error = st.Translate(LangOf(c), "login.expired")
		st.renderLogin(c, http.StatusForbidden, d)
		return
	}
	if d.Name == "" || c.PostForm("password") == "" {
		d.Error = st.Translate(LangOf(c), "login.missing")
		st.renderLogin(c, http.StatusUnprocessableEntity, d)
		return
	}
	u, tok, _, err := st.S.Login(c, d.Name, c.PostForm("password"))
	if err != nil {
		e, ok := models.AsError(err)
		if !ok {
			st.Error(c, err)
			return
		}
		d.Error = e.Message
		if e.Code == models.EUnauth || e.Code == models.ENotFound {
			d.Error = st.Translate(LangOf(c), "login.wrong")
		}
		st.renderLogin(c, handlers.Status(e.Code), d)
		return
	}
	handlers.SetSessionCookie(c, tok, int(db.SessionTTL.Seconds()))
	http.SetCookie(c.Writer, &http.Cookie{Name: loginCSRF, Value: "", Path: "/login", MaxAge: -1})
	next := d.Next
	if u.Role == "deputy" && next == "/" {
		next = "/my"
	}
	if home := st.opts.Home[u.Role]; home != "" && next == "/" {
		next = home
	}
	if u.MustChangePassword {
		next = "/account" // the password serves only to set a new one
	}
	c.Redirect(http.StatusSeeOther, next)
}

// logout revokes the session and forgets its cookie. A session that is
// already revoked is signed out too; any other failure is shown, and the
// person stays signed in (the session still works: they are not told
// otherwise).
func (st *Site) logout(c *gin.Context) {
	sess, _ := handlers.SessionOf(c)
	if err := st.S.DB.RevokeToken(c.Request.Context(), sess.TokenID, sess.User.ID, false); err != nil && models.ErrorCode(err) != models.ENotFound {
		st.Error(c, err)
		return
	}
	handlers.SetSessionCookie(c, "", -1)
	st.Redirect(c, "/login", "ok", Translate(LangOf(c), "flash.signed_out"))
}
