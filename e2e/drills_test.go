package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"budgetpoint/db"
	"budgetpoint/internal/testutil"
	"budgetpoint/models"
	"budgetpoint/syncer"
	"budgetpoint/syncproto"
)

var pointIDs = []string{"hongta", "tonghai", "yimen", "xinping", "yuanjiang", "jiangcheng"}

const (
	committeeTopic = "t-e2e-2027-budget-draft"
	committeeQ     = "q-e2e-2027-budget-draft"
	password       = "e2e-password-2026"
	convergeLimit  = 3 * time.Minute
)

type deputy struct {
	ID, Name, Level, Phone, IDNumber string
}

type point struct {
	id, secret, dir string
	proc            *proc
	api             client
	deputies        []deputy
	opinions        []string // ids of opinions recorded here through the API
}

type cluster struct {
	t          *testing.T // the drill running now
	root       *testing.T // the whole test: processes live as long as it
	base       string
	hubDir     string
	pointsFile string
	hub        *proc
	hubAPI     client
	// database: the hubs' PostgreSQL database ("": one hub on SQLite in
	// hubDir); on it, two hub processes behind the proxy.
	database string
	hubs     []*proc
	proxy    *recProxy
	points   []*point
	byID     map[string]*point
	rng      *rand.Rand
	topics   []string // every topic with data somewhere
	hist     *history // every response request, shared by copies
}

// newClusterOn starts the six points, the recording proxy and the hub: on
// the PostgreSQL database at database (two hub processes), or on SQLite
// ("", one process).
func newClusterOn(t *testing.T, database string) *cluster {
	seed := uint64(time.Now().UnixNano())
	t.Logf("random seed %d", seed)
	c := &cluster{t: t, root: t, base: t.TempDir(), byID: map[string]*point{}, hist: &history{}, rng: rand.New(rand.NewPCG(seed, 2027)), database: database}
	c.hubDir = filepath.Join(c.base, "hub")
	var list []map[string]string
	for _, id := range pointIDs {
		p := &point{id: id, secret: fmt.Sprintf("e2e-secret-%s-%016x", id, c.rng.Uint64()), dir: filepath.Join(c.base, id)}
		c.points = append(c.points, p)
		c.byID[id] = p
		list = append(list, map[string]string{"id": id, "name": id + " 人大", "secret": p.secret})
	}
	b, _ := json.Marshal(map[string]any{"points": list})
	c.pointsFile = filepath.Join(c.base, "points.json")
	if err := os.WriteFile(c.pointsFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	runCLI(t, password+"\n", c.hubArgs("user", "add", "--name", "committee1", "--role", "committee")...)
	c.hubAPI.token = strings.TrimSpace(runCLI(t, "", c.hubArgs("token", "create", "--user", "committee1")...))
	c.proxy = newProxy(t)
	c.startHub()
	for _, p := range c.points {
		runCLI(t, password+"\n", "user", "add", "--data", p.dir, "--name", "staff1", "--role", "admin")
		p.api.token = strings.TrimSpace(runCLI(t, "", "token", "create", "--data", p.dir, "--user", "staff1"))
		c.startPoint(p)
	}
	return c
}

// hubArgs are a command's arguments on the hub's data: its data directory,
// and its database when on PostgreSQL.
func (c *cluster) hubArgs(args ...string) []string {
	args = append(args, "--data", c.hubDir)
	if c.database != "" {
		args = append(args, "--database", c.database)
	}
	return args
}

func (c *cluster) startHub() {
	if c.database != "" {
		c.hubs = make([]*proc, 2)
		for i := range c.hubs {
			c.startHubProc(i)
		}
		c.hub = c.hubs[0]
		c.hubAPI.base = c.hub.URL
		c.proxy.setTargets(c.hubs[0].URL, c.hubs[1].URL)
		return
	}
	c.hub = start(c.root, "hub", "hub", "--addr", "127.0.0.1:0", "--data", c.hubDir, "--points", c.pointsFile)
	c.hubAPI.base = c.hub.URL
	c.proxy.setTarget(c.hub.URL)
}

// startHubProc starts hub process i on the PostgreSQL database.
func (c *cluster) startHubProc(i int) {
	c.hubs[i] = start(c.root, fmt.Sprintf("hub%d", i), "hub", "--addr", "127.0.0.1:0", "--data", fmt.Sprintf("%s-%d", c.hubDir, i),
		"--points", c.pointsFile, "--database", c.database)
}

func (c *cluster) stopHub() {
	if c.database != "" {
		c.proxy.setTargets("")
		for _, h := range c.hubs {
			h.stop(c.t)
		}
		return
	}
	c.proxy.setTarget("")
	c.hub.stop(c.t)
}

func (c *cluster) startPoint(p *point) {
	p.proc = start(c.root, p.id, "serve", "--addr", "127.0.0.1:0", "--data", p.dir, "--point-id", p.id,
		"--hub", c.proxy.srv.URL, "--hub-secret", p.secret, "--sync-interval", "1s")
	p.api.base = p.proc.URL
}

func (c *cluster) restartPoint(p *point) {
	p.proc.stop(c.t)
	c.startPoint(p)
}

// eachPoint runs f for every point at once, each on a copy of the cluster
// with a random source of its own (c.rng is not safe for concurrent use);
// Wait on the answer for them to end.
func (c *cluster) eachPoint(f func(pc *cluster, p *point)) *sync.WaitGroup {
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, p := range c.points {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pc := *c
			mu.Lock()
			pc.rng = rand.New(rand.NewPCG(c.rng.Uint64(), c.rng.Uint64()))
			mu.Unlock()
			f(&pc, p)
		}()
	}
	return &wg
}

// syncRun is POST /api/v1/sync/run at a point.
func (c *cluster) syncRun(p *point) syncer.Status {
	var st syncer.Status
	p.api.must(c.t, "POST", "/api/v1/sync/run", nil, &st, 200)
	return st
}

func (c *cluster) status(p *point) syncer.Status {
	var st syncer.Status
	p.api.must(c.t, "GET", "/api/v1/sync/status", nil, &st, 200)
	return st
}

func (c *cluster) addTopic(tp string) {
	for _, x := range c.topics {
		if x == tp {
			return
		}
	}
	c.topics = append(c.topics, tp)
}

