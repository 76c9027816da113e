package db

// Anchors of the audit chain. The chain shows an entry changed or removed in
// the middle, but not one whose every later hash was computed again: anyone
// who can write the file can do that. What shows it is the newest entry's
// hash kept somewhere else (an anchor): `audit verify` prints it, the server
// logs it at start and every day, and `audit verify --expect SEQ:HASH`
// checks that entry SEQ still has HASH, so that nothing up to it was
// rewritten since.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// AuditAnchor is an entry of the audit log and its hash.
type AuditAnchor struct {
	Seq  int64
	Hash string
}

// String is the anchor as `audit verify --expect` takes it.
func (a AuditAnchor) String() string { return strconv.FormatInt(a.Seq, 10) + ":" + a.Hash }

// ParseAuditAnchor reads SEQ:HASH.
func ParseAuditAnchor(s string) (AuditAnchor, error) {
	n, h, ok := strings.Cut(strings.TrimSpace(s), ":")
	seq, err := strconv.ParseInt(n, 10, 64)
	if !ok || err != nil || seq < 1 || len(h) != 64 {
		return AuditAnchor{}, fmt.Errorf("应为 序号:哈希（audit verify 打印的那一行） / expected SEQ:HASH (as audit verify prints it), got %q", s)
	}
	return AuditAnchor{Seq: seq, Hash: strings.ToLower(h)}, nil
}

// AuditHead is the newest entry of the audit log (zero when it is empty).
func (db *DB) AuditHead(ctx context.Context) (AuditAnchor, error) {
	var a AuditAnchor
	err := db.r.QueryRowContext(ctx, `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&a.Seq, &a.Hash)
	if errors.Is(err, sql.ErrNoRows) {
		return AuditAnchor{}, nil
	}
	return a, Wrap("audit head", err)
}

// CheckAuditAnchors checks that each anchor's entry still has its hash in
// the database of dir: the first that does not is a break. An anchor at or
// before the latest archive point is checked against that point's last
// hash when it is the point itself; older ones belong to an archive file
// (`audit verify --archive`).
func CheckAuditAnchors(ctx context.Context, dir string, anchors []AuditAnchor) (*AuditBreak, error) {
	d, err := OpenAccounts(dir)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return d.CheckAnchors(ctx, anchors)
}

// CheckAnchors is CheckAuditAnchors over an open database (the hub's on
// PostgreSQL among them).
func (d *DB) CheckAnchors(ctx context.Context, anchors []AuditAnchor) (*AuditBreak, error) {
	var brk *AuditBreak
	err := d.Read(ctx, func(tx *sql.Tx) error {
		for _, a := range anchors {
			var h string
			err := tx.QueryRowContext(ctx, `SELECT hash FROM audit_log WHERE seq=?`, a.Seq).Scan(&h)
			if errors.Is(err, sql.ErrNoRows) {
				err = tx.QueryRowContext(ctx, `SELECT last_hash FROM audit_archive WHERE to_seq=?`, a.Seq).Scan(&h)
			}
			switch {
			case errors.Is(err, sql.ErrNoRows):
				brk = &AuditBreak{Seq: a.Seq, Reason: "这一条已不在数据库中（已归档的请用 --archive 检查） / this entry is no longer in the database (check archived ones with --archive)"}
			case err != nil:
				return err
			case h != a.Hash:
				brk = &AuditBreak{Seq: a.Seq, Reason: "这一条的哈希与保存在别处的不同：它或它之前的条目被改写过 / its hash differs from the one kept elsewhere: it or an entry before it was rewritten"}
			}
			if brk != nil {
				return nil
			}
		}
		return nil
	})
	return brk, Wrap("check audit anchors", err)
}
