package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"budgetpoint/models"
)

// This file is the contact point's side of the sync with the committee hub:
// reading the outbox with the current content of what it names, keeping the
// one batch in flight, acknowledging it, and applying what the hub sends down.
// The wire format and the HTTP side live in package syncer.

// OutboxItem is one queued thing with its content as it is now, read in the
// same snapshot as the entry's version: if the version is unchanged when the
// hub acknowledges, the hub has exactly this content.
type OutboxItem struct {
	Kind     string // summary | activity | opinion
	RefID    string
	Version  int64
	QueuedAt time.Time
	Summary  *models.Summary
	Activity *models.Activity
	Opinion  *models.Opinion
	// Gone: the thing no longer exists here; the entry is dropped with the batch.
	Gone bool
}

// BatchItem names an outbox entry at the version a batch covers.
type BatchItem struct {
	Kind    string `json:"kind"`
	RefID   string `json:"ref_id"`
	Version int64  `json:"version"`
}

// OutboxSnapshot reads up to limit outbox entries, oldest first, each with its
// current content (a summary rendered from the counters now), in one
// consistent read.
func (db *DB) OutboxSnapshot(ctx context.Context, pointID string, limit int) ([]OutboxItem, error) {
	items, err := db.outboxSnapshot(ctx, pointID, limit)
	return items, Wrap("outbox snapshot", err)
}

