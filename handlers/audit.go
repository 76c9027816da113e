package handlers

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"budgetpoint/db"
	"budgetpoint/models"
)

// listAudit is GET /api/v1/audit (admin): the audit log, oldest first,
// filtered by actor (a login name), action, object ("type" or "type:id"),
// since and until (RFC 3339 times or dates, China time); paged.
func (s *Server) listAudit(c *gin.Context) {
	limit, after, err := PageParams(c)
	if err != nil {
		s.Fail(c, err)
		return
	}
	f := models.AuditFilter{Actor: c.Query("actor"), Action: c.Query("action"), Object: c.Query("object"), Limit: limit, After: after}
	bad := map[string]string{}
	for name, dst := range map[string]**time.Time{"since": &f.Since, "until": &f.Until} {
		v := c.Query(name)
		if v == "" {
			continue
		}
		t, err := parseWhen(v)
		if err != nil {
			bad[name] = "应为 RFC 3339 时间或日期，如 2026-12-01 / must be an RFC 3339 time or a date such as 2026-12-01"
			continue
		}
		*dst = &t
	}
	if len(bad) > 0 {
		s.Fail(c, &models.Error{Code: models.EBadRequest, Message: models.MsgInvalidFilter, Fields: bad})
		return
	}
	p, err := s.DB.AuditLog(c.Request.Context(), f)
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}

// parseWhen reads an RFC 3339 time or a date (the start of that day in China).
func parseWhen(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	return time.ParseInLocation("2006-01-02", v, db.CST)
}
