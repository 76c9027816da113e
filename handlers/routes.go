package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// routes lists every route of the API in one place.
func (s *Server) routes(r *gin.Engine) {
	api := r.Group("/api/v1")
	api.GET("/health", s.health)
	api.POST("/login", s.apiLogin)

	loggedIn := AnyPointRole
	if s.hub {
		loggedIn = Committee
	}
	api.POST("/logout", s.Require(loggedIn...), s.apiLogout)
	api.GET("/me", s.Require(loggedIn...), s.apiMe)
	api.POST("/tokens", s.Require(loggedIn...), s.createToken)
	api.DELETE("/tokens/:id", s.Require(loggedIn...), s.revokeToken)
	api.GET("/users", s.Require(AdminOnly...), s.listUsers)
	api.POST("/users", s.Require(AdminOnly...), s.createUser)
	if s.hub {
		return // the committee's routes are the hub package's (hub.Hub.Routes)
	}

	api.GET("/topics", s.Require(AnyPointRole...), s.listTopics)
	api.POST("/topics", s.Require(Staff...), s.createTopic)
	api.GET("/topics/:id", s.Require(AnyPointRole...), s.getTopic)
	api.PATCH("/topics/:id", s.Require(Staff...), s.patchTopic)
	api.GET("/topics/:id/summary", s.Require(Staff...), s.topicSummary)

	api.GET("/questionnaires", s.Require(AnyPointRole...), s.listQuestionnaires)
	api.POST("/questionnaires", s.Require(Staff...), s.saveQuestionnaire)
	api.GET("/questionnaires/:id", s.Require(AnyPointRole...), s.getQuestionnaire)
	api.PATCH("/questionnaires/:id", s.Require(Staff...), s.patchQuestionnaire)
	api.POST("/questionnaires/:id/responses", s.Require(AnyPointRole...), s.submitResponse)
	api.GET("/questionnaires/:id/responses", s.Require(AnyPointRole...), s.listResponses)

	api.GET("/activities", s.Require(Staff...), s.listActivities)
	api.POST("/activities", s.Require(Staff...), s.createActivity)
	api.GET("/activities/:id", s.Require(Staff...), s.getActivity)

	api.GET("/opinions", s.Require(AnyPointRole...), s.listOpinions)
	api.POST("/opinions", s.Require(Staff...), s.createOpinion)
	api.GET("/opinions/:id", s.Require(AnyPointRole...), s.getOpinion)

	api.GET("/deputies", s.Require(AnyPointRole...), s.listDeputies)
	api.POST("/deputies", s.Require(Staff...), s.createDeputy)

	// Public filling, without login, only through a questionnaire's public link.
	api.GET("/public/:token", s.publicQuestionnaire)
	api.POST("/public/:token/responses", s.publicSubmit)
}

func (s *Server) health(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok", "point_id": s.PointID, "version": s.Version})
}
