package hub_test

import (
	"testing"

	"budgetpoint/hub"
	"budgetpoint/models"
)

// The committee's points and topics lists page like every list of the contract.
func TestPointsAndTopicsPaged(t *testing.T) {
	e := newEnv(t)
	var seen []string
	next := ""
	for i := 0; ; i++ {
		var page models.Page[hub.PointStatus]
		e.apiJSON(t, "GET", "/api/v1/committee/points?limit=2&after="+next, nil, 200, &page)
		if len(page.Items) > 2 {
			t.Fatalf("page %d has %d points, want at most 2", i, len(page.Items))
		}
		for _, p := range page.Items {
			seen = append(seen, p.ID)
		}
		if page.Next == nil {
			break
		}
		next = *page.Next
	}
	if len(seen) != len(testPoints) {
		t.Fatalf("paged through %v, want the %d points once each", seen, len(testPoints))
	}
	for i, p := range testPoints {
		if seen[i] != p.ID {
			t.Fatalf("points in order %v, want the points file's order", seen)
		}
	}
	var topics models.Page[hub.TopicInfo]
	e.apiJSON(t, "GET", "/api/v1/committee/topics?limit=1", nil, 200, &topics)
	if topics.Items == nil {
		t.Fatal("topics: items is null, want a list")
	}
	for _, q := range []string{"limit=0", "limit=501", "after=!!", "after=bm8tc3VjaA"} {
		if st, _ := e.api(t, "GET", "/api/v1/committee/points?"+q, nil); st != 400 {
			t.Errorf("points?%s: %d, want 400", q, st)
		}
	}
}
