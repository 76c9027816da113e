package hub

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"budgetpoint/db"
	"budgetpoint/handlers"
	"budgetpoint/models"
)

// HubActivity is an activity as GET /api/v1/committee/activities lists it:
// the record the point pushed (with point_id), and how many opinions the
// hub holds from that activity. The points send an activity's opinions on
// their own (each with activity_id), so the record's opinions list stays
// empty; see GET /api/v1/committee/opinions for them.
type HubActivity struct {
	models.Activity
	OpinionCount int64 `json:"opinion_count"`
}

// ActivityFilter selects activities at the hub; empty fields do not filter.
type ActivityFilter struct {
	Topic, Point, Kind string
	Limit              int
	After              string
}

// Activities lists the activities of all points in the order they first
// arrived (a later correction from the point keeps its place), like Opinions.
func (h *Hub) Activities(ctx context.Context, f ActivityFilter) (models.Page[HubActivity], error) {
	p := models.Page[HubActivity]{Items: []HubActivity{}}
	after, err := db.DecodeRowCursor(f.After)
	if err != nil {
		return p, err
	}
	if f.Limit < 1 {
		f.Limit = 50
	}
	q := `SELECT hrow, point_id, body FROM hub_activities WHERE hrow > ?`
	args := []any{after}
	for _, cv := range [][2]string{{"topic_id", f.Topic}, {"point_id", f.Point}, {"kind", f.Kind}} {
		if cv[1] != "" {
			q += " AND " + cv[0] + " = ?"
			args = append(args, cv[1])
		}
	}
	q += " ORDER BY hrow LIMIT ?"
	args = append(args, f.Limit+1)
	rows, err := h.DB.R().QueryContext(ctx, q, args...)
	if err != nil {
		return p, err
	}
	var last int64
	for rows.Next() {
		if len(p.Items) == f.Limit {
			p.Next = db.EncodeCursor(strconv.FormatInt(last, 10))
			break
		}
		var hrow int64
		var pid, body string
		if err := rows.Scan(&hrow, &pid, &body); err != nil {
			rows.Close()
			return p, err
		}
		var act models.Activity
		if err := json.Unmarshal([]byte(body), &act); err != nil {
			rows.Close()
			return p, err
		}
		act.PointID = pid
		act.DeputyIDs = nil
		if act.Opinions == nil {
			act.Opinions = []models.Opinion{}
		}
		p.Items = append(p.Items, HubActivity{Activity: act})
		last = hrow
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return p, err
	}
	return p, h.countActivityOpinions(ctx, p.Items)
}

// countActivityOpinions sets each activity's opinion count in one query per
// page (an opinion counts for the activity of its own point only).
func (h *Hub) countActivityOpinions(ctx context.Context, items []HubActivity) error {
	if len(items) == 0 {
		return nil
	}
	idx := make(map[[2]string]int, len(items))
	args := make([]any, 0, len(items))
	for i, it := range items {
		idx[[2]string{it.PointID, it.ID}] = i
		args = append(args, it.ID)
	}
	q := `SELECT point_id, activity_id, count(*) FROM hub_opinions WHERE activity_id IN (?` +
		strings.Repeat(",?", len(items)-1) + `) GROUP BY point_id, activity_id`
	rows, err := h.DB.R().QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var pid, aid string
		var n int64
		if err := rows.Scan(&pid, &aid, &n); err != nil {
			return err
		}
		if i, ok := idx[[2]string{pid, aid}]; ok {
			items[i].OpinionCount = n
		}
	}
	return rows.Err()
}

// listActivities is GET /api/v1/committee/activities.
func (h *Hub) listActivities(c *gin.Context) {
	limit, _, err := handlers.PageParams(c)
	if err != nil {
		h.S.Fail(c, err)
		return
	}
	f := ActivityFilter{Topic: c.Query("topic"), Point: c.Query("point"), Kind: c.Query("kind"), Limit: limit, After: c.Query("after")}
	if f.Kind != "" && !models.In(f.Kind, models.ActivityKinds) {
		h.S.Fail(c, &models.Error{Code: models.EBadRequest, Message: "筛选条件无效 / invalid filter", Fields: map[string]string{
			"kind": "应为 " + strings.Join(models.ActivityKinds, "、") + " 之一 / must be one of " + strings.Join(models.ActivityKinds, ", ")}})
		return
	}
	p, err := h.Activities(c.Request.Context(), f)
	if err != nil {
		h.S.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}
