package handlers_test

import (
	"context"
	"testing"

	"budgetpoint/internal/testutil"
	"budgetpoint/models"
)

// TestDrafts: a questionnaire saved as a draft (201, status draft, no
// version) can be saved again freely, is seen by no deputy and by no public
// link, takes no responses (409), and publishing it makes it version 1;
// a draft of a published questionnaire leaves deputies on the published
// version until it is published as version 2. A POST without draft
// publishes at once, as before.
func TestDrafts(t *testing.T) {
	fx := newFixture(t)
	staff, deputy := fx.tokens["staff"], fx.tokens["deputy"]
	def := testutil.Definition("q-new", "t1")
	body := map[string]any{"id": def.ID, "topic_id": def.TopicID, "title": def.Title, "questions": def.Questions, "draft": true}
	var d struct {
		Status  string `json:"status"`
		Version *int   `json:"version"`
		Title   string `json:"title"`
	}
	fx.Do(t, "POST", "/api/v1/questionnaires", staff, body).Want(t, 201, "a draft").JSON(t, &d)
	if d.Status != "draft" || d.Version != nil {
		t.Fatalf("a draft answered %+v", d)
	}
	body["title"] = "改过的标题"
	fx.Do(t, "POST", "/api/v1/questionnaires", staff, body).Want(t, 201, "the draft saved again")
	fx.Do(t, "GET", "/api/v1/questionnaires/q-new/draft", staff, nil).Want(t, 200, "the draft").JSON(t, &d)
	if d.Title != "改过的标题" {
		t.Errorf("the draft saved again: %+v", d)
	}
	// What the second save replaced is kept, with who saved it; the same
	// content saved again keeps nothing more.
	fx.Do(t, "POST", "/api/v1/questionnaires", staff, body).Want(t, 201, "the same draft again")
	revs, err := fx.DB.DraftRevisions(context.Background(), "q-new")
	if err != nil || len(revs) != 1 || revs[0].Definition.Title != def.Title || revs[0].SavedBy != "staff" {
		t.Fatalf("the drafts replaced: %+v %v", revs, err)
	}
	fx.Do(t, "GET", "/api/v1/questionnaires/q-new", deputy, nil).Want(t, 404, "a deputy asks for the draft")
	fx.Do(t, "GET", "/api/v1/questionnaires/q-new/draft", deputy, nil).Want(t, 403, "a deputy asks for the draft itself")
	var list models.Page[models.Questionnaire]
	fx.Do(t, "GET", "/api/v1/questionnaires", deputy, nil).Want(t, 200, "a deputy's list").JSON(t, &list)
	for _, q := range list.Items {
		if q.ID == "q-new" {
			t.Error("a deputy's list shows the draft")
		}
	}
	before := testutil.Snapshot(t, fx.DB)
	e := fx.Do(t, "POST", "/api/v1/questionnaires/q-new/responses", deputy, testutil.Response(newID(), 1)).Want(t, 409, "a response to a draft").Err(t)
	if e.Error.Code != models.EConflict {
		t.Errorf("a response to a draft: %+v", e.Error)
	}
	fx.Do(t, "PATCH", "/api/v1/questionnaires/q-new", staff, map[string]any{"public": true}).Want(t, 404, "a public link to a draft")
	testutil.SameSnapshot(t, fx.DB, before, "refused on a draft")

	var q models.Questionnaire
	fx.Do(t, "POST", "/api/v1/questionnaires/q-new/publish", staff, nil).Want(t, 201, "publish the draft").JSON(t, &q)
	if q.Version != 1 || q.Title != "改过的标题" {
		t.Fatalf("published: %+v", q)
	}
	fx.Do(t, "GET", "/api/v1/questionnaires/q-new/draft", staff, nil).Want(t, 404, "no draft once published")
	fx.Do(t, "POST", "/api/v1/questionnaires/q-new/publish", staff, nil).Want(t, 404, "publish again without a draft")
	fx.Do(t, "POST", "/api/v1/questionnaires/q-new/responses", deputy, testutil.Response(newID(), 1)).Want(t, 201, "a response once published")

	// A draft of the next version: deputies stay on version 1 until it is published.
	body["title"] = "第二版"
	fx.Do(t, "POST", "/api/v1/questionnaires", staff, body).Want(t, 201, "a draft of version 2")
	fx.Do(t, "GET", "/api/v1/questionnaires/q-new", deputy, nil).Want(t, 200, "the published one").JSON(t, &q)
	if q.Version != 1 || q.Title != "改过的标题" {
		t.Errorf("a deputy sees %+v while version 2 is a draft", q)
	}
	fx.Do(t, "POST", "/api/v1/questionnaires/q-new/publish", staff, nil).Want(t, 201, "publish version 2").JSON(t, &q)
	if q.Version != 2 {
		t.Errorf("version %d, want 2", q.Version)
	}
	delete(body, "draft")
	body["title"] = "第三版"
	fx.Do(t, "POST", "/api/v1/questionnaires", staff, body).Want(t, 201, "published at once, as before").JSON(t, &q)
	if q.Version != 3 {
		t.Errorf("a POST without draft: version %d, want 3", q.Version)
	}
	if a := audited(t, fx, "questionnaire.draft", ""); len(a) != 4 {
		t.Errorf("%d questionnaire.draft entries, want 4 (each save)", len(a))
	}
	testutil.CheckCounters(t, fx.DB, "t1")
}
