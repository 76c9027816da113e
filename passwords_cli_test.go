package main

import (
	"context"
	"io"
	"strings"
	"testing"

	"budgetpoint/internal/testutil"
	"budgetpoint/models"
)

// TestUserAddPasswordRule: `user add` refuses every kind of weak password
// from stdin as a bad command line (exit status 2, as for its other bad
// input) with the rule's message, and adds no login; a good one is taken.
func TestUserAddPasswordRule(t *testing.T) {
	data := t.TempDir()
	ctx := context.Background()
	add := func(pw string) error {
		return run(ctx, []string{"user", "add", "--data", data, "--name", "clerk", "--role", "staff"}, envOf(nil), strings.NewReader(pw+"\n"), io.Discard)
	}
	for _, pw := range testutil.WeakPasswords("clerk") {
		err := add(pw)
		if !isUsage(err) || !strings.Contains(err.Error(), models.PasswordProblem("clerk", pw)) {
			t.Errorf("user add with %q: %v, want a usage error saying %q", pw, err, models.PasswordProblem("clerk", pw))
		}
	}
	if err := run(ctx, []string{"token", "create", "--data", data, "--user", "clerk"}, envOf(nil), nil, io.Discard); models.ErrorCode(err) != models.ENotFound {
		t.Fatalf("a weak password added the login: token create says %v", err)
	}
	if err := add("Budget-Desk-7"); err != nil {
		t.Fatalf("a good password: %v", err)
	}
}
