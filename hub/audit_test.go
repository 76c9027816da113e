package hub_test

import (
	"encoding/json"
	"testing"
	"time"

	"budgetpoint/models"
	"budgetpoint/syncproto"
)

// At the hub the committee's publications and moves of opinions are audited
// with who made them, and every refused sync request with the point it
// claimed to be and why; a point's accepted batch is not a person's change.
func TestHubAudit(t *testing.T) {
	e := newEnv(t)
	e.apiJSON(t, "POST", "/api/v1/committee/topics", map[string]any{"id": topicID, "kind": "budget_draft", "fiscal_year": 2027, "title": "2027年预算草案"}, 201, nil)
	op := opinion(topicID, 1)
	e.push(t, batch("hongta", nil, []models.Opinion{op}))
	e.apiJSON(t, "PATCH", "/api/v1/committee/opinions/"+op.ID, map[string]any{"status": "forwarded"}, 200, nil)
	body, _ := json.Marshal(batch("tonghai", nil, nil))
	if st, b := e.signed(t, "POST", syncproto.PathBatches, "", "tonghai", "wrong-secret-0123456789", body, time.Now()); st != 401 {
		t.Fatalf("a wrongly signed batch: %d %s", st, b)
	}

	admin := e.he.User(t, "admin1", "admin")
	var page models.Page[models.AuditEntry]
	res := e.he.Do(t, "GET", "/api/v1/audit", admin, nil)
	if res.Status != 200 {
		t.Fatalf("audit: %d %s", res.Status, res.Body)
	}
	if err := json.Unmarshal(res.Body, &page); err != nil {
		t.Fatal(err)
	}
	got := map[string]models.AuditEntry{}
	for _, en := range page.Items {
		if en.Action == "user.create" || en.Action == "token.create" {
			continue // the fixture's logins, made without an actor: none
		}
		if _, dup := got[en.Action]; dup {
			t.Errorf("two entries %s", en.Action)
		}
		got[en.Action] = en
	}
	if len(got) != 3 {
		t.Fatalf("entries %v, want topic.publish, opinion.move and sync.refused", page.Items)
	}
	if en := got["topic.publish"]; en.Actor.User != "committee1" || en.Object.ID != topicID || en.Result != "ok" {
		t.Errorf("topic.publish: %+v", en)
	}
	if en := got["opinion.move"]; en.Actor.User != "committee1" || en.Object.ID != op.ID || en.Detail["to"] != "forwarded" {
		t.Errorf("opinion.move: %+v", en)
	}
	if en := got["sync.refused"]; en.Actor.User != "tonghai" || en.Result != "refused" || en.Detail["reason"] != "bad signature" || en.Addr != "127.0.0.1" {
		t.Errorf("sync.refused: %+v", en)
	}
}
