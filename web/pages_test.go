package web

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/xuri/excelize/v2"

	"budgetpoint/internal/testutil"
	"budgetpoint/models"

	"budgetpoint/web/internal/webtest"
)

const draftQ, draftT = "q-2027-budget-draft", "t-2027-budget-draft"

func TestStaffPagesRender(t *testing.T) {
	ts := newTestSite(t)
	c := ts.Login(t, "staff")
	pages := map[string][]string{
		"/":                                      {"工作台", "立即同步", "待上报", "2027年玉溪市市级预算草案"},
		"/topics":                                {"征求意见事项", "新建事项"},
		"/topics/new":                            {`<label for="title">标题</label>`},
		"/topics/" + draftT + "/edit":            {"2027年玉溪市市级预算草案"},
		"/questionnaires":                        {"调查问卷", "新建问卷", "公开填写"},
		"/questionnaires/new":                    {"添加题目", "保存草稿", `value="publish"`, `<button type="submit" name="op" value="draft" class="visually-hidden"`},
		"/questionnaires/" + draftQ + "/edit":    {"总体评价", "第 1 题"},
		"/questionnaires/" + draftQ + "/preview": {"预览", "总体评价"},
		"/questionnaires/" + draftQ + "/share":   {"公开填写"},
		"/activities":                            {"活动", "记录活动"},
		"/activities/new":                        {"参加的人大代表", "李明", "第 2 条意见"},
		"/opinions":                              {"意见建议", "筛选"},
		"/opinions?status=recorded&source=forum": {"座谈会"},
		"/deputies":                              {"人大代表", "139****1234", "5304**********2345", "添加代表"},
		"/deputies/d-liming":                     {"李明", "13908771234", "530423197801012345", "记入审计日志"},
		"/reports":                               {"汇总与报表"},
		"/topics/" + draftT + "/summary":         {"线上填写", "纸质录入", "合计", "<svg", "平均分"},
		"/topics/" + draftT + "/report":          {"签字盖章", "打印报表", "<svg", "红塔区人大常委会预算工作基层联系点"},
	}
	for p, want := range pages {
		t.Run(p, func(t *testing.T) {
			body := ts.Get(t, c, p, http.StatusOK)
			webtest.MustContain(t, body, want...)
			if strings.Contains(body, `style="`) {
				t.Errorf("%s has an inline style attribute (the CSP forbids it)", p)
			}
		})
	}
}

func TestSignInRequiredAndRoles(t *testing.T) {
	ts := newTestSite(t)
	anon := ts.Client(t)
	res, err := anon.Get(ts.URL + "/topics")
	if err != nil {
		t.Fatal(err)
	}
	webtest.CloseBody(t, res)
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login?next=%2Ftopics") {
		t.Fatalf("anonymous /topics: %d %q, want 303 to /login", res.StatusCode, res.Header.Get("Location"))
	}

	deputy := ts.Login(t, "deputy")
	for _, p := range []string{"/topics", "/deputies", "/topics/" + draftT + "/summary", "/questionnaires/" + draftQ + "/responses.xlsx"} {
		body := ts.Get(t, deputy, p, http.StatusForbidden)
		webtest.MustContain(t, body, "无权")
		if strings.Contains(body, "13908771234") {
			t.Errorf("%s shows a deputy's phone to a deputy", p)
		}
	}
	ts.Get(t, deputy, "/my", http.StatusOK)
	ts.Get(t, deputy, "/my/opinions", http.StatusOK)
	ts.Get(t, deputy, "/fill/"+draftQ, http.StatusOK)

	staff := ts.Login(t, "staff")
	ts.Get(t, staff, "/my", http.StatusForbidden)
	ts.Get(t, staff, "/fill/"+draftQ, http.StatusForbidden)

	t.Run("wrong password says so and stores no session", func(t *testing.T) {
		c := ts.Client(t)
		body := ts.Get(t, c, "/login", http.StatusOK)
		tok := webtest.CSRFRe.FindStringSubmatch(body)[1]
		tokens := countRows(t, ts, `SELECT count(*) FROM tokens`)
		_, body = ts.Post(t, c, "/login", url.Values{"csrf": {tok}, "name": {"staff"}, "password": {"nope-nope"}}, http.StatusUnauthorized)
		webtest.MustContain(t, body, "用户名或密码不对")
		if n := countRows(t, ts, `SELECT count(*) FROM tokens`); n != tokens {
			t.Errorf("a wrong password stored %d tokens", n-tokens)
		}
		ts.Get(t, c, "/topics", http.StatusSeeOther) // still signed out: to the sign-in page
	})
	t.Run("login form without its token is refused", func(t *testing.T) {
		ts.Post(t, ts.Client(t), "/login", url.Values{"name": {"staff"}, "password": {"demo-pass-2026"}}, http.StatusForbidden)
	})
}

