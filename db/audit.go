package db

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"budgetpoint/models"
)

// auditRecord is what an audited change says of itself; the actor and the
// address come from the request's context (models.WithActor).
type auditRecord struct {
	Action     string
	ObjectType string
	ObjectID   string
	Result     string
	Detail     map[string]any
}

// auditLock is the lock (Dialect.Serialize) an audit entry is appended under.
const auditLock = 0x6275647065743032

// audit appends one entry to the audit log inside tx, the transaction of the
// change it records, chained to the entry before it. Callers run it in the
// writer's transaction, so entries are written one at a time in seq order.
func (db *DB) audit(ctx context.Context, tx *sql.Tx, r auditRecord) error {
	if r.Result == "" {
		r.Result = models.AuditOK
	}
	if r.Detail == nil {
		r.Detail = map[string]any{}
	}
	detail, err := json.Marshal(r.Detail)
	if err != nil {
		return fmt.Errorf("audit %s: detail: %w", r.Action, err)
	}
	// Several processes on one PostgreSQL database append in turn (SQLite's
	// single writer does already): otherwise all but one of them would read
	// the same last entry and have to start their transactions again.
	if q, args := db.Dialect().Serialize(auditLock); q != "" {
		if _, err := tx.Exec(q, args...); err != nil {
			return fmt.Errorf("audit %s: %w", r.Action, err)
		}
	}
	var last int64
	var prev string
	if db.tail.tx != nil && db.tail.tx == tx {
		last, prev = db.tail.seq, db.tail.hash
	} else if last, prev, err = lastAudit(tx); err != nil {
		return fmt.Errorf("audit %s: last entry: %w", r.Action, err)
	}
	a := models.ActorOf(ctx)
	e := auditRow{Seq: last + 1, At: ts(db.Now()), User: a.User, Role: a.Role, Addr: a.Addr, Action: r.Action,
		ObjectType: r.ObjectType, ObjectID: r.ObjectID, Result: r.Result, Detail: string(detail)}
	e.Hash = e.hash(prev)
	if _, err := tx.Exec(`INSERT INTO audit_log(seq, at, actor_user, actor_role, addr, action, object_type, object_id, result, detail, hash)
		VALUES(?,?,?,?,?,?,?,?,?,?,?)`, e.Seq, e.At, e.User, e.Role, e.Addr, e.Action, e.ObjectType, e.ObjectID, e.Result, e.Detail, e.Hash); err != nil {
		return fmt.Errorf("audit %s: %w", r.Action, err)
	}
	if !db.pg {
		// Only the writer goroutine writes on SQLite: the next entry of
		// this transaction follows this one without reading it back.
		db.tail = auditTail{tx, e.Seq, e.Hash}
	}
	return nil
}

// auditTail is the last entry a transaction wrote.
type auditTail struct {
	tx   *sql.Tx
	seq  int64
	hash string
}

