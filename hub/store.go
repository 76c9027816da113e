package hub

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"time"

	"budgetpoint/models"
	"budgetpoint/syncproto"
)

// MaxChanges bounds how many changes one answer to a pull covers.
const MaxChanges = 1000

// Ingest stores one authenticated batch from pointID in one durable
// transaction and reports whether its batch_id had been seen already (then
// nothing changes). A summary replaces the stored one of its point and topic
// only with a higher seq; activities and opinions are upserted by id; an
// opinion's status never goes back, and its answer and evaluation belong to
// the committee.
func (h *Hub) Ingest(ctx context.Context, pointID string, b *syncproto.Batch) (dup bool, err error) {
	now := h.DB.Now()
	type row struct {
		id, topic string
		seq       int64
		body      []byte
	}
	sums := make([]row, 0, len(b.Summaries))
	for i := range b.Summaries {
		s := b.Summaries[i]
		s.PointID = pointID
		s.ByPoint = nil
		body, err := json.Marshal(s)
		if err != nil {
			return false, err
		}
		sums = append(sums, row{topic: s.TopicID, seq: s.Seq, body: body})
	}
	acts := make([]row, 0, len(b.Activities))
	for i := range b.Activities {
		a := b.Activities[i]
		a.PointID = pointID
		body, err := json.Marshal(a)
		if err != nil {
			return false, err
		}
		acts = append(acts, row{id: a.ID, topic: a.TopicID, body: body})
	}
	purge := h.purgeDue(now)
	nowS := ts(now)
	err = h.DB.Write(ctx, func(tx *sql.Tx) error {
		dup = false
		res, err := tx.Exec(`INSERT INTO hub_batches(batch_id, point_id, received_at, summaries, activities, opinions)
			VALUES(?,?,?,?,?,?) ON CONFLICT(point_id, batch_id) DO NOTHING`,
			b.BatchID, pointID, nowS, len(b.Summaries), len(b.Activities), len(b.Opinions))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			dup = true
			return nil
		}
		if len(sums) > 0 {
			st, err := tx.Prepare(`INSERT INTO hub_summaries(point_id, topic_id, seq, body, received_at) VALUES(?,?,?,?,?)
				ON CONFLICT(point_id, topic_id) DO UPDATE SET seq=excluded.seq, body=excluded.body, received_at=excluded.received_at
				WHERE excluded.seq > hub_summaries.seq`)
			if err != nil {
				return err
			}
			defer st.Close()
			for _, s := range sums {
				if _, err := st.Exec(pointID, s.topic, s.seq, s.body, nowS); err != nil {
					return err
				}
			}
		}
		if len(acts) > 0 {
			st, err := tx.Prepare(`INSERT INTO hub_activities(id, point_id, topic_id, kind, body, received_at, updated_at) VALUES(?,?,?,?,?,?,?)
				ON CONFLICT(id) DO UPDATE SET topic_id=excluded.topic_id, kind=excluded.kind, body=excluded.body, updated_at=excluded.updated_at
				WHERE hub_activities.point_id = excluded.point_id`)
			if err != nil {
				return err
			}
			defer st.Close()
			for i, a := range acts {
				res, err := st.Exec(a.id, pointID, a.topic, b.Activities[i].Kind, a.body, nowS, nowS)
				if err != nil {
					return err
				}
				if n, _ := res.RowsAffected(); n == 0 {
					h.Log.Warn("activity id belongs to another point: ignored", "point", pointID, "activity", a.id)
				}
			}
		}
		if len(b.Opinions) > 0 {
			// A point only ever sets recorded or reported; later states are the
			// committee's and a re-delivery never moves them back.
			st, err := tx.Prepare(`INSERT INTO hub_opinions(id, point_id, topic_id, source, activity_id, response_id, question_key,
				content, proposer, status, recorded_at, received_at, updated_at) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)
				ON CONFLICT(id) DO UPDATE SET topic_id=excluded.topic_id, source=excluded.source, activity_id=excluded.activity_id,
				response_id=excluded.response_id, question_key=excluded.question_key, content=excluded.content, proposer=excluded.proposer,
				recorded_at=excluded.recorded_at,
				status = CASE WHEN hub_opinions.status='recorded' AND excluded.status='reported' THEN 'reported' ELSE hub_opinions.status END,
				updated_at = CASE WHEN hub_opinions.content IS NOT excluded.content OR hub_opinions.proposer IS NOT excluded.proposer
				  OR (hub_opinions.status='recorded' AND excluded.status='reported') THEN excluded.updated_at ELSE hub_opinions.updated_at END
				WHERE hub_opinions.point_id = excluded.point_id`)
			if err != nil {
				return err
			}
			defer st.Close()
			for i := range b.Opinions {
				o := &b.Opinions[i]
				status := o.Status
				if status != "recorded" {
					status = "reported" // it reached the committee
				}
				prop, _ := json.Marshal(o.Proposer)
				rec := o.RecordedAt
				if rec.IsZero() {
					rec = now
				}
				res, err := st.Exec(o.ID, pointID, o.TopicID, o.Source, o.ActivityID, o.ResponseID, o.QuestionKey,
					o.Content, string(prop), status, ts(rec), nowS, nowS)
				if err != nil {
					return err
				}
				if n, _ := res.RowsAffected(); n == 0 {
					h.Log.Warn("opinion id belongs to another point: ignored", "point", pointID, "opinion", o.ID)
				}
			}
		}
		if purge {
			// Forget old batch ids, but keep each point's latest batch for /points.
			if _, err := tx.Exec(`DELETE FROM hub_batches WHERE received_at < ? AND batch_id NOT IN
				(SELECT batch_id FROM (SELECT batch_id, max(received_at) FROM hub_batches GROUP BY point_id))`, ts(now.Add(-BatchMemory))); err != nil {
				return err
			}
		}
		return nil
	})
	return dup, err
}

