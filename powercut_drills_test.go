package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"budgetpoint/db"
	"budgetpoint/hub"
	"budgetpoint/internal/testutil"
	"budgetpoint/models"
	"budgetpoint/syncproto"
)

// drillCount is what a drill found over its cuts.
type drillCount struct {
	Cuts, Acked, Lost, Duplicated, Retried int
	Undone, Removed                        int
	UndoneBytes                            int64
}

func (d drillCount) String() string {
	return fmt.Sprintf("%d cuts, %d acknowledged, %d lost, %d counted twice or wrong, %d unanswered retried; undone %d writes (%d KiB), %d created files removed",
		d.Cuts, d.Acked, d.Lost, d.Duplicated, d.Retried, d.Undone, d.UndoneBytes/1024, d.Removed)
}

func (d *drillCount) addCut(s cutStats) {
	d.Cuts++
	d.Undone += s.Undone
	d.Removed += s.Removed
	d.UndoneBytes += s.Bytes
}

// pointSetup makes a point's data directory with a staff login (without
// the shim: this is the disk's state before the drill) and returns its token.
func pointSetup(t *testing.T) (string, string) {
	data := t.TempDir()
	cli(t, "Crash-test-2026\n", 0, "user", "add", "--data", data, "--name", "staff", "--role", "staff")
	out, _ := cli(t, "", 0, "token", "create", "--data", data, "--user", "staff")
	return data, strings.TrimSpace(out)
}

// pointStart starts the point under the shim and creates topic t1 and
// questionnaire q1 (acknowledged, so they must survive every cut).
func pointStart(t *testing.T, bin, shim string) (*powerRig, string) {
	data, token := pointSetup(t)
	rig := newPowerRig(t, bin, shim, data, "serve")
	p := rig.start()
	for path, body := range map[string]any{"/api/v1/topics": testutil.Topic("t1")} {
		if st, b, err := doJSON("POST", p.url+path, token, body); err != nil || st != 201 {
			t.Fatalf("POST %s: %v %d %s", path, err, st, b)
		}
	}
	if st, b, err := doJSON("POST", p.url+"/api/v1/questionnaires", token, testutil.Definition("q1", "t1")); err != nil || st != 201 {
		t.Fatalf("POST questionnaire: %v %d %s", err, st, b)
	}
	// Made durable by a clean stop (with synchronous=NORMAL too), then
	// the power goes: the drill's cuts are about the responses.
	rig.stopAndCut()
	rig.start()
	return rig, token
}

// postResponse is the point's load: a new response to q1.
func postResponse(url, token string) func(rng *rand.Rand) (string, any, int, []byte, error) {
	return func(rng *rand.Rand) (string, any, int, []byte, error) {
		id := uuid.NewString()
		body := testutil.Response(id, rng.IntN(1000))
		st, b, err := doJSON("POST", url+"/api/v1/questionnaires/q1/responses", token, body)
		return id, body, st, b, err
	}
}

