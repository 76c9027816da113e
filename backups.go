package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"budgetpoint/db"
	"budgetpoint/models"
)

// backupFlags are a server's --backup-dir, --backup-every and --backup-keep.
type backupFlags struct {
	dir   *string
	every *time.Duration
	keep  *int
}

// addBackupFlags adds the scheduled backups' flags to a server's flags.
func addBackupFlags(fs *flag.FlagSet) backupFlags {
	return backupFlags{
		dir:   fs.String("backup-dir", "", "make scheduled backups into this directory (outside the data directory)"),
		every: fs.Duration("backup-every", 24*time.Hour, "how often to back up (with --backup-dir)"),
		keep:  fs.Int("backup-keep", 14, "how many scheduled backups to keep (with --backup-dir)"),
	}
}

// minBackupEvery is the shortest --backup-every. Tests of this package
// lower it to see several backups in seconds; users cannot.
var minBackupEvery = time.Minute

// check validates the flags; data is the server's data directory, which
// must not hold the backups (they are to outlive it).
func (f backupFlags) check(data string) error {
	if *f.every < minBackupEvery {
		m := shortDuration(minBackupEvery)
		return usage("--backup-every 至少 %s / --backup-every must be at least %s", m, m)
	}
	if *f.keep < 1 {
		return usage("--backup-keep 至少 1 / --backup-keep must be at least 1")
	}
	if *f.dir == "" {
		return nil
	}
	if inside(*f.dir, data) {
		return usage("--backup-dir %s 不能在数据目录 %s 之内：备份要在数据目录损坏后仍在 / --backup-dir %s must not be inside the data directory %s: backups must outlive it", *f.dir, data, *f.dir, data)
	}
	return nil
}

// shortDuration writes d as a flag takes it: 1m, not 1m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	return strings.TrimSuffix(s, "h0m")
}

// inside reports whether path is dir or under it (by absolute paths, with
// symbolic links of the parts that exist resolved).
func inside(path, dir string) bool {
	p, d := realPath(path), realPath(dir)
	rel, err := filepath.Rel(d, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// realPath is path made absolute, its longest existing prefix with links resolved.
func realPath(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.Clean(path)
	}
	rest := ""
	for p := abs; ; p = filepath.Dir(p) {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Join(r, rest)
		}
		if filepath.Dir(p) == p {
			return abs
		}
		rest = filepath.Join(filepath.Base(p), rest)
	}
}

// backupSchedule makes scheduled backups of one database into Dir:
// files budgetpoint-<Name>-<UTC time>.db, of which the newest Keep stay.
type backupSchedule struct {
	Dir   string
	Name  string // the point's id, or "hub"
	Every time.Duration
	Keep  int
	Log   *slog.Logger
}

// backupStamp is the time in a backup's file name (UTC, to the second).
const backupStamp = "20060102T150405Z"

// fileName is the backup file made at t.
func (s backupSchedule) fileName(t time.Time) string {
	return "budgetpoint-" + s.Name + "-" + t.UTC().Format(backupStamp) + ".db"
}

// ours matches this schedule's files and no other (another point's in the
// same directory, a copy the operator made, a temporary file).
func (s backupSchedule) ours() *regexp.Regexp {
	return regexp.MustCompile(`^budgetpoint-` + regexp.QuoteMeta(s.Name) + `-([0-9]{8}T[0-9]{6}Z)\.db$`)
}

// list returns this schedule's backup files in Dir, oldest first.
func (s backupSchedule) list() ([]string, error) {
	entries, err := os.ReadDir(s.Dir)
	if err != nil {
		return nil, err
	}
	re := s.ours()
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && re.MatchString(e.Name()) {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names) // the time stamps are fixed width: name order is time order
	return names, nil
}

