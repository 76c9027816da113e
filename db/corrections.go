package db

// Corrections and voids of stored responses (staff and admins): what was
// there before is kept as a revision with who, when and why; the summary
// moves by exactly the difference, in the same transaction (old answers
// out, new ones in, the topic's seq up by one, the summary queued for the
// committee); opinions raised in the response follow their answers.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/google/uuid"

	"budgetpoint/models"
)

// MaxReason is the longest reason of a correction or a void, in characters.
const MaxReason = 500

// Revision is what a response was before one correction or void.
type Revision struct {
	Revision  int             `json:"revision"`
	Action    string          `json:"action"` // correct | void
	Answers   json.RawMessage `json:"answers"`
	Reason    string          `json:"reason"`
	ChangedBy string          `json:"changed_by"`
	ChangedAt time.Time       `json:"changed_at"`
}

// ResponseRecord is a stored response with its history.
type ResponseRecord struct {
	models.Response
	Revision   int        `json:"revision"`
	VoidedAt   *time.Time `json:"voided_at"`
	VoidReason string     `json:"void_reason,omitempty"`
	Revisions  []Revision `json:"revisions"`
}

// storedResponse is what a correction reads of a response.
type storedResponse struct {
	qid, topic, kind, deputy, desc, channel, answers string
	version, revision                                int
	voided                                           bool
	submittedBy                                      int64
}

func readStored(tx *sql.Tx, id string) (storedResponse, error) {
	var s storedResponse
	var voided sql.NullString
	var by sql.NullInt64
	err := tx.QueryRow(`SELECT questionnaire_id, topic_id, respondent_kind, coalesce(deputy_id,''), respondent_desc, channel, answers, version, revision, voided_at, submitted_by
		FROM responses WHERE id=?`, id).Scan(&s.qid, &s.topic, &s.kind, &s.deputy, &s.desc, &s.channel, &s.answers, &s.version, &s.revision, &voided, &by)
	if errors.Is(err, sql.ErrNoRows) {
		return s, models.NotFound("答卷", "response")
	}
	s.voided, s.submittedBy = voided.Valid, by.Int64
	return s, err
}

// checkReason refuses an empty or too long reason (422 naming reason).
func checkReason(reason string) (string, error) {
	r := strings.TrimSpace(reason)
	switch {
	case r == "":
		return "", models.Invalid("更正", map[string]string{"reason": "请写明更正或作废的原因 / give the reason for the correction or void"})
	case len([]rune(r)) > MaxReason:
		return "", models.Invalid("更正", map[string]string{"reason": fmt.Sprintf("原因最多 %d 字 / at most %d characters", MaxReason, MaxReason)})
	}
	return r, nil
}

var errVoided = models.Errorf(models.EConflict, "这份答卷已作废，不能再更正；如需计入，请作为新的答卷重新录入 / this response is voided and cannot be corrected: to count it, enter it again as a new response")

// CorrectResponse replaces a stored response's answers with raw (checked as
// on submission, against the version it was given under), keeping the
// earlier ones as a revision. The same answers again change nothing
// (changed is false). A voided response is a conflict.
func (db *DB) CorrectResponse(ctx context.Context, id string, raw map[string]json.RawMessage, reason string) (changed bool, err error) {
	reason, err = checkReason(reason)
	if err != nil {
		return false, err
	}
	err = db.Write(ctx, func(tx *sql.Tx) error {
		changed = false
		s, def, prev, err := db.storedForFix(ctx, tx, id)
		if err != nil {
			return err
		}
		if s.voided {
			return errVoided
		}
		next, bad := def.CheckAnswers(raw)
		if len(bad) > 0 {
			return models.Invalid("答卷", bad)
		}
		canon := def.MarshalAnswers(next)
		if string(canon) == s.answers {
			return nil
		}
		if err := db.keepRevision(ctx, tx, id, s, "correct", reason); err != nil {
			return err
		}
		if _, err := tx.Exec(`UPDATE responses SET answers=?, revision=revision+1, updated_at=? WHERE id=?`, string(canon), ts(db.Now()), id); err != nil {
			return err
		}
		ds := negate(models.ResponseDeltas(def, s.kind, s.channel, prev))
		ds = append(ds, models.ResponseDeltas(def, s.kind, s.channel, next)...)
		ods, err := db.followOpinions(tx, id, def, s, prev, next)
		if err != nil {
			return err
		}
		if err := db.countExact(ctx, tx, s.topic, def, append(ds, ods...)); err != nil {
			return err
		}
		changed = true
		return db.auditChange(ctx, tx, "response.correct", "response", id, map[string]any{"reason": reason, "revision": s.revision + 1})
	})
	return changed, Wrap("correct response "+id, err)
}