// ----- content -----

func fullDefinition(id, topic string, opinion bool) map[string]any {
	return map[string]any{"id": id, "topic_id": topic, "title": "E2E 问卷 " + id, "questions": []map[string]any{
		{"key": "overall", "type": "single_choice", "label": "总体评价", "required": true,
			"options": []map[string]string{{"value": "satisfied", "label": "满意"}, {"value": "basic", "label": "基本满意"}, {"value": "unsatisfied", "label": "不满意"}}},
		{"key": "priorities", "type": "multiple_choice", "label": "优先保障", "max_choices": 3,
			"options": []map[string]string{{"value": "education", "label": "教育"}, {"value": "health", "label": "医疗卫生"}, {"value": "roads", "label": "道路"}, {"value": "elderly", "label": "养老"}}},
		{"key": "transparency", "type": "rating", "label": "公开透明程度", "min": 1, "max": 5},
		{"key": "amount", "type": "number", "label": "建议增加金额（万元）", "min": 0, "max": 100000},
		{"key": "advice", "type": "text", "label": "其他意见建议", "max_length": 2000, "opinion": opinion}}}
}

var levels = []string{"national", "provincial", "municipal", "county", "township"}

func (c *cluster) digits(n int) string {
	var b strings.Builder
	for range n {
		b.WriteByte(byte('0' + c.rng.IntN(10)))
	}
	return b.String()
}

// seed gives a point its deputies (with phone and ID numbers to look for
// later), its own local topic and questionnaire.
func (c *cluster) seed(p *point) {
	for i := range 5 {
		d := deputy{ID: fmt.Sprintf("d-%s-%d", p.id, i), Name: fmt.Sprintf("%s代表%d", p.id, i), Level: levels[c.rng.IntN(len(levels))],
			Phone: "13" + c.digits(9), IDNumber: "5304" + c.digits(13) + "X"}
		var got models.Deputy
		p.api.must(c.t, "POST", "/api/v1/deputies", map[string]any{"id": d.ID, "name": d.Name, "level": d.Level, "unit": "玉溪某单位",
			"phone": d.Phone, "id_number": d.IDNumber, "liaison": true}, &got, 201)
		if got.Phone != models.Mask(d.Phone, 3, 4) || got.IDNumber != models.Mask(d.IDNumber, 4, 4) {
			c.t.Fatalf("the registry's answer does not show the planted numbers masked: %+v", got)
		}
		p.api.must(c.t, "GET", "/api/v1/deputies/"+d.ID, nil, &got, 200)
		if got.Phone != d.Phone || got.IDNumber != d.IDNumber {
			c.t.Fatalf("the registry did not keep the planted numbers: %+v", got)
		}
		p.deputies = append(p.deputies, d)
	}
	lt := "t-local-" + p.id
	p.api.must(c.t, "POST", "/api/v1/topics", map[string]any{"id": lt, "kind": "state_assets", "fiscal_year": 2026, "title": p.id + " 国有资产管理情况"}, nil, 201)
	p.api.must(c.t, "POST", "/api/v1/questionnaires", fullDefinition("q-local-"+p.id, lt, true), nil, 201)
	c.addTopic(lt)
}

func (c *cluster) answers(withText bool) map[string]any {
	a := map[string]any{"overall": []string{"satisfied", "basic", "unsatisfied"}[c.rng.IntN(3)]}
	if c.rng.IntN(10) < 6 {
		all := []string{"education", "health", "roads", "elderly"}
		c.rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
		a["priorities"] = all[:1+c.rng.IntN(3)]
	}
	if c.rng.IntN(10) < 7 {
		a["transparency"] = 1 + c.rng.IntN(5)
	}
	if c.rng.IntN(10) < 5 {
		a["amount"] = float64(c.rng.IntN(100000000)) / 1000
	}
	if withText && c.rng.IntN(10) < 3 {
		a["advice"] = fmt.Sprintf("建议加大对乡村道路硬化的投入（%d）", c.rng.IntN(1000))
	}
	return a
}

// response makes a random response body for point p.
func (c *cluster) response(p *point, withText bool) map[string]any {
	r := map[string]any{"id": uuid.NewString(), "channel": []string{"online", "paper"}[c.rng.IntN(2)], "answers": c.answers(withText)}
	switch c.rng.IntN(3) {
	case 0:
		r["respondent"] = map[string]any{"kind": "deputy", "deputy_id": p.deputies[c.rng.IntN(len(p.deputies))].ID}
	case 1:
		r["respondent"] = map[string]any{"kind": "public", "description": "退休教师"}
	default:
		r["respondent"] = map[string]any{"kind": "other"}
	}
	return r
}

// postResponse posts one response and records it in the history.
func (c *cluster) postResponse(p *point, qid string, body map[string]any) (outcome, int, []byte, error) {
	st, ans, err := p.api.call("POST", "/api/v1/questionnaires/"+qid+"/responses", body)
	// The body is not changed afterwards: its hash can wait for the end.
	return c.hist.record(p.id, body["id"].(string), opCreate, func() string { return bodyHash(qid, body) }, st, ans, err), st, ans, err
}

// submit posts the bodies as responses to questionnaire qid, 8 at a time.
func (c *cluster) submit(t *testing.T, p *point, qid string, bodies []map[string]any) {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []string
	ch := make(chan map[string]any)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range ch {
				_, st, ans, err := c.postResponse(p, qid, b)
				if err != nil || st != 201 {
					mu.Lock()
					errs = append(errs, fmt.Sprintf("status %d %v: %s", st, err, ans))
					mu.Unlock()
				}
			}
		}()
	}
	for _, b := range bodies {
		ch <- b
	}
	close(ch)
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%s: %d responses refused, first: %s", p.id, len(errs), errs[0])
	}
}

