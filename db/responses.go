package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
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
	// ByDeputy: SubmittedBy is a deputy's login answering for themselves
	// (a questionnaire once_per_deputy takes one response of theirs).
	ByDeputy bool
	// OpenOnly: from a deputy or through a public link, taken only while
	// the topic is open (staff typing paper forms or late ones are not held
	// to it). A response already stored is still recognised after closing.
	OpenOnly bool
}

// SubmitResponse checks and stores a response, counting it in the topic's
// summary in the same transaction. It returns created=false for the same id
// with the same content (counted once), conflict for the same id with
// different content, validation_failed naming every bad field.
func (db *DB) SubmitResponse(ctx context.Context, qid string, s Submission) (id string, created bool, err error) {
	// The first try reads nothing: the version is the latest as last seen,
	// or the stored response's, which the writer finds. When the writer
	// finds otherwise, the submission is checked again with what it found.
	for hinted := true; ; hinted = false {
		cs, err := db.checkSubmission(ctx, qid, s, hinted)
		if err != nil && hinted && s.Version == 0 {
			// Refused against the latest as last seen: the latest may have
			// moved on, or the id be stored under another version.
			continue
		}
		if err != nil {
			return "", false, err
		}
		// StoreChecked reads no counters, so its counting may wait for the end of the batch.
		err = db.write(ctx, true, func(tx *sql.Tx) error {
			var err error
			created, err = db.StoreChecked(tx, cs)
			if err != nil || !created {
				return err
			}
			// Through a public link or an evaluation code there is no actor:
			// such responses are counted, never tied to a person.
			return db.auditChange(ctx, tx, "response.create", "response", cs.ID, map[string]any{"questionnaire": qid, "channel": cs.Channel})
		})
		var again recheck
		if hinted && errors.As(err, &again) {
			s.Version = again.version
			continue
		}
		if err != nil {
			// A first run of fn may have set created before its batch ran
			// again without it (commitWhole).
			created = false
		}
		return cs.ID, created, Wrap("submit response "+cs.ID, err)
	}
}

// recheck is StoreChecked's answer to a hinted submission checked against
// another version than it is to be stored under: version, the stored
// response's, or 0 for the questionnaire's latest, which has moved on.
type recheck struct{ version int }

func (r recheck) Error() string {
	return fmt.Sprintf("check the response again, against version %d", r.version)
}