// VoidResponse voids a stored response: it stops counting (and so do its
// opinions) and is kept, with what it was as a revision. Voiding it again
// changes nothing (changed is false).
func (db *DB) VoidResponse(ctx context.Context, id, reason string) (changed bool, err error) {
	reason, err = checkReason(reason)
	if err != nil {
		return false, err
	}
	err = db.Write(ctx, func(tx *sql.Tx) error {
		changed = false
		s, def, prev, err := db.storedForFix(ctx, tx, id)
		if err != nil || s.voided {
			return err
		}
		if err := db.keepRevision(ctx, tx, id, s, "void", reason); err != nil {
			return err
		}
		now := ts(db.Now())
		if _, err := tx.Exec(`UPDATE responses SET voided_at=?, void_reason=?, revision=revision+1, updated_at=? WHERE id=?`, now, reason, now, id); err != nil {
			return err
		}
		ds := negate(models.ResponseDeltas(def, s.kind, s.channel, prev))
		ods, err := db.followOpinions(tx, id, def, s, prev, models.Answers{})
		if err != nil {
			return err
		}
		if err := db.countExact(ctx, tx, s.topic, def, append(ds, ods...)); err != nil {
			return err
		}
		changed = true
		return db.auditChange(ctx, tx, "response.void", "response", id, map[string]any{"reason": reason})
	})
	return changed, Wrap("void response "+id, err)
}

// storedForFix reads a response to correct or void: its row, the version of
// the questionnaire it was given under, and its answers as they count now.
func (db *DB) storedForFix(ctx context.Context, tx *sql.Tx, id string) (storedResponse, *models.Definition, models.Answers, error) {
	s, err := readStored(tx, id)
	if err != nil {
		return s, nil, nil, err
	}
	def, _, err := db.definition(ctx, tx, s.qid, s.version)
	if err != nil {
		return s, nil, nil, err
	}
	prev, err := storedAnswers(def, s.answers)
	if err != nil {
		return s, nil, nil, fmt.Errorf("response %s: %w", id, err)
	}
	return s, def, prev, nil
}

// keepRevision stores what the response is now, before action changes it.
func (db *DB) keepRevision(ctx context.Context, tx *sql.Tx, id string, s storedResponse, action, reason string) error {
	_, err := tx.Exec(`INSERT INTO response_revisions(response_id, revision, action, answers, reason, changed_by, changed_at) VALUES(?,?,?,?,?,?,?)`,
		id, s.revision, action, s.answers, reason, models.ActorOf(ctx).User, ts(db.Now()))
	if err != nil {
		return fmt.Errorf("keep revision %d of response %s: %w", s.revision, id, err)
	}
	return nil
}

// storedAnswers reads a response's stored answers back as checked answers.
func storedAnswers(def *models.Definition, stored string) (models.Answers, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(stored), &raw); err != nil {
		return nil, fmt.Errorf("stored answers: %w", err)
	}
	a, bad := def.CheckAnswers(raw)
	if len(bad) > 0 {
		// Stored answers were checked when stored; read what is there.
		for k := range bad {
			delete(a, k)
		}
	}
	return a, nil
}

func negate(ds []models.Delta) []models.Delta {
	out := make([]models.Delta, 0, len(ds))
	for _, d := range ds {
		if d.Op == models.OpAdd {
			d.N = -d.N
			out = append(out, d)
		}
	}
	return out
}

