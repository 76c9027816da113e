package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"

	"budgetpoint/db"
	"budgetpoint/internal/testutil"
	"budgetpoint/models"
)

// runCLI runs a command line through run() and returns what it printed.
func runCLI(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	var out testutil.Buffer
	if err := run(context.Background(), args, envOf(nil), strings.NewReader(stdin), &out); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out.String())
	}
	return out.String()
}

// The audit log over the real server: each change by a signed-in person
// leaves exactly one entry with its actor, address and result, in the same
// transaction; a response through a public link leaves none; only an admin
// reads the log; `audit verify` passes on the untouched file and fails,
// naming the entry, once an entry is changed in the database file.
func TestAuditLog(t *testing.T) {
	data := t.TempDir()
	runCLI(t, "Staff-Pass-2026!x\n", "user", "add", "--data", data, "--name", "clerk", "--role", "staff")
	runCLI(t, "Admin-Pass-2026!x\n", "user", "add", "--data", data, "--name", "boss", "--role", "admin")
	staff := strings.TrimSpace(runCLI(t, "", "token", "create", "--data", data, "--user", "clerk"))
	admin := strings.TrimSpace(runCLI(t, "", "token", "create", "--data", data, "--user", "boss"))
	r := serveRun(t, []string{"--data", data, "--addr", "127.0.0.1:0"}, nil)

	do := func(method, path, token string, body any, want int) *testutil.Resp {
		t.Helper()
		res, err := testutil.Request(r.url, method, path, token, body)
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != want {
			t.Fatalf("%s %s: %d %s, want %d", method, path, res.Status, res.Body, want)
		}
		return res
	}
	do("POST", "/api/v1/topics", staff, testutil.Topic("t1"), 201)
	do("POST", "/api/v1/questionnaires", staff, testutil.Definition("q1", "t1"), 201)
	var q models.Questionnaire
	if err := json.Unmarshal(do("PATCH", "/api/v1/questionnaires/q1", staff, map[string]any{"public": true}, 200).Body, &q); err != nil {
		t.Fatal(err)
	}
	do("POST", "/api/v1/questionnaires/q1/responses", staff, testutil.Response(uuid.NewString(), 1), 201)
	do("POST", "/api/v1"+strings.Replace(q.PublicURL, "/p/", "/public/", 1)+"/responses", "", testutil.Response(uuid.NewString(), 2), 201)
	do("GET", "/api/v1/audit", staff, nil, 403)

	var page models.Page[models.AuditEntry]
	if err := json.Unmarshal(do("GET", "/api/v1/audit?limit=500", admin, nil, 200).Body, &page); err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, e := range page.Items {
		count[e.Action]++
	}
	want := map[string]int{"user.create": 2, "token.create": 2, "topic.create": 1, "questionnaire.publish": 1, "questionnaire.public": 1, "response.create": 1}
	for a, n := range want {
		if count[a] != n {
			t.Errorf("%d entries %s, want %d (all: %v)", count[a], a, n, count)
		}
	}
	if len(page.Items) != 8 {
		t.Errorf("%d entries, want 8 (the public response leaves none): %v", len(page.Items), count)
	}
	var topic models.AuditEntry
	if err := json.Unmarshal(do("GET", "/api/v1/audit?action=topic.create", admin, nil, 200).Body, &page); err != nil || len(page.Items) != 1 {
		t.Fatalf("filter by action: %v %+v", err, page)
	}
	topic = page.Items[0]
	if topic.Actor.User != "clerk" || topic.Actor.Role != "staff" || topic.Addr != "127.0.0.1" || topic.Result != "ok" ||
		topic.Object != (models.AuditObject{Type: "topic", ID: "t1"}) || topic.Hash == "" {
		t.Errorf("the topic's entry: %+v", topic)
	}
	for _, e := range page.Items {
		if e.Action == "user.create" && e.Actor.User != "cli" {
			t.Errorf("a login made on the command line is attributed to %q", e.Actor.User)
		}
	}
	do("GET", "/api/v1/audit?since=yesterday", admin, nil, 400)
	r.stop(t)
	runCLI(t, "", "backup", "--data", data, "--out", filepath.Join(t.TempDir(), "copy.db"))

	verify := func() (string, int) {
		t.Helper()
		out, err := exec.Command(binPath, "audit", "verify", "--data", data).CombinedOutput()
		if ee, ok := err.(*exec.ExitError); ok {
			return string(out), ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return string(out), 0
	}
	if out, code := verify(); code != 0 || !strings.Contains(out, "9 entries") { // 8 and the backup's
		t.Fatalf("audit verify on the untouched log: exit %d: %s", code, out)
	}
	// An intruder with the file: the triggers refuse, so they drop them first.
	w, err := sql.Open("sqlite3", db.DSN(filepath.Join(data, db.FileName), ""))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Exec(`UPDATE audit_log SET detail='{}' WHERE action='topic.create'`); err == nil {
		t.Fatal("an audit entry could be changed through SQL")
	}
	if _, err := w.Exec(`DROP TRIGGER audit_log_no_update`); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Exec(`UPDATE audit_log SET actor_user='someone' WHERE seq=?`, topic.Seq); err != nil {
		t.Fatal(err)
	}
	out, code := verify()
	if code != 1 || !strings.Contains(out, "entry "+strconv.FormatInt(topic.Seq, 10)) {
		t.Fatalf("audit verify after tampering with entry %d: exit %d: %s", topic.Seq, code, out)
	}
}

// Every sign-in is audited: one that succeeds (in its session's
// transaction, as the person), one with a wrong password (failed), one of a
// locked login (locked), each under the name tried and the address.
func TestAuditSignIns(t *testing.T) {
	data := t.TempDir()
	runCLI(t, "Staff-Pass-2026!x\n", "user", "add", "--data", data, "--name", "clerk", "--role", "staff")
	runCLI(t, "Admin-Pass-2026!x\n", "user", "add", "--data", data, "--name", "boss", "--role", "admin")
	admin := strings.TrimSpace(runCLI(t, "", "token", "create", "--data", data, "--user", "boss"))
	r := serveRun(t, []string{"--data", data, "--addr", "127.0.0.1:0", "--lockout-after", "2"}, nil)
	login := func(pw string, want int) {
		t.Helper()
		res, err := testutil.Request(r.url, "POST", "/api/v1/login", "", map[string]any{"name": "clerk", "password": pw})
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != want {
			t.Fatalf("sign-in: %d %s, want %d", res.Status, res.Body, want)
		}
	}
	login("Staff-Pass-2026!x", 200)
	login("wrong-password-1A", 401)
	login("wrong-password-2A", 423) // the second failure locks (--lockout-after 2)
	login("Staff-Pass-2026!x", 423)
	res, err := testutil.Request(r.url, "GET", "/api/v1/audit?action=login", admin, nil)
	if err != nil || res.Status != 200 {
		t.Fatalf("audit: %v %+v", err, res)
	}
	var page models.Page[models.AuditEntry]
	if err := json.Unmarshal(res.Body, &page); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range page.Items {
		if e.Actor.User != "clerk" || e.Object.ID != "clerk" || e.Addr != "127.0.0.1" {
			t.Errorf("a sign-in entry: %+v", e)
		}
		got = append(got, e.Result)
	}
	if strings.Join(got, ",") != "ok,failed,locked,locked" {
		t.Fatalf("sign-in results %v, want ok, failed, locked, locked", got)
	}
	if page.Items[0].Actor.Role != "staff" {
		t.Errorf("the successful sign-in is not the staff member's: %+v", page.Items[0])
	}
}
