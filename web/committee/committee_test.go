package committee

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"budgetpoint/db"
	"budgetpoint/hub"
	"budgetpoint/models"
	"budgetpoint/syncproto"
	"budgetpoint/web"

	"budgetpoint/web/internal/webtest"
)

func TestHubPagesRenderForCommittee(t *testing.T) {
	hs := newHubSite(t)
	hs.ingest(t, "hongta", 1, 6, hubOpinion(1, "建议加大乡村道路投入"))
	hs.ingest(t, "tonghai", 1, 3)
	c := hs.Login(t, "committee")

	body := hs.Get(t, c, "/", http.StatusOK)
	webtest.MustContain(t, body, "六个联系点一览", "玉溪市人大常委会预算工作委员会", "红塔区人大常委会", "通海县人大常委会",
		"事项汇总", "意见建议办理", "发布事项与问卷", "导出Excel", `aria-current="page"`)
	// yimen never synced: marked in words, not only by colour.
	if !strings.Contains(body, `id="point-yimen" class="silent"`) || !strings.Contains(body, "从未联系") {
		t.Errorf("the silent point is not marked:\n%s", webtest.Truncate(body))
	}
	if strings.Contains(body, `id="point-hongta" class="silent"`) {
		t.Error("hongta synced just now but is marked silent")
	}
	// The point's navigation must not appear at the hub.
	if strings.Contains(body, `href="/paper"`) || strings.Contains(body, "预算工作基层联系点 · 玉溪") {
		t.Error("the hub page shows the point's navigation or footer")
	}

	body = hs.Get(t, c, "/hub/topics/"+hubTopic, http.StatusOK)
	webtest.MustContain(t, body, "各联系点合计", "各联系点情况", "<svg class=\"chart\"", "总体评价", "红塔区人大常委会：各题回答", "通海县人大常委会：各题回答")
	// 9 responses in all: 3 of each option; hongta alone has 2 of each.
	webtest.MustContain(t, body, `<span class="big">9</span>`, `<span class="big">6</span>`, `<span class="big">3</span>`)

	for path, want := range map[string]string{
		"/hub/topics":   hubTopic,
		"/hub/opinions": "建议加大乡村道路投入",
		"/hub/publish":  "发布征求意见事项",
		"/hub/export":   "/api/v1/committee/topics/" + hubTopic + "/export.xlsx",
		"/questionnaires/new?to=some&points=hongta": "发布问卷（发往：红塔区人大常委会）",
	} {
		webtest.MustContain(t, hs.Get(t, c, path, http.StatusOK), want)
	}

	// The export link works with the page's session.
	res, err := c.Get(hs.URL + "/api/v1/committee/topics/" + hubTopic + "/export.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	webtest.CloseBody(t, res)
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Type"), "spreadsheetml") {
		t.Errorf("export: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	// The page's download script names the file from filename* (not export.xlsx).
	if cd := res.Header.Get("Content-Disposition"); !strings.Contains(cd, "filename*=UTF-8''topic-"+hubTopic+"-") {
		t.Errorf("export named by %q, want filename* with the topic", cd)
	}

	// English on request.
	req, _ := http.NewRequest("GET", hs.URL+"/", nil)
	req.Header.Set("Accept-Language", "en-GB,en;q=0.9")
	res, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b := webtest.ReadAll(t, res)
	webtest.MustContain(t, b, "The six contact points at a glance", "never in contact", "<span class=\"point\">Budget Work Committee, Yuxi Municipal People&#39;s Congress</span>",
		// The points file's English names, and the Chinese one where it has none.
		"Hongta District People&#39;s Congress Standing Committee", "Tonghai County People&#39;s Congress Standing Committee", "易门县人大常委会")
	if strings.Contains(b, "红塔区人大常委会") {
		t.Error("the English page shows hongta's Chinese name")
	}
}

// The committee's name is the hub's setting committee_name (committee_name_en
// in English), with the default until one is set.
func TestHubCommitteeNameFromSettings(t *testing.T) {
	hs := newHubSite(t)
	ctx := context.Background()
	c := hs.Login(t, "committee")
	webtest.MustContain(t, hs.Get(t, c, "/", http.StatusOK), "<span class=\"point\">"+DefaultName+"</span>", "<p>"+DefaultName+"</p>")
	if err := hs.DB.SetSetting(ctx, "committee_name", "某市人大常委会预算工作委员会"); err != nil {
		t.Fatal(err)
	}
	body := hs.Get(t, c, "/", http.StatusOK)
	webtest.MustContain(t, body, "<title>六个联系点一览 · 某市人大常委会预算工作委员会</title>", "<span class=\"point\">某市人大常委会预算工作委员会</span>")
	if strings.Contains(body, DefaultName) {
		t.Error("the default name shows beside the setting")
	}
	// In English: a Chinese name alone shows there too, until an English one is set.
	hs.english(t, c)
	webtest.MustContain(t, hs.Get(t, c, "/", http.StatusOK), "<span class=\"point\">某市人大常委会预算工作委员会</span>")
	if err := hs.DB.SetSetting(ctx, "committee_name_en", "Budget Work Committee of Some City"); err != nil {
		t.Fatal(err)
	}
	webtest.MustContain(t, hs.Get(t, c, "/", http.StatusOK), "<span class=\"point\">Budget Work Committee of Some City</span>")
}

func TestHubPointSilentForMoreThanADay(t *testing.T) {
	hs := newHubSite(t)
	hs.ingest(t, "tonghai", 1, 1)
	// hongta's last batch arrived 25 hours ago.
	hs.ingest(t, "hongta", 1, 1)
	hs.Env.ReceivedAt(t, "hongta", time.Now().Add(-25*time.Hour))
	c := hs.Login(t, "committee")
	body := hs.Get(t, c, "/", http.StatusOK)
	if strings.Contains(body, `id="point-tonghai" class="silent"`) {
		t.Error("a point that synced just now is marked silent")
	}
	if !strings.Contains(body, `id="point-hongta" class="silent"`) || !strings.Contains(body, "超过一天未联系") || !strings.Contains(body, "25 小时前") {
		t.Errorf("a point silent for 25 hours is not marked:\n%s", webtest.Truncate(body))
	}
	webtest.MustContain(t, body, "有 2 个联系点超过一天没有联系或从未联系")

	// A quiet point that pulls, with nothing to push, is in contact.
	if err := hs.H.Store.RecordContact(context.Background(), "hongta", true); err != nil {
		t.Fatal(err)
	}
	body = hs.Get(t, c, "/", http.StatusOK)
	if strings.Contains(body, `id="point-hongta" class="silent"`) {
		t.Error("a point that pulled just now is marked silent because its last batch is 25 hours old")
	}
	webtest.MustContain(t, body, "有 1 个联系点超过一天没有联系或从未联系", "25 小时前")
	var pts struct{ Items []hub.PointStatus }
	hs.Env.Do(t, "GET", "/api/v1/committee/points", hs.Env.User(t, "committee2", "committee"), nil).Want(t, 200, "points").JSON(t, &pts)
	for _, p := range pts.Items {
		if p.ID == "hongta" && (p.LastContactAt == nil || p.LastPullAt == nil || p.LastContactAgeSec == nil || *p.LastContactAgeSec > 60 || *p.LastBatchAgeSec < 24*3600) {
			t.Errorf("hongta in the points API: %+v", p)
		}
	}
}

func TestHubPagesRefuseOthers(t *testing.T) {
	hs := newHubSite(t)
	c := hs.Client(t)
	for _, p := range []string{"/", "/hub/topics", "/hub/opinions", "/hub/publish", "/hub/export", "/questionnaires/new",
		"/hub/units", "/hub/supervision", "/hub/supervision.xlsx", "/hub/stats", "/hub/opinions/x"} {
		res, err := c.Get(hs.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		webtest.CloseBody(t, res)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login?next=") {
			t.Errorf("GET %s signed out: %d %s, want a redirect to /login", p, res.StatusCode, res.Header.Get("Location"))
		}
	}
	// A point role cannot sign in at the hub…
	ctx := context.Background()
	u, err := hs.DB.CreateUser(ctx, "staff1", "staff", "Point-role-2026", "")
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"name": {"staff1"}, "password": {"Point-role-2026"}}
	lc := hs.Client(t)
	m := webtest.CSRFRe.FindStringSubmatch(hs.Get(t, lc, "/login", http.StatusOK))
	form.Set("csrf", m[1])
	_, body := hs.Post(t, lc, "/login", form, http.StatusForbidden)
	webtest.MustContain(t, body, "此账号不能在这里登录")
	// …and its token gets the 403 page.
	tok, _, _, err := hs.DB.CreateToken(ctx, u.ID, db.TokenAPI)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", hs.URL+"/hub/opinions", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if b := webtest.ReadAll(t, res); res.StatusCode != http.StatusForbidden || !strings.Contains(b, "无权查看") {
		t.Errorf("staff token: %d, want the 403 page", res.StatusCode)
	}
	// The admin of the hub may.
	a := hs.Login(t, "admin")
	hs.Get(t, a, "/hub/opinions", http.StatusOK)
	// Sign out ends the session.
	tokn := hs.hubCSRF(t, a)
	res2, _ := hs.Post(t, a, "/logout", url.Values{"csrf": {tokn}}, http.StatusSeeOther)
	if res2.Header.Get("Location") != "/login" {
		t.Errorf("logout goes to %s", res2.Header.Get("Location"))
	}
	res, _ = a.Get(hs.URL + "/hub/opinions")
	webtest.CloseBody(t, res)
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("after logout: %d, want a redirect to sign in", res.StatusCode)
	}
}

