package hub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/xuri/excelize/v2"

	"budgetpoint/hub"
	"budgetpoint/internal/testutil"
	"budgetpoint/models"
	"budgetpoint/syncproto"
)

func TestSignatureRefused(t *testing.T) {
	e := newEnv(t)
	rng := rand.New(rand.NewPCG(1, 2))
	s, _ := pointData(rng, "hongta", 1, 20, 1, 1, &raw{})
	body, _ := json.Marshal(batch("hongta", []models.Summary{s}, []models.Opinion{opinion(topicID, 1)}))
	good := secretOf("hongta")
	now := time.Now()
	cases := []struct {
		name          string
		point, secret string
		at            time.Time
		send          []byte
		tamper        func(*http.Request)
	}{
		{name: "body altered after signing", point: "hongta", secret: good, at: now,
			send: bytes.Replace(body, []byte(`"total":`), []byte(`"total":1`), 1)},
		{name: "wrong secret", point: "hongta", secret: secretOf("tonghai"), at: now, send: body},
		{name: "unknown point", point: "nowhere", secret: good, at: now, send: body},
		{name: "timestamp 11 minutes old", point: "hongta", secret: good, at: now.Add(-11 * time.Minute), send: body},
		{name: "timestamp 11 minutes ahead", point: "hongta", secret: good, at: now.Add(11 * time.Minute), send: body},
		{name: "no signature", point: "hongta", secret: good, at: now, send: body,
			tamper: func(r *http.Request) { r.Header.Del(syncproto.HeaderSignature) }},
		{name: "signed for another path", point: "hongta", secret: good, at: now, send: body,
			tamper: func(r *http.Request) {
				ts := r.Header.Get(syncproto.HeaderTimestamp)
				r.Header.Set(syncproto.HeaderSignature, syncproto.Sign(good, ts, "POST", "/api/v1/other", "hongta", body))
			}},
		{name: "signed for another point", point: "hongta", secret: good, at: now, send: body,
			tamper: func(r *http.Request) {
				ts := r.Header.Get(syncproto.HeaderTimestamp)
				r.Header.Set(syncproto.HeaderSignature, syncproto.Sign(good, ts, "POST", syncproto.PathBatches, "tonghai", body))
			}},
		{name: "signature version 1 while the hub takes version 2 only", point: "hongta", secret: good, at: now, send: body,
			tamper: func(r *http.Request) { syncproto.SignRequestV1(r, "hongta", good, body, now) }},
		{name: "an unknown signature version", point: "hongta", secret: good, at: now, send: body,
			tamper: func(r *http.Request) { r.Header.Set(syncproto.HeaderSignatureVersion, "3") }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", e.srv.URL+syncproto.PathBatches, bytes.NewReader(tc.send))
			syncproto.SignRequest(req, tc.point, tc.secret, body, tc.at) // always signs the original body
			if tc.tamper != nil {
				tc.tamper(req)
			}
			st, out := do(t, req)
			if st != 401 {
				t.Fatalf("status %d, want 401: %s", st, out)
			}
			var eb struct{ Error models.Error }
			if json.Unmarshal(out, &eb); eb.Error.Code != models.EUnauth || eb.Error.Message == "" {
				t.Fatalf("error body: %s", out)
			}
		})
	}
	for _, tbl := range []string{"hub_batches", "hub_summaries", "hub_opinions", "hub_activities"} {
		if n := e.count(t, tbl); n != 0 {
			t.Errorf("%s has %d rows after refused requests", tbl, n)
		}
	}
	// The same request signed properly goes through: the cases above failed for their reason.
	if st, out := e.signed(t, "POST", syncproto.PathBatches, "", "hongta", good, body, now); st != 200 {
		t.Fatalf("good request: %d %s", st, out)
	}
	if e.count(t, "hub_summaries") != 1 || e.count(t, "hub_opinions") != 1 {
		t.Fatal("good request stored nothing")
	}
	// 9 minutes off is inside the window.
	b2, _ := json.Marshal(batch("hongta", nil, nil))
	if st, out := e.signed(t, "POST", syncproto.PathBatches, "", "hongta", good, b2, now.Add(-9*time.Minute)); st != 200 {
		t.Fatalf("9 minutes off: %d %s", st, out)
	}
}

func TestUpdatesNeedSignature(t *testing.T) {
	e := newEnv(t)
	req, _ := http.NewRequest("GET", e.srv.URL+syncproto.PathUpdates+"?since=0", nil)
	if st, _ := do(t, req); st != 401 {
		t.Fatalf("unsigned pull: %d", st)
	}
	if st, out := e.signed(t, "GET", syncproto.PathUpdates, "since=0", "hongta", secretOf("tonghai"), nil, time.Now()); st != 401 {
		t.Fatalf("wrongly signed pull: %d %s", st, out)
	}
	if st, out := e.signed(t, "GET", syncproto.PathUpdates, "since=zz", "hongta", secretOf("hongta"), nil, time.Now()); st != 400 {
		t.Fatalf("bad cursor: %d %s", st, out)
	}
}

// summaryOf fetches the committee's cross-point summary of the test topic.
func (e *env) summaryOf(t *testing.T) (models.Summary, string) {
	t.Helper()
	st, b := e.api(t, "GET", "/api/v1/committee/topics/"+topicID+"/summary", nil)
	if st != 200 {
		t.Fatalf("summary: %d %s", st, b)
	}
	var s models.Summary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s, string(b)
}

