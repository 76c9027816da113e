package handlers

// The life of a login through the API: one's own password change and
// "sign out everywhere", an admin's reset, disable/enable and delete.

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"budgetpoint/db"
	"budgetpoint/forms"
	"budgetpoint/models"
)

// mustChangeAllowed are the routes a login that must change its password
// may still use: to see who it is, to change it, and to sign out.
var mustChangeAllowed = map[string]bool{
	"/api/v1/me": true, "/api/v1/me/password": true, "/api/v1/logout": true,
}

// checkMustChange refuses (403) every other route to a login whose
// password was generated or reset, until it is changed.
func checkMustChange(c *gin.Context, sess db.Session) error {
	if sess.User.MustChangePassword && !mustChangeAllowed[c.FullPath()] {
		return &models.Error{Code: models.EForbidden, Message: db.MsgChangeFirst, Fields: map[string]string{"password": "must_change"}}
	}
	return nil
}

// Lockout is the server's lockout policy, which the pages' password change
// checks the current password under, as the API's does.
func (s *Server) Lockout() db.Lockout { return s.lockout }

// changePassword: POST /api/v1/me/password {"current", "new"}. Every other
// session and token of the login ends; the request's own stays.
func (s *Server) changePassword(c *gin.Context) {
	sess, _ := SessionOf(c)
	var req forms.PasswordChange
	if err := forms.Decode(c, "密码", &req); err != nil {
		s.Fail(c, err)
		return
	}
	ended, err := s.DB.ChangePassword(c.Request.Context(), sess.User.ID, req.Current, req.New, sess.TokenID, s.lockout)
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"changed": true, "ended": ended})
}

// endSessions: DELETE /api/v1/me/sessions, sign out everywhere (this
// session too).
func (s *Server) endSessions(c *gin.Context) {
	sess, _ := SessionOf(c)
	ended, err := s.DB.EndSessions(c.Request.Context(), sess.User.ID)
	if err != nil {
		s.Fail(c, err)
		return
	}
	if sess.Kind == db.TokenSession {
		SetSessionCookie(c, "", -1)
	}
	c.JSON(http.StatusOK, gin.H{"ended": ended})
}

// userID reads the :id of a login route; a bad one names no login.
func userID(c *gin.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return 0, models.NotFound("用户", "user")
	}
	return id, nil
}

// resetPassword: POST /api/v1/users/{id}/password {"password"} (admin). An
// empty password is generated and answered once. The login must change it
// at its next sign-in; its sessions and tokens end.
func (s *Server) resetPassword(c *gin.Context) {
	id, err := userID(c)
	if err != nil {
		s.Fail(c, err)
		return
	}
	var req forms.PasswordReset
	if err := forms.Decode(c, "密码", &req); err != nil {
		s.Fail(c, err)
		return
	}
	u, err := s.DB.UserByID(c.Request.Context(), id)
	if err != nil {
		s.Fail(c, err)
		return
	}
	pw := req.Password
	if pw == "" {
		pw = db.NewPassword(u.Name)
	}
	if u, err = s.DB.ResetPassword(c.Request.Context(), id, pw, true); err != nil {
		s.Fail(c, err)
		return
	}
	out := gin.H{"user": u}
	if req.Password == "" {
		out["password"] = pw
	}
	c.JSON(http.StatusOK, out)
}

// patchUser: PATCH /api/v1/users/{id} {"disabled": true|false} (admin).
func (s *Server) patchUser(c *gin.Context) {
	sess, _ := SessionOf(c)
	id, err := userID(c)
	if err != nil {
		s.Fail(c, err)
		return
	}
	var req forms.UserPatch
	if err := forms.Decode(c, "用户", &req); err != nil {
		s.Fail(c, err)
		return
	}
	u, err := s.DB.SetDisabled(c.Request.Context(), id, sess.User.ID, *req.Disabled)
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"user": u})
}

// deleteUser: DELETE /api/v1/users/{id} (admin). The row stays, so that
// what the login did stays attributed to its name.
func (s *Server) deleteUser(c *gin.Context) {
	sess, _ := SessionOf(c)
	id, err := userID(c)
	if err != nil {
		s.Fail(c, err)
		return
	}
	u, err := s.DB.DeleteUser(c.Request.Context(), id, sess.User.ID)
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"user": u, "deleted": true})
}
