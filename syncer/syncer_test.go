package syncer

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"budgetpoint/db"
	"budgetpoint/models"
	"budgetpoint/syncproto"
)

const secret = "unit-test-secret-0123456789"

// fakeHub verifies signatures and records batches; onBatch runs before it answers.
type fakeHub struct {
	t       *testing.T
	mu      sync.Mutex
	batches []syncproto.Batch
	onBatch func(n int) int // returns the status to answer (0: 200)
	reject  func(b syncproto.Batch) []syncproto.Rejection
	updates syncproto.Updates
}

func (h *fakeHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	// Points sign with version 2 (over the query too).
	if v, ok := syncproto.Verify(secret, r, body); !ok || v != 2 || r.Header.Get(syncproto.HeaderPointID) != "hongta" {
		w.WriteHeader(401)
		return
	}
	switch r.URL.Path {
	case syncproto.PathBatches:
		var b syncproto.Batch
		if err := json.Unmarshal(body, &b); err != nil {
			h.t.Errorf("batch does not parse: %v", err)
		}
		h.mu.Lock()
		h.batches = append(h.batches, b)
		n := len(h.batches)
		h.mu.Unlock()
		if h.onBatch != nil {
			if st := h.onBatch(n); st != 0 {
				w.WriteHeader(st)
				return
			}
		}
		ack := syncproto.BatchAck{BatchID: b.BatchID}
		if h.reject != nil {
			ack.Rejected = h.reject(b)
		}
		json.NewEncoder(w).Encode(ack)
	case syncproto.PathUpdates:
		h.mu.Lock()
		u := h.updates
		h.updates = syncproto.Updates{Next: u.Next}
		h.mu.Unlock()
		json.NewEncoder(w).Encode(u)
	default:
		w.WriteHeader(404)
	}
}

