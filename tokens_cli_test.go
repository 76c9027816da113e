package main

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"budgetpoint/db"
	"budgetpoint/models"
)

// TestTokenCLI: token create --expires (Nd or a Go duration; 365 days by
// default; zero, negative or garbage refused with a usage error), token
// list (no secrets) and token revoke, through run().
func TestTokenCLI(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	if err := run(ctx, []string{"user", "add", "--data", data, "--name", "staff", "--role", "staff"}, envOf(nil), strings.NewReader("Budget-Desk-7\n"), io.Discard); err != nil {
		t.Fatal(err)
	}
	create := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, append([]string{"token", "create", "--data", data, "--user", "staff"}, args...), envOf(nil), nil, &out)
		return strings.TrimSpace(out.String()), err
	}
	toks := map[string]string{}
	for _, c := range []struct {
		args []string
		life time.Duration
	}{
		{nil, 365 * 24 * time.Hour},
		{[]string{"--expires", "90d"}, 90 * 24 * time.Hour},
		{[]string{"--expires", "36h"}, 36 * time.Hour},
	} {
		tok, err := create(c.args...)
		if err != nil || tok == "" {
			t.Fatalf("token create %v: %v %q", c.args, err, tok)
		}
		toks[c.life.String()] = tok
	}
	for _, bad := range []string{"0", "0d", "-5d", "-1h", "ninety", "d", "90days"} {
		if _, err := create("--expires", bad); !isUsage(err) {
			t.Errorf("token create --expires %s: %v, want a usage error", bad, err)
		}
	}

	var out bytes.Buffer
	if err := run(ctx, []string{"token", "list", "--data", data, "--user", "staff"}, envOf(nil), nil, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 || lines[0] != "id\tkind\tcreated_at\texpires_at\tlast_used_at\trevoked" {
		t.Fatalf("token list: %s", out.String())
	}
	for _, tok := range toks {
		if strings.Contains(out.String(), tok) {
			t.Fatalf("token list shows a secret: %s", out.String())
		}
	}
	lifes := []time.Duration{365 * 24 * time.Hour, 90 * 24 * time.Hour, 36 * time.Hour}
	for i, l := range lines[1:] {
		f := strings.Split(l, "\t")
		c, err1 := time.Parse(time.RFC3339, f[2])
		e, err2 := time.Parse(time.RFC3339, f[3])
		if len(f) != 6 || f[0] != strconv.Itoa(i+1) || f[1] != db.TokenAPI || err1 != nil || err2 != nil || f[5] != "false" {
			t.Fatalf("token list line %q", l)
		}
		if got := e.Sub(c); got < lifes[i]-time.Second || got > lifes[i]+time.Second {
			t.Fatalf("token %d lasts %v, want %v", i+1, got, lifes[i])
		}
	}

	out.Reset()
	if err := run(ctx, []string{"token", "revoke", "--data", data, "--id", "2"}, envOf(nil), nil, &out); err != nil || !strings.Contains(out.String(), "revoked token 2") {
		t.Fatalf("token revoke: %v %s", err, out.String())
	}
	if err := run(ctx, []string{"token", "revoke", "--data", data, "--id", "2"}, envOf(nil), nil, io.Discard); models.ErrorCode(err) != models.ENotFound {
		t.Fatalf("revoking it again: %v, want not_found", err)
	}
	if err := run(ctx, []string{"token", "revoke", "--data", data}, envOf(nil), nil, io.Discard); !isUsage(err) {
		t.Fatalf("token revoke without --id: %v, want a usage error", err)
	}
	d, err := db.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.UserByToken(ctx, toks[(90*24*time.Hour).String()]); models.ErrorCode(err) != models.EUnauth {
		t.Fatalf("the revoked token: %v, want unauthenticated", err)
	}
	if _, err := d.UserByToken(ctx, toks[(36*time.Hour).String()]); err != nil {
		t.Fatalf("another token after the revocation: %v", err)
	}
	ts, _, err := d.ListTokens(ctx, 1, 0, 10)
	if err != nil || len(ts) != 3 || !ts[1].Revoked || ts[0].Revoked || ts[2].Revoked {
		t.Fatalf("tokens after revoking 2: %v %+v", err, ts)
	}
}
