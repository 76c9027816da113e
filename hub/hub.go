// Package hub is the committee's side of budgetpoint: it receives signed
// batches from the contact points, keeps each point's newest summary per
// topic and all their activities and opinions, serves the committee API
// (cross-point summaries summed exactly, opinions along the closed loop,
// publishing topics and questionnaires, the xlsx export) and answers the
// points' pulls of what the committee published or changed for them.
//
// Store (store.go) owns the hub's tables and is the only place with SQL;
// Hub is the service that the committee API (api.go), the sync endpoints
// (sync.go) and the committee's pages (package web/committee) all call.
package hub

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"budgetpoint/internal/workdays"
	"budgetpoint/models"
	"budgetpoint/syncproto"
)

// BatchMemory is how long the hub remembers batch ids (far longer than
// syncproto.Window, so a captured batch replayed is always recognised).
const BatchMemory = 90 * 24 * time.Hour

// MaxChanges bounds how many changes one answer to a pull covers.
const MaxChanges = 1000

// AllPoints is the point_id of a summary across all points.
const AllPoints = "all"

// Hub is the committee's service over its store and the points file.
type Hub struct {
	Store *Store
	Log   *slog.Logger
	// Points are the points of the points file, in its order.
	Points []Point
	byID   map[string]*Point
	// Calendar counts the working days of due dates (nil: Monday to Friday).
	Calendar *workdays.Calendar
	// AcceptSignatureV1: take sync requests signed as before version 2
	// (over the path only), each use audited, while points are upgraded.
	AcceptSignatureV1 bool

	purgeMu   sync.Mutex
	lastPurge time.Time

	// When each point's contact was last written: at most every contactEvery.
	contactMu sync.Mutex
	contacted map[[2]string]time.Time
}

// contactEvery is how often a point's contact is written.
const contactEvery = 30 * time.Second

// NoteContact records a point's signed request (pull: a pull) unless one
// of the same kind was written in the last contactEvery. It is best effort:
// a disk that takes no write must not stop pulls, which only read, so a
// failure is logged, not answered.
func (h *Hub) NoteContact(ctx context.Context, pointID string, pull bool) {
	key := [2]string{pointID, strconv.FormatBool(pull)}
	now := time.Now()
	h.contactMu.Lock()
	if h.contacted == nil {
		h.contacted = map[[2]string]time.Time{}
	}
	if now.Sub(h.contacted[key]) < contactEvery {
		h.contactMu.Unlock()
		return
	}
	h.contacted[key] = now
	h.contactMu.Unlock()
	if err := h.Store.RecordContact(ctx, pointID, pull); err != nil {
		h.contactMu.Lock()
		delete(h.contacted, key) // tried again with the next request
		h.contactMu.Unlock()
		h.Log.Warn("contact of a point not recorded", "point", pointID, "err", err)
	}
}

// New makes the hub serving the given points over st.
func New(st *Store, points []Point, log *slog.Logger) *Hub {
	h := &Hub{Store: st, Log: log, Points: points, byID: map[string]*Point{}}
	for i := range points {
		h.byID[points[i].ID] = &points[i]
	}
	return h
}

// point returns a configured point by id.
func (h *Hub) point(id string) (*Point, bool) {
	p, ok := h.byID[id]
	return p, ok
}

// PointName is a point's name from the points file, or its id when it is
// not (or no longer) listed.
func (h *Hub) PointName(id string) string {
	if p, ok := h.point(id); ok {
		return p.Name
	}
	return id
}

