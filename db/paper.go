package db

// Paper entry (纸质问卷录入): batches of paper forms typed in by staff, with
// optional double entry (双人录入核对), Excel import, and one-time evaluation
// codes (测评码).
//
// How a paper form becomes a counted response:
//
//   - Without double entry, saving a form stores it as a response at once
//     (channel paper, entered_by the clerk, serial kept) through the same
//     store step as SubmitResponse, in the same transaction as the entry.
//   - With double entry, each pass is kept in paper_entries and is never
//     counted. When both passes of a serial agree, the response is created
//     (verified). When they differ, the form is a mismatch until a person
//     chooses, question by question, the value on the paper (以纸质原件为准);
//     only then is it counted. Re-entering a pass before that is allowed and
//     compares again.
//   - A form that is counted is final: it cannot be re-entered, resolved or
//     imported again. Counters are exact sums, and a counted number answer has
//     already moved the kept min and max, which cannot be taken back; its
//     opinions may already be on their way to the committee. So corrections
//     happen before counting (that is what double entry is for), and a
//     counted form is refused with a message saying so. A wrong counted form
//     has to be handled by an administrator outside this screen.
//
// Every entry, re-entry, mismatch, verification, resolution and import writes
// rows to paper_audit: who, when, which question, old and new values.

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"budgetpoint/models"
)

// Paper form states.
const (
	PaperPending  = "pending"  // one pass of two entered
	PaperMismatch = "mismatch" // the two passes differ
	PaperCounted  = "counted"  // stored as a response and counted
)

// MaxSerial is the longest serial number (问卷编号), in characters.
const MaxSerial = 64

// MaxBatchForms bounds the expected count of a batch and the rows of an import.
const MaxBatchForms = 10000

// PaperBatch is one stack of paper forms (批次) of one questionnaire version.
type PaperBatch struct {
	ID              string
	Name            string
	QuestionnaireID string
	Version         int
	Expected        int
	DoubleEntry     bool
	RespondentKind  string
	CreatedBy       string
	CreatedAt       time.Time

	// Filled when read.
	Title    string // the questionnaire's title
	Counted  int
	Pending  int
	Mismatch int
	Pass1    int // entries typed in the first pass
	Pass2    int // entries typed in the second pass
}

// Entered returns how many forms have been typed in the given pass (1 or 2)
// of the batch; for single entry, pass is ignored.
func (b *PaperBatch) Entered(pass int) int {
	if !b.DoubleEntry || pass != 2 {
		return b.Pass1
	}
	return b.Pass2
}

// PaperEntryInput is one paper form as typed by a clerk.
type PaperEntryInput struct {
	BatchID  string
	Serial   string
	Pass     int // 1 or 2 with double entry; ignored (1) otherwise
	Answers  map[string]json.RawMessage
	UserName string
	UserID   int64
	// Replace allows typing a pass of a serial again; without it, a serial
	// already typed in this pass is refused (a mistyped serial must not
	// silently overwrite another form).
	Replace bool
}

// PaperResult says what became of an entry.
type PaperResult struct {
	Serial     string
	Status     string // pending, mismatch or counted
	ResponseID string
	Created    bool     // a response was created by this call
	Differs    []string // question keys whose passes differ (mismatch)
}

// PaperEntry is what one pass of a form holds.
type PaperEntry struct {
	Pass      int
	Answers   json.RawMessage
	EnteredBy string
	EnteredAt time.Time
}

// PaperForm is one serial number of a batch with its passes and history
// (PaperForms fills the passes' who and when, not their answers, nor the history).
type PaperForm struct {
	BatchID    string
	Serial     string
	Status     string
	ResponseID string
	Source     string
	UpdatedAt  time.Time
	Entries    map[int]PaperEntry
	Audit      []PaperAudit
}

// PaperAudit is one row of the paper entry history.
type PaperAudit struct {
	Serial      string
	Action      string
	Pass        int
	QuestionKey string
	OldValue    string
	NewValue    string
	UserName    string
	At          time.Time
}

