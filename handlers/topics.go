package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"budgetpoint/forms"
)

func (s *Server) listTopics(c *gin.Context) {
	limit, after, err := PageParams(c)
	if err != nil {
		s.Fail(c, err)
		return
	}
	p, err := s.DB.Topics(c.Request.Context(), limit, after)
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}

func (s *Server) createTopic(c *gin.Context) {
	var req forms.TopicRequest
	if err := forms.Decode(c, "事项", &req); err != nil {
		s.Fail(c, err)
		return
	}
	t, err := req.Topic()
	if err == nil {
		err = s.DB.CreateTopic(c.Request.Context(), &t)
	}
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, t)
}

func (s *Server) getTopic(c *gin.Context) {
	t, err := s.DB.Topic(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, t)
}

func (s *Server) patchTopic(c *gin.Context) {
	var req forms.TopicPatchRequest
	if err := forms.Decode(c, "事项", &req); err != nil {
		s.Fail(c, err)
		return
	}
	t, err := s.DB.PatchTopic(c.Request.Context(), c.Param("id"), req.Patch())
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, t)
}

func (s *Server) topicSummary(c *gin.Context) {
	sum, err := s.DB.Summary(c.Request.Context(), c.Param("id"), s.PointID)
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, sum)
}
