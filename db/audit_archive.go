package db

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// AuditKeepDays is how long audit entries stay in the database at least:
// only older ones may be archived.
const AuditKeepDays = 180

// ErrArchiveRefused marks an archive refused before anything was written:
// a date within the days kept, or a file that exists.
var ErrArchiveRefused = errors.New("audit archive refused")

type archiveRefusal struct{ msg string }

func (e archiveRefusal) Error() string        { return e.msg }
func (e archiveRefusal) Is(target error) bool { return target == ErrArchiveRefused }

// AuditArchive is one archive point: entries FromSeq..ToSeq moved to File.
type AuditArchive struct {
	FromSeq, ToSeq int64
	LastHash       string // the hash of entry ToSeq
	File           string
	At             time.Time
	Entries        int64
}

// archiveHeader is the first line of an archive file.
type archiveHeader struct {
	Version  int    `json:"budgetpoint_audit_archive"`
	FromSeq  int64  `json:"from_seq"`
	ToSeq    int64  `json:"to_seq"`
	Entries  int64  `json:"entries"`
	PrevHash string `json:"prev_hash"` // of entry FromSeq-1, "" when FromSeq is 1
	MadeAt   string `json:"made_at"`
}

const archiveVersion = 1

// ArchiveAudit moves every entry written before `before` (the oldest ones,
// in seq order, up to the first that is not older) to a new file out, as JSON
// Lines after a header line, then removes them from the database in one
// transaction that records the archive point and audits audit.archive. The
// file is whole and durable before anything in the database changes. It
// returns nil when no entry is that old.
func (db *DB) ArchiveAudit(ctx context.Context, before time.Time, out string) (*AuditArchive, error) {
	if err := db.archiveAllowed(before, out); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		return nil, fmt.Errorf("audit archive %s: %w", out, err)
	}
	a, prev, err := db.archiveRange(ctx, before)
	if err != nil || a == nil {
		return nil, err
	}
	a.File, a.At = abs, db.Now()
	if a.LastHash, err = db.writeArchive(ctx, a, prev); err != nil {
		return nil, err
	}
	if err := db.recordArchive(ctx, a); err != nil {
		return nil, fmt.Errorf("归档文件 %s 已写好，但数据库中的条目未移除 / %s is written but the entries stay in the database: %w", abs, abs, err)
	}
	return a, nil
}

// archiveAllowed refuses a date within the days kept and a file that exists.
func (db *DB) archiveAllowed(before time.Time, out string) error {
	if limit := db.Now().AddDate(0, 0, -AuditKeepDays); before.After(limit) {
		return archiveRefusal{fmt.Sprintf("审计条目至少保留 %d 天，--before 不能晚于 %s / audit entries are kept %d days at least: --before may be %s at the latest",
			AuditKeepDays, limit.In(CST).Format(time.DateOnly), AuditKeepDays, limit.In(CST).Format(time.DateOnly))}
	}
	if _, err := os.Lstat(out); !errors.Is(err, fs.ErrNotExist) {
		return archiveRefusal{fmt.Sprintf("目标文件已存在 / %s already exists", out)}
	}
	return nil
}

// archiveRange finds the entries to archive: from the one after the latest
// archive point to the last before the first entry not older than before.
// It returns nil when there are none, and the hash the first one chains to.
func (db *DB) archiveRange(ctx context.Context, before time.Time) (*AuditArchive, string, error) {
	var a AuditArchive
	var prev string
	err := db.Read(ctx, func(tx *sql.Tx) error {
		seq, hash, err := archivePoint(tx)
		if err != nil {
			return err
		}
		a.FromSeq, prev = seq+1, hash
		var first sql.NullInt64
		if err := tx.QueryRow(`SELECT min(seq) FROM audit_log WHERE at >= ?`, ts(before)).Scan(&first); err != nil {
			return err
		}
		if first.Valid {
			a.ToSeq = first.Int64 - 1
			return nil
		}
		return tx.QueryRow(`SELECT coalesce(max(seq), 0) FROM audit_log`).Scan(&a.ToSeq)
	})
	if err != nil {
		return nil, "", Wrap("audit archive", err)
	}
	if a.ToSeq < a.FromSeq {
		return nil, "", nil
	}
	a.Entries = a.ToSeq - a.FromSeq + 1
	return &a, prev, nil
}

