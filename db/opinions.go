package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"budgetpoint/models"
)

// insertOpinion stores a new opinion (status recorded) and queues it for the
// committee. The caller counts it.
func (db *DB) insertOpinion(tx *sql.Tx, o *models.Opinion, createdBy int64) error {
	now := db.Now().In(CST)
	o.Status, o.RecordedAt, o.UpdatedAt = "recorded", now, now
	var by, act, resp, dep any
	if createdBy != 0 {
		by = createdBy
	}
	if o.ActivityID != "" {
		act = o.ActivityID
	}
	if o.ResponseID != "" {
		resp = o.ResponseID
	}
	if o.Proposer.DeputyID != "" {
		dep = o.Proposer.DeputyID
	}
	h, err := opinionHash(o)
	if err != nil {
		return fmt.Errorf("opinion %s: %w", o.ID, err)
	}
	p := o.Proposer
	_, err = tx.Exec(`INSERT INTO opinions(id, topic_id, source, activity_id, response_id, question_key, content, proposer_kind, deputy_id, proposer_name, proposer_level, proposer_desc, status, content_hash, created_by, recorded_at, updated_at)
		VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, o.ID, o.TopicID, o.Source, act, resp, o.QuestionKey, o.Content, p.Kind, dep, p.Name, p.Level, p.Description,
		o.Status, h, by, ts(now), ts(now))
	if isUnique(err) {
		return models.Errorf(models.EConflict, "意见编号 %s 已被使用 / opinion id %s is already used", o.ID, o.ID)
	}
	if err != nil {
		return fmt.Errorf("insert opinion %s: %w", o.ID, err)
	}
	return db.enqueue(tx, "opinion", o.ID)
}

func opinionHash(o *models.Opinion) (string, error) {
	return hashJSON([]any{o.TopicID, o.Source, o.ActivityID, o.Content, o.Proposer})
}

// resolveProposer fills a deputy proposer's name and level from the registry.
func resolveProposer(tx *sql.Tx, p *models.Proposer, field string) error {
	if p.DeputyID == "" {
		return nil
	}
	if err := tx.QueryRow(`SELECT name, level FROM deputies WHERE id=?`, p.DeputyID).Scan(&p.Name, &p.Level); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return models.Invalid("意见", map[string]string{field: models.MsgNoSuchDeputy})
		}
		return fmt.Errorf("deputy %s: %w", p.DeputyID, err)
	}
	p.Kind = "deputy"
	return nil
}

// CreateOpinion records one opinion. The same id with the same content again
// is created=false; with different content, conflict.
func (db *DB) CreateOpinion(ctx context.Context, o *models.Opinion, createdBy int64) (created bool, err error) {
	err = db.Write(ctx, func(tx *sql.Tx) error {
		created = false
		if err := resolveProposer(tx, &o.Proposer, "proposer.deputy_id"); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(`SELECT count(*) FROM topics WHERE id=?`, o.TopicID).Scan(&n); err != nil {
			return fmt.Errorf("topic %s: %w", o.TopicID, err)
		}
		if n == 0 {
			return models.Invalid("意见", map[string]string{"topic_id": models.MsgNoSuchTopic})
		}
		if o.ActivityID != "" {
			var topic string
			if err := tx.QueryRow(`SELECT topic_id FROM activities WHERE id=?`, o.ActivityID).Scan(&topic); errors.Is(err, sql.ErrNoRows) {
				return models.Invalid("意见", map[string]string{"activity_id": "没有这个活动 / no such activity"})
			} else if err != nil {
				return fmt.Errorf("activity %s: %w", o.ActivityID, err)
			}
			if topic != o.TopicID {
				return models.Invalid("意见", map[string]string{"activity_id": "活动属于另一个事项 / the activity belongs to another topic"})
			}
		}
		var old string
		switch err := tx.QueryRow(`SELECT content_hash FROM opinions WHERE id=?`, o.ID).Scan(&old); {
		case err == nil:
			h, err := opinionHash(o)
			if err != nil || old == h {
				return err
			}
			return models.Errorf(models.EConflict, "意见编号 %s 已用于内容不同的意见 / opinion id %s was already used with different content", o.ID, o.ID)
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("stored opinion: %w", err)
		}
		if err := db.insertOpinion(tx, o, createdBy); err != nil {
			return err
		}
		created = true
		if err := db.auditChange(ctx, tx, "opinion.create", "opinion", o.ID, nil); err != nil {
			return err
		}
		return db.count(tx, o.TopicID, models.OpinionDeltas(o.Source))
	})
	if err != nil {
		return false, Wrap("create opinion "+o.ID, err)
	}
	if !created {
		*o, err = db.Opinion(ctx, o.ID)
	}
	return created, err
}

const opinionCols = `rowid, id, topic_id, source, coalesce(activity_id,''), coalesce(response_id,''), question_key, content, proposer_kind, coalesce(deputy_id,''),
	proposer_name, proposer_level, proposer_desc, status, answer, evaluation, recorded_at, updated_at, coalesce(created_by,0), voided_at IS NOT NULL,
	round, lead_name, due, supervised, grade, reply_unit, reply_at, follow_up`

// scanOpinion reads an opinion with what the hub told of it: the lead
// unit's name, the due date, the round and 督办, and the latest reply (one
// of Replies, its content the answer).
func scanOpinion(sc interface{ Scan(...any) error }) (int64, models.Opinion, error) {
	var o models.Opinion
	var row int64
	var r, u, replyUnit, replyAt string
	err := sc.Scan(&row, &o.ID, &o.TopicID, &o.Source, &o.ActivityID, &o.ResponseID, &o.QuestionKey, &o.Content, &o.Proposer.Kind, &o.Proposer.DeputyID,
		&o.Proposer.Name, &o.Proposer.Level, &o.Proposer.Description, &o.Status, &o.Answer, &o.Evaluation, &r, &u, &o.CreatedBy, &o.Voided,
		&o.Round, &o.LeadName, &o.Due, &o.Supervised, &o.Grade, &replyUnit, &replyAt, &o.FollowUp)
	o.RecordedAt, o.UpdatedAt = parseTS(r), parseTS(u)
	if o.Grade != "" {
		o.Replies = []models.Reply{{Round: max(o.Round, 1), Unit: replyUnit, Grade: o.Grade, Content: o.Answer, At: parseTS(replyAt)}}
	}
	return row, o, err
}

// Opinion returns one opinion.
func (db *DB) Opinion(ctx context.Context, id string) (models.Opinion, error) {
	_, o, err := scanOpinion(db.r.QueryRowContext(ctx, `SELECT `+opinionCols+` FROM opinions WHERE id=?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return o, models.NotFound("意见", "opinion")
	}
	return o, Wrap("opinion "+id, err)
}