// collect records random responses to the committee's and the point's own
// questionnaire, activities with opinions, and opinions of their own.
func (c *cluster) collect(p *point, nCommittee, nLocal, nActivities, nOpinions int) {
	var bodies []map[string]any
	for range nCommittee {
		bodies = append(bodies, c.response(p, true))
	}
	c.submit(c.t, p, committeeQ, bodies)
	bodies = nil
	for range nLocal {
		bodies = append(bodies, c.response(p, true))
	}
	c.submit(c.t, p, "q-local-"+p.id, bodies)
	kinds := []string{"forum", "field_research", "written"}
	for i := range nActivities {
		d := p.deputies[c.rng.IntN(len(p.deputies))]
		topic := committeeTopic
		if i%2 == 1 {
			topic = "t-local-" + p.id
		}
		var ops []map[string]any
		for j := range c.rng.IntN(4) {
			if j%2 == 0 {
				ops = append(ops, map[string]any{"content": fmt.Sprintf("座谈会意见 %d", c.rng.IntN(1000)), "proposer": map[string]any{"kind": "deputy", "deputy_id": d.ID}})
			} else {
				ops = append(ops, map[string]any{"content": "群众意见：希望公开更细的支出明细", "proposer": map[string]any{"kind": "public", "description": "社区居民"}})
			}
		}
		p.api.must(c.t, "POST", "/api/v1/activities", map[string]any{"id": uuid.NewString(), "kind": kinds[c.rng.IntN(3)], "topic_id": topic,
			"title": "预算草案座谈会", "held_on": "2026-11-20", "location": "区人大会议室", "host": "区人大常委会",
			"participants": map[string]any{"deputies": c.rng.IntN(20), "public": c.rng.IntN(40), "other": c.rng.IntN(5)},
			"deputy_ids":   []string{d.ID},
			// Staff typed a deputy's numbers into the minutes: they must not go up.
			"minutes":  fmt.Sprintf("会议记录。联系人 %s，电话 %s，身份证 %s。", d.Name, d.Phone, d.IDNumber),
			"opinions": ops}, nil, 201)
	}
	for i := range nOpinions {
		d := p.deputies[c.rng.IntN(len(p.deputies))]
		body := map[string]any{"id": uuid.NewString(), "topic_id": committeeTopic, "source": []string{"written", "other"}[i%2]}
		if i%2 == 0 {
			body["content"] = fmt.Sprintf("建议压减一般性支出。本人电话%s", d.Phone)
			body["proposer"] = map[string]any{"kind": "deputy", "deputy_id": d.ID}
		} else {
			body["content"] = "建议提高预算公开的细化程度"
			body["proposer"] = map[string]any{"kind": "public", "description": "个体工商户"}
		}
		var o models.Opinion
		p.api.must(c.t, "POST", "/api/v1/opinions", body, &o, 201)
		p.opinions = append(p.opinions, o.ID)
	}
}

// ----- comparing -----

// norm drops counters that are zero (except min and max), which one side
// may list and the other leave out.
func norm(cs models.Counters) models.Counters {
	out := models.Counters{}
	for k, n := range cs {
		if n == 0 && models.OpOf(k.Bucket) == models.OpAdd {
			continue
		}
		out[k] = n
	}
	return out
}

func diffCounters(got, want models.Counters) string {
	got, want = norm(got), norm(want)
	var d []string
	for k, n := range want {
		if got[k] != n {
			d = append(d, fmt.Sprintf("%s/%s/%s: got %d, want %d", k.Questionnaire, k.Question, k.Bucket, got[k], n))
		}
	}
	for k, n := range got {
		if _, ok := want[k]; !ok {
			d = append(d, fmt.Sprintf("%s/%s/%s: got %d, want none", k.Questionnaire, k.Question, k.Bucket, n))
		}
	}
	sort.Strings(d)
	if len(d) > 8 {
		d = append(d[:8], fmt.Sprintf("… %d more", len(d)-8))
	}
	return strings.Join(d, "; ")
}

func (c *cluster) hubSummary(topic string) (models.Summary, bool) {
	var s models.Summary
	st, b, err := c.hubAPI.call("GET", "/api/v1/committee/topics/"+topic+"/summary", nil)
	if err != nil || st != 200 {
		return s, false
	}
	return s, json.Unmarshal(b, &s) == nil
}

// converged reports whether the hub holds, for every point and topic, exactly
// the point's current summary (same seq, same counts), and every outbox is empty.
func (c *cluster) converged(points []*point) (bool, string) {
	for _, tp := range c.topics {
		hs, ok := c.hubSummary(tp)
		if !ok {
			return false, "no hub summary of " + tp
		}
		by := map[string]models.Summary{}
		for _, s := range hs.ByPoint {
			by[s.PointID] = s
		}
		for _, p := range points {
			var ls models.Summary
			st, b, err := p.api.call("GET", "/api/v1/topics/"+tp+"/summary", nil)
			if err != nil {
				return false, err.Error()
			}
			if st == 404 || (st == 200 && json.Unmarshal(b, &ls) == nil && ls.Seq == 0) {
				continue
			}
			if st != 200 {
				return false, fmt.Sprintf("%s summary of %s: %d", p.id, tp, st)
			}
			h, ok := by[p.id]
			if !ok {
				return false, fmt.Sprintf("hub has no summary of %s from %s", tp, p.id)
			}
			if h.Seq != ls.Seq {
				return false, fmt.Sprintf("%s %s: hub seq %d, point seq %d", p.id, tp, h.Seq, ls.Seq)
			}
			if d := diffCounters(h.Counters(), ls.Counters()); d != "" {
				return false, fmt.Sprintf("%s %s: %s", p.id, tp, d)
			}
		}
	}
	for _, p := range points {
		st := c.status(p)
		if st.QueueLength != 0 {
			return false, fmt.Sprintf("%s still has %d queued (last error %q)", p.id, st.QueueLength, st.LastError)
		}
	}
	return true, ""
}

func (c *cluster) waitConverged(what string, points []*point) {
	c.t.Helper()
	waitFor(c.t, what, convergeLimit, func() (bool, string) { return c.converged(points) })
}

// hubOpinionIDs lists the ids of the hub's opinions from one point.
func (c *cluster) hubOpinionIDs(pointID string) []string {
	var ids []string
	after := ""
	for {
		var pg models.Page[models.Opinion]
		c.hubAPI.must(c.t, "GET", "/api/v1/committee/opinions?limit=500&point="+pointID+"&after="+after, nil, &pg, 200)
		for _, o := range pg.Items {
			ids = append(ids, o.ID)
		}
		if pg.Next == nil {
			return ids
		}
		after = *pg.Next
	}
}