func (db *DB) outboxSnapshot(ctx context.Context, pointID string, limit int) ([]OutboxItem, error) {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT kind, ref_id, version, queued_at FROM outbox ORDER BY queued_at, kind, ref_id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	var items []OutboxItem
	for rows.Next() {
		var it OutboxItem
		var q string
		if err := rows.Scan(&it.Kind, &it.RefID, &it.Version, &q); err != nil {
			rows.Close()
			return nil, fmt.Errorf("outbox: %w", err)
		}
		it.QueuedAt = parseTS(q)
		items = append(items, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	for i := range items {
		it := &items[i]
		switch it.Kind {
		case "summary":
			s, err := db.summary(ctx, tx, it.RefID, pointID)
			if models.ErrorCode(err) == models.ENotFound {
				it.Gone = true
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("summary of topic %s: %w", it.RefID, err)
			}
			it.Summary = &s
		case "activity":
			_, a, err := scanActivity(tx.QueryRowContext(ctx, `SELECT `+activityCols+` FROM activities WHERE id=?`, it.RefID))
			if errors.Is(err, sql.ErrNoRows) {
				it.Gone = true
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("activity %s: %w", it.RefID, err)
			}
			it.Activity = &a
		case "opinion":
			_, o, err := scanOpinion(tx.QueryRowContext(ctx, `SELECT `+opinionCols+` FROM opinions WHERE id=?`, it.RefID))
			if errors.Is(err, sql.ErrNoRows) {
				it.Gone = true
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("opinion %s: %w", it.RefID, err)
			}
			// What the hub told of it goes no way but down.
			o.Round, o.LeadName, o.Due, o.Supervised, o.Grade, o.Replies, o.FollowUp = 0, "", "", false, "", nil, ""
			it.Opinion = &o
		default:
			it.Gone = true // a kind this version does not know: nothing to send
		}
	}
	return items, nil
}

// OutboxStats returns how many entries wait and when the oldest was queued.
func (db *DB) OutboxStats(ctx context.Context) (n int, oldest *time.Time, err error) {
	return db.OutboxStatsUpTo(ctx, 0)
}

// OutboxStatsUpTo is OutboxStats counting at most limit entries (none when
// limit is 0), so that a page showing the queue takes the same time however
// long the queue has grown (a point that has not reached the hub for long).
func (db *DB) OutboxStatsUpTo(ctx context.Context, limit int) (n int, oldest *time.Time, err error) {
	var q sql.NullString
	if limit <= 0 {
		err = db.r.QueryRowContext(ctx, `SELECT count(*), min(queued_at) FROM outbox`).Scan(&n, &q)
	} else {
		err = db.r.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM (SELECT 1 FROM outbox LIMIT ?)), (SELECT min(queued_at) FROM outbox)`, limit).Scan(&n, &q)
	}
	if err != nil {
		return 0, nil, Wrap("outbox stats", err)
	}
	return n, parseTSPtr(q), nil
}

// SavePendingBatch records the batch about to be sent, replacing any earlier
// one: its body as sent and the outbox entries (with versions) it covers.
func (db *DB) SavePendingBatch(ctx context.Context, batchID string, body []byte, items []BatchItem) error {
	return Wrap("save pending batch "+batchID, db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.Exec(`DELETE FROM sync_batch`); err != nil {
			return fmt.Errorf("drop earlier batch: %w", err)
		}
		if _, err := tx.Exec(`INSERT INTO sync_batch(batch_id, body, created_at) VALUES(?,?,?)`, batchID, body, ts(db.Now())); err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		for _, it := range items {
			if _, err := tx.Exec(`INSERT INTO sync_batch_items(batch_id, kind, ref_id, version) VALUES(?,?,?,?)`, batchID, it.Kind, it.RefID, it.Version); err != nil {
				return fmt.Errorf("item %s %s: %w", it.Kind, it.RefID, err)
			}
		}
		return nil
	}))
}

// PendingBatch returns the batch in flight (id "" when there is none), and
// whether every entry it covers is still queued at the version it was built
// from, that is whether sending it again would send the current content.
func (db *DB) PendingBatch(ctx context.Context) (id string, body []byte, items []BatchItem, current bool, err error) {
	fail := func(err error) (string, []byte, []BatchItem, bool, error) {
		return "", nil, nil, false, Wrap("pending batch", err)
	}
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fail(fmt.Errorf("begin: %w", err))
	}
	defer tx.Rollback()
	err = tx.QueryRowContext(ctx, `SELECT batch_id, body FROM sync_batch ORDER BY created_at DESC LIMIT 1`).Scan(&id, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, nil, false, nil
	}
	if err != nil {
		return fail(err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT i.kind, i.ref_id, i.version, coalesce(o.version, -1) FROM sync_batch_items i
		LEFT JOIN outbox o ON o.kind=i.kind AND o.ref_id=i.ref_id WHERE i.batch_id=?`, id)
	if err != nil {
		return fail(fmt.Errorf("items of %s: %w", id, err))
	}
	defer rows.Close()
	current = true
	for rows.Next() {
		var it BatchItem
		var now int64
		if err := rows.Scan(&it.Kind, &it.RefID, &it.Version, &now); err != nil {
			return fail(fmt.Errorf("items of %s: %w", id, err))
		}
		if now != it.Version {
			current = false
		}
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return fail(fmt.Errorf("items of %s: %w", id, err))
	}
	return id, body, items, current, nil
}

// DropPendingBatch forgets a batch in flight without acknowledging anything:
// its entries stay queued and go out in a new batch.
func (db *DB) DropPendingBatch(ctx context.Context, batchID string) error {
	return Wrap("drop pending batch "+batchID, db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`DELETE FROM sync_batch WHERE batch_id=?`, batchID)
		return err
	}))
}

// NoteBatchAttempt counts one more sending of a batch.
func (db *DB) NoteBatchAttempt(ctx context.Context, batchID string) error {
	return Wrap("note attempt of batch "+batchID, db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`UPDATE sync_batch SET attempts=attempts+1 WHERE batch_id=?`, batchID)
		return err
	}))
}