// closedFor returns the refusal of a new response while a topic is not
// open, or nil when it is open, is not here, or response id is stored.
func (db *DB) closedFor(ctx context.Context, topicID, id string) error {
	t, err := scanTopic(db.r.QueryRowContext(ctx, `SELECT `+topicCols+` FROM topics WHERE id=?`, topicID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return Wrap("topic "+topicID, err)
	}
	refusal := t.NotOpen(db.Now())
	if refusal == nil || id == "" {
		return refusal
	}
	var one int
	switch err := db.r.QueryRowContext(ctx, `SELECT 1 FROM responses WHERE id=?`, id).Scan(&one); {
	case err == nil:
		return nil
	case !errors.Is(err, sql.ErrNoRows):
		return Wrap("response "+id, err)
	}
	return refusal
}

// CheckedSubmission is a submission that passed CheckSubmission: its answers
// normalized, its id fixed and its content hash computed, ready to be stored
// by StoreChecked inside a write transaction.
type CheckedSubmission struct {
	Submission
	QID     string
	Def     *models.Definition
	Ver     int
	Checked models.Answers
	Canon   json.RawMessage
	Hash    string
	// hinted: Ver is a hint (the latest version as last seen, and a stored
	// response of the id may be under another), which StoreChecked checks.
	hinted bool
}

// CheckSubmission is the first half of SubmitResponse: everything that can be
// checked outside the write transaction. It assigns an id when there is none
// and returns validation_failed naming every bad field.
func (db *DB) CheckSubmission(ctx context.Context, qid string, s Submission) (*CheckedSubmission, error) {
	return db.checkSubmission(ctx, qid, s, false)
}

// checkSubmission is CheckSubmission; hinted, with a submission that names
// no version, it reads neither the stored response's version nor the
// latest, taking the latest as last seen: StoreChecked then answers recheck
// when either is not the one checked against.
func (db *DB) checkSubmission(ctx context.Context, qid string, s Submission, hinted bool) (*CheckedSubmission, error) {
	hinted = hinted && s.Version == 0
	if hinted {
		if v, ok := db.latest.Load(qid); ok {
			s.Version = v.(int)
		}
	} else if s.Version == 0 && s.ID != "" {
		// A resubmission that names no version means the version it was
		// stored under, even if a newer one has been published since;
		// otherwise a client's retry would be checked against another
		// version and refused instead of recognised.
		var v int
		err := db.r.QueryRowContext(ctx, `SELECT version FROM responses WHERE id=? AND questionnaire_id=?`, s.ID, qid).Scan(&v)
		switch {
		case err == nil:
			s.Version = v
		case !errors.Is(err, sql.ErrNoRows):
			return nil, Wrap("check response "+s.ID+": stored version", err)
		}
	}
	def, version, err := db.Definition(ctx, qid, s.Version)
	if models.ErrorCode(err) == models.ENotFound {
		if draft, derr := db.isDraftOnly(ctx, qid); derr != nil {
			return nil, Wrap("check response "+s.ID, derr)
		} else if draft {
			return nil, errDraft
		}
	}
	if err != nil {
		if models.ErrorCode(err) == models.ENotFound && s.Version != 0 {
			// A version of a questionnaire that does not exist at all is
			// not_found, as without a version; only a missing version of an
			// existing one is a bad field.
			if _, _, qerr := db.Definition(ctx, qid, 0); qerr != nil {
				return nil, qerr
			}
			return nil, models.Invalid("答卷", map[string]string{"version": "问卷没有这个版本 / no such version of this questionnaire"})
		}
		return nil, err
	}
	if s.OpenOnly {
		// Said before the answers are judged: a form sent after closing is
		// refused for that, not for what it lacks. A response stored before
		// is still recognised (StoreChecked keeps to the dates in the end).
		if err := db.closedFor(ctx, def.TopicID, s.ID); err != nil {
			return nil, err
		}
	}
	answers, bad := def.CheckAnswers(s.Answers)
	if s.ID == "" {
		s.ID = uuid.NewString()
	} else if _, err := uuid.Parse(s.ID); err != nil {
		bad["id"] = models.MsgUUID
	}
	if !models.In(s.Respondent.Kind, models.RespondentKinds) {
		bad["respondent.kind"] = "应为 deputy、public 或 other / must be deputy, public or other"
	} else if s.Respondent.DeputyID != "" && s.Respondent.Kind != "deputy" {
		// Otherwise a response counted as public would carry a deputy's
		// name and level into its opinions and to the committee.
		bad["respondent.deputy_id"] = "只有代表答卷才能指定代表 / only a deputy respondent can name a deputy"
	}
	if !models.In(s.Channel, models.Channels) {
		bad["channel"] = "应为 online 或 paper / must be online or paper"
	}
	if len(bad) > 0 {
		return nil, models.Invalid("答卷", bad)
	}
	canon := def.MarshalAnswers(answers)
	hash, err := hashJSON(struct {
		Q       string
		V       int
		R       models.Respondent
		C       string
		Answers json.RawMessage
	}{qid, version, s.Respondent, s.Channel, canon})
	if err != nil {
		return nil, Wrap("check response "+s.ID, err)
	}
	if hinted {
		s.Version = 0
	}
	return &CheckedSubmission{Submission: s, QID: qid, Def: def, Ver: version, Checked: answers, Canon: canon, Hash: hash, hinted: hinted}, nil
}

// StoreChecked is the second half of SubmitResponse, run inside the caller's
// write transaction: it stores a checked submission, its opinions and its
// counts. It returns created=false when the same id with the same content is
// already stored (counted once), conflict for the same id with different content.
func (db *DB) StoreChecked(tx *sql.Tx, cs *CheckedSubmission) (created bool, err error) {
	s, qid, def, version, answers := &cs.Submission, cs.QID, cs.Def, cs.Ver, cs.Checked
	// A response stored before is recognised before anything else is
	// judged: after the topic closed, and a deputy's once. Staff typing in
	// forms meet neither, so for them the insert itself finds a stored one
	// (most are new: one statement fewer each).
	if s.OpenOnly || def.OncePerDeputy {
		if done, created, err := db.judgeStored(tx, cs); done {
			return created, err
		}
	}
	if cs.hinted {
		latest, err := db.latestInTx(tx, qid)
		if err != nil {
			return false, err
		}
		if latest != version {
			// Not stored as a hint here: this transaction may yet fail with
			// what it read. The check again reads the latest committed.
			return false, recheck{0}
		}
	}
	if s.OpenOnly {
		// A topic not (yet) here has no dates to keep to.
		t, err := scanTopic(tx.QueryRow(`SELECT `+topicCols+` FROM topics WHERE id=?`, def.TopicID))
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return false, fmt.Errorf("topic %s of questionnaire %s: %w", def.TopicID, qid, err)
		default:
			if err := t.NotOpen(db.Now()); err != nil {
				return false, err
			}
		}
	}
	if def.OncePerDeputy && s.ByDeputy && s.SubmittedBy != 0 {
		// In the write transaction: two submissions at once are one, then the other.
		prev, err := answeredBy(tx, qid, s.SubmittedBy)
		if err != nil {
			return false, err
		}
		if prev != "" {
			return false, errAlreadyAnswered(prev)
		}
	}
	var proposer models.Proposer
	proposer.Kind = s.Respondent.Kind
	proposer.Description = s.Respondent.Description
	var dep any
	if s.Respondent.DeputyID != "" {
		if err := tx.QueryRow(`SELECT name, level FROM deputies WHERE id=?`, s.Respondent.DeputyID).Scan(&proposer.Name, &proposer.Level); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				// A response stored before a deputy left the registry is
				// still recognised as stored.
				if done, created, err := db.judgeStored(tx, cs); done {
					return created, err
				}
				return false, models.Invalid("答卷", map[string]string{"respondent.deputy_id": models.MsgNoSuchDeputy})
			}
			return false, fmt.Errorf("deputy %s: %w", s.Respondent.DeputyID, err)
		}
		dep = s.Respondent.DeputyID
		proposer.DeputyID = s.Respondent.DeputyID
	}
	var by any
	if s.SubmittedBy != 0 {
		by = s.SubmittedBy
	}
	res, err := tx.Exec(`INSERT INTO responses(id, questionnaire_id, version, topic_id, respondent_kind, deputy_id, respondent_desc, channel, answers, content_hash, serial, entered_by, submitted_by, created_at)
		VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO NOTHING`, s.ID, qid, version, def.TopicID, s.Respondent.Kind, dep, s.Respondent.Description, s.Channel, string(cs.Canon), cs.Hash, s.Serial, s.EnteredBy, by, ts(db.Now()))
	if err != nil {
		return false, fmt.Errorf("insert response %s: %w", s.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return false, fmt.Errorf("insert response %s: %w", s.ID, err)
	} else if n == 0 {
		done, created, err := db.judgeStored(tx, cs)
		if !done { // a conflict on the id, yet no row of it: cannot be
			err = fmt.Errorf("insert response %s: refused, yet not stored", s.ID)
		}
		return created, err
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
			return false, err
		}
		ds = append(ds, models.OpinionDeltas(op.Source)...)
	}
	if err := db.count(tx, def.TopicID, ds); err != nil {
		return false, err
	}
	return true, nil
}