// start makes Dir (0700) and runs the schedule in the background until ctx
// ends; the returned function waits for it to stop (a backup under way is
// finished and audited), so that the database is closed after.
func (s backupSchedule) start(ctx context.Context, d *db.DB) (wait func(), err error) {
	if err := privateDir(s.Dir); err != nil {
		return nil, err
	}
	if _, err := s.list(); err != nil {
		return nil, usage("无法读取备份目录 / cannot read --backup-dir %s: %v", s.Dir, err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.run(ctx, d)
	}()
	return func() { <-done }, nil
}

// privateDir makes dir with db.DirMode exactly when it does not exist; one
// that exists keeps its mode (the administrator's).
func privateDir(dir string) error {
	_, before := os.Stat(dir)
	if err := os.MkdirAll(dir, db.DirMode); err != nil {
		return usage(models.MsgCannotCreateDir, dir, err)
	}
	if errors.Is(before, os.ErrNotExist) {
		if err := os.Chmod(dir, db.DirMode); err != nil {
			return usage(models.MsgCannotCreateDir, dir, err)
		}
		return nil
	}
	if st, err := os.Stat(dir); err == nil && st.Mode().Perm()&0o077 != 0 {
		slog.Warn(fmt.Sprintf("backup directory is open to its group or others (chmod %o %s unless that is meant)", st.Mode().Perm()&^0o077, dir),
			"path", dir, "mode", fmt.Sprintf("%04o", st.Mode().Perm()))
	}
	return nil
}

// run makes a backup once the newest of ours is --backup-every old (at once
// when there is none, or it is older), then one every --backup-every: a
// server restarted often does not crowd the older backups out.
func (s backupSchedule) run(ctx context.Context, d *db.DB) {
	t := time.NewTimer(s.firstWait(time.Now()))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.once(ctx, d)
		t.Reset(s.Every)
	}
}

// firstWait is how long to wait for the first backup after a start at now.
func (s backupSchedule) firstWait(now time.Time) time.Duration {
	names, err := s.list()
	if err != nil || len(names) == 0 {
		return 0
	}
	m := s.ours().FindStringSubmatch(names[len(names)-1])
	last, err := time.Parse(backupStamp, m[1])
	if err != nil {
		return 0
	}
	return min(max(last.Add(s.Every).Sub(now), 0), s.Every) // a clock set back waits one period at most
}

// once makes one backup, removes our files beyond the newest Keep, and
// audits it (as the system's) in the database backed up; a failure is
// logged and audited as failed, never fatal.
func (s backupSchedule) once(ctx context.Context, d *db.DB) {
	name := s.fileName(time.Now())
	size, err := db.BackupWhole(filepath.Dir(d.Path), filepath.Join(s.Dir, name))
	detail := map[string]any{"file": name, "dir": s.Dir}
	result := models.AuditOK
	if err != nil {
		result = models.AuditFailed
		detail["error"] = err.Error()
		s.Log.Error("scheduled backup failed", "file", name, "dir", s.Dir, "err", err)
	} else {
		detail["size"] = size
		removed, err := s.prune()
		detail["removed"] = removed
		if err != nil {
			detail["prune_error"] = err.Error()
			s.Log.Error("removing old backups", "dir", s.Dir, "err", err)
		}
		s.Log.Info("scheduled backup", "file", name, "size", size, "removed", len(removed))
	}
	// Recorded even when the server is stopping: the backup was made.
	actx := models.WithActor(context.WithoutCancel(ctx), models.Actor{User: "system", Role: "system"})
	if err := d.Audit(actx, "backup.create", "file", name, result, detail); err != nil {
		s.Log.Error("auditing a scheduled backup", "file", name, "err", err)
	}
}

// prune removes our backup files beyond the newest Keep, and nothing else.
func (s backupSchedule) prune() ([]string, error) {
	names, err := s.list()
	if err != nil {
		return nil, err
	}
	removed := []string{}
	var errs []error
	for _, n := range names[:max(len(names)-s.Keep, 0)] {
		if err := os.Remove(filepath.Join(s.Dir, n)); err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, n)
	}
	return removed, errors.Join(errs...)
}

// startBackups starts the schedule when --backup-dir is given, printing
// what it will do; the returned function stops it and waits.
func startBackups(ctx context.Context, f backupFlags, name string, d *db.DB, log *slog.Logger, stdout io.Writer) (stop func(), err error) {
	if *f.dir == "" {
		return func() {}, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	s := backupSchedule{Dir: *f.dir, Name: name, Every: *f.every, Keep: *f.keep, Log: log.With("part", "backup")}
	wait, err := s.start(ctx, d)
	if err != nil {
		cancel()
		return nil, err
	}
	fmt.Fprintf(stdout, "定时备份 / scheduled backups: %s every %v, keeping %d\n", s.Dir, s.Every, s.Keep)
	return func() { cancel(); wait() }, nil
}

// enabled reports whether scheduled backups were asked for.
func (b backupFlags) enabled() bool { return *b.dir != "" }