func TestCSRFEnforced(t *testing.T) {
	ts := newTestSite(t)
	c := ts.Login(t, "staff")
	form := url.Values{"kind": {"other"}, "fiscal_year": {"2027"}, "title": {"CSRF 测试事项"}}
	_, body := ts.Post(t, c, "/topics/new", form, http.StatusForbidden)
	webtest.MustContain(t, body, "页面已过期")
	form.Set("csrf", "wrong")
	ts.Post(t, c, "/topics/new", form, http.StatusForbidden)
	ts.Post(t, c, "/sync/run", url.Values{}, http.StatusForbidden)
	ts.Post(t, c, "/questionnaires/"+draftQ+"/share", url.Values{"public": {"1"}}, http.StatusForbidden)
	q, err := ts.DB.Questionnaire(context.Background(), draftQ, 0)
	if err != nil {
		t.Fatal(err)
	}
	if q.Public {
		t.Fatal("a POST without CSRF token opened the questionnaire")
	}
	const titled = `SELECT count(*) FROM topics WHERE title='CSRF 测试事项'`
	if n := countRows(t, ts, titled); n != 0 {
		t.Fatalf("a POST without a valid CSRF token stored %d topics", n)
	}
	form.Set("csrf", ts.csrf(t, c))
	res, _ := ts.Post(t, c, "/topics/new", form, http.StatusSeeOther)
	if res.Header.Get("Location") != "/topics" {
		t.Fatalf("after saving: %q", res.Header.Get("Location"))
	}
	webtest.MustContain(t, ts.Get(t, c, "/topics", http.StatusOK), "CSRF 测试事项", "已保存")
	if n := countRows(t, ts, titled); n != 1 {
		t.Fatalf("%d topics stored by the POST with its token, want 1", n)
	}
}

