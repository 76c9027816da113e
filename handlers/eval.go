package handlers

import (
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"budgetpoint/db"
	"budgetpoint/forms"
)

// evalCodesRequest is POST /api/v1/questionnaires/{id}/eval-codes.
type evalCodesRequest struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	Count          int    `json:"count"`
	RespondentKind string `json:"respondent_kind"`
}

// issueEvalCodes issues one-time evaluation codes (测评码):
// {"id", "name", "count", "respondent_kind"} → 201 {"id", "codes": [...], "fill_url": "/e"}.
func (s *Server) issueEvalCodes(c *gin.Context) {
	var req evalCodesRequest
	if err := forms.DecodeOnly(c.Request.Body, &req); err != nil {
		s.Fail(c, err)
		return
	}
	if req.ID == "" {
		req.ID = uuid.NewString()
	}
	sess, _ := SessionOf(c)
	codes, err := s.DB.IssueEvalCodes(c.Request.Context(), db.EvalCodeSet{ID: req.ID, QuestionnaireID: c.Param("id"), Name: req.Name,
		RespondentKind: req.RespondentKind, CreatedBy: sess.User.Name}, req.Count)
	if err != nil {
		s.Fail(c, err)
		return
	}
	out := make([]string, len(codes))
	for i, code := range codes {
		out[i] = db.FormatEvalCode(code)
	}
	c.JSON(http.StatusCreated, gin.H{"id": req.ID, "codes": out, "fill_url": "/e"})
}

// evalSubmitRequest is POST /api/v1/eval/{code}/responses.
type evalSubmitRequest struct {
	ID      string                     `json:"id"`
	Version int                        `json:"version"`
	Answers map[string]json.RawMessage `json:"answers"`
}

// evalSubmit answers a questionnaire with a code and no login: 201 the
// first time, 200 for the same response again.
func (s *Server) evalSubmit(c *gin.Context) {
	if !s.publicLimit.Allow(clientIP(c)) {
		s.Fail(c, errTooManySubmissions())
		return
	}
	var req evalSubmitRequest
	if err := forms.DecodeOnly(c.Request.Body, &req); err != nil {
		s.Fail(c, err)
		return
	}
	id, created, err := s.DB.SubmitWithEvalCode(c.Request.Context(), c.Param("code"), req.ID, req.Version, req.Answers)
	s.answerStored(c, id, created, err)
}