// AckBatch applies the hub's acknowledgement of a batch, in one transaction:
// each entry it covers leaves the outbox only if it is still at the version
// sent (a change made meanwhile stays queued for the next batch); opinions
// sent move from recorded to reported; the batch is forgotten and the time
// of the last successful push recorded. It returns how many entries left.
//
// Items the hub rejected leave the outbox too (they are not sent again
// until they change) and are kept in sync_rejected with why; an item the hub
// took leaves sync_rejected.
// Topics the batch carried (they have no outbox entries) leave
// sync_rejected too when the hub took them.
func (db *DB) AckBatch(ctx context.Context, batchID string, rejected []Rejected, topics []string) (removed int, err error) {
	err = db.Write(ctx, func(tx *sql.Tx) error {
		removed = 0
		refused := map[[2]string]bool{}
		now := ts(db.Now())
		for _, r := range rejected {
			refused[[2]string{r.Kind, r.RefID}] = true
			if _, err := tx.Exec(`INSERT INTO sync_rejected(kind, ref_id, code, message, batch_id, rejected_at) VALUES(?,?,?,?,?,?)
				ON CONFLICT(kind, ref_id) DO UPDATE SET code=excluded.code, message=excluded.message, batch_id=excluded.batch_id,
				rejected_at=excluded.rejected_at`, r.Kind, r.RefID, r.Code, r.Message, batchID, now); err != nil {
				return fmt.Errorf("rejected %s %s: %w", r.Kind, r.RefID, err)
			}
		}
		rows, err := tx.Query(`SELECT kind, ref_id, version FROM sync_batch_items WHERE batch_id=?`, batchID)
		if err != nil {
			return fmt.Errorf("items: %w", err)
		}
		var items []BatchItem
		for rows.Next() {
			var it BatchItem
			if err := rows.Scan(&it.Kind, &it.RefID, &it.Version); err != nil {
				rows.Close()
				return fmt.Errorf("items: %w", err)
			}
			items = append(items, it)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("items: %w", err)
		}
		for _, it := range items {
			res, err := tx.Exec(`DELETE FROM outbox WHERE kind=? AND ref_id=? AND version=?`, it.Kind, it.RefID, it.Version)
			if err != nil {
				return fmt.Errorf("outbox %s %s: %w", it.Kind, it.RefID, err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("outbox %s %s: %w", it.Kind, it.RefID, err)
			}
			removed += int(n)
			if refused[[2]string{it.Kind, it.RefID}] {
				continue
			}
			if _, err := tx.Exec(`DELETE FROM sync_rejected WHERE kind=? AND ref_id=?`, it.Kind, it.RefID); err != nil {
				return fmt.Errorf("rejected %s %s: %w", it.Kind, it.RefID, err)
			}
			if it.Kind == "opinion" {
				if _, err := tx.Exec(`UPDATE opinions SET status='reported', updated_at=? WHERE id=? AND status='recorded'`, now, it.RefID); err != nil {
					return fmt.Errorf("opinion %s: reported: %w", it.RefID, err)
				}
			}
		}
		for _, id := range topics {
			if refused[[2]string{"topic", id}] {
				continue
			}
			if _, err := tx.Exec(`DELETE FROM sync_rejected WHERE kind='topic' AND ref_id=?`, id); err != nil {
				return fmt.Errorf("rejected topic %s: %w", id, err)
			}
		}
		if _, err := tx.Exec(`DELETE FROM sync_batch WHERE batch_id=?`, batchID); err != nil {
			return fmt.Errorf("forget batch: %w", err)
		}
		return setSyncState(tx, map[string]string{"last_push_at": now})
	})
	return removed, Wrap("acknowledge batch "+batchID, err)
}

// Rejected is an item of a batch the hub did not store, and why.
type Rejected struct {
	Kind       string    `json:"kind"`
	RefID      string    `json:"id"`
	Code       string    `json:"code"`
	Message    string    `json:"message"`
	BatchID    string    `json:"batch_id"`
	RejectedAt time.Time `json:"rejected_at"`
}

// SyncRejected lists what the hub rejected and was not taken since, newest first.
func (db *DB) SyncRejected(ctx context.Context) ([]Rejected, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT kind, ref_id, code, message, batch_id, rejected_at FROM sync_rejected ORDER BY rejected_at DESC, kind, ref_id LIMIT 1000`)
	if err != nil {
		return nil, Wrap("rejected sync items", err)
	}
	defer rows.Close()
	out := []Rejected{}
	for rows.Next() {
		var r Rejected
		var at string
		if err := rows.Scan(&r.Kind, &r.RefID, &r.Code, &r.Message, &r.BatchID, &at); err != nil {
			return nil, Wrap("rejected sync items", err)
		}
		r.RejectedAt = parseTS(at)
		out = append(out, r)
	}
	return out, Wrap("rejected sync items", rows.Err())
}

// SyncState returns the durable sync state (cursor, last_push_at,
// last_pull_at, last_error, last_error_at, …).
func (db *DB) SyncState(ctx context.Context) (map[string]string, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT key, value FROM sync_state`)
	if err != nil {
		return nil, Wrap("sync state", err)
	}
	defer rows.Close()
	m := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, Wrap("sync state", err)
		}
		m[k] = v
	}
	if err := rows.Err(); err != nil {
		return nil, Wrap("sync state", err)
	}
	return m, nil
}

