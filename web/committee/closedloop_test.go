package committee

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"budgetpoint/hub"
	"budgetpoint/internal/testutil"
	"budgetpoint/internal/workdays"
	"budgetpoint/models"
	"budgetpoint/web/internal/webtest"
)

// asCommittee is a context acting as the committee's login, for the store.
func asCommittee() context.Context {
	return models.WithActor(context.Background(), models.Actor{User: "committee", Role: "committee"})
}

// addUnits registers units (id, name pairs) as departments.
func (hs *hubSite) addUnits(t *testing.T, idName ...string) {
	t.Helper()
	for i := 0; i+1 < len(idName); i += 2 {
		if err := hs.H.Store.CreateUnit(asCommittee(), &hub.Unit{ID: idName[i], Name: idName[i+1], Kind: "department"}); err != nil {
			t.Fatal(err)
		}
	}
}

// setDue sets an opinion's due date behind the hub's back (the API
// refuses past dates), through a connection of the test's own.
func (hs *hubSite) setDue(t *testing.T, id, due string) {
	t.Helper()
	testutil.Exec(t, hs.DB, `UPDATE hub_opinions SET due=? WHERE id=?`, due, id)
}

// rowOf is the article of an opinion on the workbench.
func rowOf(t *testing.T, body, id string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<article[^>]*id="op-` + regexp.QuoteMeta(id) + `".*?</article>`).FindString(body)
	if m == "" {
		t.Fatalf("no row of %s on the page", id)
	}
	return m
}

// TestHubUnitsPage: the committee lists the units and adds one; a mistake
// is said beside its field (422) and adds nothing.
func TestHubUnitsPage(t *testing.T) {
	hs := newHubSite(t)
	ctx := context.Background()
	c := hs.Login(t, "committee")
	tok := hs.hubCSRF(t, c)
	body := hs.Get(t, c, "/hub/units", http.StatusOK)
	webtest.MustContain(t, body, "承办单位", "还没有承办单位", `href="/hub/units"`, `aria-current="page"`, `<label for="unit-name">`)
	count := func() int {
		us, err := hs.H.Store.Units(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return len(us)
	}
	_, body = hs.Post(t, c, "/hub/units", url.Values{"csrf": {tok}, "id": {"财政"}, "name": {"  "}, "kind": {"club"}}, http.StatusUnprocessableEntity)
	webtest.MustContain(t, body, `id="err-unit-name"`, `id="err-unit-id"`, `id="err-unit-kind"`, "请填写单位名称", "请选择类别", `value="财政"`)
	if count() != 0 {
		t.Fatal("a refused unit was added")
	}
	res, _ := hs.Post(t, c, "/hub/units", url.Values{"csrf": {tok}, "id": {"czj"}, "name": {"市财政局"}, "kind": {"department"}}, http.StatusSeeOther)
	if !strings.HasPrefix(res.Header.Get("Location"), "/hub/units") {
		t.Errorf("after adding: %s", res.Header.Get("Location"))
	}
	hs.Post(t, c, "/hub/units", url.Values{"csrf": {tok}, "id": {"ytjt"}, "name": {"玉溪投资集团"}, "kind": {"enterprise"}}, http.StatusSeeOther)
	body = hs.Get(t, c, "/hub/units", http.StatusOK)
	webtest.MustContain(t, body, "已添加承办单位：玉溪投资集团", `id="unit-czj"`, "市财政局", "部门", "玉溪投资集团", "企业", "<code>ytjt</code>")
	// The same id or name again: refused beside the fields.
	_, body = hs.Post(t, c, "/hub/units", url.Values{"csrf": {tok}, "id": {"czj"}, "name": {"市财政局（二）"}, "kind": {"department"}}, http.StatusUnprocessableEntity)
	webtest.MustContain(t, body, "这个编号或名称已被其他单位使用", `aria-invalid="true"`)
	if count() != 2 {
		t.Fatalf("%d units, want 2", count())
	}
	// In English.
	hs.english(t, c)
	webtest.MustContain(t, hs.Get(t, c, "/hub/units", http.StatusOK), "Handling units", "enterprise", "Add a unit")
}

// TestHubAssignOnWorkbench: one opinion assigned with its form (lead,
// assisting unit, the default due date), many at once with the bulk form
// (the ones that cannot be assigned are named with the reason), and every
// mistake of a form refused with nothing changed.
func TestHubAssignOnWorkbench(t *testing.T) {
	hs := newHubSite(t)
	ctx := context.Background()
	hs.addUnits(t, "czj", "市财政局", "jtj", "市交通运输局")
	a, b, x := hubOpinion(1, "建议加大乡村道路投入"), hubOpinion(2, "建议公开三公经费"), hubOpinion(3, "建议压减一般性支出")
	hs.ingest(t, "hongta", 1, 1, a, b, x)
	c := hs.Login(t, "committee")
	tok := hs.hubCSRF(t, c)
	def := hs.H.Calendar.Months(hs.H.Store.Now(), hub.DefaultDueMonths).Format(time.DateOnly)

	body := hs.Get(t, c, "/hub/opinions", http.StatusOK)
	webtest.MustContain(t, body, "交办所选", `form="bulk"`, `<label for="as-`+a.ID+`-lead">`, `<label for="bulk-lead">`, "留空则为三个月后："+def,
		`<option value="accepted"`, "已签收")
	status := func(id string) models.Opinion {
		o, err := hs.H.Opinion(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	assign := func(id string, form url.Values, want int) string {
		t.Helper()
		form.Set("csrf", tok)
		_, body := hs.Post(t, c, "/hub/opinions/"+id+"/assign", form, want)
		return body
	}
	// Mistakes: no lead, a past due date, the lead also assisting.
	body = assign(a.ID, url.Values{"due": {""}}, http.StatusUnprocessableEntity)
	webtest.MustContain(t, body, "请选择主办单位", `id="err-as-`+a.ID+`-lead"`, `<details class="assign" open>`)
	body = assign(a.ID, url.Values{"lead": {"czj"}, "due": {"2020-01-06"}}, http.StatusUnprocessableEntity)
	webtest.MustContain(t, body, "办理期限不能早于今天", `id="err-as-`+a.ID+`-due"`, `value="2020-01-06"`)
	body = assign(a.ID, url.Values{"lead": {"czj"}, "assist": {"czj"}}, http.StatusUnprocessableEntity)
	webtest.MustContain(t, body, "主办单位不必再列为协办")
	if o := status(a.ID); o.Status != "reported" || o.Lead != "" {
		t.Fatalf("a refused assignment changed the opinion: %+v", o)
	}
	res, _ := hs.Post(t, c, "/hub/opinions/"+a.ID+"/assign", url.Values{"csrf": {tok}, "lead": {"czj"}, "assist": {"jtj"}, "due": {""}, "back": {"point=hongta"}}, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/hub/opinions?point=hongta#op-"+a.ID {
		t.Errorf("after assigning: %s", loc)
	}
	if o := status(a.ID); o.Status != "forwarded" || o.Lead != "czj" || len(o.Assist) != 1 || o.Due != def {
		t.Fatalf("assigned: %+v", o)
	}
	body = hs.Get(t, c, "/hub/opinions?point=hongta", http.StatusOK)
	webtest.MustContain(t, body, "已交办市财政局（协办：市交通运输局），办理期限 "+def)
	row := rowOf(t, body, a.ID)
	webtest.MustContain(t, row, `<span class="lead-unit">市财政局</span>`, `<span class="assist-units">市交通运输局</span>`, `<span class="due">`+def+`</span>`,
		"第 1 轮", "重新交办", "办理记录（1 步）", "交办给市财政局，协办：市交通运输局，期限 "+def, ">committee<")
	if strings.Contains(row, ">czj<") {
		t.Error("the row names the unit by its id")
	}

	// x answered: it cannot be assigned any more.
	hs.Post(t, c, "/hub/opinions/"+x.ID, url.Values{"csrf": {tok}, "op": {"answer"}, "answer": {"已答复"}}, http.StatusSeeOther)
	bulk := func(form url.Values, want int) (*http.Response, string) {
		t.Helper()
		form.Set("csrf", tok)
		return hs.Post(t, c, "/hub/assign", form, want)
	}
	// Nothing ticked, no lead, an unknown unit: said, nothing assigned.
	_, body = bulk(url.Values{"lead": {"jtj"}}, http.StatusUnprocessableEntity)
	webtest.MustContain(t, body, "请先勾选要交办的意见建议", `id="err-bulk"`)
	_, body = bulk(url.Values{"ids": {b.ID}}, http.StatusUnprocessableEntity)
	webtest.MustContain(t, body, "请选择主办单位", `id="err-bulk-lead"`, `id="sel-`+b.ID+`" name="ids" value="`+b.ID+`" form="bulk" checked`)
	_, body = bulk(url.Values{"ids": {b.ID, x.ID}, "lead": {"nowhere"}}, http.StatusUnprocessableEntity)
	webtest.MustContain(t, body, "没有这个承办单位", `id="err-bulk-lead"`)
	if o := status(b.ID); o.Status != "reported" {
		t.Fatalf("a refused bulk assignment changed an opinion: %+v", o)
	}
	// b and a (again) assigned; x is not, and the page says why.
	res, _ = bulk(url.Values{"ids": {b.ID, x.ID, a.ID}, "lead": {"jtj"}, "due": {""}, "back": {"point=hongta"}}, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/hub/opinions?point=hongta" {
		t.Errorf("after the bulk assignment: %s", loc)
	}
	body = hs.Get(t, c, "/hub/opinions?point=hongta", http.StatusOK)
	webtest.MustContain(t, body, "已交办 2 条给市交通运输局，办理期限 "+def+"；1 条没有交办：“建议压减一般性支出”：“已答复”的意见不能再交办")
	if o := status(b.ID); o.Lead != "jtj" || o.Status != "forwarded" {
		t.Errorf("b after the bulk assignment: %+v", o)
	}
	if o := status(a.ID); o.Lead != "jtj" || o.Assist != nil {
		t.Errorf("a reassigned: %+v", o)
	}
	if o := status(x.ID); o.Status != "answered" || o.Lead != "" {
		t.Errorf("x changed: %+v", o)
	}
	// The rows that cannot be assigned have no tick box.
	if strings.Contains(rowOf(t, body, x.ID), `form="bulk"`) {
		t.Error("an answered opinion can be ticked for assigning")
	}
	// The status filter has 已签收.
	hs.Get(t, c, "/hub/opinions?status=accepted", http.StatusOK)
}

// TestHubUnsatisfiedReopensUnderSupervision: the unit replies (grade A);
// the committee closes with 不满意 on the workbench; the page says round 2
// began under supervision (not 已办结), and the row shows the round, the
// 督办 mark, the reply with its grade and the history.
func TestHubUnsatisfiedReopensUnderSupervision(t *testing.T) {
	hs := newHubSite(t)
	ctx := context.Background()
	hs.addUnits(t, "czj", "市财政局")
	a := hubOpinion(1, "建议加大乡村道路投入")
	hs.ingest(t, "hongta", 1, 1, a)
	c := hs.Login(t, "committee")
	tok := hs.hubCSRF(t, c)
	hs.Post(t, c, "/hub/opinions/"+a.ID+"/assign", url.Values{"csrf": {tok}, "lead": {"czj"}}, http.StatusSeeOther)
	unit := models.WithActor(ctx, models.Actor{User: "czj-staff", Role: "unit"})
	if _, err := hs.H.Store.UnitAct(unit, "czj", a.ID, hub.UnitStep{Action: "reply", Grade: "A", Content: "已安排专项资金"}, hs.H.Calendar); err != nil {
		t.Fatal(err)
	}
	res, _ := hs.Post(t, c, "/hub/opinions/"+a.ID, url.Values{"csrf": {tok}, "op": {"close"}, "evaluation": {"unsatisfied"}}, http.StatusSeeOther)
	o, err := hs.H.Opinion(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != "forwarded" || o.Round != 2 || !o.Supervised {
		t.Fatalf("after 不满意: %+v", o)
	}
	body := hs.Get(t, c, res.Header.Get("Location"), http.StatusOK)
	webtest.MustContain(t, body, "提出人不满意：已进入第 2 轮办理（督办），仍由市财政局主办，办理期限 "+o.Due)
	if flash := regexp.MustCompile(`<div class="flash[^>]*>[^<]*</div>`).FindString(body); strings.Contains(flash, "已办结") {
		t.Error("the page says 已办结 after an unsatisfied evaluation")
	}
	row := rowOf(t, body, a.ID)
	webtest.MustContain(t, row, "第 2 轮", `<strong class="badge supervised">督办</strong>`, "承办单位的答复", "第 1 轮 · 市财政局", "答复类别 A 类：已解决", "已安排专项资金",
		"办理记录（3 步）", "市财政局答复（A 类：已解决）", "提出人不满意，重新办理（督办）", ">czj-staff<")
	// The opinion's own page: the same, open, and its forms come back to it.
	body = hs.Get(t, c, "/hub/opinions/"+a.ID, http.StatusOK)
	webtest.MustContain(t, body, "意见建议办理详情", `<details class="hub-op-story" open>`, `name="single" value="1"`, "返回意见建议办理")
	res, _ = hs.Post(t, c, "/hub/opinions/"+a.ID+"/assign", url.Values{"csrf": {tok}, "lead": {"czj"}, "single": {"1"}}, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/hub/opinions/"+a.ID {
		t.Errorf("the assign form of the opinion's page goes back to %s", loc)
	}
	_, body = hs.Post(t, c, "/hub/opinions/"+a.ID+"/assign", url.Values{"csrf": {tok}, "lead": {""}, "single": {"1"}}, http.StatusUnprocessableEntity)
	webtest.MustContain(t, body, "意见建议办理详情", "请选择主办单位")
	_, body = hs.Post(t, c, "/hub/opinions/"+a.ID, url.Values{"csrf": {tok}, "op": {"answer"}, "answer": {"  "}, "single": {"1"}}, http.StatusUnprocessableEntity)
	webtest.MustContain(t, body, "意见建议办理详情", "请填写答复内容")
	// Assigned to a unit: its lead unit answers, not the committee in its place.
	if strings.Contains(rowOf(t, hs.Get(t, c, "/hub/opinions/"+a.ID, http.StatusOK), a.ID), `id="answer-`+a.ID+`"`) {
		t.Error("the committee is offered to answer an opinion assigned to a unit")
	}
	_, body = hs.Post(t, c, "/hub/opinions/"+a.ID, url.Values{"csrf": {tok}, "op": {"answer"}, "answer": {"第二轮答复"}, "single": {"1"}}, http.StatusUnprocessableEntity)
	webtest.MustContain(t, body, "意见建议办理详情", "由主办单位答复")
	if o, err := hs.H.Opinion(ctx, a.ID); err != nil || o.Status != "forwarded" || o.Answer == "第二轮答复" {
		t.Fatalf("a refused answer changed the opinion: %+v %v", o, err)
	}
	hs.Get(t, c, "/hub/opinions/no-such-opinion", http.StatusNotFound)
}

