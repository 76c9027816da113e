package committee

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"budgetpoint/demo"
	"budgetpoint/hub"
	"budgetpoint/web/internal/webtest"
)

// The committee assigns an opinion on the workbench to a lead unit and an
// assisting one and sees the lead's name and the due date on its row; the
// 督办 view shows one past due (red) and one due soon (amber), soonest
// first, and sorts by unit; 办理统计 counts per unit. Screenshots of each.
func TestBrowserCommitteeAssignsAndFollowsUp(t *testing.T) {
	hs := newHubSite(t)
	hs.addUnits(t, "czj", "市财政局", "jtj", "市交通运输局")
	a, soon, past := hubOpinion(1, "建议加大乡村道路投入"), hubOpinion(2, "建议公开三公经费"), hubOpinion(3, "建议压减一般性支出")
	hs.ingest(t, "hongta", 1, 1, a, soon)
	hs.ingest(t, "tonghai", 1, 1, past)
	cal, now := hs.H.Calendar, hs.H.Store.Now()
	def := cal.Months(now, hub.DefaultDueMonths).Format(time.DateOnly)

	ctx := webtest.Browser(t)
	webtest.SignIn(t, ctx, hs.URL, "committee", demo.DemoPassword)
	webtest.Run(t, ctx, "the workbench in Chinese", chromedp.Navigate(hs.URL+"/lang/zh?next=/hub/opinions"), chromedp.WaitVisible(chromedp.ID("bulk")))
	webtest.Shot(t, ctx, "1-workbench")
	webtest.Run(t, ctx, "open the assign form",
		chromedp.Click(chromedp.CSS("#op-"+a.ID+" details.assign summary")),
		chromedp.WaitVisible(chromedp.ID("as-"+a.ID+"-lead")),
		chromedp.SetValue(chromedp.ID("as-"+a.ID+"-lead"), "czj"),
		chromedp.Click(chromedp.ID("as-"+a.ID+"-assist-jtj")),
	)
	if hint := webtest.Read(t, ctx, "the due date's hint", chromedp.Text(chromedp.ID("as-"+a.ID+"-due-hint"))); !strings.Contains(hint, def) {
		t.Errorf("the due date's hint %q does not name the default %s", hint, def)
	}
	webtest.Shot(t, ctx, "2-assign-form")
	webtest.Run(t, ctx, "assign", chromedp.Click(chromedp.CSS("#op-"+a.ID+" details.assign button[type=submit]")))
	webtest.WaitFor(t, ctx, ".flash-ok")
	flash := webtest.Read(t, ctx, "the flash", chromedp.Text(chromedp.CSS(".flash-ok")))
	row := webtest.Read(t, ctx, "the row", chromedp.Text(chromedp.ID("op-"+a.ID)))
	webtest.MustContain(t, flash, "已交办市财政局", "市交通运输局", def)
	webtest.MustContain(t, row, "已交办", "第 1 轮", "主办单位：市财政局", "协办单位：市交通运输局", "办理期限："+def)
	webtest.Shot(t, ctx, "3-assigned")

	// One due within 10 working days, one past due (set behind the API's back).
	if _, err := hs.H.AssignOpinion(asCommittee(), soon.ID, hub.Assignment{Lead: "jtj", Due: cal.Add(now, 4).Format(time.DateOnly)}); err != nil {
		t.Fatal(err)
	}
	if _, err := hs.H.AssignOpinion(asCommittee(), past.ID, hub.Assignment{Lead: "czj"}); err != nil {
		t.Fatal(err)
	}
	hs.setDue(t, past.ID, cal.Add(now.AddDate(0, 0, -14), 0).Format(time.DateOnly))
	webtest.Run(t, ctx, "the supervision view", chromedp.Navigate(hs.URL+"/hub/supervision"), chromedp.WaitVisible(chromedp.CSS("table.supervision")))
	ids := webtest.Read(t, ctx, "the rows", chromedp.Evaluate[string](`Array.from(document.querySelectorAll("table.supervision tbody tr")).map(r => r.id + ":" + r.className).join(",")`))
	if want := "sv-" + past.ID + ":due-over,sv-" + soon.ID + ":due-soon,sv-" + a.ID + ":"; ids != want {
		t.Errorf("the supervision rows are %s, want %s", ids, want)
	}
	// Red and amber are colours the eye sees, not only class names.
	bg := webtest.Read(t, ctx, "the colours", chromedp.Evaluate[string](`["due-over","due-soon"].map(c => getComputedStyle(document.querySelector("tr."+c+" > td")).backgroundColor).join(" ")`))
	if bg != "rgb(253, 236, 234) rgb(255, 248, 225)" {
		t.Errorf("the red and amber rows are coloured %s", bg)
	}
	webtest.Shot(t, ctx, "4-supervision")
	webtest.Run(t, ctx, "sort by unit", chromedp.Click(chromedp.CSS(`a[href="/hub/supervision?sort=unit"]`)))
	webtest.WaitFor(t, ctx, `strong[aria-current="true"]`)
	first := webtest.Read(t, ctx, "the first row", chromedp.Text(chromedp.CSS("table.supervision tbody tr")))
	if !strings.Contains(first, "市交通运输局") {
		t.Errorf("sorted by unit, the first row is %q, want 市交通运输局's", first)
	}
	webtest.Shot(t, ctx, "5-supervision-by-unit")

	// 待跟踪: a B reply whose follow-up date is past (red), a C one soon
	// (amber), earliest first, coloured as the rows above.
	fuPast, fuSoon := hubOpinion(4, "建议改善医疗条件"), hubOpinion(5, "建议增加教育投入")
	hs.ingest(t, "tonghai", 2, 0, fuSoon, fuPast)
	for id, r := range map[string]hub.UnitStep{fuPast.ID: {Action: "reply", Grade: "B", Content: "正在办理", FollowUp: cal.Add(now.AddDate(0, 0, -10), 0).Format(time.DateOnly)},
		fuSoon.ID: {Action: "reply", Grade: "C", Content: "列入计划", FollowUp: cal.Add(now, 6).Format(time.DateOnly)}} {
		if _, err := hs.H.AssignOpinion(asCommittee(), id, hub.Assignment{Lead: "jtj"}); err != nil {
			t.Fatal(err)
		}
		if _, err := hs.H.Store.UnitAct(asCommittee(), "jtj", id, r, cal); err != nil {
			t.Fatal(err)
		}
	}
	webtest.Run(t, ctx, "the follow-ups", chromedp.Navigate(hs.URL+"/hub/supervision"), chromedp.WaitVisible(chromedp.CSS("table.follow-ups")))
	fu := webtest.Read(t, ctx, "the follow-up rows", chromedp.Evaluate[string](`Array.from(document.querySelectorAll("table.follow-ups tbody tr")).map(r => r.id + ":" + getComputedStyle(r.querySelector("td")).backgroundColor).join(",")`))
	if want := "fu-" + fuPast.ID + ":rgb(253, 236, 234),fu-" + fuSoon.ID + ":rgb(255, 248, 225)"; fu != want {
		t.Errorf("the follow-up rows are %s, want %s", fu, want)
	}
	webtest.Run(t, ctx, "scroll to them", chromedp.ScrollIntoView(chromedp.ID("fu-h")))
	webtest.Shot(t, ctx, "5b-follow-ups")

	webtest.Run(t, ctx, "the statistics", chromedp.Navigate(hs.URL+"/hub/stats"), chromedp.WaitVisible(chromedp.ID("stats-units")))
	// 市财政局 leads two (one past due), 市交通运输局 one.
	czj := webtest.Read(t, ctx, "czj's line", chromedp.Evaluate[string](`Array.from(document.querySelectorAll("#st-czj > *")).map(c => c.textContent).join("|")`))
	if czj != "市财政局|2|0|0|1|0|0|0.0%|—" {
		t.Errorf("czj's line: %q", czj)
	}
	webtest.Shot(t, ctx, "6-stats")
	webtest.Run(t, ctx, "the units", chromedp.Navigate(hs.URL+"/hub/units"), chromedp.WaitVisible(chromedp.ID("unit-czj")))
	webtest.Shot(t, ctx, "7-units")
}