// Opinions lists opinions in the order they were recorded.
func (db *DB) Opinions(ctx context.Context, f models.OpinionFilter) (models.Page[models.Opinion], error) {
	p := models.Page[models.Opinion]{Items: []models.Opinion{}}
	after, err := DecodeRowCursor(f.After)
	if err != nil {
		return p, err
	}
	q := `SELECT ` + opinionCols + ` FROM opinions WHERE rowid > ? AND voided_at IS NULL`
	args := []any{after}
	for col, v := range map[string]string{"topic_id": f.Topic, "source": f.Source, "status": f.Status} {
		if v != "" {
			q += ` AND ` + col + `=?`
			args = append(args, v)
		}
	}
	if f.DeputyID != "" || f.CreatedBy != 0 {
		q += ` AND (deputy_id=? OR created_by=?)`
		args = append(args, f.DeputyID, f.CreatedBy)
	}
	q += ` ORDER BY rowid LIMIT ?`
	args = append(args, f.Limit+1)
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return p, Wrap("list opinions", err)
	}
	defer rows.Close()
	var rowids []int64
	for rows.Next() {
		row, o, err := scanOpinion(rows)
		if err != nil {
			return p, Wrap("list opinions", err)
		}
		rowids = append(rowids, row)
		p.Items = append(p.Items, o)
	}
	if len(p.Items) > f.Limit {
		p.Items = p.Items[:f.Limit]
		p.Next = EncodeCursor(strconv.FormatInt(rowids[f.Limit-1], 10))
	}
	return p, Wrap("list opinions", rows.Err())
}

// activityOpinions returns the opinions raised at an activity.
func (db *DB) activityOpinions(ctx context.Context, id string) ([]models.Opinion, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+opinionCols+` FROM opinions WHERE activity_id=? ORDER BY rowid`, id)
	if err != nil {
		return nil, fmt.Errorf("opinions of activity %s: %w", id, err)
	}
	defer rows.Close()
	out := []models.Opinion{}
	for rows.Next() {
		_, o, err := scanOpinion(rows)
		if err != nil {
			return nil, fmt.Errorf("opinions of activity %s: %w", id, err)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("opinions of activity %s: %w", id, err)
	}
	return out, nil
}