// TestHubSupervisionPage: the opinions assigned and not answered, soonest
// due first, red past due and amber within 10 working days, sortable by
// unit and by point; the workbook has the same rows and is audited.
func TestHubSupervisionPage(t *testing.T) {
	hs := newHubSite(t)
	ctx := context.Background()
	hs.addUnits(t, "czj", "市财政局", "jtj", "市交通运输局")
	past, soon, later, open, done := hubOpinion(1, "建议加大乡村道路投入"), hubOpinion(2, "建议公开三公经费"), hubOpinion(3, "建议压减一般性支出"), hubOpinion(4, "未交办的意见"), hubOpinion(5, "已答复的意见")
	hs.ingest(t, "hongta", 1, 1, past, later, open)
	hs.ingest(t, "tonghai", 1, 1, soon, done)
	cal := hs.H.Calendar
	now := hs.H.Store.Now()
	soonDue := cal.Add(now, 5).Format(time.DateOnly)
	for id, a := range map[string]hub.Assignment{past.ID: {Lead: "czj"}, soon.ID: {Lead: "jtj", Due: soonDue}, later.ID: {Lead: "czj"}, done.ID: {Lead: "czj"}} {
		if _, err := hs.H.AssignOpinion(asCommittee(), id, a); err != nil {
			t.Fatal(err)
		}
	}
	pastDue := cal.Add(now.AddDate(0, 0, -21), 0).Format(time.DateOnly)
	hs.setDue(t, past.ID, pastDue)
	if _, err := hs.H.Store.UnitAct(ctx, "czj", done.ID, hub.UnitStep{Action: "reply", Grade: "B", Content: "正在办理"}, cal); err != nil {
		t.Fatal(err)
	}
	c := hs.Login(t, "committee")
	order := func(body string) []string {
		var out []string
		for _, m := range regexp.MustCompile(`<tr id="sv-([^"]+)"`).FindAllStringSubmatch(body, -1) {
			out = append(out, m[1])
		}
		return out
	}
	want := func(sort string, ids ...string) string {
		t.Helper()
		body := hs.Get(t, c, "/hub/supervision?sort="+sort, http.StatusOK)
		if got := order(body); strings.Join(got, ",") != strings.Join(ids, ",") {
			t.Errorf("sort=%s: rows %v, want %v", sort, got, ids)
		}
		return body
	}
	body := want("due", past.ID, soon.ID, later.ID)
	webtest.MustContain(t, body, `<tr id="sv-`+past.ID+`" class="due-over">`, `<tr id="sv-`+soon.ID+`" class="due-soon">`, `<tr id="sv-`+later.ID+`" class="">`,
		"共 3 条：已超期 1 条，临近期限 1 条", pastDue, soonDue, ">5 <strong class=\"badge soon\">临近期限</strong>", "市交通运输局", "红塔区人大常委会", "通海县人大常委会",
		`href="/hub/opinions/`+past.ID+`"`, `aria-sort="ascending">办理期限`, `href="/hub/supervision.xlsx?sort=due"`)
	d, _ := time.ParseInLocation(time.DateOnly, pastDue, workdays.China)
	webtest.MustContain(t, body, `<td class="num nowrap">-`+strconv.Itoa(cal.Between(d, now))+` <strong class="badge overdue">`)
	if strings.Contains(body, open.ID) || strings.Contains(body, done.ID) {
		t.Error("an opinion not assigned, or answered, is under supervision")
	}
	// 市交通运输局 sorts before 市财政局 (by their characters); hongta before tonghai.
	want("unit", soon.ID, past.ID, later.ID)
	want("point", past.ID, later.ID, soon.ID)
	want("nonsense", past.ID, soon.ID, later.ID)

	// The workbook: the same rows, in the same order, audited.
	res, err := c.Get(hs.URL + "/hub/supervision.xlsx?sort=unit")
	if err != nil {
		t.Fatal(err)
	}
	b := []byte(webtest.ReadAll(t, res))
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Type"), "spreadsheetml") || !strings.Contains(res.Header.Get("Content-Disposition"), "filename*=UTF-8''") {
		t.Fatalf("export: %d %s %s", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"))
	}
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("督办")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[0][4] != "主办单位" || rows[1][3] != "建议公开三公经费" || rows[1][4] != "市交通运输局" || rows[2][6] != pastDue || rows[2][9] != "已交办" {
		t.Errorf("the workbook's rows: %q", rows)
	}
	if len(f.GetDefinedName()) == 0 {
		t.Error("the workbook has no print titles")
	}
	p, err := hs.DB.AuditLog(ctx, models.AuditFilter{Action: "export", Limit: 10})
	if err != nil || len(p.Items) != 1 || p.Items[0].Actor.User != "committee" || !strings.Contains(p.Items[0].Object.ID, "/hub/supervision.xlsx") {
		t.Errorf("the export's audit: %+v %v", p.Items, err)
	}
	// Nothing under supervision: said.
	hs2 := newHubSite(t)
	webtest.MustContain(t, hs2.Get(t, hs2.Login(t, "committee"), "/hub/supervision", http.StatusOK), "目前没有需要督办的意见建议")
}