func TestReplayIsDuplicate(t *testing.T) {
	e := newEnv(t)
	rng := rand.New(rand.NewPCG(3, 4))
	s, _ := pointData(rng, "hongta", 1, 30, 2, 2, &raw{})
	b := batch("hongta", []models.Summary{s}, []models.Opinion{opinion(topicID, 1), opinion(topicID, 2)})
	body, _ := json.Marshal(b)
	// Capture the exact request, headers and all.
	at := time.Now()
	st, out := e.signed(t, "POST", syncproto.PathBatches, "", "hongta", secretOf("hongta"), body, at)
	if st != 200 || !strings.Contains(string(out), `"duplicate":false`) {
		t.Fatalf("first: %d %s", st, out)
	}
	_, before := e.summaryOf(t)
	_, opsBefore := e.api(t, "GET", "/api/v1/committee/opinions", nil)

	st, out = e.signed(t, "POST", syncproto.PathBatches, "", "hongta", secretOf("hongta"), body, at)
	if st != 200 || !strings.Contains(string(out), `"duplicate":true`) {
		t.Fatalf("replay: %d %s", st, out)
	}
	// The same batch id carrying something else is still the same batch: nothing changes.
	s2, _ := pointData(rng, "hongta", 9, 50, 0, 0, &raw{})
	b.Summaries = []models.Summary{s2}
	b.Opinions = append(b.Opinions, opinion(topicID, 3))
	if ack := e.push(t, b); !ack.Duplicate || ack.BatchID != b.BatchID {
		t.Fatalf("same batch id, other content: %+v", ack)
	}
	_, after := e.summaryOf(t)
	_, opsAfter := e.api(t, "GET", "/api/v1/committee/opinions", nil)
	if before != after || string(opsBefore) != string(opsAfter) {
		t.Fatalf("a replay changed the hub:\n%s\n%s", before, after)
	}
	if n := e.count(t, "hub_batches"); n != 1 {
		t.Fatalf("%d batches remembered", n)
	}
}

func TestOlderSeqIgnored(t *testing.T) {
	e := newEnv(t)
	rng := rand.New(rand.NewPCG(5, 6))
	newer, _ := pointData(rng, "hongta", 5, 40, 0, 0, &raw{})
	older, _ := pointData(rng, "hongta", 3, 7, 0, 0, &raw{})
	same, _ := pointData(rng, "hongta", 5, 9, 0, 0, &raw{})
	e.push(t, batch("hongta", []models.Summary{newer}, nil))
	e.push(t, batch("hongta", []models.Summary{older}, nil))
	e.push(t, batch("hongta", []models.Summary{same}, nil))
	got, _ := e.summaryOf(t)
	if got.Responses.Total != 40 || got.ByPoint[0].Seq != 5 {
		t.Fatalf("older or equal seq replaced the newer summary: total %d seq %d", got.Responses.Total, got.ByPoint[0].Seq)
	}
	newest, _ := pointData(rng, "hongta", 6, 41, 0, 0, &raw{})
	e.push(t, batch("hongta", []models.Summary{newest}, nil))
	if got, _ := e.summaryOf(t); got.Responses.Total != 41 {
		t.Fatalf("a higher seq was not taken: %d", got.Responses.Total)
	}
}

func TestOpinionUpsert(t *testing.T) {
	e := newEnv(t)
	o := opinion(topicID, 1)
	e.push(t, batch("hongta", nil, []models.Opinion{o}))
	e.push(t, batch("hongta", nil, []models.Opinion{o}))
	if n := e.count(t, "hub_opinions"); n != 1 {
		t.Fatalf("delivered twice, stored %d times", n)
	}
	// The point corrects the content: the hub takes it.
	o.Content = "建议加大对乡村道路硬化的投入（更正）"
	e.push(t, batch("hongta", nil, []models.Opinion{o}))
	var got models.Opinion
	var page models.Page[models.Opinion]
	e.apiJSON(t, "GET", "/api/v1/committee/opinions?point=hongta", nil, 200, &page)
	if len(page.Items) != 1 || page.Items[0].Content != o.Content || page.Items[0].PointID != "hongta" {
		t.Fatalf("opinions: %+v", page.Items)
	}
	// The committee answers; the point re-delivers its older state: the committee's wins.
	e.apiJSON(t, "PATCH", "/api/v1/committee/opinions/"+o.ID, map[string]string{"status": "answered", "answer": "已纳入2027年预算安排"}, 200, &got)
	o.Status = "recorded"
	e.push(t, batch("hongta", nil, []models.Opinion{o}))
	o.Status = "reported"
	e.push(t, batch("hongta", nil, []models.Opinion{o}))
	e.apiJSON(t, "GET", "/api/v1/committee/opinions?point=hongta", nil, 200, &page)
	if it := page.Items[0]; it.Status != "answered" || it.Answer != "已纳入2027年预算安排" {
		t.Fatalf("re-delivery moved the committee's state back: %+v", it)
	}
	// Another point cannot take over an opinion id.
	o2 := o
	o2.Content = "冒充"
	e.push(t, batch("tonghai", nil, []models.Opinion{o2}))
	e.apiJSON(t, "GET", "/api/v1/committee/opinions", nil, 200, &page)
	if len(page.Items) != 1 || page.Items[0].PointID != "hongta" || page.Items[0].Content == "冒充" {
		t.Fatalf("another point overwrote an opinion: %+v", page.Items)
	}
}

