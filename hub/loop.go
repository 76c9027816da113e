package hub

// The closed loop at the hub (contract.md): units, assignment, the units' work,
// merging, and the statistics. Store methods on the hub's tables, like store.go.

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"budgetpoint/db"
	"budgetpoint/internal/workdays"
	"budgetpoint/models"
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
		var status, point string
		var voided bool
		if err := tx.QueryRow(`SELECT status, point_id, voided FROM hub_opinions WHERE id=?`, id).Scan(&status, &point, &voided); err != nil {
			return opinionNotFound(err)
		}
		if voided {
			return models.Errorf(models.EConflict, "这条意见已在联系点撤销，不能交办 / this opinion was taken back at its point: it cannot be assigned")
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
		assist, err := json.Marshal(nonNilStrings(a.Assist))
		if err != nil {
			return err
		}
		if _, err := tx.Exec(`UPDATE hub_opinions SET status='forwarded', lead=?, assist=?, due=?, assigned_at=?, updated_at=? WHERE id=?`,
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
		return queue(tx, []string{point}, "opinion", id, 0, now)
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

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// ---- a unit's work ----

// unitOpinion reads an opinion for a unit: not_found unless it is the
// lead unit or an assisting one of its current assignment (or voided).
func unitOpinion(ctx context.Context, tx *sql.Tx, unit, id string) (models.Opinion, error) {
	o, err := scanOpinion(tx.QueryRowContext(ctx, `SELECT `+opinionCols+` FROM hub_opinions WHERE id=? AND NOT voided
		AND (lead=? OR EXISTS (SELECT 1 FROM json_each(hub_opinions.assist) WHERE value=?))`, id, unit, unit))
	return o, opinionNotFound(err)
}

// UnitOpinions lists the opinions assigned to a unit (lead or assisting),
// newest assignment first, at most limit.
func (st *Store) UnitOpinions(ctx context.Context, unit string, limit int) ([]models.Opinion, error) {
	out := []models.Opinion{}
	if limit < 1 || limit > 500 {
		limit = 500
	}
	err := st.db.Read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+opinionCols+` FROM hub_opinions WHERE NOT voided
			AND (lead=? OR EXISTS (SELECT 1 FROM json_each(hub_opinions.assist) WHERE value=?)) ORDER BY assigned_at DESC, hrow DESC LIMIT ?`, unit, unit, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			o, err := scanOpinion(rows)
			if err != nil {
				return err
			}
			out = append(out, o)
		}
		return rows.Err()
	})
	return out, errorf("opinions of unit "+unit, err)
}

// UnitOpinion returns one opinion assigned to the unit.
func (st *Store) UnitOpinion(ctx context.Context, unit, id string) (models.Opinion, error) {
	var o models.Opinion
	err := st.db.Read(ctx, func(tx *sql.Tx) error {
		var err error
		if o, err = unitOpinion(ctx, tx, unit, id); err != nil {
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
	Content string // reply
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
		o, err := unitOpinion(ctx, tx, unit, id)
		if err != nil {
			return err
		}
		if o.Lead != unit {
			return models.Errorf(models.EForbidden, "只有主办单位才能签收、退回或答复 / only the lead unit signs for, returns or replies")
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
				return models.Errorf(models.EConflict, "交办已过 %d 个工作日，超过 %d 个工作日不能退回；请与预工委联系 / assigned %d working days ago: it can be returned within %d only; talk to the committee", n, ReturnWithin, n, ReturnWithin)
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
			if _, err := tx.Exec(`INSERT INTO hub_opinion_replies(opinion_id, round, unit_id, grade, content, at) VALUES(?,?,?,?,?,?)`,
				id, max(o.Round, 1), unit, s.Grade, s.Content, ts(now)); err != nil {
				return err
			}
			if _, err := tx.Exec(`UPDATE hub_opinions SET status='answered', answer=?, updated_at=? WHERE id=?`, s.Content, ts(now), id); err != nil {
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
		var point string
		if err := tx.QueryRow(`SELECT point_id FROM hub_opinions WHERE id=?`, id).Scan(&point); err != nil {
			return err
		}
		return queue(tx, []string{point}, "opinion", id, 0, now)
	})
	if err != nil {
		return models.Opinion{}, errorf("unit "+unit+": "+s.Action+" opinion "+id, err)
	}
	return st.Opinion(ctx, id)
}

// UnitStats is one unit's record in the closed loop (GET
// /api/v1/committee/stats/units), over the opinions it leads now.
type UnitStats struct {
	Unit        string   `json:"unit"`
	Name        string   `json:"name"`
	Assigned    int64    `json:"assigned"`
	Answered    int64    `json:"answered"` // answered or closed
	OnTime      int64    `json:"answered_on_time"`
	Overdue     int64    `json:"overdue"`
	Evaluated   int64    `json:"evaluated"`
	Satisfied   int64    `json:"satisfied"`         // satisfied or basically satisfied
	AnswerRate  *float64 `json:"answer_rate"`       // 办复率: answered / assigned
	SatisfyRate *float64 `json:"satisfaction_rate"` // 满意率: satisfied / evaluated
}

// rate is n/of to three decimals, or nil of nothing.
func rate(n, of int64) *float64 {
	if of == 0 {
		return nil
	}
	r := math.Round(float64(n)*1000/float64(of)) / 1000
	return &r
}

// UnitStatistics counts, per unit (all units, by name), the opinions it
// leads: assigned, answered (answered or closed; on time when the lead's
// last reply came on or before the due date), overdue (past due while not
// answered, on today in China time), evaluated and satisfied, with the rates.
// Voided opinions count nowhere.
func (st *Store) UnitStatistics(ctx context.Context) ([]UnitStats, error) {
	units, err := st.Units(ctx)
	if err != nil {
		return nil, err
	}
	byID := map[string]*UnitStats{}
	out := make([]UnitStats, len(units))
	for i, u := range units {
		out[i] = UnitStats{Unit: u.ID, Name: u.Name}
		byID[u.ID] = &out[i]
	}
	today := time.Now().In(workdays.China).Format(time.DateOnly)
	err = st.db.Read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT o.lead, o.status, o.due, o.evaluation,
			coalesce((SELECT max(r.at) FROM hub_opinion_replies r WHERE r.opinion_id=o.id AND r.unit_id=o.lead AND r.round=o.round), '')
			FROM hub_opinions o WHERE o.lead <> '' AND NOT o.voided`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var lead, status, due, eval, replied string
			if err := rows.Scan(&lead, &status, &due, &eval, &replied); err != nil {
				return err
			}
			u := byID[lead]
			if u == nil {
				continue // a unit no longer listed
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
			if eval != "" && status == "closed" {
				u.Evaluated++
				if eval == "satisfied" || eval == "basic" {
					u.Satisfied++
				}
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, errorf("unit statistics", err)
	}
	for i := range out {
		out[i].AnswerRate, out[i].SatisfyRate = rate(out[i].Answered, out[i].Assigned), rate(out[i].Satisfied, out[i].Evaluated)
	}
	return out, nil
}
