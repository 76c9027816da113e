package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"budgetpoint/models"
)

// ErrRestoreRefused marks a restore refused before anything in the data
// directory changed: the directory is in use, the file is not a whole
// budgetpoint database, or it is another kind of installation's.
var ErrRestoreRefused = errors.New("restore refused")

type refusal struct{ msg string }

func (e refusal) Error() string        { return e.msg }
func (e refusal) Is(target error) bool { return target == ErrRestoreRefused }

func refused(format string, args ...any) error { return refusal{fmt.Sprintf(format, args...)} }

// Restored says what Restore did.
type Restored struct {
	Schemas  []string // of the restored database: accounts, and point or hub
	Previous string   // the backup's instance id ("" for a backup made before ids)
	Instance string   // the restored database's new instance id
	Aside    string   // where the database that was in dir is kept ("" when there was none)
}

// Restore makes a copy of the backup file from the database of dir, while no server
// or command uses dir (it holds dir's lock exclusively throughout). The
// file is copied (never changed) and checked first: a whole SQLite database
// (integrity_check) with budgetpoint's migrations, of the same kind as the
// database in dir if there is one. The copy then gets a new instance id and
// an audit entry backup.restore (actor from ctx), and takes the place of the
// database in dir, which is kept beside it as budgetpoint.db.before-restore-TIME
// (with its -wal, if any): nothing is deleted.
func Restore(ctx context.Context, from, dir string) (Restored, error) {
	var res Restored
	if st, err := os.Stat(from); err != nil || !st.Mode().IsRegular() {
		return res, refused("找不到备份文件 / no backup file %s", from)
	}
	live := filepath.Base(from) == FileName && heldDir(filepath.Dir(from)) // its WAL may be empty for now
	if st, err := os.Stat(from + "-wal"); live || err == nil && st.Size() > 0 {
		// Its latest commits may be in the WAL, which a copy of the file misses.
		return res, refused("%s 是在用的数据库（旁有 -wal 文件，或它的服务器正在运行），不是备份；请用 budgetpoint backup 制作备份 / %s is a database in use, not a backup (a -wal beside it, or its server running): make one with budgetpoint backup", from, from)
	}
	if err := dataDir(dir); err != nil {
		return res, refusal{err.Error()}
	}
	lock, err := lockDir(dir, true)
	if err != nil {
		return res, refusal{err.Error()} // in use, or no lock file can be made there
	}
	defer unlockDir(lock, true)
	stage, err := os.MkdirTemp(dir, ".restore-") // 0700
	if err != nil {
		return res, fmt.Errorf("restore: %w", err)
	}
	defer os.RemoveAll(stage)
	staged := filepath.Join(stage, FileName)
	if err := copyFile(from, staged); err != nil {
		return res, fmt.Errorf("无法复制备份文件 / cannot copy %s: %w", from, err)
	}
	if res.Schemas, res.Previous, err = checkBackup(staged, from); err != nil {
		return res, err
	}
	if err := sameKind(dir, res.Schemas); err != nil {
		return res, err
	}
	if res.Instance, err = renew(ctx, stage, from, res.Previous); err != nil {
		return res, err
	}
	if res.Aside, err = putInPlace(staged, dir); err != nil {
		return res, err
	}
	return res, nil
}

// copyFile copies src to a new file dst with FileMode, synced.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := createFile(dst); err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if e := out.Close(); err == nil {
		err = e
	}
	return err
}

