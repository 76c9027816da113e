package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	"budgetpoint/models"
)

type queryer interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	QueryRowContext(context.Context, string, ...any) *sql.Row
}

// Summary answers a topic's summary from its counters, as one consistent read.
func (db *DB) Summary(ctx context.Context, topicID, pointID string) (models.Summary, error) {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return models.Summary{}, Wrap("summary of topic "+topicID+": begin", err)
	}
	defer tx.Rollback()
	s, err := db.summary(ctx, tx, topicID, pointID)
	return s, Wrap("summary of topic "+topicID, err)
}

func (db *DB) summary(ctx context.Context, q queryer, topicID, pointID string) (models.Summary, error) {
	var seq int64
	if err := q.QueryRowContext(ctx, `SELECT seq FROM topics WHERE id=?`, topicID).Scan(&seq); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return models.Summary{}, models.NotFound("事项", "topic")
		}
		return models.Summary{}, fmt.Errorf("seq: %w", err)
	}
	rows, err := q.QueryContext(ctx, `SELECT questionnaire_id, question_key, bucket, n FROM counters WHERE topic_id=?`, topicID)
	if err != nil {
		return models.Summary{}, fmt.Errorf("counters: %w", err)
	}
	c := models.Counters{}
	for rows.Next() {
		var k models.CounterKey
		var n int64
		if err := rows.Scan(&k.Questionnaire, &k.Question, &k.Bucket, &n); err != nil {
			rows.Close()
			return models.Summary{}, fmt.Errorf("counters: %w", err)
		}
		c[k] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return models.Summary{}, fmt.Errorf("counters: %w", err)
	}
	defs, err := db.topicDefinitions(ctx, q, topicID)
	if err != nil {
		return models.Summary{}, err
	}
	return models.BuildSummary(topicID, pointID, seq, db.Now().In(CST), c, defs), nil
}

// Recount computes a topic's counters again from the source rows (responses,
// activities, opinions), independently of the kept counters: the two must
// agree. A stored response that cannot be read (its answers do not parse as
// its question types) is an error naming it, not a response left uncounted.
func (db *DB) Recount(ctx context.Context, topicID string) (models.Counters, error) {
	c, err := db.recount(ctx, topicID)
	return c, Wrap("recount topic "+topicID, err)
}

