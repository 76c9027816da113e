package hub_test

import (
	"bytes"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	"budgetpoint/db"
	"budgetpoint/hub"
	"budgetpoint/internal/testutil"
	"budgetpoint/models"
	"budgetpoint/syncproto"
)

var testPoints = testutil.HubPoints

func secretOf(id string) string { return testutil.SecretOf(id) }

// env is a hub on a real SQLite file behind the real router over HTTP
// (testutil.NewHub), with a committee login's bearer token.
type env struct {
	t     *testing.T
	h     *hub.Hub
	d     *db.DB
	dir   string
	srv   *testutil.Server
	token string // a committee user's bearer token
	he    *testutil.HubEnv
}

func newEnv(t testing.TB) *env {
	t.Helper()
	he := testutil.NewHub(t)
	e := &env{h: he.Hub, d: he.DB, dir: he.Dir, srv: he.HTTP, token: he.User(t, "committee1", "committee"), he: he}
	if tt, ok := t.(*testing.T); ok {
		e.t = tt
	}
	return e
}

// signed sends a signed sync request as point with the given secret and time.
func (e *env) signed(t testing.TB, method, path, query, point, secret string, body []byte, at time.Time) (int, []byte) {
	t.Helper()
	u := e.srv.URL + path
	if query != "" {
		u += "?" + query
	}
	req, _ := http.NewRequest(method, u, bytes.NewReader(body))
	syncproto.SignRequest(req, point, secret, body, at)
	return do(t, req)
}

func do(t testing.TB, req *http.Request) (int, []byte) {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// push sends a batch from its point, signed correctly, and wants 200.
func (e *env) push(t testing.TB, b syncproto.Batch) syncproto.BatchAck {
	t.Helper()
	body, _ := json.Marshal(b)
	st, out := e.signed(t, "POST", syncproto.PathBatches, "", b.PointID, secretOf(b.PointID), body, time.Now())
	if st != 200 {
		t.Fatalf("push: %d %s", st, out)
	}
	var ack syncproto.BatchAck
	if err := json.Unmarshal(out, &ack); err != nil {
		t.Fatal(err)
	}
	return ack
}

// api calls the committee API with the bearer token.
func (e *env) api(t testing.TB, method, path string, body any) (int, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, r)
	req.Header.Set("Authorization", "Bearer "+e.token)
	req.Header.Set("Content-Type", "application/json")
	return do(t, req)
}

func (e *env) apiJSON(t testing.TB, method, path string, body any, want int, out any) {
	t.Helper()
	st, b := e.api(t, method, path, body)
	if st != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, st, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
}

// count returns the rows of a hub table.
func (e *env) count(t testing.TB, table string) int {
	t.Helper()
	return testutil.CountOf(t, e.d, table)
}

const topicID = "t-2027-budget-draft"

func f64(v float64) *float64 { return &v }

// testDef is a questionnaire with every question type.
func testDef() *models.Definition {
	return &models.Definition{ID: "q-2027", TopicID: topicID, Title: "2027年预算草案问卷", Questions: []models.Question{
		{Key: "overall", Type: models.SingleChoice, Label: "总体评价", Options: []models.Option{{Value: "satisfied", Label: "满意"}, {Value: "basic", Label: "基本满意"}, {Value: "unsatisfied", Label: "不满意"}}},
		{Key: "priorities", Type: models.MultipleChoice, Label: "优先保障", Options: []models.Option{{Value: "education", Label: "教育"}, {Value: "health", Label: "医疗卫生"}, {Value: "transport", Label: "交通"}}},
		{Key: "transparency", Type: models.Rating, Label: "公开透明程度", Min: f64(1), Max: f64(5)},
		{Key: "amount", Type: models.Number, Label: "金额", Min: f64(-1000), Max: f64(100000)},
		{Key: "advice", Type: models.Text, Label: "其他意见", Opinion: true},
	}}
}

// raw keeps the raw answers a point collected, for independent checks.
type raw struct {
	ratings []int
	amounts []int64 // thousandths
}

// pointData simulates n responses, acts activities and ops opinions at a point:
// it returns the point's summary (as the point computes it) and the deltas.
func pointData(rng *rand.Rand, point string, seq int64, n, acts, ops int, r *raw) (models.Summary, []models.Delta) {
	def := testDef()
	var ds []models.Delta
	kinds, chans := models.RespondentKinds, models.Channels
	for i := 0; i < n; i++ {
		a := models.Answers{}
		if rng.IntN(10) > 0 {
			a["overall"] = models.Answer{Choice: def.Questions[0].Options[rng.IntN(3)].Value}
		}
		if rng.IntN(3) > 0 {
			var cs []string
			for _, o := range def.Questions[1].Options {
				if rng.IntN(2) == 0 {
					cs = append(cs, o.Value)
				}
			}
			if len(cs) > 0 {
				a["priorities"] = models.Answer{Choices: cs}
			}
		}
		if rng.IntN(5) > 0 {
			v := 1 + rng.IntN(5)
			a["transparency"] = models.Answer{Int: v}
			r.ratings = append(r.ratings, v)
		}
		if rng.IntN(2) == 0 {
			m := rng.Int64N(101_000_000) - 1_000_000
			a["amount"] = models.Answer{Milli: m}
			r.amounts = append(r.amounts, m)
		}
		ds = append(ds, models.ResponseDeltas(def, kinds[rng.IntN(len(kinds))], chans[rng.IntN(len(chans))], a)...)
	}
	for i := 0; i < acts; i++ {
		ds = append(ds, models.ActivityDeltas(models.ActivityKinds[rng.IntN(3)], models.Participants{Deputies: rng.Int64N(20), Public: rng.Int64N(50), Other: rng.Int64N(5)})...)
	}
	for i := 0; i < ops; i++ {
		ds = append(ds, models.OpinionDeltas(models.OpinionSources[rng.IntN(len(models.OpinionSources))])...)
	}
	c := models.Counters{}
	c.Apply(ds)
	s := models.BuildSummary(topicID, point, seq, time.Now().Truncate(time.Second), c, [][]*models.Definition{{def}})
	return s, ds
}

func opinion(topic string, i int) models.Opinion {
	return models.Opinion{ID: uuid.NewString(), TopicID: topic, Source: "forum", ActivityID: "a-" + strconv.Itoa(i),
		Content: "建议加大对乡村道路硬化的投入 " + strconv.Itoa(i), Proposer: models.Proposer{Kind: "deputy", Name: "张三", Level: "county"},
		Status: "reported", RecordedAt: time.Now().Truncate(time.Second)}
}

func batch(point string, sums []models.Summary, ops []models.Opinion) syncproto.Batch {
	return syncproto.Batch{BatchID: uuid.NewString(), PointID: point, Summaries: sums, Activities: []models.Activity{}, Opinions: ops}
}