// hubState is what the hub holds, for checking that a refused or ignored
// request changed nothing.
func (c *cluster) hubState() string {
	var b strings.Builder
	for _, tp := range c.topics {
		s, _ := c.hubSummary(tp)
		ks := norm(s.Counters())
		keys := make([]string, 0, len(ks))
		for k, n := range ks {
			keys = append(keys, fmt.Sprintf("%s/%s/%s=%d", k.Questionnaire, k.Question, k.Bucket, n))
		}
		sort.Strings(keys)
		fmt.Fprintf(&b, "%s %v\n", tp, keys)
		for _, bp := range s.ByPoint {
			fmt.Fprintf(&b, "  %s seq %d\n", bp.PointID, bp.Seq)
		}
	}
	for _, p := range c.points {
		ids := c.hubOpinionIDs(p.id)
		sort.Strings(ids)
		fmt.Fprintf(&b, "%s opinions %v\n", p.id, ids)
	}
	return b.String()
}

// ----- the drills -----

func TestDrills(t *testing.T) {
	// With BUDGETPOINT_TEST_HUB_ENGINE=postgres (the test command's second
	// round), the same drills with two hub processes on PostgreSQL.
	database := ""
	if testutil.HubOnPostgres() {
		database = testutil.Postgres(t)
	}
	c := newClusterOn(t, database)
	hongta := c.byID["hongta"]
	// The drills build on each other: after one fails, the rest would only
	// report its consequences.
	failed := false
	step := func(name string, f func(t *testing.T)) {
		if failed {
			return
		}
		failed = !t.Run(name, f)
	}

	step("publish reaches every point", func(t *testing.T) {
		c.t = t
		c.hubAPI.must(t, "POST", "/api/v1/committee/topics", map[string]any{"id": committeeTopic, "kind": "budget_draft", "fiscal_year": 2027,
			"title": "2027年玉溪市市级预算草案"}, nil, 200, 201)
		c.hubAPI.must(t, "POST", "/api/v1/committee/questionnaires", fullDefinition(committeeQ, committeeTopic, true), nil, 200, 201)
		c.addTopic(committeeTopic)
		for _, p := range c.points {
			waitFor(t, p.id+" gets the committee's questionnaire", convergeLimit, func() (bool, string) {
				c.syncRun(p)
				var q models.Questionnaire
				st, b, _ := p.api.call("GET", "/api/v1/questionnaires/"+committeeQ, nil)
				if st != 200 || json.Unmarshal(b, &q) != nil {
					return false, fmt.Sprintf("status %d: %s", st, b)
				}
				if q.Origin != models.OriginCommittee || q.TopicID != committeeTopic || len(q.Questions) != 5 {
					return false, fmt.Sprintf("got %+v", q)
				}
				return true, ""
			})
			var tp models.Topic
			p.api.must(t, "GET", "/api/v1/topics/"+committeeTopic, nil, &tp, 200)
			if tp.Origin != models.OriginCommittee {
				t.Fatalf("%s: topic origin %q", p.id, tp.Origin)
			}
			// Not editable at the point.
			p.api.must(t, "PATCH", "/api/v1/topics/"+committeeTopic, map[string]any{"title": "改"}, nil, 403)
			d := fullDefinition(committeeQ, committeeTopic, false)
			d["title"] = "联系点改过的"
			p.api.must(t, "POST", "/api/v1/questionnaires", d, nil, 403)
		}
	})

	step("six points collect, the hub sums exactly", func(t *testing.T) {
		c.t = t
		for _, p := range c.points {
			c.seed(p)
		}
		// The random plan is drawn here, on one goroutine; the points then
		// collect in parallel.
		type plan struct{ nc, nl, na, no int }
		plans := map[string]plan{}
		for _, p := range c.points {
			plans[p.id] = plan{20 + c.rng.IntN(60), 10 + c.rng.IntN(30), 2 + c.rng.IntN(3), 2 + c.rng.IntN(4)}
		}
		c.eachPoint(func(pc *cluster, p *point) {
			pl := plans[p.id]
			pc.collect(p, pl.nc, pl.nl, pl.na, pl.no)
		}).Wait()
		for _, p := range c.points {
			st := c.syncRun(p)
			if st.LastPushAt == nil || st.LastPullAt == nil {
				t.Fatalf("%s: status after a run: %+v", p.id, st)
			}
		}
		c.waitConverged("hub holds every point's summaries", c.points)
		// Opinions sent are reported at the point.
		for _, p := range c.points {
			for _, id := range p.opinions {
				var o models.Opinion
				p.api.must(t, "GET", "/api/v1/opinions/"+id, nil, &o, 200)
				if o.Status != "reported" {
					t.Fatalf("%s opinion %s: status %q after sync, want reported", p.id, id, o.Status)
				}
			}
		}
	})

	step("corrections and voids at points reach the hub exactly", func(t *testing.T) {
		c.t = t
		for _, p := range c.points[:2] {
			var pg models.Page[models.Response]
			p.api.must(t, "GET", "/api/v1/questionnaires/"+committeeQ+"/responses?limit=5", nil, &pg, 200)
			if len(pg.Items) < 5 {
				t.Fatalf("%s: %d responses to correct", p.id, len(pg.Items))
			}
			var before, after models.Summary
			p.api.must(t, "GET", "/api/v1/topics/"+committeeTopic+"/summary", nil, &before, 200)
			for i, r := range pg.Items {
				method, op, body := "DELETE", opVoid, map[string]any{"reason": "重复录入"}
				var hash func() string
				if i < 3 {
					answers := c.response(p, true)["answers"]
					raw, _ := json.Marshal(answers)
					h := contentHash(r.QuestionnaireID, r.Channel, r.Respondent, raw)
					method, op, hash = "PATCH", opCorrect, func() string { return h }
					body = map[string]any{"answers": answers, "reason": "纸质问卷录入错误"}
				}
				st, ans, err := p.api.call(method, "/api/v1/responses/"+r.ID, body)
				c.hist.record(p.id, r.ID, op, hash, st, ans, err)
				if err != nil || st != 200 {
					t.Fatalf("%s %s: %d %v: %s", method, r.ID, st, err, ans)
				}
			}
			p.api.must(t, "GET", "/api/v1/topics/"+committeeTopic+"/summary", nil, &after, 200)
			if after.Responses.Total != before.Responses.Total-2 {
				t.Fatalf("%s: %d responses after two voids, want %d", p.id, after.Responses.Total, before.Responses.Total-2)
			}
			c.syncRun(p)
		}
		c.waitConverged("the hub holds the corrected summaries", c.points)
	})

	step("opinion answered at the hub shows at its point", func(t *testing.T) {
		c.t = t
		id := hongta.opinions[0]
		c.hubAPI.must(t, "PATCH", "/api/v1/committee/opinions/"+id, map[string]any{"status": "answered", "answer": "已交市财政局研究办理，将在下年度预算中统筹考虑。"}, nil, 200)
		waitFor(t, "the answer reaches hongta", convergeLimit, func() (bool, string) {
			c.syncRun(hongta)
			var o models.Opinion
			hongta.api.must(t, "GET", "/api/v1/opinions/"+id, nil, &o, 200)
			return o.Status == "answered" && strings.HasPrefix(o.Answer, "已交市财政局"), fmt.Sprintf("%+v", o)
		})
		c.hubAPI.must(t, "PATCH", "/api/v1/committee/opinions/"+id, map[string]any{"status": "closed", "evaluation": "satisfied"}, nil, 200)
		waitFor(t, "the closing reaches hongta", convergeLimit, func() (bool, string) {
			c.syncRun(hongta)
			var o models.Opinion
			hongta.api.must(t, "GET", "/api/v1/opinions/"+id, nil, &o, 200)
			return o.Status == "closed" && o.Evaluation == "satisfied" && o.Answer != "", fmt.Sprintf("%+v", o)
		})
		// Another point's opinion is untouched.
		var o models.Opinion
		c.byID["tonghai"].api.must(t, "GET", "/api/v1/opinions/"+c.byID["tonghai"].opinions[0], nil, &o, 200)
		if o.Status != "reported" || o.Answer != "" {
			t.Fatalf("tonghai's opinion changed: %+v", o)
		}
	})

	step("the closed loop: a forum's opinion assigned, answered B, reopened, answered A, closed; the point's pages tell each step", func(t *testing.T) {
		c.t = t
		c.loopDrill(t)
	})

	step("hub down, points keep collecting and restart, hub back: converge", func(t *testing.T) {
		c.t = t
		c.stopHub()
		for _, p := range c.points {
			c.collect(p, 5+c.rng.IntN(10), 3, 1, 1)
		}
		st := c.syncRun(hongta)
		if st.LastError == "" || st.QueueLength == 0 || st.ConsecutiveFailures == 0 || st.OldestAgeSeconds == nil {
			t.Fatalf("status while the hub is down: %+v", st)
		}
		for _, id := range []string{"tonghai", "yimen"} {
			p := c.byID[id]
			if st := c.syncRun(p); st.LastError == "" {
				t.Fatalf("%s: a run with the hub down succeeded: %+v", id, st)
			}
			c.restartPoint(p)
			st := c.status(p)
			if st.QueueLength == 0 || st.LastError == "" {
				t.Fatalf("%s after restart: the queue and the last error must survive: %+v", id, st)
			}
			c.collect(p, 5, 2, 1, 1)
		}
		c.startHub()
		// No manual step: the loops find the hub by themselves.
		c.waitConverged("points converge after the hub is back", c.points)
		if st := c.status(hongta); st.LastError != "" || st.ConsecutiveFailures != 0 {
			t.Fatalf("status after recovery: %+v", st)
		}
	})

	step("point killed in the middle of a push converges exactly", func(t *testing.T) {
		c.t = t
		p := c.byID["yuanjiang"]
		for _, after := range []bool{true, false} {
			c.proxy.setRefuse(p.id, true)
			c.collect(p, 5, 2, 1, 1)
			// One refused round built its batch from everything collected.
			st := c.syncRun(p)
			if st.PendingBatchID == "" || st.LastError == "" {
				t.Fatalf("refused push: %+v", st)
			}
			pending := st.PendingBatchID
			held := c.proxy.holdNext(p.id, after)
			c.proxy.setRefuse(p.id, false)
			go p.api.call("POST", "/api/v1/sync/run", nil)
			var hc captured
			select {
			case hc = <-held:
			case <-time.After(convergeLimit):
				var last []string
				for _, x := range c.proxy.captures() {
					if x.PointID == p.id {
						last = append(last, fmt.Sprintf("%s %s %s %d %.200s", x.At.Format("15:04:05.000"), x.Method, x.Path, x.Status, x.Answer))
					}
				}
				if len(last) > 6 {
					last = last[len(last)-6:]
				}
				t.Fatalf("no batch from %s reached the proxy; last requests:\n%s\nlog:\n%s", p.id, strings.Join(last, "\n"), p.proc.log.String())
			}
			p.proc.kill()
			var b syncproto.Batch
			if err := json.Unmarshal(hc.Body, &b); err != nil {
				t.Fatal(err)
			}
			if b.BatchID != pending {
				t.Fatalf("the retry went out as %s, not as the pending batch %s", b.BatchID, pending)
			}
			if after && (hc.Status != 200 || !bytes.Contains(hc.Answer, []byte(`"duplicate":false`))) {
				t.Fatalf("the hub did not take the held batch: %d %s", hc.Status, hc.Answer)
			}
			killedAt := time.Now()
			c.startPoint(p)
			waitFor(t, "the restarted point resends its batch", convergeLimit, func() (bool, string) {
				for _, x := range c.proxy.captures() {
					if x.PointID != p.id || x.Path != syncproto.PathBatches || x.At.Before(killedAt) || x.Status != 200 {
						continue
					}
					var xb syncproto.Batch
					json.Unmarshal(x.Body, &xb)
					if xb.BatchID != b.BatchID {
						return false, "first batch after restart is " + xb.BatchID
					}
					var ack syncproto.BatchAck
					json.Unmarshal(x.Answer, &ack)
					if ack.Duplicate != after {
						return false, fmt.Sprintf("duplicate %v, want %v", ack.Duplicate, after)
					}
					return true, ""
				}
				return false, "nothing yet"
			})
			c.waitConverged("the killed point converges", []*point{p})
		}
	})

	step("point killed with responses in flight: the history decides", func(t *testing.T) {
		c.t = t
		p := c.byID["xinping"]
		// 8 clients post without pause; after a random number of
		// acknowledgements the point is killed with SIGKILL while their
		// requests are in flight: those are unknown to their clients.
		bodies := make([]map[string]any, 300)
		for i := range bodies {
			bodies[i] = c.response(p, true)
		}
		killAfter := int64(30 + c.rng.IntN(120))
		var acks atomic.Int64
		killNow := make(chan struct{})
		ch := make(chan map[string]any)
		var mu sync.Mutex
		var ackedBodies, unknownBodies []map[string]any
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for b := range ch {
					o, st, ans, err := c.postResponse(p, committeeQ, b)
					mu.Lock()
					switch o {
					case acked:
						ackedBodies = append(ackedBodies, b)
					case unknown:
						unknownBodies = append(unknownBodies, b)
					default:
						t.Errorf("refused: %d %v %s", st, err, ans)
					}
					mu.Unlock()
					if o == acked && acks.Add(1) == killAfter {
						close(killNow)
					}
				}
			}()
		}
	feed:
		for _, b := range bodies {
			select {
			case ch <- b:
			case <-killNow:
				break feed
			}
		}
		p.proc.kill()
		// And one to the dead point: a connection refused is unknown too.
		ch <- c.response(p, true)
		close(ch)
		wg.Wait()
		c.startPoint(p)
		nUnknown := len(unknownBodies)
		// Half of the unknown ones are sent again, as a client would: stored
		// whole or not at all, so 200 or 201 and never a conflict. The other
		// half stay unknown: the final check reports them stored or not.
		resent := map[int]int{}
		for _, b := range unknownBodies[:nUnknown/2] {
			_, st, ans, err := c.postResponse(p, committeeQ, b)
			if err != nil || (st != 200 && st != 201) {
				t.Fatalf("an unknown response sent again: %d %v %s", st, err, ans)
			}
			resent[st]++
		}
		// Acknowledged ones again: the same is 200, the same id with other
		// content 409, and something invalid 422; the history keeps them all.
		for i, b := range ackedBodies[:3] {
			want := 200
			if i > 0 {
				want = 409
				other := map[string]any{}
				for k, v := range b {
					other[k] = v
				}
				other["answers"] = map[string]any{"overall": "basic", "advice": "同一编号，另一份答卷 " + uuid.NewString()}
				b = other
			}
			if _, st, ans, err := c.postResponse(p, committeeQ, b); err != nil || st != want {
				t.Fatalf("an acknowledged response sent again: %d %v %s, want %d", st, err, ans, want)
			}
		}
		bad := c.response(p, true)
		bad["answers"] = map[string]any{"overall": "no-such-option"}
		if _, st, ans, err := c.postResponse(p, committeeQ, bad); err != nil || st != 422 {
			t.Fatalf("an invalid response: %d %v %s, want 422", st, err, ans)
		}
		t.Logf("killed %s after %d acknowledgements: %d acknowledged, %d unknown (%d sent again: %d answered 201, %d answered 200)",
			p.id, killAfter, len(ackedBodies), nUnknown, nUnknown/2, resent[201], resent[200])
		c.waitConverged("the point killed under load converges", []*point{p})
	})

	step("replay, older summary, tampering, wrong secret, unknown point, skewed clock", func(t *testing.T) {
		c.t = t
		c.waitConverged("quiet before the attacks", c.points)
		var last captured
		for _, x := range c.proxy.captures() {
			if x.Path == syncproto.PathBatches && x.Status == 200 && time.Since(x.At) < 5*time.Minute {
				last = x
			}
		}
		if last.Body == nil {
			t.Fatal("no recent batch captured")
		}
		before := c.hubState()
		send := func(pointID, secret string, body []byte, at time.Time, sig string) (int, []byte) {
			req, _ := http.NewRequest("POST", c.hub.URL+syncproto.PathBatches, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			syncproto.SignRequest(req, pointID, secret, body, at)
			if sig != "" {
				req.Header.Set(syncproto.HeaderSignature, sig)
			}
			resp, err := httpc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var buf bytes.Buffer
			buf.ReadFrom(resp.Body)
			return resp.StatusCode, buf.Bytes()
		}
		// A captured batch replayed as it was (same timestamp and signature).
		req, _ := http.NewRequest("POST", c.hub.URL+syncproto.PathBatches, bytes.NewReader(last.Body))
		for _, k := range []string{"Content-Type", syncproto.HeaderPointID, syncproto.HeaderTimestamp, syncproto.HeaderSignature, syncproto.HeaderSignatureVersion} {
			req.Header.Set(k, last.Header.Get(k))
		}
		resp, err := httpc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var ack syncproto.BatchAck
		json.NewDecoder(resp.Body).Decode(&ack)
		resp.Body.Close()
		if resp.StatusCode != 200 || !ack.Duplicate {
			t.Fatalf("replay: %d %+v", resp.StatusCode, ack)
		}
		if after := c.hubState(); after != before {
			t.Fatalf("a replay changed the hub:\nbefore %s\nafter %s", before, after)
		}

		// An older (and an equal) seq after a newer one: ignored.
		p := c.byID["xinping"]
		var cur models.Summary
		p.api.must(t, "GET", "/api/v1/topics/"+committeeTopic+"/summary", nil, &cur, 200)
		for _, seq := range []int64{cur.Seq - 1, cur.Seq} {
			old := cur
			old.Seq = seq
			old.Responses.Total += 1000
			old.Responses.ByChannel = map[string]int64{"online": old.Responses.ByChannel["online"] + 1000, "paper": old.Responses.ByChannel["paper"]}
			body, _ := json.Marshal(syncproto.Batch{BatchID: uuid.NewString(), PointID: p.id, Summaries: []models.Summary{old},
				Activities: []models.Activity{}, Opinions: []models.Opinion{}})
			st, ans := send(p.id, p.secret, body, time.Now(), "")
			if st != 200 || !bytes.Contains(ans, []byte(`"duplicate":false`)) {
				t.Fatalf("older summary batch: %d %s", st, ans)
			}
		}
		if after := c.hubState(); after != before {
			t.Fatalf("an older summary changed the hub:\nbefore %s\nafter %s", before, after)
		}

		// Refused: each 401 and nothing stored. The batch carries a summary of
		// a topic the hub has never heard of, so that storing any of it shows.
		const probe = "t-attack-probe"
		probeAtHub := func() int {
			st, _, err := c.hubAPI.call("GET", "/api/v1/committee/topics/"+probe+"/summary", nil)
			if err != nil {
				t.Fatal(err)
			}
			return st
		}
		mk := func(pointID string) []byte {
			s := cur
			s.TopicID, s.PointID, s.Seq = probe, pointID, 1
			b, _ := json.Marshal(syncproto.Batch{BatchID: uuid.NewString(), PointID: pointID, Summaries: []models.Summary{s},
				Activities: []models.Activity{}, Opinions: []models.Opinion{}})
			return b
		}
		good := mk(p.id)
		tampered := bytes.Replace(good, []byte(`"seq":1,`), []byte(`"seq":2,`), 1)
		if bytes.Equal(good, tampered) {
			t.Fatal("tampering did not change the body")
		}
		other := c.byID["yimen"]
		type attack struct {
			name            string
			point, secret   string
			body, signedFor []byte
			at              time.Time
		}
		attacks := []attack{
			{"body altered after signing", p.id, p.secret, tampered, good, time.Now()},
			{"wrong secret", p.id, "wrong-secret-0123456789abcdef", good, nil, time.Now()},
			{"another point's secret", p.id, other.secret, good, nil, time.Now()},
			{"unknown point", "nowhere", p.secret, mk("nowhere"), nil, time.Now()},
			{"timestamp 11 minutes behind", p.id, p.secret, good, nil, time.Now().Add(-11 * time.Minute)},
			{"timestamp 11 minutes ahead", p.id, p.secret, good, nil, time.Now().Add(11 * time.Minute)},
		}
		for _, a := range attacks {
			sig := ""
			if a.signedFor != nil {
				ts := time.Now().Format(syncproto.TimeLayout)
				sig = syncproto.Sign(a.secret, ts, "POST", syncproto.PathBatches, a.point, a.signedFor)
				a.at, _ = time.Parse(syncproto.TimeLayout, ts)
			}
			st, ans := send(a.point, a.secret, a.body, a.at, sig)
			if st != 401 || !bytes.Contains(ans, []byte(`"unauthenticated"`)) {
				t.Fatalf("%s: %d %s, want 401 unauthenticated", a.name, st, ans)
			}
			if after := c.hubState(); after != before {
				t.Fatalf("%s changed the hub:\nbefore %s\nafter %s", a.name, before, after)
			}
			if st := probeAtHub(); st != 404 {
				t.Fatalf("%s: the probe topic is at the hub (%d): something was stored", a.name, st)
			}
		}
		// A pull with a wrong secret is refused too.
		greq, _ := http.NewRequest("GET", c.hub.URL+syncproto.PathUpdates+"?since=", nil)
		syncproto.SignRequest(greq, p.id, "wrong-secret-0123456789abcdef", nil, time.Now())
		if gr, err := httpc.Do(greq); err != nil || gr.StatusCode != 401 {
			t.Fatalf("updates with a wrong secret: %v %v", gr, err)
		} else {
			gr.Body.Close()
		}
		// The same batch signed right: its id is new to the hub (the refused
		// ones left no trace) and it is stored, which the checks above would
		// have seen.
		st, ans := send(p.id, p.secret, good, time.Now(), "")
		if st != 200 || !bytes.Contains(ans, []byte(`"duplicate":false`)) {
			t.Fatalf("the refused batch, signed right: %d %s (a refused batch was remembered?)", st, ans)
		}
		if st := probeAtHub(); st != 200 {
			t.Fatalf("a correctly signed batch was not stored (%d): the checks above prove nothing", st)
		}
	})

	step("summary size does not grow with responses", func(t *testing.T) {
		c.t = t
		p := c.byID["jiangcheng"]
		topic := "t-size-jiangcheng"
		p.api.must(t, "POST", "/api/v1/topics", map[string]any{"id": topic, "kind": "final_accounts", "fiscal_year": 2026, "title": "决算 size"}, nil, 201)
		p.api.must(t, "POST", "/api/v1/questionnaires", fullDefinition("q-size", topic, false), nil, 201)
		c.addTopic(topic)
		resp := func(i int) map[string]any {
			r := c.response(p, false)
			// Every kind and channel and every answer appear from the start.
			r["respondent"] = []map[string]any{{"kind": "deputy", "deputy_id": p.deputies[0].ID}, {"kind": "public"}, {"kind": "other"}}[i%3]
			r["channel"] = []string{"online", "paper"}[(i/3)%2]
			if i < 6 {
				r["answers"] = map[string]any{"overall": "basic", "priorities": []string{"education", "health", "roads", "elderly"}[:1+i%3], "transparency": 1 + i%5, "amount": float64(i) + 0.5}
			}
			return r
		}
		sizeAt := func(total int64) []byte {
			var found []byte
			waitFor(t, fmt.Sprintf("a summary of %d responses goes up", total), convergeLimit, func() (bool, string) {
				c.syncRun(p)
				for _, x := range c.proxy.captures() {
					if x.PointID != p.id || x.Path != syncproto.PathBatches {
						continue
					}
					var b struct {
						Summaries []json.RawMessage `json:"summaries"`
					}
					json.Unmarshal(x.Body, &b)
					for _, raw := range b.Summaries {
						var s models.Summary
						json.Unmarshal(raw, &s)
						if s.TopicID == topic && s.Responses.Total == total {
							found = raw
						}
					}
				}
				return found != nil, "not yet"
			})
			return found
		}
		var bodies []map[string]any
		for i := range 100 {
			bodies = append(bodies, resp(i))
		}
		c.submit(t, p, "q-size", bodies)
		small := sizeAt(100)
		bodies = nil
		for i := 100; i < 10000; i++ {
			bodies = append(bodies, resp(i))
		}
		c.submit(t, p, "q-size", bodies)
		big := sizeAt(10000)
		num := regexp.MustCompile(`[0-9]+(\.[0-9]+)?`)
		ns, nb := num.ReplaceAll(small, []byte("0")), num.ReplaceAll(big, []byte("0"))
		t.Logf("summary of 100 responses: %d bytes; of 10000: %d bytes", len(small), len(big))
		if !bytes.Equal(ns, nb) {
			t.Fatalf("the summaries differ beyond their numbers:\n%s\n%s", small, big)
		}
		if d := len(big) - len(small); d > 200 {
			t.Fatalf("the summary grew by %d bytes", d)
		}
	})

	step("final recount at every point equals the hub's sums", func(t *testing.T) {
		c.t = t
		for _, p := range c.points {
			c.syncRun(p)
		}
		c.waitConverged("converged before the final count", c.points)
		total := map[string]models.Counters{}
		per := map[string]map[string]models.Counters{}
		localOpinions := map[string][]string{}
		// What the history check holds against what was sent: every stored
		// response, and the live responses counted for each point and topic.
		responsesKey := models.CounterKey{Bucket: "responses"}
		var rows []storedResp
		var counts []counted
		for _, p := range c.points {
			p.proc.stop(t)
			d, err := db.Open(p.dir)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			per[p.id] = map[string]models.Counters{}
			for _, tp := range c.topics {
				// The recount in the form a summary carries (asked only for
				// questions with skip logic), as the hub receives it.
				rs, err := d.RecountSummary(ctx, tp, p.id)
				rc := rs.Counters()
				if models.ErrorCode(err) == models.ENotFound {
					rc, err = models.Counters{}, nil // a topic this point does not have
				}
				if err != nil {
					t.Fatal(err)
				}
				if total[tp] == nil {
					total[tp] = models.Counters{}
				}
				total[tp].Merge(rc)
				per[p.id][tp] = rc
				kept, err := d.StoredCounters(ctx, tp)
				if err != nil {
					t.Fatal(err)
				}
				full, err := d.Recount(ctx, tp) // all the counters, as kept
				if err != nil {
					t.Fatal(err)
				}
				if dc := diffCounters(kept, full); dc != "" {
					t.Errorf("%s %s: the kept counters differ from the recount: %s", p.id, tp, dc)
				}
				counts = append(counts, counted{"kept counters", p.id, tp, kept[responsesKey]}, counted{"recount", p.id, tp, rc[responsesKey]})
			}
			after := ""
			for {
				pg, err := d.Opinions(ctx, models.OpinionFilter{Limit: 500, After: after})
				if err != nil {
					t.Fatal(err)
				}
				for _, o := range pg.Items {
					localOpinions[p.id] = append(localOpinions[p.id], o.ID)
					if o.Status == "recorded" {
						t.Errorf("%s: opinion %s still recorded after sync", p.id, o.ID)
					}
				}
				if pg.Next == nil {
					break
				}
				after = *pg.Next
			}
			n, _, err := d.OutboxStats(ctx)
			if err != nil || n != 0 {
				t.Errorf("%s: outbox %d %v", p.id, n, err)
			}
			d.Close()
			rs, err := readStored(p.id, filepath.Join(p.dir, db.FileName))
			if err != nil {
				t.Fatalf("%s: reading its responses: %v", p.id, err)
			}
			rows = append(rows, rs...)
		}
		for _, tp := range c.topics {
			hs, ok := c.hubSummary(tp)
			if !ok {
				t.Fatalf("no hub summary of %s", tp)
			}
			if d := diffCounters(hs.Counters(), total[tp]); d != "" {
				t.Errorf("%s: the hub's sum differs from the recount over the points: %s", tp, d)
			}
			atHub := map[string]bool{}
			for _, bp := range hs.ByPoint {
				if d := diffCounters(bp.Counters(), per[bp.PointID][tp]); d != "" {
					t.Errorf("%s at %s: %s", tp, bp.PointID, d)
				}
				counts = append(counts, counted{"the hub", bp.PointID, tp, bp.Counters()[responsesKey]})
				atHub[bp.PointID] = true
			}
			for _, p := range c.points {
				if !atHub[p.id] {
					counts = append(counts, counted{"the hub", p.id, tp, 0})
				}
			}
			if total[tp][models.CounterKey{Bucket: "responses"}] == 0 {
				t.Errorf("%s: no responses at all: the comparison proves nothing", tp)
			}
		}
		for _, p := range c.points {
			got := c.hubOpinionIDs(p.id)
			sort.Strings(got)
			want := localOpinions[p.id]
			sort.Strings(want)
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("%s: the hub has %d opinions, the point %d", p.id, len(got), len(want))
			}
		}
		// The Jepsen-style check: every response request of the drills
		// against what the six points stored and what they and the hub count.
		v := classify(c.hist.all(), rows, counts)
		t.Logf("history of the drills' responses, against %d stored at the points:\n%s", len(rows), v.table())
		if len(v.Lost)+len(v.Duplicated)+len(v.Unexpected) != 0 {
			t.Errorf("the history check failed: lost %d, duplicated %d, unexpected %d", len(v.Lost), len(v.Duplicated), len(v.Unexpected))
		}
		if v.ByClass[acked][0] == 0 || v.ByClass[unknown][0]+v.ByClass[unknown][1] == 0 {
			t.Errorf("no acknowledged or no unknown responses in the history: the check proves little")
		}
	})

	step("no phone or ID number left a point", func(t *testing.T) {
		c.t = t
		caps := c.proxy.captures()
		var batches, redacted int
		for _, x := range caps {
			if x.Path == syncproto.PathBatches {
				batches++
				if bytes.Contains(x.Body, []byte(syncer.Redacted)) {
					redacted++
				}
			}
		}
		for _, p := range c.points {
			for _, d := range p.deputies {
				for _, secret := range []string{d.Phone, d.IDNumber, d.IDNumber[:17]} {
					for _, x := range caps {
						hdr, _ := json.Marshal(x.Header)
						if bytes.Contains(x.Body, []byte(secret)) || strings.Contains(x.Query, secret) || bytes.Contains(hdr, []byte(secret)) {
							t.Fatalf("%s's number %s left %s in %s %s: %.300s", d.ID, secret, x.PointID, x.Method, x.Path, x.Body)
						}
					}
				}
			}
		}
		if batches < 20 || redacted == 0 {
			t.Fatalf("captured %d batches, %d with a redacted number: the search above proves little", batches, redacted)
		}
		t.Logf("searched %d captured requests (%d batches)", len(caps), batches)
	})
}