func (db *DB) recount(ctx context.Context, topicID string) (models.Counters, error) {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	c := models.Counters{}
	inc := func(q, k, b string, n int64) { c[models.CounterKey{Questionnaire: q, Question: k, Bucket: b}] += n }
	ext := func(q, k, b string, n int64, less bool) {
		key := models.CounterKey{Questionnaire: q, Question: k, Bucket: b}
		if old, ok := c[key]; !ok || (less && n < old) || (!less && n > old) {
			c[key] = n
		}
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, questionnaire_id, version, respondent_kind, channel, answers FROM responses WHERE topic_id=? AND voided_at IS NULL`, topicID)
	if err != nil {
		return nil, fmt.Errorf("responses: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, qid, kind, channel, ans string
		var version int
		if err := rows.Scan(&id, &qid, &version, &kind, &channel, &ans); err != nil {
			return nil, fmt.Errorf("responses: %w", err)
		}
		def, _, err := db.definition(ctx, tx, qid, version)
		if err != nil {
			return nil, fmt.Errorf("response %s: questionnaire %s: %w", id, qid, err)
		}
		inc("", "", "responses", 1)
		inc("", "", "kind:"+kind, 1)
		inc("", "", "channel:"+channel, 1)
		inc(qid, "", "responses", 1)
		var answers map[string]json.RawMessage
		if err := json.Unmarshal([]byte(ans), &answers); err != nil {
			return nil, fmt.Errorf("response %s: stored answers: %w", id, err)
		}
		for i := range def.Questions {
			if q := &def.Questions[i]; q.AskedStored(answers) {
				inc(qid, q.Key, "asked", 1)
			}
		}
		for key, raw := range answers {
			q := def.Question(key)
			if q == nil {
				continue
			}
			inc(qid, key, "answered", 1)
			var err error
			switch q.Type {
			case models.SingleChoice:
				var s string
				if err = json.Unmarshal(raw, &s); err == nil {
					inc(qid, key, "opt:"+s, 1)
				}
			case models.MultipleChoice:
				var ss []string
				if err = json.Unmarshal(raw, &ss); err == nil {
					for _, s := range ss {
						inc(qid, key, "opt:"+s, 1)
					}
				}
			case models.Rating:
				var v int64
				if err = json.Unmarshal(raw, &v); err == nil {
					inc(qid, key, "opt:"+strconv.FormatInt(v, 10), 1)
					inc(qid, key, "sum", v*models.NumberScale)
				}
			case models.Number:
				var f float64
				if err = json.Unmarshal(raw, &f); err == nil {
					m := int64(math.Round(f * models.NumberScale))
					inc(qid, key, "sum", m)
					ext(qid, key, "min", m, true)
					ext(qid, key, "max", m, false)
				}
			}
			if err != nil {
				return nil, fmt.Errorf("response %s: answer %s (%s): %w", id, key, q.Type, err)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("responses: %w", err)
	}
	arows, err := tx.QueryContext(ctx, `SELECT kind, count(*), sum(p_deputies), sum(p_public), sum(p_other) FROM activities WHERE topic_id=? GROUP BY kind`, topicID)
	if err != nil {
		return nil, fmt.Errorf("activities: %w", err)
	}
	defer arows.Close()
	for arows.Next() {
		var kind string
		var n, d, p, o int64
		if err := arows.Scan(&kind, &n, &d, &p, &o); err != nil {
			return nil, fmt.Errorf("activities: %w", err)
		}
		inc("", "", "activity:"+kind, n)
		inc("", "", "participants:deputies", d)
		inc("", "", "participants:public", p)
		inc("", "", "participants:other", o)
	}
	if err := arows.Err(); err != nil {
		return nil, fmt.Errorf("activities: %w", err)
	}
	orows, err := tx.QueryContext(ctx, `SELECT source, count(*) FROM opinions WHERE topic_id=? AND voided_at IS NULL GROUP BY source`, topicID)
	if err != nil {
		return nil, fmt.Errorf("opinions: %w", err)
	}
	defer orows.Close()
	for orows.Next() {
		var src string
		var n int64
		if err := orows.Scan(&src, &n); err != nil {
			return nil, fmt.Errorf("opinions: %w", err)
		}
		inc("", "", "opinions", n)
		inc("", "", "source:"+src, n)
	}
	if err := orows.Err(); err != nil {
		return nil, fmt.Errorf("opinions: %w", err)
	}
	for k, n := range c {
		if n == 0 && models.OpOf(k.Bucket) == models.OpAdd {
			delete(c, k)
		}
	}
	return c, nil
}

// StoredCounters returns a topic's kept counters, for comparing with Recount.
func (db *DB) StoredCounters(ctx context.Context, topicID string) (models.Counters, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT questionnaire_id, question_key, bucket, n FROM counters WHERE topic_id=? AND NOT (n=0 AND bucket NOT IN ('min','max'))`, topicID)
	if err != nil {
		return nil, Wrap("stored counters of topic "+topicID, err)
	}
	defer rows.Close()
	c := models.Counters{}
	for rows.Next() {
		var k models.CounterKey
		var n int64
		if err := rows.Scan(&k.Questionnaire, &k.Question, &k.Bucket, &n); err != nil {
			return nil, Wrap("stored counters of topic "+topicID, err)
		}
		c[k] = n
	}
	if err := rows.Err(); err != nil {
		return nil, Wrap("stored counters of topic "+topicID, err)
	}
	return c, nil
}

// RecountSummary renders the recount as a summary, to compare with Summary.
func (db *DB) RecountSummary(ctx context.Context, topicID, pointID string) (models.Summary, error) {
	c, err := db.Recount(ctx, topicID)
	if err != nil {
		return models.Summary{}, err
	}
	s, err := db.Summary(ctx, topicID, pointID)
	if err != nil {
		return s, err
	}
	defs, err := db.topicDefinitions(ctx, db.r, topicID)
	if err != nil {
		return s, Wrap("recount summary of topic "+topicID, err)
	}
	return models.BuildSummary(topicID, pointID, s.Seq, s.AsOf, c, defs), nil
}
