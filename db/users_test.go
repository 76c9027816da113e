package db_test

import (
	"context"
	"regexp"
	"testing"

	"budgetpoint/db"
	"budgetpoint/internal/testutil"
	"budgetpoint/models"
)

// TestEverySetterKeepsThePasswordRule: CreateUser, EnsureUser and
// CreateAdminIfNone refuse a weak password with validation_failed naming
// password, and store nothing.
func TestEverySetterKeepsThePasswordRule(t *testing.T) {
	d := testutil.OpenDB(t)
	ctx := context.Background()
	setters := map[string]func(pw string) error{
		"CreateUser": func(pw string) error { _, err := d.CreateUser(ctx, "clerk", "staff", pw, ""); return err },
		"EnsureUser": func(pw string) error { _, err := d.EnsureUser(ctx, "clerk", "staff", pw, ""); return err },
		"CreateAdminIfNone": func(pw string) error {
			_, err := d.CreateAdminIfNone(ctx, "clerk", pw)
			return err
		},
	}
	for what, set := range setters {
		for _, pw := range testutil.WeakPasswords("clerk") {
			err := set(pw)
			if e, ok := models.AsError(err); !ok || e.Code != models.EInvalid || e.Fields["password"] == "" {
				t.Errorf("%s with %q: %v, want validation_failed naming password", what, pw, err)
			}
		}
	}
	if n, err := d.CountUsers(ctx); err != nil || n != 0 {
		t.Fatalf("%d logins stored (%v), want none", n, err)
	}
}

// TestNewPassword: generated passwords pass the rule for the login they are
// for (a short name that random letters could contain included), are drawn
// from letters and digits that cannot be mistaken, and differ. (Generated as
// before, 12 random bytes in base64, about one in twelve had too few classes.)
func TestNewPassword(t *testing.T) {
	readable := regexp.MustCompile(`^[2-9a-hjkmnp-zA-HJ-NP-Z]{14}$`)
	seen := map[string]bool{}
	for i := 0; i < 300; i++ {
		pw := db.NewPassword("ab")
		if err := models.CheckPassword("ab", pw); err != nil || !readable.MatchString(pw) || seen[pw] {
			t.Fatalf("generated %q (seen before: %v): %v", pw, seen[pw], err)
		}
		seen[pw] = true
	}
}
