package handlers_test

import (
	"context"
	"testing"

	"budgetpoint/internal/testutil"
	"budgetpoint/models"
)

// TestCreateUserPasswordRule: POST /api/v1/users refuses every kind of weak
// password with 422 naming password, in Chinese and English, and adds no
// login; a password that passes is taken, and one left out is generated,
// passes the rule and signs in.
func TestCreateUserPasswordRule(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	admin := fx.tokens["admin"]
	for _, pw := range testutil.WeakPasswords("clerk") {
		res := fx.Do(t, "POST", "/api/v1/users", admin, map[string]any{"name": "clerk", "role": "staff", "password": pw})
		if res.Status != 422 {
			t.Errorf("password %q: status %d, want 422: %s", pw, res.Status, testutil.Trunc(res.Body))
			continue
		}
		e := res.Err(t)
		if msg := e.Error.Fields["password"]; e.Error.Code != models.EInvalid || msg != models.PasswordProblem("clerk", pw) || msg == "" {
			t.Errorf("password %q: %s, want validation_failed with fields.password %q", pw, res.Body, models.PasswordProblem("clerk", pw))
		}
	}
	if _, err := fx.DB.UserByName(ctx, "clerk"); models.ErrorCode(err) != models.ENotFound {
		t.Fatalf("a weak password added the login: %v", err)
	}

	fx.Do(t, "POST", "/api/v1/users", admin, map[string]any{"name": "clerk", "role": "staff", "password": "Budget-Desk-7"}).Want(t, 201, "a good password")
	fx.Do(t, "POST", "/api/v1/login", "", map[string]any{"name": "clerk", "password": "Budget-Desk-7"}).Want(t, 200, "sign in with it")

	var out struct{ Password string }
	fx.Do(t, "POST", "/api/v1/users", admin, map[string]any{"name": "clerk2", "role": "staff"}).Want(t, 201, "a generated password").JSON(t, &out)
	if err := models.CheckPassword("clerk2", out.Password); err != nil {
		t.Fatalf("the generated password %q breaks the rule: %v", out.Password, err)
	}
	fx.Do(t, "POST", "/api/v1/login", "", map[string]any{"name": "clerk2", "password": out.Password}).Want(t, 200, "sign in with the generated password")
}
