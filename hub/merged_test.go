package hub_test

import (
	"context"
	"testing"

	"budgetpoint/hub"
	"budgetpoint/models"
)

// TestMergedIntoAndFollowUps: MergedInto lists the opinions merged into
// one (none for another); FollowUps the answered or closed opinions with a
// B or C reply and a follow-up date, earliest first, not an A one, not one
// merged into another, not one still being handled.
func TestMergedIntoAndFollowUps(t *testing.T) {
	e := newEnv(t)
	ctx := models.WithActor(context.Background(), models.Actor{User: "committee1", Role: "committee"})
	if err := e.h.Store.CreateUnit(ctx, &hub.Unit{ID: "czj", Name: "市财政局", Kind: "department"}); err != nil {
		t.Fatal(err)
	}
	var ops []models.Opinion
	for i := 0; i < 6; i++ {
		ops = append(ops, opinion(topicID, i))
	}
	e.push(t, batch("hongta", nil, ops))
	root, merged, later, sooner, solved, open := ops[0], ops[1], ops[2], ops[3], ops[4], ops[5]
	if _, err := e.h.MergeOpinion(ctx, merged.ID, root.ID); err != nil {
		t.Fatal(err)
	}
	ms, err := e.h.Store.MergedInto(ctx, root.ID)
	if err != nil || len(ms) != 1 || ms[0].ID != merged.ID {
		t.Fatalf("merged into the root: %+v %v", ms, err)
	}
	if ms, err := e.h.Store.MergedInto(ctx, later.ID); err != nil || len(ms) != 0 {
		t.Fatalf("merged into another: %+v %v", ms, err)
	}
	for _, s := range []struct {
		o          models.Opinion
		grade, day string
		replied    bool
	}{{root, "B", "2030-03-04", true}, {later, "C", "2030-05-06", true}, {sooner, "B", "2030-01-07", true}, {solved, "A", "", true}, {open, "", "", false}} {
		if _, err := e.h.AssignOpinion(ctx, s.o.ID, hub.Assignment{Lead: "czj"}); err != nil {
			t.Fatal(err)
		}
		if !s.replied {
			continue
		}
		if _, err := e.h.Store.UnitAct(ctx, "czj", s.o.ID, hub.UnitStep{Action: "reply", Grade: s.grade, Content: "答复", FollowUp: s.day}, e.h.Calendar); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.h.MoveOpinion(ctx, sooner.ID, hub.OpinionPatch{Status: "closed", Evaluation: "satisfied"}); err != nil {
		t.Fatal(err)
	}
	fs, err := e.h.Store.FollowUps(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range fs {
		got = append(got, o.ID+"@"+o.FollowUp)
	}
	want := []string{sooner.ID + "@2030-01-07", root.ID + "@2030-03-04", later.ID + "@2030-05-06"}
	if len(got) != len(want) {
		t.Fatalf("follow-ups: %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("follow-up %d: %s, want %s", i, got[i], want[i])
		}
	}
}
