package hub_test

import (
	"strings"
	"testing"

	"budgetpoint/db"
	"budgetpoint/internal/testutil"
)

// A key dropped in one committee version and brought back with another type
// must be refused, as a point's own SaveQuestionnaire refuses it: otherwise
// one counter key holds two kinds of answers (rating scores and option
// values) at every point and in the hub's sums.
func TestCommitteeVersionKeepsTypeAgainstEveryEarlierVersion(t *testing.T) {
	e := newEnv(t)
	e.apiJSON(t, "POST", "/api/v1/committee/topics", map[string]any{"id": "t-c", "kind": "budget_draft", "fiscal_year": 2027, "title": "事项"}, 201, nil)
	q := func(qs ...map[string]any) map[string]any {
		return map[string]any{"id": "q-c", "topic_id": "t-c", "title": "问卷", "questions": qs}
	}
	rating := map[string]any{"key": "x", "type": "rating", "label": "评分"}
	text := map[string]any{"key": "y", "type": "text", "label": "意见"}
	choice := map[string]any{"key": "x", "type": "single_choice", "label": "选择",
		"options": []map[string]any{{"value": "a", "label": "A"}, {"value": "b", "label": "B"}}}
	e.apiJSON(t, "POST", "/api/v1/committee/questionnaires", q(rating, text), 201, nil) // v1: x rating
	e.apiJSON(t, "POST", "/api/v1/committee/questionnaires", q(text), 201, nil)         // v2: x dropped
	e.apiJSON(t, "POST", "/api/v1/committee/questionnaires", q(choice, text), 422, nil) // v3: x back as a choice
}

// Each database holds only its own schema: a hub's has the accounts and the
// hub_* tables and none of a point's; a point's has none of the hub's.
func TestOwnSchemaOnly(t *testing.T) {
	tables := func(d *db.DB) map[string]bool {
		q := `SELECT name FROM sqlite_master WHERE type='table'`
		if d.Postgres() {
			q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`
		}
		rows, err := testutil.RawOf(t, d).Query(q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]bool{}
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			out[n] = true
		}
		return out
	}
	hubTables := tables(testutil.NewHub(t).DB)
	pointTables := tables(testutil.OpenDB(t))
	for _, n := range []string{"users", "tokens", "settings", "hub_batches", "hub_opinions", "hub_topics", "hub_questionnaire_versions"} {
		if !hubTables[n] {
			t.Errorf("the hub's database lacks %s", n)
		}
	}
	for _, n := range []string{"users", "topics", "responses", "counters", "outbox", "questionnaire_versions"} {
		if !pointTables[n] {
			t.Errorf("a point's database lacks %s", n)
		}
	}
	for n := range hubTables {
		if pointTables[n] && !map[string]bool{"users": true, "tokens": true, "settings": true, "audit_log": true, "audit_archive": true, "login_failures": true, "login_addr_failures": true, "schema_migrations": true}[n] {
			t.Errorf("table %s is in both a hub's and a point's database", n)
		}
	}
	if len(hubTables) < 8 || len(pointTables) < 10 {
		t.Fatalf("too few tables seen: hub %v, point %v", hubTables, pointTables)
	}
}

// The hub keeps no deputies registry: a login with a deputy_id is refused
// with 422 naming it (not a 500 from a table the hub does not have).
func TestHubUserWithDeputyRefused(t *testing.T) {
	he := testutil.NewHub(t)
	admin := he.User(t, "admin1", "admin")
	res := he.Do(t, "POST", "/api/v1/users", admin, map[string]any{"name": "c2", "role": "committee", "password": "committee-pass-2026", "deputy_id": "d1"})
	if res.Status != 422 || !strings.Contains(string(res.Body), "deputy_id") {
		t.Fatalf("a hub login with a deputy_id: %d %s, want 422 naming deputy_id", res.Status, res.Body)
	}
	res = he.Do(t, "POST", "/api/v1/users", admin, map[string]any{"name": "c3", "role": "committee", "password": "committee-pass-2026"})
	if res.Status != 201 {
		t.Fatalf("a hub login: %d %s, want 201", res.Status, res.Body)
	}
}