// judgeStored answers a submission whose id is stored already (done):
// the same content again (created false), a voided one or other content
// (conflict), or, for a hinted one stored under another version, recheck.
func (db *DB) judgeStored(tx *sql.Tx, cs *CheckedSubmission) (done, created bool, err error) {
	var old, storedQ string
	var voided sql.NullString
	var storedV int
	err = tx.QueryRow(`SELECT content_hash, voided_at, questionnaire_id, version FROM responses WHERE id=?`, cs.ID).Scan(&old, &voided, &storedQ, &storedV)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, false, nil
	case err != nil:
		return true, false, fmt.Errorf("stored response %s: %w", cs.ID, err)
	case cs.hinted && storedQ == cs.QID && storedV != cs.Ver:
		return true, false, recheck{storedV}
	case voided.Valid:
		return true, false, models.Errorf(models.EConflict, "答卷编号 %s 的答卷已作废，不能再用 / response %s was voided: its id cannot be used again", cs.ID, cs.ID)
	case old == cs.Hash:
		return true, false, nil
	}
	return true, false, models.Errorf(models.EConflict, "答卷编号 %s 已用于内容不同的答卷 / response id %s was already used with different content", cs.ID, cs.ID)
}

// latestInTx is a questionnaire's latest version, read once per batch:
// the writer forgets what it read before any request that may publish one
// (any but a response's).
func (db *DB) latestInTx(tx *sql.Tx, qid string) (int, error) {
	if v, ok := db.latestSeen[qid]; ok {
		return v, nil
	}
	var latest int
	if err := tx.QueryRow(`SELECT latest_version FROM questionnaires WHERE id=?`, qid).Scan(&latest); err != nil {
		return 0, fmt.Errorf("latest version of questionnaire %s: %w", qid, err)
	}
	if db.latestSeen == nil {
		db.latestSeen = map[string]int{}
	}
	db.latestSeen[qid] = latest
	return latest, nil
}