// PointNameEN is a point's name on English pages: its name_en from the
// points file, else its name, else its id.
func (h *Hub) PointNameEN(id string) string {
	if p, ok := h.point(id); ok && p.NameEN != "" {
		return p.NameEN
	}
	return h.PointName(id)
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

// PointStatus is one point as GET /api/v1/committee/points shows it.
type PointStatus struct {
	ID              string     `json:"id"`
	Name            string     `json:"name"`
	LastBatchAt     *time.Time `json:"last_batch_at"`
	LastBatchID     string     `json:"last_batch_id,omitempty"`
	LastBatchAgeSec *int64     `json:"last_batch_age_seconds"`
	// LastContactAt: the last signed request (a batch or a pull); a point
	// is quiet only when this is old.
	LastContactAt     *time.Time `json:"last_contact_at"`
	LastPullAt        *time.Time `json:"last_pull_at"`
	LastContactAgeSec *int64     `json:"last_contact_age_seconds"`
	Totals            Totals     `json:"totals"`
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
	ids := make([]string, len(h.Points))
	for i, p := range h.Points {
		ids[i] = p.ID
	}
	recs, err := h.Store.PointRecords(ctx, ids)
	if err != nil {
		return nil, err
	}
	now := h.Store.Now()
	out := make([]PointStatus, 0, len(h.Points))
	for _, p := range h.Points {
		r := recs[p.ID]
		ps := PointStatus{ID: p.ID, Name: p.Name, LastBatchAt: r.LastBatchAt, LastBatchID: r.LastBatchID, Totals: r.Totals,
			LastContactAt: r.LastContactAt, LastPullAt: r.LastPullAt}
		if r.LastBatchAt != nil {
			age := int64(now.Sub(*r.LastBatchAt) / time.Second)
			ps.LastBatchAgeSec = &age
		}
		if r.LastContactAt != nil {
			age := int64(now.Sub(*r.LastContactAt) / time.Second)
			ps.LastContactAgeSec = &age
		}
		out = append(out, ps)
	}
	return out, nil
}

// TopicInfo is a topic in the committee's list: the committee's own topics,
// and topics that points created locally and report (known only by id).
type TopicInfo struct {
	models.Topic
	Points []string `json:"points"`
}

// Topics lists the committee's topics (by id), then the topics only points
// report, each with the points that report it.
func (h *Hub) Topics(ctx context.Context) ([]TopicInfo, error) {
	order, reporting, err := h.Store.ReportingPoints(ctx)
	if err != nil {
		return nil, err
	}
	ts, err := h.Store.Topics(ctx)
	if err != nil {
		return nil, err
	}
	items := make([]TopicInfo, 0, len(ts)+len(order))
	known := map[string]bool{}
	for _, t := range ts {
		known[t.ID] = true
		items = append(items, TopicInfo{Topic: t, Points: nonNil(reporting[t.ID])})
	}
	for _, id := range order {
		if !known[id] {
			t, err := h.Store.PointTopic(ctx, id)
			if models.ErrorCode(err) == models.ENotFound {
				t, err = models.Topic{ID: id, Origin: models.OriginLocal}, nil // from a point before version 2
			}
			if err != nil {
				return nil, err
			}
			items = append(items, TopicInfo{Topic: t, Points: reporting[id]})
		}
	}
	return items, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Topic returns a topic the committee published, or else one a point
// created itself and sent (Origin local).
func (h *Hub) Topic(ctx context.Context, id string) (models.Topic, error) {
	t, err := h.Store.Topic(ctx, id)
	if models.ErrorCode(err) == models.ENotFound {
		return h.Store.PointTopic(ctx, id)
	}
	return t, err
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

// TargetIDs lists the points a publication goes to (none named: every point).
func (h *Hub) TargetIDs(targets []string) []string {
	if len(targets) > 0 {
		return targets
	}
	ids := make([]string, 0, len(h.Points))
	for _, p := range h.Points {
		ids = append(ids, p.ID)
	}
	return ids
}

// PublishTopic stores a topic as the committee's and queues it for the given
// points (none: every point). created is false when it replaced an earlier
// copy; targets are the points it goes to.
func (h *Hub) PublishTopic(ctx context.Context, t models.Topic, points []string) (created bool, targets []string, err error) {
	targets, err = h.checkTargets("事项", points)
	if err != nil {
		return false, nil, err
	}
	// An id a point already uses for a topic of its own would join two
	// different things under one id, at the hub and at that point.
	if _, err := h.Store.Topic(ctx, t.ID); models.ErrorCode(err) == models.ENotFound {
		if pt, err := h.Store.PointTopic(ctx, t.ID); err == nil {
			return false, nil, &models.Error{Code: models.EConflict, Message: fmt.Sprintf("事项编号 %s 已被联系点用作自设事项“%s”，请换一个编号 / topic id %s is already a point's own topic (%s): choose another id", t.ID, pt.Title, t.ID, pt.Title),
				Fields: map[string]string{"id": "已被联系点使用 / already used by a point"}}
		} else if models.ErrorCode(err) != models.ENotFound {
			return false, nil, err
		}
	} else if err != nil {
		return false, nil, err
	}
	created, err = h.Store.PublishTopic(ctx, t, targets)
	return created, h.TargetIDs(targets), err
}

// PublishQuestionnaire publishes a questionnaire version to the given points
// (none: every point): a changed definition under an existing id is the next
// version; the same one again changes nothing but still goes to the points.
func (h *Hub) PublishQuestionnaire(ctx context.Context, d models.Definition, points []string) (q models.Questionnaire, created bool, targets []string, err error) {
	d.Normalize()
	if err := d.Validate(); err != nil {
		return q, false, nil, err
	}
	targets, err = h.checkTargets("问卷", points)
	if err != nil {
		return q, false, nil, err
	}
	q, created, err = h.Store.PublishQuestionnaire(ctx, d, targets)
	return q, created, h.TargetIDs(targets), err
}

// PointSummaries returns each point's newest summary of a topic, in the
// order of the points file (points no longer listed come last).
func (h *Hub) PointSummaries(ctx context.Context, topicID string) ([]models.Summary, error) {
	out, err := h.Store.PointSummaries(ctx, topicID)
	if err != nil {
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

// definitions returns the topic's questionnaire shapes for BuildSummary: the
// committee's own questionnaires (every version, newest first), then any
// that only the points' summaries know.
func (h *Hub) definitions(ctx context.Context, topicID string, ss []models.Summary) ([][]*models.Definition, error) {
	out, err := h.Store.TopicDefinitions(ctx, topicID)
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, vs := range out {
		have[vs[0].ID] = true
	}
	for _, vs := range models.DefinitionsFromSummaries(ss) {
		if len(vs) > 0 && !have[vs[0].ID] {
			out = append(out, vs)
		}
	}
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
		if _, err := h.Store.Topic(ctx, topicID); err != nil {
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
		asOf = h.Store.Now()
	}
	out := models.BuildSummary(topicID, AllPoints, seq, asOf, total, defs)
	out.ByPoint = byPoint
	return out, defs, nil
}

// Opinion returns one opinion held at the hub.
func (h *Hub) Opinion(ctx context.Context, id string) (models.Opinion, error) {
	return h.Store.Opinion(ctx, id)
}

// Opinions lists opinions of all points in the order they arrived; a bad
// status or source filter is a bad request naming it.
func (h *Hub) Opinions(ctx context.Context, f models.OpinionFilter) (models.Page[models.Opinion], error) {
	if err := models.CheckFilter(map[string]models.FilterValue{
		"status": {Value: f.Status, Allowed: models.OpinionStatuses},
		"source": {Value: f.Source, Allowed: models.OpinionSources}}); err != nil {
		return models.Page[models.Opinion]{}, err
	}
	if f.Limit < 1 {
		f.Limit = 50
	}
	return h.Store.Opinions(ctx, f)
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
	return h.Store.MoveOpinion(ctx, id, p, h.Calendar.Months(h.Store.Now(), DefaultDueMonths).Format(time.DateOnly))
}

// checkMove checks a move from status from (with the stored answer) and
// returns the answer to store.
func checkMove(from, answer string, p OpinionPatch) (string, error) {
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
		return "", models.Invalid("意见", f)
	}
	return answer, nil
}

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
// arrived; a bad kind filter is a bad request naming it.
func (h *Hub) Activities(ctx context.Context, f ActivityFilter) (models.Page[HubActivity], error) {
	if err := models.CheckFilter(map[string]models.FilterValue{"kind": {Value: f.Kind, Allowed: models.ActivityKinds}}); err != nil {
		return models.Page[HubActivity]{}, err
	}
	return h.Store.Activities(ctx, f)
}

// Ingest stores a batch from an authenticated point (see Store.Ingest) and
// logs what it did not store.
func (h *Hub) Ingest(ctx context.Context, pointID string, b *syncproto.Batch) (syncproto.BatchAck, error) {
	rejected := splitBatch(b)
	res, err := h.Store.Ingest(ctx, pointID, b, h.purgeDue(h.Store.Now()), rejected)
	if err != nil {
		return syncproto.BatchAck{}, err
	}
	for _, r := range res.Rejected {
		h.Log.Warn("batch item rejected", "point", pointID, "batch", b.BatchID, "kind", r.Kind, "id", r.ID, "code", r.Code, "message", r.Message)
	}
	return syncproto.BatchAck{BatchID: b.BatchID, Duplicate: res.Duplicate, Rejected: res.Rejected}, nil
}

// Updates returns what changed for pointID after the cursor since.
func (h *Hub) Updates(ctx context.Context, pointID string, since int64, max int) (syncproto.Updates, error) {
	return h.Store.Updates(ctx, pointID, since, max)
}

// DefaultDueMonths is the time a unit has for an opinion unless the
// committee says otherwise: three months (代表建议办理: 三个月内办结).
const DefaultDueMonths = 3

// AssignOpinion assigns an opinion to a lead unit and assisting units. A
// due date not given is three months on, the working day on or after it;
// one given must be a working day from today on.
func (h *Hub) AssignOpinion(ctx context.Context, id string, a Assignment) (models.Opinion, error) {
	now := h.Store.Now()
	today := now.In(workdays.China).Format(time.DateOnly)
	if a.Due == "" {
		a.Due = h.Calendar.Months(now, DefaultDueMonths).Format(time.DateOnly)
	} else {
		d, err := time.ParseInLocation(time.DateOnly, a.Due, workdays.China)
		switch {
		case err != nil:
			return models.Opinion{}, models.Invalid("交办", map[string]string{"due": "应为 2027-03-01 这样的日期 / must be a date such as 2027-03-01"})
		case a.Due < today:
			return models.Opinion{}, models.Invalid("交办", map[string]string{"due": "办理期限不能早于今天 / the due date cannot be before today"})
		case !h.Calendar.Working(d):
			return models.Opinion{}, models.Invalid("交办", map[string]string{"due": "办理期限应是工作日 / the due date must be a working day"})
		}
	}
	return h.Store.AssignOpinion(ctx, id, a)
}

// UnitAct is a unit's step on an opinion assigned to it (see Store.UnitAct).
// A B or C reply is followed up: on the date given (a working day after
// today), or three months on; an A or D reply takes no follow-up date.
func (h *Hub) UnitAct(ctx context.Context, unit, id string, s UnitStep) (models.Opinion, error) {
	if s.Action == "reply" {
		now := h.Store.Now()
		switch {
		case s.Grade != "B" && s.Grade != "C":
			if s.FollowUp != "" {
				return models.Opinion{}, models.Invalid("答复", map[string]string{"follow_up": "只有 B、C 类答复才有跟踪日期 / only a B or C reply has a follow-up date"})
			}
		case s.FollowUp == "":
			s.FollowUp = h.Calendar.Months(now, DefaultDueMonths).Format(time.DateOnly)
		default:
			d, err := time.ParseInLocation(time.DateOnly, s.FollowUp, workdays.China)
			switch {
			case err != nil:
				return models.Opinion{}, models.Invalid("答复", map[string]string{"follow_up": "应为 2027-03-01 这样的日期 / must be a date such as 2027-03-01"})
			case s.FollowUp <= now.In(workdays.China).Format(time.DateOnly):
				return models.Opinion{}, models.Invalid("答复", map[string]string{"follow_up": "跟踪日期应在今天之后 / the follow-up date must be after today"})
			case !h.Calendar.Working(d):
				return models.Opinion{}, models.Invalid("答复", map[string]string{"follow_up": "跟踪日期应是工作日 / the follow-up date must be a working day"})
			}
		}
	}
	return h.Store.UnitAct(ctx, unit, id, s, h.Calendar)
}

// MergeOpinion merges an opinion into another (并案; see Store.MergeOpinion).
func (h *Hub) MergeOpinion(ctx context.Context, id, into string) (models.Opinion, error) {
	return h.Store.MergeOpinion(ctx, id, into)
}

// SimilarOpinions are the likely duplicates of an opinion, at most five.
func (h *Hub) SimilarOpinions(ctx context.Context, id string) ([]Similar, error) {
	return h.Store.SimilarOpinions(ctx, id, 5)
}

// TopicStatistics gives the closed loop's counts per topic, in the order of
// Topics, with their titles.
func (h *Hub) TopicStatistics(ctx context.Context) ([]TopicStats, error) {
	ts, err := h.Topics(ctx)
	if err != nil {
		return nil, err
	}
	order := make([]string, len(ts))
	titles := map[string]string{}
	for i, t := range ts {
		order[i] = t.ID
		titles[t.ID] = t.Title
		if titles[t.ID] == "" {
			titles[t.ID] = t.ID
		}
	}
	return h.Store.TopicStatistics(ctx, order, titles)
}
