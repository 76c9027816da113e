package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"testing"
	"time"

	"budgetpoint/db"
	"budgetpoint/internal/testutil"
	"budgetpoint/models"
)

// restartPostgres restarts the tests' PostgreSQL server (scripts/postgres.sh
// restart): every connection of every hub process is cut.
func restartPostgres(t *testing.T) {
	t.Helper()
	dir := os.Getenv("BUDGETPOINT_TEST_PG_DIR")
	if dir == "" {
		t.Fatal("BUDGETPOINT_TEST_PG_DIR is not set: the drill restarts the cluster scripts/postgres.sh started")
	}
	out, err := exec.Command("../scripts/postgres.sh", "restart", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("restart PostgreSQL: %v\n%s", err, out)
	}
}

// TestDrillsOnPostgres: six points push to two hub processes on one
// PostgreSQL database, each request to one of them at random through the
// proxy; while they collect, one hub process is killed (SIGKILL) and
// started again, and the PostgreSQL server itself is restarted. In the end
// the committee's totals equal the points' own, point by point and topic
// by topic (so their sum too), every opinion is held once, and no batch
// was applied twice (each batch id once, the summaries' seq the points').
func TestDrillsOnPostgres(t *testing.T) {
	addr := testutil.Postgres(t)
	if os.Getenv("BUDGETPOINT_TEST_PG_DIR") == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("BUDGETPOINT_TEST_PG_DIR is not set: scripts/test.sh starts the cluster")
		}
		t.Skip("BUDGETPOINT_TEST_PG_DIR not set: run with scripts/test.sh")
	}
	c := newClusterOn(t, addr)
	c.hubAPI.must(t, "POST", "/api/v1/committee/topics", map[string]any{"id": committeeTopic, "kind": "budget_draft", "fiscal_year": 2027,
		"title": "2027年玉溪市市级预算草案"}, nil, 200, 201)
	c.hubAPI.must(t, "POST", "/api/v1/committee/questionnaires", fullDefinition(committeeQ, committeeTopic, true), nil, 200, 201)
	c.addTopic(committeeTopic)
	for _, p := range c.points {
		waitFor(t, p.id+" gets the committee's questionnaire", convergeLimit, func() (bool, string) {
			c.syncRun(p)
			st, b, _ := p.api.call("GET", "/api/v1/questionnaires/"+committeeQ, nil)
			return st == 200, fmt.Sprintf("status %d: %s", st, b)
		})
		c.seed(p)
	}

	// Collect at six points at once; meanwhile kill and restart a hub
	// process, then restart the database server.
	wg := c.eachPoint(func(pc *cluster, p *point) {
		for range 3 {
			pc.collect(p, 15+pc.rng.IntN(20), 5+pc.rng.IntN(10), 1+pc.rng.IntN(2), 1+pc.rng.IntN(3))
			time.Sleep(time.Duration(300+pc.rng.IntN(500)) * time.Millisecond)
		}
	})
	time.Sleep(1500 * time.Millisecond)
	c.hubs[0].kill() // SIGKILL, mid-traffic
	c.proxy.setTargets("", c.hubs[1].URL)
	time.Sleep(time.Second)
	c.startHubProc(0)
	c.proxy.setTargets(c.hubs[0].URL, c.hubs[1].URL)
	c.hubAPI.base = c.hubs[0].URL
	time.Sleep(500 * time.Millisecond)
	restartPostgres(t)
	wg.Wait()
	for _, p := range c.points {
		c.syncRun(p)
	}
	c.waitConverged("the hubs on PostgreSQL hold every point's summaries", c.points)

	// Every opinion once, at either process.
	for _, base := range []string{c.hubs[0].URL, c.hubs[1].URL} {
		c.hubAPI.base = base
		for _, p := range c.points {
			var pg models.Page[models.Opinion]
			p.api.must(t, "GET", "/api/v1/opinions?limit=500", nil, &pg, 200)
			var want []string
			for _, o := range pg.Items {
				want = append(want, o.ID)
			}
			got := c.hubOpinionIDs(p.id)
			sort.Strings(want)
			sort.Strings(got)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s at %s: the hub holds %d opinions, the point %d", p.id, base, len(got), len(want))
			}
		}
	}
	// Each batch once: the batch ids the points were told were stored are
	// each held once, and no summary is ahead of its point.
	raw, err := db.PostgresPool(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	// Every batch acknowledged is held, and only batches sent are held:
	// with the primary key on (point, batch id), held once each.
	held := map[string]bool{}
	rows, err := raw.Query(`SELECT point_id, batch_id FROM hub_batches`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var p, b string
		if err := rows.Scan(&p, &b); err != nil {
			t.Fatal(err)
		}
		held[p+"/"+b] = true
	}
	rows.Close()
	sent, acked := map[string]bool{}, map[string]bool{}
	statuses := map[int]int{}
	for _, cp := range c.proxy.captures() {
		statuses[cp.Status]++
		if cp.Status >= 500 && cp.Status != 502 && cp.Status != 503 {
			t.Errorf("%s %s answered %d: %s", cp.Method, cp.Path, cp.Status, cp.Answer)
		}
		if cp.Path != "/api/v1/sync/batches" {
			continue
		}
		var req struct {
			BatchID string `json:"batch_id"`
		}
		if json.Unmarshal(cp.Body, &req) == nil && req.BatchID != "" {
			sent[cp.PointID+"/"+req.BatchID] = true
			if cp.Status == 200 {
				acked[cp.PointID+"/"+req.BatchID] = true
			}
		}
	}
	for k := range acked {
		if !held[k] {
			t.Errorf("batch %s was acknowledged and is not held", k)
		}
	}
	for k := range held {
		if !sent[k] {
			t.Errorf("batch %s is held but was never sent", k)
		}
	}
	t.Logf("%d batches sent, %d acknowledged, %d held, over two hub processes, one killed, and a database restart; answers by status %v", len(sent), len(acked), len(held), statuses)
	if statuses[502]+statuses[503] == 0 {
		t.Error("no request met the killed hub or the restarted database: the drill did not drill")
	}
}