// errAlreadyAnswered is the refusal of a deputy's second response.
func errAlreadyAnswered(prev string) error {
	return &models.Error{Code: models.EAlreadyAnswered,
		Message: "您已经填写过这份问卷，每位代表只填一次 / you have already answered this questionnaire: each deputy answers it once",
		Fields:  map[string]string{"response": prev}}
}

// answeredBy is the id of a response the login user gave to the
// questionnaire, or "".
func answeredBy(q interface {
	QueryRow(string, ...any) *sql.Row
}, qid string, user int64) (string, error) {
	var id string
	err := q.QueryRow(`SELECT id FROM responses WHERE questionnaire_id=? AND submitted_by=? ORDER BY rowid LIMIT 1`, qid, user).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("responses of user %d: %w", user, err)
	}
	return id, nil
}

// AnsweredBy maps each questionnaire the login user answered to the id of
// their first response (for 我的问卷).
func (db *DB) AnsweredBy(ctx context.Context, user int64) (map[string]string, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT questionnaire_id, id FROM responses WHERE submitted_by=? ORDER BY rowid`, user)
	if err != nil {
		return nil, Wrap("answered questionnaires", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var q, id string
		if err := rows.Scan(&q, &id); err != nil {
			return nil, Wrap("answered questionnaires", err)
		}
		if _, ok := out[q]; !ok {
			out[q] = id
		}
	}
	return out, Wrap("answered questionnaires", rows.Err())
}

// SubmitResponses checks every submission first and then stores them all in
// one write transaction, each exactly as SubmitResponse would: all or nothing.
// Validation errors name their submission as "[i].field".
func (db *DB) SubmitResponses(ctx context.Context, qid string, subs []Submission) ([]string, error) {
	css, err := db.submitMany(ctx, qid, subs, map[string]string{}, func(i int) string { return fmt.Sprintf("[%d].", i) }, nil)
	if err != nil {
		return nil, Wrap(fmt.Sprintf("submit %d responses to questionnaire %s", len(subs), qid), err)
	}
	ids := make([]string, len(css))
	for i, cs := range css {
		ids[i] = cs.ID
	}
	return ids, nil
}

// count applies counter changes to a topic, moves its seq on by one and
// queues its summary for the committee, all inside the caller's transaction.
// In a request that counts at the end of its batch (see countbatch.go), the
// changes are staged and applied, added up with the batch's others, just
// before the commit.
func (db *DB) count(tx *sql.Tx, topicID string, ds []models.Delta) error {
	if s := db.staged; s != nil {
		s.topics = append(s.topics, topicID)
		s.deltas = append(s.deltas, ds)
		return nil
	}
	var rows [3][]byte
	for _, d := range ds {
		if op, ok := opIndex(d); ok {
			rows[op] = appendCountRow(rows[op], d.CounterKey, d.N)
		}
	}
	return db.applyCounts(tx, topicID, rows, 1)
}

// enqueue queues a thing for the committee; a thing already waiting is
// coalesced into one entry whose version moves on, so that an entry sent
// before this change is not taken as acknowledged.
func (db *DB) enqueue(tx *sql.Tx, kind, id string) error {
	if _, err := tx.Exec(`INSERT INTO outbox(kind, ref_id, version, queued_at) VALUES(?,?,1,?)
		ON CONFLICT DO UPDATE SET version=version+1`, kind, id, ts(db.Now())); err != nil {
		return fmt.Errorf("queue %s %s: %w", kind, id, err)
	}
	return nil
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
	after, err := DecodeRowCursor(f.After)
	if err != nil {
		return p, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT rowid, `+responseCols+`
		FROM responses WHERE questionnaire_id=? AND rowid > ? AND (?=0 OR submitted_by=?) ORDER BY rowid LIMIT ?`, qid, after, f.SubmittedBy, f.SubmittedBy, f.Limit+1)
	if err != nil {
		return p, Wrap("list responses of "+qid, err)
	}
	defer rows.Close()
	var last, prevRow int64
	for rows.Next() {
		r, err := scanResponse(rows, &last)
		if err != nil {
			return p, Wrap("list responses of "+qid, err)
		}
		if len(p.Items) == f.Limit {
			p.Next = EncodeCursor(strconv.FormatInt(prevRow, 10))
			break
		}
		prevRow = last
		p.Items = append(p.Items, r)
	}
	return p, Wrap("list responses of "+qid, rows.Err())
}