// CreatePaperBatch validates and stores a new batch; it fills b.ID, the
// latest version when b.Version is 0, and b.CreatedAt.
func (db *DB) CreatePaperBatch(ctx context.Context, b *PaperBatch) error {
	b.Name = strings.TrimSpace(b.Name)
	f := map[string]string{}
	if b.Name == "" {
		f["name"] = "请填写批次名称，例如“座谈会 2026-11-18” / enter a batch name, e.g. “forum 2026-11-18”"
	} else if utf8.RuneCountInString(b.Name) > 200 {
		f["name"] = "批次名称不能超过 200 个字符 / at most 200 characters"
	}
	if b.Expected < 1 || b.Expected > MaxBatchForms {
		f["expected"] = fmt.Sprintf("份数应为 1 到 %d 之间的整数 / the count must be a whole number from 1 to %d", MaxBatchForms, MaxBatchForms)
	}
	if b.RespondentKind == "" {
		b.RespondentKind = "public"
	}
	if !models.In(b.RespondentKind, models.RespondentKinds) {
		f["respondent_kind"] = models.MsgRespondentKind
	}
	_, v, err := db.Definition(ctx, b.QuestionnaireID, b.Version)
	if err != nil {
		if models.ErrorCode(err) != models.ENotFound {
			return err
		}
		f["questionnaire_id"] = models.MsgChooseQuestionnaire
	}
	if len(f) > 0 {
		return models.Invalid("批次", f)
	}
	b.Version = v
	b.ID = uuid.NewString()
	b.CreatedAt = db.Now().In(CST)
	return Wrap("create paper batch "+b.ID, db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO paper_batches(id, name, questionnaire_id, version, expected, double_entry, respondent_kind, created_by, created_at)
			VALUES(?,?,?,?,?,?,?,?,?)`, b.ID, b.Name, b.QuestionnaireID, b.Version, b.Expected, b.DoubleEntry, b.RespondentKind, b.CreatedBy, ts(b.CreatedAt))
		if err != nil {
			return err
		}
		return db.auditChange(ctx, tx, "paper.batch", "paper_batch", b.ID, map[string]any{"questionnaire": b.QuestionnaireID, "expected": b.Expected})
	}))
}

const batchCols = `b.id, b.name, b.questionnaire_id, b.version, b.expected, b.double_entry, b.respondent_kind, b.created_by, b.created_at,
	(SELECT count(*) FROM paper_forms f WHERE f.batch_id=b.id AND f.status='counted'),
	(SELECT count(*) FROM paper_forms f WHERE f.batch_id=b.id AND f.status='pending'),
	(SELECT count(*) FROM paper_forms f WHERE f.batch_id=b.id AND f.status='mismatch'),
	(SELECT count(*) FROM paper_entries e WHERE e.batch_id=b.id AND e.pass=1),
	(SELECT count(*) FROM paper_entries e WHERE e.batch_id=b.id AND e.pass=2)`

func (db *DB) scanBatch(ctx context.Context, sc interface{ Scan(...any) error }) (PaperBatch, error) {
	var b PaperBatch
	var c string
	if err := sc.Scan(&b.ID, &b.Name, &b.QuestionnaireID, &b.Version, &b.Expected, &b.DoubleEntry, &b.RespondentKind, &b.CreatedBy, &c,
		&b.Counted, &b.Pending, &b.Mismatch, &b.Pass1, &b.Pass2); err != nil {
		return b, err
	}
	b.CreatedAt = parseTS(c)
	def, _, err := db.Definition(ctx, b.QuestionnaireID, b.Version)
	switch {
	case err == nil:
		b.Title = def.Title
	case models.ErrorCode(err) != models.ENotFound:
		return b, fmt.Errorf("batch %s: %w", b.ID, err)
	}
	return b, nil
}

// PaperBatch returns one batch with its counts.
func (db *DB) PaperBatch(ctx context.Context, id string) (PaperBatch, error) {
	b, err := db.scanBatch(ctx, db.r.QueryRowContext(ctx, `SELECT `+batchCols+` FROM paper_batches b WHERE b.id=?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return b, models.NotFound("批次", "batch")
	}
	return b, Wrap("paper batch "+id, err)
}

// PaperBatches lists the batches, newest first.
func (db *DB) PaperBatches(ctx context.Context) ([]PaperBatch, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+batchCols+` FROM paper_batches b ORDER BY b.created_at DESC, b.id LIMIT 500`)
	if err != nil {
		return nil, Wrap("list paper batches", err)
	}
	defer rows.Close()
	out := []PaperBatch{}
	for rows.Next() {
		b, err := db.scanBatch(ctx, rows)
		if err != nil {
			return nil, Wrap("list paper batches", err)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, Wrap("list paper batches", err)
	}
	return out, nil
}

// PaperResponseID is the response id of a batch's serial number, fixed so
// that the same form can never be counted twice under two ids.
func PaperResponseID(batchID, serial string) string {
	return uuid.NewSHA1(uuid.NameSpaceOID, []byte("budgetpoint/paper/"+batchID+"/"+serial)).String()
}

// checkSerial trims and checks a serial number.
func checkSerial(s string) (string, string) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return s, "请填写问卷编号（纸质问卷上的编号） / enter the serial number printed on the paper form"
	case utf8.RuneCountInString(s) > MaxSerial:
		return s, fmt.Sprintf("问卷编号不能超过 %d 个字符 / at most %d characters", MaxSerial, MaxSerial)
	}
	return s, ""
}

// paperSubmission prepares the response a paper form becomes.
func (db *DB) paperSubmission(ctx context.Context, b *PaperBatch, serial string, answers map[string]json.RawMessage, user string, userID int64) (*CheckedSubmission, error) {
	return db.CheckSubmission(ctx, b.QuestionnaireID, Submission{ID: PaperResponseID(b.ID, serial), Version: b.Version,
		Respondent: models.Respondent{Kind: b.RespondentKind}, Channel: "paper", Answers: answers,
		Serial: serial, EnteredBy: user, SubmittedBy: userID})
}

// rawAnswers turns canonical answers JSON back into raw answers.
func rawAnswers(canon json.RawMessage) (map[string]json.RawMessage, error) {
	m := map[string]json.RawMessage{}
	if len(canon) == 0 {
		return m, nil // no such pass
	}
	if err := json.Unmarshal(canon, &m); err != nil {
		return nil, fmt.Errorf("answers: %w", err)
	}
	return m, nil
}

