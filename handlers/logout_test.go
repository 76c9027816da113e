package handlers_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"budgetpoint/internal/testutil"
	"budgetpoint/models"
)

// POST /api/v1/logout revokes the token. When the database refuses the
// revocation (a trigger aborts it), the answer is the error, not
// "signed_out", and the token still works; the cause is logged.
func TestLogoutFailureIsAnswered(t *testing.T) {
	e := testutil.New(t)
	_, tok := e.User(t, "staff", "staff", "")
	exec := func(q string) {
		t.Helper()
		if err := e.DB.Write(context.Background(), func(tx *sql.Tx) error { _, err := tx.Exec(q); return err }); err != nil {
			t.Fatal(err)
		}
	}
	exec(`CREATE TRIGGER refuse_revoke BEFORE UPDATE OF revoked_at ON tokens BEGIN SELECT RAISE(ABORT, 'revoke refused by the test'); END`)
	res := e.Do(t, "POST", "/api/v1/logout", tok, nil)
	if res.Status != 500 || res.Err(t).Error.Code != models.EInternal || strings.Contains(string(res.Body), "signed_out") {
		t.Fatalf("logout the database refuses: %d %s, want 500 internal", res.Status, res.Body)
	}
	if !strings.Contains(e.Logs.String(), "revoke refused by the test") {
		t.Errorf("the cause is not logged: %s", e.Logs.String())
	}
	e.Do(t, "GET", "/api/v1/me", tok, nil).Want(t, 200, "the token after a failed logout")

	exec(`DROP TRIGGER refuse_revoke`)
	e.Do(t, "POST", "/api/v1/logout", tok, nil).Want(t, 200, "logout")
	e.Do(t, "GET", "/api/v1/me", tok, nil).Want(t, 401, "the token after logout")
}