// countRows runs a count query on the site's database.
func countRows(t *testing.T, ts *testSite, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := testutil.RawOf(t, ts.DB).QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// summaryOf reads a topic's summary at this point.
func summaryOf(t *testing.T, ts *testSite, topic string) models.Summary {
	t.Helper()
	s, err := ts.DB.Summary(context.Background(), topic, "hongta")
	if err != nil {
		t.Fatalf("summary of %s: %v", topic, err)
	}
	return s
}

func TestTopicFormShowsErrorsBesideFields(t *testing.T) {
	ts := newTestSite(t)
	c := ts.Login(t, "staff")
	_, body := ts.Post(t, c, "/topics/new", url.Values{"csrf": {ts.csrf(t, c)}, "kind": {"other"}, "fiscal_year": {"1800"}, "title": {""}}, http.StatusUnprocessableEntity)
	webtest.MustContain(t, body, `id="err-title"`, `id="err-fiscal_year"`, "标题为必填项", `aria-invalid="true"`)
}

// openPublic opens a questionnaire to the public through the share page and returns its path.
func openPublic(t *testing.T, ts *testSite, c *http.Client, qid string) string {
	t.Helper()
	ts.Post(t, c, "/questionnaires/"+qid+"/share", url.Values{"csrf": {ts.csrf(t, c)}, "public": {"1"}}, http.StatusSeeOther)
	body := ts.Get(t, c, "/questionnaires/"+qid+"/share", http.StatusOK)
	m := regexp.MustCompile(`href="(/p/[^"]+)" id="public-link"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("share page shows no public link\n%s", webtest.Truncate(body))
	}
	png := ts.Get(t, c, "/questionnaires/"+qid+"/qr.png", http.StatusOK)
	if !strings.HasPrefix(png, "\x89PNG") {
		t.Fatal("QR code is not a PNG")
	}
	return m[1]
}

func TestPublicFillCountsOnce(t *testing.T) {
	ts := newTestSite(t)
	staff := ts.Login(t, "staff")
	link := openPublic(t, ts, staff, draftQ)
	before := summaryOf(t, ts, draftT)

	anon := ts.Client(t)
	body := ts.Get(t, anon, link, http.StatusOK)
	webtest.MustContain(t, body, "2027年玉溪市市级预算草案征求意见问卷", "红塔区人大常委会预算工作基层联系点 征求您的意见", `name="rid"`)
	rid := regexp.MustCompile(`name="rid" value="([^"]+)"`).FindStringSubmatch(body)[1]
	if _, err := uuid.Parse(rid); err != nil {
		t.Fatalf("response id %q is not a UUID", rid)
	}
	// The required "overall" is missing: the page comes back with the message and the answers kept.
	form := url.Values{"rid": {rid}, "v": {"1"}, "a.transparency": {"4"}, "a.priorities": {"education", "health"}, "a.advice": {"建议公开三公经费明细"}, "rkind": {"deputy"}}
	_, body = ts.Post(t, anon, link, form, http.StatusUnprocessableEntity)
	webtest.MustContain(t, body, `id="err-overall"`, "必答题", "建议公开三公经费明细", `value="education" checked`, `value="4" checked`, "还有 1 处")
	if mid := summaryOf(t, ts, draftT); mid.Responses.Total != before.Responses.Total {
		t.Fatal("an invalid response was stored")
	}

	form.Set("a.overall", "basic")
	res, _ := ts.Post(t, anon, link, form, http.StatusSeeOther)
	if res.Header.Get("Location") != "/done" {
		t.Fatalf("after submitting: %q", res.Header.Get("Location"))
	}
	webtest.MustContain(t, ts.Get(t, anon, "/done", http.StatusOK), "已提交，感谢您的参与")
	// A double tap: the same page again.
	ts.Post(t, anon, link, form, http.StatusSeeOther)
	after := summaryOf(t, ts, draftT)
	if got := after.Responses.Total - before.Responses.Total; got != 1 {
		t.Fatalf("responses grew by %d, want 1", got)
	}
	if got := after.Responses.ByKind["deputy"] - before.Responses.ByKind["deputy"]; got != 1 {
		t.Fatalf("deputy responses grew by %d, want 1", got)
	}
	webtest.MustContain(t, ts.Get(t, staff, "/topics/"+draftT+"/summary", http.StatusOK), "建议公开三公经费明细")

	// Closed again: the link no longer works.
	ts.Post(t, staff, "/questionnaires/"+draftQ+"/share", url.Values{"csrf": {ts.csrf(t, staff)}, "public": {"0"}}, http.StatusSeeOther)
	ts.Get(t, anon, link, http.StatusNotFound)
}

func TestDeputyFillAndOwnOpinions(t *testing.T) {
	const topic = "t-2026-state-assets" // q-2026-state-assets's
	ts := newTestSite(t)
	before := summaryOf(t, ts, topic)
	c := ts.Login(t, "deputy")
	body := ts.Get(t, c, "/fill/q-2026-state-assets", http.StatusOK)
	rid := regexp.MustCompile(`name="rid" value="([^"]+)"`).FindStringSubmatch(body)[1]
	form := url.Values{"csrf": {webtest.CSRFRe.FindStringSubmatch(body)[1]}, "rid": {rid}, "a.admin_assets": {"satisfied"}, "a.enterprise_assets": {"basic"}, "a.advice": {"建议盘活闲置办公用房"}}
	res, _ := ts.Post(t, c, "/fill/q-2026-state-assets", form, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/done" {
		t.Errorf("after submitting: redirected to %q", loc)
	}
	ts.Post(t, c, "/fill/q-2026-state-assets", form, http.StatusSeeOther) // sent twice: counted once
	webtest.MustContain(t, ts.Get(t, c, "/my/opinions", http.StatusOK), "建议盘活闲置办公用房", "已记录")

	// Counted exactly once, as a deputy's online response with one opinion.
	after := summaryOf(t, ts, topic)
	for what, d := range map[string]int64{
		"responses":        after.Responses.Total - before.Responses.Total,
		"deputy responses": after.Responses.ByKind["deputy"] - before.Responses.ByKind["deputy"],
		"online responses": after.Responses.ByChannel["online"] - before.Responses.ByChannel["online"],
		"opinions":         after.Opinions.Total - before.Opinions.Total,
	} {
		if d != 1 {
			t.Errorf("%s grew by %d, want 1", what, d)
		}
	}
	if n := countRows(t, ts, `SELECT count(*) FROM responses WHERE id=?`, rid); n != 1 {
		t.Errorf("%d responses stored under %s, want 1", n, rid)
	}
	testutil.CheckCounters(t, ts.DB, topic)
}

