package handlers

// Corrections and voids of stored responses (staff and admins), through the
// store's CorrectResponse and VoidResponse (db/corrections.go).

import (
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"budgetpoint/forms"
)

// getResponse: GET /api/v1/responses/{id}, the response as it is now with
// its revisions (who, when, why).
func (s *Server) getResponse(c *gin.Context) {
	rec, err := s.DB.ResponseWithHistory(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, rec)
}

// correctResponse: PATCH /api/v1/responses/{id} {"answers", "reason"}.
func (s *Server) correctResponse(c *gin.Context) {
	var req forms.Correction
	if err := forms.Decode(c, "更正", &req); err != nil {
		s.Fail(c, err)
		return
	}
	changed, err := s.DB.CorrectResponse(c.Request.Context(), c.Param("id"), req.Answers, req.Reason)
	if err != nil {
		s.Fail(c, err)
		return
	}
	s.answerRecord(c, changed)
}

// voidResponse: DELETE /api/v1/responses/{id} with {"reason"} (or
// ?reason=, for clients that send no body with DELETE).
func (s *Server) voidResponse(c *gin.Context) {
	var req forms.Void
	if c.Request.ContentLength != 0 {
		if err := forms.DecodeOnly(c.Request.Body, &req); err != nil && err != io.EOF {
			s.Fail(c, err)
			return
		}
	}
	if req.Reason == "" {
		req.Reason = c.Query("reason")
	}
	changed, err := s.DB.VoidResponse(c.Request.Context(), c.Param("id"), req.Reason)
	if err != nil {
		s.Fail(c, err)
		return
	}
	s.answerRecord(c, changed)
}

// answerRecord answers the response as it is after a correction or void.
func (s *Server) answerRecord(c *gin.Context, changed bool) {
	rec, err := s.DB.ResponseWithHistory(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"changed": changed, "response": rec})
}
