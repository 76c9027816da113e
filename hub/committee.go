package hub

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"budgetpoint/db"
	"budgetpoint/forms"
	"budgetpoint/handlers"
	"budgetpoint/models"
)

// PointStatus is one point as GET /api/v1/committee/points shows it.
type PointStatus struct {
	ID              string     `json:"id"`
	Name            string     `json:"name"`
	LastBatchAt     *time.Time `json:"last_batch_at"`
	LastBatchID     string     `json:"last_batch_id,omitempty"`
	LastBatchAgeSec *int64     `json:"last_batch_age_seconds"`
	Totals          Totals     `json:"totals"`
}

// Totals counts what the hub holds from one point.
type Totals struct {
	Topics     int64 `json:"topics"`
	Responses  int64 `json:"responses"`
	Activities int64 `json:"activities"`
	Opinions   int64 `json:"opinions"`
}

// PointStatuses returns each configured point with its last batch and totals.
func (h *Hub) PointStatuses(ctx context.Context) ([]PointStatus, error) {
	r := h.DB.R()
	now := h.DB.Now()
	out := make([]PointStatus, 0, len(h.Points))
	for _, p := range h.Points {
		ps := PointStatus{ID: p.ID, Name: p.Name}
		var bid, at string
		err := r.QueryRowContext(ctx, `SELECT batch_id, received_at FROM hub_batches WHERE point_id=? ORDER BY received_at DESC LIMIT 1`, p.ID).Scan(&bid, &at)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return nil, err
		default:
			t := parseTS(at)
			age := int64(now.Sub(t) / time.Second)
			ps.LastBatchAt, ps.LastBatchID, ps.LastBatchAgeSec = &t, bid, &age
		}
		rows, err := r.QueryContext(ctx, `SELECT body FROM hub_summaries WHERE point_id=?`, p.ID)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var body string
			var s struct {
				Responses models.ResponseCounts `json:"responses"`
			}
			if err := rows.Scan(&body); err != nil {
				rows.Close()
				return nil, err
			}
			if json.Unmarshal([]byte(body), &s) == nil {
				ps.Totals.Responses += s.Responses.Total
			}
			ps.Totals.Topics++
		}
		rows.Close()
		if err := r.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM hub_activities WHERE point_id=?), (SELECT count(*) FROM hub_opinions WHERE point_id=?)`,
			p.ID, p.ID).Scan(&ps.Totals.Activities, &ps.Totals.Opinions); err != nil {
			return nil, err
		}
		out = append(out, ps)
	}
	return out, nil
}

func (h *Hub) listPoints(c *gin.Context) {
	ps, err := h.PointStatuses(c.Request.Context())
	if err != nil {
		h.S.Fail(c, err)
		return
	}
	page, err := handlers.ListPage(c, ps, func(p PointStatus) string { return p.ID })
	if err != nil {
		h.S.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, page)
}

// TopicInfo is a topic in the committee's list: the committee's own topics,
// and topics that points created locally and report (known only by id).
type TopicInfo struct {
	models.Topic
	Points []string `json:"points"`
}

func (h *Hub) listTopics(c *gin.Context) {
	ctx := c.Request.Context()
	r := h.DB.R()
	reporting := map[string][]string{}
	rows, err := r.QueryContext(ctx, `SELECT topic_id, point_id FROM hub_summaries ORDER BY topic_id, point_id`)
	if err != nil {
		h.S.Fail(c, err)
		return
	}
	var order []string
	for rows.Next() {
		var t, p string
		if err := rows.Scan(&t, &p); err != nil {
			rows.Close()
			h.S.Fail(c, err)
			return
		}
		if _, ok := reporting[t]; !ok {
			order = append(order, t)
		}
		reporting[t] = append(reporting[t], p)
	}
	rows.Close()
	items := []TopicInfo{}
	known := map[string]bool{}
	after := ""
	for {
		page, err := h.DB.Topics(ctx, 500, after)
		if err != nil {
			h.S.Fail(c, err)
			return
		}
		for _, t := range page.Items {
			known[t.ID] = true
			items = append(items, TopicInfo{Topic: t, Points: nonNil(reporting[t.ID])})
		}
		if page.Next == nil {
			break
		}
		after = *page.Next
	}
	for _, id := range order {
		if !known[id] {
			items = append(items, TopicInfo{Topic: models.Topic{ID: id, Origin: models.OriginLocal}, Points: reporting[id]})
		}
	}
	page, err := handlers.ListPage(c, items, func(t TopicInfo) string { return t.ID })
	if err != nil {
		h.S.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, page)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (h *Hub) topicSummary(c *gin.Context) {
	s, _, err := h.TopicSummary(c.Request.Context(), c.Param("id"))
	if err != nil {
		h.S.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, s)
}

// checkTargets checks a publication's point list; empty means every point.
func (h *Hub) checkTargets(what string, points []string) ([]string, error) {
	f := map[string]string{}
	seen := map[string]bool{}
	var out []string
	for i, p := range points {
		if _, ok := h.point(p); !ok {
			f[fmt.Sprintf("points[%d]", i)] = "没有这个联系点 / no such point"
		} else if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	if len(f) > 0 {
		return nil, models.Invalid(what, f)
	}
	return out, nil
}

// queue adds a change for each target point (or, with none, for every point).
func queue(tx *sql.Tx, targets []string, kind, ref string, version int, now time.Time) error {
	if len(targets) == 0 {
		_, err := tx.Exec(`INSERT INTO hub_changes(point_id, kind, ref_id, version, created_at) VALUES(NULL,?,?,?,?)`, kind, ref, version, ts(now))
		return err
	}
	for _, p := range targets {
		if _, err := tx.Exec(`INSERT INTO hub_changes(point_id, kind, ref_id, version, created_at) VALUES(?,?,?,?,?)`, p, kind, ref, version, ts(now)); err != nil {
			return err
		}
	}
	return nil
}

// PublishTopic stores a topic as the committee's and queues it for the given
// points (none: every point). created is false when it replaced an earlier copy.
func (h *Hub) PublishTopic(ctx context.Context, t models.Topic, points []string) (created bool, targets []string, err error) {
	targets, err = h.checkTargets("事项", points)
	if err != nil {
		return false, nil, err
	}
	err = h.DB.Write(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRow(`SELECT count(*) FROM topics WHERE id=?`, t.ID).Scan(&n); err != nil {
			return err
		}
		created = n == 0
		if err := h.DB.UpsertCommitteeTopic(tx, t); err != nil {
			return err
		}
		return queue(tx, targets, "topic", t.ID, 0, h.DB.Now())
	})
	return created, targets, err
}

// topicPublication is POST /api/v1/committee/topics.
type topicPublication struct {
	forms.TopicRequest
	Points []string `json:"points" label:"联系点,points"`
}

func (h *Hub) publishTopic(c *gin.Context) {
	var req topicPublication
	if err := forms.Decode(c, "事项", &req); err != nil {
		h.S.Fail(c, err)
		return
	}
	t, err := req.Topic()
	if err != nil {
		h.S.Fail(c, err)
		return
	}
	created, targets, err := h.PublishTopic(c.Request.Context(), t, req.Points)
	if err != nil {
		h.S.Fail(c, err)
		return
	}
	out, err := h.DB.Topic(c.Request.Context(), t.ID)
	if err != nil {
		h.S.Fail(c, err)
		return
	}
	st := http.StatusOK
	if created {
		st = http.StatusCreated
	}
	c.JSON(st, gin.H{"topic": out, "points": h.targetIDs(targets)})
}

// targetIDs lists the points a publication goes to.
func (h *Hub) targetIDs(targets []string) []string {
	if len(targets) > 0 {
		return targets
	}
	ids := make([]string, 0, len(h.Points))
	for _, p := range h.Points {
		ids = append(ids, p.ID)
	}
	return ids
}

// questionnairePublication is POST /api/v1/committee/questionnaires.
type questionnairePublication struct {
	models.Definition
	Points []string `json:"points"`
}

func hashDef(d models.Definition) string {
	b, _ := json.Marshal(d)
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// publishQuestionnaire publishes a questionnaire version (a changed
// definition under an existing id is the next version; the same one again
// changes nothing but still goes to the points named). Its topic goes along.
func (h *Hub) publishQuestionnaire(c *gin.Context) {
	var req questionnairePublication
	if err := forms.DecodeOnly(c.Request.Body, &req); err != nil {
		h.S.Fail(c, err)
		return
	}
	d := req.Definition
	d.Normalize()
	if err := d.Validate(); err != nil {
		h.S.Fail(c, err)
		return
	}
	targets, err := h.checkTargets("问卷", req.Points)
	if err != nil {
		h.S.Fail(c, err)
		return
	}
	hash := hashDef(d)
	created := false
	now := h.DB.Now()
	err = h.DB.Write(c.Request.Context(), func(tx *sql.Tx) error {
		created = false
		var n int
		if err := tx.QueryRow(`SELECT count(*) FROM topics WHERE id=?`, d.TopicID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return models.Invalid("问卷", map[string]string{"topic_id": "没有这个征求意见事项，请先发布事项 / no such topic: publish the topic first"})
		}
		var latest int
		var topic string
		err := tx.QueryRow(`SELECT latest_version, topic_id FROM questionnaires WHERE id=?`, d.ID).Scan(&latest, &topic)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if _, err := tx.Exec(`INSERT INTO questionnaires(id, topic_id, latest_version, origin, created_at) VALUES(?,?,0,'committee',?)`, d.ID, d.TopicID, ts(now)); err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			if topic != d.TopicID {
				return models.Invalid("问卷", map[string]string{"topic_id": "已发布的问卷不能改到其他事项 / a published questionnaire cannot move to another topic"})
			}
			var oldDef, oldHash string
			if err := tx.QueryRow(`SELECT definition, hash FROM questionnaire_versions WHERE questionnaire_id=? AND version=?`, d.ID, latest).Scan(&oldDef, &oldHash); err != nil {
				return err
			}
			if oldHash != hash {
				// Against every earlier version, as a point's own save checks.
				if err := db.CompatibleWithStored(tx, &d); err != nil {
					return err
				}
			}
			if oldHash == hash {
				return h.queuePublication(tx, targets, d, latest, now)
			}
		}
		b, _ := json.Marshal(d)
		if _, err := tx.Exec(`INSERT INTO questionnaire_versions(questionnaire_id, version, definition, hash, created_at) VALUES(?,?,?,?,?)`,
			d.ID, latest+1, string(b), hash, ts(now)); err != nil {
			return err
		}
		if _, err := tx.Exec(`UPDATE questionnaires SET latest_version=? WHERE id=?`, latest+1, d.ID); err != nil {
			return err
		}
		created = true
		return h.queuePublication(tx, targets, d, latest+1, now)
	})
	if err != nil {
		h.S.Fail(c, err)
		return
	}
	q, err := h.DB.Questionnaire(c.Request.Context(), d.ID, 0)
	if err != nil {
		h.S.Fail(c, err)
		return
	}
	st := http.StatusOK
	if created {
		st = http.StatusCreated
	}
	c.JSON(st, gin.H{"questionnaire": q, "points": h.targetIDs(targets)})
}

// queuePublication sends a questionnaire version, and its topic before it, to the targets.
func (h *Hub) queuePublication(tx *sql.Tx, targets []string, d models.Definition, version int, now time.Time) error {
	if err := queue(tx, targets, "topic", d.TopicID, 0, now); err != nil {
		return err
	}
	return queue(tx, targets, "questionnaire", d.ID, version, now)
}

const opinionCols = `id, point_id, topic_id, source, activity_id, response_id, question_key, content, proposer, status, answer, evaluation, recorded_at, updated_at`

func scanOpinion(sc interface{ Scan(...any) error }) (models.Opinion, error) {
	var o models.Opinion
	var prop, rec, upd string
	err := sc.Scan(&o.ID, &o.PointID, &o.TopicID, &o.Source, &o.ActivityID, &o.ResponseID, &o.QuestionKey, &o.Content, &prop,
		&o.Status, &o.Answer, &o.Evaluation, &rec, &upd)
	if err != nil {
		return o, err
	}
	json.Unmarshal([]byte(prop), &o.Proposer)
	o.RecordedAt, o.UpdatedAt = parseTS(rec), parseTS(upd)
	return o, nil
}

// Opinion returns one opinion held at the hub.
func (h *Hub) Opinion(ctx context.Context, id string) (models.Opinion, error) {
	o, err := scanOpinion(h.DB.R().QueryRowContext(ctx, `SELECT `+opinionCols+` FROM hub_opinions WHERE id=?`, id))
	return o, opinionNotFound(err)
}

// Opinions lists opinions of all points in the order they arrived.
func (h *Hub) Opinions(ctx context.Context, f models.OpinionFilter) (models.Page[models.Opinion], error) {
	p := models.Page[models.Opinion]{Items: []models.Opinion{}}
	after, err := db.DecodeRowCursor(f.After)
	if err != nil {
		return p, err
	}
	q := `SELECT hrow, ` + opinionCols + ` FROM hub_opinions WHERE hrow > ?`
	args := []any{after}
	for col, v := range map[string]string{"topic_id": f.Topic, "point_id": f.Point, "status": f.Status, "source": f.Source} {
		if v != "" {
			q += " AND " + col + " = ?"
			args = append(args, v)
		}
	}
	q += " ORDER BY hrow LIMIT ?"
	args = append(args, f.Limit+1)
	rows, err := h.DB.R().QueryContext(ctx, q, args...)
	if err != nil {
		return p, err
	}
	defer rows.Close()
	var last int64
	for rows.Next() {
		if len(p.Items) == f.Limit {
			p.Next = db.EncodeCursor(strconv.FormatInt(last, 10))
			break
		}
		var hrow int64
		var o models.Opinion
		var prop, rec, upd string
		if err := rows.Scan(&hrow, &o.ID, &o.PointID, &o.TopicID, &o.Source, &o.ActivityID, &o.ResponseID, &o.QuestionKey, &o.Content, &prop,
			&o.Status, &o.Answer, &o.Evaluation, &rec, &upd); err != nil {
			return p, err
		}
		json.Unmarshal([]byte(prop), &o.Proposer)
		o.RecordedAt, o.UpdatedAt = parseTS(rec), parseTS(upd)
		p.Items = append(p.Items, o)
		last = hrow
	}
	return p, rows.Err()
}

func (h *Hub) listOpinions(c *gin.Context) {
	limit, _, err := handlers.PageParams(c)
	if err != nil {
		h.S.Fail(c, err)
		return
	}
	f := models.OpinionFilter{Topic: c.Query("topic"), Point: c.Query("point"), Status: c.Query("status"), Source: c.Query("source"),
		Limit: limit, After: c.Query("after")}
	bad := map[string]string{}
	if f.Status != "" && !models.In(f.Status, models.OpinionStatuses) {
		bad["status"] = "应为 " + strings.Join(models.OpinionStatuses, "、") + " 之一 / must be one of " + strings.Join(models.OpinionStatuses, ", ")
	}
	if f.Source != "" && !models.In(f.Source, models.OpinionSources) {
		bad["source"] = "应为 " + strings.Join(models.OpinionSources, "、") + " 之一 / must be one of " + strings.Join(models.OpinionSources, ", ")
	}
	if len(bad) > 0 {
		h.S.Fail(c, &models.Error{Code: models.EBadRequest, Message: "筛选条件无效 / invalid filter", Fields: bad})
		return
	}
	p, err := h.Opinions(c.Request.Context(), f)
	if err != nil {
		h.S.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}

// OpinionPatch is PATCH /api/v1/committee/opinions/{id}.
type OpinionPatch struct {
	Status     string `json:"status" label:"状态,status" binding:"required,oneof=recorded reported forwarded answered closed"`
	Answer     string `json:"answer" label:"答复,answer" binding:"max=10000"`
	Evaluation string `json:"evaluation" label:"评价,evaluation" binding:"omitempty,oneof=satisfied basic unsatisfied"`
}

// MoveOpinion moves an opinion along the closed loop and queues the change
// for its point. An answered opinion may have its answer corrected (status
// answered again). validation_failed for an impossible transition, a
// missing answer or a missing evaluation.
func (h *Hub) MoveOpinion(ctx context.Context, id string, p OpinionPatch) (models.Opinion, error) {
	p.Answer = strings.TrimSpace(p.Answer)
	now := h.DB.Now()
	err := h.DB.Write(ctx, func(tx *sql.Tx) error {
		var from, point, answer string
		if err := tx.QueryRow(`SELECT status, point_id, answer FROM hub_opinions WHERE id=?`, id).Scan(&from, &point, &answer); err != nil {
			return opinionNotFound(err)
		}
		f := map[string]string{}
		correction := from == "answered" && p.Status == "answered"
		if !correction && !models.ValidTransition(from, p.Status) {
			f["status"] = fmt.Sprintf("不能从“%s”改为“%s” / cannot go from %s to %s", StatusLabel(from), StatusLabel(p.Status), from, p.Status)
		}
		if p.Answer != "" {
			answer = p.Answer
		}
		if p.Status == "answered" && p.Answer == "" {
			f["answer"] = "答复时须填写答复内容 / an answer is required"
		}
		if p.Status == "closed" && !models.In(p.Evaluation, models.Evaluations) {
			f["evaluation"] = "办结时须填写评价：satisfied、basic 或 unsatisfied / closing needs the evaluation: satisfied, basic or unsatisfied"
		}
		if p.Status != "closed" && p.Evaluation != "" {
			f["evaluation"] = "只有办结时才填写评价 / an evaluation is given only on closing"
		}
		if len(f) > 0 {
			return models.Invalid("意见", f)
		}
		if _, err := tx.Exec(`UPDATE hub_opinions SET status=?, answer=?, evaluation=?, updated_at=? WHERE id=?`,
			p.Status, answer, p.Evaluation, ts(now), id); err != nil {
			return err
		}
		return queue(tx, []string{point}, "opinion", id, 0, now)
	})
	if err != nil {
		return models.Opinion{}, err
	}
	return h.Opinion(ctx, id)
}

func (h *Hub) patchOpinion(c *gin.Context) {
	var req OpinionPatch
	if err := forms.Decode(c, "意见", &req); err != nil {
		h.S.Fail(c, err)
		return
	}
	o, err := h.MoveOpinion(c.Request.Context(), c.Param("id"), req)
	if err != nil {
		h.S.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, o)
}
