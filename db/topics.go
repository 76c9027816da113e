package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"budgetpoint/models"
)

const topicCols = `id, kind, fiscal_year, title, title_en, summary, opens_at, closes_at, origin, created_at, updated_at`

func scanTopic(sc interface{ Scan(...any) error }) (models.Topic, error) {
	var t models.Topic
	var o, c sql.NullString
	var ca, ua string
	err := sc.Scan(&t.ID, &t.Kind, &t.FiscalYear, &t.Title, &t.TitleEN, &t.Summary, &o, &c, &t.Origin, &ca, &ua)
	t.OpensAt, t.ClosesAt = parseTSPtr(o), parseTSPtr(c)
	t.CreatedAt, t.UpdatedAt = parseTS(ca), parseTS(ua)
	return t, err
}

// CreateTopic stores a new local topic. conflict when the id is taken.
func (db *DB) CreateTopic(ctx context.Context, t *models.Topic) error {
	now := db.Now().In(CST)
	t.CreatedAt, t.UpdatedAt, t.Origin = now, now, models.OriginLocal
	return Wrap("create topic "+t.ID, db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO topics(`+topicCols+`) VALUES(?,?,?,?,?,?,?,?,?,?,?)`,
			t.ID, t.Kind, t.FiscalYear, t.Title, t.TitleEN, t.Summary, tsPtr(t.OpensAt), tsPtr(t.ClosesAt), t.Origin, ts(now), ts(now))
		if isUnique(err) {
			return models.Errorf(models.EConflict, "事项编号 %s 已被使用 / topic id %s is already used", t.ID, t.ID)
		}
		if err != nil {
			return err
		}
		return db.auditChange(ctx, tx, "topic.create", "topic", t.ID, map[string]any{"title": t.Title})
	}))
}

// UpsertCommitteeTopic stores a topic the committee published, replacing an earlier copy.
func (db *DB) UpsertCommitteeTopic(tx *sql.Tx, t models.Topic) error {
	now := ts(db.Now())
	_, err := tx.Exec(`INSERT INTO topics(`+topicCols+`) VALUES(?,?,?,?,?,?,?,?,'committee',?,?)
		ON CONFLICT(id) DO UPDATE SET kind=excluded.kind, fiscal_year=excluded.fiscal_year, title=excluded.title,
		title_en=excluded.title_en, summary=excluded.summary, opens_at=excluded.opens_at, closes_at=excluded.closes_at,
		origin='committee', updated_at=excluded.updated_at`,
		t.ID, t.Kind, t.FiscalYear, t.Title, t.TitleEN, t.Summary, tsPtr(t.OpensAt), tsPtr(t.ClosesAt), now, now)
	if err != nil {
		return fmt.Errorf("committee topic %s: %w", t.ID, err)
	}
	return nil
}

// Topic returns one topic.
func (db *DB) Topic(ctx context.Context, id string) (models.Topic, error) {
	t, err := scanTopic(db.r.QueryRowContext(ctx, `SELECT `+topicCols+` FROM topics WHERE id=?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, models.NotFound("事项", "topic")
	}
	return t, Wrap("topic "+id, err)
}

// TopicStates says of every topic whether it takes feedback now
// (models.TopicOpen, TopicNotYet, TopicClosed), by id.
func (db *DB) TopicStates(ctx context.Context) (map[string]string, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+topicCols+` FROM topics`)
	if err != nil {
		return nil, Wrap("topic states", err)
	}
	defer rows.Close()
	now := db.Now()
	out := map[string]string{}
	for rows.Next() {
		t, err := scanTopic(rows)
		if err != nil {
			return nil, Wrap("topic states", err)
		}
		out[t.ID] = t.OpenState(now)
	}
	return out, Wrap("topic states", rows.Err())
}

// Topics lists topics, newest fiscal year first, paged by id.
func (db *DB) Topics(ctx context.Context, limit int, after string) (models.Page[models.Topic], error) {
	p := models.Page[models.Topic]{Items: []models.Topic{}}
	a, err := DecodeCursor(after)
	if err != nil {
		return p, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+topicCols+` FROM topics WHERE id > ? ORDER BY id LIMIT ?`, a, limit+1)
	if err != nil {
		return p, Wrap("list topics", err)
	}
	defer rows.Close()
	for rows.Next() {
		t, err := scanTopic(rows)
		if err != nil {
			return p, Wrap("list topics", err)
		}
		p.Items = append(p.Items, t)
	}
	if len(p.Items) > limit {
		p.Items = p.Items[:limit]
		p.Next = EncodeCursor(p.Items[limit-1].ID)
	}
	return p, Wrap("list topics", rows.Err())
}

// PatchTopic changes a local topic. A committee topic cannot be changed here: forbidden.
func (db *DB) PatchTopic(ctx context.Context, id string, p models.TopicPatch) (models.Topic, error) {
	var out models.Topic
	err := db.Write(ctx, func(tx *sql.Tx) error {
		t, err := scanTopic(tx.QueryRow(`SELECT `+topicCols+` FROM topics WHERE id=?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return models.NotFound("事项", "topic")
		}
		if err != nil {
			return fmt.Errorf("stored topic: %w", err)
		}
		if t.Origin == models.OriginCommittee {
			return models.Errorf(models.EForbidden, "此事项由预工委发布，不能在联系点修改 / this topic was published by the committee and cannot be changed here")
		}
		if p.Kind != nil {
			t.Kind = *p.Kind
		}
		if p.FiscalYear != nil {
			t.FiscalYear = *p.FiscalYear
		}
		if p.Title != nil {
			t.Title = *p.Title
		}
		if p.TitleEN != nil {
			t.TitleEN = *p.TitleEN
		}
		if p.Summary != nil {
			t.Summary = *p.Summary
		}
		if p.OpensAt != nil {
			t.OpensAt = p.OpensAt
		}
		if p.ClosesAt != nil {
			t.ClosesAt = p.ClosesAt
		}
		if t.OpensAt != nil && t.ClosesAt != nil && t.ClosesAt.Before(*t.OpensAt) {
			return models.Invalid("事项", map[string]string{"closes_at": models.MsgClosesBeforeOpens})
		}
		t.UpdatedAt = db.Now().In(CST)
		_, err = tx.Exec(`UPDATE topics SET kind=?, fiscal_year=?, title=?, title_en=?, summary=?, opens_at=?, closes_at=?, updated_at=? WHERE id=?`,
			t.Kind, t.FiscalYear, t.Title, t.TitleEN, t.Summary, tsPtr(t.OpensAt), tsPtr(t.ClosesAt), ts(t.UpdatedAt), id)
		out = t
		if err != nil {
			return err
		}
		return db.auditChange(ctx, tx, "topic.update", "topic", id, nil)
	})
	return out, Wrap("patch topic "+id, err)
}