// checkPoint, on a restarted point, sends again every response that got no
// answer or 503 (it must be stored, or found stored: 201 or 200), then
// lists every stored response and counts the acknowledged ones missing
// (lost, which it forgets) and how far the summary is from a recount of
// the listed responses (counted twice, or not at all).
func checkPoint(t *testing.T, l *ledger, url, token string, wantNoLoss bool) (lost, wrong, retried int) {
	t.Helper()
	for _, o := range []outcome{unknown, refused} {
		for _, id := range l.ids(o) {
			st, b, err := doJSON("POST", url+"/api/v1/questionnaires/q1/responses", token, l.bodies[id])
			if err != nil || (st != 201 && st != 200) {
				t.Fatalf("retry of %s after the cut: %v %d %s", id, err, st, b)
			}
			l.note(id, l.bodies[id], acked)
			retried++
		}
	}
	stored := map[string]models.Response{}
	for after := ""; ; {
		st, b, err := doJSON("GET", url+"/api/v1/questionnaires/q1/responses?limit=500&after="+after, token, nil)
		if err != nil || st != 200 {
			t.Fatalf("list responses: %v %d %s", err, st, b)
		}
		var page models.Page[models.Response]
		if err := json.Unmarshal(b, &page); err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Items {
			if _, dup := stored[r.ID]; dup {
				t.Errorf("response %s listed twice", r.ID)
				wrong++
			}
			stored[r.ID] = r
		}
		if page.Next == nil {
			break
		}
		after = *page.Next
	}
	for _, id := range l.ids(acked) {
		if _, ok := stored[id]; !ok {
			lost++
			if wantNoLoss && lost <= 5 {
				t.Errorf("response %s was acknowledged with 201 but is gone after the power cut", id)
			}
			l.mu.Lock()
			delete(l.outcome, id)
			l.mu.Unlock()
		}
	}
	// The summary against a recount of what GET lists.
	st, b, err := doJSON("GET", url+"/api/v1/topics/t1/summary", token, nil)
	if err != nil || st != 200 {
		t.Fatalf("summary: %v %d %s", err, st, b)
	}
	var s models.Summary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	kinds, chans, overall := map[string]int64{}, map[string]int64{}, map[string]int64{}
	for _, r := range stored {
		kinds[r.Respondent.Kind]++
		chans[r.Channel]++
		var a struct{ Overall string }
		json.Unmarshal(r.Answers, &a)
		if a.Overall != "" {
			overall[a.Overall]++
		}
	}
	var gotOverall map[string]int64
	for _, q := range s.Questionnaires {
		for _, qs := range q.Questions {
			if qs.Key == "overall" {
				gotOverall = qs.Counts
			}
		}
	}
	nonzero := func(m map[string]int64) map[string]int64 {
		out := map[string]int64{}
		for k, v := range m {
			if v != 0 {
				out[k] = v
			}
		}
		return out
	}
	if d := s.Responses.Total - int64(len(stored)); d != 0 || !reflect.DeepEqual(nonzero(s.Responses.ByKind), kinds) ||
		!reflect.DeepEqual(nonzero(s.Responses.ByChannel), chans) || !reflect.DeepEqual(nonzero(gotOverall), overall) {
		wrong += max(1, int(max(d, -d)))
		t.Errorf("the summary differs from a recount of the %d stored responses: total %d, by kind %v (recount %v), by channel %v (%v), overall %v (%v)",
			len(stored), s.Responses.Total, s.Responses.ByKind, kinds, s.Responses.ByChannel, chans, gotOverall, overall)
	}
	return lost, wrong, retried
}

// pointPowerDrill cuts the power of a point under load cuts times (or
// until it loses something, with stopOnLoss) and counts.
func pointPowerDrill(t *testing.T, bin, shim string, cuts, clients int, stopOnLoss bool) (drillCount, *powerRig) {
	rig, token := pointStart(t, bin, shim)
	l := newLedger()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 11))
	var d drillCount
	for range cuts {
		p := rig.p
		l.round.Store(0)
		stop := make(chan struct{})
		wg := load(l, clients, stop, 201, postResponse(p.url, token))
		// The power goes at a moment chosen by progress, not by the clock.
		waitAcked(t, l, p, int64(10+rng.IntN(120)))
		d.addCut(rig.cut())
		close(stop)
		wg.Wait()
		for _, b := range l.bad {
			t.Errorf("answer the drill does not allow: %s", b)
		}
		if t.Failed() {
			return d, rig
		}
		rig.start()
		lost, wrong, retried := checkPoint(t, l, rig.p.url, token, !stopOnLoss)
		d.Lost += lost
		d.Duplicated += wrong
		d.Retried += retried
		if stopOnLoss && d.Lost > 0 {
			break
		}
	}
	d.Acked = len(l.ids(acked)) + d.Lost
	return d, rig
}

