package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"budgetpoint/models"
)

// Queries the pages need beyond the API's (package web).

// ChannelStats is one question's answers counted for one channel.
type ChannelStats struct {
	Answered int64
	Asked    int64            // the responses that asked it (shown for questions with skip logic)
	Counts   map[string]int64 // option value or rating score → count
	Sum      int64            // rating: score sum ×1000; number: thousandths
	Min, Max int64            // number, in thousandths, when Answered > 0
}

// QuestionChannels holds a question's stats per channel ("online", "paper").
type QuestionChannels map[string]*ChannelStats

// ChannelSummary counts, per questionnaire, question and channel, the
// answers of a topic's responses: the summary's distributions split into
// online and paper. It reads the stored responses (not the counters), in one
// consistent read; resp counts responses per questionnaire and channel. A
// stored response that cannot be read is an error naming it.
func (db *DB) ChannelSummary(ctx context.Context, topicID string) (stats map[string]map[string]QuestionChannels, resp map[string]map[string]int64, err error) {
	stats, resp, err = db.channelSummary(ctx, topicID)
	if err != nil {
		return nil, nil, Wrap("channel summary of topic "+topicID, err)
	}
	return stats, resp, nil
}

func (db *DB) channelSummary(ctx context.Context, topicID string) (stats map[string]map[string]QuestionChannels, resp map[string]map[string]int64, err error) {
	stats = map[string]map[string]QuestionChannels{}
	resp = map[string]map[string]int64{}
	tx, err := db.r.BeginTx(ctx, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	defs, err := db.topicDefinitions(ctx, tx, topicID)
	if err != nil {
		return nil, nil, err
	}
	// The type of each question key, from the newest version that has it.
	types := map[string]map[string]string{}
	for _, versions := range defs {
		for _, d := range versions {
			if types[d.ID] == nil {
				types[d.ID] = map[string]string{}
			}
			for _, q := range d.Questions {
				if _, ok := types[d.ID][q.Key]; !ok {
					types[d.ID][q.Key] = q.Type
				}
			}
		}
	}
	// The questions of each version: who was asked them.
	asked, err := topicQuestions(ctx, tx, topicID)
	if err != nil {
		return nil, nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, questionnaire_id, version, channel, answers FROM responses WHERE topic_id=? AND voided_at IS NULL ORDER BY rowid`, topicID)
	if err != nil {
		return nil, nil, fmt.Errorf("responses: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, qid, ch, ans string
		var version int
		if err := rows.Scan(&id, &qid, &version, &ch, &ans); err != nil {
			return nil, nil, fmt.Errorf("responses: %w", err)
		}
		if resp[qid] == nil {
			resp[qid] = map[string]int64{}
			stats[qid] = map[string]QuestionChannels{}
		}
		resp[qid][ch]++
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(ans), &m); err != nil {
			return nil, nil, fmt.Errorf("response %s: stored answers: %w", id, err)
		}
		of := func(key string) *ChannelStats {
			qc := stats[qid][key]
			if qc == nil {
				qc = QuestionChannels{}
				stats[qid][key] = qc
			}
			cs := qc[ch]
			if cs == nil {
				cs = &ChannelStats{Counts: map[string]int64{}}
				qc[ch] = cs
			}
			return cs
		}
		for _, q := range asked[qid][version] {
			if q.AskedStored(m) {
				of(q.Key).Asked++
			}
		}
		for key, raw := range m {
			cs := of(key)
			cs.Answered++
			var err error
			switch types[qid][key] {
			case models.SingleChoice:
				var v string
				if err = json.Unmarshal(raw, &v); err == nil {
					cs.Counts[v]++
				}
			case models.MultipleChoice:
				var vs []string
				if err = json.Unmarshal(raw, &vs); err == nil {
					for _, v := range vs {
						cs.Counts[v]++
					}
				}
			case models.Rating:
				var v int
				if err = json.Unmarshal(raw, &v); err == nil {
					cs.Counts[strconv.Itoa(v)]++
					cs.Sum += int64(v) * models.NumberScale
				}
			case models.Number:
				var n models.Num
				if err = n.UnmarshalJSON(raw); err == nil {
					if cs.Answered == 1 || int64(n) < cs.Min {
						cs.Min = int64(n)
					}
					if cs.Answered == 1 || int64(n) > cs.Max {
						cs.Max = int64(n)
					}
					cs.Sum += int64(n)
				}
			}
			if err != nil {
				return nil, nil, fmt.Errorf("response %s: answer %s (%s): %w", id, key, types[qid][key], err)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("responses: %w", err)
	}
	return stats, resp, nil
}

// topicQuestions reads the questions of each version of each questionnaire
// of a topic.
func topicQuestions(ctx context.Context, tx *sql.Tx, topicID string) (map[string]map[int][]models.Question, error) {
	rows, err := tx.QueryContext(ctx, `SELECT v.questionnaire_id, v.version, v.definition FROM questionnaire_versions v
		JOIN questionnaires q ON q.id=v.questionnaire_id WHERE q.topic_id=?`, topicID)
	if err != nil {
		return nil, fmt.Errorf("questionnaires of topic %s: %w", topicID, err)
	}
	defer rows.Close()
	out := map[string]map[int][]models.Question{}
	for rows.Next() {
		var id, s string
		var version int
		if err := rows.Scan(&id, &version, &s); err != nil {
			return nil, fmt.Errorf("questionnaires of topic %s: %w", topicID, err)
		}
		var d models.Definition
		if err := json.Unmarshal([]byte(s), &d); err != nil {
			return nil, fmt.Errorf("questionnaire %s version %d: stored definition: %w", id, version, err)
		}
		if out[id] == nil {
			out[id] = map[int][]models.Question{}
		}
		out[id][version] = d.Questions
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("questionnaires of topic %s: %w", topicID, err)
	}
	return out, nil
}

// ExportRow is one response as the Excel export writes it.
type ExportRow struct {
	ID, Channel, Kind, Desc, Serial, EnteredBy string
	Version                                    int
	CreatedAt                                  time.Time
	Answers                                    map[string]json.RawMessage
}

// EachResponse calls fn for every response of a questionnaire not voided,
// in the order they were stored, without holding them all in memory.
func (db *DB) EachResponse(ctx context.Context, qid string, fn func(ExportRow) error) error {
	op := "responses of questionnaire " + qid
	// The rows are read a page at a time, each page in a read transaction
	// of its own that ends before fn sees its rows: a slow download (the
	// streamed CSV export) holds neither one of the four reader connections
	// nor a WAL snapshot for its whole length. The responses are those
	// stored when the export began (up to the rowid then last), each as its
	// page found it.
	var last int64
	if err := db.r.QueryRowContext(ctx, `SELECT coalesce(max(rowid), 0) FROM responses WHERE questionnaire_id=?`, qid).Scan(&last); err != nil {
		return Wrap(op, err)
	}
	page := make([]ExportRow, 0, exportPage)
	for after := int64(0); after < last; {
		var err error
		if page, after, err = db.responsePage(ctx, qid, after, last, page[:0]); err != nil {
			return Wrap(op, err)
		}
		for _, r := range page {
			// fn's own error (the caller's: writing the export) passes as it is.
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(page) < exportPage {
			break
		}
	}
	return nil
}

// exportPage is how many responses EachResponse reads at a time.
const exportPage = 500

// responsePage reads the next page of a questionnaire's responses not
// voided, after rowid after and up to last, and the rowid it ended at.
func (db *DB) responsePage(ctx context.Context, qid string, after, last int64, page []ExportRow) ([]ExportRow, int64, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT rowid, id, channel, respondent_kind, respondent_desc, serial, entered_by, version, created_at, answers
		FROM responses WHERE questionnaire_id=? AND rowid > ? AND rowid <= ? AND voided_at IS NULL ORDER BY rowid LIMIT ?`, qid, after, last, exportPage)
	if err != nil {
		return nil, after, err
	}
	defer rows.Close()
	for rows.Next() {
		var r ExportRow
		var c, ans string
		if err := rows.Scan(&after, &r.ID, &r.Channel, &r.Kind, &r.Desc, &r.Serial, &r.EnteredBy, &r.Version, &c, &ans); err != nil {
			return nil, after, err
		}
		r.CreatedAt = parseTS(c)
		if err := json.Unmarshal([]byte(ans), &r.Answers); err != nil {
			return nil, after, fmt.Errorf("response %s: stored answers: %w", r.ID, err)
		}
		page = append(page, r)
	}
	return page, after, rows.Err()
}

// AllVersions returns every version of a questionnaire, newest first.
func (db *DB) AllVersions(ctx context.Context, qid string) ([]*models.Definition, error) {
	var latest int
	err := db.r.QueryRowContext(ctx, `SELECT latest_version FROM questionnaires WHERE id=?`, qid).Scan(&latest)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, models.NotFound("问卷", "questionnaire")
	}
	if err != nil {
		return nil, Wrap("versions of questionnaire "+qid, err)
	}
	var out []*models.Definition
	for v := latest; v >= 1; v-- {
		d, _, err := db.Definition(ctx, qid, v)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}