func TestBuilderPublishesVersions(t *testing.T) {
	ts := newTestSite(t)
	c := ts.Login(t, "staff")
	tok := ts.csrf(t, c)
	base := url.Values{"csrf": {tok}, "id": {"q-web-test"}, "topic_id": {draftT}, "title": {"网页问卷"}, "n": {"2"},
		"q0_key": {"q1"}, "q0_type": {"single_choice"}, "q0_label": {"您是否了解预算草案"}, "q0_options": {"了解\n不了解"}, "q0_required": {"1"},
		"q1_key": {"q2"}, "q1_type": {"text"}, "q1_label": {"您的建议"}, "q1_opinion": {"1"}}
	// Add a question (no JavaScript: the page comes back with one more).
	add := cloneValues(base)
	add.Set("op", "add")
	_, body := ts.Post(t, c, "/questionnaires/new", add, http.StatusOK)
	webtest.MustContain(t, body, "第 3 题", `name="q2_key" value="q3"`)
	// Move the second question up.
	up := cloneValues(base)
	up.Set("op", "up:1")
	_, body = ts.Post(t, c, "/questionnaires/new", up, http.StatusOK)
	if strings.Index(body, "您的建议") > strings.Index(body, "您是否了解预算草案") {
		t.Error("moving question 2 up did not put it first")
	}
	// A choice question with one option is refused beside the options.
	bad := cloneValues(base)
	bad.Set("op", "save")
	bad.Set("q0_options", "了解")
	_, body = ts.Post(t, c, "/questionnaires/new", bad, http.StatusUnprocessableEntity)
	webtest.MustContain(t, body, "选择题至少需要两个选项", `id="err-q0_options"`)
	// Earlier option values that cannot be read are refused beside the options, not dropped.
	bad = cloneValues(base)
	bad.Set("op", "save")
	bad.Set("q0_ovals", `[{"value":"o1"`)
	_, body = ts.Post(t, c, "/questionnaires/new", bad, http.StatusUnprocessableEntity)
	webtest.MustContain(t, body, "无法读取选项原来的编号", `id="err-q0_options"`)

	save := cloneValues(base)
	save.Set("op", "publish")
	res, _ := ts.Post(t, c, "/questionnaires/new", save, http.StatusSeeOther)
	if res.Header.Get("Location") != "/questionnaires/q-web-test/edit" {
		t.Fatalf("after saving: %q", res.Header.Get("Location"))
	}
	q, err := ts.DB.Questionnaire(context.Background(), "q-web-test", 0)
	if err != nil || q.Version != 1 || len(q.Questions) != 2 || q.Questions[0].Options[1].Label != "不了解" || !q.Questions[1].Opinion {
		t.Fatalf("stored: %+v %v", q, err)
	}
	// Edit: rename an option keeps its value; a new option gets a new one.
	body = ts.Get(t, c, "/questionnaires/q-web-test/edit", http.StatusOK)
	ovals := regexp.MustCompile(`name="q0_ovals" value="([^"]*)"`).FindStringSubmatch(body)[1]
	edit := cloneValues(base)
	edit.Del("id")
	edit.Set("op", "publish")
	edit.Set("q0_ovals", htmlUnescape(ovals))
	edit.Set("q0_options", "了解\n不了解\n部分了解")
	ts.Post(t, c, "/questionnaires/q-web-test/edit", edit, http.StatusSeeOther)
	if q, err = ts.DB.Questionnaire(context.Background(), "q-web-test", 0); err != nil {
		t.Fatal(err)
	}
	if q.Version != 2 || len(q.Questions[0].Options) != 3 || q.Questions[0].Options[0].Value != "o1" || q.Questions[0].Options[2].Value != "o3" {
		t.Fatalf("version 2: %+v", q.Questions[0])
	}
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&#34;", `"`, "&quot;", `"`, "&amp;", "&", "&lt;", "<", "&gt;", ">", "&#39;", "'").Replace(s)
}

