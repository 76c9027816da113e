package handlers

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"budgetpoint/db"
	"budgetpoint/forms"
	"budgetpoint/models"
)

// SessionCookie is the name of the login cookie.
const SessionCookie = "bp_session"

const sessionKey = "budgetpoint.session"

// Role sets used by the routes.
var (
	AnyPointRole = []string{"admin", "staff", "deputy"}
	Staff        = []string{"admin", "staff"}
	AdminOnly    = []string{"admin"}
	Committee    = []string{"admin", "committee"}
	UnitRole     = []string{"unit"}
)

// SessionOf returns the signed-in session of a request, if any.
func SessionOf(c *gin.Context) (db.Session, bool) {
	v, ok := c.Get(sessionKey)
	if !ok {
		return db.Session{}, false
	}
	return v.(db.Session), true
}

// Identify finds who is signed in (bearer token or session cookie) and
// remembers it on the request; it answers nothing by itself.
func (s *Server) Identify(c *gin.Context) (db.Session, error) {
	if sess, ok := SessionOf(c); ok {
		return sess, nil
	}
	token := ""
	if h := c.GetHeader("Authorization"); h != "" {
		scheme, t, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || t == "" {
			return db.Session{}, models.Errorf(models.EUnauth, "Authorization 头应为 Bearer 令牌 / the Authorization header must be a Bearer token")
		}
		token = strings.TrimSpace(t)
	} else if ck, err := c.Cookie(SessionCookie); err == nil {
		token = ck
	}
	if token == "" {
		return db.Session{}, models.Errorf(models.EUnauth, "请先登录 / sign in first")
	}
	sess, err := s.DB.UserByToken(c.Request.Context(), token)
	if err != nil {
		return sess, err
	}
	c.Set(sessionKey, sess)
	return sess, nil
}

// ActAs makes the signed-in person of sess the actor of the request, whom
// the stores audit its changes by (models.ActorOf), with the client's
// address. Only routes that require a login call it: a response through a
// public link or an evaluation code has no actor and is never audited.
func ActAs(c *gin.Context, sess db.Session) {
	c.Request = c.Request.WithContext(models.WithActor(c.Request.Context(),
		models.Actor{User: sess.User.Name, Role: sess.User.Role, Addr: clientIP(c)}))
}

// Require lets a request through only for the given roles: 401 without
// credentials, 403 for another role. A cookie session that changes data must
// also carry its CSRF token (CheckCSRF).
func (s *Server) Require(roles ...string) gin.HandlerFunc {
	return func(c *gin.Context) {
		sess, err := s.Identify(c)
		if err != nil {
			s.Fail(c, err)
			return
		}
		defer s.AuditRefused(c, sess) // whatever refuses it, here or in the handler
		if !models.In(sess.User.Role, roles) {
			s.Fail(c, models.Errorf(models.EForbidden, "您的角色（%s）无权进行此操作 / your role (%s) may not do this", sess.User.Role, sess.User.Role))
			return
		}
		if err := CheckCSRF(c, sess); err != nil {
			s.Fail(c, err)
			return
		}
		if err := checkMustChange(c, sess); err != nil {
			s.Fail(c, err)
			return
		}
		ActAs(c, sess)
		c.Next()
	}
}

// CheckCSRF is the one CSRF check, of the API and of the pages: a request of
// a cookie session that may change data (not GET or HEAD) must carry the
// session's CSRF token, in the header X-CSRF-Token (programs) or the form
// field csrf (pages). An empty or wrong token is refused (compared in
// constant time); a bearer token needs none, as no browser sends it by itself.
func CheckCSRF(c *gin.Context, sess db.Session) error {
	if sess.Kind != db.TokenSession || c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead {
		return nil
	}
	got := c.GetHeader("X-CSRF-Token")
	if got == "" {
		got = c.PostForm("csrf")
	}
	if got == "" || subtle.ConstantTimeCompare([]byte(unmaskCSRF(got)), []byte(sess.CSRF)) != 1 {
		return models.Errorf(models.EForbidden, "页面已过期，请刷新后重试（程序请在 X-CSRF-Token 头中带上登录时得到的 csrf_token） / the page has expired: reload it and try again (a program sends the csrf_token of its sign-in in the X-CSRF-Token header)")
	}
	return nil
}

// maskedPrefix starts a CSRF token as a page carries it (MaskCSRF).
const maskedPrefix = "m."

// MaskCSRF is the session's CSRF token as one page carries it: a random pad
// and the token XOR the pad, base64url, new for every page, so that a
// compressed page never repeats the token's bytes (BREACH; see newCompress).
// CheckCSRF takes it back, and takes the token itself too (programs send the
// csrf_token of their sign-in).
func MaskCSRF(token string) string {
	pad := make([]byte, len(token))
	rand.Read(pad) // never fails: crypto/rand ends the program rather than return an error
	out := make([]byte, 2*len(token))
	copy(out, pad)
	for i := range len(token) {
		out[len(token)+i] = token[i] ^ pad[i]
	}
	return maskedPrefix + base64.RawURLEncoding.EncodeToString(out)
}

