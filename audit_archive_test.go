package main

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"budgetpoint/db"
	"budgetpoint/models"
)

// oldAudit writes entries dated days ago into data's audit log, through the
// real code with the clock set back.
func oldAudit(t *testing.T, data string, days int, actions ...string) {
	t.Helper()
	d, err := db.OpenAccounts(data)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	at := time.Now().AddDate(0, 0, -days)
	d.Now = func() time.Time { return at }
	ctx := models.WithActor(context.Background(), models.Actor{User: "cli", Role: "system"})
	for _, a := range actions {
		if err := d.Audit(ctx, a, "thing", a, models.AuditOK, map[string]any{"days": days}); err != nil {
			t.Fatal(err)
		}
	}
}

// daysAgo is the China date of days ago, as --before takes it.
func daysAgo(days int) string {
	return time.Now().AddDate(0, 0, -days).In(db.CST).Format(time.DateOnly)
}

// `audit archive` over the real binary: refusals (a date within 180 days,
// no --out, an --out that exists) exit 2 and change nothing; an archive
// makes a 0600 file, `audit verify` then reports the archive point and
// checks what remains from it, `--archive` checks the files (a changed line
// fails naming its entry), a second archive continues the first, and a
// changed remaining entry still fails verify.
func TestAuditArchiveCLI(t *testing.T) {
	data := t.TempDir()
	oldAudit(t, data, 300, "test.a", "test.b") // 1, 2
	oldAudit(t, data, 200, "test.c", "test.d") // 3, 4
	runCLI(t, "Staff-Pass-2026!x\n", "user", "add", "--data", data, "--name", "clerk", "--role", "staff")
	whole := func(want string) string {
		t.Helper()
		out, _ := cli(t, "", 0, "audit", "verify", "--data", data)
		if !strings.Contains(out, want) {
			t.Fatalf("audit verify: %s, want %q", out, want)
		}
		return out
	}
	whole("5 entries") // 4 and the login's

	files := t.TempDir()
	out1 := filepath.Join(files, "audit-1.jsonl")
	taken := filepath.Join(files, "taken.jsonl")
	if err := os.WriteFile(taken, []byte("mine\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--before", daysAgo(179), "--out", out1}, "180 days"},
		{[]string{"--before", daysAgo(250)}, "--out"},
		{[]string{"--before", "2025/01/01", "--out", out1}, "YYYY-MM-DD"},
		{[]string{"--before", daysAgo(250), "--out", taken}, "already exists"},
	} {
		_, stderr := cli(t, "", 2, append([]string{"audit", "archive", "--data", data}, c.args...)...)
		if !strings.Contains(stderr, c.want) || !strings.Contains(stderr, " / ") {
			t.Errorf("audit archive %v: %s, want %q", c.args, stderr, c.want)
		}
	}
	if b, _ := os.ReadFile(taken); string(b) != "mine\n" {
		t.Fatalf("the existing file was changed: %q", b)
	}
	if _, err := os.Stat(out1); err == nil {
		t.Fatal("a refused archive made its file")
	}
	whole("5 entries")

	stdout, _ := cli(t, "", 0, "audit", "archive", "--data", data, "--before", daysAgo(250), "--out", out1)
	if !strings.Contains(stdout, "archived entries 1..2 (2)") {
		t.Fatalf("audit archive: %s", stdout)
	}
	if st, err := os.Stat(out1); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("the archive file: %v %v", st, err)
	}
	whole("4 entries checked, entries 1..2 archived")
	out2 := filepath.Join(files, "audit-2.jsonl")
	cli(t, "", 0, "audit", "archive", "--data", data, "--before", daysAgo(190), "--out", out2)
	out := whole("3 entries checked, entries 1..4 archived") // the login's and two audit.archive
	if !strings.Contains(out, "entries 3..4 archived to "+out2) {
		t.Fatalf("audit verify does not name the second file: %s", out)
	}
	stdout, _ = cli(t, "", 0, "audit", "verify", "--data", data, "--archive", out1, "--archive", out2)
	if !strings.Contains(stdout, out1+" is whole: 2 entries") || !strings.Contains(stdout, out2+" is whole: 2 entries") {
		t.Fatalf("audit verify --archive: %s", stdout)
	}

	// A changed archive line fails naming its entry.
	b, err := os.ReadFile(out1)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out1, []byte(strings.Replace(string(b), `"action":"test.b"`, `"action":"test.x"`, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, stderr := cli(t, "", 1, "audit", "verify", "--data", data, "--archive", out1); !strings.Contains(stderr, "breaks at entry 2") {
		t.Fatalf("audit verify of a changed archive: %s", stderr)
	}

	// A remaining entry cannot be removed through SQL; once changed (the
	// update trigger dropped first), verify fails naming it.
	w, err := sql.Open("sqlite3", db.DSN(filepath.Join(data, db.FileName), ""))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Exec(`DELETE FROM audit_log WHERE seq = 5`); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Fatalf("a remaining entry removed through SQL: %v", err)
	}
	if _, err := w.Exec(`DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor_user = 'someone' WHERE seq = 5`); err != nil {
		t.Fatal(err)
	}
	if _, stderr := cli(t, "", 1, "audit", "verify", "--data", data); !strings.Contains(stderr, "entry 5") {
		t.Fatalf("audit verify after changing entry 5: %s", stderr)
	}
}
