package hub

// The closed loop at the hub (contract.md): units, assignment, the units' work,
// merging, and the statistics. Store methods on the hub's tables, like store.go.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"time"
	"unicode"

	"budgetpoint/db"
	"budgetpoint/internal/workdays"
	"budgetpoint/models"
	"budgetpoint/syncproto"
)

// ---- units and assignment (the closed loop) ----

// Unit is a 承办单位: a government department, a state-owned enterprise or
// another body the committee assigns opinions to.
type Unit struct {
	ID        string    `json:"id" binding:"required,max=64"`
	Name      string    `json:"name" binding:"required,max=200"`
	Kind      string    `json:"kind" binding:"required,oneof=department enterprise other"`
	CreatedAt time.Time `json:"created_at"`
}

// Units lists the units by name.
func (st *Store) Units(ctx context.Context) ([]Unit, error) {
	out := []Unit{}
	err := st.db.Read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, name, kind, created_at FROM hub_units ORDER BY name, id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var u Unit
			var at string
			if err := rows.Scan(&u.ID, &u.Name, &u.Kind, &at); err != nil {
				return err
			}
			u.CreatedAt = parseTS(at)
			out = append(out, u)
		}
		return rows.Err()
	})
	return out, errorf("units", err)
}

// UnitExists says whether a unit of that id is in the registry.
func (st *Store) UnitExists(ctx context.Context, id string) (bool, error) {
	var n int
	err := st.db.Read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM hub_units WHERE id=?`, id).Scan(&n)
	})
	return n > 0, errorf("unit "+id, err)
}

// CreateUnit adds a unit (audited): conflict when its id or name is taken.
func (st *Store) CreateUnit(ctx context.Context, u *Unit) error {
	u.CreatedAt = st.Now().In(db.CST)
	err := st.db.Write(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRow(`SELECT count(*) FROM hub_units WHERE id=? OR name=?`, u.ID, u.Name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return &models.Error{Code: models.EConflict, Message: fmt.Sprintf("承办单位 %s（%s）的编号或名称已被使用 / unit %s (%s): the id or the name is taken", u.ID, u.Name, u.ID, u.Name),
				Fields: map[string]string{"id": "编号或名称已被使用 / id or name taken"}}
		}
		if _, err := tx.Exec(`INSERT INTO hub_units(id, name, kind, created_at) VALUES(?,?,?,?)`, u.ID, u.Name, u.Kind, ts(u.CreatedAt)); err != nil {
			return err
		}
		return st.db.AuditChange(ctx, tx, "unit.create", "unit", u.ID, map[string]any{"name": u.Name, "kind": u.Kind})
	})
	return errorf("create unit "+u.ID, err)
}

// Assignment is what the committee decides when it assigns an opinion.
type Assignment struct {
	Lead   string   `json:"lead" label:"主办单位,lead unit" binding:"required,max=64"`
	Assist []string `json:"assist" label:"协办单位,assisting units" binding:"max=20,dive,max=64"`
	Due    string   `json:"due" label:"办理期限,due date" binding:"omitempty,datetime=2006-01-02"`
}

// AssignOpinion assigns an opinion (交办) to its lead unit and assisting
// units with a due date (already settled, YYYY-MM-DD), in one transaction:
// status forwarded, a step of its history, an audit entry, and the change
// queued for its point. An opinion recorded, reported or already forwarded
// (reassigned) may be assigned; a voided one, or one further on, may not.
func (st *Store) AssignOpinion(ctx context.Context, id string, a Assignment) (models.Opinion, error) {
	now := st.Now()
	err := st.db.Write(ctx, func(tx *sql.Tx) error {
		var status, merged string
		var voided bool
		if err := tx.QueryRow(`SELECT status, voided, merged_into FROM hub_opinions WHERE id=?`, id).Scan(&status, &voided, &merged); err != nil {
			return opinionNotFound(err)
		}
		if voided {
			return models.Errorf(models.EConflict, "这条意见已在联系点撤销，不能交办 / this opinion was taken back at its point: it cannot be assigned")
		}
		if merged != "" {
			return mergedError(merged)
		}
		if !models.In(status, []string{"recorded", "reported", "forwarded"}) {
			return models.Invalid("交办", map[string]string{"status": fmt.Sprintf("“%s”的意见不能再交办 / an opinion %s cannot be assigned", StatusLabel(status), status)})
		}
		f := map[string]string{}
		units := append([]string{a.Lead}, a.Assist...)
		for i, u := range units {
			var n int
			if err := tx.QueryRow(`SELECT count(*) FROM hub_units WHERE id=?`, u).Scan(&n); err != nil {
				return err
			}
			field := "lead"
			if i > 0 {
				field = fmt.Sprintf("assist[%d]", i-1)
			}
			switch {
			case n == 0:
				f[field] = "没有这个承办单位 / no such unit"
			case i > 0 && u == a.Lead:
				f[field] = "主办单位不必再列为协办 / the lead unit is not also assisting"
			}
		}
		if len(f) > 0 {
			return models.Invalid("交办", f)
		}
		assist, err := json.Marshal(nonNil(a.Assist))
		if err != nil {
			return err
		}
		if _, err := tx.Exec(`UPDATE hub_opinions SET status='forwarded', lead=?, assist=?, due=?, assigned_at=?, follow_up='', updated_at=? WHERE id=?`,
			a.Lead, string(assist), a.Due, ts(now), ts(now), id); err != nil {
			return err
		}
		detail := map[string]any{"lead": a.Lead, "assist": a.Assist, "due": a.Due, "from": status}
		if err := step(ctx, tx, id, "assign", detail, now); err != nil {
			return err
		}
		if err := st.db.AuditChange(ctx, tx, "opinion.assign", "opinion", id, detail); err != nil {
			return err
		}
		return st.changed(tx, id, now)
	})
	if err != nil {
		return models.Opinion{}, errorf("assign opinion "+id, err)
	}
	return st.Opinion(ctx, id)
}

// step adds a step to an opinion's history, by the one acting.
func step(ctx context.Context, tx *sql.Tx, id, action string, detail map[string]any, now time.Time) error {
	b, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	actor := "system"
	if a := models.ActorOf(ctx); a.User != "" {
		actor = a.User
	}
	_, err = tx.Exec(`INSERT INTO hub_opinion_steps(opinion_id, at, actor, action, detail) VALUES(?,?,?,?,?)`, id, ts(now), actor, action, string(b))
	return err
}

// ---- a unit's work ----

// unitOpinion reads an opinion for a unit: not_found unless it is the
// lead unit or an assisting one of its current assignment (or voided).
func (st *Store) unitOpinion(ctx context.Context, tx *sql.Tx, unit, id string) (models.Opinion, error) {
	if unit == "" {
		return models.Opinion{}, opinionNotFound(sql.ErrNoRows) // a unit login without its unit sees nothing
	}
	o, err := scanOpinion(tx.QueryRowContext(ctx, `SELECT `+opinionCols+` FROM hub_opinions WHERE id=? AND NOT voided AND merged_into=''
		AND (lead=? OR `+st.assisting()+`)`, id, unit, unit))
	return o, opinionNotFound(err)
}

// UnitOpinions lists the opinions assigned to a unit (lead or assisting),
// at most limit: those waiting for it first, soonest due first, then the
// answered and closed ones, newest assignment first; so that what is due
// is never the part a limit leaves out.
func (st *Store) UnitOpinions(ctx context.Context, unit string, limit int) ([]models.Opinion, error) {
	if unit == "" {
		return []models.Opinion{}, nil // a unit login without its unit sees nothing
	}
	if limit < 1 || limit > MaxUnitOpinions {
		limit = MaxUnitOpinions
	}
	return st.opinionList(ctx, "opinions of unit "+unit, `SELECT `+opinionCols+` FROM hub_opinions WHERE NOT voided AND merged_into=''
		AND (lead=? OR `+st.assisting()+`) 
		ORDER BY CASE WHEN status IN ('forwarded', 'accepted') THEN 0 ELSE 1 END, CASE WHEN status IN ('forwarded', 'accepted') THEN due END,
		assigned_at DESC, hrow DESC LIMIT ?`, unit, unit, limit)
}

// UnitOpinion returns one opinion assigned to the unit.
func (st *Store) UnitOpinion(ctx context.Context, unit, id string) (models.Opinion, error) {
	var o models.Opinion
	err := st.db.Read(ctx, func(tx *sql.Tx) error {
		var err error
		if o, err = st.unitOpinion(ctx, tx, unit, id); err != nil {
			return err
		}
		return story(ctx, tx, &o)
	})
	return o, errorf("opinion "+id+" of unit "+unit, err)
}

// UnitStep is what a unit does with an opinion assigned to it.
type UnitStep struct {
	Action  string // accept | return | reply
	Reason  string // return
	Grade   string // reply: A | B | C | D
	Content string // reply, view
	// FollowUp: the date a B or C reply is followed up (YYYY-MM-DD, a
	// working day after today; settled by the caller).
	FollowUp string
}

// ReturnWithin is how many working days after an assignment the unit may
// return it (退回).
const ReturnWithin = 7

// UnitAct applies a unit's step in one transaction, with a step of the
// opinion's history, an audit entry and the change queued for its point:
// accept (签收; the lead unit, a forwarded opinion), return (退回 with a
// reason, the lead unit, within ReturnWithin working days of the
// assignment by cal: back to the committee to assign again), reply (答复
// with a grade, the lead unit, forwarded or accepted: answered, the reply
// kept with its round).
func (st *Store) UnitAct(ctx context.Context, unit, id string, s UnitStep, cal *workdays.Calendar) (models.Opinion, error) {
	now := st.Now()
	err := st.db.Write(ctx, func(tx *sql.Tx) error {
		o, err := st.unitOpinion(ctx, tx, unit, id)
		if err != nil {
			return err
		}
		if s.Action == "view" {
			return st.view(ctx, tx, o, unit, s.Content, now)
		}
		if o.Lead != unit {
			return models.Errorf(models.EForbidden, "只有主办单位才能签收、退回或答复；协办单位请提出协办意见 / only the lead unit signs for, returns or replies; an assisting unit gives its view")
		}
		refuse := func() error {
			return models.Errorf(models.EConflict, "“%s”的意见不能这样办理 / an opinion %s cannot be handled so", StatusLabel(o.Status), o.Status)
		}
		detail := map[string]any{"unit": unit, "from": o.Status}
		switch s.Action {
		case "accept":
			if o.Status != "forwarded" {
				return refuse()
			}
			if _, err := tx.Exec(`UPDATE hub_opinions SET status='accepted', updated_at=? WHERE id=?`, ts(now), id); err != nil {
				return err
			}
		case "return":
			if o.Status != "forwarded" && o.Status != "accepted" {
				return refuse()
			}
			var at string
			if err := tx.QueryRow(`SELECT assigned_at FROM hub_opinions WHERE id=?`, id).Scan(&at); err != nil {
				return err
			}
			if n := cal.Between(parseTS(at), now); n > ReturnWithin {
				msg := fmt.Sprintf("交办已过 %d 个工作日，只能在交办后 %d 个工作日内退回；请与预工委联系 / assigned %d working days ago: it can be returned within %d working days only; talk to the committee", n, ReturnWithin, n, ReturnWithin)
				return &models.Error{Code: models.EInvalid, Message: msg, Fields: map[string]string{"reason": msg}}
			}
			detail["reason"] = s.Reason
			if _, err := tx.Exec(`UPDATE hub_opinions SET status='reported', lead='', assist='[]', due='', updated_at=? WHERE id=?`, ts(now), id); err != nil {
				return err
			}
		case "reply":
			if o.Status != "forwarded" && o.Status != "accepted" {
				return refuse()
			}
			detail["grade"] = s.Grade
			if s.FollowUp != "" {
				detail["follow_up"] = s.FollowUp
			}
			if _, err := tx.Exec(`INSERT INTO hub_opinion_replies(opinion_id, round, unit_id, grade, content, at) VALUES(?,?,?,?,?,?)`,
				id, max(o.Round, 1), unit, s.Grade, s.Content, ts(now)); err != nil {
				return err
			}
			if _, err := tx.Exec(`UPDATE hub_opinions SET status='answered', answer=?, grade=?, follow_up=?, updated_at=? WHERE id=?`, s.Content, s.Grade, s.FollowUp, ts(now), id); err != nil {
				return err
			}
		default:
			return models.Errorf(models.EBadRequest, "未知的办理步骤 / unknown step")
		}
		if err := step(ctx, tx, id, s.Action, detail, now); err != nil {
			return err
		}
		if err := st.db.AuditChange(ctx, tx, "opinion."+s.Action, "opinion", id, detail); err != nil {
			return err
		}
		return st.changed(tx, id, now)
	})
	if err != nil {
		return models.Opinion{}, errorf("unit "+unit+": "+s.Action+" opinion "+id, err)
	}
	return st.Opinion(ctx, id)
}

// Counts are the figures of the closed loop over a set of opinions: assigned,
// answered (answered or closed; on time when the lead's last reply of the
// round came on or before the due date, China time), overdue (past due
// while not answered, on today in China time), evaluated (its latest
// evaluation: the one it was closed with, or the unsatisfied one that
// reopened it while the next round runs) and satisfied (satisfied or
// basically satisfied), with the
// rates 办复率 (answered / assigned) and 满意率 (satisfied / evaluated).
type Counts struct {
	Assigned    int64    `json:"assigned"`
	Answered    int64    `json:"answered"`
	OnTime      int64    `json:"answered_on_time"`
	Overdue     int64    `json:"overdue"`
	Evaluated   int64    `json:"evaluated"`
	Satisfied   int64    `json:"satisfied"`
	AnswerRate  *float64 `json:"answer_rate"`
	SatisfyRate *float64 `json:"satisfaction_rate"`
}

// UnitStats is one unit's record in the closed loop (GET
// /api/v1/committee/stats/units), over the opinions it leads now; the
// opinions merged into one count once, with it.
type UnitStats struct {
	Unit string `json:"unit"`
	Name string `json:"name"`
	Counts
}

// TopicStats is one topic's record (GET /api/v1/committee/stats/topics):
// every opinion of the topic assigned to a unit, each merged one too, since
// each proposer is answered.
type TopicStats struct {
	Topic string `json:"topic"`
	Title string `json:"title"`
	Counts
}

// rate is n/of to three decimals, or nil of nothing.
func rate(n, of int64) *float64 {
	if of == 0 {
		return nil
	}
	r := math.Round(float64(n)*1000/float64(of)) / 1000
	return &r
}

// loopCounts counts the assigned opinions (not voided; merged ones only when
// withMerged; of one topic when topic is set) by the column by (lead or
// topic_id).
func (st *Store) loopCounts(ctx context.Context, by string, withMerged bool, topic string) (map[string]*Counts, error) {
	out := map[string]*Counts{}
	today := time.Now().In(workdays.China).Format(time.DateOnly)
	where := `o.lead <> '' AND NOT o.voided`
	if !withMerged {
		where += ` AND o.merged_into = ''`
	}
	var args []any
	if topic != "" {
		where += ` AND o.topic_id = ?`
		args = append(args, topic)
	}
	err := st.db.Read(ctx, func(tx *sql.Tx) error {
		// A merged opinion's replies are its root's.
		rows, err := tx.QueryContext(ctx, `SELECT o.`+by+`, o.status, o.due, o.evaluation,
			coalesce((SELECT max(r.at) FROM hub_opinion_replies r WHERE r.opinion_id=(CASE WHEN o.merged_into <> '' THEN o.merged_into ELSE o.id END)
			  AND r.unit_id=o.lead AND r.round=o.round), '')
			FROM hub_opinions o WHERE `+where, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var key, status, due, eval, replied string
			if err := rows.Scan(&key, &status, &due, &eval, &replied); err != nil {
				return err
			}
			u := out[key]
			if u == nil {
				u = &Counts{}
				out[key] = u
			}
			u.Assigned++
			switch status {
			case "answered", "closed":
				u.Answered++
				if replied != "" && parseTS(replied).In(workdays.China).Format(time.DateOnly) <= due {
					u.OnTime++
				}
			case "forwarded", "accepted":
				if due != "" && today > due {
					u.Overdue++
				}
			}
			// The latest evaluation counts: an unsatisfied one stays on the
			// opinion while its next round runs, and is counted against.
			if eval != "" {
				u.Evaluated++
				if eval == "satisfied" || eval == "basic" {
					u.Satisfied++
				}
			}
		}
		return rows.Err()
	})
	for _, c := range out {
		c.AnswerRate, c.SatisfyRate = rate(c.Answered, c.Assigned), rate(c.Satisfied, c.Evaluated)
	}
	return out, err
}

// UnitStatistics gives every unit's counts (all units, by name; see Counts).
// Voided opinions count nowhere.
func (st *Store) UnitStatistics(ctx context.Context) ([]UnitStats, error) {
	return st.unitStatistics(ctx, "")
}

// unitStatistics is UnitStatistics over one topic's opinions, or all ("").
func (st *Store) unitStatistics(ctx context.Context, topic string) ([]UnitStats, error) {
	units, err := st.Units(ctx)
	if err != nil {
		return nil, err
	}
	counts, err := st.loopCounts(ctx, "lead", false, topic)
	if err != nil {
		return nil, errorf("unit statistics", err)
	}
	out := make([]UnitStats, len(units))
	for i, u := range units {
		out[i] = UnitStats{Unit: u.ID, Name: u.Name}
		if c := counts[u.ID]; c != nil {
			out[i].Counts = *c
		}
	}
	return out, nil
}

// TopicStatistics gives the counts of every topic with an opinion assigned
// (see Counts, TopicStats), in the order of titles gives (the hub's topics);
// titles maps a topic's id to its title, and a topic it lacks comes last
// by id.
func (st *Store) TopicStatistics(ctx context.Context, order []string, titles map[string]string) ([]TopicStats, error) {
	counts, err := st.loopCounts(ctx, "topic_id", true, "")
	if err != nil {
		return nil, errorf("topic statistics", err)
	}
	out := []TopicStats{}
	seen := map[string]bool{}
	for _, id := range order {
		if c := counts[id]; c != nil && !seen[id] {
			seen[id] = true
			out = append(out, TopicStats{Topic: id, Title: titles[id], Counts: *c})
		}
	}
	var rest []string
	for id := range counts {
		if !seen[id] {
			rest = append(rest, id)
		}
	}
	sort.Strings(rest)
	for _, id := range rest {
		out = append(out, TopicStats{Topic: id, Title: id, Counts: *counts[id]})
	}
	return out, nil
}

// ---- every change, and the opinions merged into one (并案) ----

// followCols are the columns an opinion merged into another copies from it.
const followCols = `status, answer, evaluation, lead, assist, due, round, supervised, grade, follow_up, assigned_at`

// changed queues a changed opinion for its point and brings the opinions
// merged into it along (each queued for its own point), in tx.
func (st *Store) changed(tx *sql.Tx, id string, now time.Time) error {
	var point string
	if err := tx.QueryRow(`SELECT point_id FROM hub_opinions WHERE id=?`, id).Scan(&point); err != nil {
		return err
	}
	if err := st.queue(tx, []string{point}, "opinion", id, 0, now); err != nil {
		return err
	}
	if _, err := tx.Exec(`UPDATE hub_opinions SET (`+followCols+`) = (SELECT `+followCols+` FROM hub_opinions r WHERE r.id = ?), updated_at=?
		WHERE merged_into=? AND NOT voided`, id, ts(now), id); err != nil {
		return err
	}
	rows, err := tx.Query(`SELECT id, point_id FROM hub_opinions WHERE merged_into=? AND NOT voided ORDER BY hrow`, id)
	if err != nil {
		return err
	}
	var follow [][2]string
	for rows.Next() {
		var f [2]string
		if err := rows.Scan(&f[0], &f[1]); err != nil {
			rows.Close()
			return err
		}
		follow = append(follow, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, f := range follow {
		if err := st.queue(tx, []string{f[1]}, "opinion", f[0], 0, now); err != nil {
			return err
		}
	}
	return nil
}

// mergedError refuses a step on an opinion merged into another.
func mergedError(into string) error {
	return models.Errorf(models.EConflict, "这条意见已并入 %s 办理，请办理那一条 / this opinion was merged into %s: handle that one", into, into)
}

// moveAction is the history's name of a move by the committee to status to.
func moveAction(to string) string {
	switch to {
	case "closed":
		return "close"
	case "answered":
		return "answer"
	case "forwarded":
		return "forward"
	}
	return "move"
}

// view adds an assisting unit's view (协办意见) for the lead unit, before
// the lead replies, in tx; audited and a step of the history. It does not
// change what the point sees.
func (st *Store) view(ctx context.Context, tx *sql.Tx, o models.Opinion, unit, content string, now time.Time) error {
	if o.Lead == unit {
		return models.Errorf(models.EForbidden, "主办单位直接答复，协办意见由协办单位提出 / the lead unit replies; views come from the assisting units")
	}
	if o.Status != "forwarded" && o.Status != "accepted" {
		return models.Errorf(models.EConflict, "“%s”的意见不再收协办意见 / an opinion %s takes no more views", StatusLabel(o.Status), o.Status)
	}
	if _, err := tx.Exec(`INSERT INTO hub_opinion_views(opinion_id, round, unit_id, content, at) VALUES(?,?,?,?,?)`, o.ID, max(o.Round, 1), unit, content, ts(now)); err != nil {
		return err
	}
	detail := map[string]any{"unit": unit}
	if err := step(ctx, tx, o.ID, "view", detail, now); err != nil {
		return err
	}
	return st.db.AuditChange(ctx, tx, "opinion.view", "opinion", o.ID, detail)
}

// MergeOpinion merges an opinion into another (并案): from then on it
// follows that one (its status, units, due date, round, replies and
// evaluation, copied with every step and sent to its own point), and no
// unit sees it on its own. One merged into an opinion that is itself merged
// goes to the one that one follows; the opinions merged into it go along.
// Neither may be voided; it may not be answered or closed already, nor the
// other closed. In one transaction, audited, a step of both histories.
func (st *Store) MergeOpinion(ctx context.Context, id, into string) (models.Opinion, error) {
	now := st.Now()
	err := st.db.Write(ctx, func(tx *sql.Tx) error {
		type facts struct {
			status, merged, topic, lead string
			voided                      bool
		}
		read := func(id string) (f facts, err error) {
			err = tx.QueryRow(`SELECT status, merged_into, voided, topic_id, lead FROM hub_opinions WHERE id=?`, id).Scan(&f.status, &f.merged, &f.voided, &f.topic, &f.lead)
			return f, err
		}
		me, err := read(id)
		if err != nil {
			return opinionNotFound(err)
		}
		status, merged, voided := me.status, me.merged, me.voided
		root := into
		r, err := read(root)
		if errors.Is(err, sql.ErrNoRows) {
			return models.Invalid("并案", map[string]string{"into": "没有这条意见 / no such opinion"})
		}
		if err != nil {
			return err
		}
		if r.merged != "" {
			root = r.merged
			if r, err = read(root); err != nil {
				return err
			}
		}
		rstatus, rvoided := r.status, r.voided
		switch {
		case voided || rvoided:
			return models.Errorf(models.EConflict, "已在联系点撤销的意见不能并案 / an opinion taken back at its point cannot be merged")
		case root == id:
			return models.Invalid("并案", map[string]string{"into": "不能并入它自己 / an opinion is not merged into itself"})
		case merged != "":
			return models.Errorf(models.EConflict, "这条意见已并入 %s / this opinion was merged into %s already", merged, merged)
		case status == "answered" || status == "closed":
			return models.Errorf(models.EConflict, "“%s”的意见不能再并案 / an opinion %s cannot be merged", StatusLabel(status), status)
		case rstatus == "closed":
			return models.Invalid("并案", map[string]string{"into": "不能并入已办结的意见 / not into a closed opinion"})
		case r.topic != me.topic:
			return models.Invalid("并案", map[string]string{"into": "只能并入同一事项的意见 / only into an opinion of the same topic"})
		case me.lead != "" && me.lead != r.lead:
			return models.Errorf(models.EConflict, "这条意见已交办另一个承办单位，请先让该单位退回，或交办给同一单位后再并案 / this opinion is assigned to another unit: have it returned, or assign both to the same unit, then merge")
		}
		// Those merged into this one follow the new root too, each told.
		moved, err := tx.Query(`SELECT id FROM hub_opinions WHERE merged_into=?`, id)
		if err != nil {
			return err
		}
		var follow []string
		for moved.Next() {
			var f string
			if err := moved.Scan(&f); err != nil {
				moved.Close()
				return err
			}
			follow = append(follow, f)
		}
		moved.Close()
		if err := moved.Err(); err != nil {
			return err
		}
		for _, f := range follow {
			if _, err := tx.Exec(`UPDATE hub_opinions SET merged_into=? WHERE id=?`, root, f); err != nil {
				return err
			}
			if err := step(ctx, tx, f, "merge", map[string]any{"into": root, "via": id}, now); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(`UPDATE hub_opinions SET merged_into=? WHERE id=?`, root, id); err != nil {
			return err
		}
		if err := step(ctx, tx, id, "merge", map[string]any{"into": root, "from": status}, now); err != nil {
			return err
		}
		if err := step(ctx, tx, root, "merged", map[string]any{"opinion": id}, now); err != nil {
			return err
		}
		if err := st.db.AuditChange(ctx, tx, "opinion.merge", "opinion", id, map[string]any{"into": root, "from": status}); err != nil {
			return err
		}
		return st.changed(tx, root, now)
	})
	if err != nil {
		return models.Opinion{}, errorf("merge opinion "+id, err)
	}
	return st.Opinion(ctx, id)
}

// Similar is an opinion that may say the same as another (a likely
// duplicate), with how alike their texts are (0–1).
type Similar struct {
	models.Opinion
	Score float64 `json:"score"`
}

// SimilarMin is how alike two texts must be to be offered as likely
// duplicates.
const SimilarMin = 0.3

// SimilarOpinions offers, for an opinion, the opinions of the same topic
// that may say the same (not voided, not closed, not merged into another,
// not itself), most alike first, at most limit: alike by the share of
// pairs of characters the texts have in common (Dice), which suits
// Chinese text without a word list.
func (st *Store) SimilarOpinions(ctx context.Context, id string, limit int) ([]Similar, error) {
	out := []Similar{}
	err := st.db.Read(ctx, func(tx *sql.Tx) error {
		o, err := opinion(ctx, tx, id)
		if err != nil {
			return err
		}
		me := bigrams(o.Content)
		rows, err := tx.QueryContext(ctx, `SELECT `+opinionCols+` FROM hub_opinions
			WHERE topic_id=? AND id<>? AND NOT voided AND merged_into='' AND status<>'closed' ORDER BY hrow`, o.TopicID, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			c, err := scanOpinion(rows)
			if err != nil {
				return err
			}
			if c.ID == o.MergedInto {
				continue
			}
			if sc := dice(me, bigrams(c.Content)); sc >= SimilarMin {
				out = append(out, Similar{Opinion: c, Score: math.Round(sc*100) / 100})
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, errorf("opinions like "+id, err)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// bigrams are the pairs of neighbouring letters of a text, leaving out
// spaces and punctuation, with how often each occurs.
func bigrams(s string) map[[2]rune]int {
	var rs []rune
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			rs = append(rs, unicode.ToLower(r))
		}
	}
	m := map[[2]rune]int{}
	for i := 0; i+1 < len(rs); i++ {
		m[[2]rune{rs[i], rs[i+1]}]++
	}
	return m
}

// dice is 2·|A∩B| / (|A|+|B|) over multisets of bigrams.
func dice(a, b map[[2]rune]int) float64 {
	na, nb, common := 0, 0, 0
	for k, n := range a {
		na += n
		common += min(n, b[k])
	}
	for _, n := range b {
		nb += n
	}
	if na+nb == 0 {
		return 0
	}
	return 2 * float64(common) / float64(na+nb)
}

// unmerge handles an opinion taken back at its point (voided), in tx: one
// merged into another leaves it (a step of its history says so); the
// opinions merged into it stand on their own again, each where it stood,
// with a copy of the replies, views and steps so far so that its story
// stays whole, and a step saying why.
func unmerge(tx *sql.Tx, root string, now time.Time) error {
	var into string
	if err := tx.QueryRow(`SELECT merged_into FROM hub_opinions WHERE id=?`, root).Scan(&into); err != nil {
		return err
	}
	if into != "" {
		if _, err := tx.Exec(`UPDATE hub_opinions SET merged_into='' WHERE id=?`, root); err != nil {
			return err
		}
		if err := step(context.Background(), tx, root, "unmerge", map[string]any{"from": into, "why": "voided"}, now); err != nil {
			return err
		}
	}
	rows, err := tx.Query(`SELECT id FROM hub_opinions WHERE merged_into=?`, root)
	if err != nil {
		return err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		for _, q := range []string{
			`INSERT INTO hub_opinion_replies(opinion_id, round, unit_id, grade, content, at) SELECT ?, round, unit_id, grade, content, at FROM hub_opinion_replies WHERE opinion_id=? ORDER BY id`,
			`INSERT INTO hub_opinion_views(opinion_id, round, unit_id, content, at) SELECT ?, round, unit_id, content, at FROM hub_opinion_views WHERE opinion_id=? ORDER BY id`,
			`INSERT INTO hub_opinion_steps(opinion_id, at, actor, action, detail) SELECT ?, at, actor, action, detail FROM hub_opinion_steps WHERE opinion_id=? ORDER BY id`,
		} {
			if _, err := tx.Exec(q, id, root); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(`UPDATE hub_opinions SET merged_into='' WHERE id=?`, id); err != nil {
			return err
		}
		if err := step(context.Background(), tx, id, "unmerge", map[string]any{"from": root, "why": "voided"}, now); err != nil {
			return err
		}
	}
	return nil
}

// latestReply is the latest reply to an opinion (its root's when merged),
// as its point is told it; nil before any.
func latestReply(ctx context.Context, tx *sql.Tx, o models.Opinion) (*syncproto.ReplyUpdate, error) {
	root := o.ID
	if o.MergedInto != "" {
		root = o.MergedInto
	}
	var r syncproto.ReplyUpdate
	var at string
	err := tx.QueryRowContext(ctx, `SELECT r.grade, r.content, coalesce(u.name, r.unit_id), r.at FROM hub_opinion_replies r
		LEFT JOIN hub_units u ON u.id = r.unit_id WHERE r.opinion_id=? ORDER BY r.id DESC LIMIT 1`, root).Scan(&r.Grade, &r.Content, &r.Unit, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	r.At = parseTS(at)
	return &r, nil
}

// assisting is the condition that the unit given as its ? is one of an
// opinion's assisting units (hub_opinions.assist, a JSON array of ids), in
// the database's own words.
func (st *Store) assisting() string { return st.db.Dialect().JSONArrayHas("hub_opinions.assist") }