func setup(t *testing.T) (*db.DB, *fakeHub, *Syncer) {
	d, err := db.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	ctx := context.Background()
	if err := d.CreateTopic(ctx, &models.Topic{ID: "t1", Kind: "budget_draft", FiscalYear: 2027, Title: "t1"}); err != nil {
		t.Fatal(err)
	}
	def := models.Definition{ID: "q1", TopicID: "t1", Title: "q1", Questions: []models.Question{
		{Key: "overall", Type: "single_choice", Label: "总体", Options: []models.Option{{Value: "a", Label: "A"}, {Value: "b", Label: "B"}}},
		{Key: "advice", Type: "text", Label: "意见", Opinion: true}}}
	if _, _, err := d.SaveQuestionnaire(ctx, def, models.OriginLocal); err != nil {
		t.Fatal(err)
	}
	h := &fakeHub{t: t}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	sy := New(d, Config{Hub: srv.URL, Secret: secret, PointID: "hongta", Interval: time.Second,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	return d, h, sy
}

func respond(t *testing.T, d *db.DB, advice string) {
	ans := map[string]json.RawMessage{"overall": json.RawMessage(`"a"`)}
	if advice != "" {
		b, _ := json.Marshal(advice)
		ans["advice"] = b
	}
	if _, _, err := d.SubmitResponse(context.Background(), "q1", db.Submission{ID: uuid.NewString(),
		Respondent: models.Respondent{Kind: "public"}, Channel: "online", Answers: ans}); err != nil {
		t.Fatal(err)
	}
}

// A change made while a batch is on its way stays queued and goes in the next batch.
func TestChangeDuringPushStaysQueued(t *testing.T) {
	d, h, sy := setup(t)
	respond(t, d, "")
	h.onBatch = func(n int) int {
		if n == 1 {
			respond(t, d, "") // the summary moves on before the hub answers
		}
		return 0
	}
	if err := sy.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(h.batches) != 2 {
		t.Fatalf("%d batches, want 2", len(h.batches))
	}
	s1, s2 := h.batches[0].Summaries, h.batches[1].Summaries
	if len(s1) != 1 || s1[0].Responses.Total != 1 || len(s2) != 1 || s2[0].Responses.Total != 2 || s2[0].Seq <= s1[0].Seq {
		t.Fatalf("summaries sent: %+v then %+v", s1, s2)
	}
	if n, _, err := d.OutboxStats(context.Background()); err != nil || n != 0 {
		t.Fatalf("outbox %d (%v) after both acknowledged", n, err)
	}
}

// An unacknowledged batch is retried under the same id while its content is
// unchanged, and replaced by a new one once something it covers changed.
func TestRetryKeepsBatchIDUntilContentChanges(t *testing.T) {
	d, h, sy := setup(t)
	respond(t, d, "")
	fail := true
	h.onBatch = func(int) int {
		if fail {
			return 500
		}
		return 0
	}
	ctx := context.Background()
	for i := range 2 {
		if err := sy.RunOnce(ctx); err == nil {
			t.Fatalf("run %d against a failing hub succeeded", i+1)
		}
	}
	if len(h.batches) != 2 {
		t.Fatalf("%d batches sent by two runs, want 2", len(h.batches))
	}
	if h.batches[0].BatchID != h.batches[1].BatchID {
		t.Fatalf("retry of the same content under a new id: %s, %s", h.batches[0].BatchID, h.batches[1].BatchID)
	}
	st, err := sy.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.LastError == "" || st.ConsecutiveFailures != 2 || st.QueueLength == 0 || st.PendingBatchID != h.batches[0].BatchID {
		t.Fatalf("status: %+v", st)
	}
	respond(t, d, "")
	fail = false
	if err := sy.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	last := h.batches[len(h.batches)-1]
	if len(h.batches) != 3 || last.BatchID == h.batches[0].BatchID || len(last.Summaries) != 1 || last.Summaries[0].Responses.Total != 2 {
		t.Fatalf("after a change: batch %s with %+v", last.BatchID, last.Summaries)
	}
	if st, err = sy.Status(ctx); err != nil {
		t.Fatal(err)
	}
	if st.LastError != "" || st.QueueLength != 0 || st.LastPushAt == nil || st.PendingBatchID != "" {
		t.Fatalf("status after success: %+v", st)
	}
}

// Batches stay within the item bound; every entry goes up exactly once.
func TestBatchBounds(t *testing.T) {
	d, h, sy := setup(t)
	sy.cfg.MaxItems = 3
	for i := range 7 {
		respond(t, d, "意见 "+strings.Repeat("长", i)) // 7 opinions + 1 summary
	}
	if err := sy.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, b := range h.batches {
		if n := len(b.Summaries) + len(b.Opinions) + len(b.Activities); n > 3 || n == 0 {
			t.Fatalf("batch of %d items", n)
		}
		for _, o := range b.Opinions {
			seen[o.ID]++
			if o.Status != "reported" || o.Proposer.DeputyID != "" || o.ResponseID != "" {
				t.Fatalf("opinion as sent: %+v", o)
			}
		}
	}
	if len(seen) != 7 {
		t.Fatalf("%d distinct opinions sent, want 7", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("opinion %s sent %d times", id, n)
		}
	}
}

// A pull applies committee publications and opinion changes, never moves a
// status back, and keeps the cursor only once applied.
func TestPull(t *testing.T) {
	d, h, sy := setup(t)
	ctx := context.Background()
	respond(t, d, "修路")
	if err := sy.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	ops, err := d.Opinions(ctx, models.OpinionFilter{Limit: 10})
	if err != nil || len(ops.Items) != 1 {
		t.Fatalf("opinions: %+v %v", ops.Items, err)
	}
	id := ops.Items[0].ID
	def := models.Definition{ID: "qc", TopicID: "tc", Title: "committee", TitleEN: "Committee survey", Questions: []models.Question{
		{Key: "x", Type: "rating", Label: "x"}}}
	h.updates = syncproto.Updates{
		Topics:         []models.Topic{{ID: "tc", Kind: "budget_draft", FiscalYear: 2027, Title: "committee topic", TitleEN: "Committee topic"}},
		Questionnaires: []models.Questionnaire{{Definition: def, Version: 3}},
		OpinionUpdates: []syncproto.OpinionUpdate{{ID: id, Status: "answered", Answer: "已答复"}, {ID: uuid.NewString(), Status: "answered"}},
		Next:           "c1"}
	if err := sy.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	q, err := d.Questionnaire(ctx, "qc", 0)
	if err != nil || q.Origin != models.OriginCommittee || q.Version != 3 || q.TitleEN != "Committee survey" {
		t.Fatalf("committee questionnaire: %+v %v", q, err)
	}
	// The English titles the committee gave are kept (the pages show them, issue 9).
	if tp, err := d.Topic(ctx, "tc"); err != nil || tp.TitleEN != "Committee topic" || tp.Origin != models.OriginCommittee {
		t.Fatalf("committee topic: %+v %v", tp, err)
	}
	o, err := d.Opinion(ctx, id)
	if err != nil || o.Status != "answered" || o.Answer != "已答复" {
		t.Fatalf("opinion after pull: %+v %v", o, err)
	}
	// A late, older update does not move it back.
	h.updates = syncproto.Updates{OpinionUpdates: []syncproto.OpinionUpdate{{ID: id, Status: "forwarded"}}, Next: "c2"}
	if err := sy.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if o, err := d.Opinion(ctx, id); err != nil || o.Status != "answered" || o.Answer != "已答复" {
		t.Fatalf("opinion moved back: %+v %v", o, err)
	}
	// A later round (the proposer was not satisfied: 重办) does bring it back
	// to forwarded; then a late update of the first round changes nothing.
	h.updates = syncproto.Updates{OpinionUpdates: []syncproto.OpinionUpdate{{ID: id, Status: "forwarded", Round: 2}}, Next: "c2"}
	if err := sy.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if o, err := d.Opinion(ctx, id); err != nil || o.Status != "forwarded" {
		t.Fatalf("the second round did not reopen the opinion here: %+v %v", o, err)
	}
	h.updates = syncproto.Updates{OpinionUpdates: []syncproto.OpinionUpdate{{ID: id, Status: "answered", Answer: "第一轮", Round: 1}}, Next: "c2"}
	if err := sy.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if o, err := d.Opinion(ctx, id); err != nil || o.Status != "forwarded" {
		t.Fatalf("a late first-round update moved the second round: %+v %v", o, err)
	}
	// With the hub's time of each change (hubs of issue 11), a change
	// within the round is taken when it is newer, even backwards (the unit
	// returned it: back to the committee, the unit gone), and the story
	// comes along; an older one is not.
	t0 := time.Now().Add(-time.Hour).Truncate(time.Microsecond)
	h.updates = syncproto.Updates{OpinionUpdates: []syncproto.OpinionUpdate{{ID: id, Status: "accepted", Round: 2, UpdatedAt: t0, Lead: "市财政局", Due: "2027-03-01", Supervised: true}}, Next: "c2"}
	if err := sy.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if o, err := d.Opinion(ctx, id); err != nil || o.Status != "accepted" || o.LeadName != "市财政局" || o.Due != "2027-03-01" || !o.Supervised || o.Round != 2 {
		t.Fatalf("the signed-for second round: %+v %v", o, err)
	}
	h.updates = syncproto.Updates{OpinionUpdates: []syncproto.OpinionUpdate{{ID: id, Status: "reported", Round: 2, UpdatedAt: t0.Add(time.Minute), Supervised: true}}, Next: "c2"}
	if err := sy.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if o, err := d.Opinion(ctx, id); err != nil || o.Status != "reported" || o.LeadName != "" || o.Due != "" {
		t.Fatalf("returned by its unit, newer: %+v %v", o, err)
	}
	h.updates = syncproto.Updates{OpinionUpdates: []syncproto.OpinionUpdate{{ID: id, Status: "answered", Round: 2, UpdatedAt: t0.Add(-time.Minute), Lead: "市财政局",
		Reply: &syncproto.ReplyUpdate{Grade: "B", Content: "过时的答复", Unit: "市财政局", At: t0}}}, Next: "c2"}
	if err := sy.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if o, err := d.Opinion(ctx, id); err != nil || o.Status != "reported" || o.Grade != "" {
		t.Fatalf("an older change of the round was taken: %+v %v", o, err)
	}
	h.updates = syncproto.Updates{OpinionUpdates: []syncproto.OpinionUpdate{{ID: id, Status: "answered", Round: 2, UpdatedAt: t0.Add(2 * time.Minute), Lead: "市交通运输局",
		Answer: "已列入计划", Reply: &syncproto.ReplyUpdate{Grade: "C", Content: "已列入计划", Unit: "市交通运输局", At: t0.Add(2 * time.Minute)}, FollowUp: "2027-06-01"}}, Next: "c2"}
	if err := sy.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	o, err = d.Opinion(ctx, id)
	if err != nil || o.Status != "answered" || o.Grade != "C" || o.FollowUp != "2027-06-01" || len(o.Replies) != 1 || o.Replies[0].Unit != "市交通运输局" || o.Answer != "已列入计划" {
		t.Fatalf("the reply of the second round: %+v %v", o, err)
	}
	st, err := d.SyncState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st["cursor"] != "c2" {
		t.Fatalf("cursor %q", st["cursor"])
	}
	// The committee's questionnaire cannot be changed here.
	def.Title = "changed"
	if _, _, err := d.SaveQuestionnaire(ctx, def, models.OriginLocal); models.ErrorCode(err) != models.EForbidden {
		t.Fatalf("local change of a committee questionnaire: %v", err)
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"电话13912345678。":         "电话[已隐去]。",
		"身份证53040019800101123X":  "身份证[已隐去]",
		"身份证530400198001011234号": "身份证[已隐去]号",
		"座机0877-2012345转":        "座机[已隐去]转",
		"预算1200万元，增长12.5%":       "预算1200万元，增长12.5%",
		"2027年":                  "2027年",
		"编号139123456789":         "编号139123456789", // 12 digits: not a mobile number
		"手机+86 139 1234 5678":    "手机[已隐去]",
		"8613912345678联系":        "[已隐去]联系",
		"139-1234-5678":          "[已隐去]",
		"电话１３９１２３４５６７８":          "电话[已隐去]",
		"预算 2027 年 1200 万元":      "预算 2027 年 1200 万元",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBackoff(t *testing.T) {
	for n := 1; n < 20; n++ {
		d := Backoff(time.Second, 10*time.Minute, n)
		full := time.Second << (n - 1)
		if full > 10*time.Minute || full <= 0 {
			full = 10 * time.Minute
		}
		if d < full/2 || d > full {
			t.Fatalf("backoff %d: %s outside [%s, %s]", n, d, full/2, full)
		}
	}
}

// TestRejectedKeptAside: what the hub rejects leaves the queue, is not sent
// again, and is shown with why in the sync status, while the rest of the
// batch counts as delivered; once the item changes and the hub takes it, it
// is no longer shown. The point's own topics travel with their summaries,
// and summaries name the database's instance.
func TestRejectedKeptAside(t *testing.T) {
	d, h, sy := setup(t)
	ctx := context.Background()
	respond(t, d, "一条会被拒收的意见")
	var rejectedID string
	h.reject = func(b syncproto.Batch) []syncproto.Rejection {
		if rejectedID != "" || len(b.Opinions) == 0 {
			return nil
		}
		rejectedID = b.Opinions[0].ID
		return []syncproto.Rejection{{Kind: syncproto.KindOpinion, ID: rejectedID, Code: models.EConflict, Message: "这个编号已属于另一个联系点 / belongs to another point"}}
	}
	if err := sy.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := sy.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.QueueLength != 0 || len(st.Rejected) != 1 || st.Rejected[0].RefID != rejectedID || st.Rejected[0].Code != models.EConflict {
		t.Fatalf("after a rejection: queue %d, rejected %+v", st.QueueLength, st.Rejected)
	}
	h.mu.Lock()
	first := h.batches[0]
	sent := len(h.batches)
	h.mu.Unlock()
	if len(first.Topics) != 1 || first.Topics[0].ID != "t1" || first.Topics[0].Title != "t1" {
		t.Errorf("the point's own topic did not travel with its summary: %+v", first.Topics)
	}
	inst, err := d.Instance(ctx)
	if err != nil || len(first.Summaries) == 0 || first.Summaries[0].Instance != inst {
		t.Errorf("summaries name instance %q, want %q (%v)", first.Summaries[0].Instance, inst, err)
	}
	if err := sy.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	if len(h.batches) != sent {
		t.Errorf("the rejected opinion was sent again: %d batches, want %d", len(h.batches), sent)
	}
	h.mu.Unlock()
	// Changed and taken: no longer shown.
	var o models.Opinion
	p, err := d.Opinions(ctx, models.OpinionFilter{Limit: 10})
	if err != nil || len(p.Items) != 1 {
		t.Fatalf("opinions %+v %v", p.Items, err)
	}
	o = p.Items[0]
	if _, err := d.CorrectResponse(ctx, o.ResponseID, map[string]json.RawMessage{"overall": json.RawMessage(`"a"`), "advice": json.RawMessage(`"改过的意见"`)}, "错字"); err != nil {
		t.Fatal(err)
	}
	if err := sy.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if st, err := sy.Status(ctx); err != nil || len(st.Rejected) != 0 {
		t.Fatalf("after the hub took it: rejected %+v (%v)", st.Rejected, err)
	}
}