func TestHubCSRFEnforced(t *testing.T) {
	hs := newHubSite(t)
	op := hubOpinion(1, "建议公开三公经费")
	hs.ingest(t, "hongta", 1, 1, op)
	c := hs.Login(t, "committee")
	for name, form := range map[string]url.Values{
		"no token":    {"op": {"forward"}},
		"wrong token": {"op": {"forward"}, "csrf": {"not-the-token"}},
	} {
		_, body := hs.Post(t, c, "/hub/opinions/"+op.ID, form, http.StatusForbidden)
		webtest.MustContain(t, body, "页面已过期")
		if o, _ := hs.H.Opinion(context.Background(), op.ID); o.Status != "reported" {
			t.Fatalf("%s: status moved to %s", name, o.Status)
		}
	}
	_, body := hs.Post(t, c, "/hub/publish/topic", url.Values{"kind": {"other"}, "fiscal_year": {"2027"}, "title": {"无令牌"}}, http.StatusForbidden)
	webtest.MustContain(t, body, "页面已过期")
	hs.Post(t, c, "/hub/opinions/"+op.ID, url.Values{"op": {"forward"}, "csrf": {hs.hubCSRF(t, c)}}, http.StatusSeeOther)
	if o, _ := hs.H.Opinion(context.Background(), op.ID); o.Status != "forwarded" {
		t.Fatalf("with the token: status %s, want forwarded", o.Status)
	}
}