func TestSummedExactlyAcrossPoints(t *testing.T) {
	e := newEnv(t)
	rng := rand.New(rand.NewPCG(7, 8))
	all := models.Counters{}
	r := &raw{}
	sizes := map[string]int{"hongta": 3, "tonghai": 250, "yimen": 41}
	var perPointMeans []float64
	for _, p := range []string{"hongta", "tonghai", "yimen"} {
		pr := &raw{}
		s, ds := pointData(rng, p, int64(10+sizes[p]), sizes[p], 3, 5, pr)
		all.Apply(ds)
		r.ratings = append(r.ratings, pr.ratings...)
		r.amounts = append(r.amounts, pr.amounts...)
		if len(pr.ratings) > 0 {
			perPointMeans = append(perPointMeans, *s.Questionnaires[0].Questions[2].Mean)
		}
		e.push(t, batch(p, []models.Summary{s}, nil))
	}
	got, _ := e.summaryOf(t)
	want := models.BuildSummary(topicID, hub.AllPoints, got.Seq, got.AsOf, all, [][]*models.Definition{{testDef()}})
	gotTop := got
	gotTop.ByPoint = nil
	gb, _ := json.Marshal(gotTop)
	wb, _ := json.Marshal(want)
	if string(gb) != string(wb) {
		t.Fatalf("cross-point summary differs from a recount over all responses:\n got %s\nwant %s", gb, wb)
	}
	if got.Responses.Total != 3+250+41 || len(got.ByPoint) != 3 || got.ByPoint[0].PointID != "hongta" {
		t.Fatalf("total %d, by_point %d", got.Responses.Total, len(got.ByPoint))
	}
	// Independent of the counters: the rating mean from raw answers, not a mean of means.
	sum := 0
	for _, v := range r.ratings {
		sum += v
	}
	exact := float64(sum) / float64(len(r.ratings))
	q := got.Questionnaires[0].Questions[2]
	if q.Answered != int64(len(r.ratings)) || q.Mean == nil || abs(*q.Mean-exact) > 0.0005 {
		t.Fatalf("rating: answered %d mean %v, want %d %.4f", q.Answered, q.Mean, len(r.ratings), exact)
	}
	mom := 0.0
	for _, m := range perPointMeans {
		mom += m
	}
	mom /= float64(len(perPointMeans))
	if abs(mom-exact) < 0.001 {
		t.Fatalf("test data cannot tell the mean of means (%.4f) from the exact mean (%.4f)", mom, exact)
	}
	// Number min and max across points.
	mn, mx, tot := r.amounts[0], r.amounts[0], int64(0)
	for _, v := range r.amounts {
		mn, mx, tot = min(mn, v), max(mx, v), tot+v
	}
	n := got.Questionnaires[0].Questions[3]
	if n.Min == nil || int64(*n.Min) != mn || int64(*n.Max) != mx || int64(*n.Sum) != tot {
		t.Fatalf("number: min %v max %v sum %v, want %d %d %d", n.Min, n.Max, n.Sum, mn, mx, tot)
	}
	// Each point's own summary under by_point, with its point id.
	for _, bp := range got.ByPoint {
		if bp.Responses.Total != int64(sizes[bp.PointID]) {
			t.Fatalf("by_point %s: %d responses, want %d", bp.PointID, bp.Responses.Total, sizes[bp.PointID])
		}
	}
	// The points endpoint shows each point's last batch and totals.
	var pts models.Page[hub.PointStatus]
	e.apiJSON(t, "GET", "/api/v1/committee/points", nil, 200, &pts)
	if len(pts.Items) != 3 || pts.Items[1].ID != "tonghai" || pts.Items[1].LastBatchAt == nil || pts.Items[1].Totals.Responses != 250 {
		t.Fatalf("points: %+v", pts.Items)
	}
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

func TestPatchAlongTheLoop(t *testing.T) {
	e := newEnv(t)
	o := opinion(topicID, 1)
	e.push(t, batch("hongta", nil, []models.Opinion{o}))
	path := "/api/v1/committee/opinions/" + o.ID
	steps := []struct {
		name  string
		body  map[string]string
		want  int
		field string
	}{
		{"to closed before answered", map[string]string{"status": "closed", "evaluation": "satisfied"}, 422, "status"},
		{"to forwarded", map[string]string{"status": "forwarded"}, 200, ""},
		{"back to reported", map[string]string{"status": "reported"}, 422, "status"},
		{"answered without answer", map[string]string{"status": "answered"}, 422, "answer"},
		{"answered", map[string]string{"status": "answered", "answer": "已转市财政局办理并答复"}, 200, ""},
		{"closed without evaluation", map[string]string{"status": "closed"}, 422, "evaluation"},
		{"closed with an unknown evaluation", map[string]string{"status": "closed", "evaluation": "great"}, 422, "evaluation"},
		{"unknown status", map[string]string{"status": "done"}, 422, "status"},
		{"closed", map[string]string{"status": "closed", "evaluation": "basic"}, 200, ""},
		{"reopened", map[string]string{"status": "answered", "answer": "x"}, 422, "status"},
	}
	for _, s := range steps {
		st, b := e.api(t, "PATCH", path, s.body)
		if st != s.want {
			t.Fatalf("%s: %d, want %d: %s", s.name, st, s.want, b)
		}
		if s.field != "" {
			var eb struct{ Error models.Error }
			json.Unmarshal(b, &eb)
			if eb.Error.Fields[s.field] == "" {
				t.Fatalf("%s: no message for %s: %s", s.name, s.field, b)
			}
		}
	}
	var page models.Page[models.Opinion]
	e.apiJSON(t, "GET", "/api/v1/committee/opinions?status=closed", nil, 200, &page)
	if len(page.Items) != 1 || page.Items[0].Evaluation != "basic" || page.Items[0].Answer != "已转市财政局办理并答复" {
		t.Fatalf("closed opinion: %+v", page.Items)
	}
	if st, _ := e.api(t, "PATCH", "/api/v1/committee/opinions/nope", map[string]string{"status": "forwarded"}); st != 404 {
		t.Fatalf("unknown opinion: %d", st)
	}
	req, _ := http.NewRequest("PATCH", e.srv.URL+path, strings.NewReader(`{"status":"forwarded"}`))
	if st, _ := do(t, req); st != 401 {
		t.Fatalf("without credentials: %d", st)
	}
}

func TestOpinionFiltersAndPaging(t *testing.T) {
	e := newEnv(t)
	var ops []models.Opinion
	for i := 0; i < 7; i++ {
		o := opinion(topicID, i)
		if i%2 == 0 {
			o.Source = "written"
		}
		ops = append(ops, o)
	}
	e.push(t, batch("hongta", nil, ops[:4]))
	e.push(t, batch("yimen", nil, ops[4:]))
	var seen []string
	next := ""
	for {
		var page models.Page[models.Opinion]
		e.apiJSON(t, "GET", "/api/v1/committee/opinions?limit=2&after="+next, nil, 200, &page)
		for _, o := range page.Items {
			seen = append(seen, o.ID)
		}
		if page.Next == nil {
			break
		}
		next = *page.Next
	}
	if len(seen) != 7 {
		t.Fatalf("paged through %d opinions, want 7", len(seen))
	}
	var page models.Page[models.Opinion]
	e.apiJSON(t, "GET", "/api/v1/committee/opinions?point=yimen&source=written", nil, 200, &page)
	if len(page.Items) != 2 { // ops 4 and 6
		t.Fatalf("filtered: %d", len(page.Items))
	}
	if st, _ := e.api(t, "GET", "/api/v1/committee/opinions?status=bogus", nil); st != 400 {
		t.Fatalf("bad filter: %d", st)
	}
}

func TestExportWorkbook(t *testing.T) {
	e := newEnv(t)
	rng := rand.New(rand.NewPCG(9, 10))
	for _, p := range []string{"hongta", "tonghai"} {
		s, _ := pointData(rng, p, 1, 30, 1, 1, &raw{})
		o := opinion(topicID, 1)
		e.push(t, batch(p, []models.Summary{s}, []models.Opinion{o}))
		if p == "hongta" {
			e.apiJSON(t, "PATCH", "/api/v1/committee/opinions/"+o.ID, map[string]string{"status": "answered", "answer": "已答复内容"}, 200, nil)
		} else {
			e.apiJSON(t, "POST", "/api/v1/committee/units", hub.Unit{ID: "czj", Name: "市财政局", Kind: "department"}, 201, nil)
			e.apiJSON(t, "POST", "/api/v1/committee/opinions/"+o.ID+"/assign", map[string]any{"lead": "czj", "due": "2099-03-02"}, 200, nil)
		}
	}
	st, b := e.api(t, "GET", "/api/v1/committee/topics/"+topicID+"/export.xlsx", nil)
	if st != 200 {
		t.Fatalf("export: %d %s", st, b)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if !slices.Equal(sheets, []string{"汇总", "红塔区人大常委会", "通海县人大常委会", "意见建议", "办理统计"}) {
		t.Fatalf("sheets: %v", sheets)
	}
	rows, _ := f.GetRows("汇总")
	text := ""
	for _, r := range rows {
		text += strings.Join(r, "|") + "\n"
	}
	for _, want := range []string{"满意", "基本满意", "医疗卫生", "平均分", "最大值", "答卷总数|60"} {
		if !strings.Contains(text, want) {
			t.Errorf("summary sheet lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "unsatisfied") || strings.Contains(text, "education") {
		t.Errorf("summary sheet shows option codes:\n%s", text)
	}
	ops, _ := f.GetRows("意见建议")
	if len(ops) != 3 {
		t.Fatalf("opinions sheet has %d rows, want header + 2", len(ops))
	}
	all := ""
	for _, r := range ops {
		all += strings.Join(r, "|") + "\n"
	}
	if !strings.Contains(all, "已答复") || !strings.Contains(all, "已交办|市财政局|2099-03-02|1") || !strings.Contains(all, "县（区）人大代表 张三") {
		t.Fatalf("opinions sheet:\n%s", all)
	}
	stats, _ := f.GetRows("办理统计")
	all = ""
	for _, r := range stats {
		all += strings.Join(r, "|") + "\n"
	}
	// One opinion assigned (hongta's was answered by the committee itself, not assigned).
	if !strings.Contains(all, "全部意见（并案的每条都计）|1|0|0|0|0|0|0.0%") || !strings.Contains(all, "市财政局|1|0|0|0|0|0|0.0%") {
		t.Fatalf("statistics sheet:\n%s", all)
	}
	if st, _ := e.api(t, "GET", "/api/v1/committee/topics/nope/export.xlsx", nil); st != 404 {
		t.Fatalf("unknown topic export: %d", st)
	}
}

// pull fetches updates for a point since a cursor.
func (e *env) pull(t *testing.T, point, since string) syncproto.Updates {
	t.Helper()
	st, b := e.signed(t, "GET", syncproto.PathUpdates, "since="+since, point, secretOf(point), nil, time.Now())
	if st != 200 {
		t.Fatalf("pull %s: %d %s", point, st, b)
	}
	var u syncproto.Updates
	if err := json.Unmarshal(b, &u); err != nil {
		t.Fatal(err)
	}
	return u
}

func ids[T any](xs []T, id func(T) string) []string {
	out := []string{}
	for _, x := range xs {
		out = append(out, id(x))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func topicIDs(u syncproto.Updates) []string {
	return ids(u.Topics, func(t models.Topic) string { return t.ID })
}

func qIDs(u syncproto.Updates) []string {
	return ids(u.Questionnaires, func(q models.Questionnaire) string { return q.ID })
}

func TestPublishReachesTheRightPoints(t *testing.T) {
	e := newEnv(t)
	topic := func(id string, points []string) map[string]any {
		return map[string]any{"id": id, "kind": "budget_draft", "fiscal_year": 2027, "title": "事项 " + id, "points": points}
	}
	e.apiJSON(t, "POST", "/api/v1/committee/topics", topic("t-all", nil), 201, nil)
	e.apiJSON(t, "POST", "/api/v1/committee/topics", topic("t-hongta", []string{"hongta"}), 201, nil)
	e.apiJSON(t, "POST", "/api/v1/committee/topics", topic("t-x", []string{"nowhere"}), 422, nil)
	e.apiJSON(t, "POST", "/api/v1/committee/topics", map[string]any{"id": "t-bad", "kind": "nonsense"}, 422, nil)

	def := testDef()
	def.TopicID = "t-hongta"
	pub := map[string]any{"id": def.ID, "topic_id": def.TopicID, "title": def.Title, "questions": def.Questions, "points": []string{"hongta", "tonghai"}}
	var qa struct {
		Questionnaire models.Questionnaire `json:"questionnaire"`
	}
	e.apiJSON(t, "POST", "/api/v1/committee/questionnaires", pub, 201, &qa)
	if qa.Questionnaire.Version != 1 || qa.Questionnaire.Origin != models.OriginCommittee {
		t.Fatalf("published: %+v", qa.Questionnaire)
	}
	e.apiJSON(t, "POST", "/api/v1/committee/questionnaires", pub, 200, nil) // same again: no new version
	bad := map[string]any{"id": "q-bad", "topic_id": "t-all", "title": "坏问卷", "questions": []map[string]any{{"key": "a", "type": "single_choice", "label": "缺选项"}}}
	e.apiJSON(t, "POST", "/api/v1/committee/questionnaires", bad, 422, nil)

	hong := e.pull(t, "hongta", "")
	if !slices.Equal(topicIDs(hong), []string{"t-all", "t-hongta"}) || !slices.Equal(qIDs(hong), []string{"q-2027"}) {
		t.Fatalf("hongta got topics %v questionnaires %v", topicIDs(hong), qIDs(hong))
	}
	if hong.Questionnaires[0].Version != 1 || len(hong.Questionnaires[0].Questions) != 5 {
		t.Fatalf("questionnaire as pulled: %+v", hong.Questionnaires[0])
	}
	// tonghai gets the questionnaire and, with it, its topic.
	tong := e.pull(t, "tonghai", "")
	if !slices.Equal(topicIDs(tong), []string{"t-all", "t-hongta"}) || !slices.Equal(qIDs(tong), []string{"q-2027"}) {
		t.Fatalf("tonghai got topics %v questionnaires %v", topicIDs(tong), qIDs(tong))
	}
	yim := e.pull(t, "yimen", "")
	if !slices.Equal(topicIDs(yim), []string{"t-all"}) || len(yim.Questionnaires) != 0 {
		t.Fatalf("yimen got topics %v questionnaires %v", topicIDs(yim), qIDs(yim))
	}
	// Nothing new since the cursor.
	if u := e.pull(t, "hongta", hong.Next); len(u.Topics)+len(u.Questionnaires)+len(u.OpinionUpdates) != 0 || u.Next != hong.Next {
		t.Fatalf("pull again: %+v", u)
	}
	// An answered opinion flows down to its own point only.
	o := opinion("t-hongta", 1)
	e.push(t, batch("hongta", nil, []models.Opinion{o}))
	e.apiJSON(t, "PATCH", "/api/v1/committee/opinions/"+o.ID, map[string]string{"status": "answered", "answer": "已答复"}, 200, nil)
	u := e.pull(t, "hongta", hong.Next)
	if len(u.OpinionUpdates) != 1 || u.OpinionUpdates[0].ID != o.ID || u.OpinionUpdates[0].Status != "answered" || u.OpinionUpdates[0].Answer != "已答复" {
		t.Fatalf("hongta's opinion update: %+v", u.OpinionUpdates)
	}
	if u := e.pull(t, "tonghai", tong.Next); len(u.OpinionUpdates) != 0 {
		t.Fatalf("tonghai got hongta's opinion: %+v", u.OpinionUpdates)
	}
	// A new version goes out as every version, oldest first.
	pub["title"] = "2027年预算草案问卷（修订）"
	e.apiJSON(t, "POST", "/api/v1/committee/questionnaires", pub, 201, nil)
	u2 := e.pull(t, "tonghai", tong.Next)
	if len(u2.Questionnaires) != 2 || u2.Questionnaires[1].Version != 2 || u2.Questionnaires[1].Title != "2027年预算草案问卷（修订）" {
		t.Fatalf("new version: %+v", u2.Questionnaires)
	}
	// The committee's topic list shows what it published.
	var tl models.Page[hub.TopicInfo]
	e.apiJSON(t, "GET", "/api/v1/committee/topics", nil, 200, &tl)
	if len(tl.Items) != 2 {
		t.Fatalf("topics: %+v", tl.Items)
	}
}

func TestLargeBatchAccepted(t *testing.T) {
	e := newEnv(t)
	var ops []models.Opinion
	for i := 0; i < 1500; i++ {
		o := opinion(topicID, i)
		o.Content = strings.Repeat("意", 600)
		ops = append(ops, o)
	}
	b := batch("hongta", nil, ops)
	body, _ := json.Marshal(b)
	if len(body) < 2<<20 {
		t.Fatalf("batch only %d bytes", len(body))
	}
	if ack := e.push(t, b); ack.Duplicate {
		t.Fatal("duplicate")
	}
	if n := e.count(t, "hub_opinions"); n != 1500 {
		t.Fatalf("%d opinions stored", n)
	}
	// Other routes keep the 1 MiB limit.
	big := map[string]any{"id": "t-big", "kind": "other", "fiscal_year": 2027, "title": "x", "summary": strings.Repeat("x", 2<<20)}
	if st, _ := e.api(t, "POST", "/api/v1/committee/topics", big); st != 413 {
		t.Fatalf("large committee body: %d", st)
	}
}

func TestPointsFile(t *testing.T) {
	for name, body := range map[string]string{
		"not json":     `{"points": [`,
		"no points":    `{"points": []}`,
		"bad id":       `{"points": [{"id": "红塔", "secret": "0123456789abcdef"}]}`,
		"short secret": `{"points": [{"id": "hongta", "secret": "s"}]}`,
		"duplicate":    `{"points": [{"id": "a", "secret": "0123456789abcdef"}, {"id": "a", "secret": "0123456789abcdeg"}]}`,
	} {
		if _, err := hub.ParsePoints([]byte(body)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	ps, err := hub.ParsePoints([]byte(`{"points": [{"id": "hongta", "name": "红塔区人大常委会", "level": "district", "secret": "0123456789abcdef"}]}`))
	if err != nil || len(ps) != 1 || ps[0].Name != "红塔区人大常委会" {
		t.Fatalf("%v %+v", err, ps)
	}
}

// A batch id another point already used is not this point's replay: its
// content is stored (a point drops what the hub acknowledged as duplicate).
func TestSameBatchIDFromAnotherPointStored(t *testing.T) {
	e := newEnv(t)
	first := batch("hongta", nil, []models.Opinion{opinion(topicID, 1)})
	if ack := e.push(t, first); ack.Duplicate {
		t.Fatalf("first: %+v", ack)
	}
	second := batch("yimen", nil, []models.Opinion{opinion(topicID, 2)})
	second.BatchID = first.BatchID
	if ack := e.push(t, second); ack.Duplicate {
		t.Fatalf("another point's batch with the same id was taken as a replay: %+v", ack)
	}
	var page models.Page[models.Opinion]
	e.apiJSON(t, "GET", "/api/v1/committee/opinions?point=yimen", nil, 200, &page)
	if len(page.Items) != 1 {
		t.Fatalf("yimen's opinion was not stored: %+v", page.Items)
	}
	if ack := e.push(t, second); !ack.Duplicate {
		t.Fatalf("yimen's own replay: %+v", ack)
	}
}

// TestExportPrintsOnA4: every sheet of the hub's workbook prints on A4, one
// page wide, its first row again on each page, across the page (LibreOffice
// printed the workbook on 29 pages).
func TestExportPrintsOnA4(t *testing.T) {
	e := newEnv(t)
	rng := rand.New(rand.NewPCG(9, 10))
	s, _ := pointData(rng, "hongta", 1, 30, 1, 1, &raw{})
	e.push(t, batch("hongta", []models.Summary{s}, []models.Opinion{opinion(topicID, 1)}))
	st, b := e.api(t, "GET", "/api/v1/committee/topics/"+topicID+"/export.xlsx", nil)
	if st != 200 {
		t.Fatalf("export: %d %s", st, b)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range testutil.PrintProblems(f, f.GetSheetList()...) {
		t.Error(p)
	}
}

// TestSignatureVersions: a pull signed with version 2 cannot be replayed
// with another since; a request signed with version 1 is refused unless the
// hub takes version 1 (--accept-signature-v1), and then every such request
// is taken and audited as sync.signature_v1, naming the point.
func TestSignatureVersions(t *testing.T) {
	e := newEnv(t)
	good := secretOf("hongta")
	now := time.Now()
	pull := func(sign func(*http.Request), query string) int {
		t.Helper()
		req, _ := http.NewRequest("GET", e.srv.URL+syncproto.PathUpdates+"?since=0", nil)
		sign(req)
		req.URL.RawQuery = query // what a replay with another since would send
		st, _ := do(t, req)
		return st
	}
	v2 := func(r *http.Request) { syncproto.SignRequest(r, "hongta", good, nil, now) }
	v1 := func(r *http.Request) { syncproto.SignRequestV1(r, "hongta", good, nil, now) }
	contact := func() (*time.Time, *time.Time) {
		t.Helper()
		ps, err := e.h.PointStatuses(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			if p.ID == "hongta" {
				return p.LastContactAt, p.LastPullAt
			}
		}
		t.Fatal("no hongta")
		return nil, nil
	}
	if st := pull(v1, "since=0"); st != 401 {
		t.Fatalf("a version 1 pull while the hub takes version 2 only: %d, want 401", st)
	}
	if c, _ := contact(); c != nil {
		t.Fatal("a refused request counted as contact")
	}
	if st := pull(v2, "since=0"); st != 200 {
		t.Fatalf("a version 2 pull: %d", st)
	}
	// A pull is contact, though nothing was pushed.
	if c, p := contact(); c == nil || p == nil || time.Since(*c) > time.Minute {
		t.Fatalf("after a pull, last contact %v, last pull %v", c, p)
	}
	if st := pull(v2, "since=5"); st != 401 {
		t.Fatalf("a version 2 pull replayed with another since: %d, want 401", st)
	}
	if st := pull(v1, "since=0"); st != 401 {
		t.Fatalf("a version 1 pull while the hub takes version 2 only: %d, want 401", st)
	}
	audited := func() int {
		t.Helper()
		p, err := e.d.AuditLog(context.Background(), models.AuditFilter{Action: "sync.signature_v1", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range p.Items {
			if a.Actor.User != "hongta" || a.Result != models.AuditOK {
				t.Errorf("audit entry %+v", a)
			}
		}
		return len(p.Items)
	}
	if n := audited(); n != 0 {
		t.Fatalf("%d version 1 uses audited while refused", n)
	}
	e.h.AcceptSignatureV1 = true
	if st := pull(v1, "since=0"); st != 200 {
		t.Fatalf("a version 1 pull with --accept-signature-v1: %d", st)
	}
	body, _ := json.Marshal(batch("hongta", nil, nil))
	req, _ := http.NewRequest("POST", e.srv.URL+syncproto.PathBatches, bytes.NewReader(body))
	syncproto.SignRequestV1(req, "hongta", good, body, now)
	if st, out := do(t, req); st != 200 {
		t.Fatalf("a version 1 batch with --accept-signature-v1: %d %s", st, out)
	}
	if n := audited(); n != 2 {
		t.Fatalf("%d version 1 uses audited, want 2 (each use)", n)
	}
	if st := pull(v2, "since=0"); st != 200 || audited() != 2 {
		t.Fatal("a version 2 pull was audited as version 1, or refused")
	}
}

// TestBatchRejections: what a batch carries is checked item by item against
// the limits a point keeps to; an item over them, or an id that belongs to
// another point, is not stored and is named in the 200's rejected (the same
// again for a duplicate of the batch), while the rest of the batch is stored.
func TestBatchRejections(t *testing.T) {
	e := newEnv(t)
	rng := rand.New(rand.NewPCG(5, 6))
	s, _ := pointData(rng, "hongta", 1, 20, 1, 1, &raw{})
	mine := opinion(topicID, 1)
	e.push(t, batch("hongta", nil, []models.Opinion{mine}))

	huge := opinion(topicID, 2)
	huge.Content = strings.Repeat("长", 200000)
	fine := opinion(topicID, 3)
	taken := mine // tonghai sending hongta's opinion id
	taken.Content = "冒充"
	badAct := models.Activity{ID: uuid.NewString(), Kind: "forum", TopicID: topicID, Title: "座谈会", Location: strings.Repeat("地", 201)}
	b := batch("tonghai", []models.Summary{func() models.Summary { s.PointID = "tonghai"; return s }()}, []models.Opinion{huge, fine, taken})
	b.Activities = []models.Activity{badAct}
	ack := e.push(t, b)
	want := map[string]string{huge.ID: models.EInvalid, taken.ID: models.EConflict, badAct.ID: models.EInvalid}
	if len(ack.Rejected) != len(want) {
		t.Fatalf("rejected %+v, want %v", ack.Rejected, want)
	}
	for _, r := range ack.Rejected {
		if want[r.ID] != r.Code || !strings.Contains(r.Message, " / ") {
			t.Errorf("rejection %+v", r)
		}
		if r.ID == huge.ID && (r.Kind != syncproto.KindOpinion || !strings.Contains(r.Message, "content")) {
			t.Errorf("the huge opinion's rejection: %+v", r)
		}
		if r.ID == badAct.ID && (r.Kind != syncproto.KindActivity || !strings.Contains(r.Message, "location")) {
			t.Errorf("the activity's rejection: %+v", r)
		}
	}
	var page models.Page[models.Opinion]
	e.apiJSON(t, "GET", "/api/v1/committee/opinions?point=tonghai", nil, 200, &page)
	if len(page.Items) != 1 || page.Items[0].ID != fine.ID {
		t.Fatalf("tonghai's opinions at the hub: %+v, want only the fine one", page.Items)
	}
	if n := e.count(t, "hub_activities"); n != 0 {
		t.Fatalf("%d activities stored, want 0 (the only one was over the limits)", n)
	}
	if n := e.count(t, "hub_summaries"); n != 1 {
		t.Fatalf("%d summaries stored, want tonghai's", n)
	}
	// The same batch again: a duplicate, with the same rejections.
	again := e.push(t, b)
	if !again.Duplicate || len(again.Rejected) != len(ack.Rejected) {
		t.Fatalf("the duplicate's answer %+v, want the first's rejections", again)
	}
}

// TestRestoredPoint: within one instance of a point's database the higher
// seq wins; a new instance (the point restored from a backup) replaces the
// summary even with a lower seq, and the committee is shown the restore
// with both counts; a summary of the instance superseded since is stale.
func TestRestoredPoint(t *testing.T) {
	e := newEnv(t)
	rng := rand.New(rand.NewPCG(7, 8))
	sum := func(instance string, seq int64, n int) models.Summary {
		s, _ := pointData(rng, "hongta", seq, n, 0, 0, &raw{})
		s.Instance = instance
		return s
	}
	total := func() int64 {
		t.Helper()
		var s models.Summary
		e.apiJSON(t, "GET", "/api/v1/committee/topics/"+topicID+"/summary", nil, 200, &s)
		return s.Responses.Total
	}
	e.push(t, batch("hongta", []models.Summary{sum("A", 10, 100)}, nil))
	e.push(t, batch("hongta", []models.Summary{sum("A", 5, 50)}, nil))
	if n := total(); n != 100 {
		t.Fatalf("a lower seq of the same instance replaced the summary: %d responses, want 100", n)
	}
	e.push(t, batch("hongta", []models.Summary{sum("B", 3, 80)}, nil))
	if n := total(); n != 80 {
		t.Fatalf("the restored point's summary (new instance, lower seq) was ignored: %d responses, want 80", n)
	}
	rs, err := e.h.Store.Restores(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || rs[0].PointID != "hongta" || rs[0].OldResponses != 100 || rs[0].NewResponses != 80 || rs[0].OldSeq != 10 || rs[0].NewSeq != 3 {
		t.Fatalf("restores %+v", rs)
	}
	e.push(t, batch("hongta", []models.Summary{sum("A", 11, 120)}, nil))
	if n := total(); n != 80 {
		t.Fatalf("a summary of the superseded instance came back: %d responses, want 80", n)
	}
	e.push(t, batch("hongta", []models.Summary{sum("B", 4, 85)}, nil))
	if n := total(); n != 85 {
		t.Fatalf("the new instance's next summary: %d responses, want 85", n)
	}
	if rs, _ := e.h.Store.Restores(context.Background()); len(rs) != 1 {
		t.Fatalf("%d restores recorded, want 1", len(rs))
	}

	// Two topics, and a batch of the new instance that starts with a topic
	// new to the hub: every topic moves to the new instance.
	on := func(topic, instance string, seq int64, n int) models.Summary {
		s := sum(instance, seq, n)
		s.TopicID, s.PointID = topic, "tonghai"
		return s
	}
	e.push(t, batch("tonghai", []models.Summary{on(topicID, "C", 10, 100), on("t-two", "C", 10, 100)}, nil))
	e.push(t, batch("tonghai", []models.Summary{on("t-new", "D", 1, 5), on(topicID, "D", 3, 60), on("t-two", "D", 3, 70)}, nil))
	e.push(t, batch("tonghai", []models.Summary{on("t-two", "D", 4, 71)}, nil))
	var seqs = map[string]int64{}
	rows, err := testutil.RawOf(t, e.d).Query(`SELECT topic_id, seq, instance FROM hub_summaries WHERE point_id='tonghai'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var topic, inst string
		var seq int64
		if err := rows.Scan(&topic, &seq, &inst); err != nil {
			t.Fatal(err)
		}
		if inst != "D" {
			t.Errorf("tonghai's %s is still on instance %s after the restore", topic, inst)
		}
		seqs[topic] = seq
	}
	rows.Close()
	if seqs[topicID] != 3 || seqs["t-two"] != 4 || seqs["t-new"] != 1 {
		t.Fatalf("tonghai's summaries after the restore: %v", seqs)
	}
	if rs, _ := e.h.Store.Restores(context.Background()); len(rs) != 3 {
		t.Fatalf("%d restores recorded, want 3 (hongta's, and tonghai's two topics)", len(rs))
	}
}

// TestPointTopicsInBatches: a topic a point created itself travels in its
// batch, and the committee's topic list names it by its title, not its id;
// one over the limits is rejected, not stored.
func TestPointTopicsInBatches(t *testing.T) {
	e := newEnv(t)
	b := batch("hongta", []models.Summary{{TopicID: "t-ac59df94", PointID: "hongta", Seq: 1, Questionnaires: []models.QuestionnaireSummary{}}}, nil)
	b.Topics = []models.Topic{{ID: "t-ac59df94", Kind: "other", FiscalYear: 2027, Title: "红塔区农村公路养护资金征求意见"},
		{ID: "t-bad", Kind: "other", FiscalYear: 2027, Title: strings.Repeat("长", 201)}}
	ack := e.push(t, b)
	if len(ack.Rejected) != 1 || ack.Rejected[0].Kind != syncproto.KindTopic || ack.Rejected[0].ID != "t-bad" {
		t.Fatalf("rejected %+v, want the topic over the limits", ack.Rejected)
	}
	var page struct{ Items []hub.TopicInfo }
	e.apiJSON(t, "GET", "/api/v1/committee/topics", nil, 200, &page)
	found := false
	for _, it := range page.Items {
		if it.ID == "t-ac59df94" {
			found = it.Title == "红塔区农村公路养护资金征求意见" && it.Origin == models.OriginLocal
		}
	}
	if !found {
		t.Fatalf("the point's topic in the committee's list: %+v", page.Items)
	}
	// The committee cannot publish a topic under that id.
	st, out := e.api(t, "POST", "/api/v1/committee/topics", map[string]any{"id": "t-ac59df94", "kind": "budget_draft", "fiscal_year": 2027, "title": "另一个事项"})
	if st != 409 || !strings.Contains(string(out), "自设事项") {
		t.Fatalf("publishing a point's topic id: %d %s", st, out)
	}
}
