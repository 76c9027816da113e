package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"budgetpoint/db"
	"budgetpoint/forms"
	"budgetpoint/models"
)

func (s *Server) listActivities(c *gin.Context) {
	limit, after, err := PageParams(c)
	if err != nil {
		s.Fail(c, err)
		return
	}
	p, err := s.DB.Activities(c.Request.Context(), c.Query("topic"), c.Query("kind"), limit, after)
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}

func (s *Server) createActivity(c *gin.Context) {
	var req forms.ActivityRequest
	if err := forms.Decode(c, "活动", &req); err != nil {
		s.Fail(c, err)
		return
	}
	a := req.Activity()
	sess, _ := SessionOf(c)
	created, err := s.DB.CreateActivity(c.Request.Context(), &a, sess.User.ID)
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.JSON(CreatedOr200(created), a)
}

func (s *Server) getActivity(c *gin.Context) {
	a, err := s.DB.Activity(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.Fail(c, err)
		return
	}
	s.answerActivity(c, a, nil)
}

// answerActivity answers an activity with its revisions (what it was
// before each correction), and whether a correction changed it.
func (s *Server) answerActivity(c *gin.Context, a models.Activity, changed *bool) {
	revs, err := s.DB.ActivityRevisions(c.Request.Context(), a.ID)
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, struct {
		models.Activity
		Revisions []db.ActivityRevision `json:"revisions"`
		Changed   *bool                 `json:"changed,omitempty"`
	}{a, revs, changed})
}

// correctActivity: PATCH /api/v1/activities/{id} (staff, admin).
func (s *Server) correctActivity(c *gin.Context) {
	var req forms.ActivityCorrection
	if err := forms.Decode(c, "活动", &req); err != nil {
		s.Fail(c, err)
		return
	}
	f := db.ActivityFix{Title: req.Title, HeldOn: req.HeldOn, Location: req.Location, Host: req.Host, DeputyIDs: req.DeputyIDs, Minutes: req.Minutes}
	if p := req.Participants; p != nil {
		f.Participants = &models.Participants{Deputies: p.Deputies, Public: p.Public, Other: p.Other}
	}
	a, changed, err := s.DB.CorrectActivity(c.Request.Context(), c.Param("id"), f, req.Reason)
	if err != nil {
		s.Fail(c, err)
		return
	}
	s.answerActivity(c, a, &changed)
}

func (s *Server) listOpinions(c *gin.Context) {
	limit, after, err := PageParams(c)
	if err != nil {
		s.Fail(c, err)
		return
	}
	f := models.OpinionFilter{Topic: c.Query("topic"), Source: c.Query("source"), Status: c.Query("status"), Limit: limit, After: after}
	if sess, _ := SessionOf(c); sess.User.Role == "deputy" {
		f.DeputyID, f.CreatedBy = sess.User.DeputyID, sess.User.ID
		if f.DeputyID == "" {
			f.DeputyID = "\x00" // matches no deputy: only what this user submitted
		}
	}
	p, err := s.DB.Opinions(c.Request.Context(), f)
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}

func (s *Server) createOpinion(c *gin.Context) {
	var req forms.OpinionRequest
	if err := forms.Decode(c, "意见", &req); err != nil {
		s.Fail(c, err)
		return
	}
	o := req.Opinion()
	sess, _ := SessionOf(c)
	created, err := s.DB.CreateOpinion(c.Request.Context(), &o, sess.User.ID)
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.JSON(CreatedOr200(created), o)
}

func (s *Server) getOpinion(c *gin.Context) {
	o, err := s.DB.Opinion(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.Fail(c, err)
		return
	}
	// A deputy reads their own: raised as them, or recorded by their login
	// (the same rule as the list).
	if sess, _ := SessionOf(c); sess.User.Role == "deputy" &&
		!(sess.User.DeputyID != "" && o.Proposer.DeputyID == sess.User.DeputyID) && o.CreatedBy != sess.User.ID {
		s.Fail(c, models.NotFound("意见", "opinion"))
		return
	}
	c.JSON(http.StatusOK, o)
}

func (s *Server) listDeputies(c *gin.Context) {
	limit, after, err := PageParams(c)
	if err != nil {
		s.Fail(c, err)
		return
	}
	p, err := s.DB.Deputies(c.Request.Context(), limit, after)
	if err != nil {
		s.Fail(c, err)
		return
	}
	if sess, _ := SessionOf(c); !models.In(sess.User.Role, Staff) {
		for i := range p.Items {
			p.Items[i] = p.Items[i].WithoutContact()
		}
	}
	c.JSON(http.StatusOK, p)
}

func (s *Server) createDeputy(c *gin.Context) {
	var req forms.DeputyRequest
	if err := forms.Decode(c, "代表", &req); err != nil {
		s.Fail(c, err)
		return
	}
	d, err := req.Deputy()
	if err == nil {
		err = s.DB.CreateDeputy(c.Request.Context(), &d)
	}
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, d.Masked())
}

// getDeputy: GET /api/v1/deputies/{id} (staff, admin): one deputy with the
// whole phone and ID number; the read is audited (deputy.read).
func (s *Server) getDeputy(c *gin.Context) {
	d, err := s.DB.DeputyContact(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, d)
}