// followOpinions makes the opinions raised in a response follow its
// answers: a changed text changes the opinion's content, a text taken away
// voids the opinion, a new text raises one (or brings back one voided
// before). It returns the opinion counters' changes; each opinion that
// changed is queued for the committee.
func (db *DB) followOpinions(tx *sql.Tx, id string, def *models.Definition, s storedResponse, prev, next models.Answers) ([]models.Delta, error) {
	var ds []models.Delta
	now := ts(db.Now())
	for _, q := range def.Questions {
		if !q.Opinion {
			continue
		}
		before, after := prev[q.Key].Text, next[q.Key].Text
		if before == after {
			continue
		}
		oid := uuid.NewSHA1(uuid.NameSpaceOID, []byte(id+"/"+q.Key)).String()
		var voided sql.NullString
		var topic string
		err := tx.QueryRow(`SELECT topic_id, voided_at FROM opinions WHERE id=?`, oid).Scan(&topic, &voided)
		exists := err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("opinion %s: %w", oid, err)
		}
		switch {
		case after == "" && exists && !voided.Valid:
			if _, err := tx.Exec(`UPDATE opinions SET voided_at=?, updated_at=? WHERE id=?`, now, now, oid); err != nil {
				return nil, err
			}
			ds = append(ds, negate(models.OpinionDeltas("questionnaire"))...)
		case after == "":
			continue
		case exists:
			if _, err := tx.Exec(`UPDATE opinions SET content=?, voided_at=NULL, updated_at=? WHERE id=?`, after, now, oid); err != nil {
				return nil, err
			}
			if voided.Valid {
				ds = append(ds, models.OpinionDeltas("questionnaire")...)
			}
		default:
			p := models.Proposer{Kind: s.kind, Description: s.desc, DeputyID: s.deputy}
			if err := resolveProposer(tx, &p, "respondent.deputy_id"); err != nil {
				return nil, err
			}
			op := models.Opinion{ID: oid, TopicID: def.TopicID, Source: "questionnaire", ResponseID: id, QuestionKey: q.Key, Content: after, Proposer: p}
			if err := db.insertOpinion(tx, &op, s.submittedBy); err != nil {
				return nil, err
			}
			ds = append(ds, models.OpinionDeltas(op.Source)...)
			continue // insertOpinion queued it
		}
		if err := db.enqueue(tx, "opinion", oid); err != nil {
			return nil, err
		}
	}
	return ds, nil
}

// countExact applies counter changes that may take answers away: the adding
// ones by db.count, then every number question's minimum and maximum set
// again from what counts now (they cannot be taken back one by one).
func (db *DB) countExact(ctx context.Context, tx *sql.Tx, topic string, def *models.Definition, ds []models.Delta) error {
	if err := db.count(tx, topic, ds); err != nil {
		return err
	}
	for _, q := range def.Questions {
		if q.Type != models.Number {
			continue
		}
		var lo, hi sql.NullFloat64
		if err := tx.QueryRowContext(ctx, `SELECT min(v), max(v) FROM (SELECT json_extract(answers, ?) AS v FROM responses WHERE questionnaire_id=? AND voided_at IS NULL) WHERE v IS NOT NULL`,
			`$."`+q.Key+`"`, def.ID).Scan(&lo, &hi); err != nil {
			return fmt.Errorf("extremes of %s: %w", q.Key, err)
		}
		for bucket, v := range map[string]sql.NullFloat64{"min": lo, "max": hi} {
			var err error
			if v.Valid {
				_, err = tx.Exec(`INSERT INTO counters(topic_id, questionnaire_id, question_key, bucket, n) VALUES(?,?,?,?,?)
					ON CONFLICT DO UPDATE SET n=excluded.n`, topic, def.ID, q.Key, bucket, int64(math.Round(v.Float64*models.NumberScale)))
			} else {
				_, err = tx.Exec(`DELETE FROM counters WHERE topic_id=? AND questionnaire_id=? AND question_key=? AND bucket=?`, topic, def.ID, q.Key, bucket)
			}
			if err != nil {
				return fmt.Errorf("%s of %s: %w", bucket, q.Key, err)
			}
		}
	}
	return nil
}