// checkBackup checks that path is a whole budgetpoint database and returns
// its schemas and instance id ("" for a backup made before ids); from names
// the file for the messages.
func checkBackup(path, from string) (_ []string, instance string, _ error) {
	notOurs := func(why error) error {
		return refused("%s 不是完好的 budgetpoint 数据库 / %s is not a whole budgetpoint database: %v", from, from, why)
	}
	c, err := sql.Open("sqlite3", DSN(path, ""))
	if err != nil {
		return nil, "", notOurs(err)
	}
	defer c.Close()
	var check string
	if err := c.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil {
		return nil, "", notOurs(err)
	}
	if check != "ok" {
		return nil, "", notOurs(errors.New(check))
	}
	var n int
	if err := c.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type='table' AND name IN ('schema_migrations', 'settings', 'audit_log')`).Scan(&n); err != nil {
		return nil, "", notOurs(err)
	}
	if n != 3 {
		return nil, "", notOurs(errors.New("no schema_migrations, settings or audit_log"))
	}
	names, err := schemaNames(c)
	if err != nil {
		return nil, "", notOurs(err)
	}
	if !slices.Contains(names, accountsSchema.Name) {
		return nil, "", notOurs(errors.New("no accounts migrations"))
	}
	err = c.QueryRow(`SELECT value FROM settings WHERE key=?`, instanceKey).Scan(&instance)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, "", notOurs(err)
	}
	return names, instance, nil
}

// kindOf is what installation a database's schemas make: "point", "hub"…,
// or "" for one with the accounts tables only.
func kindOf(schemas []string) string {
	var own []string
	for _, s := range schemas {
		if s != accountsSchema.Name {
			own = append(own, s)
		}
	}
	return strings.Join(own, "+")
}

// sameKind refuses a backup of another kind of installation than the
// database already in dir (a hub's backup into a point's directory). A
// database in dir that cannot be read is no reason to refuse: it is the
// usual reason to restore.
func sameKind(dir string, backup []string) error {
	have, err := StoredSchemas(dir)
	if err != nil {
		slog.Warn("restore: the database in the data directory cannot be read; it is kept aside", "dir", dir, "err", err)
		return nil
	}
	got, want := kindOf(backup), kindOf(have)
	if got != "" && want != "" && got != want {
		return refused("备份属于另一种安装（%s），数据目录 %s 属于 %s / the backup is of another kind of installation (%s) than the data directory %s (%s)", got, dir, want, got, dir, want)
	}
	return nil
}

// renew gives the database staged in stage a new instance id and audits
// the restore in it (prev: the backup's id); it returns the new id.
func renew(ctx context.Context, stage, from, prev string) (id string, err error) {
	d, err := open(stage, accountsOnly, accountsSchema)
	if err != nil {
		return "", err
	}
	defer func() {
		if e := d.Close(); err == nil && e != nil {
			err = fmt.Errorf("restore: close: %w", e)
		}
	}()
	id = newInstanceID()
	err = d.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.Exec(`UPDATE settings SET value=? WHERE key=?`, id, instanceKey); err != nil {
			return err
		}
		// A point's batch pending at the time of the backup names the old
		// instance: built again from the outbox, it names the new one.
		var pending int
		if err := tx.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type='table' AND name='sync_batch'`).Scan(&pending); err != nil {
			return err
		}
		if pending > 0 {
			if _, err := tx.Exec(`DELETE FROM sync_batch`); err != nil {
				return err
			}
			// Every topic's summary goes up again, naming the new instance,
			// so that the hub takes the restored figures now, not when each
			// topic next changes.
			if _, err := tx.Exec(`INSERT INTO outbox(kind, ref_id, version, queued_at) SELECT 'summary', id, 1, ? FROM topics WHERE true
				ON CONFLICT(kind, ref_id) DO UPDATE SET version=version+1`, ts(time.Now())); err != nil {
				return err
			}
		}
		return d.audit(ctx, tx, auditRecord{Action: "backup.restore", ObjectType: "file", ObjectID: filepath.Base(from),
			Result: models.AuditOK, Detail: map[string]any{"from": from, "previous_instance": prev, "instance": id}})
	})
	return id, Wrap("restore", err)
}

// asideSuffix names the database a restore replaced.
const asideSuffix = ".before-restore-"

// putInPlace moves the database in dir aside (with its -wal, which may hold
// commits; its -shm is only an index of the WAL and is removed), then moves
// staged into its place. It returns where the old database went.
func putInPlace(staged, dir string) (string, error) {
	target := filepath.Join(dir, FileName)
	if st, err := os.Stat(staged + "-wal"); err == nil && st.Size() > 0 {
		return "", fmt.Errorf("restore: the restored copy's WAL was not folded back into it (%s)", staged+"-wal")
	}
	aside := ""
	if _, err := os.Lstat(target); err == nil {
		aside = target + asideSuffix + time.Now().UTC().Format("20060102T150405Z")
		if _, err := os.Lstat(aside); err == nil {
			return "", refused("%s 已存在，请稍后再试 / %s already exists: try again in a second", aside, aside)
		}
		if err := os.Rename(target, aside); err != nil {
			return "", fmt.Errorf("无法移开原数据库 / cannot move the database aside: %w", err)
		}
		for _, sfx := range []string{"-wal", "-journal"} {
			if err := os.Rename(target+sfx, aside+sfx); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return aside, fmt.Errorf("无法移开原数据库的 %s / cannot move the database's %s aside: %w", sfx, sfx, err)
			}
		}
		if err := os.Remove(target + "-shm"); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return aside, fmt.Errorf("restore: %w", err)
		}
	}
	if err := os.Rename(staged, target); err != nil {
		if aside != "" { // put it back: the directory is as before
			os.Rename(aside, target)
			os.Rename(aside+"-wal", target+"-wal")
			os.Rename(aside+"-journal", target+"-journal")
		}
		return "", fmt.Errorf("无法放入恢复的数据库 / cannot move the restored database into place: %w", err)
	}
	if err := syncFile(dir); err != nil {
		return aside, fmt.Errorf("restore: %w", err)
	}
	return aside, nil
}