// unmaskCSRF undoes MaskCSRF; anything else is returned as it is.
func unmaskCSRF(s string) string {
	m, ok := strings.CutPrefix(s, maskedPrefix)
	if !ok {
		return s
	}
	b, err := base64.RawURLEncoding.DecodeString(m)
	if err != nil || len(b)%2 != 0 {
		return s
	}
	n := len(b) / 2
	out := make([]byte, n)
	for i := range n {
		out[i] = b[i] ^ b[n+i]
	}
	return string(out)
}

// SetSessionCookie sets the login cookie: HttpOnly, SameSite=Lax, Secure over HTTPS (IsHTTPS).
func SetSessionCookie(c *gin.Context, token string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: IsHTTPS(c)})
}

// Login checks a name and password under the server's lockout (db.SignIn:
// failures counted per name and per client address, in the database). It
// returns the session token and its CSRF token.
func (s *Server) Login(c *gin.Context, name, password string) (models.User, string, string, error) {
	ip := clientIP(c)
	u, err := s.DB.SignIn(c.Request.Context(), name, password, ip, s.lockout)
	if err == nil {
		allowed := models.PointRoles
		if s.hub {
			allowed = models.HubRoles
		}
		if !models.In(u.Role, allowed) {
			err = models.Errorf(models.EForbidden, "此账号不能在这里登录 / this account cannot sign in here")
		}
	}
	if err != nil {
		// Every sign-in that fails is audited (failed, locked, refused),
		// under the name that was tried.
		result := models.AuditFailed
		switch models.ErrorCode(err) {
		case models.ELocked:
			result = models.AuditLocked
		case models.ERateLimited, models.EForbidden:
			result = models.AuditRefused
		}
		if u.Disabled {
			result = models.AuditRefused // the right password of a disabled login
		}
		if models.ErrorCode(err) == models.ERateLimited && !s.AuditUnauthenticated(ip) {
			// An address already refused for its many failures: audited a
			// few times a minute at most, so that it cannot fill the log
			// (and the disk) by itself; the rest go to the server's log.
			s.Log.Warn("sign-in refused, not audited again this minute", "addr", ip, "name", name)
			return u, "", "", err
		}
		ctx := models.WithActor(c.Request.Context(), models.Actor{User: name, Addr: ip})
		if aerr := s.DB.Audit(ctx, "login", "user", name, result, map[string]any{"code": models.ErrorCode(err)}); aerr != nil {
			return u, "", "", aerr
		}
		return u, "", "", err
	}
	// A sign-in that succeeds is audited in the transaction of its session.
	ctx := models.WithActor(c.Request.Context(), models.Actor{User: u.Name, Role: u.Role, Addr: ip})
	tok, csrf, _, err := s.DB.CreateToken(ctx, u.ID, db.TokenSession)
	return u, tok, csrf, err
}

// checkLoginRequest refuses a sign-in that is not JSON (400 bad_request
// naming the content type: a form that another site posts is never JSON
// without a CORS preflight) and one whose Origin header is present and not
// this server's own (403). The pages' sign-in form posts to /login, not here.
func checkLoginRequest(c *gin.Context) error {
	if o := c.GetHeader("Origin"); o != "" {
		if !strings.EqualFold(o, Scheme(c)+"://"+c.Request.Host) {
			return models.Errorf(models.EForbidden, "不接受来自其他网站（%s）的登录请求 / a sign-in from another site (%s) is refused", o, o)
		}
	}
	ct := c.GetHeader("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
		if ct == "" {
			ct = "(none)"
		}
		return &models.Error{Code: models.EBadRequest,
			Message: fmt.Sprintf("登录请求应为 JSON（Content-Type: application/json），收到的是 %s / a sign-in must be JSON (Content-Type: application/json), got %s", ct, ct),
			Fields:  map[string]string{"Content-Type": "application/json"}}
	}
	return nil
}

func (s *Server) apiLogin(c *gin.Context) {
	if err := checkLoginRequest(c); err != nil {
		s.Fail(c, err)
		return
	}
	var req forms.LoginRequest
	if err := forms.Decode(c, "请求", &req); err != nil {
		s.Fail(c, err)
		return
	}
	u, tok, csrf, err := s.Login(c, req.Name, req.Password)
	if err != nil {
		s.Fail(c, err)
		return
	}
	SetSessionCookie(c, tok, int(db.SessionTTL.Seconds()))
	c.JSON(http.StatusOK, gin.H{"user": u, "csrf_token": csrf})
}

// apiLogout revokes the session or token of the request; a token already
// revoked is signed out too, any other failure is answered (not signed out).
func (s *Server) apiLogout(c *gin.Context) {
	sess, _ := SessionOf(c)
	if err := s.DB.RevokeToken(c.Request.Context(), sess.TokenID, sess.User.ID, false); err != nil && models.ErrorCode(err) != models.ENotFound {
		s.Fail(c, err)
		return
	}
	SetSessionCookie(c, "", -1)
	c.JSON(http.StatusOK, gin.H{"signed_out": true})
}

func (s *Server) apiMe(c *gin.Context) {
	sess, _ := SessionOf(c)
	c.JSON(http.StatusOK, gin.H{"user": sess.User, "point_id": s.PointID, "csrf_token": sess.CSRF})
}