// archivePoint returns the latest archive point's seq and hash (0 and ""
// when nothing is archived).
func archivePoint(tx *sql.Tx) (int64, string, error) {
	var seq int64
	var hash string
	err := tx.QueryRow(`SELECT to_seq, last_hash FROM audit_archive ORDER BY to_seq DESC LIMIT 1`).Scan(&seq, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", nil
	}
	return seq, hash, err
}

// writeArchive writes a's entries to a.File under a hidden name beside it,
// syncs it, links it to a.File (which must not exist) and syncs the
// directory: the file is never half there. The chain is checked as it is
// written; a break refuses the archive. It returns the last entry's hash.
func (db *DB) writeArchive(ctx context.Context, a *AuditArchive, prev string) (string, error) {
	tmp := filepath.Join(filepath.Dir(a.File), fmt.Sprintf(".%s.%d.tmp", filepath.Base(a.File), os.Getpid()))
	os.Remove(tmp) // left by a process of the same pid that was killed mid-write
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, FileMode)
	if err != nil {
		return "", fmt.Errorf("归档文件无法创建 / cannot create the archive file %s: %w", a.File, err)
	}
	defer os.Remove(tmp)
	last, err := db.writeEntries(ctx, f, a, prev)
	if err == nil {
		err = f.Chmod(FileMode) // exactly, the umask aside
	}
	if err == nil {
		err = f.Sync()
	}
	if e := f.Close(); err == nil {
		err = e
	}
	if err != nil {
		return "", fmt.Errorf("audit archive %s: %w", a.File, err)
	}
	if err := os.Link(tmp, a.File); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return "", archiveRefusal{fmt.Sprintf("目标文件已存在 / %s already exists", a.File)}
		}
		return "", fmt.Errorf("归档文件无法创建 / cannot create the archive file %s: %w", a.File, err)
	}
	if err := syncFile(filepath.Dir(a.File)); err != nil {
		return "", fmt.Errorf("audit archive %s: %w", a.File, err)
	}
	return last, nil
}

// writeEntries writes the header and a's entries, one JSON object a line,
// checking their chain from prev.
func (db *DB) writeEntries(ctx context.Context, f *os.File, a *AuditArchive, prev string) (string, error) {
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	h := archiveHeader{Version: archiveVersion, FromSeq: a.FromSeq, ToSeq: a.ToSeq, Entries: a.Entries, PrevHash: prev, MadeAt: ts(a.At)}
	if err := enc.Encode(h); err != nil {
		return "", err
	}
	c := auditChain{last: a.FromSeq - 1, prev: prev}
	err := db.Read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+auditCols+` FROM audit_log WHERE seq BETWEEN ? AND ? ORDER BY seq`, a.FromSeq, a.ToSeq)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			e, err := scanAuditRow(rows)
			if err != nil {
				return err
			}
			if brk := c.add(e); brk != nil {
				return brokenChain(brk)
			}
			if err := enc.Encode(e); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	if err == nil && c.last != a.ToSeq {
		err = brokenChain(&AuditBreak{Seq: c.last + 1, Reason: "缺少这一条 / the entry is missing"})
	}
	if err != nil {
		return "", err
	}
	return c.prev, w.Flush()
}

func brokenChain(b *AuditBreak) error {
	return fmt.Errorf("审计日志在第 %d 条处断开，不能归档（先运行 audit verify）/ the audit chain breaks at entry %d, nothing archived (run audit verify): %s",
		b.Seq, b.Seq, b.Reason)
}

// recordArchive removes a's entries in one write transaction that records
// the archive point (the triggers let only entries up to it be removed) and
// audits audit.archive after them.
func (db *DB) recordArchive(ctx context.Context, a *AuditArchive) error {
	return Wrap("audit archive", db.Write(ctx, func(tx *sql.Tx) error {
		if seq, _, err := archivePoint(tx); err != nil || seq != a.FromSeq-1 {
			return errors.Join(err, fmt.Errorf("另一次归档同时进行 / another archive ran meanwhile (archived up to %d)", seq))
		}
		if _, err := tx.Exec(`INSERT INTO audit_archive(to_seq, from_seq, last_hash, file, archived_at, entries) VALUES(?,?,?,?,?,?)`,
			a.ToSeq, a.FromSeq, a.LastHash, a.File, ts(a.At), a.Entries); err != nil {
			return err
		}
		res, err := tx.Exec(`DELETE FROM audit_log WHERE seq <= ?`, a.ToSeq)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != a.Entries {
			return errors.Join(err, fmt.Errorf("removed %d entries, want %d", n, a.Entries))
		}
		return db.audit(ctx, tx, auditRecord{Action: "audit.archive", ObjectType: "file", ObjectID: a.File, Detail: map[string]any{
			"file": a.File, "from_seq": a.FromSeq, "to_seq": a.ToSeq, "entries": a.Entries, "last_hash": a.LastHash}})
	}))
}

