package db_test

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"budgetpoint/db"
	"budgetpoint/internal/testutil"
	"budgetpoint/models"
)

// auditEntries returns every audit entry left in the database, oldest first.
func auditEntries(t *testing.T, d *db.DB) []models.AuditEntry {
	t.Helper()
	p, err := d.AuditLog(context.Background(), models.AuditFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return p.Items
}

// verifyWhole fails unless the database's chain is whole with n entries.
func verifyWhole(t *testing.T, dir string, n int64) {
	t.Helper()
	got, brk, err := db.VerifyAudit(context.Background(), dir)
	if err != nil || brk != nil || got != n {
		t.Fatalf("verify: %d entries %+v %v, want %d and whole", got, brk, err, n)
	}
}

// archiveLines reads an archive file: its header and its entries.
func archiveLines(t *testing.T, file string) (map[string]any, []map[string]any) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var head map[string]any
	var lines []map[string]any
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("%s: %q: %v", file, sc.Text(), err)
		}
		if head == nil {
			head = m
			continue
		}
		lines = append(lines, m)
	}
	return head, lines
}

// Entries older than 180 days move to a file and out of the database, in
// seq order with their stored fields; what remains chains to the archive
// point; a second archive continues from the first, even when it takes
// every entry left (the audit.archive entry then numbers on). Refusals
// change nothing. A remaining entry cannot be removed through SQL, a changed
// remaining entry and a changed archive line are found.
func TestAuditArchive(t *testing.T) {
	d := testutil.OpenDB(t)
	dir := testutil.Dir(d)
	ctx := models.WithActor(context.Background(), models.Actor{User: "cli", Role: "system"})
	base := time.Date(2026, 1, 1, 9, 0, 0, 0, db.CST)
	now := base
	d.Now = func() time.Time { return now }
	audit := func(day int, what string) {
		t.Helper()
		now = base.AddDate(0, 0, day)
		if err := d.Audit(ctx, "test."+what, "thing", what, models.AuditOK, map[string]any{"note": "<" + what + ">\n"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, w := range []string{"a", "b", "c", "d", "e"} {
		audit(0, w) // seq 1..5
	}
	audit(30, "f") // 6
	audit(31, "g") // 7
	stored := auditEntries(t, d)
	now = base.AddDate(0, 0, 200)
	out := filepath.Join(t.TempDir(), "audit-1.jsonl")

	// Refused: a date within the 180 days, a file that exists.
	if _, err := d.ArchiveAudit(ctx, base.AddDate(0, 0, 21), out); !errors.Is(err, db.ErrArchiveRefused) || !strings.Contains(err.Error(), "180 days") {
		t.Fatalf("archive up to 179 days ago: %v", err)
	}
	taken := filepath.Join(t.TempDir(), "taken.jsonl")
	if err := os.WriteFile(taken, []byte("mine\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := d.ArchiveAudit(ctx, base.AddDate(0, 0, 10), taken); !errors.Is(err, db.ErrArchiveRefused) || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("archive to an existing file: %v", err)
	}
	if b, _ := os.ReadFile(taken); string(b) != "mine\n" {
		t.Fatalf("the existing file was changed: %q", b)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a refused archive left a file: %v", err)
	}
	if got := auditEntries(t, d); len(got) != 7 {
		t.Fatalf("%d entries after the refusals, want 7", len(got))
	}
	verifyWhole(t, dir, 7)

	// The first archive: the five entries of day 0.
	a, err := d.ArchiveAudit(ctx, base.AddDate(0, 0, 10), out)
	if err != nil || a == nil || a.FromSeq != 1 || a.ToSeq != 5 || a.Entries != 5 || a.LastHash != stored[4].Hash || a.File != out {
		t.Fatalf("archive: %+v %v", a, err)
	}
	if st, err := os.Stat(out); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("archive file: %v %v", st, err)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".*")); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
	head, lines := archiveLines(t, out)
	if head["budgetpoint_audit_archive"] != 1.0 || head["from_seq"] != 1.0 || head["to_seq"] != 5.0 || head["prev_hash"] != "" || head["made_at"] == "" {
		t.Fatalf("header: %v", head)
	}
	if len(lines) != 5 {
		t.Fatalf("%d lines, want 5", len(lines))
	}
	for i, l := range lines { // detail as stored: json.Marshal escapes < and >
		e := stored[i]
		if l["seq"] != float64(e.Seq) || l["hash"] != e.Hash || l["action"] != e.Action || l["actor_user"] != "cli" ||
			l["detail"] != `{"note":"\u003c`+e.Object.ID+`\u003e\n"}` || l["at"] != db.FormatTime(e.At) {
			t.Errorf("line %d: %v, stored %+v", i+1, l, e)
		}
	}
	left := auditEntries(t, d)
	if len(left) != 3 || left[0].Seq != 6 || left[2].Seq != 8 || left[2].Action != "audit.archive" || left[2].Actor.User != "cli" ||
		left[2].Detail["to_seq"] != 5.0 || left[2].Detail["entries"] != 5.0 || left[2].Detail["last_hash"] != a.LastHash || left[2].Detail["file"] != out {
		t.Fatalf("entries left: %+v", left)
	}
	verifyWhole(t, dir, 3)
	if n, brk, err := db.VerifyAuditArchive(ctx, dir, out); err != nil || brk != nil || n != 5 {
		t.Fatalf("verify the archive: %d %+v %v", n, brk, err)
	}
	// Paging goes on from the first entry left.
	p, err := d.AuditLog(ctx, models.AuditFilter{Limit: 2})
	if err != nil || len(p.Items) != 2 || p.Items[0].Seq != 6 || p.Next == nil {
		t.Fatalf("first page: %+v %v", p, err)
	}
	if p, err = d.AuditLog(ctx, models.AuditFilter{Limit: 2, After: *p.Next}); err != nil || len(p.Items) != 1 || p.Items[0].Seq != 8 {
		t.Fatalf("second page: %+v %v", p, err)
	}

	// The second archive takes every entry left, audit.archive included.
	now = base.AddDate(0, 0, 400)
	out2 := filepath.Join(filepath.Dir(out), "audit-2.jsonl")
	a2, err := d.ArchiveAudit(ctx, base.AddDate(0, 0, 201), out2)
	if err != nil || a2 == nil || a2.FromSeq != 6 || a2.ToSeq != 8 || a2.Entries != 3 {
		t.Fatalf("second archive: %+v %v", a2, err)
	}
	if head, _ := archiveLines(t, out2); head["prev_hash"] != a.LastHash {
		t.Fatalf("second header: %v, want prev_hash %s", head, a.LastHash)
	}
	left = auditEntries(t, d)
	if len(left) != 1 || left[0].Seq != 9 || left[0].Action != "audit.archive" {
		t.Fatalf("entries left after the second archive: %+v", left)
	}
	verifyWhole(t, dir, 1)
	for _, f := range []string{out, out2} {
		if _, brk, err := db.VerifyAuditArchive(ctx, dir, f); err != nil || brk != nil {
			t.Fatalf("verify %s: %+v %v", f, brk, err)
		}
	}
	if pts, err := db.AuditArchives(ctx, dir); err != nil || len(pts) != 2 || pts[1].ToSeq != 8 || pts[1].File != out2 {
		t.Fatalf("archive points: %+v %v", pts, err)
	}
	if a, err := d.ArchiveAudit(ctx, base.AddDate(0, 0, 201), filepath.Join(filepath.Dir(out), "none.jsonl")); err != nil || a != nil {
		t.Fatalf("nothing left to archive: %+v %v", a, err)
	}
	audit(400, "h") // 10, chained to 9
	verifyWhole(t, dir, 2)

	// Through SQL: a remaining entry cannot be removed, an archive point
	// cannot be changed, removed or made up.
	w, err := sql.Open("sqlite3", db.DSN(d.Path, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for _, q := range []string{
		`DELETE FROM audit_log WHERE seq = 9`,
		`DELETE FROM audit_log`,
		`UPDATE audit_log SET detail = '{}' WHERE seq = 10`,
		`UPDATE audit_archive SET to_seq = 9`,
		`DELETE FROM audit_archive`,
		`INSERT INTO audit_archive VALUES (9, 9, 'made-up', 'x', '', 1)`,
		`INSERT INTO audit_log(seq, at, action, result, hash) VALUES (3, '', 'x', 'ok', '')`,
	} {
		if _, err := w.Exec(q); err == nil {
			t.Errorf("%s: allowed", q)
		}
	}
	if got := auditEntries(t, d); len(got) != 2 {
		t.Fatalf("%d entries after the refused SQL, want 2", len(got))
	}
	verifyWhole(t, dir, 2)

	// A changed archive line is found by its seq; a file whose hashes are
	// all made again does not end on the hash the database recorded.
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	tampered := strings.Replace(string(b), `"object_id":"c"`, `"object_id":"z"`, 1)
	if tampered == string(b) {
		t.Fatal("no line to change")
	}
	if err := os.WriteFile(out, []byte(tampered), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, brk, err := db.VerifyAuditArchive(ctx, dir, out); err != nil || brk == nil || brk.Seq != 3 {
		t.Fatalf("verify a changed archive line: %+v %v", brk, err)
	}
	// A changed remaining entry is found too.
	if _, err := w.Exec(`DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor_user = 'someone' WHERE seq = 9`); err != nil {
		t.Fatal(err)
	}
	if _, brk, err := db.VerifyAudit(ctx, dir); err != nil || brk == nil || brk.Seq != 9 {
		t.Fatalf("verify a changed remaining entry: %+v %v", brk, err)
	}
}

// An archive file whose every hash is made again over a changed line chains
// in itself, but its last hash is not the archive point's.
func TestAuditArchiveRehashed(t *testing.T) {
	d := testutil.OpenDB(t)
	dir := testutil.Dir(d)
	ctx := models.WithActor(context.Background(), models.Actor{User: "cli", Role: "system"})
	base := time.Now().AddDate(0, 0, -400)
	now := base
	d.Now = func() time.Time { return now }
	for _, w := range []string{"a", "b", "c"} {
		if err := d.Audit(ctx, "test."+w, "thing", w, models.AuditOK, nil); err != nil {
			t.Fatal(err)
		}
	}
	now = time.Now()
	out := filepath.Join(t.TempDir(), "a.jsonl")
	if _, err := d.ArchiveAudit(ctx, base.AddDate(0, 0, 1), out); err != nil {
		t.Fatal(err)
	}
	if err := db.RehashArchiveForTest(out, 2, "someone"); err != nil {
		t.Fatal(err)
	}
	if _, brk, err := db.VerifyAuditArchive(ctx, dir, out); err != nil || brk == nil || brk.Seq != 3 || !strings.Contains(brk.Reason, "recorded") {
		t.Fatalf("verify a rehashed archive: %+v %v", brk, err)
	}
}

// Entries removed through SQL under an archive point made up there (the
// triggers let it: it continues the last one at an entry of the log) are
// found: no audit.archive entry records that point.
func TestAuditArchiveMadeUpPoint(t *testing.T) {
	d := testutil.OpenDB(t)
	dir := testutil.Dir(d)
	ctx := models.WithActor(context.Background(), models.Actor{User: "cli", Role: "system"})
	for _, w := range []string{"a", "b", "c"} {
		if err := d.Audit(ctx, "test."+w, "thing", w, models.AuditOK, nil); err != nil {
			t.Fatal(err)
		}
	}
	w, err := sql.Open("sqlite3", db.DSN(d.Path, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Exec(`INSERT INTO audit_archive SELECT seq, 1, hash, 'nowhere', at, seq FROM audit_log WHERE seq = 2;
		DELETE FROM audit_log WHERE seq <= 2`); err != nil {
		t.Fatal(err)
	}
	if _, brk, err := db.VerifyAudit(ctx, dir); err != nil || brk == nil || brk.Seq != 2 || !strings.Contains(brk.Reason, "audit.archive") {
		t.Fatalf("verify after entries removed under a made-up archive point: %+v %v", brk, err)
	}
}