func TestHubOpinionWorkbench(t *testing.T) {
	hs := newHubSite(t)
	ctx := context.Background()
	a, b := hubOpinion(1, "建议加大教育投入"), hubOpinion(2, "建议压减一般性支出")
	hs.ingest(t, "hongta", 1, 1, a)
	hs.ingest(t, "tonghai", 1, 1, b)
	c := hs.Login(t, "committee")
	tok := hs.hubCSRF(t, c)

	// Filters.
	body := hs.Get(t, c, "/hub/opinions?point=tonghai", http.StatusOK)
	if !strings.Contains(body, "建议压减一般性支出") || strings.Contains(body, "建议加大教育投入") {
		t.Error("point filter does not filter")
	}
	body = hs.Get(t, c, "/hub/opinions?status=answered", http.StatusOK)
	webtest.MustContain(t, body, "没有符合条件的意见建议")
	body = hs.Get(t, c, "/hub/opinions?source=forum&topic="+hubTopic, http.StatusOK)
	webtest.MustContain(t, body, "建议压减一般性支出", "建议加大教育投入")

	move := func(form url.Values, want int) string {
		t.Helper()
		form.Set("csrf", tok)
		form.Set("back", "point=hongta")
		res, body := hs.Post(t, c, "/hub/opinions/"+a.ID, form, want)
		if want == http.StatusSeeOther && !strings.HasPrefix(res.Header.Get("Location"), "/hub/opinions?point=hongta#op-") {
			t.Errorf("redirect to %s", res.Header.Get("Location"))
		}
		return body
	}
	status := func() models.Opinion {
		o, err := hs.H.Opinion(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	// Closing before an answer is impossible, and said so.
	body = move(url.Values{"op": {"close"}, "evaluation": {"satisfied"}}, http.StatusUnprocessableEntity)
	webtest.MustContain(t, body, "这条意见现在是“已报送”，不能办结：请先答复", `id="err-`+a.ID+`"`)
	// An empty answer is refused beside the field.
	body = move(url.Values{"op": {"answer"}, "answer": {"  "}}, http.StatusUnprocessableEntity)
	webtest.MustContain(t, body, "请填写答复内容", `aria-invalid="true" aria-describedby="err-`+a.ID+`"`)
	if status().Status != "reported" {
		t.Fatal("a refused move changed the opinion")
	}
	move(url.Values{"op": {"forward"}}, http.StatusSeeOther)
	body = move(url.Values{"op": {"forward"}}, http.StatusUnprocessableEntity)
	webtest.MustContain(t, body, "不能交办：它已经交办过了")
	move(url.Values{"op": {"answer"}, "answer": {"已纳入2027年预算安排"}}, http.StatusSeeOther)
	if o := status(); o.Status != "answered" || o.Answer != "已纳入2027年预算安排" {
		t.Fatalf("after answering: %+v", o)
	}
	body = hs.Get(t, c, "/hub/opinions?point=hongta", http.StatusOK)
	webtest.MustContain(t, body, "已答复", "已纳入2027年预算安排", "修改答复", "满意", "基本满意", "不满意", "办结")
	// Closing needs the proposer's evaluation.
	body = move(url.Values{"op": {"close"}}, http.StatusUnprocessableEntity)
	webtest.MustContain(t, body, "请选择提出人的评价")
	// The message belongs to the evaluation choices, not to the answer box.
	if !regexp.MustCompile(`<fieldset aria-invalid="true" aria-describedby="err-[^"]+">\s*<legend>`).MatchString(body) ||
		regexp.MustCompile(`<textarea[^>]*aria-invalid`).MatchString(body) {
		t.Errorf("a failed close should mark the evaluation fieldset, not the answer box")
	}
	move(url.Values{"op": {"close"}, "evaluation": {"basic"}}, http.StatusSeeOther)
	if o := status(); o.Status != "closed" || o.Evaluation != "basic" {
		t.Fatalf("after closing: %+v", o)
	}
	body = hs.Get(t, c, "/hub/opinions?point=hongta", http.StatusOK)
	webtest.MustContain(t, body, "已办结", "基本满意", "已办结，不能再改动")
	body = move(url.Values{"op": {"answer"}, "answer": {"再改"}}, http.StatusUnprocessableEntity)
	webtest.MustContain(t, body, "已办结的意见不能再改动")

	// The answer flows down to its point, and only to it.
	u, err := hs.H.Updates(ctx, "hongta", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, o := range u.OpinionUpdates {
		if o.ID == a.ID && o.Status == "closed" && o.Answer == "已纳入2027年预算安排" {
			found = true
		}
	}
	if !found {
		t.Errorf("hongta's updates lack the answer: %+v", u.OpinionUpdates)
	}
	if u, _ := hs.H.Updates(ctx, "tonghai", 0, 100); len(u.OpinionUpdates) != 0 {
		t.Errorf("tonghai got another point's opinion: %+v", u.OpinionUpdates)
	}
}

func TestHubPublishTopicAndQuestionnaire(t *testing.T) {
	hs := newHubSite(t)
	ctx := context.Background()
	c := hs.Login(t, "committee")
	tok := hs.hubCSRF(t, c)
	topic := url.Values{"csrf": {tok}, "id": {"t-2028-assets"}, "kind": {"state_assets"}, "fiscal_year": {"2028"}, "title": {"2028年国有资产管理情况"}}

	// "Chosen points" with none chosen, and a missing title: both said beside their fields.
	bad := url.Values{}
	for k, v := range topic {
		bad[k] = v
	}
	bad.Set("title", "")
	bad.Set("to", "some")
	_, body := hs.Post(t, c, "/hub/publish/topic", bad, http.StatusUnprocessableEntity)
	webtest.MustContain(t, body, `id="err-title"`)
	webtest.MustContain(t, body, "请至少选择一个联系点")
	bad.Set("title", "x")
	_, body = hs.Post(t, c, "/hub/publish/topic", bad, http.StatusUnprocessableEntity)
	webtest.MustContain(t, body, "请至少选择一个联系点")
	// Points ticked while "all points" is chosen: asked, not guessed.
	bad.Set("to", "all")
	bad["points"] = []string{"tonghai"}
	_, body = hs.Post(t, c, "/hub/publish/topic", bad, http.StatusUnprocessableEntity)
	webtest.MustContain(t, body, "勾选了联系点")
	if u, _ := hs.H.Updates(ctx, "hongta", 0, 100); len(u.Topics) != 0 {
		t.Fatalf("a refused publication reached a point: %+v", u.Topics)
	}

	topic.Set("to", "some")
	topic["points"] = []string{"hongta", "yimen"}
	res, _ := hs.Post(t, c, "/hub/publish/topic", topic, http.StatusSeeOther)
	if res.Header.Get("Location") != "/hub/publish" {
		t.Errorf("after publishing: %s", res.Header.Get("Location"))
	}
	body = hs.Get(t, c, "/hub/publish", http.StatusOK)
	webtest.MustContain(t, body, "事项已发布，发往：红塔区人大常委会、易门县人大常委会", "2028年国有资产管理情况")
	has := func(point, kind, id string) bool {
		u, err := hs.H.Updates(ctx, point, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		if kind == "topic" {
			for _, x := range u.Topics {
				if x.ID == id {
					return true
				}
			}
		}
		for _, x := range u.Questionnaires {
			if x.ID == id {
				return true
			}
		}
		return false
	}
	if !has("hongta", "topic", "t-2028-assets") || !has("yimen", "topic", "t-2028-assets") || has("tonghai", "topic", "t-2028-assets") {
		t.Error("the topic did not go to exactly the chosen points")
	}

	// The questionnaire, with the point's builder: add a question, then save.
	path := "/questionnaires/new?topic=t-2028-assets&to=some&points=tonghai"
	q := url.Values{"csrf": {tok}, "id": {"q-2028-assets"}, "topic_id": {"t-2028-assets"}, "title": {"国有资产管理问卷"}, "n": {"1"},
		"q0_key": {"q1"}, "q0_type": {"single_choice"}, "q0_label": {"您对国有资产管理情况的评价"}, "q0_required": {"1"}, "q0_options": {"满意\n基本满意\n不满意"}}
	q.Set("op", "add")
	_, body = hs.Post(t, c, path, q, http.StatusOK)
	webtest.MustContain(t, body, "第 2 题", "发往：通海县人大常委会")
	q.Set("op", "save")
	res, _ = hs.Post(t, c, path, q, http.StatusSeeOther)
	if res.Header.Get("Location") != "/hub/publish" {
		t.Fatalf("after saving: %s", res.Header.Get("Location"))
	}
	body = hs.Get(t, c, "/hub/publish", http.StatusOK)
	webtest.MustContain(t, body, "问卷第 1 版已发布，发往：通海县人大常委会", "国有资产管理问卷")
	if !has("tonghai", "questionnaire", "q-2028-assets") || has("hongta", "questionnaire", "q-2028-assets") {
		t.Error("the questionnaire did not go to exactly the chosen point")
	}
	// An invalid definition comes back to the builder with the field named.
	q.Set("q0_options", "")
	q.Set("id", "q-2028-bad")
	_, body = hs.Post(t, c, path, q, http.StatusUnprocessableEntity)
	webtest.MustContain(t, body, `aria-invalid="true" aria-describedby="err-q0_options"`)
	// The next version of the published one, to all points.
	edit := url.Values{"csrf": {tok}, "topic_id": {"t-2028-assets"}, "title": {"国有资产管理问卷（修订）"}, "n": {"1"}, "op": {"save"},
		"q0_key": {"q1"}, "q0_type": {"single_choice"}, "q0_label": {"您对国有资产管理情况的评价"}, "q0_options": {"满意\n基本满意\n不满意"},
		"q0_ovals": {`[{"value":"o1","label":"满意"},{"value":"o2","label":"基本满意"},{"value":"o3","label":"不满意"}]`}}
	hs.Post(t, c, "/questionnaires/q-2028-assets/edit", edit, http.StatusSeeOther)
	webtest.MustContain(t, hs.Get(t, c, "/hub/publish", http.StatusOK), "问卷第 2 版已发布，发往：全部联系点")
	if !has("hongta", "questionnaire", "q-2028-assets") {
		t.Error("version 2 did not go to every point")
	}
	webtest.MustContain(t, hs.Get(t, c, "/questionnaires/q-2028-assets/preview", http.StatusOK), "国有资产管理问卷（修订）", "您对国有资产管理情况的评价")
}

func TestNoOtherHosts(t *testing.T) {
	if n := webtest.NoOtherHosts(t, templateFS); n < 6 {
		t.Fatalf("scanned only %d files", n)
	}
	hs := newHubSite(t)
	hs.ingest(t, "hongta", 1, 3)
	body := hs.Get(t, hs.Login(t, "committee"), "/hub/topics/"+hubTopic, http.StatusOK)
	if m := webtest.OtherHostRe.FindString(body); m != "" {
		t.Errorf("the summary page refers to another host: %s", m)
	}
}

// Every key the committee's templates and code write out has words, each
// message is in two halves, and no word is the foundation's and its own.
func TestCatalogue(t *testing.T) {
	p, err := New(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	known := func(k string) bool { return p.Translate(web.LangZH, k) != k }
	if n := webtest.UnknownWords(t, known, webtest.FilesIn{FS: templateFS, Pattern: "templates/*.html"}, webtest.FilesIn{FS: os.DirFS("."), Pattern: "*.go"}); n < 150 {
		t.Errorf("found only %d keys", n)
	}
	for _, m := range messages {
		for _, bad := range webtest.BadHalves(m) {
			t.Error(bad)
		}
	}
}

// sameWordsAllowed are the keys of the committee (and the foundation's
// they coincide with) whose words coincide but may part, each group with
// its reason (TestSameWordsOnce).
var sameWordsAllowed = [][]string{
	// A navigation entry and the title of the page it opens (for the
	// export also the foundation's link to an Excel file).
	{"hub.nav.opinions", "hub.op.title"}, {"hub.nav.publish", "hub.pub.title"}, {"hub.nav.topics", "hub.topics.title"},
	{"hub.nav.export", "hub.exp.title", "common.excel"},
	{"hub.nav.units", "hub.units.title"}, {"hub.nav.supervision", "hub.sv.title"}, {"hub.nav.stats", "hub.st.title"},
	// The summary's section of activities, beside the foundation's entry,
	// page title and count.
	{"hub.act.title", "act.title", "count.activities", "nav.activities"},
	// The same word for different things: an activity's kind and a
	// topic's; the export's progress and the paper entry's; the button that
	// answers and the heading of the answer; the committee's column of
	// points and the point's report; the summary's line of channels and
	// the export's column.
	{"hub.act.kind", "topics.kind"}, {"hub.exp.state", "paper.progress"}, {"hub.op.answer_btn", "hub.op.the_answer"},
	{"hub.point", "rep.point"}, {"hub.sum.channel", "xl.channel"},
	// 其他 of each enumeration: a topic's kind, a respondent's, an
	// opinion's source and a unit's kind.
	{"kind.other", "rkind.other", "source.other", "unitkind.other"},
	// The summary's column of questions, the paper form's and the builder's label.
	{"hub.sum.question", "paper.question", "q.qlabel"},
}

// Two keys hold the same words, one of them the committee's, only for a
// reason written in sameWordsAllowed: the committee uses the foundation's
// words where they are its own.
func TestSameWordsOnce(t *testing.T) {
	p, err := New(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	own := map[string]bool{}
	for _, m := range messages {
		for k := range m {
			own[k] = true
		}
	}
	for _, bad := range webtest.SameWords(p.Words(), func(k string) bool { return own[k] }, sameWordsAllowed) {
		t.Error(bad)
	}
}

// TestHubShowsRestoredPoint: a point whose database was restored from a
// backup (a new instance, a lower seq) is told to the committee on the
// overview, with how its counts moved.
func TestHubShowsRestoredPoint(t *testing.T) {
	hs := newHubSite(t)
	ctx := context.Background()
	push := func(instance string, seq, responses int64) {
		t.Helper()
		s := models.Summary{TopicID: hubTopic, PointID: "hongta", Seq: seq, Instance: instance, AsOf: time.Now(),
			Responses:      models.ResponseCounts{Total: responses, ByKind: map[string]int64{"public": responses}, ByChannel: map[string]int64{"online": responses}},
			Questionnaires: []models.QuestionnaireSummary{}}
		b := &syncproto.Batch{BatchID: uuid.NewString(), PointID: "hongta", Summaries: []models.Summary{s}}
		if _, err := hs.H.Ingest(ctx, "hongta", b); err != nil {
			t.Fatal(err)
		}
	}
	push("A", 9, 120)
	push("B", 2, 100)
	c := hs.Login(t, "committee")
	webtest.MustContain(t, hs.Get(t, c, "/", http.StatusOK), "从备份恢复了数据库", "答卷由 120 份变为 100 份（−20）")
}