// AuditArchives lists the archive points of dir's database, oldest first.
func AuditArchives(ctx context.Context, dir string) ([]AuditArchive, error) {
	d, err := OpenAccounts(dir)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return d.auditArchives(ctx)
}

func (db *DB) auditArchives(ctx context.Context) ([]AuditArchive, error) {
	out := []AuditArchive{}
	rows, err := db.r.QueryContext(ctx, `SELECT from_seq, to_seq, last_hash, file, archived_at, entries FROM audit_archive ORDER BY to_seq`)
	if err != nil {
		return nil, Wrap("audit archives", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a AuditArchive
		var at string
		if err := rows.Scan(&a.FromSeq, &a.ToSeq, &a.LastHash, &a.File, &at, &a.Entries); err != nil {
			return nil, Wrap("audit archives", err)
		}
		a.At = parseTS(at)
		out = append(out, a)
	}
	return out, Wrap("audit archives", rows.Err())
}

// VerifyAuditArchive checks an archive file: its entries chain from the
// header's prev_hash, are numbered from_seq..to_seq without a gap, and the
// file is one dir's database recorded, with the same range and last hash,
// continuing the archive before it. It reports the first break (nil when
// the file is whole) and how many entries it checked.
func VerifyAuditArchive(ctx context.Context, dir, file string) (checked int64, brk *AuditBreak, err error) {
	f, err := os.Open(file)
	if err != nil {
		return 0, nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 64<<20)
	var h archiveHeader
	if !sc.Scan() || json.Unmarshal(sc.Bytes(), &h) != nil || h.Version != archiveVersion {
		return 0, nil, fmt.Errorf("不是审计归档文件 / %s is not an audit archive (no header line)", file)
	}
	c := auditChain{last: h.FromSeq - 1, prev: h.PrevHash}
	for brk == nil && sc.Scan() {
		var e auditRow
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return checked, &AuditBreak{Seq: c.last + 1, Reason: "这一行无法读取 / its line cannot be read"}, nil
		}
		checked++
		brk = c.add(e)
	}
	if err := sc.Err(); err != nil || brk != nil {
		return checked, brk, err
	}
	if c.last != h.ToSeq || checked != h.Entries {
		return checked, &AuditBreak{Seq: c.last + 1, Reason: fmt.Sprintf("文件在第 %d 条前结束 / the file ends before entry %d", h.ToSeq, h.ToSeq)}, nil
	}
	brk, err = matchArchive(ctx, dir, h, c.prev)
	return checked, brk, err
}

// matchArchive checks an archive file's range and hashes against the
// archive points recorded in dir's database.
func matchArchive(ctx context.Context, dir string, h archiveHeader, last string) (*AuditBreak, error) {
	points, err := AuditArchives(ctx, dir)
	if err != nil {
		return nil, err
	}
	prev := ""
	for _, p := range points {
		if p.ToSeq == h.ToSeq {
			switch {
			case p.FromSeq != h.FromSeq || prev != h.PrevHash:
				return &AuditBreak{Seq: h.FromSeq, Reason: "文件的起点与数据库记录的不符 / the file's start is not the one the database recorded"}, nil
			case p.LastHash != last:
				return &AuditBreak{Seq: h.ToSeq, Reason: "最后一条的哈希与数据库记录的不符 / its last entry's hash is not the one the database recorded"}, nil
			}
			return nil, nil
		}
		prev = p.LastHash
	}
	return &AuditBreak{Seq: h.ToSeq, Reason: "数据库没有记录这次归档 / the database recorded no archive up to this entry"}, nil
}
