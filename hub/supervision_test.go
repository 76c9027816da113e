package hub_test

import (
	"context"
	"strings"
	"testing"

	"budgetpoint/hub"
	"budgetpoint/models"
)

// TestSupervised: the list under supervision holds the opinions assigned
// and not answered (forwarded, accepted) and those reopened under
// supervision and not closed, soonest due first; not those never assigned,
// answered, closed or voided.
func TestSupervised(t *testing.T) {
	e := newEnv(t)
	ctx := models.WithActor(context.Background(), models.Actor{User: "committee1", Role: "committee"})
	if err := e.h.Store.CreateUnit(ctx, &hub.Unit{ID: "czj", Name: "市财政局", Kind: "department"}); err != nil {
		t.Fatal(err)
	}
	var ops []models.Opinion
	for i := 0; i < 7; i++ {
		ops = append(ops, opinion(topicID, i))
	}
	voided := opinion(topicID, 9)
	voided.Voided = true
	e.push(t, batch("hongta", nil, append(ops, voided)))
	late, soon, accepted, answered, closed, reopened, never := ops[0], ops[1], ops[2], ops[3], ops[4], ops[5], ops[6]
	assign := func(o models.Opinion, due string) {
		t.Helper()
		if _, err := e.h.AssignOpinion(ctx, o.ID, hub.Assignment{Lead: "czj", Due: due}); err != nil {
			t.Fatal(err)
		}
	}
	act := func(o models.Opinion, s hub.UnitStep) {
		t.Helper()
		if _, err := e.h.Store.UnitAct(ctx, "czj", o.ID, s, e.h.Calendar); err != nil {
			t.Fatal(err)
		}
	}
	move := func(o models.Opinion, eval string) {
		t.Helper()
		if _, err := e.h.MoveOpinion(ctx, o.ID, hub.OpinionPatch{Status: "closed", Evaluation: eval}); err != nil {
			t.Fatal(err)
		}
	}
	assign(late, "2099-03-02")
	assign(soon, "2098-03-03")
	for _, o := range []models.Opinion{accepted, answered, closed, reopened} {
		assign(o, "2099-06-01")
	}
	act(accepted, hub.UnitStep{Action: "accept"})
	for _, o := range []models.Opinion{answered, closed, reopened} {
		act(o, hub.UnitStep{Action: "reply", Grade: "B", Content: "正在办理"})
	}
	move(closed, "satisfied")
	move(reopened, "unsatisfied")
	got, err := e.h.Store.Supervised(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, o := range got {
		ids = append(ids, o.ID)
	}
	// reopened has the default due (three months on), before 2098.
	want := []string{reopened.ID, soon.ID, late.ID, accepted.ID}
	if strings.Join(ids, ",") != strings.Join(want, ",") {
		t.Errorf("under supervision: %v, want %v (never assigned %s, answered %s, closed %s, voided %s)", ids, want, never.ID, answered.ID, closed.ID, voided.ID)
	}
	if len(got) == 4 && (!got[0].Supervised || got[0].Round != 2 || got[3].Status != "accepted") {
		t.Errorf("the rows: %+v", got)
	}
}
