package committee

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"budgetpoint/db"
	"budgetpoint/demo"
	"budgetpoint/handlers"
	"budgetpoint/hub"
	"budgetpoint/internal/testutil"
	"budgetpoint/models"
	"budgetpoint/syncproto"
	"budgetpoint/web"
	"budgetpoint/web/internal/webtest"
)

// hubPointsForTest are the points of the test hub.
var hubPointsForTest = testutil.HubPoints

// hubSite is a real hub (SQLite file, the real router with the hub's API
// and the committee's pages) behind an httptest server; webtest.Site gives
// its clients (Client, Login, Get, Post).
type hubSite struct {
	*webtest.Site
	Env *testutil.HubEnv
	DB  *db.DB
	H   *hub.Hub
}

func newHubSite(t *testing.T) *hubSite {
	t.Helper()
	he := testutil.NewHub(t, func(r *gin.Engine, s *handlers.Server, h *hub.Hub) {
		p, err := New(s, h)
		if err != nil {
			t.Fatal(err)
		}
		p.Routes(r)
	})
	ctx := context.Background()
	for name, role := range map[string]string{"committee": "committee", "admin": "admin"} {
		if _, err := he.DB.CreateUser(ctx, name, role, demo.DemoPassword, ""); err != nil {
			t.Fatal(err)
		}
	}
	return &hubSite{Site: &webtest.Site{URL: he.URL, Password: demo.DemoPassword}, Env: he, DB: he.DB, H: he.Hub}
}

// newPointSite is a contact point with its pages (package web), the same
// fixture as web's own tests (webtest.NewPoint), for the tests that sync a
// point with the hub.
func newPointSite(t *testing.T) *webtest.Point {
	t.Helper()
	return webtest.NewPoint(t, web.BodyLimits(), func(s *handlers.Server, r *gin.Engine) error {
		a, err := web.New(s, nil)
		if err != nil {
			return err
		}
		a.Routes(r)
		return nil
	})
}

// english makes the client ask for English pages (the remembered language switch).
func (hs *hubSite) english(t *testing.T, c *http.Client) { hs.English(t, c, web.LangCookie) }

// hubCSRF reads the session's CSRF token from the publish page.
func (hs *hubSite) hubCSRF(t *testing.T, c *http.Client) string {
	t.Helper()
	m := webtest.CSRFRe.FindStringSubmatch(hs.Get(t, c, "/hub/publish", http.StatusOK))
	if m == nil {
		t.Fatal("no csrf token on the publish page")
	}
	return m[1]
}

const hubTopic = "t-2027-budget-draft"

func ptrF(v float64) *float64 { return &v }

// hubDef is a questionnaire with a choice, a rating, a number and a text question.
func hubDef() *models.Definition {
	return &models.Definition{ID: "q-2027", TopicID: hubTopic, Title: "2027年预算草案问卷", Questions: []models.Question{
		{Key: "overall", Type: models.SingleChoice, Label: "总体评价", Options: []models.Option{{Value: "satisfied", Label: "满意"}, {Value: "basic", Label: "基本满意"}, {Value: "unsatisfied", Label: "不满意"}}},
		{Key: "transparency", Type: models.Rating, Label: "公开透明程度", Min: ptrF(1), Max: ptrF(5)},
		{Key: "amount", Type: models.Number, Label: "金额", Min: ptrF(0), Max: ptrF(100000)},
		{Key: "advice", Type: models.Text, Label: "其他意见", Opinion: true},
	}}
}

// ingest delivers a batch from a point as the sync would: n responses
// (answers cycling through the options), and the opinions given.
func (hs *hubSite) ingest(t *testing.T, point string, seq int64, n int, ops ...models.Opinion) {
	t.Helper()
	hs.ingestDef(t, hubDef(), point, seq, n, ops...)
}

// ingestDef is ingest with another questionnaire (of hubTopic, with hubDef's
// kinds of questions in the same order).
func (hs *hubSite) ingestDef(t *testing.T, def *models.Definition, point string, seq int64, n int, ops ...models.Opinion) {
	t.Helper()
	var ds []models.Delta
	for i := 0; i < n; i++ {
		a := models.Answers{
			"overall":      models.Answer{Choice: def.Questions[0].Options[i%3].Value},
			"transparency": models.Answer{Int: 1 + i%5},
			"amount":       models.Answer{Milli: int64(i) * 1000},
		}
		ch := "online"
		if i%2 == 1 {
			ch = "paper"
		}
		ds = append(ds, models.ResponseDeltas(def, "deputy", ch, a)...)
	}
	for range ops {
		ds = append(ds, models.OpinionDeltas("forum")...)
	}
	c := models.Counters{}
	c.Apply(ds)
	s := models.BuildSummary(hubTopic, point, seq, time.Now().Truncate(time.Second), c, [][]*models.Definition{{def}})
	b := &syncproto.Batch{BatchID: uuid.NewString(), PointID: point, Summaries: []models.Summary{s}, Activities: []models.Activity{}, Opinions: ops}
	if _, err := hs.H.Ingest(context.Background(), point, b); err != nil {
		t.Fatal(err)
	}
}

func hubOpinion(i int, content string) models.Opinion {
	return models.Opinion{ID: uuid.NewString(), TopicID: hubTopic, Source: "forum", ActivityID: "a-" + strconv.Itoa(i),
		Content: content, Proposer: models.Proposer{Kind: "deputy", Name: "张三", Level: "county"},
		Status: "reported", RecordedAt: time.Now().Truncate(time.Second)}
}
