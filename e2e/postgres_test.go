package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"budgetpoint/db"
	"budgetpoint/hub"
	"budgetpoint/internal/testutil"
	"budgetpoint/models"
	"budgetpoint/syncproto"
)

// TestTwoHubProcessesSameBatches: two hub processes (the real binary) on
// one PostgreSQL database; 200 deliveries of 20 batches (each batch ten
// times, at the same moment, split over the two processes) store each
// batch once and count each once: every delivery answered 200, every
// opinion and activity once, the summary of the highest seq kept, the
// batch ids once; then a pull from either process gives the same changes.
func TestTwoHubProcessesSameBatches(t *testing.T) {
	addr := testutil.Postgres(t)
	dir := t.TempDir()
	secret := "pg-secret-hongta-0123456789"
	pts, _ := json.Marshal(map[string]any{"points": []map[string]string{{"id": "hongta", "name": "红塔区人大常委会", "secret": secret}}})
	pointsFile := filepath.Join(dir, "points.json")
	if err := os.WriteFile(pointsFile, pts, 0o600); err != nil {
		t.Fatal(err)
	}
	var hubs [2]*proc
	var wg sync.WaitGroup
	for i := range hubs {
		wg.Add(1)
		go func() { // both at once: the migration runs once between them
			defer wg.Done()
			hubs[i] = start(t, fmt.Sprintf("hub%d", i), "hub", "--addr", "127.0.0.1:0", "--data", filepath.Join(dir, fmt.Sprintf("hub%d", i)),
				"--points", pointsFile, "--database", addr)
		}()
	}
	wg.Wait()

	const batches, copies = 20, 10
	topic := "t-pg-2027"
	bodies := make([][]byte, batches)
	var opinionIDs []string
	for i := range batches {
		ops := []models.Opinion{}
		for j := range 3 {
			id := uuid.NewString()
			opinionIDs = append(opinionIDs, id)
			ops = append(ops, models.Opinion{ID: id, TopicID: topic, Source: "forum", Content: fmt.Sprintf("意见 %d-%d", i, j),
				Proposer: models.Proposer{Kind: "public"}, Status: "reported", RecordedAt: time.Now().Truncate(time.Second)})
		}
		c := models.Counters{models.CounterKey{Bucket: "responses"}: int64(10 * (i + 1))}
		sum := models.BuildSummary(topic, "hongta", int64(i+1), time.Now().Truncate(time.Second), c, nil)
		b := syncproto.Batch{BatchID: uuid.NewString(), PointID: "hongta", Summaries: []models.Summary{sum}, Activities: []models.Activity{}, Opinions: ops}
		var err error
		if bodies[i], err = json.Marshal(b); err != nil {
			t.Fatal(err)
		}
	}
	start := make(chan struct{})
	type answer struct {
		status int
		body   string
	}
	answers := make(chan answer, batches*copies)
	for i := range batches {
		for k := range copies {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				h := hubs[(i+k)%2]
				req, _ := http.NewRequest("POST", h.URL+syncproto.PathBatches, bytes.NewReader(bodies[i]))
				syncproto.SignRequest(req, "hongta", secret, bodies[i], time.Now())
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					answers <- answer{0, err.Error()}
					return
				}
				var buf bytes.Buffer
				buf.ReadFrom(res.Body)
				res.Body.Close()
				answers <- answer{res.StatusCode, buf.String()}
			}()
		}
	}
	close(start)
	wg.Wait()
	close(answers)
	fresh := 0
	for a := range answers {
		if a.status != 200 {
			t.Fatalf("a delivery answered %d: %s", a.status, a.body)
		}
		var ack syncproto.BatchAck
		if err := json.Unmarshal([]byte(a.body), &ack); err != nil {
			t.Fatal(err)
		}
		if !ack.Duplicate {
			fresh++
		}
	}
	if fresh != batches {
		t.Errorf("%d deliveries were taken as new, want one per batch (%d)", fresh, batches)
	}

	raw, err := db.PostgresPool(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := raw.QueryRow(q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	if n := count(`SELECT count(*) FROM hub_batches WHERE point_id='hongta'`); n != batches {
		t.Errorf("%d batches stored, want %d", n, batches)
	}
	if n := count(`SELECT count(*) FROM hub_opinions`); n != len(opinionIDs) {
		t.Errorf("%d opinions stored, want %d", n, len(opinionIDs))
	}
	if n := count(`SELECT count(DISTINCT id) FROM hub_opinions`); n != len(opinionIDs) {
		t.Errorf("%d distinct opinions", n)
	}
	if n := count(`SELECT seq FROM hub_summaries WHERE point_id='hongta' AND topic_id=?`, topic); n != batches {
		t.Errorf("the summary of seq %d is kept, want the highest, %d", n, batches)
	}
	var pulls [2]string
	for i, h := range hubs {
		req, _ := http.NewRequest("GET", h.URL+syncproto.PathUpdates+"?since=0", nil)
		syncproto.SignRequest(req, "hongta", secret, nil, time.Now())
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		buf.ReadFrom(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("pull from hub%d: %d %s", i, res.StatusCode, buf.String())
		}
		var u syncproto.Updates
		if err := json.Unmarshal(buf.Bytes(), &u); err != nil {
			t.Fatal(err)
		}
		pulls[i] = u.Next
	}
	if pulls[0] != pulls[1] {
		t.Errorf("the two processes give cursors %s and %s for the same feed", pulls[0], pulls[1])
	}
	// The committee's totals at either process: each opinion once.
	runCLI(t, "pg-committee-pass-2026\n", "user", "add", "--database", addr, "--data", filepath.Join(dir, "cli"), "--name", "pgc", "--role", "committee")
	tok := strings.TrimSpace(runCLI(t, "", "token", "create", "--database", addr, "--data", filepath.Join(dir, "cli"), "--user", "pgc"))
	for i, h := range hubs {
		var sts struct{ Items []hub.PointStatus }
		client{base: h.URL, token: tok}.must(t, "GET", "/api/v1/committee/points", nil, &sts, 200)
		if len(sts.Items) != 1 || sts.Items[0].Totals.Opinions != int64(len(opinionIDs)) || sts.Items[0].Totals.Responses != int64(10*batches) {
			t.Errorf("hub%d's totals: %+v", i, sts.Items)
		}
	}
}