// DiffAnswers returns the question keys (in the definition's order) whose
// answers differ between two canonical answer sets.
func DiffAnswers(def *models.Definition, a, b json.RawMessage) ([]string, error) {
	ma, err := rawAnswers(a)
	if err != nil {
		return nil, err
	}
	mb, err := rawAnswers(b)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, q := range def.Questions {
		if string(ma[q.Key]) != string(mb[q.Key]) {
			out = append(out, q.Key)
		}
	}
	return out, nil
}

// EnterPaper stores one pass of one paper form. Without double entry the
// form is counted at once. With double entry, it is kept as an entry; when
// the other pass exists too, both are compared: equal passes are counted
// (verified), different ones become a mismatch to resolve. A counted form
// is refused (conflict). Invalid answers: validation_failed naming each field.
func (db *DB) EnterPaper(ctx context.Context, in PaperEntryInput) (PaperResult, error) {
	res, err := db.enterPaper(ctx, in)
	return res, Wrap("enter paper form "+in.BatchID+"/"+strings.TrimSpace(in.Serial), err)
}

func (db *DB) enterPaper(ctx context.Context, in PaperEntryInput) (PaperResult, error) {
	b, err := db.PaperBatch(ctx, in.BatchID)
	if err != nil {
		return PaperResult{}, err
	}
	def, _, err := db.Definition(ctx, b.QuestionnaireID, b.Version)
	if err != nil {
		return PaperResult{}, err
	}
	pass := 1
	if b.DoubleEntry && in.Pass == 2 {
		pass = 2
	}
	serial, serr := checkSerial(in.Serial)
	answers, bad := def.CheckAnswers(in.Answers)
	if serr != "" {
		bad["serial"] = serr
	}
	if len(bad) > 0 {
		return PaperResult{Serial: serial}, models.Invalid("答卷", bad)
	}
	canon := def.MarshalAnswers(answers)
	raw, err := rawAnswers(canon)
	if err != nil {
		return PaperResult{Serial: serial}, err
	}
	cs, err := db.paperSubmission(ctx, &b, serial, raw, in.UserName, in.UserID)
	if err != nil {
		return PaperResult{Serial: serial}, err
	}
	now := ts(db.Now())
	res := PaperResult{Serial: serial}
	err = db.Write(ctx, func(tx *sql.Tx) error {
		res = PaperResult{Serial: serial}
		audit := func(action string, p int, key, old, new string) error {
			if _, err := tx.Exec(`INSERT INTO paper_audit(batch_id, serial, action, pass, question_key, old_value, new_value, user_name, at) VALUES(?,?,?,?,?,?,?,?,?)`,
				b.ID, serial, action, p, key, old, new, in.UserName, now); err != nil {
				return fmt.Errorf("audit %s: %w", action, err)
			}
			return nil
		}
		var status string
		err := tx.QueryRow(`SELECT status FROM paper_forms WHERE batch_id=? AND serial=?`, b.ID, serial).Scan(&status)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if _, err := tx.Exec(`INSERT INTO paper_forms(batch_id, serial, status, updated_at) VALUES(?,?,?,?)`, b.ID, serial, PaperPending, now); err != nil {
				return fmt.Errorf("insert form: %w", err)
			}
		case err != nil:
			return fmt.Errorf("form status: %w", err)
		case status == PaperCounted:
			return counted(serial)
		}
		var old string
		err = tx.QueryRow(`SELECT answers FROM paper_entries WHERE batch_id=? AND serial=? AND pass=?`, b.ID, serial, pass).Scan(&old)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if _, err := tx.Exec(`INSERT INTO paper_entries VALUES(?,?,?,?,?,?)`, b.ID, serial, pass, string(canon), in.UserName, now); err != nil {
				return fmt.Errorf("insert entry: %w", err)
			}
			if err := audit("enter", pass, "", "", string(canon)); err != nil {
				return err
			}
		case err != nil:
			return fmt.Errorf("stored entry: %w", err)
		case !in.Replace:
			return &models.Error{Code: models.EConflict,
				Message: fmt.Sprintf("问卷编号 %s 的第 %d 遍已经录入过 / serial %s was already typed in pass %d", serial, pass, serial, pass),
				Fields:  map[string]string{"serial": fmt.Sprintf("问卷编号 %s 的这一遍已经录入过；请核对编号，如确要重新录入这份问卷，请勾选“重新录入”后再保存 / serial %s was already typed in this pass: check the number, or tick “type again” to replace it", serial, serial)}}
		default:
			// A re-entry of the same pass: keep what changed, question by question.
			if _, err := tx.Exec(`UPDATE paper_entries SET answers=?, entered_by=?, entered_at=? WHERE batch_id=? AND serial=? AND pass=?`,
				string(canon), in.UserName, now, b.ID, serial, pass); err != nil {
				return fmt.Errorf("update entry: %w", err)
			}
			oa, err := rawAnswers(json.RawMessage(old))
			if err != nil {
				return fmt.Errorf("stored entry: %w", err)
			}
			diff, err := DiffAnswers(def, json.RawMessage(old), canon)
			if err != nil {
				return fmt.Errorf("stored entry: %w", err)
			}
			for _, k := range diff {
				if err := audit("reenter", pass, k, string(oa[k]), string(raw[k])); err != nil {
					return err
				}
			}
		}
		if b.DoubleEntry {
			var other, otherBy string
			err := tx.QueryRow(`SELECT answers, entered_by FROM paper_entries WHERE batch_id=? AND serial=? AND pass=?`, b.ID, serial, 3-pass).Scan(&other, &otherBy)
			if errors.Is(err, sql.ErrNoRows) {
				res.Status = PaperPending
				return setStatus(tx, b.ID, serial, PaperPending, "", now)
			} else if err != nil {
				return fmt.Errorf("other pass: %w", err)
			}
			if res.Differs, err = DiffAnswers(def, json.RawMessage(other), canon); err != nil {
				return fmt.Errorf("other pass: %w", err)
			}
			if len(res.Differs) > 0 {
				res.Status = PaperMismatch
				if err := audit("mismatch", pass, strings.Join(res.Differs, ","), "", ""); err != nil {
					return err
				}
				return setStatus(tx, b.ID, serial, PaperMismatch, "", now)
			}
			if otherBy != in.UserName {
				c := *cs
				c.EnteredBy = otherBy + "、" + in.UserName
				cs = &c
			}
			if err := audit("verify", pass, "", "", string(canon)); err != nil {
				return err
			}
		}
		created, err := db.StoreChecked(tx, cs)
		if err != nil {
			return err
		}
		res.Status, res.ResponseID, res.Created = PaperCounted, cs.ID, created
		return setStatus(tx, b.ID, serial, PaperCounted, cs.ID, now)
	})
	return res, err
}