// ResponseWithHistory returns a response as it is now, with its revisions.
func (db *DB) ResponseWithHistory(ctx context.Context, id string) (ResponseRecord, error) {
	var rec ResponseRecord
	err := db.Read(ctx, func(tx *sql.Tx) error {
		var voided sql.NullString
		var err error
		rec.Response, err = scanResponse(tx.QueryRowContext(ctx, `SELECT revision, voided_at, void_reason, `+responseCols+` FROM responses WHERE id=?`, id),
			&rec.Revision, &voided, &rec.VoidReason)
		if errors.Is(err, sql.ErrNoRows) {
			return models.NotFound("答卷", "response")
		}
		if err != nil {
			return err
		}
		if voided.Valid {
			at := parseTS(voided.String).In(CST)
			rec.VoidedAt = &at
		}
		rows, err := tx.QueryContext(ctx, `SELECT revision, action, answers, reason, changed_by, changed_at FROM response_revisions WHERE response_id=? ORDER BY revision`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		rec.Revisions = []Revision{}
		for rows.Next() {
			var r Revision
			var a, at string
			if err := rows.Scan(&r.Revision, &r.Action, &a, &r.Reason, &r.ChangedBy, &at); err != nil {
				return err
			}
			r.Answers = json.RawMessage(a)
			r.ChangedAt = parseTS(at).In(CST)
			rec.Revisions = append(rec.Revisions, r)
		}
		return rows.Err()
	})
	return rec, Wrap("response "+id, err)
}

// ActivityFix is a correction of an activity: each field given replaces
// the stored one. Its kind and topic stay (its opinions' source and topic
// follow them).
type ActivityFix struct {
	Title        *string
	HeldOn       *string
	Location     *string
	Host         *string
	Participants *models.Participants
	DeputyIDs    *[]string
	Minutes      *string
}

// apply returns a with the fix applied.
func (f ActivityFix) apply(a models.Activity) models.Activity {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	set(&a.Title, f.Title)
	set(&a.HeldOn, f.HeldOn)
	set(&a.Location, f.Location)
	set(&a.Host, f.Host)
	set(&a.Minutes, f.Minutes)
	if f.Participants != nil {
		a.Participants = *f.Participants
	}
	if f.DeputyIDs != nil {
		a.DeputyIDs = *f.DeputyIDs
		if len(a.DeputyIDs) == 0 {
			a.DeputyIDs = nil
		}
	}
	return a
}

// activityBody is what an activity revision keeps.
type activityBody struct {
	Title        string              `json:"title"`
	HeldOn       string              `json:"held_on"`
	Location     string              `json:"location,omitempty"`
	Host         string              `json:"host,omitempty"`
	Participants models.Participants `json:"participants"`
	DeputyIDs    []string            `json:"deputy_ids,omitempty"`
	Minutes      string              `json:"minutes,omitempty"`
}

func bodyOf(a models.Activity) activityBody {
	return activityBody{a.Title, a.HeldOn, a.Location, a.Host, a.Participants, a.DeputyIDs, a.Minutes}
}

// CorrectActivity corrects a stored activity, keeping what it was as a
// revision: the participants' counts move by exactly the difference, the
// topic's seq by one, and the activity is queued for the committee. The
// same content again changes nothing (changed is false).
func (db *DB) CorrectActivity(ctx context.Context, id string, f ActivityFix, reason string) (a models.Activity, changed bool, err error) {
	reason, err = checkReason(reason)
	if err != nil {
		return a, false, err
	}
	err = db.Write(ctx, func(tx *sql.Tx) error {
		changed = false
		var rev int
		_, old, err := scanActivity(tx.QueryRow(`SELECT `+activityCols+` FROM activities WHERE id=?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return models.NotFound("活动", "activity")
		}
		if err != nil {
			return err
		}
		if err := tx.QueryRow(`SELECT revision FROM activities WHERE id=?`, id).Scan(&rev); err != nil {
			return err
		}
		a = f.apply(old)
		if err := checkActivityFix(tx, a); err != nil {
			return err
		}
		before, after := bodyOf(old), bodyOf(a)
		b1, err := json.Marshal(before)
		if err != nil {
			return err
		}
		b2, err := json.Marshal(after)
		if err != nil || string(b1) == string(b2) {
			return err
		}
		if _, err := tx.Exec(`INSERT INTO activity_revisions(activity_id, revision, body, reason, changed_by, changed_at) VALUES(?,?,?,?,?,?)`,
			id, rev, string(b1), reason, models.ActorOf(ctx).User, ts(db.Now())); err != nil {
			return fmt.Errorf("keep revision %d of activity %s: %w", rev, id, err)
		}
		deps, err := json.Marshal(a.DeputyIDs)
		if err != nil {
			return err
		}
		p := a.Participants
		if _, err := tx.Exec(`UPDATE activities SET title=?, held_on=?, location=?, host=?, p_deputies=?, p_public=?, p_other=?, deputy_ids=?, minutes=?, revision=revision+1 WHERE id=?`,
			a.Title, a.HeldOn, a.Location, a.Host, p.Deputies, p.Public, p.Other, string(deps), a.Minutes, id); err != nil {
			return fmt.Errorf("correct activity %s: %w", id, err)
		}
		ds := negate(models.ActivityDeltas(old.Kind, old.Participants))
		ds = append(ds, models.ActivityDeltas(a.Kind, a.Participants)...)
		if err := db.enqueue(tx, "activity", id); err != nil {
			return err
		}
		if err := db.count(tx, a.TopicID, ds); err != nil {
			return err
		}
		changed = true
		return db.auditChange(ctx, tx, "activity.correct", "activity", id, map[string]any{"reason": reason, "revision": rev + 1})
	})
	if err != nil {
		return a, false, Wrap("correct activity "+id, err)
	}
	a, err = db.Activity(ctx, id)
	return a, changed, err
}

// checkActivityFix checks a corrected activity's fields (422 naming each).
func checkActivityFix(tx *sql.Tx, a models.Activity) error {
	bad := map[string]string{}
	if a.Title == "" || len([]rune(a.Title)) > 200 {
		bad["title"] = "活动名称应为 1 到 200 字 / the title is 1 to 200 characters"
	}
	if _, err := time.Parse("2006-01-02", a.HeldOn); err != nil {
		bad["held_on"] = "日期应写成 2026-11-20 这样 / write the date like 2026-11-20"
	}
	for name, n := range map[string]int64{"deputies": a.Participants.Deputies, "public": a.Participants.Public, "other": a.Participants.Other} {
		if n < 0 || n > 100000 {
			bad["participants."+name] = "人数应在 0 到 100000 之间 / between 0 and 100000"
		}
	}
	for i, id := range a.DeputyIDs {
		var n int
		if err := tx.QueryRow(`SELECT count(*) FROM deputies WHERE id=?`, id).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			bad[fmt.Sprintf("deputy_ids[%d]", i)] = models.MsgNoSuchDeputy
		}
	}
	if len(bad) > 0 {
		return models.Invalid("活动", bad)
	}
	return nil
}

// ActivityRevision is what an activity was before one correction.
type ActivityRevision struct {
	Revision  int             `json:"revision"`
	Body      json.RawMessage `json:"body"`
	Reason    string          `json:"reason"`
	ChangedBy string          `json:"changed_by"`
	ChangedAt time.Time       `json:"changed_at"`
}

// ActivityRevisions lists an activity's revisions, oldest first.
func (db *DB) ActivityRevisions(ctx context.Context, id string) ([]ActivityRevision, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT revision, body, reason, changed_by, changed_at FROM activity_revisions WHERE activity_id=? ORDER BY revision`, id)
	if err != nil {
		return nil, Wrap("revisions of activity "+id, err)
	}
	defer rows.Close()
	out := []ActivityRevision{}
	for rows.Next() {
		var r ActivityRevision
		var b, at string
		if err := rows.Scan(&r.Revision, &b, &r.Reason, &r.ChangedBy, &at); err != nil {
			return nil, Wrap("revisions of activity "+id, err)
		}
		r.Body, r.ChangedAt = json.RawMessage(b), parseTS(at).In(CST)
		out = append(out, r)
	}
	return out, Wrap("revisions of activity "+id, rows.Err())
}
