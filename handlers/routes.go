package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"budgetpoint/syncproto"
)

// SyncAPI serves a point's /api/v1/sync/status and /run (package syncer).
type SyncAPI interface {
	SyncStatus(c *gin.Context)
	SyncRun(c *gin.Context)
}

// HubAPI serves the hub's own routes (package hub): the points' signed sync
// and the committee API.
type HubAPI interface {
	PostBatch(c *gin.Context)
	GetUpdates(c *gin.Context)
	ListPoints(c *gin.Context)
	ListTopics(c *gin.Context)
	PublishTopic(c *gin.Context)
	TopicSummary(c *gin.Context)
	ExportTopic(c *gin.Context)
	PublishQuestionnaire(c *gin.Context)
	ListOpinions(c *gin.Context)
	ListActivities(c *gin.Context)
	PatchOpinion(c *gin.Context)
	ListUnits(c *gin.Context)
	CreateUnit(c *gin.Context)
	AssignOpinion(c *gin.Context)
	UnitOpinions(c *gin.Context)
	UnitOpinion(c *gin.Context)
	UnitAccept(c *gin.Context)
	UnitReturn(c *gin.Context)
	UnitReply(c *gin.Context)
	UnitStatistics(c *gin.Context)
	TopicStatistics(c *gin.Context)
	GetOpinion(c *gin.Context)
	MergeOpinion(c *gin.Context)
	SimilarOpinions(c *gin.Context)
	UnitView(c *gin.Context)
}

// APIs are the other packages' handlers that the API's routes call: at a
// point its sync (may be nil in tests), at the hub the hub's.
type APIs struct {
	Sync SyncAPI
	Hub  HubAPI
}

// routes lists every route of the API (/api/v1) in one place, those that
// other packages serve included; pages list theirs in their own packages.
// A route added here must be described in openapi.json too (openapi_test.go
// names each one missing).
func (s *Server) routes(r *gin.Engine, apis APIs) {
	api := r.Group("/api/v1")
	api.GET("/health", s.health)
	api.GET("/openapi.json", s.openAPI) // this API's document (openapi.go)
	api.POST("/login", s.apiLogin)

	loggedIn := AnyPointRole
	if s.hub {
		loggedIn = append(append([]string{}, Committee...), UnitRole...)
	}
	api.POST("/logout", s.Require(loggedIn...), s.apiLogout)
	api.GET("/me", s.Require(loggedIn...), s.apiMe)
	api.GET("/tokens", s.Require(loggedIn...), s.listTokens)
	api.POST("/tokens", s.Require(loggedIn...), s.createToken)
	api.DELETE("/tokens/:id", s.Require(loggedIn...), s.revokeToken)
	api.GET("/users", s.Require(AdminOnly...), s.listUsers)
	api.POST("/users", s.Require(AdminOnly...), s.createUser)
	api.GET("/audit", s.Require(AdminOnly...), s.listAudit)
	api.POST("/users/:id/unlock", s.Require(AdminOnly...), s.unlockUser)
	api.POST("/users/:id/password", s.Require(AdminOnly...), s.resetPassword)
	api.PATCH("/users/:id", s.Require(AdminOnly...), s.patchUser)
	api.DELETE("/users/:id", s.Require(AdminOnly...), s.deleteUser)
	api.POST("/me/password", s.Require(loggedIn...), s.changePassword)
	api.DELETE("/me/sessions", s.Require(loggedIn...), s.endSessions)
	if s.hub {
		if h := apis.Hub; h != nil {
			// Signed by the points (syncproto), not by a login.
			r.POST(syncproto.PathBatches, h.PostBatch)
			r.GET(syncproto.PathUpdates, h.GetUpdates)

			cm := api.Group("/committee", s.Require(Committee...))
			cm.GET("/points", h.ListPoints)
			cm.GET("/topics", h.ListTopics)
			cm.POST("/topics", h.PublishTopic)
			cm.GET("/topics/:id/summary", h.TopicSummary)
			cm.GET("/topics/:id/export.xlsx", h.ExportTopic)
			cm.POST("/questionnaires", h.PublishQuestionnaire)
			cm.GET("/opinions", h.ListOpinions)
			cm.GET("/activities", h.ListActivities)
			cm.PATCH("/opinions/:id", h.PatchOpinion)
			cm.GET("/opinions/:id", h.GetOpinion)
			cm.GET("/opinions/:id/similar", h.SimilarOpinions)
			cm.POST("/opinions/:id/assign", h.AssignOpinion)
			cm.POST("/opinions/:id/merge", h.MergeOpinion)
			cm.GET("/units", h.ListUnits)
			cm.POST("/units", h.CreateUnit)
			cm.GET("/stats/units", h.UnitStatistics)
			cm.GET("/stats/topics", h.TopicStatistics)

			// A unit's logins work through the opinions assigned to it.
			un := api.Group("/unit", s.Require(UnitRole...))
			un.GET("/opinions", h.UnitOpinions)
			un.GET("/opinions/:id", h.UnitOpinion)
			un.POST("/opinions/:id/accept", h.UnitAccept)
			un.POST("/opinions/:id/return", h.UnitReturn)
			un.POST("/opinions/:id/reply", h.UnitReply)
			un.POST("/opinions/:id/views", h.UnitView)
		}
		return
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
	api.GET("/questionnaires/:id/draft", s.Require(Staff...), s.getDraft)
	api.POST("/questionnaires/:id/publish", s.Require(Staff...), s.publishDraft)
	api.POST("/questionnaires/:id/responses", s.Require(AnyPointRole...), s.submitResponse)
	api.GET("/questionnaires/:id/responses", s.Require(AnyPointRole...), s.listResponses)
	// Corrections and voids (corrections.go).
	api.GET("/responses/:id", s.Require(Staff...), s.getResponse)
	api.PATCH("/responses/:id", s.Require(Staff...), s.correctResponse)
	api.DELETE("/responses/:id", s.Require(Staff...), s.voidResponse)

	api.GET("/activities", s.Require(Staff...), s.listActivities)
	api.POST("/activities", s.Require(Staff...), s.createActivity)
	api.GET("/activities/:id", s.Require(Staff...), s.getActivity)
	api.PATCH("/activities/:id", s.Require(Staff...), s.correctActivity)

	api.GET("/opinions", s.Require(AnyPointRole...), s.listOpinions)
	api.POST("/opinions", s.Require(Staff...), s.createOpinion)
	api.GET("/opinions/:id", s.Require(AnyPointRole...), s.getOpinion)

	api.GET("/deputies", s.Require(AnyPointRole...), s.listDeputies)
	api.POST("/deputies", s.Require(Staff...), s.createDeputy)
	api.GET("/deputies/:id", s.Require(Staff...), s.getDeputy)

	// Public filling, without login, only through a questionnaire's public link.
	api.GET("/public/:token", s.publicQuestionnaire)
	api.POST("/public/:token/responses", s.publicSubmit)

	// 测评码: issued by staff, answered with a code and no login (eval.go).
	api.POST("/questionnaires/:id/eval-codes", s.Require(Staff...), s.issueEvalCodes)
	api.POST("/eval/:code/responses", s.evalSubmit)

	if sy := apis.Sync; sy != nil {
		api.GET("/sync/status", s.Require(Staff...), sy.SyncStatus)
		api.POST("/sync/run", s.Require(Staff...), sy.SyncRun)
	}
}

func (s *Server) health(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok", "point_id": s.PointID, "version": s.Version})
}