func counted(serial string) error {
	return models.Errorf(models.EConflict, "问卷编号 %s 已核对并计入汇总，不能再录入；如确有错误，请在这份问卷的页面上“更正答卷”（需写明理由） / form %s is already verified and counted: it cannot be entered again; if it is wrong, correct it on the form's page (更正答卷, with a reason)", serial, serial)
}

func setStatus(tx *sql.Tx, batch, serial, status, responseID, now string) error {
	var rid any
	if responseID != "" {
		rid = responseID
	}
	if _, err := tx.Exec(`UPDATE paper_forms SET status=?, response_id=?, updated_at=? WHERE batch_id=? AND serial=?`, status, rid, now, batch, serial); err != nil {
		return fmt.Errorf("form status %s: %w", status, err)
	}
	return nil
}

// PaperForm returns one form of a batch with both passes and its history.
func (db *DB) PaperForm(ctx context.Context, batchID, serial string) (PaperForm, error) {
	f, err := db.paperForm(ctx, batchID, serial)
	return f, Wrap("paper form "+batchID+"/"+serial, err)
}

func (db *DB) paperForm(ctx context.Context, batchID, serial string) (PaperForm, error) {
	f := PaperForm{BatchID: batchID, Serial: serial, Entries: map[int]PaperEntry{}}
	var rid sql.NullString
	var u string
	err := db.r.QueryRowContext(ctx, `SELECT status, response_id, source, updated_at FROM paper_forms WHERE batch_id=? AND serial=?`, batchID, serial).Scan(&f.Status, &rid, &f.Source, &u)
	if errors.Is(err, sql.ErrNoRows) {
		return f, models.NotFound("问卷编号", "serial number")
	} else if err != nil {
		return f, fmt.Errorf("form: %w", err)
	}
	f.ResponseID, f.UpdatedAt = rid.String, parseTS(u)
	rows, err := db.r.QueryContext(ctx, `SELECT pass, answers, entered_by, entered_at FROM paper_entries WHERE batch_id=? AND serial=?`, batchID, serial)
	if err != nil {
		return f, fmt.Errorf("entries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e PaperEntry
		var a, at string
		if err := rows.Scan(&e.Pass, &a, &e.EnteredBy, &at); err != nil {
			return f, fmt.Errorf("entries: %w", err)
		}
		e.Answers, e.EnteredAt = json.RawMessage(a), parseTS(at)
		f.Entries[e.Pass] = e
	}
	if err := rows.Err(); err != nil {
		return f, fmt.Errorf("entries: %w", err)
	}
	f.Audit, err = db.PaperAuditLog(ctx, batchID, serial)
	return f, err
}

// PaperForms lists a batch's forms in serial order (numbers by value).
func (db *DB) PaperForms(ctx context.Context, batchID string) ([]PaperForm, error) {
	out, err := db.paperForms(ctx, batchID)
	if err != nil {
		return nil, Wrap("paper forms of batch "+batchID, err)
	}
	sort.SliceStable(out, func(i, j int) bool { return serialLess(out[i].Serial, out[j].Serial) })
	return out, nil
}

// paperForms reads a batch's forms and who typed each pass when (the
// entries without their answers), in one consistent read.
func (db *DB) paperForms(ctx context.Context, batchID string) ([]PaperForm, error) {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT serial, status, coalesce(response_id,''), source, updated_at FROM paper_forms WHERE batch_id=?`, batchID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []PaperForm{}
	at := map[string]int{}
	for rows.Next() {
		f := PaperForm{BatchID: batchID, Entries: map[int]PaperEntry{}}
		var u string
		if err := rows.Scan(&f.Serial, &f.Status, &f.ResponseID, &f.Source, &u); err != nil {
			return nil, err
		}
		f.UpdatedAt = parseTS(u)
		at[f.Serial] = len(out)
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = tx.QueryContext(ctx, `SELECT serial, pass, entered_by, entered_at FROM paper_entries WHERE batch_id=?`, batchID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var serial, when string
		var e PaperEntry
		if err := rows.Scan(&serial, &e.Pass, &e.EnteredBy, &when); err != nil {
			return nil, err
		}
		e.EnteredAt = parseTS(when)
		if i, ok := at[serial]; ok {
			out[i].Entries[e.Pass] = e
		}
	}
	return out, rows.Err()
}

// serialLess orders serial numbers as people do: 2 before 10.
func serialLess(a, b string) bool {
	if len(a) != len(b) && strings.TrimLeft(a, "0123456789") == "" && strings.TrimLeft(b, "0123456789") == "" {
		return len(a) < len(b)
	}
	return a < b
}

// PaperAuditLog returns the history of a batch (or of one serial when serial
// is not empty), oldest first.
func (db *DB) PaperAuditLog(ctx context.Context, batchID, serial string) ([]PaperAudit, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT serial, action, pass, question_key, old_value, new_value, user_name, at FROM paper_audit
		WHERE batch_id=? AND (?='' OR serial=?) ORDER BY id LIMIT 5000`, batchID, serial, serial)
	op := "paper audit log of batch " + batchID
	if serial != "" {
		op += " serial " + serial
	}
	if err != nil {
		return nil, Wrap(op, err)
	}
	defer rows.Close()
	out := []PaperAudit{}
	for rows.Next() {
		var a PaperAudit
		var at string
		if err := rows.Scan(&a.Serial, &a.Action, &a.Pass, &a.QuestionKey, &a.OldValue, &a.NewValue, &a.UserName, &at); err != nil {
			return nil, Wrap(op, err)
		}
		a.At = parseTS(at)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, Wrap(op, err)
	}
	return out, nil
}

