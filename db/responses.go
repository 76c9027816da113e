package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/google/uuid"

	"budgetpoint/models"
)

// Submission is a response as it arrives, before it is checked.
type Submission struct {
	ID          string
	Version     int
	Respondent  models.Respondent
	Channel     string
	Answers     map[string]json.RawMessage
	Serial      string
	EnteredBy   string
	SubmittedBy int64
}

// SubmitResponse checks and stores a response, counting it in the topic's
// summary in the same transaction. It returns created=false for the same id
// with the same content (counted once), conflict for the same id with
// different content, validation_failed naming every bad field.
func (db *DB) SubmitResponse(ctx context.Context, qid string, s Submission) (id string, created bool, err error) {
	def, version, err := db.Definition(ctx, qid, s.Version)
	if err != nil {
		if models.ErrorCode(err) == models.ENotFound && s.Version != 0 {
			return "", false, models.Invalid("答卷", map[string]string{"version": "问卷没有这个版本 / no such version of this questionnaire"})
		}
		return "", false, err
	}
	answers, bad := def.CheckAnswers(s.Answers)
	if s.ID == "" {
		s.ID = uuid.NewString()
	} else if _, err := uuid.Parse(s.ID); err != nil {
		bad["id"] = "应为 UUID / must be a UUID"
	}
	if !models.In(s.Respondent.Kind, models.RespondentKinds) {
		bad["respondent.kind"] = "应为 deputy、public 或 other / must be deputy, public or other"
	}
	if !models.In(s.Channel, models.Channels) {
		bad["channel"] = "应为 online 或 paper / must be online or paper"
	}
	if len(bad) > 0 {
		return "", false, models.Invalid("答卷", bad)
	}
	canon := def.MarshalAnswers(answers)
	hash := hashJSON(struct {
		Q       string
		V       int
		R       models.Respondent
		C       string
		Answers json.RawMessage
	}{qid, version, s.Respondent, s.Channel, canon})
	now := db.Now()
	err = db.Write(ctx, func(tx *sql.Tx) error {
		created = false
		var old string
		err := tx.QueryRow(`SELECT content_hash FROM responses WHERE id=?`, s.ID).Scan(&old)
		if err == nil {
			if old == hash {
				return nil
			}
			return models.Errorf(models.EConflict, "答卷编号 %s 已用于内容不同的答卷 / response id %s was already used with different content", s.ID, s.ID)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var proposer models.Proposer
		proposer.Kind = s.Respondent.Kind
		proposer.Description = s.Respondent.Description
		var dep any
		if s.Respondent.DeputyID != "" {
			if err := tx.QueryRow(`SELECT name, level FROM deputies WHERE id=?`, s.Respondent.DeputyID).Scan(&proposer.Name, &proposer.Level); err != nil {
				if errors.Is(err, sql.ErrNoRows) {
					return models.Invalid("答卷", map[string]string{"respondent.deputy_id": "代表名册中没有此人 / no such deputy in the registry"})
				}
				return err
			}
			dep = s.Respondent.DeputyID
			proposer.DeputyID = s.Respondent.DeputyID
		}
		var by any
		if s.SubmittedBy != 0 {
			by = s.SubmittedBy
		}
		if _, err := tx.Exec(`INSERT INTO responses(id, questionnaire_id, version, topic_id, respondent_kind, deputy_id, respondent_desc, channel, answers, content_hash, serial, entered_by, submitted_by, created_at)
			VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, s.ID, qid, version, def.TopicID, s.Respondent.Kind, dep, s.Respondent.Description, s.Channel, string(canon), hash, s.Serial, s.EnteredBy, by, ts(now)); err != nil {
			return err
		}
		ds := models.ResponseDeltas(def, s.Respondent.Kind, s.Channel, answers)
		for _, q := range def.Questions {
			a, ok := answers[q.Key]
			if !ok || !q.Opinion {
				continue
			}
			op := models.Opinion{ID: uuid.NewSHA1(uuid.NameSpaceOID, []byte(s.ID+"/"+q.Key)).String(), TopicID: def.TopicID,
				Source: "questionnaire", ResponseID: s.ID, QuestionKey: q.Key, Content: a.Text, Proposer: proposer}
			if err := db.insertOpinion(tx, &op, s.SubmittedBy); err != nil {
				return err
			}
			ds = append(ds, models.OpinionDeltas(op.Source)...)
		}
		if err := db.count(tx, def.TopicID, ds); err != nil {
			return err
		}
		created = true
		return nil
	})
	return s.ID, created, err
}

// count applies counter changes to a topic, moves its seq on by one and
// queues its summary for the committee, all inside the caller's transaction.
func (db *DB) count(tx *sql.Tx, topicID string, ds []models.Delta) error {
	for _, d := range ds {
		var q string
		switch d.Op {
		case models.OpMin:
			q = `INSERT INTO counters VALUES(?,?,?,?,?) ON CONFLICT DO UPDATE SET n=min(n, excluded.n)`
		case models.OpMax:
			q = `INSERT INTO counters VALUES(?,?,?,?,?) ON CONFLICT DO UPDATE SET n=max(n, excluded.n)`
		default:
			if d.N == 0 {
				continue
			}
			q = `INSERT INTO counters VALUES(?,?,?,?,?) ON CONFLICT DO UPDATE SET n=n+excluded.n`
		}
		if _, err := tx.Exec(q, topicID, d.Questionnaire, d.Question, d.Bucket, d.N); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(`UPDATE topics SET seq=seq+1 WHERE id=?`, topicID); err != nil {
		return err
	}
	return db.enqueue(tx, "summary", topicID)
}

// enqueue queues a thing for the committee; a thing already waiting is
// coalesced into one entry whose version moves on, so that an entry sent
// before this change is not taken as acknowledged.
func (db *DB) enqueue(tx *sql.Tx, kind, id string) error {
	_, err := tx.Exec(`INSERT INTO outbox(kind, ref_id, version, queued_at) VALUES(?,?,1,?)
		ON CONFLICT DO UPDATE SET version=version+1`, kind, id, ts(db.Now()))
	return err
}

// ResponseFilter selects responses of a questionnaire.
type ResponseFilter struct {
	SubmittedBy int64 // only this user's, when not 0
	Limit       int
	After       string
}

// Responses lists a questionnaire's responses in the order they were stored.
func (db *DB) Responses(ctx context.Context, qid string, f ResponseFilter) (models.Page[models.Response], error) {
	p := models.Page[models.Response]{Items: []models.Response{}}
	a, err := DecodeCursor(f.After)
	if err != nil {
		return p, err
	}
	after, _ := strconv.ParseInt(a, 10, 64)
	rows, err := db.r.QueryContext(ctx, `SELECT rowid, id, questionnaire_id, version, topic_id, respondent_kind, coalesce(deputy_id,''), respondent_desc, channel, answers, serial, entered_by, created_at
		FROM responses WHERE questionnaire_id=? AND rowid > ? AND (?=0 OR submitted_by=?) ORDER BY rowid LIMIT ?`, qid, after, f.SubmittedBy, f.SubmittedBy, f.Limit+1)
	if err != nil {
		return p, err
	}
	defer rows.Close()
	var last, prevRow int64
	for rows.Next() {
		var r models.Response
		var ans, c string
		if err := rows.Scan(&last, &r.ID, &r.QuestionnaireID, &r.Version, &r.TopicID, &r.Respondent.Kind, &r.Respondent.DeputyID, &r.Respondent.Description, &r.Channel, &ans, &r.Serial, &r.EnteredBy, &c); err != nil {
			return p, err
		}
		r.Answers = json.RawMessage(ans)
		r.CreatedAt = parseTS(c)
		if len(p.Items) == f.Limit {
			p.Next = EncodeCursor(strconv.FormatInt(prevRow, 10))
			break
		}
		prevRow = last
		p.Items = append(p.Items, r)
	}
	return p, rows.Err()
}