func (s *Server) listUsers(c *gin.Context) {
	limit, after, err := PageParams(c)
	if err != nil {
		s.Fail(c, err)
		return
	}
	a, err := db.DecodeCursor(after)
	if err != nil {
		s.Fail(c, err)
		return
	}
	us, err := s.DB.ListUsers(c.Request.Context())
	if err != nil {
		s.Fail(c, err)
		return
	}
	// Logins are few: page the list by name here, as every list is paged.
	p := models.Page[models.User]{Items: []models.User{}}
	for _, u := range us {
		if u.Name > a {
			p.Items = append(p.Items, u)
		}
	}
	if len(p.Items) > limit {
		p.Items = p.Items[:limit]
		p.Next = db.EncodeCursor(p.Items[limit-1].Name)
	}
	c.JSON(http.StatusOK, p)
}

func (s *Server) createUser(c *gin.Context) {
	var req forms.UserRequest
	if err := forms.Decode(c, "用户", &req); err != nil {
		s.Fail(c, err)
		return
	}
	allowed := models.PointRoles
	if s.hub {
		allowed = models.HubRoles
	}
	if !models.In(req.Role, allowed) {
		s.Fail(c, models.Invalid("用户", map[string]string{"role": "此处不能使用这个角色 / this role does not exist here"}))
		return
	}
	if s.hub && req.DeputyID != "" {
		s.Fail(c, models.Invalid("用户", map[string]string{"deputy_id": "汇总端没有人大代表名册 / the hub keeps no deputies registry"}))
		return
	}
	if req.Role == "unit" {
		ok := false
		if s.unitExists != nil && req.UnitID != "" {
			var err error
			if ok, err = s.unitExists(c.Request.Context(), req.UnitID); err != nil {
				s.Fail(c, err)
				return
			}
		}
		if !ok {
			s.Fail(c, models.Invalid("用户", map[string]string{"unit_id": "没有这个承办单位 / no such unit"}))
			return
		}
	}
	pw := req.Password
	generated := pw == ""
	if generated {
		pw = db.NewPassword(req.Name)
	}
	u, err := s.DB.CreateLogin(c.Request.Context(), db.NewLogin{Name: req.Name, Role: req.Role, Password: pw, DeputyID: req.DeputyID, UnitID: req.UnitID, MustChange: generated})
	if err != nil {
		s.Fail(c, err)
		return
	}
	out := gin.H{"user": u}
	if generated {
		out["password"] = pw
	}
	c.JSON(http.StatusCreated, out)
}

func (s *Server) createToken(c *gin.Context) {
	sess, _ := SessionOf(c)
	tok, _, id, err := s.DB.CreateToken(c.Request.Context(), sess.User.ID, db.TokenAPI)
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"id": id, "token": tok})
}

// listTokens lists the caller's own tokens, without their secrets; an admin
// may pass ?user=ID to list another login's. Paged by id.
func (s *Server) listTokens(c *gin.Context) {
	sess, _ := SessionOf(c)
	userID := sess.User.ID
	if v := c.Query("user"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			s.Fail(c, &models.Error{Code: models.EBadRequest, Message: "user 应为用户编号 / user must be a login's id", Fields: map[string]string{"user": "id"}})
			return
		}
		if id != sess.User.ID && sess.User.Role != "admin" {
			s.Fail(c, models.Errorf(models.EForbidden, "只有管理员能查看他人的令牌 / only an admin may list another login's tokens"))
			return
		}
		userID = id
	}
	limit, after, err := PageParams(c)
	if err != nil {
		s.Fail(c, err)
		return
	}
	a, err := db.DecodeCursor(after)
	if err != nil {
		s.Fail(c, err)
		return
	}
	var afterID int64
	if a != "" {
		if afterID, err = strconv.ParseInt(a, 10, 64); err != nil {
			s.Fail(c, &models.Error{Code: models.EBadRequest, Message: "after 无效 / bad after cursor", Fields: map[string]string{"after": "cursor"}})
			return
		}
	}
	items, more, err := s.DB.ListTokens(c.Request.Context(), userID, afterID, limit)
	if err != nil {
		s.Fail(c, err)
		return
	}
	p := models.Page[db.TokenInfo]{Items: items}
	if more {
		p.Next = db.EncodeCursor(strconv.FormatInt(items[len(items)-1].ID, 10))
	}
	c.JSON(http.StatusOK, p)
}

// unlockUser ends the lock of a login after failed sign-ins (admin).
func (s *Server) unlockUser(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.Fail(c, models.NotFound("用户", "user"))
		return
	}
	u, err := s.DB.UnlockUser(c.Request.Context(), id)
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"user": u, "unlocked": true})
}

func (s *Server) revokeToken(c *gin.Context) {
	sess, _ := SessionOf(c)
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.Fail(c, models.NotFound("令牌", "token"))
		return
	}
	if err := s.DB.RevokeToken(c.Request.Context(), id, sess.User.ID, sess.User.Role == "admin"); err != nil {
		s.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"id": id, "revoked": true})
}