// finalChecks stops the server cleanly, then checks the file with SQLite's
// integrity check and the counters against db.Recount.
func finalChecks(t *testing.T, rig *powerRig, topics ...string) {
	t.Helper()
	rig.p.stop(t)
	raw := testutil.RawDB(t, rig.data)
	var ok string
	if err := raw.QueryRow(`PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity_check: %v %q", err, ok)
	}
	raw.Close()
	if len(topics) == 0 {
		return
	}
	d, err := db.Open(rig.data)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	testutil.CheckCounters(t, d, topics...)
}

// drillScale is the number of cuts and clients: the 20 cuts under
// 64 clients, fewer with -short.
func drillScale() (cuts, clients int) {
	if testing.Short() {
		return 5, 16
	}
	return 20, 64
}

// TestPowerLossDrillPoint: a point under load loses its power again and
// again; every response acknowledged with 201 is there after each restart,
// and the summary equals a recount of the stored responses.
func TestPowerLossDrillPoint(t *testing.T) {
	shim := buildShim(t)
	cuts, clients := drillScale()
	start := time.Now()
	d, rig := pointPowerDrill(t, binPath, shim, cuts, clients, false)
	if t.Failed() {
		return
	}
	finalChecks(t, rig, "t1")
	if d.Lost != 0 || d.Duplicated != 0 || d.Cuts != cuts {
		t.Fatalf("synchronous=FULL: %s", d)
	}
	t.Logf("point, synchronous=FULL, %d clients: %s, in %s", clients, d, time.Since(start).Round(time.Second))
}

// TestPowerLossDrillQuietPoint: the power goes while a point is quiet,
// after its checkpointer has emptied the WAL (10 s after the last commit),
// as it is most of the day. Every response acknowledged before is there
// after the restart, and the summary equals a recount. It fails when the
// checkpointer's folds are not synced before the WAL is emptied (checked,
// with synchronous=OFF on the checkpointer's connection: responses lost,
// the file damaged).
func TestPowerLossDrillQuietPoint(t *testing.T) {
	shim := buildShim(t)
	cuts := 2
	if testing.Short() {
		cuts = 1
	}
	start := time.Now()
	rig, token := pointStart(t, binPath, shim)
	l := newLedger()
	var d drillCount
	for range cuts {
		l.round.Store(0)
		stop := make(chan struct{})
		wg := load(l, 16, stop, 201, postResponse(rig.p.url, token))
		waitAcked(t, l, rig.p, 200)
		close(stop)
		wg.Wait()
		testutil.WaitWALEmpty(t, rig.data, time.Minute)
		// One more response: its commit's fsync of the WAL makes the
		// truncation durable, so that what was folded back must be in the
		// file, synced, before the WAL was emptied.
		id, body, st, b, err := postResponse(rig.p.url, token)(rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano()))))
		if err != nil || st != 201 {
			t.Fatalf("a response after the quiet spell: %v %d %s", err, st, b)
		}
		l.note(id, body, acked)
		d.addCut(rig.cut())
		for _, b := range l.bad {
			t.Errorf("answer the drill does not allow: %s", b)
		}
		if t.Failed() {
			return
		}
		rig.start()
		lost, wrong, retried := checkPoint(t, l, rig.p.url, token, true)
		d.Lost += lost
		d.Duplicated += wrong
		d.Retried += retried
	}
	d.Acked = len(l.ids(acked)) + d.Lost
	if t.Failed() {
		return
	}
	finalChecks(t, rig, "t1")
	if d.Lost != 0 || d.Duplicated != 0 || d.Cuts != cuts {
		t.Fatalf("quiet point: %s", d)
	}
	t.Logf("quiet point, WAL emptied before each cut: %s, in %s", d, time.Since(start).Round(time.Second))
}

// TestPowerLossDrillNormalControl shows the drill's teeth: the same drill
// on a binary with synchronous=NORMAL must lose acknowledged responses.
func TestPowerLossDrillNormalControl(t *testing.T) {
	shim := buildShim(t)
	bin := buildNormalBinary(t)
	_, clients := drillScale()
	start := time.Now()
	d, _ := pointPowerDrill(t, bin, shim, 10, clients, true)
	if t.Failed() {
		return
	}
	if d.Lost == 0 {
		t.Fatalf("synchronous=NORMAL lost nothing in %s: the drill cannot tell a durable commit from one that is not", d)
	}
	t.Logf("point, synchronous=NORMAL (control), %d clients: %s, in %s", clients, d, time.Since(start).Round(time.Second))
}

// TestPowerLossDrillHub: batches pushed to the hub by 64 clients; the power
// is cut; every batch acknowledged with 200 is known to the hub after the
// restart (sent again: duplicate) and its opinion is stored once.
func TestPowerLossDrillHub(t *testing.T) {
	shim := buildShim(t)
	cuts, clients := drillScale()
	start := time.Now()
	d, rig := hubPowerDrill(t, binPath, shim, cuts, clients, false)
	if t.Failed() {
		return
	}
	finalChecks(t, rig)
	if d.Lost != 0 || d.Duplicated != 0 || d.Cuts != cuts {
		t.Fatalf("synchronous=FULL: %s", d)
	}
	t.Logf("hub, synchronous=FULL, %d clients: %s, in %s", clients, d, time.Since(start).Round(time.Second))
}

// TestPowerLossDrillHubNormalControl: the hub's drill with synchronous=NORMAL
// must find acknowledged batches gone.
func TestPowerLossDrillHubNormalControl(t *testing.T) {
	shim := buildShim(t)
	bin := buildNormalBinary(t)
	_, clients := drillScale()
	start := time.Now()
	d, _ := hubPowerDrill(t, bin, shim, 10, clients, true)
	if t.Failed() {
		return
	}
	if d.Lost == 0 {
		t.Fatalf("synchronous=NORMAL lost nothing at the hub in %s: the drill cannot tell a durable commit from one that is not", d)
	}
	t.Logf("hub, synchronous=NORMAL (control), %d clients: %s, in %s", clients, d, time.Since(start).Round(time.Second))
}

// hubPowerDrill cuts the power of a hub taking batches cuts times (or
// until it loses one, with stopOnLoss) and counts.
func hubPowerDrill(t *testing.T, bin, shim string, cuts, clients int, stopOnLoss bool) (drillCount, *powerRig) {
	data := t.TempDir()
	cli(t, "Crash-test-2026\n", 0, "user", "add", "--data", data, "--name", "c1", "--role", "committee")
	out, _ := cli(t, "", 0, "token", "create", "--data", data, "--user", "c1")
	token := strings.TrimSpace(out)
	pf, _ := json.Marshal(hub.PointsFile{Points: testutil.HubPoints})
	points := filepath.Join(t.TempDir(), "points.json")
	if err := os.WriteFile(points, pf, 0o600); err != nil {
		t.Fatal(err)
	}
	rig := newPowerRig(t, bin, shim, data, "hub", "--points", points)
	rig.start()
	push := func(url string, b syncproto.Batch) (int, []byte, error) {
		body, _ := json.Marshal(b)
		req, _ := http.NewRequest("POST", url+syncproto.PathBatches, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		syncproto.SignRequest(req, b.PointID, testutil.SecretOf(b.PointID), body, time.Now())
		res, err := httpClient.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer res.Body.Close()
		var buf bytes.Buffer
		_, err = buf.ReadFrom(res.Body)
		return res.StatusCode, buf.Bytes(), err
	}
	newBatch := func(rng *rand.Rand) syncproto.Batch {
		point := testutil.HubPoints[rng.IntN(len(testutil.HubPoints))].ID
		i := rng.IntN(1000)
		o := models.Opinion{ID: uuid.NewString(), TopicID: "t1", Source: "forum", Content: fmt.Sprintf("建议加大对乡村道路硬化的投入 %d", i),
			Proposer: models.Proposer{Kind: "deputy", Name: "张三", Level: "county"}, Status: "reported", RecordedAt: time.Now().Truncate(time.Second)}
		return syncproto.Batch{BatchID: uuid.NewString(), PointID: point, Summaries: []models.Summary{}, Activities: []models.Activity{}, Opinions: []models.Opinion{o}}
	}
	l := newLedger()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 13))
	var d drillCount
	for range cuts {
		p := rig.p
		l.round.Store(0)
		stop := make(chan struct{})
		wg := load(l, clients, stop, 200, func(rng *rand.Rand) (string, any, int, []byte, error) {
			b := newBatch(rng)
			st, body, err := push(p.url, b)
			if err == nil && st == 200 && !bytes.Contains(body, []byte(`"duplicate":false`)) {
				st = 0 // a new batch must not be a duplicate: badAnswer
			}
			return b.BatchID, b, st, body, err
		})
		waitAcked(t, l, p, int64(10+rng.IntN(120)))
		d.addCut(rig.cut())
		close(stop)
		wg.Wait()
		for _, b := range l.bad {
			t.Errorf("answer the drill does not allow: %s", b)
		}
		if t.Failed() {
			return d, rig
		}
		p = rig.start()
		// Every acknowledged batch is known: sent again, it is a duplicate.
		lostBatch := map[string]bool{}
		for _, id := range l.ids(acked) {
			st, body, err := push(p.url, l.bodies[id].(syncproto.Batch))
			if err != nil || st != 200 || !bytes.Contains(body, []byte(`"duplicate":true`)) {
				d.Lost++
				if !stopOnLoss && d.Lost <= 5 {
					t.Errorf("batch %s was acknowledged with 200 but the hub does not know it after the power cut: %v %d %s", id, err, st, body)
				}
				lostBatch[id] = true
				l.mu.Lock()
				delete(l.outcome, id)
				l.mu.Unlock()
			}
		}
		for _, o := range []outcome{unknown, refused} {
			for _, id := range l.ids(o) {
				if st, body, err := push(p.url, l.bodies[id].(syncproto.Batch)); err != nil || st != 200 {
					t.Fatalf("retry of batch %s: %v %d %s", id, err, st, body)
				}
				l.note(id, l.bodies[id], acked)
				d.Retried++
			}
		}
		// Each batch's opinion is stored once, and nothing else is.
		seen := map[string]int{}
		for after := ""; ; {
			st, b, err := doJSON("GET", p.url+"/api/v1/committee/opinions?limit=500&after="+after, token, nil)
			if err != nil || st != 200 {
				t.Fatalf("list opinions: %v %d %s", err, st, b)
			}
			var page models.Page[models.Opinion]
			if err := json.Unmarshal(b, &page); err != nil {
				t.Fatal(err)
			}
			for _, o := range page.Items {
				seen[o.ID]++
			}
			if page.Next == nil {
				break
			}
			after = *page.Next
		}
		want := map[string]bool{}
		for _, id := range l.ids(acked) {
			want[l.bodies[id].(syncproto.Batch).Opinions[0].ID] = true
		}
		for id := range lostBatch {
			// Sent again above, so stored now: the ledger acknowledges it anew.
			want[l.bodies[id].(syncproto.Batch).Opinions[0].ID] = true
			l.note(id, l.bodies[id], acked)
		}
		for id, n := range seen {
			if n != 1 || !want[id] {
				d.Duplicated++
				t.Errorf("opinion %s listed %d times, sent in an acknowledged batch: %v", id, n, want[id])
			}
		}
		for id := range want {
			if seen[id] == 0 {
				d.Lost++
				t.Errorf("opinion %s of an acknowledged batch is missing", id)
			}
		}
		if t.Failed() || (stopOnLoss && d.Lost > 0) {
			break
		}
	}
	d.Acked = len(l.ids(acked))
	return d, rig
}

// wait503 waits until the clients have been answered 503 unavailable n
// times in all, failing if the server stops or a minute passes without one
// (a fault answered by hanging, or by acknowledging).
func wait503(t *testing.T, l *ledger, p *proc, n int64) {
	t.Helper()
	last, since := l.n503.Load(), time.Now()
	for l.n503.Load() < n {
		select {
		case <-p.exited:
			t.Fatalf("the server stopped during the fault: %s", p.stderr.String())
		case <-time.After(2 * time.Millisecond):
		}
		if now := l.n503.Load(); now != last {
			last, since = now, time.Now()
		} else if time.Since(since) > time.Minute {
			l.mu.Lock()
			bad := l.bad
			l.mu.Unlock()
			t.Fatalf("no 503 for a minute while the disk fails: the server hangs or acknowledges (%v)", bad)
		}
	}
}

// TestFsyncFailureDrill: a point under load while fsync fails with EIO, or
// every write with ENOSPC, at moments chosen by progress. While the fault
// lasts it answers 503 unavailable (never 500, never a hang); when the
// fault ends it accepts responses again by itself; power cut during a
// fault or after it, it has lost nothing it acknowledged; the file passes
// PRAGMA integrity_check and the counters equal a recount.
func TestFsyncFailureDrill(t *testing.T) { fsyncFailureDrill(t, binPath, buildShim(t)) }

func fsyncFailureDrill(t *testing.T, bin, shim string) {
	episodes, clients := 12, 32
	if testing.Short() {
		episodes, clients = 4, 16
	}
	start := time.Now()
	rig, token := pointStart(t, bin, shim)
	l := newLedger()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 17))
	var d drillCount
	counts := map[string]int64{}
	check := func() {
		t.Helper()
		lost, wrong, retried := checkPoint(t, l, rig.p.url, token, true)
		d.Lost += lost
		d.Duplicated += wrong
		d.Retried += retried
	}
	for i := range episodes {
		p := rig.p
		stop := make(chan struct{})
		wg := load(l, clients, stop, 201, postResponse(p.url, token))
		l.round.Store(0)
		waitAcked(t, l, p, int64(5+rng.IntN(60)))
		kind := []string{"eio", "enospc"}[i%2]
		before := l.n503.Load()
		rig.fault(kind)
		wait503(t, l, p, before+int64(5+rng.IntN(40)))
		counts[kind] += l.n503.Load() - before
		if i%3 == 2 {
			// The power goes while the disk fails.
			d.addCut(rig.cut())
			rig.fault("")
			close(stop)
			wg.Wait()
			rig.start()
			check()
		} else {
			rig.fault("")
			// It recovers by itself: responses are acknowledged again.
			l.round.Store(0)
			waitAcked(t, l, p, 20)
			close(stop)
			wg.Wait()
		}
		for _, b := range l.bad {
			t.Errorf("answer the drill does not allow (%s): %s", kind, b)
		}
		if t.Failed() {
			return
		}
	}
	d.addCut(rig.cut())
	rig.start()
	check()
	d.Acked = len(l.ids(acked))
	if t.Failed() {
		return
	}
	finalChecks(t, rig, "t1")
	if d.Lost != 0 || d.Duplicated != 0 {
		t.Fatalf("fsync failures: %s", d)
	}
	t.Logf("point, %d fault episodes (EIO on fsync, ENOSPC on writes), %d clients: %d answers 503 during EIO, %d during ENOSPC; %s, in %s",
		episodes, clients, counts["eio"], counts["enospc"], d, time.Since(start).Round(time.Second))
}
