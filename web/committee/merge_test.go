package committee

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"budgetpoint/hub"
	"budgetpoint/models"
	"budgetpoint/web/internal/webtest"
)

// TestHubMergeOnOpinionPage: two alike opinions from two points; the one's
// page offers the other as a likely duplicate and merges into it (并案);
// the merged row names the one it follows and has no forms, the other
// counts it; a forged or impossible merge is refused with the hub's
// message and changes nothing; the form needs the session's token.
func TestHubMergeOnOpinionPage(t *testing.T) {
	hs := newHubSite(t)
	ctx := context.Background()
	hs.addUnits(t, "czj", "市财政局")
	a, b := hubOpinion(1, "建议加大乡村道路建设资金投入"), hubOpinion(2, "建议加大乡村道路建设的资金投入力度")
	x, closed := hubOpinion(3, "建议公开三公经费"), hubOpinion(4, "建议压减一般性支出")
	hs.ingest(t, "hongta", 1, 1, a, x, closed)
	hs.ingest(t, "tonghai", 1, 1, b)
	if _, err := hs.H.MoveOpinion(asCommittee(), closed.ID, hub.OpinionPatch{Status: "answered", Answer: "已压减"}); err != nil {
		t.Fatal(err)
	}
	if _, err := hs.H.MoveOpinion(asCommittee(), closed.ID, hub.OpinionPatch{Status: "closed", Evaluation: "satisfied"}); err != nil {
		t.Fatal(err)
	}
	c := hs.Login(t, "committee")
	tok := hs.hubCSRF(t, c)
	get := func(id string) models.Opinion {
		t.Helper()
		o, err := hs.H.Opinion(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}

	body := hs.Get(t, c, "/hub/opinions/"+b.ID, http.StatusOK)
	webtest.MustContain(t, body, "可能重复的意见", `id="sim-`+a.ID+`"`, "建议加大乡村道路建设资金投入", "红塔区人大常委会", "相似度 ", "并入这一条",
		`action="/hub/opinions/`+b.ID+`/merge"`, `name="into" value="`+a.ID+`"`, `<label for="into-`+b.ID+`">要并入的意见编号</label>`, `<code class="op-id">`+b.ID+`</code>`)
	if strings.Contains(body, `id="sim-`+x.ID+`"`) || strings.Contains(body, `id="sim-`+closed.ID+`"`) {
		t.Error("an opinion not alike, or closed, is offered as a duplicate")
	}

	merge := func(id, into string, want int) string {
		t.Helper()
		_, body := hs.Post(t, c, "/hub/opinions/"+id+"/merge", url.Values{"csrf": {tok}, "into": {into}, "single": {"1"}}, want)
		return body
	}
	// Without the token: refused, nothing merged.
	_, body = hs.Post(t, c, "/hub/opinions/"+b.ID+"/merge", url.Values{"into": {a.ID}}, http.StatusForbidden)
	webtest.MustContain(t, body, "页面已过期")
	// Mistakes: said on the page, nothing merged.
	for into, want := range map[string]string{"": "请填写要并入的意见编号", b.ID: "不能并入它自己", "no-such-opinion": "没有这条意见", closed.ID: "不能并入已办结的意见"} {
		body = merge(b.ID, into, http.StatusUnprocessableEntity)
		webtest.MustContain(t, body, "没有并案：", want, "意见建议办理详情", `id="err-`+b.ID+`"`, `aria-invalid="true"`)
	}
	// An answered one cannot be merged: 409, with the hub's words.
	body = merge(closed.ID, a.ID, http.StatusConflict)
	webtest.MustContain(t, body, "没有并案：", "不能再并案")
	if o := get(b.ID); o.MergedInto != "" {
		t.Fatalf("a refused merge merged: %+v", o)
	}
	// An unknown opinion: not found.
	hs.Post(t, c, "/hub/opinions/no-such-opinion/merge", url.Values{"csrf": {tok}, "into": {a.ID}}, http.StatusNotFound)

	// Merged with the suggestion's button, back to its page.
	res, _ := hs.Post(t, c, "/hub/opinions/"+b.ID+"/merge", url.Values{"csrf": {tok}, "into": {a.ID}, "single": {"1"}}, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/hub/opinions/"+b.ID {
		t.Errorf("after merging: %s", loc)
	}
	if o := get(b.ID); o.MergedInto != a.ID {
		t.Fatalf("merged: %+v", o)
	}
	body = hs.Get(t, c, "/hub/opinions/"+b.ID, http.StatusOK)
	webtest.MustContain(t, body, "已并案：这条意见并入“建议加大乡村道路建设资金投入”办理", `<p class="merged-into"><strong>已并入：</strong><a href="/hub/opinions/`+a.ID+`">建议加大乡村道路建设资金投入</a>`,
		"这条意见随所并入的那一条办理", "并入“建议加大乡村道路建设资金投入”办理")
	row := rowOf(t, body, b.ID)
	for _, form := range []string{`/assign"`, `name="op"`, `/merge"`, "可能重复的意见"} {
		if strings.Contains(row, form) {
			t.Errorf("the merged opinion's page has %s", form)
		}
	}
	// Again: it is merged already (409), the message says into which.
	body = merge(b.ID, x.ID, http.StatusConflict)
	webtest.MustContain(t, body, "这条意见已并入 "+a.ID)
	// Assigning it is refused by the hub: it follows the other.
	_, body = hs.Post(t, c, "/hub/opinions/"+b.ID+"/assign", url.Values{"csrf": {tok}, "lead": {"czj"}, "single": {"1"}}, http.StatusUnprocessableEntity)
	webtest.MustContain(t, body, "请办理那一条")
	if o := get(b.ID); o.Lead != "" || o.MergedInto != a.ID {
		t.Fatalf("a merged opinion was assigned: %+v", o)
	}

	// The workbench: the merged row has no forms and no tick box; the
	// other says one was merged into it, and its page lists it.
	body = hs.Get(t, c, "/hub/opinions", http.StatusOK)
	row = rowOf(t, body, b.ID)
	webtest.MustContain(t, row, "已并入：", `href="/hub/opinions/`+a.ID+`"`)
	for _, form := range []string{`form="bulk"`, `<form`} {
		if strings.Contains(row, form) {
			t.Errorf("the merged row on the workbench has %s", form)
		}
	}
	webtest.MustContain(t, rowOf(t, body, a.ID), "已有 1 条意见并入这一条")
	body = hs.Get(t, c, "/hub/opinions/"+a.ID, http.StatusOK)
	webtest.MustContain(t, body, "并入这一条的意见", `<a href="/hub/opinions/`+b.ID+`">建议加大乡村道路建设的资金投入力度</a> · 通海县人大常委会`,
		"“建议加大乡村道路建设的资金投入力度”并入这一条")
	// The one merged into follows on: assigned, the merged one too.
	hs.Post(t, c, "/hub/opinions/"+a.ID+"/assign", url.Values{"csrf": {tok}, "lead": {"czj"}, "single": {"1"}}, http.StatusSeeOther)
	if o := get(b.ID); o.Lead != "czj" || o.Status != "forwarded" {
		t.Errorf("the merged opinion does not follow: %+v", o)
	}
	// 督办 lists the one merged into, not the merged one again.
	body = hs.Get(t, c, "/hub/supervision", http.StatusOK)
	webtest.MustContain(t, body, `<tr id="sv-`+a.ID+`"`)
	if strings.Contains(body, `<tr id="sv-`+b.ID+`"`) {
		t.Error("the merged opinion is under supervision beside the one it follows")
	}
	// Merging by number on the workbench (no single): back to the row.
	res, _ = hs.Post(t, c, "/hub/opinions/"+x.ID+"/merge", url.Values{"csrf": {tok}, "into": {" " + a.ID + " "}, "back": {"point=hongta"}}, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/hub/opinions?point=hongta#op-"+x.ID {
		t.Errorf("after merging on the workbench: %s", loc)
	}
	webtest.MustContain(t, hs.Get(t, c, "/hub/opinions?point=hongta", http.StatusOK), "已有 2 条意见并入这一条")
	// In English.
	hs.english(t, c)
	body = hs.Get(t, c, "/hub/opinions/"+b.ID, http.StatusOK)
	webtest.MustContain(t, body, "Merged into:", "This opinion follows the one it was merged into")
	webtest.MustContain(t, hs.Get(t, c, "/hub/opinions/"+a.ID, http.StatusOK), "2 merged into this one")
}

// TestHubViewsAndFollowUp: an opinion's row shows the assisting unit's
// view (unit, round, time, content) and, once the lead replied B with a
// follow-up date, 跟踪日期.
func TestHubViewsAndFollowUp(t *testing.T) {
	hs := newHubSite(t)
	ctx := context.Background()
	hs.addUnits(t, "czj", "市财政局", "jtj", "市交通运输局")
	a := hubOpinion(1, "建议加大乡村道路投入")
	hs.ingest(t, "hongta", 1, 1, a)
	if _, err := hs.H.AssignOpinion(asCommittee(), a.ID, hub.Assignment{Lead: "czj", Assist: []string{"jtj"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := hs.H.Store.UnitAct(ctx, "jtj", a.ID, hub.UnitStep{Action: "view", Content: "建议统筹交通专项资金"}, hs.H.Calendar); err != nil {
		t.Fatal(err)
	}
	follow := hs.H.Calendar.Add(hs.H.Store.Now(), 30).Format(time.DateOnly)
	if _, err := hs.H.Store.UnitAct(ctx, "czj", a.ID, hub.UnitStep{Action: "reply", Grade: "B", Content: "正在办理", FollowUp: follow}, hs.H.Calendar); err != nil {
		t.Fatal(err)
	}
	c := hs.Login(t, "committee")
	for _, path := range []string{"/hub/opinions", "/hub/opinions/" + a.ID} {
		row := rowOf(t, hs.Get(t, c, path, http.StatusOK), a.ID)
		webtest.MustContain(t, row, "<h3>协办意见</h3>", "第 1 轮 · 市交通运输局 · ", "建议统筹交通专项资金", `跟踪日期：<span class="follow-up">`+follow+`</span>`,
			"市交通运输局送来协办意见", "B 类：正在解决")
	}
	hs.english(t, c)
	webtest.MustContain(t, hs.Get(t, c, "/hub/opinions/"+a.ID, http.StatusOK), "Views of the assisting units", "round 1 · 市交通运输局", "Follow-up date: ")
}

// TestHubFollowUpsOnSupervision: 督办 lists, apart, the answered or closed
// opinions whose B or C reply is followed up within 10 working days or
// was due to be, by date, red past and amber soon; not an A reply, not
// one far off, not a merged one; the workbook has them on a second sheet.
func TestHubFollowUpsOnSupervision(t *testing.T) {
	hs := newHubSite(t)
	ctx := context.Background()
	hs.addUnits(t, "czj", "市财政局")
	past, soon, done, far, solved := hubOpinion(1, "建议加大乡村道路投入"), hubOpinion(2, "建议公开三公经费"), hubOpinion(3, "建议压减一般性支出"),
		hubOpinion(4, "建议增加教育投入"), hubOpinion(5, "建议改善医疗条件")
	hs.ingest(t, "hongta", 1, 1, past, soon, done)
	hs.ingest(t, "tonghai", 1, 1, far, solved)
	cal, now := hs.H.Calendar, hs.H.Store.Now()
	pastDay := cal.Add(now.AddDate(0, 0, -14), 0).Format(time.DateOnly)
	soonDay, doneDay, farDay := cal.Add(now, 5).Format(time.DateOnly), cal.Add(now, 3).Format(time.DateOnly), cal.Add(now, 40).Format(time.DateOnly)
	for _, r := range []struct {
		id, grade, day string
	}{{past.ID, "B", pastDay}, {soon.ID, "C", soonDay}, {done.ID, "B", doneDay}, {far.ID, "B", farDay}, {solved.ID, "A", ""}} {
		if _, err := hs.H.AssignOpinion(asCommittee(), r.id, hub.Assignment{Lead: "czj"}); err != nil {
			t.Fatal(err)
		}
		if _, err := hs.H.Store.UnitAct(ctx, "czj", r.id, hub.UnitStep{Action: "reply", Grade: r.grade, Content: "答复", FollowUp: r.day}, cal); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := hs.H.MoveOpinion(asCommittee(), done.ID, hub.OpinionPatch{Status: "closed", Evaluation: "satisfied"}); err != nil {
		t.Fatal(err)
	}
	c := hs.Login(t, "committee")
	body := hs.Get(t, c, "/hub/supervision", http.StatusOK)
	webtest.MustContain(t, body, "目前没有需要督办的意见建议", `<h2 id="fu-h">待跟踪（B、C 类答复）</h2>`, "共 3 条：已过跟踪日期 1 条",
		`<tr id="fu-`+past.ID+`" class="due-over">`, `<tr id="fu-`+done.ID+`" class="due-soon">`, `<tr id="fu-`+soon.ID+`" class="due-soon">`,
		pastDay, soonDay, doneDay, "B 类：正在解决", "C 类：列入计划", "已过跟踪日期</strong>", ">5 <strong class=\"badge soon\">临近期限</strong>", "已办结",
		`href="/hub/supervision.xlsx?sort=due"`)
	var order []string
	for _, id := range []string{past.ID, done.ID, soon.ID} {
		order = append(order, "fu-"+id)
	}
	got := strings.Join(regexpAll(body, `<tr id="(fu-[^"]+)"`), ",")
	if got != strings.Join(order, ",") {
		t.Errorf("the follow-up rows: %s, want %s", got, strings.Join(order, ","))
	}
	if strings.Contains(body, far.ID) || strings.Contains(body, solved.ID) {
		t.Error("a reply far off, or an A one, is listed to follow up")
	}
	// The workbook's second sheet.
	res, err := c.Get(hs.URL + "/hub/supervision.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(strings.NewReader(webtest.ReadAll(t, res)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if sheets := f.GetSheetList(); len(sheets) != 2 || sheets[0] != "督办" || sheets[1] != "待跟踪" {
		t.Fatalf("the workbook's sheets: %q", sheets)
	}
	rows, err := f.GetRows("待跟踪")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[0][5] != "答复类别" || rows[0][6] != "跟踪日期" || rows[1][3] != "建议加大乡村道路投入" || rows[1][5] != "B 类：正在解决" ||
		rows[1][6] != pastDay || rows[2][8] != "已办结" || rows[3][6] != soonDay || rows[3][7] != "5" {
		t.Errorf("the follow-up sheet's rows: %q", rows)
	}
	hs.english(t, c)
	webtest.MustContain(t, hs.Get(t, c, "/hub/supervision", http.StatusOK), "To follow up (B and C replies)", "3 in all: 1 past the follow-up date", "past the follow-up date")
}

func regexpAll(s, re string) []string {
	var out []string
	for _, m := range regexp.MustCompile(re).FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}
