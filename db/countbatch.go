package db

import (
	"database/sql"
	"fmt"
	"strconv"

	"budgetpoint/models"
)

// Counting a response changes twenty or more counters. When many responses
// are committed in one transaction, their changes are added up and applied
// once, just before the commit: the same counters, the same seq and outbox
// versions as one change at a time, in the same transaction, at a fraction
// of the statements.
//
// Only requests that ask for it (writeReq.countLater, used by
// SubmitResponse) are counted this way: their functions must not read
// counters, topics.seq or the summary's outbox entry. While such a request
// runs, count stages its changes in db.staged; if the request fails, its
// savepoint is rolled back and the staged changes are dropped with it; if it
// succeeds they join the batch's totals. The totals are applied before any
// other request of the batch runs, and before the commit.

// countStage holds the changes one request made.
type countStage struct {
	topics []string
	deltas [][]models.Delta
}

func (s *countStage) reset() {
	s.topics = s.topics[:0]
	clear(s.deltas)
	s.deltas = s.deltas[:0]
}

// countKey is one counter of one topic, with how it combines.
type countKey struct {
	topic string
	models.CounterKey
	op int
}

// countBatch adds up the changes of a batch's requests.
type countBatch struct {
	changes map[string]int64 // counted changes by topic: seq and outbox move on by as many
	topics  []string         // in the order first counted
	n       map[countKey]int64
	keys    []countKey // in the order first changed
}

func (b *countBatch) empty() bool { return len(b.topics) == 0 }

func (b *countBatch) add(s *countStage) {
	if b.changes == nil {
		b.changes, b.n = map[string]int64{}, map[countKey]int64{}
	}
	for i, topic := range s.topics {
		if _, ok := b.changes[topic]; !ok {
			b.topics = append(b.topics, topic)
		}
		b.changes[topic]++
		for _, d := range s.deltas[i] {
			op, ok := opIndex(d)
			if !ok {
				continue
			}
			k := countKey{topic, d.CounterKey, op}
			old, seen := b.n[k]
			switch {
			case !seen:
				b.keys = append(b.keys, k)
				b.n[k] = d.N
			case op == 0:
				b.n[k] = old + d.N
			case op == 1:
				b.n[k] = min(old, d.N)
			default:
				b.n[k] = max(old, d.N)
			}
		}
	}
}

func (b *countBatch) reset() {
	clear(b.changes)
	clear(b.n)
	b.topics, b.keys = b.topics[:0], b.keys[:0]
}

// opIndex maps a delta's operation to countSQL's index; an addition of
// nothing changes nothing and is left out, as one at a time.
func opIndex(d models.Delta) (int, bool) {
	switch d.Op {
	case models.OpMin:
		return 1, true
	case models.OpMax:
		return 2, true
	}
	return 0, d.N != 0
}

// flush applies the batch's totals inside tx and empties it.
func (db *DB) flushCounts(tx *sql.Tx, b *countBatch) error {
	defer b.reset()
	for _, topic := range b.topics {
		var rows [3][]byte
		for _, k := range b.keys {
			if k.topic == topic {
				rows[k.op] = appendCountRow(rows[k.op], k.CounterKey, b.n[k])
			}
		}
		if err := db.applyCounts(tx, topic, rows, b.changes[topic]); err != nil {
			return err
		}
	}
	return nil
}

// applyCounts applies counter rows (by operation, see countSQL) to a topic,
// moves its seq on by changes and queues its summary for the committee: a
// summary already waiting moves on by as many versions, so that an entry
// sent before these changes is not taken as acknowledged.
func (db *DB) applyCounts(tx *sql.Tx, topicID string, rows [3][]byte, changes int64) error {
	for op, b := range rows {
		if b == nil {
			continue
		}
		if _, err := tx.Exec(countSQL[op], topicID, string(append(b, ']'))); err != nil {
			return fmt.Errorf("count topic %s: counters: %w", topicID, err)
		}
	}
	if _, err := tx.Exec(`UPDATE topics SET seq=seq+? WHERE id=?`, changes, topicID); err != nil {
		return fmt.Errorf("count topic %s: seq: %w", topicID, err)
	}
	if _, err := tx.Exec(`INSERT INTO outbox(kind, ref_id, version, queued_at) VALUES('summary',?,?,?)
		ON CONFLICT DO UPDATE SET version=version+excluded.version`, topicID, changes, ts(db.Now())); err != nil {
		return fmt.Errorf("count topic %s: queue summary: %w", topicID, err)
	}
	return nil
}

// countSQL applies a JSON array of counter rows [questionnaire, question,
// bucket, n]: adding, keeping the minimum, keeping the maximum. The rows are
// applied in order, so a key twice in one array is applied twice.
var countSQL = [3]string{
	`INSERT INTO counters(topic_id, questionnaire_id, question_key, bucket, n) SELECT ?1, j.value->>0, j.value->>1, j.value->>2, j.value->>3
		FROM json_each(?2) j WHERE true ON CONFLICT DO UPDATE SET n=n+excluded.n`,
	`INSERT INTO counters(topic_id, questionnaire_id, question_key, bucket, n) SELECT ?1, j.value->>0, j.value->>1, j.value->>2, j.value->>3
		FROM json_each(?2) j WHERE true ON CONFLICT DO UPDATE SET n=min(n, excluded.n)`,
	`INSERT INTO counters(topic_id, questionnaire_id, question_key, bucket, n) SELECT ?1, j.value->>0, j.value->>1, j.value->>2, j.value->>3
		FROM json_each(?2) j WHERE true ON CONFLICT DO UPDATE SET n=max(n, excluded.n)`,
}

// appendCountRow appends one counter row to a JSON array being built
// (without its closing bracket).
func appendCountRow(b []byte, k models.CounterKey, n int64) []byte {
	if b == nil {
		b = append(make([]byte, 0, 2048), '[', '[')
	} else {
		b = append(b, ',', '[')
	}
	b = appendJSONString(b, k.Questionnaire)
	b = append(b, ',')
	b = appendJSONString(b, k.Question)
	b = append(b, ',')
	b = appendJSONString(b, k.Bucket)
	b = append(b, ',')
	b = strconv.AppendInt(b, n, 10)
	return append(b, ']')
}

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