// responseCols are the columns scanResponse reads.
const responseCols = `id, questionnaire_id, version, topic_id, respondent_kind, coalesce(deputy_id,''), respondent_desc, channel, answers, serial, entered_by, created_at`

// scanResponse reads the columns before (pre) and responseCols.
func scanResponse(r scanner, pre ...any) (models.Response, error) {
	var x models.Response
	var ans, c string
	err := r.Scan(append(pre, &x.ID, &x.QuestionnaireID, &x.Version, &x.TopicID, &x.Respondent.Kind, &x.Respondent.DeputyID, &x.Respondent.Description, &x.Channel, &ans, &x.Serial, &x.EnteredBy, &c)...)
	x.Answers = json.RawMessage(ans)
	x.CreatedAt = parseTS(c)
	return x, err
}

// Response returns one stored response.
func (db *DB) Response(ctx context.Context, id string) (models.Response, error) {
	r, err := scanResponse(db.r.QueryRowContext(ctx, `SELECT `+responseCols+` FROM responses WHERE id=?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, models.NotFound("答卷", "response")
	}
	return r, Wrap("response "+id, err)
}

// ResponseOwner is the login that submitted a response (0: none).
func (db *DB) ResponseOwner(ctx context.Context, id string) (int64, error) {
	var by sql.NullInt64
	err := db.r.QueryRowContext(ctx, `SELECT submitted_by FROM responses WHERE id=?`, id).Scan(&by)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, models.NotFound("答卷", "response")
	}
	return by.Int64, Wrap("response "+id, err)
}
