package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"budgetpoint/models"
)

func activityHash(a *models.Activity) (string, error) {
	ops := make([]any, len(a.Opinions))
	for i, o := range a.Opinions {
		ops[i] = []any{o.ID, o.Content, o.Proposer}
	}
	return hashJSON([]any{a.Kind, a.TopicID, a.Title, a.HeldOn, a.Location, a.Host, a.Participants, a.DeputyIDs, a.Minutes, ops})
}

// CreateActivity records a forum, field research visit or written solicitation
// with the opinions raised there, counted in the topic's summary. The same id
// with the same content again is created=false; with different content, conflict.
func (db *DB) CreateActivity(ctx context.Context, a *models.Activity, createdBy int64) (created bool, err error) {
	err = db.Write(ctx, func(tx *sql.Tx) error {
		created = false
		var n int
		if err := tx.QueryRow(`SELECT count(*) FROM topics WHERE id=?`, a.TopicID).Scan(&n); err != nil {
			return fmt.Errorf("topic %s: %w", a.TopicID, err)
		}
		if n == 0 {
			return models.Invalid("活动", map[string]string{"topic_id": models.MsgNoSuchTopic})
		}
		bad := map[string]string{}
		for i, id := range a.DeputyIDs {
			if err := tx.QueryRow(`SELECT count(*) FROM deputies WHERE id=?`, id).Scan(&n); err != nil {
				return fmt.Errorf("deputy %s: %w", id, err)
			}
			if n == 0 {
				bad["deputy_ids["+strconv.Itoa(i)+"]"] = models.MsgNoSuchDeputy
			}
		}
		for i := range a.Opinions {
			if err := resolveProposer(tx, &a.Opinions[i].Proposer, "opinions["+strconv.Itoa(i)+"].proposer.deputy_id"); err != nil {
				e, _ := models.AsError(err)
				if e == nil {
					return err
				}
				for k, v := range e.Fields {
					bad[k] = v
				}
			}
		}
		if len(bad) > 0 {
			return models.Invalid("活动", bad)
		}
		h, err := activityHash(a)
		if err != nil {
			return err
		}
		var old string
		switch err := tx.QueryRow(`SELECT content_hash FROM activities WHERE id=?`, a.ID).Scan(&old); {
		case err == nil && old == h:
			return nil
		case err == nil:
			return models.Errorf(models.EConflict, "活动编号 %s 已用于内容不同的活动 / activity id %s was already used with different content", a.ID, a.ID)
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("stored activity: %w", err)
		}
		now := db.Now().In(CST)
		a.CreatedAt = now
		var by any
		if createdBy != 0 {
			by = createdBy
		}
		deps, err := json.Marshal(a.DeputyIDs)
		if err != nil {
			return fmt.Errorf("deputy ids: %w", err)
		}
		p := a.Participants
		if _, err := tx.Exec(`INSERT INTO activities(id, kind, topic_id, title, held_on, location, host, p_deputies, p_public, p_other, deputy_ids, minutes, content_hash, created_by, created_at)
			VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, a.ID, a.Kind, a.TopicID, a.Title, a.HeldOn, a.Location, a.Host, p.Deputies, p.Public, p.Other, string(deps), a.Minutes, h, by, ts(now)); err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		ds := models.ActivityDeltas(a.Kind, a.Participants)
		for i := range a.Opinions {
			o := &a.Opinions[i]
			o.TopicID, o.ActivityID, o.Source = a.TopicID, a.ID, a.Kind
			if err := db.insertOpinion(tx, o, createdBy); err != nil {
				return err
			}
			ds = append(ds, models.OpinionDeltas(o.Source)...)
		}
		if err := db.enqueue(tx, "activity", a.ID); err != nil {
			return err
		}
		created = true
		if err := db.auditChange(ctx, tx, "activity.create", "activity", a.ID, map[string]any{"kind": a.Kind, "opinions": len(a.Opinions)}); err != nil {
			return err
		}
		return db.count(tx, a.TopicID, ds)
	})
	if err != nil {
		return false, Wrap("create activity "+a.ID, err)
	}
	got, err := db.Activity(ctx, a.ID)
	*a = got
	return created, err
}

const activityCols = `rowid, id, kind, topic_id, title, held_on, location, host, p_deputies, p_public, p_other, deputy_ids, minutes, created_at`

func scanActivity(sc interface{ Scan(...any) error }) (int64, models.Activity, error) {
	var a models.Activity
	var row int64
	var deps, c string
	if err := sc.Scan(&row, &a.ID, &a.Kind, &a.TopicID, &a.Title, &a.HeldOn, &a.Location, &a.Host, &a.Participants.Deputies, &a.Participants.Public, &a.Participants.Other, &deps, &a.Minutes, &c); err != nil {
		return row, a, err
	}
	if err := json.Unmarshal([]byte(deps), &a.DeputyIDs); err != nil {
		return row, a, fmt.Errorf("activity %s: stored deputy ids: %w", a.ID, err)
	}
	a.CreatedAt = parseTS(c)
	return row, a, nil
}

// Activity returns one activity with its opinions.
func (db *DB) Activity(ctx context.Context, id string) (models.Activity, error) {
	_, a, err := scanActivity(db.r.QueryRowContext(ctx, `SELECT `+activityCols+` FROM activities WHERE id=?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, models.NotFound("活动", "activity")
	}
	if err != nil {
		return a, Wrap("activity "+id, err)
	}
	a.Opinions, err = db.activityOpinions(ctx, id)
	return a, Wrap("activity "+id, err)
}

// Activities lists activities in the order they were recorded, optionally of one topic and kind.
func (db *DB) Activities(ctx context.Context, topic, kind string, limit int, after string) (models.Page[models.Activity], error) {
	p := models.Page[models.Activity]{Items: []models.Activity{}}
	from, err := DecodeRowCursor(after)
	if err != nil {
		return p, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+activityCols+` FROM activities WHERE rowid > ? AND (?='' OR topic_id=?) AND (?='' OR kind=?) ORDER BY rowid LIMIT ?`,
		from, topic, topic, kind, kind, limit+1)
	if err != nil {
		return p, Wrap("list activities", err)
	}
	var rowids []int64
	for rows.Next() {
		row, a, err := scanActivity(rows)
		if err != nil {
			rows.Close()
			return p, Wrap("list activities", err)
		}
		rowids = append(rowids, row)
		p.Items = append(p.Items, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return p, Wrap("list activities", err)
	}
	if len(p.Items) > limit {
		p.Items = p.Items[:limit]
		p.Next = EncodeCursor(strconv.FormatInt(rowids[limit-1], 10))
	}
	for i := range p.Items {
		if p.Items[i].Opinions, err = db.activityOpinions(ctx, p.Items[i].ID); err != nil {
			return p, Wrap("list activities", err)
		}
	}
	return p, nil
}
