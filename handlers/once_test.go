package handlers_test

import (
	"sync"
	"testing"

	"budgetpoint/internal/testutil"
	"budgetpoint/models"
)

// TestOncePerDeputy: a questionnaire once_per_deputy takes one response
// from a signed-in deputy: the same response again is recognised (200),
// another is refused with 409 already_answered naming the first; staff's
// paper forms for that deputy and another deputy's response are not
// limited; two tries at once make one response; the counters equal the
// recount after each step.
func TestOncePerDeputy(t *testing.T) {
	fx := newFixture(t)
	staff, deputy := fx.tokens["staff"], fx.tokens["deputy"]
	def := testutil.Definition("q-once", "t1")
	def.OncePerDeputy = true
	var q models.Questionnaire
	fx.Do(t, "POST", "/api/v1/questionnaires", staff, def).Want(t, 201, "publish").JSON(t, &q)
	if !q.OncePerDeputy {
		t.Fatalf("once_per_deputy not kept: %+v", q)
	}
	path := "/api/v1/questionnaires/q-once/responses"
	first := testutil.Response(newID(), 1)
	fx.Do(t, "POST", path, deputy, first).Want(t, 201, "the deputy's first response")
	fx.Do(t, "POST", path, deputy, first).Want(t, 200, "the same response again")
	e := fx.Do(t, "POST", path, deputy, testutil.Response(newID(), 2)).Want(t, 409, "a second response").Err(t)
	if e.Error.Code != models.EAlreadyAnswered || e.Error.Fields["response"] != first["id"] || e.Error.Message == "" {
		t.Errorf("a second response: %+v", e.Error)
	}
	testutil.CheckCounters(t, fx.DB, "t1")
	paper := testutil.Response(newID(), 3)
	paper["channel"] = "paper"
	paper["respondent"] = map[string]any{"kind": "deputy", "deputy_id": "d-dep"}
	fx.Do(t, "POST", path, staff, paper).Want(t, 201, "staff types the deputy's paper form")
	_, other := fx.User(t, "deputy2", "deputy", "d-other")
	var wg sync.WaitGroup
	status := make([]int, 4)
	for i := range status {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := testutil.Request(fx.URL, "POST", path, other, testutil.Response(newID(), i))
			if err == nil {
				status[i] = res.Status
			}
		}()
	}
	wg.Wait()
	created, refused := 0, 0
	for _, s := range status {
		switch s {
		case 201:
			created++
		case 409:
			refused++
		}
	}
	if created != 1 || refused != 3 {
		t.Errorf("four tries at once by one deputy: %v, want one 201 and three 409", status)
	}
	testutil.CheckCounters(t, fx.DB, "t1")
	fx.Do(t, "POST", "/api/v1/questionnaires/q1/responses", deputy, testutil.Response(newID(), 4)).Want(t, 201, "a questionnaire without the limit")
	fx.Do(t, "POST", "/api/v1/questionnaires/q1/responses", deputy, testutil.Response(newID(), 5)).Want(t, 201, "again, without the limit")
}
