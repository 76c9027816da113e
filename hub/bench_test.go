package hub_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"

	"budgetpoint/models"
	"budgetpoint/syncproto"
)

// BenchmarkIngest measures the hub taking one signed batch of 50 summaries
// and 500 opinions (new ids each time) through the real router: read,
// verify, decode, store in one durable (synchronous=FULL) transaction.
// Target: ≤ 50 ms per batch on a 2-core machine.
func BenchmarkIngest(b *testing.B) {
	e := newEnv(b)
	rng := rand.New(rand.NewPCG(11, 12))
	base, _ := pointData(rng, "hongta", 1, 200, 3, 10, &raw{})
	h := e.srv.Handler
	var size int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		bt := syncproto.Batch{BatchID: uuid.NewString(), PointID: "hongta", Activities: []models.Activity{}}
		for j := 0; j < 50; j++ {
			s := base
			s.TopicID = fmt.Sprintf("t-bench-%02d", j)
			s.Seq = int64(i + 2)
			bt.Summaries = append(bt.Summaries, s)
		}
		for j := 0; j < 500; j++ {
			bt.Opinions = append(bt.Opinions, opinion("t-bench-00", j))
		}
		body, _ := json.Marshal(bt)
		size = len(body)
		req := httptest.NewRequest("POST", syncproto.PathBatches, bytes.NewReader(body))
		syncproto.SignRequest(req, "hongta", secretOf("hongta"), body, time.Now())
		w := httptest.NewRecorder()
		b.StartTimer()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
	}
	b.ReportMetric(float64(size), "batch-bytes")
}
