package hub_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"budgetpoint/db"
	"budgetpoint/hub"
	"budgetpoint/models"
)

// activity is one activity of a point as the syncer sends it.
func activity(topic, kind, title, heldOn string) models.Activity {
	return models.Activity{ID: uuid.NewString(), Kind: kind, TopicID: topic, Title: title, HeldOn: heldOn,
		Location: "研和街道人大工委会议室", Host: "李四", Participants: models.Participants{Deputies: 5, Public: 12, Other: 1},
		Opinions: []models.Opinion{}, CreatedAt: time.Now().Truncate(time.Second)}
}

// pageActivities pages through GET /api/v1/committee/activities?query with
// the given limit and returns every item in order.
func pageActivities(t *testing.T, e *env, query string, limit string) []hub.HubActivity {
	t.Helper()
	var all []hub.HubActivity
	next := ""
	for i := 0; ; i++ {
		var page models.Page[hub.HubActivity]
		e.apiJSON(t, "GET", "/api/v1/committee/activities?limit="+limit+"&after="+next+"&"+query, nil, 200, &page)
		if page.Items == nil {
			t.Fatal("items is null, want a list")
		}
		all = append(all, page.Items...)
		if page.Next == nil {
			break
		}
		if i > 50 {
			t.Fatal("paging does not end")
		}
		next = *page.Next
	}
	return all
}

func TestActivitiesFiltersAndPaging(t *testing.T) {
	e := newEnv(t)
	const other = "t-2026-final-accounts"
	hA := []models.Activity{
		activity(topicID, "forum", "2027年预算草案座谈会", "2026-11-18"),
		activity(topicID, "field_research", "乡村道路项目实地调研", "2026-11-20"),
		activity(other, "written", "决算书面征求意见", "2026-06-01"),
	}
	yA := []models.Activity{
		activity(topicID, "forum", "易门县预算草案座谈会", "2026-11-19"),
		activity(topicID, "written", "易门县书面征求意见", "2026-11-21"),
	}
	// Two opinions from hongta's forum, one from yimen's: counted per activity.
	o1, o2, o3 := opinion(topicID, 1), opinion(topicID, 2), opinion(topicID, 3)
	o1.ActivityID, o2.ActivityID, o3.ActivityID = hA[0].ID, hA[0].ID, yA[0].ID
	b := batch("hongta", nil, []models.Opinion{o1, o2})
	b.Activities = hA
	e.push(t, b)
	b = batch("yimen", nil, []models.Opinion{o3})
	b.Activities = yA
	e.push(t, b)
	// A correction of hongta's forum keeps its place in the list.
	fixed := hA[0]
	fixed.Title = "2027年预算草案座谈会（更正）"
	b = batch("hongta", nil, nil)
	b.Activities = []models.Activity{fixed}
	e.push(t, b)

	// Every activity once, in the order they first arrived, whatever the page size.
	want := []string{hA[0].ID, hA[1].ID, hA[2].ID, yA[0].ID, yA[1].ID}
	for _, limit := range []string{"1", "2", "500"} {
		got := pageActivities(t, e, "", limit)
		if len(got) != len(want) {
			t.Fatalf("limit %s: %d activities, want %d", limit, len(got), len(want))
		}
		for i := range want {
			if got[i].ID != want[i] {
				t.Fatalf("limit %s: item %d is %s, want %s (arrival order)", limit, i, got[i].ID, want[i])
			}
		}
	}
	all := pageActivities(t, e, "", "50")
	if a := all[0]; a.PointID != "hongta" || a.Title != fixed.Title || a.HeldOn != "2026-11-18" || a.Kind != "forum" ||
		a.Location != hA[0].Location || a.Participants != hA[0].Participants || a.OpinionCount != 2 || a.Opinions == nil {
		t.Fatalf("stored record: %+v", a)
	}
	if all[3].PointID != "yimen" || all[3].OpinionCount != 1 || all[1].OpinionCount != 0 {
		t.Fatalf("point or opinion counts: %+v / %+v", all[3], all[1])
	}
	// The default page size is 50.
	var page models.Page[hub.HubActivity]
	e.apiJSON(t, "GET", "/api/v1/committee/activities", nil, 200, &page)
	if len(page.Items) != 5 || page.Next != nil {
		t.Fatalf("default page: %d items, next %v", len(page.Items), page.Next)
	}

	for q, n := range map[string]int{
		"topic=" + topicID:                  4,
		"topic=" + other:                    1,
		"point=yimen":                       2,
		"kind=forum":                        2,
		"kind=written&point=hongta":         1,
		"topic=" + topicID + "&kind=forum":  2,
		"topic=" + topicID + "&point=yimen": 2,
		"point=tonghai":                     0,
		"topic=nothing-here":                0,
	} {
		got := pageActivities(t, e, q, "1")
		if len(got) != n {
			t.Errorf("%s: %d activities, want %d", q, len(got), n)
		}
		for _, a := range got {
			if (q == "point=yimen" && a.PointID != "yimen") || (q == "kind=forum" && a.Kind != "forum") {
				t.Errorf("%s: got %+v", q, a)
			}
		}
	}

	for _, q := range []string{"kind=bogus", "kind=Forum", "limit=0", "limit=501", "limit=x", "after=!!", "after=bm8tc3VjaA"} {
		st, out := e.api(t, "GET", "/api/v1/committee/activities?"+q, nil)
		if st != 400 {
			t.Errorf("%s: %d, want 400: %s", q, st, out)
		}
	}
	st, out := e.api(t, "GET", "/api/v1/committee/activities?kind=bogus", nil)
	if st != 400 || !bytes.Contains(out, []byte(`"kind"`)) {
		t.Errorf("bad kind names the field: %d %s", st, out)
	}
}

func TestActivitiesRoles(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	path := e.srv.URL + "/api/v1/committee/activities"
	// Without credentials: 401.
	req, _ := http.NewRequest("GET", path, nil)
	if st, out := do(t, req); st != 401 {
		t.Fatalf("without credentials: %d %s", st, out)
	}
	req, _ = http.NewRequest("GET", path, nil)
	req.Header.Set("Authorization", "Bearer not-a-token")
	if st, out := do(t, req); st != 401 {
		t.Fatalf("bad token: %d %s", st, out)
	}
	// committee and admin may; a point's roles may not.
	for role, want := range map[string]int{"committee": 200, "admin": 200, "staff": 403, "deputy": 403} {
		u, err := e.d.CreateUser(ctx, "u-"+role, role, "Hub-role-2026", "")
		if err != nil {
			t.Fatal(err)
		}
		tok, _, _, err := e.d.CreateToken(ctx, u.ID, db.TokenAPI)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		if st, out := do(t, req); st != want {
			t.Errorf("%s: %d, want %d: %s", role, st, want, out)
		}
	}
}