// purgeDue reports whether forgetting old batch ids is due (once an hour).
func (h *Hub) purgeDue(now time.Time) bool {
	h.purgeMu.Lock()
	defer h.purgeMu.Unlock()
	if now.Sub(h.lastPurge) < time.Hour {
		return false
	}
	h.lastPurge = now
	return true
}

// Updates returns what changed for pointID after the cursor since, at most
// max changes (then More is set).
func (h *Hub) Updates(ctx context.Context, pointID string, since int64, max int) (syncproto.Updates, error) {
	u := syncproto.Updates{Topics: []models.Topic{}, Questionnaires: []models.Questionnaire{}, OpinionUpdates: []syncproto.OpinionUpdate{}}
	r := h.DB.R()
	// A cursor from before the hub's database was replaced starts over.
	var top int64
	if err := r.QueryRowContext(ctx, `SELECT coalesce(max(seq),0) FROM hub_changes`).Scan(&top); err != nil {
		return u, err
	}
	if since > top {
		since = 0
	}
	rows, err := r.QueryContext(ctx, `SELECT seq, kind, ref_id FROM hub_changes
		WHERE seq > ? AND (point_id = ? OR point_id IS NULL) ORDER BY seq LIMIT ?`, since, pointID, max+1)
	if err != nil {
		return u, err
	}
	type change struct{ kind, ref string }
	var changes []change
	next := since
	for rows.Next() {
		var seq int64
		var ch change
		if err := rows.Scan(&seq, &ch.kind, &ch.ref); err != nil {
			rows.Close()
			return u, err
		}
		if len(changes) == max {
			u.More = true
			break
		}
		changes = append(changes, ch)
		next = seq
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return u, err
	}
	if !u.More {
		// Nothing more for this point: skip past other points' changes too.
		next = max64(next, top)
	}
	u.Next = strconv.FormatInt(next, 10)
	seen := map[change]bool{}
	for _, ch := range changes {
		if seen[ch] {
			continue
		}
		seen[ch] = true
		switch ch.kind {
		case "topic":
			t, err := h.DB.Topic(ctx, ch.ref)
			if err != nil {
				return u, err
			}
			u.Topics = append(u.Topics, t)
		case "questionnaire":
			qs, err := h.questionnaireVersions(ctx, ch.ref)
			if err != nil {
				return u, err
			}
			u.Questionnaires = append(u.Questionnaires, qs...)
		case "opinion":
			o, err := h.Opinion(ctx, ch.ref)
			if err != nil {
				return u, err
			}
			u.OpinionUpdates = append(u.OpinionUpdates, syncproto.OpinionUpdate{ID: o.ID, Status: o.Status,
				Answer: o.Answer, Evaluation: o.Evaluation, UpdatedAt: o.UpdatedAt})
		}
	}
	return u, nil
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// questionnaireVersions returns every published version of a questionnaire, oldest first.
func (h *Hub) questionnaireVersions(ctx context.Context, id string) ([]models.Questionnaire, error) {
	var latest int
	if err := h.DB.R().QueryRowContext(ctx, `SELECT latest_version FROM questionnaires WHERE id=?`, id).Scan(&latest); err != nil {
		return nil, err
	}
	out := make([]models.Questionnaire, 0, latest)
	for v := 1; v <= latest; v++ {
		q, err := h.DB.Questionnaire(ctx, id, v)
		if err != nil {
			return nil, err
		}
		q.Origin = models.OriginCommittee
		q.Public, q.PublicURL = false, ""
		out = append(out, q)
	}
	return out, nil
}

// definitions returns the topic's questionnaire shapes for BuildSummary: the
// committee's own questionnaires (every version, newest first), then any
// that only the points' summaries know.
func (h *Hub) definitions(ctx context.Context, topicID string, ss []models.Summary) ([][]*models.Definition, error) {
	rows, err := h.DB.R().QueryContext(ctx, `SELECT id, latest_version FROM questionnaires WHERE topic_id=? ORDER BY created_at, id`, topicID)
	if err != nil {
		return nil, err
	}
	type qv struct {
		id     string
		latest int
	}
	var qs []qv
	for rows.Next() {
		var q qv
		if err := rows.Scan(&q.id, &q.latest); err != nil {
			rows.Close()
			return nil, err
		}
		qs = append(qs, q)
	}
	rows.Close()
	var out [][]*models.Definition
	have := map[string]bool{}
	for _, q := range qs {
		var vs []*models.Definition
		for v := q.latest; v >= 1; v-- {
			d, _, err := h.DB.Definition(ctx, q.id, v)
			if err != nil {
				return nil, err
			}
			vs = append(vs, d)
		}
		out = append(out, vs)
		have[q.id] = true
	}
	for _, vs := range models.DefinitionsFromSummaries(ss) {
		if len(vs) > 0 && !have[vs[0].ID] {
			out = append(out, vs)
		}
	}
	return out, nil
}

// PointSummaries returns each point's newest summary of a topic, in the
// order of the points file (points no longer listed come last).
func (h *Hub) PointSummaries(ctx context.Context, topicID string) ([]models.Summary, error) {
	rows, err := h.DB.R().QueryContext(ctx, `SELECT point_id, body FROM hub_summaries WHERE topic_id=?`, topicID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []models.Summary
	for rows.Next() {
		var pid, body string
		if err := rows.Scan(&pid, &body); err != nil {
			return nil, err
		}
		var s models.Summary
		if err := json.Unmarshal([]byte(body), &s); err != nil {
			return nil, err
		}
		s.PointID = pid
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	order := map[string]int{}
	for i, p := range h.Points {
		order[p.ID] = i
	}
	rank := func(id string) int {
		if i, ok := order[id]; ok {
			return i
		}
		return len(order)
	}
	sort.SliceStable(out, func(i, j int) bool {
		ri, rj := rank(out[i].PointID), rank(out[j].PointID)
		if ri != rj {
			return ri < rj
		}
		return out[i].PointID < out[j].PointID
	})
	return out, nil
}

// TopicSummary sums a topic's newest summaries of every point exactly: each
// becomes counters again, they are merged (sums add, min and max keep the
// extreme) and rendered once, so means come from summed sums and counts.
// by_point holds each point's own summary rendered against the same
// definitions. not_found when neither the committee nor any point knows it.
func (h *Hub) TopicSummary(ctx context.Context, topicID string) (models.Summary, [][]*models.Definition, error) {
	ss, err := h.PointSummaries(ctx, topicID)
	if err != nil {
		return models.Summary{}, nil, err
	}
	if len(ss) == 0 {
		if _, err := h.DB.Topic(ctx, topicID); err != nil {
			return models.Summary{}, nil, err
		}
	}
	defs, err := h.definitions(ctx, topicID, ss)
	if err != nil {
		return models.Summary{}, nil, err
	}
	total := models.Counters{}
	var seq int64
	var asOf time.Time
	byPoint := make([]models.Summary, 0, len(ss))
	for i := range ss {
		c := ss[i].Counters()
		total.Merge(c)
		seq += ss[i].Seq
		if ss[i].AsOf.After(asOf) {
			asOf = ss[i].AsOf
		}
		byPoint = append(byPoint, models.BuildSummary(topicID, ss[i].PointID, ss[i].Seq, ss[i].AsOf, c, defs))
	}
	if asOf.IsZero() {
		asOf = h.DB.Now()
	}
	out := models.BuildSummary(topicID, AllPoints, seq, asOf, total, defs)
	out.ByPoint = byPoint
	return out, defs, nil
}

// AllPoints is the point_id of a summary across all points.
const AllPoints = "all"

// opinionNotFound maps sql.ErrNoRows to not_found for an opinion.
func opinionNotFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return models.NotFound("意见", "opinion")
	}
	return err
}