// SetSyncState stores sync state values; an empty value removes the key.
func (db *DB) SetSyncState(ctx context.Context, kv map[string]string) error {
	return Wrap("set sync state", db.Write(ctx, func(tx *sql.Tx) error { return setSyncState(tx, kv) }))
}

func setSyncState(tx *sql.Tx, kv map[string]string) error {
	for k, v := range kv {
		var err error
		if v == "" {
			_, err = tx.Exec(`DELETE FROM sync_state WHERE key=?`, k)
		} else {
			_, err = tx.Exec(`INSERT INTO sync_state(key, value) VALUES(?,?) ON CONFLICT(key) DO UPDATE SET value=excluded.value`, k, v)
		}
		if err != nil {
			return fmt.Errorf("sync state %s: %w", k, err)
		}
	}
	return nil
}

// SyncTime formats a time as sync state stores it.
func SyncTime(t time.Time) string { return ts(t) }

// ParseSyncTime reads a time stored in the sync state (nil when empty).
func ParseSyncTime(s string) *time.Time {
	if s == "" {
		return nil
	}
	t := parseTS(s)
	return &t
}

// OpinionChange is the committee's change to one of this point's opinions.
type OpinionChange struct {
	ID, Status, Answer, Evaluation string
	// Round: the committee's round of handling; a later round may move the
	// status back (an unsatisfied evaluation reopened it).
	Round int
	// The story at the hub (syncproto.OpinionUpdate): the lead unit's
	// name, the due date, 督办, the latest reply's grade, unit and time, the
	// follow-up date, and the hub's time of the change.
	Lead, Due, Grade, ReplyUnit, FollowUp string
	Supervised                            bool
	ReplyAt, HubUpdatedAt                 time.Time
}

// Updates is what one pull from the hub brought down.
type Updates struct {
	Topics         []models.Topic
	Questionnaires []models.Questionnaire
	Opinions       []OpinionChange
	// Next is the cursor to store once everything is applied ("" keeps the old one).
	Next string
}

// UpdatesResult counts what a pull changed, and what it had to leave aside.
type UpdatesResult struct {
	Topics, Questionnaires, Opinions int
	Skipped                          []string
}

// statusRank orders the closed loop; -1 for an unknown status.
func statusRank(s string) int {
	for i, v := range models.OpinionStatuses {
		if v == s {
			return i
		}
	}
	return -1
}