// TestHubStatsPage: per unit, assigned, answered, on time, overdue,
// evaluated, satisfied, and the rates ("—" where there is nothing to divide).
func TestHubStatsPage(t *testing.T) {
	hs := newHubSite(t)
	ctx := context.Background()
	hs.addUnits(t, "czj", "市财政局", "jtj", "市交通运输局")
	a, b := hubOpinion(1, "建议加大乡村道路投入"), hubOpinion(2, "建议公开三公经费")
	hs.ingest(t, "hongta", 1, 1, a, b)
	for _, id := range []string{a.ID, b.ID} {
		if _, err := hs.H.AssignOpinion(asCommittee(), id, hub.Assignment{Lead: "czj"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := hs.H.Store.UnitAct(ctx, "czj", a.ID, hub.UnitStep{Action: "reply", Grade: "A", Content: "已解决"}, hs.H.Calendar); err != nil {
		t.Fatal(err)
	}
	if _, err := hs.H.MoveOpinion(asCommittee(), a.ID, hub.OpinionPatch{Status: "closed", Evaluation: "basic"}); err != nil {
		t.Fatal(err)
	}
	c := hs.Login(t, "committee")
	body := hs.Get(t, c, "/hub/stats", http.StatusOK)
	webtest.MustContain(t, body, "办理统计", "办复率", "满意率", "按期答复",
		`<tr id="st-czj"><th scope="row">市财政局</th>
<td class="num">2</td><td class="num">1</td><td class="num">1</td><td class="num">0</td>
<td class="num">1</td><td class="num">1</td><td class="num">50.0%</td><td class="num">100.0%</td></tr>`,
		`<tr id="st-jtj"><th scope="row">市交通运输局</th>
<td class="num">0</td><td class="num">0</td><td class="num">0</td><td class="num">0</td>
<td class="num">0</td><td class="num">0</td><td class="num">—</td><td class="num">—</td></tr>`,
		// Per topic: both opinions are the test topic's.
		`<td class="num">2</td><td class="num">1</td><td class="num">1</td><td class="num">0</td>
<td class="num">1</td><td class="num">1</td><td class="num">50.0%</td><td class="num">100.0%</td></tr>`, `id="st-topic-`)
	hs.english(t, c)
	webtest.MustContain(t, hs.Get(t, c, "/hub/stats", http.StatusOK), "Answer rate", "Satisfaction rate", "50.0%")
}

// TestHubClosedLoopFormsNeedCSRF: the forms of 承办单位 and 交办 change
// nothing without the session's token.
func TestHubClosedLoopFormsNeedCSRF(t *testing.T) {
	hs := newHubSite(t)
	ctx := context.Background()
	hs.addUnits(t, "czj", "市财政局")
	a := hubOpinion(1, "建议加大乡村道路投入")
	hs.ingest(t, "hongta", 1, 1, a)
	c := hs.Login(t, "committee")
	for path, form := range map[string]url.Values{
		"/hub/units":                        {"id": {"jtj"}, "name": {"市交通运输局"}, "kind": {"department"}},
		"/hub/opinions/" + a.ID + "/assign": {"lead": {"czj"}},
		"/hub/assign":                       {"ids": {a.ID}, "lead": {"czj"}, "csrf": {"not-the-token"}},
	} {
		_, body := hs.Post(t, c, path, form, http.StatusForbidden)
		webtest.MustContain(t, body, "页面已过期")
	}
	if us, _ := hs.H.Store.Units(ctx); len(us) != 1 {
		t.Errorf("a unit was added without the token: %+v", us)
	}
	if o, _ := hs.H.Opinion(ctx, a.ID); o.Status != "reported" || o.Lead != "" {
		t.Errorf("assigned without the token: %+v", o)
	}
}