// lastAudit returns the seq and hash of the newest entry, or of the latest
// archive point when every entry is archived (0 and "" for an empty log), so
// that numbers go on after archived ones and the chain continues through.
func lastAudit(q interface {
	QueryRow(string, ...any) *sql.Row
}) (int64, string, error) {
	var seq int64
	var hash string
	err := q.QueryRow(`SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&seq, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		err = q.QueryRow(`SELECT to_seq, last_hash FROM audit_archive ORDER BY to_seq DESC LIMIT 1`).Scan(&seq, &hash)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", nil
	}
	return seq, hash, err
}

// Audit records an action that changes nothing else (a sign-in, an export,
// a refused request) in a transaction of its own.
func (db *DB) Audit(ctx context.Context, action, objectType, objectID, result string, detail map[string]any) error {
	return Wrap("audit "+action, db.Write(ctx, func(tx *sql.Tx) error {
		return db.audit(ctx, tx, auditRecord{Action: action, ObjectType: objectType, ObjectID: objectID, Result: result, Detail: detail})
	}))
}

// auditRow is an entry as stored: its hash is over these fields as text.
// An archive file holds it as JSON under the columns' names.
type auditRow struct {
	Seq        int64  `json:"seq"`
	At         string `json:"at"`
	User       string `json:"actor_user"`
	Role       string `json:"actor_role"`
	Addr       string `json:"addr"`
	Action     string `json:"action"`
	ObjectType string `json:"object_type"`
	ObjectID   string `json:"object_id"`
	Result     string `json:"result"`
	Detail     string `json:"detail"`
	Hash       string `json:"hash"`
}

// hash is hex SHA-256 over the previous entry's hash and this entry's
// fields, each on its own line (a field cannot hold a bare newline that
// would shift the others: JSON detail escapes its newlines, and the other
// fields are names and codes).
func (e auditRow) hash(prev string) string {
	h := sha256.New()
	for _, f := range []string{prev, e.At, e.User, e.Role, e.Addr, e.Action, e.ObjectType, e.ObjectID, e.Result, e.Detail} {
		h.Write([]byte(strconv.Quote(f)))
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))
}

const auditCols = `seq, at, actor_user, actor_role, addr, action, object_type, object_id, result, detail, hash`

func scanAuditRow(sc interface{ Scan(...any) error }) (auditRow, error) {
	var e auditRow
	err := sc.Scan(&e.Seq, &e.At, &e.User, &e.Role, &e.Addr, &e.Action, &e.ObjectType, &e.ObjectID, &e.Result, &e.Detail, &e.Hash)
	return e, err
}

func (e auditRow) entry() (models.AuditEntry, error) {
	out := models.AuditEntry{Seq: e.Seq, At: parseTS(e.At), Actor: models.Actor{User: e.User, Role: e.Role}, Addr: e.Addr,
		Action: e.Action, Object: models.AuditObject{Type: e.ObjectType, ID: e.ObjectID}, Result: e.Result, Hash: e.Hash}
	if err := json.Unmarshal([]byte(e.Detail), &out.Detail); err != nil {
		return out, fmt.Errorf("audit entry %d: detail: %w", e.Seq, err)
	}
	return out, nil
}

// AuditLog lists audit entries, oldest first, by the filter (actor is a
// user name, object a type or "type:id", since and until bound at).
func (db *DB) AuditLog(ctx context.Context, f models.AuditFilter) (models.Page[models.AuditEntry], error) {
	p := models.Page[models.AuditEntry]{Items: []models.AuditEntry{}}
	after, err := DecodeRowCursor(f.After)
	if err != nil {
		return p, err
	}
	if f.Limit < 1 {
		f.Limit = 50
	}
	q := `SELECT ` + auditCols + ` FROM audit_log WHERE seq > ?`
	args := []any{after}
	if f.Actor != "" {
		q += ` AND actor_user = ?`
		args = append(args, f.Actor)
	}
	if f.Action != "" {
		q += ` AND action = ?`
		args = append(args, f.Action)
	}
	if f.Object != "" {
		typ, id, hasID := cutColon(f.Object)
		q += ` AND object_type = ?`
		args = append(args, typ)
		if hasID {
			q += ` AND object_id = ?`
			args = append(args, id)
		}
	}
	if f.Since != nil {
		q += ` AND at >= ?`
		args = append(args, ts(*f.Since))
	}
	if f.Until != nil {
		q += ` AND at < ?`
		args = append(args, ts(*f.Until))
	}
	q += ` ORDER BY seq LIMIT ?`
	args = append(args, f.Limit+1)
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return p, Wrap("audit log", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanAuditRow(rows)
		if err != nil {
			return p, Wrap("audit log", err)
		}
		if len(p.Items) == f.Limit {
			p.Next = EncodeCursor(strconv.FormatInt(p.Items[len(p.Items)-1].Seq, 10))
			break
		}
		e, err := r.entry()
		if err != nil {
			return p, Wrap("audit log", err)
		}
		p.Items = append(p.Items, e)
	}
	return p, Wrap("audit log", rows.Err())
}

func cutColon(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// AuditBreak says where the audit chain breaks: the first entry whose hash
// is not what its content and the entry before it give, or a gap in seq.
type AuditBreak struct {
	Seq    int64
	Reason string
}

// VerifyAudit walks the audit log in seq order, from the latest archive
// point on (the first entry left must chain to the archived last hash), and
// reports the first break (nil when the chain is whole) and how many entries
// it checked. The latest archive point must have its audit.archive entry
// among those left, so that a point made up through SQL to remove entries
// is a break too.
func VerifyAudit(ctx context.Context, dir string) (checked int64, brk *AuditBreak, err error) {
	d, err := OpenAccounts(dir)
	if err != nil {
		return 0, nil, err
	}
	defer d.Close()
	return d.VerifyAuditChain(ctx)
}

// VerifyAuditChain is VerifyAudit over an open database (the hub's on
// PostgreSQL among them).
func (d *DB) VerifyAuditChain(ctx context.Context) (checked int64, brk *AuditBreak, err error) {
	err = d.Read(ctx, func(tx *sql.Tx) error {
		seq, hash, err := archivePoint(tx)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+auditCols+` FROM audit_log ORDER BY seq`)
		if err != nil {
			return err
		}
		defer rows.Close()
		c := auditChain{last: seq, prev: hash}
		recorded := seq == 0 // the latest archive point has its audit.archive entry
		for brk == nil && rows.Next() {
			e, err := scanAuditRow(rows)
			if err != nil {
				return err
			}
			checked++
			brk = c.add(e)
			recorded = recorded || e.archives(seq, hash)
		}
		if brk == nil && !recorded {
			brk = &AuditBreak{Seq: seq, Reason: fmt.Sprintf("没有 audit.archive 条目记录到第 %d 条为止的归档 / no audit.archive entry records the archive up to entry %d", seq, seq)}
		}
		return rows.Err()
	})
	return checked, brk, Wrap("verify audit", err)
}

// archives reports whether e is the audit.archive entry of the archive up
// to toSeq with that last hash. The archive's transaction appends it after
// the archive point, so it stays until a later archive, which has its own.
func (e auditRow) archives(toSeq int64, lastHash string) bool {
	if e.Action != "audit.archive" {
		return false
	}
	var d struct {
		ToSeq    int64  `json:"to_seq"`
		LastHash string `json:"last_hash"`
	}
	return json.Unmarshal([]byte(e.Detail), &d) == nil && d.ToSeq == toSeq && d.LastHash == lastHash
}

// auditChain checks entries one after the other: each must be numbered
// next and its hash must be what its content and the one before it give.
type auditChain struct {
	last int64  // the seq of the entry before
	prev string // its hash ("" before the first entry)
}

func (c *auditChain) add(e auditRow) *AuditBreak {
	switch {
	case e.Seq != c.last+1:
		return &AuditBreak{Seq: e.Seq, Reason: fmt.Sprintf("缺少第 %d 到第 %d 条 / entries %d to %d are missing", c.last+1, e.Seq-1, c.last+1, e.Seq-1)}
	case e.hash(c.prev) != e.Hash:
		return &AuditBreak{Seq: e.Seq, Reason: "这一条或前一条的内容被改动过 / its content or the entry before it was changed"}
	}
	c.prev, c.last = e.Hash, e.Seq
	return nil
}

// auditChange records a change made by a signed-in person, in the change's
// transaction. Changes without one (the sync, start-up, responses through a
// public link or an evaluation code, which must never be tied to a person)
// are not audited one by one.
func (db *DB) auditChange(ctx context.Context, tx *sql.Tx, action, objectType, objectID string, detail map[string]any) error {
	if models.ActorOf(ctx).User == "" {
		return nil
	}
	return db.audit(ctx, tx, auditRecord{Action: action, ObjectType: objectType, ObjectID: objectID, Detail: detail})
}

// AuditChange is auditChange for the owner of another schema on this
// database (package hub): it records, inside tx, a change made by the
// signed-in person of ctx.
func (db *DB) AuditChange(ctx context.Context, tx *sql.Tx, action, objectType, objectID string, detail map[string]any) error {
	return db.auditChange(ctx, tx, action, objectType, objectID, detail)
}