// ResolvePaper settles a mismatch with the answers read from the paper form
// (以纸质原件为准): the whole form's answers as the person chose them. The
// form is then counted. Each question whose chosen value differs from either
// pass is written to the history with both typed values.
func (db *DB) ResolvePaper(ctx context.Context, batchID, serial string, answers map[string]json.RawMessage, user string, userID int64) (PaperResult, error) {
	res, err := db.resolvePaper(ctx, batchID, serial, answers, user, userID)
	return res, Wrap("resolve paper form "+batchID+"/"+serial, err)
}

func (db *DB) resolvePaper(ctx context.Context, batchID, serial string, answers map[string]json.RawMessage, user string, userID int64) (PaperResult, error) {
	b, err := db.PaperBatch(ctx, batchID)
	if err != nil {
		return PaperResult{}, err
	}
	def, _, err := db.Definition(ctx, b.QuestionnaireID, b.Version)
	if err != nil {
		return PaperResult{}, err
	}
	checked, bad := def.CheckAnswers(answers)
	if len(bad) > 0 {
		return PaperResult{Serial: serial}, models.Invalid("答卷", bad)
	}
	canon := def.MarshalAnswers(checked)
	chosen, err := rawAnswers(canon)
	if err != nil {
		return PaperResult{Serial: serial}, err
	}
	cs, err := db.paperSubmission(ctx, &b, serial, chosen, user, userID)
	if err != nil {
		return PaperResult{Serial: serial}, err
	}
	now := ts(db.Now())
	res := PaperResult{Serial: serial}
	err = db.Write(ctx, func(tx *sql.Tx) error {
		var status string
		if err := tx.QueryRow(`SELECT status FROM paper_forms WHERE batch_id=? AND serial=?`, batchID, serial).Scan(&status); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return models.NotFound("问卷编号", "serial number")
			}
			return fmt.Errorf("form status: %w", err)
		}
		if status == PaperCounted {
			return counted(serial)
		}
		if status != PaperMismatch {
			return models.Errorf(models.EConflict, "问卷编号 %s 没有不一致，无需核对 / form %s has no mismatch to resolve", serial, serial)
		}
		passes := map[int]json.RawMessage{}
		names := []string{}
		rows, err := tx.Query(`SELECT pass, answers, entered_by FROM paper_entries WHERE batch_id=? AND serial=? ORDER BY pass`, batchID, serial)
		if err != nil {
			return fmt.Errorf("entries: %w", err)
		}
		for rows.Next() {
			var p int
			var a, by string
			if err := rows.Scan(&p, &a, &by); err != nil {
				rows.Close()
				return fmt.Errorf("entries: %w", err)
			}
			passes[p] = json.RawMessage(a)
			if !models.In(by, names) {
				names = append(names, by)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("entries: %w", err)
		}
		p1, err := rawAnswers(passes[1])
		if err != nil {
			return fmt.Errorf("pass 1: %w", err)
		}
		p2, err := rawAnswers(passes[2])
		if err != nil {
			return fmt.Errorf("pass 2: %w", err)
		}
		for _, q := range def.Questions {
			k := q.Key
			if string(p1[k]) == string(chosen[k]) && string(p2[k]) == string(chosen[k]) {
				continue
			}
			old, err := json.Marshal(map[string]string{"pass1": string(p1[k]), "pass2": string(p2[k])})
			if err != nil {
				return fmt.Errorf("audit resolve %s: %w", k, err)
			}
			if _, err := tx.Exec(`INSERT INTO paper_audit(batch_id, serial, action, pass, question_key, old_value, new_value, user_name, at) VALUES(?,?,'resolve',0,?,?,?,?,?)`,
				batchID, serial, k, string(old), string(chosen[k]), user, now); err != nil {
				return fmt.Errorf("audit resolve %s: %w", k, err)
			}
		}
		c := *cs
		c.EnteredBy = strings.Join(append(names, user), "、")
		if models.In(user, names) {
			c.EnteredBy = strings.Join(names, "、")
		}
		created, err := db.StoreChecked(tx, &c)
		if err != nil {
			return err
		}
		res.Status, res.ResponseID, res.Created = PaperCounted, c.ID, created
		return setStatus(tx, batchID, serial, PaperCounted, c.ID, now)
	})
	return res, err
}

