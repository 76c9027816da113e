package main

import (
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"budgetpoint/handlers"
	"budgetpoint/internal/testutil"
	"budgetpoint/models"
)

// A --trusted-proxy that is neither a CIDR nor an IP address, from the
// flag or from BUDGETPOINT_TRUSTED_PROXY (one bad part of a list is
// enough), stops serve and hub with exit status 2 naming the value, before
// the data directory is touched.
func TestTrustedProxyRefused(t *testing.T) {
	cases := []struct {
		name, bad string
		args      []string
		env       map[string]string
	}{
		{"prefix too long", "10.0.0.0/33", []string{"--trusted-proxy", "10.0.0.0/33"}, nil},
		{"a host name", "proxy.example", []string{"--trusted-proxy", "127.0.0.1", "--trusted-proxy", "proxy.example"}, nil},
		{"one bad part of the environment's list", "nonsense", nil, map[string]string{"BUDGETPOINT_TRUSTED_PROXY": "127.0.0.1/32,nonsense"}},
	}
	for _, sub := range []string{"serve", "hub"} {
		for _, c := range cases {
			t.Run(sub+", "+c.name, func(t *testing.T) {
				data := filepath.Join(t.TempDir(), "data")
				args := append([]string{sub, "--data", data, "--addr", "127.0.0.1:0"}, c.args...)
				if sub == "hub" {
					args = append(args, "--demo")
				}
				out, err := runUntilListening(t, args, c.env)
				if err == nil || !isUsage(err) {
					t.Fatalf("run %v: %v, want a usage error (exit status 2):\n%s", args, err, out)
				}
				if msg := err.Error(); !strings.Contains(msg, " / ") || !strings.Contains(msg, `"`+c.bad+`"`) {
					t.Errorf("run %v: the message does not name %q in Chinese and English: %v", args, c.bad, err)
				}
				if _, err := os.Stat(data); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("run %v: the data directory was touched before the refusal (%v)", args, err)
				}
			})
		}
	}
	// The binary's exit status.
	_, stderr := cli(t, "", 2, "serve", "--data", filepath.Join(t.TempDir(), "d"), "--trusted-proxy", "10.0.0.0/33")
	if !strings.Contains(stderr, "10.0.0.0/33") {
		t.Errorf("the binary's message does not name the value: %s", stderr)
	}
}

// BUDGETPOINT_TRUSTED_PROXY lists proxies separated by commas: with the
// loopback address among them, a sign-in from it is audited under the
// address of its X-Forwarded-For, and X-Forwarded-Proto: https makes its
// session cookie Secure.
func TestTrustedProxyFromEnvironment(t *testing.T) {
	data := t.TempDir()
	runCLI(t, "Admin-Pass-2026!x\n", "user", "add", "--data", data, "--name", "boss", "--role", "admin")
	admin := strings.TrimSpace(runCLI(t, "", "token", "create", "--data", data, "--user", "boss"))
	r := serveRun(t, []string{"--data", data, "--addr", "127.0.0.1:0"}, map[string]string{"BUDGETPOINT_TRUSTED_PROXY": "192.0.2.1, 127.0.0.1/32"})
	res, err := testutil.RequestWith(r.url, "POST", "/api/v1/login", map[string]string{"name": "boss", "password": "Admin-Pass-2026!x"}, func(req *http.Request) {
		req.Header.Set("X-Forwarded-For", "203.0.113.5")
		req.Header.Set("X-Forwarded-Proto", "https")
	})
	if err != nil {
		t.Fatal(err)
	}
	res.Want(t, 200, "sign-in through the trusted loopback")
	if sc := strings.Join(res.Header[http.CanonicalHeaderKey("Set-Cookie")], "; "); !strings.Contains(sc, handlers.SessionCookie+"=") || !strings.Contains(sc, "Secure") {
		t.Errorf("session cookie %q, want a Secure one", sc)
	}
	res, err = testutil.Request(r.url, "GET", "/api/v1/audit?action=login", admin, nil)
	if err != nil {
		t.Fatal(err)
	}
	var page models.Page[models.AuditEntry]
	if err := json.Unmarshal(res.Want(t, 200, "audit").Body, &page); err != nil || len(page.Items) != 1 {
		t.Fatalf("sign-ins in the audit log: %v %s", err, testutil.Trunc(res.Body))
	}
	if got := page.Items[0].Addr; got != "203.0.113.5" {
		t.Errorf("the sign-in's address %q, want 203.0.113.5 (X-Forwarded-For from a trusted proxy)", got)
	}
}
