package hub

import (
	"bytes"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"budgetpoint/db"
	"budgetpoint/forms"
	"budgetpoint/handlers"
	"budgetpoint/models"
	"budgetpoint/syncproto"
)

// API is the hub's HTTP side, the handlers of the routes that
// handlers/routes.go lists for the hub (handlers.HubAPI): the points' sync
// (sync.go) and the committee API. They decode, call Hub and answer; they
// hold no SQL.
type API struct {
	h *Hub
	s *handlers.Server
}

// NewAPI is the hub's handlers over h, answering through s (a hub server).
func NewAPI(h *Hub, s *handlers.Server) *API { return &API{h: h, s: s} }

// BodyLimits are the hub's routes that take more than handlers.MaxBody.
func BodyLimits() map[string]int64 {
	return map[string]int64{syncproto.PathBatches: syncproto.MaxBatchBytes}
}

// ListPoints is GET /api/v1/committee/points: each point's last batch and totals.
func (a *API) ListPoints(c *gin.Context) {
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

// ListTopics is GET /api/v1/committee/topics: the committee's topics and those points report.
func (a *API) ListTopics(c *gin.Context) {
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

// TopicSummary is GET /api/v1/committee/topics/{id}/summary: summed across points.
func (a *API) TopicSummary(c *gin.Context) {
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

// PublishTopic is POST /api/v1/committee/topics: 201 for a new topic, 200 for a replaced one.
func (a *API) PublishTopic(c *gin.Context) {
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
	c.JSON(handlers.CreatedOr200(created), gin.H{"topic": out, "points": targets})
}

// QuestionnairePublication is POST /api/v1/committee/questionnaires.
type QuestionnairePublication struct {
	models.Definition
	Points []string `json:"points"`
}

// PublishQuestionnaire is POST /api/v1/committee/questionnaires: 201 for a new version, 200 for the same again.
func (a *API) PublishQuestionnaire(c *gin.Context) {
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
	c.JSON(handlers.CreatedOr200(created), gin.H{"questionnaire": q, "points": targets})
}

// ListOpinions is GET /api/v1/committee/opinions (filters topic, point, status, source; paged).
func (a *API) ListOpinions(c *gin.Context) {
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

// PatchOpinion is PATCH /api/v1/committee/opinions/{id}: a move along the closed loop.
func (a *API) PatchOpinion(c *gin.Context) {
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

// ListActivities is GET /api/v1/committee/activities.
func (a *API) ListActivities(c *gin.Context) {
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

// ExportTopic is GET /api/v1/committee/topics/{id}/export.xlsx.
func (a *API) ExportTopic(c *gin.Context) {
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
	// Every export is audited; one that cannot be is not sent.
	err = a.s.SendMade(c, name, handlers.XLSX, func(w *bytes.Buffer) error { return f.Write(w) }, func() error {
		return a.s.DB.Audit(c.Request.Context(), "export", "topic", id, models.AuditOK, map[string]any{"file": name})
	})
	if err != nil {
		a.s.Fail(c, err)
	}
}

// ListUnits is GET /api/v1/committee/units.
func (a *API) ListUnits(c *gin.Context) {
	us, err := a.h.Store.Units(c.Request.Context())
	if err != nil {
		a.s.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": us})
}

// CreateUnit is POST /api/v1/committee/units.
func (a *API) CreateUnit(c *gin.Context) {
	var u Unit
	if err := forms.Decode(c, "承办单位", &u); err != nil {
		a.s.Fail(c, err)
		return
	}
	u.Name = strings.TrimSpace(u.Name)
	if !models.ValidID(u.ID) || u.Name == "" {
		a.s.Fail(c, models.Invalid("承办单位", map[string]string{"id": "编号只含字母、数字、- 和 _ / id: letters, digits, - and _", "name": models.MsgRequired}))
		return
	}
	if err := a.h.Store.CreateUnit(c.Request.Context(), &u); err != nil {
		a.s.Fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, u)
}

// AssignOpinion is POST /api/v1/committee/opinions/{id}/assign.
func (a *API) AssignOpinion(c *gin.Context) {
	var req Assignment
	if err := forms.Decode(c, "交办", &req); err != nil {
		a.s.Fail(c, err)
		return
	}
	o, err := a.h.AssignOpinion(c.Request.Context(), c.Param("id"), req)
	if err != nil {
		a.s.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, o)
}

// unitOf is the unit of the signed-in unit login ("" for a unit login
// without a unit, which the store answers with nothing).
func unitOf(c *gin.Context) string {
	sess, _ := handlers.SessionOf(c)
	return sess.User.UnitID
}

// UnitOpinions is GET /api/v1/unit/opinions: the unit's own, paged
// (?limit, ?after), what waits for it first.
func (a *API) UnitOpinions(c *gin.Context) {
	all, err := a.h.Store.UnitOpinions(c.Request.Context(), unitOf(c), MaxUnitOpinions)
	if err != nil {
		a.s.Fail(c, err)
		return
	}
	page, err := handlers.ListPage(c, all, func(o models.Opinion) string { return o.ID })
	if err != nil {
		a.s.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, page)
}

// MaxUnitOpinions bounds how many of its opinions a unit's list reads.
const MaxUnitOpinions = 10000

// UnitOpinion is GET /api/v1/unit/opinions/{id}.
func (a *API) UnitOpinion(c *gin.Context) {
	o, err := a.h.Store.UnitOpinion(c.Request.Context(), unitOf(c), c.Param("id"))
	if err != nil {
		a.s.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, o)
}

// UnitAccept is POST /api/v1/unit/opinions/{id}/accept (签收).
func (a *API) UnitAccept(c *gin.Context) { a.unitAct(c, UnitStep{Action: "accept"}) }

// UnitReturn is POST /api/v1/unit/opinions/{id}/return (退回) with a reason.
func (a *API) UnitReturn(c *gin.Context) {
	var req struct {
		Reason string `json:"reason" label:"退回理由,reason" binding:"required,max=2000"`
	}
	if err := forms.Decode(c, "退回", &req); err != nil {
		a.s.Fail(c, err)
		return
	}
	if strings.TrimSpace(req.Reason) == "" {
		a.s.Fail(c, models.Invalid("退回", map[string]string{"reason": models.MsgRequired}))
		return
	}
	a.unitAct(c, UnitStep{Action: "return", Reason: strings.TrimSpace(req.Reason)})
}

// UnitReply is POST /api/v1/unit/opinions/{id}/reply (答复) with a grade.
func (a *API) UnitReply(c *gin.Context) {
	var req struct {
		Grade    string `json:"grade" label:"答复类别,grade" binding:"required,oneof=A B C D"`
		Content  string `json:"content" label:"答复内容,content" binding:"required,max=10000"`
		FollowUp string `json:"follow_up" label:"跟踪日期,follow-up date" binding:"omitempty,max=10"`
	}
	if err := forms.Decode(c, "答复", &req); err != nil {
		a.s.Fail(c, err)
		return
	}
	if strings.TrimSpace(req.Content) == "" {
		a.s.Fail(c, models.Invalid("答复", map[string]string{"content": models.MsgRequired}))
		return
	}
	a.unitAct(c, UnitStep{Action: "reply", Grade: req.Grade, Content: strings.TrimSpace(req.Content), FollowUp: req.FollowUp})
}

// UnitView is POST /api/v1/unit/opinions/{id}/views: an assisting unit's
// view (协办意见) for the lead unit.
func (a *API) UnitView(c *gin.Context) {
	var req struct {
		Content string `json:"content" label:"协办意见,content" binding:"required,max=10000"`
	}
	if err := forms.Decode(c, "协办意见", &req); err != nil {
		a.s.Fail(c, err)
		return
	}
	if strings.TrimSpace(req.Content) == "" {
		a.s.Fail(c, models.Invalid("协办意见", map[string]string{"content": models.MsgRequired}))
		return
	}
	a.unitAct(c, UnitStep{Action: "view", Content: strings.TrimSpace(req.Content)})
}

func (a *API) unitAct(c *gin.Context, s UnitStep) {
	o, err := a.h.UnitAct(c.Request.Context(), unitOf(c), c.Param("id"), s)
	if err != nil {
		a.s.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, o)
}

// UnitStatistics is GET /api/v1/committee/stats/units.
func (a *API) UnitStatistics(c *gin.Context) {
	st, err := a.h.Store.UnitStatistics(c.Request.Context())
	if err != nil {
		a.s.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": st})
}

// GetOpinion is GET /api/v1/committee/opinions/{id}: one opinion with its
// replies, views and history.
func (a *API) GetOpinion(c *gin.Context) {
	o, err := a.h.Opinion(c.Request.Context(), c.Param("id"))
	if err != nil {
		a.s.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, o)
}

// MergeOpinion is POST /api/v1/committee/opinions/{id}/merge (并案).
func (a *API) MergeOpinion(c *gin.Context) {
	var req struct {
		Into string `json:"into" label:"并入的意见,into" binding:"required,max=64"`
	}
	if err := forms.Decode(c, "并案", &req); err != nil {
		a.s.Fail(c, err)
		return
	}
	o, err := a.h.MergeOpinion(c.Request.Context(), c.Param("id"), req.Into)
	if err != nil {
		a.s.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, o)
}

// SimilarOpinions is GET /api/v1/committee/opinions/{id}/similar: likely
// duplicates to merge.
func (a *API) SimilarOpinions(c *gin.Context) {
	items, err := a.h.SimilarOpinions(c.Request.Context(), c.Param("id"))
	if err != nil {
		a.s.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

// TopicStatistics is GET /api/v1/committee/stats/topics.
func (a *API) TopicStatistics(c *gin.Context) {
	st, err := a.h.TopicStatistics(c.Request.Context())
	if err != nil {
		a.s.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": st})
}
