package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"budgetpoint/internal/testutil"
	"budgetpoint/models"
)

// TestFirstAdminMustChange: the first admin's password, generated and
// printed at the first start, signs in only to set a new one (every other
// route: 403 naming password); `token create` for it is refused with what to
// do; `user password` with a password on stdin sets one that is kept, after
// which its token works; a generated one (`user password` or `user add`
// without stdin) must be changed again.
func TestFirstAdminMustChange(t *testing.T) {
	data := t.TempDir()
	r := serveRun(t, []string{"--data", data, "--addr", "127.0.0.1:0"}, nil)
	m := regexp.MustCompile(`user admin, password (\S+)`).FindStringSubmatch(r.out.String())
	if m == nil {
		t.Fatalf("no admin password printed: %s", r.out.String())
	}
	res, err := post(r.url, "/api/v1/login", "", map[string]any{"name": "admin", "password": m[1]})
	if err != nil || res.Status != 200 {
		t.Fatalf("sign in: %v %v", err, res)
	}
	var login struct{ User models.User }
	res.JSON(t, &login)
	if !login.User.MustChangePassword {
		t.Fatalf("the first admin need not change the generated password: %s", res.Body)
	}

	var out testutil.Buffer
	err = run(context.Background(), []string{"token", "create", "--data", data, "--user", "admin"}, envOf(nil), strings.NewReader(""), &out)
	if !isUsage(err) || !strings.Contains(err.Error(), "budgetpoint user password") {
		t.Fatalf("token create for a login that must change its password: %v, want a usage error naming user password", err)
	}
	runCLI(t, "Chosen-At-Machine-27\n", "user", "password", "--data", data, "--name", "admin")
	tok := strings.TrimSpace(runCLI(t, "", "token", "create", "--data", data, "--user", "admin"))
	res, err = testutil.Request(r.url, "GET", "/api/v1/users", tok, nil)
	if err != nil || res.Status != 200 {
		t.Fatalf("the admin's token after a password chosen at the machine: %v %v", err, res)
	}
	if res, _ := post(r.url, "/api/v1/login", "", map[string]any{"name": "admin", "password": m[1]}); res.Status != 401 {
		t.Errorf("the generated password still signs in: %d", res.Status)
	}

	gen := runCLI(t, "", "user", "password", "--data", data, "--name", "admin")
	pw := regexp.MustCompile(`new password of admin: (\S+)`).FindStringSubmatch(gen)
	if pw == nil {
		t.Fatalf("user password without stdin printed no password: %s", gen)
	}
	// Another process changed the data: the server's cache of token owners
	// (2 s, db.sessionCacheTTL) lets the token live at most that long.
	st := 0
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if res, _ := testutil.Request(r.url, "GET", "/api/v1/users", tok, nil); res != nil {
			if st = res.Status; st == 401 {
				break
			}
		}
	}
	if st != 401 {
		t.Errorf("the admin's token 3 s after a reset on the command line: %d, want 401 (the reset ends its tokens)", st)
	}
	res, _ = post(r.url, "/api/v1/login", "", map[string]any{"name": "admin", "password": pw[1]})
	res.JSON(t, &login)
	if res.Status != 200 || !login.User.MustChangePassword {
		t.Errorf("a generated reset password: %d %s, want a sign-in that must change it", res.Status, res.Body)
	}
	added := runCLI(t, "", "user", "add", "--data", data, "--name", "clerk", "--role", "staff")
	if !strings.Contains(added, "to be changed at the first sign-in") {
		t.Errorf("user add with a generated password: %s", added)
	}
}

// TestUserPasswordUnlocks: the only admin, locked by five wrong passwords
// (anyone can send them), gets back in with `user password` on the machine.
func TestUserPasswordUnlocks(t *testing.T) {
	data := t.TempDir()
	r := serveRun(t, []string{"--data", data, "--addr", "127.0.0.1:0"}, nil)
	for i := 0; i < 5; i++ {
		post(r.url, "/api/v1/login", "", map[string]any{"name": "admin", "password": "Wrong-Guess-2027"})
	}
	runCLI(t, "Back-In-Again-2027\n", "user", "password", "--data", data, "--name", "admin")
	if res, err := post(r.url, "/api/v1/login", "", map[string]any{"name": "admin", "password": "Back-In-Again-2027"}); err != nil || res.Status != 200 {
		t.Fatalf("the locked admin after user password: %v %v, want 200", err, res)
	}
}

// TestAuditVerifyExpect: `audit verify` prints the newest entry as SEQ:HASH;
// given back with --expect it matches (exit 0), a wrong hash is exit 1
// naming the entry, and a malformed one a usage error.
func TestAuditVerifyExpect(t *testing.T) {
	data := t.TempDir()
	runCLI(t, "Staff-Pass-2026!x\n", "user", "add", "--data", data, "--name", "clerk", "--role", "staff")
	out := runCLI(t, "", "audit", "verify", "--data", data)
	m := regexp.MustCompile(`newest entry: (\d+:[0-9a-f]{64})`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("verify printed no newest entry: %s", out)
	}
	if out := runCLI(t, "", "audit", "verify", "--data", data, "--expect", m[1]); !strings.Contains(out, "anchors kept elsewhere match") {
		t.Errorf("verify --expect of its own line: %s", out)
	}
	seq, _, _ := strings.Cut(m[1], ":")
	var buf testutil.Buffer
	err := run(context.Background(), []string{"audit", "verify", "--data", data, "--expect", seq + ":" + strings.Repeat("a", 64)}, envOf(nil), nil, &buf)
	if err == nil || isUsage(err) || !strings.Contains(err.Error(), "entry "+seq) {
		t.Errorf("verify --expect with a wrong hash: %v, want exit 1 naming entry %s", err, seq)
	}
	if err := run(context.Background(), []string{"audit", "verify", "--data", data, "--expect", "nonsense"}, envOf(nil), nil, &buf); !isUsage(err) {
		t.Errorf("verify --expect nonsense: %v, want a usage error", err)
	}
}