// The committee opens an opinion of one point, sees on its page the like
// opinion of another point offered as a likely duplicate with how alike
// they are, and merges it (并案) with the keyboard: Tab to 并入这一条,
// Enter. The page says what it was merged into, and the row names it with
// a link and has no forms; the other's page counts it. Screenshots.
func TestBrowserCommitteeMergesDuplicate(t *testing.T) {
	hs := newHubSite(t)
	hs.addUnits(t, "czj", "市财政局")
	a, b := hubOpinion(1, "建议加大乡村道路建设资金投入"), hubOpinion(2, "建议加大乡村道路建设的资金投入力度")
	hs.ingest(t, "hongta", 1, 1, a)
	hs.ingest(t, "tonghai", 1, 1, b)

	ctx := webtest.Browser(t)
	webtest.SignIn(t, ctx, hs.URL, "committee", demo.DemoPassword)
	webtest.Run(t, ctx, "the opinion's page", chromedp.Navigate(hs.URL+"/lang/zh?next=/hub/opinions/"+b.ID), chromedp.WaitVisible(chromedp.ID("sim-"+a.ID)))
	sim := webtest.Read(t, ctx, "the suggestion", chromedp.Text(chromedp.ID("sim-"+a.ID)))
	webtest.MustContain(t, sim, "建议加大乡村道路建设资金投入", "红塔区人大常委会", "相似度", "%", "并入这一条")
	webtest.Shot(t, ctx, "1-likely-duplicate")
	// From the suggestion's link, Tab reaches its button; Enter merges.
	webtest.Run(t, ctx, "tab to the button", chromedp.Focus(chromedp.CSS("#sim-"+a.ID+" a")), chromedp.KeyEvent(kb.Tab))
	onButton := webtest.Read(t, ctx, "focus", chromedp.Evaluate[string](`document.activeElement.tagName + ":" + document.activeElement.textContent.trim()`))
	if onButton != "BUTTON:并入这一条" {
		t.Fatalf("Tab from the suggestion's link reaches %q, want its button", onButton)
	}
	webtest.Run(t, ctx, "merge", chromedp.KeyEvent(kb.Enter))
	webtest.WaitFor(t, ctx, ".flash-ok")
	flash := webtest.Read(t, ctx, "the flash", chromedp.Text(chromedp.CSS(".flash-ok")))
	webtest.MustContain(t, flash, "已并案", "建议加大乡村道路建设资金投入")
	row := webtest.Read(t, ctx, "the row", chromedp.Text(chromedp.ID("op-"+b.ID)))
	webtest.MustContain(t, row, "已并入：建议加大乡村道路建设资金投入", "这条意见随所并入的那一条办理")
	forms := webtest.Read(t, ctx, "the row's forms", chromedp.Evaluate[int](`document.querySelectorAll("#op-`+b.ID+` form").length`))
	if forms != 0 {
		t.Errorf("the merged opinion's row has %d forms", forms)
	}
	if o, err := hs.H.Opinion(asCommittee(), b.ID); err != nil || o.MergedInto != a.ID {
		t.Fatalf("merged: %+v %v", o, err)
	}
	webtest.Shot(t, ctx, "2-merged")
	webtest.Run(t, ctx, "the other", chromedp.Click(chromedp.CSS(".merged-into a")), chromedp.WaitVisible(chromedp.ID("op-"+a.ID)))
	other := webtest.Read(t, ctx, "the other's row", chromedp.Text(chromedp.ID("op-"+a.ID)))
	webtest.MustContain(t, other, "已有 1 条意见并入这一条", "建议加大乡村道路建设的资金投入力度", "通海县人大常委会")
	webtest.Shot(t, ctx, "3-merged-into")
}
