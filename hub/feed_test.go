package hub_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"budgetpoint/db"
	"budgetpoint/hub"
	"budgetpoint/internal/testutil"
	"budgetpoint/models"
)

// TestChangeFeedAcrossProcesses: two stores on one PostgreSQL database (as
// two hub processes) publish 400 topics at once while a point pulls again
// and again with its cursor; the point sees every change. Without the
// feed's lock (db.Dialect.Serialize in queue) a pull's cursor passes
// changes still to commit at the other process, and some are never seen.
func TestChangeFeedAcrossProcesses(t *testing.T) {
	addr := testutil.Postgres(t)
	ctx := context.Background()
	var stores [2]*hub.Store
	for i := range stores {
		d, err := db.OpenPostgres(ctx, addr, hub.Schema())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		stores[i] = hub.NewStore(d, nil)
	}
	const writers, each = 8, 50
	var wg sync.WaitGroup
	var done atomic.Bool
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				id := fmt.Sprintf("t-%d-%d", g, i)
				if _, err := stores[g%2].PublishTopic(ctx, models.Topic{ID: id, Kind: "budget_draft", FiscalYear: 2027, Title: id}, nil); err != nil {
					t.Errorf("publish %s: %v", id, err)
				}
			}
		}()
	}
	seen := map[string]bool{}
	cursor := int64(0)
	pull := func() {
		for {
			u, err := stores[0].Updates(ctx, "hongta", cursor, 50)
			if err != nil {
				t.Fatal(err)
			}
			for _, tp := range u.Topics {
				seen[tp.ID] = true
			}
			if cursor, err = strconv.ParseInt(u.Next, 10, 64); err != nil {
				t.Fatal(err)
			}
			if !u.More {
				return
			}
		}
	}
	go func() { wg.Wait(); done.Store(true) }()
	for !done.Load() {
		pull()
	}
	pull()
	if len(seen) != writers*each {
		t.Errorf("the point saw %d of %d changes", len(seen), writers*each)
	}
}