// PaperImportRow is one row of an imported sheet, already read into answers.
type PaperImportRow struct {
	Row     int // the sheet's row number, for messages
	Serial  string
	Answers map[string]json.RawMessage
}

// PaperSerialsTaken returns which of the serials already have a form in the batch.
func (db *DB) PaperSerialsTaken(ctx context.Context, batchID string) (map[string]bool, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT serial FROM paper_forms WHERE batch_id=?`, batchID)
	if err != nil {
		return nil, Wrap("serials of paper batch "+batchID, err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, Wrap("serials of paper batch "+batchID, err)
		}
		out[s] = true
	}
	if err := rows.Err(); err != nil {
		return nil, Wrap("serials of paper batch "+batchID, err)
	}
	return out, nil
}

// ImportPaper stores imported rows into a batch without double entry: every
// row is checked first, and only if all are valid are they all stored, in one
// write transaction, each counted exactly as SubmitResponse counts it. Fields
// of validation errors are named "[row].field" with the sheet's row number.
func (db *DB) ImportPaper(ctx context.Context, batchID string, rows []PaperImportRow, user string, userID int64) (int, error) {
	n, err := db.importPaper(ctx, batchID, rows, user, userID)
	return n, Wrap(fmt.Sprintf("import %d paper forms into batch %s", len(rows), batchID), err)
}

func (db *DB) importPaper(ctx context.Context, batchID string, rows []PaperImportRow, user string, userID int64) (int, error) {
	b, err := db.PaperBatch(ctx, batchID)
	if err != nil {
		return 0, err
	}
	if b.DoubleEntry {
		return 0, models.Errorf(models.EConflict, "双人录入的批次不能从 Excel 导入，请新建一个不开启双人录入的批次 / a batch with double entry cannot be imported from Excel: create a batch without double entry")
	}
	if len(rows) == 0 {
		return 0, models.Invalid("请求", map[string]string{"file": "文件中没有答卷 / the file has no forms"})
	}
	if len(rows) > MaxBatchForms {
		return 0, models.Invalid("请求", map[string]string{"file": fmt.Sprintf("一次最多导入 %d 份 / at most %d forms at a time", MaxBatchForms, MaxBatchForms)})
	}
	bad := map[string]string{}
	seen := map[string]int{}
	subs := make([]Submission, len(rows))
	for i, r := range rows {
		serial, serr := checkSerial(r.Serial)
		if serr != "" {
			bad[fmt.Sprintf("[%d].serial", r.Row)] = serr
		} else if prev, ok := seen[serial]; ok {
			bad[fmt.Sprintf("[%d].serial", r.Row)] = fmt.Sprintf("问卷编号 %s 与第 %d 行重复 / serial %s repeats row %d", serial, prev, serial, prev)
		}
		seen[serial] = r.Row
		rows[i].Serial = serial
		subs[i] = Submission{ID: PaperResponseID(b.ID, serial), Version: b.Version, Respondent: models.Respondent{Kind: b.RespondentKind},
			Channel: "paper", Answers: r.Answers, Serial: serial, EnteredBy: user, SubmittedBy: userID}
	}
	now := ts(db.Now())
	_, err = db.submitMany(ctx, b.QuestionnaireID, subs, bad, func(i int) string { return fmt.Sprintf("[%d].", rows[i].Row) },
		func(tx *sql.Tx, i int, cs *CheckedSubmission) error {
			if _, err := tx.Exec(`INSERT INTO paper_forms(batch_id, serial, status, response_id, source, updated_at) VALUES(?,?,?,?,'import',?)`,
				b.ID, cs.Serial, PaperCounted, cs.ID, now); err != nil {
				if isUnique(err) {
					return models.Invalid("答卷", map[string]string{fmt.Sprintf("[%d].serial", rows[i].Row): fmt.Sprintf("问卷编号 %s 在本批次中已录入 / serial %s is already in this batch", cs.Serial, cs.Serial)})
				}
				return fmt.Errorf("row %d serial %s: insert form: %w", rows[i].Row, cs.Serial, err)
			}
			if _, err := tx.Exec(`INSERT INTO paper_entries VALUES(?,?,1,?,?,?)`, b.ID, cs.Serial, string(cs.Canon), user, now); err != nil {
				return fmt.Errorf("row %d serial %s: insert entry: %w", rows[i].Row, cs.Serial, err)
			}
			if _, err := tx.Exec(`INSERT INTO paper_audit(batch_id, serial, action, pass, new_value, user_name, at) VALUES(?,?,'import',1,?,?,?)`, b.ID, cs.Serial, string(cs.Canon), user, now); err != nil {
				return fmt.Errorf("row %d serial %s: audit: %w", rows[i].Row, cs.Serial, err)
			}
			return nil
		})
	if err != nil {
		return 0, err
	}
	return len(rows), nil
}

// submitMany checks every submission, adding bad fields under prefix(i), and
// only when none is bad stores them all in one write transaction through
// StoreChecked, calling also (when not nil) for each inside the transaction.
// A submission whose id is already stored with the same content is not
// counted again, as with SubmitResponse.
func (db *DB) submitMany(ctx context.Context, qid string, subs []Submission, bad map[string]string, prefix func(int) string,
	also func(tx *sql.Tx, i int, cs *CheckedSubmission) error) ([]*CheckedSubmission, error) {
	css := make([]*CheckedSubmission, len(subs))
	for i, s := range subs {
		cs, err := db.CheckSubmission(ctx, qid, s)
		if e, ok := models.AsError(err); ok && e.Code == models.EInvalid {
			for k, v := range e.Fields {
				bad[prefix(i)+k] = v
			}
			continue
		} else if err != nil {
			return nil, err
		}
		css[i] = cs
	}
	if len(bad) > 0 {
		return nil, models.Invalid("答卷", bad)
	}
	err := db.Write(ctx, func(tx *sql.Tx) error {
		for i, cs := range css {
			if also != nil {
				if err := also(tx, i, cs); err != nil {
					return err
				}
			}
			if _, err := db.StoreChecked(tx, cs); err != nil {
				return err
			}
		}
		return nil
	})
	return css, err
}

// EvalCodeSet is a set of one-time evaluation codes issued together.
type EvalCodeSet struct {
	ID              string
	QuestionnaireID string
	Name            string
	RespondentKind  string
	Issued          int
	Used            int
	CreatedBy       string
	CreatedAt       time.Time
}

// MaxEvalCodes bounds how many codes one set issues.
const MaxEvalCodes = 2000

const codeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789" // no I, O, 0, 1

// NormalizeEvalCode turns what a person typed into the canonical code:
// upper case, without spaces or dashes.
func NormalizeEvalCode(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if strings.ContainsRune(codeAlphabet, r) {
			b.WriteRune(r)
		} else if r != '-' && r != ' ' {
			return "" // a character no code has
		}
	}
	if b.Len() != 10 {
		return ""
	}
	return b.String()
}

func hashEvalCode(code string) []byte {
	h := sha256.Sum256([]byte("budgetpoint/eval/" + code))
	return h[:]
}

func newEvalCode() string {
	raw := make([]byte, 10)
	rand.Read(raw) // never fails: crypto/rand ends the program rather than return an error
	for i := range raw {
		raw[i] = codeAlphabet[raw[i]%32] // 256 is a multiple of 32: uniform
	}
	return string(raw)
}

// FormatEvalCode writes a code in two groups of five for printing.
func FormatEvalCode(code string) string {
	if len(code) != 10 {
		return code
	}
	return code[:5] + "-" + code[5:]
}

// IssueEvalCodes creates n one-time codes for a questionnaire under the set
// id chosen by the caller (so that a form sent twice issues once: the second
// call answers conflict). It returns the codes in plain text: they are shown
// once, to be printed; only their hashes are kept.
func (db *DB) IssueEvalCodes(ctx context.Context, set EvalCodeSet, n int) ([]string, error) {
	f := map[string]string{}
	set.Name = strings.TrimSpace(set.Name)
	if n < 1 || n > MaxEvalCodes {
		f["count"] = fmt.Sprintf("数量应为 1 到 %d 之间的整数 / the count must be a whole number from 1 to %d", MaxEvalCodes, MaxEvalCodes)
	}
	if set.Name == "" {
		f["name"] = "请填写名称，例如“2026年部门预算满意度测评” / enter a name"
	} else if utf8.RuneCountInString(set.Name) > 200 {
		f["name"] = "名称不能超过 200 个字符 / at most 200 characters"
	}
	if set.RespondentKind == "" {
		set.RespondentKind = "deputy"
	}
	if !models.In(set.RespondentKind, models.RespondentKinds) {
		f["respondent_kind"] = models.MsgRespondentKind
	}
	if _, err := uuid.Parse(set.ID); err != nil {
		f["id"] = models.MsgUUID
	}
	if _, _, err := db.Definition(ctx, set.QuestionnaireID, 0); err != nil {
		if models.ErrorCode(err) != models.ENotFound {
			return nil, Wrap("issue evaluation codes, set "+set.ID, err)
		}
		f["questionnaire_id"] = models.MsgChooseQuestionnaire
	}
	if len(f) > 0 {
		return nil, models.Invalid("请求", f)
	}
	codes := make([]string, n)
	for i := range codes {
		codes[i] = newEvalCode()
	}
	err := db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.Exec(`INSERT INTO eval_code_sets(id, questionnaire_id, name, respondent_kind, issued, created_by, created_at) VALUES(?,?,?,?,?,?,?)`,
			set.ID, set.QuestionnaireID, set.Name, set.RespondentKind, n, set.CreatedBy, ts(db.Now())); err != nil {
			if isUnique(err) {
				return models.Errorf(models.EConflict, "这批测评码已经生成；为保密起见，测评码只显示一次 / these codes were already issued: for secrecy, codes are shown only once")
			}
			return fmt.Errorf("insert set: %w", err)
		}
		for _, c := range codes {
			if _, err := tx.Exec(`INSERT INTO eval_codes(hash, set_id) VALUES(?,?)`, hashEvalCode(c), set.ID); err != nil {
				return fmt.Errorf("insert code: %w", err) // a collision of 50 random bits: the whole set fails, try again
			}
		}
		// The codes themselves never: only that a set of n was issued.
		return db.auditChange(ctx, tx, "evalcodes.issue", "eval_code_set", set.ID, map[string]any{"questionnaire": set.QuestionnaireID, "count": n})
	})
	if err != nil {
		return nil, Wrap(fmt.Sprintf("issue %d evaluation codes, set %s", n, set.ID), err)
	}
	return codes, nil
}

// EvalCodeSets lists the code sets (of one questionnaire when qid is not
// empty) with how many codes have been used, newest first.
func (db *DB) EvalCodeSets(ctx context.Context, qid string) ([]EvalCodeSet, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT s.id, s.questionnaire_id, s.name, s.respondent_kind, s.issued, s.created_by, s.created_at,
		(SELECT count(*) FROM eval_codes c WHERE c.set_id=s.id AND c.used=1)
		FROM eval_code_sets s WHERE (?='' OR s.questionnaire_id=?) ORDER BY s.created_at DESC LIMIT 500`, qid, qid)
	if err != nil {
		return nil, Wrap("list evaluation code sets", err)
	}
	defer rows.Close()
	out := []EvalCodeSet{}
	for rows.Next() {
		var s EvalCodeSet
		var c string
		if err := rows.Scan(&s.ID, &s.QuestionnaireID, &s.Name, &s.RespondentKind, &s.Issued, &s.CreatedBy, &c, &s.Used); err != nil {
			return nil, Wrap("list evaluation code sets", err)
		}
		s.CreatedAt = parseTS(c)
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, Wrap("list evaluation code sets", err)
	}
	return out, nil
}