// ApplyUpdates stores what the hub sent down, and the new cursor, in one
// transaction: either all of it is applied and the cursor moves, or nothing.
//
// Topics and questionnaires become the committee's (origin committee; not
// editable here). A questionnaire keeps the hub's version numbers; a local
// questionnaire with the same id is left alone (skipped).
//
// Opinion changes touch only what the committee owns: the status from
// forwarded on, the answer and the evaluation. What the point owns and may
// still have waiting in the outbox (content, proposer, source, topic) is
// never written by a pull, so a download cannot overwrite local data that
// has not gone up yet. The status only moves forward along the closed loop:
// a change that would move it back (an old update arriving late) is ignored.
// Applying a change queues nothing: the hub is where it came from.
func (db *DB) ApplyUpdates(ctx context.Context, u Updates) (UpdatesResult, error) {
	var r UpdatesResult
	// Check definitions before the transaction: a bad one is skipped, not fatal.
	qs := make([]models.Questionnaire, 0, len(u.Questionnaires))
	for _, q := range u.Questionnaires {
		q.Definition.Normalize()
		if err := q.Definition.Validate(); err != nil {
			r.Skipped = append(r.Skipped, fmt.Sprintf("questionnaire %s: %v", q.ID, err))
			continue
		}
		qs = append(qs, q)
	}
	base := r.Skipped
	err := db.Write(ctx, func(tx *sql.Tx) error {
		r = UpdatesResult{Skipped: append([]string(nil), base...)}
		for _, t := range u.Topics {
			if !models.ValidID(t.ID) || !models.In(t.Kind, models.TopicKinds) {
				r.Skipped = append(r.Skipped, fmt.Sprintf("topic %q: bad id or kind", t.ID))
				continue
			}
			if err := db.UpsertCommitteeTopic(tx, t); err != nil {
				return err
			}
			r.Topics++
		}
		for _, q := range qs {
			if _, err := tx.Exec(`SAVEPOINT cq`); err != nil {
				return fmt.Errorf("questionnaire %s: savepoint: %w", q.ID, err)
			}
			changed, err := db.saveCommitteeQuestionnaire(tx, q)
			if e, ok := models.AsError(err); ok {
				if _, err := tx.Exec(`ROLLBACK TO cq`); err != nil {
					return fmt.Errorf("questionnaire %s: rollback to savepoint: %w", q.ID, err)
				}
				if _, err := tx.Exec(`RELEASE cq`); err != nil {
					return fmt.Errorf("questionnaire %s: release savepoint: %w", q.ID, err)
				}
				r.Skipped = append(r.Skipped, fmt.Sprintf("questionnaire %s: %s", q.ID, e.Message))
				continue
			}
			if err != nil {
				return err
			}
			if _, err := tx.Exec(`RELEASE cq`); err != nil {
				return fmt.Errorf("questionnaire %s: release savepoint: %w", q.ID, err)
			}
			if changed {
				r.Questionnaires++
			}
		}
		now := ts(db.Now())
		for _, o := range u.Opinions {
			var cur, answer, eval, hubAt string
			var round int
			err := tx.QueryRow(`SELECT status, answer, evaluation, round, hub_updated_at FROM opinions WHERE id=?`, o.ID).Scan(&cur, &answer, &eval, &round, &hubAt)
			if errors.Is(err, sql.ErrNoRows) {
				r.Skipped = append(r.Skipped, fmt.Sprintf("opinion %s: not at this point", o.ID))
				continue
			}
			if err != nil {
				return fmt.Errorf("opinion %s: %w", o.ID, err)
			}
			if statusRank(o.Status) < 0 || (o.Evaluation != "" && !models.In(o.Evaluation, models.Evaluations)) {
				r.Skipped = append(r.Skipped, fmt.Sprintf("opinion %s: bad status %q or evaluation %q", o.ID, o.Status, o.Evaluation))
				continue
			}
			// The hub's time of the change orders its changes (a return to
			// the committee moves the status back within a round); without
			// it (an update from a hub of before, or none here yet) the
			// status may only move on.
			at := ""
			if !o.HubUpdatedAt.IsZero() {
				at = FormatTime(o.HubUpdatedAt)
			}
			switch {
			case o.Round < round:
				continue // an earlier round than what is here
			case o.Round > round:
			case at != "" && hubAt != "":
				if at < hubAt {
					continue // older than what is here
				}
			case statusRank(o.Status) < statusRank(cur):
				continue // older than what is here
			}
			if o.Answer == "" && o.Grade == "" {
				o.Answer = answer // a hub of before sends no reply
			}
			if o.Evaluation == "" && o.Round == round && at == "" {
				o.Evaluation = eval
			}
			replyAt := ""
			if !o.ReplyAt.IsZero() {
				replyAt = FormatTime(o.ReplyAt)
			}
			res, err := tx.Exec(`UPDATE opinions SET status=?, answer=?, evaluation=?, round=?, lead_name=?, due=?, supervised=?, grade=?, reply_unit=?, reply_at=?,
				follow_up=?, hub_updated_at=?, updated_at=? WHERE id=? AND NOT (status IS ? AND answer IS ? AND evaluation IS ? AND round IS ? AND lead_name IS ?
				AND due IS ? AND supervised IS ? AND grade IS ? AND reply_unit IS ? AND reply_at IS ? AND follow_up IS ?)`,
				o.Status, o.Answer, o.Evaluation, o.Round, o.Lead, o.Due, o.Supervised, o.Grade, o.ReplyUnit, replyAt, o.FollowUp, at, now, o.ID,
				o.Status, o.Answer, o.Evaluation, o.Round, o.Lead, o.Due, o.Supervised, o.Grade, o.ReplyUnit, replyAt, o.FollowUp)
			if err != nil {
				return fmt.Errorf("opinion %s: update: %w", o.ID, err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return fmt.Errorf("opinion %s: update: %w", o.ID, err)
			} else if n == 0 {
				continue // nothing new
			}
			r.Opinions++
		}
		kv := map[string]string{"last_pull_at": now}
		if u.Next != "" {
			kv["cursor"] = u.Next
		}
		return setSyncState(tx, kv)
	})
	return r, Wrap("apply updates", err)
}

// saveCommitteeQuestionnaire stores one version of a committee questionnaire
// under the hub's version number. The same version again changes nothing;
// the same version number with another definition, or a local questionnaire
// with the same id, is an application error (the caller skips it).
func (db *DB) saveCommitteeQuestionnaire(tx *sql.Tx, q models.Questionnaire) (bool, error) {
	d := q.Definition
	h := d.Hash()
	var n int
	if err := tx.QueryRow(`SELECT count(*) FROM topics WHERE id=?`, d.TopicID).Scan(&n); err != nil {
		return false, fmt.Errorf("questionnaire %s: topic %s: %w", d.ID, d.TopicID, err)
	}
	if n == 0 {
		return false, models.Invalid("问卷", map[string]string{"topic_id": models.MsgNoSuchTopic})
	}
	var origin string
	err := tx.QueryRow(`SELECT origin FROM questionnaires WHERE id=?`, d.ID).Scan(&origin)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if _, err := tx.Exec(`INSERT INTO questionnaires(id, topic_id, latest_version, origin, created_at) VALUES(?,?,?,?,?)`,
			d.ID, d.TopicID, 0, models.OriginCommittee, ts(db.Now())); err != nil {
			return false, fmt.Errorf("questionnaire %s: insert: %w", d.ID, err)
		}
	case err != nil:
		return false, fmt.Errorf("questionnaire %s: origin: %w", d.ID, err)
	case origin != models.OriginCommittee:
		return false, models.Errorf(models.EConflict, "联系点已有同编号的本地问卷 / a local questionnaire here has the same id")
	}
	stored, err := storedVersions(tx, d.ID)
	if err != nil {
		return false, fmt.Errorf("questionnaire %s: %w", d.ID, err)
	}
	version := q.Version
	if version < 1 {
		// No version from the hub: the rule of a local save applies.
		v, isNew, err := models.NextVersion(&d, stored)
		if err != nil || !isNew {
			return false, err
		}
		version = v
	} else {
		for _, s := range stored {
			if s.Version == version && s.Hash == h {
				return false, nil
			}
			if s.Version == version {
				return false, models.Errorf(models.EConflict, "第 %d 版已存在且内容不同 / version %d exists here with another definition", version, version)
			}
		}
		// The hub checks this too; a point does not count on it, since a key
		// changing type here would make its own counters meaningless.
		if err := d.CompatibleWithAll(stored); err != nil {
			return false, err
		}
	}
	if err := insertVersion(tx, &d, version, db.Now()); err != nil {
		return false, fmt.Errorf("questionnaire %s: %w", d.ID, err)
	}
	return true, nil
}
