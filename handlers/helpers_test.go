package handlers_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"

	"budgetpoint/internal/testutil"
	"budgetpoint/models"
)

// fixture is a point with a topic, a questionnaire open to the public, a
// registered deputy with a login, staff and admin logins, an activity and
// an opinion of the deputy.
type fixture struct {
	*testutil.Env
	tokens      map[string]string // role → API token
	users       map[string]models.User
	publicToken string // the public link's token
	activityID  string
	opinionID   string            // raised by the deputy "d-dep"
	passwords   map[string]string // role → its password, once a test changed it
}

// newDraft saves a draft of a new questionnaire and returns its id.
func (fx *fixture) newDraft(t *testing.T) string {
	t.Helper()
	id := uniq("q-draft-")
	def := testutil.Definition(id, "t1")
	if _, err := fx.DB.SaveDraft(context.Background(), def); err != nil {
		t.Fatal(err)
	}
	return id
}

// newResponse stores a response to q1 and returns its id.
func (fx *fixture) newResponse(t *testing.T) string {
	t.Helper()
	id := newID()
	tok, _ := fx.token(t, "staff") // a token of its own: a row may have ended the others
	fx.Do(t, "POST", "/api/v1/questionnaires/q1/responses", tok, testutil.Response(id, 1)).Want(t, 201, "a response")
	return id
}

// newUser adds a staff login of a new name.
func (fx *fixture) newUser(t *testing.T) models.User {
	t.Helper()
	name := uniq("clerk")
	u, err := fx.DB.CreateUser(context.Background(), name, "staff", testutil.Password(name), "")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	e := testutil.New(t)
	fx := &fixture{Env: e, tokens: map[string]string{}, users: map[string]models.User{}}
	ctx := context.Background()
	if err := e.DB.CreateDeputy(ctx, &models.Deputy{ID: "d-dep", Name: "李明", Level: "county", Phone: "13908771234", IDNumber: "530423197801012345"}); err != nil {
		t.Fatal(err)
	}
	if err := e.DB.CreateDeputy(ctx, &models.Deputy{ID: "d-other", Name: "王芳", Level: "municipal", Phone: "13887712345"}); err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{"admin", "staff", "deputy"} {
		dep := ""
		if r == "deputy" {
			dep = "d-dep"
		}
		u, tok := e.User(t, r, r, dep)
		fx.users[r], fx.tokens[r] = u, tok
	}
	staff := fx.tokens["staff"]
	e.Do(t, "POST", "/api/v1/topics", staff, testutil.Topic("t1")).Want(t, 201, "topic")
	e.Do(t, "POST", "/api/v1/questionnaires", staff, testutil.Definition("q1", "t1")).Want(t, 201, "questionnaire")
	var q models.Questionnaire
	e.Do(t, "PATCH", "/api/v1/questionnaires/q1", staff, map[string]any{"public": true}).Want(t, 200, "open").JSON(t, &q)
	if !strings.HasPrefix(q.PublicURL, "/") || len(q.PublicURL) < 20 {
		t.Fatalf("public_url %q", q.PublicURL)
	}
	fx.publicToken = q.PublicURL[strings.LastIndex(q.PublicURL, "/")+1:]
	var a models.Activity
	e.Do(t, "POST", "/api/v1/activities", staff, map[string]any{"kind": "forum", "topic_id": "t1", "title": "预算草案座谈会", "held_on": "2026-11-20",
		"participants": map[string]any{"deputies": 5, "public": 12}}).Want(t, 201, "activity").JSON(t, &a)
	fx.activityID = a.ID
	var o models.Opinion
	e.Do(t, "POST", "/api/v1/opinions", staff, map[string]any{"topic_id": "t1", "source": "written", "content": "建议公开债务还本付息安排",
		"proposer": map[string]any{"kind": "deputy", "deputy_id": "d-dep"}}).Want(t, 201, "opinion").JSON(t, &o)
	fx.opinionID = o.ID
	return fx
}

// token makes a new API token for a role's user (for requests that use one up).
func (fx *fixture) token(t *testing.T, role string) (string, int64) {
	t.Helper()
	tok, _, id, err := fx.DB.CreateToken(context.Background(), fx.users[role].ID, "api")
	if err != nil {
		t.Fatal(err)
	}
	return tok, id
}

func newID() string { return uuid.NewString() }
