package handlers

import (
	"bytes"
	"io"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"budgetpoint/db"
	"budgetpoint/forms"
	"budgetpoint/models"
)

func (s *Server) listQuestionnaires(c *gin.Context) {
	limit, after, err := PageParams(c)
	if err != nil {
		s.Fail(c, err)
		return
	}
	p, err := s.DB.Questionnaires(c.Request.Context(), c.Query("topic"), limit, after)
	if err != nil {
		s.Fail(c, err)
		return
	}
	if sess, _ := SessionOf(c); sess.User.Role == "deputy" {
		// Deputies see the questionnaires of the topics open now.
		states, err := s.DB.TopicStates(c.Request.Context())
		if err != nil {
			s.Fail(c, err)
			return
		}
		open := p.Items[:0]
		for _, q := range p.Items {
			if st, ok := states[q.TopicID]; !ok || st == models.TopicOpen {
				open = append(open, q)
			}
		}
		p.Items = open
	}
	s.hidePublicLinks(c, p.Items)
	c.JSON(http.StatusOK, p)
}

// hidePublicLinks keeps public links from deputies: only staff hand them out.
func (s *Server) hidePublicLinks(c *gin.Context, qs []models.Questionnaire) {
	if sess, _ := SessionOf(c); sess.User.Role == "deputy" {
		for i := range qs {
			qs[i].PublicURL = ""
		}
	}
}

func (s *Server) saveQuestionnaire(c *gin.Context) {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		s.Fail(c, err) // over the body limit: 413
		return
	}
	var req struct {
		models.Definition
		// Draft: save as a draft (201, status draft, no version), not publish.
		Draft bool `json:"draft"`
	}
	// The definition alone first, so that a bad field is named as it is sent.
	if err := forms.DecodeOnly(bytes.NewReader(body), &req.Definition); err != nil {
		s.Fail(c, err)
		return
	}
	var flag struct {
		Draft *bool `json:"draft"`
	}
	if err := forms.DecodeOnly(bytes.NewReader(body), &flag); err != nil {
		s.Fail(c, err)
		return
	}
	req.Draft = flag.Draft != nil && *flag.Draft
	if req.Draft {
		d, err := s.DB.SaveDraft(c.Request.Context(), req.Definition)
		if err != nil {
			s.Fail(c, err)
			return
		}
		c.JSON(http.StatusCreated, d)
		return
	}
	q, created, err := s.DB.SaveQuestionnaire(c.Request.Context(), req.Definition, models.OriginLocal)
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.JSON(CreatedOr200(created), q)
}

func (s *Server) getQuestionnaire(c *gin.Context) {
	v := 0
	if vs := c.Query("version"); vs != "" {
		var err error
		if v, err = strconv.Atoi(vs); err != nil || v < 1 {
			s.Fail(c, &models.Error{Code: models.EBadRequest, Message: "version 应为正整数 / version must be a positive whole number", Fields: map[string]string{"version": "≥ 1"}})
			return
		}
	}
	q, err := s.DB.Questionnaire(c.Request.Context(), c.Param("id"), v)
	if err != nil {
		s.Fail(c, err)
		return
	}
	qs := []models.Questionnaire{q}
	s.hidePublicLinks(c, qs)
	c.JSON(http.StatusOK, qs[0])
}

func (s *Server) patchQuestionnaire(c *gin.Context) {
	var req forms.QuestionnairePatchRequest
	if err := forms.Decode(c, "问卷", &req); err != nil {
		s.Fail(c, err)
		return
	}
	q, err := s.DB.SetPublic(c.Request.Context(), c.Param("id"), *req.Public)
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, q)
}

// submission converts a checked request; deputies answer as themselves, online.
func submission(req *forms.ResponseRequest, sess db.Session) db.Submission {
	sub := db.Submission{ID: req.ID, Version: req.Version, Channel: req.Channel, Answers: req.Answers, Serial: req.Serial,
		Respondent:  models.Respondent{Kind: req.Respondent.Kind, DeputyID: req.Respondent.DeputyID, Description: req.Respondent.Description},
		SubmittedBy: sess.User.ID}
	if sub.Channel == "" {
		sub.Channel = "online"
	}
	if sess.User.Role == "deputy" {
		sub.Respondent = models.Respondent{Kind: "deputy", DeputyID: sess.User.DeputyID}
		sub.Channel = "online"
		sub.ByDeputy, sub.OpenOnly = true, true
	}
	if sub.Channel == "paper" {
		sub.EnteredBy = sess.User.Name
	}
	return sub
}