func TestActivityWithTwoOpinions(t *testing.T) {
	ts := newTestSite(t)
	c := ts.Login(t, "staff")
	body := ts.Get(t, c, "/activities/new", http.StatusOK)
	id := regexp.MustCompile(`name="id" value="([^"]+)"`).FindStringSubmatch(body)[1]
	form := url.Values{"csrf": {ts.csrf(t, c)}, "id": {id}, "kind": {"forum"}, "topic_id": {draftT}, "title": {"预算草案座谈会（网页测试）"}, "held_on": {"2026-11-18"},
		"location": {"秀山街道会议室"}, "host": {"红塔区人大常委会"}, "p_deputies": {"6"}, "p_public": {"12"}, "p_other": {"2"}, "deputy_ids": {"d-liming", "d-wangfang"},
		"minutes": {"会议听取了预算草案说明。"}, "rows": {"3"}, "op": {"save"},
		"o0_content": {"建议增加农村公路养护资金"}, "o0_kind": {"deputy"}, "o0_deputy": {"d-liming"},
		"o1_content": {"希望公开预算绩效目标"}, "o1_kind": {"public"}, "o1_desc": {"退休教师"},
		"o2_content": {""}, "o2_kind": {"public"}}
	before := summaryOf(t, ts, draftT)
	res, _ := ts.Post(t, c, "/activities/new", form, http.StatusSeeOther)
	if res.Header.Get("Location") != "/activities/"+id {
		t.Fatalf("after saving: %q", res.Header.Get("Location"))
	}
	ts.Post(t, c, "/activities/new", form, http.StatusSeeOther) // sent twice: stored once
	a, err := ts.DB.Activity(context.Background(), id)
	if err != nil || len(a.Opinions) != 2 || a.Opinions[0].Proposer.Name != "李明" || a.Participants.Public != 12 || len(a.DeputyIDs) != 2 {
		t.Fatalf("stored: %+v %v", a, err)
	}
	after := summaryOf(t, ts, draftT)
	if after.Opinions.Total-before.Opinions.Total != 2 || after.Activities.Forum-before.Activities.Forum != 1 {
		t.Fatalf("summary: opinions +%d forums +%d", after.Opinions.Total-before.Opinions.Total, after.Activities.Forum-before.Activities.Forum)
	}
	webtest.MustContain(t, ts.Get(t, c, "/activities/"+id, http.StatusOK), "建议增加农村公路养护资金", "退休教师", "李明、王芳")

	t.Run("a deputy opinion without a deputy is refused beside the row", func(t *testing.T) {
		f := cloneValues(form)
		f.Set("id", uuid.NewString())
		f.Set("o0_deputy", "")
		_, body := ts.Post(t, c, "/activities/new", f, http.StatusUnprocessableEntity)
		webtest.MustContain(t, body, `id="err-o0_deputy"`, "退休教师")
	})
}

func TestExcelExports(t *testing.T) {
	ts := newTestSite(t)
	c := ts.Login(t, "staff")
	for _, p := range []string{"/questionnaires/" + draftQ + "/responses.xlsx", "/topics/" + draftT + "/summary.xlsx"} {
		res, err := c.Get(ts.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(res.Body)
		webtest.CloseBody(t, res)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("%s: %d %q", p, res.StatusCode, res.Header.Get("Content-Disposition"))
		}
		f, err := excelize.OpenReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		rows, err := f.GetRows(f.GetSheetName(0))
		if err != nil || len(rows) == 0 {
			t.Fatalf("%s: %d rows (%v)", p, len(rows), err)
		}
		if strings.Contains(p, "responses") {
			if len(rows) != 241 {
				t.Errorf("responses export has %d rows, want 1 header + 240", len(rows))
			}
			webtest.MustContain(t, strings.Join(rows[0], "|"), "总体评价", "填写方式")
			joined := ""
			for _, r := range rows[1:] {
				joined += strings.Join(r, "|") + "\n"
			}
			webtest.MustContain(t, joined, "基本满意")
			if strings.Contains(joined, "|basic|") || strings.Contains(joined, "|satisfied|") {
				t.Error("the export shows option codes instead of labels")
			}
		} else {
			flat := ""
			for _, r := range rows {
				flat += strings.Join(r, "|") + "\n"
			}
			webtest.MustContain(t, flat, "答卷总数|", "线上填写", "纸质录入", "满意")
			ops, err := f.GetRows("意见建议")
			if err != nil {
				t.Fatalf("%s: opinions sheet: %v", p, err)
			}
			if len(ops) < 2 {
				t.Error("the summary export has no opinions sheet rows")
			}
		}
		closeXLSX(t, f)
	}
}

