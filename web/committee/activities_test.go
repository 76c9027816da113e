package committee

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"budgetpoint/hub"
	"budgetpoint/models"
	"budgetpoint/syncproto"

	"budgetpoint/web/internal/webtest"
)

// hubActivity is an activity of the test topic as a point sends it.
func hubActivity(kind, title, heldOn, location string, p models.Participants) models.Activity {
	return models.Activity{ID: uuid.NewString(), Kind: kind, TopicID: hubTopic, Title: title, HeldOn: heldOn, Location: location,
		Participants: p, Opinions: []models.Opinion{}, CreatedAt: time.Now().Truncate(time.Second)}
}

// pushActivities sends activities (and opinions) from a point over the
// signed sync, as the point's syncer does.
func (hs *hubSite) pushActivities(t *testing.T, point string, acts []models.Activity, ops ...models.Opinion) {
	t.Helper()
	secret := ""
	for _, p := range hubPointsForTest {
		if p.ID == point {
			secret = p.Secret
		}
	}
	if ops == nil {
		ops = []models.Opinion{}
	}
	b := syncproto.Batch{BatchID: uuid.NewString(), PointID: point, Summaries: []models.Summary{}, Activities: acts, Opinions: ops}
	body, _ := json.Marshal(b)
	req, _ := http.NewRequest("POST", hs.URL+syncproto.PathBatches, bytes.NewReader(body))
	syncproto.SignRequest(req, point, secret, body, time.Now())
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if out := webtest.ReadAll(t, res); res.StatusCode != 200 {
		t.Fatalf("push from %s: %d %s", point, res.StatusCode, out)
	}
}

func TestHubTopicPageListsActivities(t *testing.T) {
	hs := newHubSite(t)
	hs.ingest(t, "hongta", 1, 3)
	forum := hubActivity("forum", "2027年预算草案座谈会", "2026-11-18", "研和街道人大工委会议室", models.Participants{Deputies: 7, Public: 15, Other: 2})
	visit := hubActivity("field_research", "乡村道路项目实地调研", "2026-11-25", "九龙街道", models.Participants{Deputies: 3})
	op := hubOpinion(1, "建议加大乡村道路投入")
	op.ActivityID = forum.ID
	hs.pushActivities(t, "hongta", []models.Activity{forum}, op)
	hs.pushActivities(t, "yimen", []models.Activity{visit})
	// Another topic's activity stays off this topic's page.
	elsewhere := hubActivity("written", "决算书面征求意见", "2026-12-01", "", models.Participants{})
	elsewhere.TopicID = "t-2026-final-accounts"
	hs.pushActivities(t, "tonghai", []models.Activity{elsewhere})

	c := hs.Login(t, "committee")
	body := hs.Get(t, c, "/hub/topics/"+hubTopic, http.StatusOK)
	webtest.MustContain(t, body, `id="activities-h"`, "活动", "此事项的活动",
		"2027年预算草案座谈会", "2026-11-18", "研和街道人大工委会议室", "座谈会", "人大代表 7，群众 15，其他 2",
		"乡村道路项目实地调研", "实地调研", "2026-11-25", "易门县人大常委会", "红塔区人大常委会",
		// a link per point to its activities, in the section and in the point's own card
		`href="/hub/topics/`+hubTopic+`?point=hongta#activities"`, `href="/hub/topics/`+hubTopic+`?point=yimen#activities"`,
		"红塔区人大常委会（1 次）", "查看该联系点的活动（1 次）")
	if strings.Contains(body, "决算书面征求意见") {
		t.Error("another topic's activity is listed")
	}
	// Newest first: the visit of 11-25 before the forum of 11-18.
	if i, j := strings.Index(body, "乡村道路项目实地调研"), strings.Index(body, "2027年预算草案座谈会"); i < 0 || j < 0 || i > j {
		t.Error("activities are not listed newest first")
	}

	// One point's activities only.
	body = hs.Get(t, c, "/hub/topics/"+hubTopic+"?point=yimen", http.StatusOK)
	webtest.MustContain(t, body, "只显示 易门县人大常委会 的活动", "乡村道路项目实地调研", "显示所有联系点的活动")
	if strings.Contains(body, "研和街道人大工委会议室") {
		t.Error("?point=yimen lists hongta's forum")
	}
	body = hs.Get(t, c, "/hub/topics/"+hubTopic+"?point=tonghai", http.StatusOK)
	webtest.MustContain(t, body, "通海县人大常委会 还没有报送这个事项的活动。")

	// In English.
	req, _ := http.NewRequest("GET", hs.URL+"/hub/topics/"+hubTopic, nil)
	req.Header.Set("Accept-Language", "en")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	webtest.MustContain(t, webtest.ReadAll(t, res), "Activities on this topic", "forum", "field research", "deputies 7, public 15, other 2", "Activities by point",
		"Hongta District People&#39;s Congress Standing Committee") // the points file's name_en

	// The API the page is built on.
	var page struct {
		Items []hub.HubActivity `json:"items"`
	}
	res, err = c.Get(hs.URL + "/api/v1/committee/activities?topic=" + hubTopic + "&point=hongta")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(webtest.ReadAll(t, res)), &page); err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 || page.Items[0].ID != forum.ID || page.Items[0].PointID != "hongta" || page.Items[0].OpinionCount != 1 {
		t.Fatalf("API: %+v", page.Items)
	}
}

func TestHubTopicPageWithoutActivities(t *testing.T) {
	hs := newHubSite(t)
	hs.ingest(t, "hongta", 1, 3)
	body := hs.Get(t, hs.Login(t, "committee"), "/hub/topics/"+hubTopic, http.StatusOK)
	webtest.MustContain(t, body, "还没有联系点报送这个事项的活动。")
	if strings.Contains(body, "查看该联系点的活动") {
		t.Error("a point without activities links to its activities")
	}
}
