package db

// Questionnaire drafts: saved by staff as often as they like, seen by
// nobody else, taking no responses; publishing one makes it the
// questionnaire's next version (publishTx) and removes it.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"budgetpoint/models"
)

// Draft is a saved draft of a questionnaire.
type Draft struct {
	models.Definition
	Status string `json:"status"` // "draft"
	// LatestVersion is the published version it would follow (0: none yet).
	LatestVersion int       `json:"latest_version"`
	SavedAt       time.Time `json:"saved_at"`
	SavedBy       string    `json:"saved_by"`
}

// SaveDraft saves a definition as the questionnaire's draft, checked as a
// publication would be (so that publishing it cannot fail on its content);
// a questionnaire the committee published cannot have one (403).
func (db *DB) SaveDraft(ctx context.Context, d models.Definition) (Draft, error) {
	d.Normalize()
	if err := d.Validate(); err != nil {
		return Draft{}, err
	}
	b, err := json.Marshal(d)
	if err != nil {
		return Draft{}, Wrap("save draft "+d.ID, err)
	}
	err = db.Write(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRow(`SELECT count(*) FROM topics WHERE id=?`, d.TopicID).Scan(&n); err != nil {
			return fmt.Errorf("topic %s: %w", d.TopicID, err)
		}
		if n == 0 {
			return models.Invalid("问卷", map[string]string{"topic_id": models.MsgNoSuchTopic})
		}
		var origin string
		switch err := tx.QueryRow(`SELECT origin FROM questionnaires WHERE id=?`, d.ID).Scan(&origin); {
		case err == nil && origin != models.OriginLocal:
			return models.Errorf(models.EForbidden, "此问卷由预工委发布，不能在联系点修改 / this questionnaire was published by the committee and cannot be changed here")
		case err != nil && !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("origin: %w", err)
		}
		// What this save replaces is kept (when it differs).
		if _, err := tx.Exec(`INSERT INTO questionnaire_draft_revisions(questionnaire_id, definition, saved_at, saved_by, replaced_at)
			SELECT questionnaire_id, definition, saved_at, saved_by, ? FROM questionnaire_drafts WHERE questionnaire_id=? AND definition <> ?`,
			ts(db.Now()), d.ID, string(b)); err != nil {
			return fmt.Errorf("keep the draft replaced: %w", err)
		}
		if _, err := tx.Exec(`INSERT INTO questionnaire_drafts(questionnaire_id, topic_id, definition, saved_at, saved_by) VALUES(?,?,?,?,?)
			ON CONFLICT(questionnaire_id) DO UPDATE SET topic_id=excluded.topic_id, definition=excluded.definition, saved_at=excluded.saved_at, saved_by=excluded.saved_by`,
			d.ID, d.TopicID, string(b), ts(db.Now()), models.ActorOf(ctx).User); err != nil {
			return fmt.Errorf("save: %w", err)
		}
		return db.auditChange(ctx, tx, "questionnaire.draft", "questionnaire", d.ID, nil)
	})
	if err != nil {
		return Draft{}, Wrap("save draft "+d.ID, err)
	}
	return db.Draft(ctx, d.ID)
}

// Draft returns the questionnaire's draft; not_found when it has none.
func (db *DB) Draft(ctx context.Context, id string) (Draft, error) {
	var d Draft
	var def, at string
	err := db.r.QueryRowContext(ctx, `SELECT d.definition, d.saved_at, d.saved_by, coalesce(q.latest_version, 0)
		FROM questionnaire_drafts d LEFT JOIN questionnaires q ON q.id=d.questionnaire_id WHERE d.questionnaire_id=?`, id).Scan(&def, &at, &d.SavedBy, &d.LatestVersion)
	if errors.Is(err, sql.ErrNoRows) {
		return d, models.NotFound("问卷草稿", "questionnaire draft")
	}
	if err != nil {
		return d, Wrap("draft "+id, err)
	}
	if err := json.Unmarshal([]byte(def), &d.Definition); err != nil {
		return d, Wrap("draft "+id, fmt.Errorf("stored definition: %w", err))
	}
	d.Status, d.SavedAt = "draft", parseTS(at).In(CST)
	return d, nil
}

// Drafts lists every draft, the latest saved first.
func (db *DB) Drafts(ctx context.Context) ([]Draft, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT questionnaire_id FROM questionnaire_drafts ORDER BY saved_at DESC`)
	if err != nil {
		return nil, Wrap("drafts", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, Wrap("drafts", err)
		}
		ids = append(ids, id)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, Wrap("drafts", err)
	}
	out := []Draft{}
	for _, id := range ids {
		d, err := db.Draft(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// PublishDraft publishes the questionnaire's draft as its next version (the
// same as the latest: nothing new, created is false) and removes it.
func (db *DB) PublishDraft(ctx context.Context, id string) (q models.Questionnaire, created bool, err error) {
	d, err := db.Draft(ctx, id)
	if err != nil {
		return q, false, err
	}
	def := d.Definition
	err = db.Write(ctx, func(tx *sql.Tx) error {
		var err error
		created, err = db.publishTx(ctx, tx, &def, models.OriginLocal)
		return err
	})
	if err != nil {
		return q, false, Wrap("publish draft "+id, err)
	}
	q, err = db.Questionnaire(ctx, id, 0)
	return q, created, err
}

// isDraftOnly reports whether id names a draft that was never published.
func (db *DB) isDraftOnly(ctx context.Context, id string) (bool, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM questionnaire_drafts d WHERE d.questionnaire_id=? AND NOT EXISTS (SELECT 1 FROM questionnaires q WHERE q.id=d.questionnaire_id)`, id).Scan(&n)
	return n > 0, err
}

// errDraft answers a response to a questionnaire that is only a draft.
var errDraft = models.Errorf(models.EConflict, "这份问卷还是草稿，尚未发布，不能填写；工作人员发布后即可填写 / this questionnaire is a draft, not published yet: it takes responses once staff publish it")

// DraftRevision is an earlier content of a questionnaire's draft, kept when
// the draft was saved again.
type DraftRevision struct {
	Definition models.Definition
	SavedAt    time.Time
	SavedBy    string
	ReplacedAt time.Time
}

// DraftRevisions lists what saving a questionnaire's draft again replaced,
// oldest first.
func (db *DB) DraftRevisions(ctx context.Context, id string) ([]DraftRevision, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT definition, saved_at, saved_by, replaced_at FROM questionnaire_draft_revisions
		WHERE questionnaire_id=? ORDER BY id`, id)
	if err != nil {
		return nil, Wrap("draft revisions of "+id, err)
	}
	defer rows.Close()
	var out []DraftRevision
	for rows.Next() {
		var r DraftRevision
		var def, at, rep string
		if err := rows.Scan(&def, &at, &r.SavedBy, &rep); err != nil {
			return nil, Wrap("draft revisions of "+id, err)
		}
		if err := json.Unmarshal([]byte(def), &r.Definition); err != nil {
			return nil, Wrap("draft revisions of "+id, fmt.Errorf("stored definition: %w", err))
		}
		r.SavedAt, r.ReplacedAt = parseTS(at), parseTS(rep)
		out = append(out, r)
	}
	return out, Wrap("draft revisions of "+id, rows.Err())
}