func (s *Server) submitResponse(c *gin.Context) {
	var req forms.ResponseRequest
	if err := s.decodeResponse(c, c.Param("id"), &req); err != nil {
		s.Fail(c, err)
		return
	}
	sess, _ := SessionOf(c)
	s.answerSubmit(c, c.Param("id"), submission(&req, sess))
}

func (s *Server) answerSubmit(c *gin.Context, qid string, sub db.Submission) {
	id, created, err := s.DB.SubmitResponse(c.Request.Context(), qid, sub)
	s.answerStored(c, id, created, err)
}

// answerStored answers a stored response: 201 the first time, 200 for the
// same response again.
func (s *Server) answerStored(c *gin.Context, id string, created bool, err error) {
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.JSON(CreatedOr200(created), gin.H{"id": id, "created": created})
}

func (s *Server) listResponses(c *gin.Context) {
	limit, after, err := PageParams(c)
	if err != nil {
		s.Fail(c, err)
		return
	}
	if _, err := s.DB.Questionnaire(c.Request.Context(), c.Param("id"), 0); err != nil {
		s.Fail(c, err)
		return
	}
	f := db.ResponseFilter{Limit: limit, After: after}
	if sess, _ := SessionOf(c); sess.User.Role == "deputy" {
		f.SubmittedBy = sess.User.ID
	}
	p, err := s.DB.Responses(c.Request.Context(), c.Param("id"), f)
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}

func (s *Server) publicQuestionnaire(c *gin.Context) {
	q, err := s.DB.QuestionnaireByToken(c.Request.Context(), c.Param("token"))
	if err != nil {
		s.Fail(c, err)
		return
	}
	// As the page does: a topic not open shows no questionnaire to fill.
	if t, err := s.DB.Topic(c.Request.Context(), q.TopicID); err == nil {
		if err := t.NotOpen(s.DB.Now()); err != nil {
			s.Fail(c, err)
			return
		}
	} else if models.ErrorCode(err) != models.ENotFound {
		s.Fail(c, err)
		return
	}
	q.PublicURL = ""
	c.JSON(http.StatusOK, q)
}

// publicSubmit takes a response through a public link, rate limited per
// client address. Respondents describe themselves; they cannot claim a
// registered deputy's identity.
func (s *Server) publicSubmit(c *gin.Context) {
	if !s.publicLimit.Allow(clientIP(c)) {
		s.Fail(c, errTooManySubmissions())
		return
	}
	q, err := s.DB.QuestionnaireByToken(c.Request.Context(), c.Param("token"))
	if err != nil {
		s.Fail(c, err)
		return
	}
	var req forms.ResponseRequest
	if err := s.decodeResponse(c, q.ID, &req); err != nil {
		s.Fail(c, err)
		return
	}
	sub := submission(&req, db.Session{})
	sub.Channel, sub.OpenOnly = "online", true
	sub.Respondent.DeputyID = ""
	s.answerSubmit(c, q.ID, sub)
}

// decodeResponse reads a submission; when its envelope is invalid, the
// answers are checked too, so that one answer names every bad field.
func (s *Server) decodeResponse(c *gin.Context, qid string, req *forms.ResponseRequest) error {
	if err := forms.DecodeOnly(c.Request.Body, req); err != nil {
		return err
	}
	err := forms.Check("答卷", req)
	e, ok := models.AsError(err)
	if !ok || e.Code != models.EInvalid {
		return err
	}
	def, _, derr := s.DB.Definition(c.Request.Context(), qid, req.Version)
	if derr != nil {
		// The envelope's errors are answered alone; a definition that
		// cannot be read for another reason than not being there is logged.
		if _, ok := models.AsError(derr); !ok {
			s.Log.Error("answers not checked with an invalid envelope", "questionnaire", qid, "err", derr)
		}
		return err
	}
	_, bad := def.CheckAnswers(req.Answers)
	for k, v := range bad {
		e.Fields[k] = v
	}
	return models.Invalid("答卷", e.Fields)
}

// getDraft: GET /api/v1/questionnaires/{id}/draft (staff).
func (s *Server) getDraft(c *gin.Context) {
	d, err := s.DB.Draft(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, d)
}

// publishDraft: POST /api/v1/questionnaires/{id}/publish (staff): the draft
// becomes the next version (201), or is the latest again (200).
func (s *Server) publishDraft(c *gin.Context) {
	q, created, err := s.DB.PublishDraft(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.JSON(CreatedOr200(created), q)
}
