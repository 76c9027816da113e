package hub

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"budgetpoint/db"
	"budgetpoint/forms"
	"budgetpoint/handlers"
	"budgetpoint/models"
	"budgetpoint/syncproto"
)

// api is the hub's HTTP side: the points' sync and the committee API. Its
// handlers decode, call Hub and answer; they hold no SQL.
type api struct {
	h *Hub
	s *handlers.Server
}

// Routes lists every route of the hub's own: the points' signed sync
// (sync.go) and the committee API, on the router of s (a hub server). The
// sync batches' larger body limit is given to s at construction (see
// BodyLimits).
func (h *Hub) Routes(r *gin.Engine, s *handlers.Server) {
	a := &api{h: h, s: s}
	r.POST(syncproto.PathBatches, a.postBatch)
	r.GET(syncproto.PathUpdates, a.getUpdates)

	c := r.Group("/api/v1/committee", s.Require(handlers.Committee...))
	c.GET("/points", a.listPoints)
	c.GET("/topics", a.listTopics)
	c.POST("/topics", a.publishTopic)
	c.GET("/topics/:id/summary", a.topicSummary)
	c.GET("/topics/:id/export.xlsx", a.exportTopic)
	c.POST("/questionnaires", a.publishQuestionnaire)
	c.GET("/opinions", a.listOpinions)
	c.GET("/activities", a.listActivities)
	c.PATCH("/opinions/:id", a.patchOpinion)
}

// BodyLimits are the hub's routes that take more than handlers.MaxBody.
func BodyLimits() map[string]int64 {
	return map[string]int64{syncproto.PathBatches: syncproto.MaxBatchBytes}
}

func (a *api) listPoints(c *gin.Context) {
	ps, err := a.h.PointStatuses(c.Request.Context())
	if err != nil {
		a.s.Fail(c, err)
		return
	}
	page, err := handlers.ListPage(c, ps, func(p PointStatus) string { return p.ID })
	if err != nil {
		a.s.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, page)
}

func (a *api) listTopics(c *gin.Context) {
	items, err := a.h.Topics(c.Request.Context())
	if err != nil {
		a.s.Fail(c, err)
		return
	}
	page, err := handlers.ListPage(c, items, func(t TopicInfo) string { return t.ID })
	if err != nil {
		a.s.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, page)
}

func (a *api) topicSummary(c *gin.Context) {
	s, _, err := a.h.TopicSummary(c.Request.Context(), c.Param("id"))
	if err != nil {
		a.s.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, s)
}

// TopicPublication is POST /api/v1/committee/topics (also the publishing page's form).
type TopicPublication struct {
	forms.TopicRequest
	Points []string `json:"points" label:"联系点,points"`
}

func (a *api) publishTopic(c *gin.Context) {
	var req TopicPublication
	if err := forms.Decode(c, "事项", &req); err != nil {
		a.s.Fail(c, err)
		return
	}
	t, err := req.Topic()
	if err != nil {
		a.s.Fail(c, err)
		return
	}
	ctx := c.Request.Context()
	created, targets, err := a.h.PublishTopic(ctx, t, req.Points)
	if err != nil {
		a.s.Fail(c, err)
		return
	}
	out, err := a.h.Topic(ctx, t.ID)
	if err != nil {
		a.s.Fail(c, err)
		return
	}
	c.JSON(createdOr200(created), gin.H{"topic": out, "points": targets})
}

func createdOr200(created bool) int {
	if created {
		return http.StatusCreated
	}
	return http.StatusOK
}

// QuestionnairePublication is POST /api/v1/committee/questionnaires.
type QuestionnairePublication struct {
	models.Definition
	Points []string `json:"points"`
}

func (a *api) publishQuestionnaire(c *gin.Context) {
	var req QuestionnairePublication
	if err := forms.DecodeOnly(c.Request.Body, &req); err != nil {
		a.s.Fail(c, err)
		return
	}
	q, created, targets, err := a.h.PublishQuestionnaire(c.Request.Context(), req.Definition, req.Points)
	if err != nil {
		a.s.Fail(c, err)
		return
	}
	c.JSON(createdOr200(created), gin.H{"questionnaire": q, "points": targets})
}

func (a *api) listOpinions(c *gin.Context) {
	limit, _, err := handlers.PageParams(c)
	if err != nil {
		a.s.Fail(c, err)
		return
	}
	p, err := a.h.Opinions(c.Request.Context(), models.OpinionFilter{Topic: c.Query("topic"), Point: c.Query("point"),
		Status: c.Query("status"), Source: c.Query("source"), Limit: limit, After: c.Query("after")})
	if err != nil {
		a.s.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}

func (a *api) patchOpinion(c *gin.Context) {
	var req OpinionPatch
	if err := forms.Decode(c, "意见", &req); err != nil {
		a.s.Fail(c, err)
		return
	}
	o, err := a.h.MoveOpinion(c.Request.Context(), c.Param("id"), req)
	if err != nil {
		a.s.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, o)
}

// listActivities is GET /api/v1/committee/activities.
func (a *api) listActivities(c *gin.Context) {
	limit, _, err := handlers.PageParams(c)
	if err != nil {
		a.s.Fail(c, err)
		return
	}
	p, err := a.h.Activities(c.Request.Context(), ActivityFilter{Topic: c.Query("topic"), Point: c.Query("point"),
		Kind: c.Query("kind"), Limit: limit, After: c.Query("after")})
	if err != nil {
		a.s.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}

func (a *api) exportTopic(c *gin.Context) {
	id := c.Param("id")
	f, err := a.h.Export(c.Request.Context(), id)
	if err != nil {
		a.s.Fail(c, err)
		return
	}
	defer f.Close()
	safe := id
	if !models.ValidID(safe) {
		safe = "topic"
	}
	name := "topic-" + safe + "-" + time.Now().In(db.CST).Format("20060102") + ".xlsx"
	c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Status(http.StatusOK)
	if _, err := f.WriteTo(c.Writer); err != nil {
		a.h.Log.Warn("export interrupted", "topic", id, "err", err)
	}
}