func TestLanguage(t *testing.T) {
	ts := newTestSite(t)
	c := ts.Client(t)
	req, _ := http.NewRequest("GET", ts.URL+"/login", nil)
	req.Header.Set("Accept-Language", "en-GB,en;q=0.9,zh;q=0.5")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(res.Body)
	webtest.CloseBody(t, res)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET /login in English: %d %v", res.StatusCode, err)
	}
	webtest.MustContain(t, string(b), "Sign in", `lang="en"`)
	// The switch is remembered over Accept-Language.
	ts.Get(t, c, "/lang/zh?next=/login", http.StatusSeeOther)
	if res, err = c.Do(req); err != nil {
		t.Fatal(err)
	}
	b, err = io.ReadAll(res.Body)
	webtest.CloseBody(t, res)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET /login after switching to Chinese: %d %v", res.StatusCode, err)
	}
	webtest.MustContain(t, string(b), "登录", `lang="zh-CN"`)
	// The switch never sends anyone to another host.
	if res, err = c.Get(ts.URL + "/lang/en?next=//evil.example/"); err != nil {
		t.Fatal(err)
	}
	webtest.CloseBody(t, res)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Errorf("lang switch: status %d to %q, want 303 to /", res.StatusCode, res.Header.Get("Location"))
	}
	for _, tc := range []struct{ h, want string }{{"", "zh"}, {"en-US", "en"}, {"zh-CN,en;q=0.8", "zh"}, {"fr, en;q=0.4", "en"}, {"de", "zh"}} {
		if got := langFromAccept(tc.h); got != tc.want {
			t.Errorf("Accept-Language %q: %s, want %s", tc.h, got, tc.want)
		}
	}
}

// TestNoOtherHosts scans every embedded template and static file: no page or
// asset may refer to a host other than the server itself.
func TestNoOtherHosts(t *testing.T) {
	if n := webtest.NoOtherHosts(t, templateFS, pointPages, staticFS); n < 30 {
		t.Fatalf("scanned only %d files", n)
	}
	// And a rendered page has no absolute src or href either.
	ts := newTestSite(t)
	c := ts.Login(t, "staff")
	body := ts.Get(t, c, "/topics/"+draftT+"/report", http.StatusOK)
	if m := webtest.OtherHostRe.FindString(body); m != "" {
		t.Errorf("report page refers to another host: %s", m)
	}
}

func TestDashboardSyncBox(t *testing.T) {
	ts := newTestSite(t)
	c := ts.Login(t, "staff")
	n, _, err := ts.DB.OutboxStats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("demo data queued nothing")
	}
	body := ts.Get(t, c, "/", http.StatusOK)
	webtest.MustContain(t, body, "上次推送", `id="sync-queue">`+itoa(int64(n))+" 条", `action="/sync/run"`, `data-api="/api/v1/sync/run"`)
	// Without JavaScript, "sync now" comes back to the dashboard with a message.
	res, _ := ts.Post(t, c, "/sync/run", url.Values{"csrf": {ts.csrf(t, c)}}, http.StatusSeeOther)
	if res.Header.Get("Location") != "/" {
		t.Fatalf("sync now: %q", res.Header.Get("Location"))
	}
	// No hub is configured here: the message says so, and that the data is kept.
	body = ts.Get(t, c, "/", http.StatusOK)
	webtest.MustContain(t, body, `<div class="flash flash-info" role="status">同步功能尚未配置`)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestBilingual(t *testing.T) {
	for _, tc := range []struct{ msg, zh, en string }{
		{"必答题 / required", "必答题", "required"},
		{"此联系点未配置预工委服务器（--hub）/ no hub is configured", "此联系点未配置预工委服务器（--hub）", "no hub is configured"},
		{"plain", "plain", "plain"},
		{"a/ b", "a/ b", "a/ b"},
	} {
		if got := Bilingual(LangZH, tc.msg); got != tc.zh {
			t.Errorf("zh of %q: %q", tc.msg, got)
		}
		if got := Bilingual(LangEN, tc.msg); got != tc.en {
			t.Errorf("en of %q: %q", tc.msg, got)
		}
	}
}