// Evaluation code errors.
var (
	errBadCode  = models.Errorf(models.ENotFound, "测评码无效，请核对纸条上的测评码 / this evaluation code is not valid: check the code on your slip")
	errUsedCode = models.Errorf(models.EConflict, "此测评码已经使用过，每个测评码只能提交一次 / this evaluation code has already been used: each code answers once")
)

// EvalCode finds the questionnaire of a code. A used code answers conflict,
// an unknown one not_found.
func (db *DB) EvalCode(ctx context.Context, code string) (EvalCodeSet, error) {
	var s EvalCodeSet
	code = NormalizeEvalCode(code)
	if code == "" {
		return s, errBadCode
	}
	var used bool
	err := db.r.QueryRowContext(ctx, `SELECT s.id, s.questionnaire_id, s.name, s.respondent_kind, c.used FROM eval_codes c JOIN eval_code_sets s ON s.id=c.set_id WHERE c.hash=?`,
		hashEvalCode(code)).Scan(&s.ID, &s.QuestionnaireID, &s.Name, &s.RespondentKind, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return s, errBadCode
	} else if err != nil {
		return s, Wrap("evaluation code", err) // not the code itself: it is a secret
	}
	if used {
		return s, errUsedCode
	}
	return s, nil
}

// SubmitWithEvalCode stores a response answered with a one-time code: in one
// transaction the code is marked used and the response is stored and counted
// as SubmitResponse does, online, with the set's respondent kind and nothing
// else about the person: no deputy, no user, no serial, and nothing that ties
// the code to the response. A code already used is refused (conflict),
// except that the same response sent again (a double tap) answers created=false.
func (db *DB) SubmitWithEvalCode(ctx context.Context, code string, responseID string, version int, answers map[string]json.RawMessage) (string, bool, error) {
	set, err := db.EvalCode(ctx, code)
	if err != nil && err != errUsedCode {
		return "", false, err
	}
	cs, cerr := db.CheckSubmission(ctx, set.QuestionnaireID, Submission{ID: responseID, Version: version,
		Respondent: models.Respondent{Kind: set.RespondentKind}, Channel: "online", Answers: answers})
	if cerr != nil {
		if err == errUsedCode {
			return "", false, err
		}
		return "", false, cerr
	}
	h := hashEvalCode(NormalizeEvalCode(code))
	created := false
	err = db.Write(ctx, func(tx *sql.Tx) error {
		created = false
		var used bool
		if err := tx.QueryRow(`SELECT used FROM eval_codes WHERE hash=?`, h).Scan(&used); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return errBadCode
			}
			return fmt.Errorf("code: %w", err)
		}
		if used {
			var old string
			err := tx.QueryRow(`SELECT content_hash FROM responses WHERE id=?`, cs.ID).Scan(&old)
			switch {
			case err == nil && old == cs.Hash:
				return nil // the same response again: already stored once
			case err != nil && !errors.Is(err, sql.ErrNoRows):
				return fmt.Errorf("stored response: %w", err)
			}
			return errUsedCode
		}
		if _, err := tx.Exec(`UPDATE eval_codes SET used=1 WHERE hash=?`, h); err != nil {
			return fmt.Errorf("spend code: %w", err)
		}
		c, err := db.StoreChecked(tx, cs)
		if err != nil {
			return err
		}
		if !c {
			// That response id was already stored: do not spend the code on it.
			return models.Errorf(models.EConflict, "这份答卷已经提交过 / this response was already submitted")
		}
		created = true
		return nil
	})
	if err != nil {
		return "", false, Wrap("submit response "+cs.ID+" with an evaluation code", err)
	}
	return cs.ID, created, nil
}
