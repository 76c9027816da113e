package committee

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode"

	"golang.org/x/net/html"

	"budgetpoint/db"
	"budgetpoint/hub"
	"budgetpoint/internal/testutil"
	"budgetpoint/internal/workdays"
	"budgetpoint/models"
	"budgetpoint/web/internal/webtest"
)

// unitFixture is a hub with two units (市财政局 czj, 市交通运输局 jtj), a
// login of each (czj1, jtj1), and opinions assigned to them.
type unitFixture struct {
	*hubSite
	czj, jtj *http.Client
	// Mine is led by czj with jtj assisting; Other is jtj's alone; Late is
	// czj's, assigned 20 days ago.
	Mine, Other, Late models.Opinion
}

// committeeCtx acts as the committee's login (the history's actor).
var committeeCtx = models.WithActor(context.Background(), models.Actor{User: "committee", Role: "committee"})

func newUnitFixture(t *testing.T) *unitFixture {
	t.Helper()
	hs := newHubSite(t)
	ctx := context.Background()
	for _, u := range []hub.Unit{{ID: "czj", Name: "市财政局", Kind: "department"}, {ID: "jtj", Name: "市交通运输局", Kind: "department"}} {
		if err := hs.H.Store.CreateUnit(ctx, &u); err != nil {
			t.Fatal(err)
		}
	}
	f := &unitFixture{hubSite: hs}
	f.Mine, f.Other, f.Late = hubOpinion(1, "建议加大乡村道路养护资金投入"), hubOpinion(2, "建议公开交通专项资金使用情况"), hubOpinion(3, "建议压减一般性支出")
	hs.ingest(t, "hongta", 1, 2, f.Mine, f.Other, f.Late)
	f.assign(t, f.Mine.ID, hub.Assignment{Lead: "czj", Assist: []string{"jtj"}})
	f.assign(t, f.Other.ID, hub.Assignment{Lead: "jtj"})
	f.assign(t, f.Late.ID, hub.Assignment{Lead: "czj"})
	f.sql(t, `UPDATE hub_opinions SET assigned_at=? WHERE id=?`, db.FormatTime(time.Now().AddDate(0, 0, -20)), f.Late.ID)
	f.czj, f.jtj = f.unitLogin(t, "czj1", "czj"), f.unitLogin(t, "jtj1", "jtj")
	return f
}

func (f *unitFixture) assign(t *testing.T, id string, a hub.Assignment) {
	t.Helper()
	if _, err := f.H.AssignOpinion(committeeCtx, id, a); err != nil {
		t.Fatal(err)
	}
}

// sql runs a statement on the hub's database directly (what no page may do).
func (f *unitFixture) sql(t *testing.T, q string, args ...any) {
	t.Helper()
	testutil.Exec(t, f.DB, q, args...)
}

// unitLogin adds a login of a unit and signs it in: it lands on /unit.
func (f *unitFixture) unitLogin(t *testing.T, name, unit string) *http.Client {
	t.Helper()
	if _, err := f.DB.CreateLogin(context.Background(), db.NewLogin{Name: name, Role: "unit", Password: f.Password, UnitID: unit}); err != nil {
		t.Fatal(err)
	}
	c := f.Client(t)
	m := webtest.CSRFRe.FindStringSubmatch(f.Get(t, c, "/login", http.StatusOK))
	res, _ := f.Post(t, c, "/login", url.Values{"csrf": {m[1]}, "name": {name}, "password": {f.Password}, "next": {"/"}}, http.StatusSeeOther)
	if to := res.Header.Get("Location"); to != "/unit" {
		t.Fatalf("a unit login signs in to %q, want its inbox /unit", to)
	}
	return c
}

// csrf reads the session's CSRF token from the unit's inbox.
func (f *unitFixture) csrf(t *testing.T, c *http.Client) string {
	t.Helper()
	m := webtest.CSRFRe.FindStringSubmatch(f.Get(t, c, "/unit", http.StatusOK))
	if m == nil {
		t.Fatal("no csrf token on the inbox")
	}
	return m[1]
}

func (f *unitFixture) status(t *testing.T, id string) models.Opinion {
	t.Helper()
	o, err := f.H.Opinion(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// TestUnitInbox: a unit login sees its unit's opinions only, in sections,
// with the topic, point, due date, working days left, round and its part
// (主办, 协办); its nav is its own; / sends it to its inbox; the
// committee's pages are 403 for it, and its pages 403 for the committee.
func TestUnitInbox(t *testing.T) {
	f := newUnitFixture(t)
	// One opinion of czj's due in 3 working days, one overdue.
	soon, over := hubOpinion(4, "建议增加学校午餐补助"), hubOpinion(5, "建议整治城区积水路段")
	f.ingest(t, "tonghai", 1, 1, soon, over)
	f.assign(t, soon.ID, hub.Assignment{Lead: "czj", Due: f.H.Calendar.Add(time.Now(), 3).Format(time.DateOnly)})
	f.assign(t, over.ID, hub.Assignment{Lead: "czj"})
	f.sql(t, `UPDATE hub_opinions SET due='2026-01-05' WHERE id=?`, over.ID)
	if _, err := f.H.Store.UnitAct(context.Background(), "czj", f.Late.ID, hub.UnitStep{Action: "accept"}, f.H.Calendar); err != nil {
		t.Fatal(err)
	}

	body := f.Get(t, f.czj, "/unit", http.StatusOK)
	webtest.MustContain(t, body, "待办意见", "市财政局", f.Mine.Content, f.Late.Content, soon.Content, over.Content,
		"新交办", "已签收", "即将到期", "已超期", "已答复、已办结", "主办", "第 1 轮", "红塔区人大常委会", "还剩 3 个工作日", "已超期", "个工作日",
		`href="/unit/opinions/`+f.Mine.ID+`"`, `href="/account"`)
	webtest.MustNotContain(t, body, f.Other.Content, `href="/hub/opinions"`, `href="/hub/topics"`, "六个联系点一览")
	sec := func(id string) string {
		i := strings.Index(body, `id="sec-`+id+`"`)
		if i < 0 {
			t.Fatalf("no section %s", id)
		}
		rest := body[i+1:]
		if j := strings.Index(rest, `<section`); j >= 0 {
			rest = rest[:j]
		}
		return rest
	}
	webtest.MustContain(t, sec("overdue"), over.Content, "due-late")
	webtest.MustContain(t, sec("soon"), soon.Content, "due-soon")
	webtest.MustContain(t, sec("new"), f.Mine.Content)
	webtest.MustContain(t, sec("accepted"), f.Late.Content)

	// jtj sees its own and the one it assists with, as 协办.
	jb := f.Get(t, f.jtj, "/unit", http.StatusOK)
	webtest.MustContain(t, jb, f.Other.Content, f.Mine.Content, "协办")
	webtest.MustNotContain(t, jb, f.Late.Content, soon.Content)

	// Its own start; the committee's pages are not its.
	res, _ := f.czj.Get(f.URL + "/")
	webtest.CloseBody(t, res)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/unit" {
		t.Errorf("GET / as a unit: %d %s, want a redirect to /unit", res.StatusCode, res.Header.Get("Location"))
	}
	for _, p := range []string{"/hub/opinions", "/hub/topics", "/hub/publish", "/hub/export", "/questionnaires/new", "/users", "/audit"} {
		f.Get(t, f.czj, p, http.StatusForbidden)
	}
	tok := f.csrf(t, f.czj)
	f.Post(t, f.czj, "/hub/opinions/"+f.Mine.ID, url.Values{"csrf": {tok}, "op": {"forward"}}, http.StatusForbidden)
	f.Get(t, f.czj, "/account", http.StatusOK)
	for _, role := range []string{"committee", "admin"} {
		c := f.Login(t, role)
		f.Get(t, c, "/unit", http.StatusForbidden)
		f.Get(t, c, "/unit/opinions/"+f.Mine.ID, http.StatusForbidden)
		if b := f.Get(t, c, "/", http.StatusOK); strings.Contains(b, `href="/unit"`) {
			t.Errorf("%s sees the unit's nav", role)
		}
	}
	// Signed out: to the sign-in page, and back.
	res, _ = f.Client(t).Get(f.URL + "/unit")
	webtest.CloseBody(t, res)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login?next=%2Funit" {
		t.Errorf("GET /unit signed out: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
}

// TestUnitOpinionPage: the lead unit sees the whole opinion with its
// proposer, assignment and history, and the forms 签收, 退回 and 答复; an
// assisting unit sees it without them and a forged POST is refused (403),
// nothing changed; another unit's opinion is not found.
func TestUnitOpinionPage(t *testing.T) {
	f := newUnitFixture(t)
	body := f.Get(t, f.czj, "/unit/opinions/"+f.Mine.ID, http.StatusOK)
	webtest.MustContain(t, body, f.Mine.Content, "张三", "县（区）人大代表", "座谈会", "主办单位", "市财政局（本单位）", "协办单位", "市交通运输局",
		"办理经过", "交办", "committee", "签收这条意见", "退回预工委", "退回理由", "答复类别", "A 类：已解决", "B 类：正在解决", "C 类：列入计划", "D 类：留作参考", "答复内容", "跟踪日期", "B、C 类答复需要跟踪落实：不填则为三个月后",
		`action="/unit/opinions/`+f.Mine.ID+`/accept"`, `action="/unit/opinions/`+f.Mine.ID+`/return"`, `action="/unit/opinions/`+f.Mine.ID+`/reply"`)

	jb := f.Get(t, f.jtj, "/unit/opinions/"+f.Mine.ID, http.StatusOK)
	webtest.MustContain(t, jb, f.Mine.Content, "协办单位", "请把协办意见送主办单位市财政局")
	webtest.MustNotContain(t, jb, "/accept", "/return", "/reply", `name="grade"`)
	tok := f.csrf(t, f.jtj)
	for _, step := range []struct {
		path string
		form url.Values
	}{
		{"/accept", url.Values{}},
		{"/return", url.Values{"reason": {"不是本单位职责"}}},
		{"/reply", url.Values{"grade": {"A"}, "content": {"已解决"}}},
		{"/reply", url.Values{}},
	} {
		step.form.Set("csrf", tok)
		_, b := f.Post(t, f.jtj, "/unit/opinions/"+f.Mine.ID+step.path, step.form, http.StatusForbidden)
		webtest.MustContain(t, b, "只有主办单位才能签收、退回或答复")
	}
	if o := f.status(t, f.Mine.ID); o.Status != "forwarded" || o.Lead != "czj" || len(o.Replies) != 0 {
		t.Fatalf("after an assisting unit's forged steps: %+v", o)
	}

	// Another unit's, or none: not found.
	f.Get(t, f.czj, "/unit/opinions/"+f.Other.ID, http.StatusNotFound)
	f.Get(t, f.czj, "/unit/opinions/no-such", http.StatusNotFound)
	ctok := f.csrf(t, f.czj)
	f.Post(t, f.czj, "/unit/opinions/"+f.Other.ID+"/accept", url.Values{"csrf": {ctok}}, http.StatusNotFound)
	if o := f.status(t, f.Other.ID); o.Status != "forwarded" {
		t.Fatalf("another unit's accept moved it: %s", o.Status)
	}
	// Without the CSRF token: refused.
	f.Post(t, f.czj, "/unit/opinions/"+f.Mine.ID+"/accept", url.Values{}, http.StatusForbidden)
	if o := f.status(t, f.Mine.ID); o.Status != "forwarded" {
		t.Fatalf("accepted without the token: %s", o.Status)
	}
}

// TestUnitSteps: the lead unit signs for an opinion, replies with a grade
// (the reply kept with its round, shown as 已答复); returns one with a
// reason (back to the committee, gone from its inbox); bad input and a
// return past 7 working days are refused with a clear message beside the
// form, nothing changed.
func TestUnitSteps(t *testing.T) {
	f := newUnitFixture(t)
	tok := f.csrf(t, f.czj)
	page := "/unit/opinions/" + f.Mine.ID
	res, _ := f.Post(t, f.czj, page+"/accept", url.Values{"csrf": {tok}}, http.StatusSeeOther)
	if res.Header.Get("Location") != page {
		t.Fatalf("after 签收: to %s", res.Header.Get("Location"))
	}
	body := f.Get(t, f.czj, page, http.StatusOK)
	webtest.MustContain(t, body, "已签收，请在办理期限内答复", "status-accepted", "签收", "czj1")
	webtest.MustNotContain(t, body, "签收这条意见")
	// Signed for twice: refused, said so.
	_, b := f.Post(t, f.czj, page+"/accept", url.Values{"csrf": {tok}}, http.StatusConflict)
	webtest.MustContain(t, b, "这条意见没有改动", "不能这样办理")

	// A reply without a grade, without content, with an unknown grade.
	for name, c := range map[string]struct {
		form url.Values
		msg  string
	}{
		"no grade":   {url.Values{"content": {"已纳入预算"}}, "请选择答复类别：A、B、C 或 D"},
		"bad grade":  {url.Values{"grade": {"E"}, "content": {"已纳入预算"}}, "请选择答复类别"},
		"no content": {url.Values{"grade": {"B"}, "content": {"  "}}, "请填写答复内容"},
	} {
		c.form.Set("csrf", tok)
		_, b := f.Post(t, f.czj, page+"/reply", c.form, http.StatusUnprocessableEntity)
		webtest.MustContain(t, b, c.msg, `aria-invalid="true"`)
		if name != "no content" && !strings.Contains(b, "已纳入预算") {
			t.Errorf("%s: what was typed is gone", name)
		}
		if o := f.status(t, f.Mine.ID); o.Status != "accepted" || len(o.Replies) != 0 {
			t.Fatalf("%s: changed %+v", name, o)
		}
	}
	const reply = "已纳入2027年市级预算，分两年安排养护资金。"
	res, _ = f.Post(t, f.czj, page+"/reply", url.Values{"csrf": {tok}, "grade": {"B"}, "content": {reply}}, http.StatusSeeOther)
	if res.Header.Get("Location") != page {
		t.Fatalf("after 答复: to %s", res.Header.Get("Location"))
	}
	body = f.Get(t, f.czj, page, http.StatusOK)
	webtest.MustContain(t, body, "已答复，答复会转给提出意见的联系点", "已答复", reply, "答复记录", "B 类：正在解决", "本单位已答复，等待提出人评价")
	webtest.MustNotContain(t, body, `name="grade"`, "退回理由")
	o := f.status(t, f.Mine.ID)
	if o.Status != "answered" || len(o.Replies) != 1 || o.Replies[0].Grade != "B" || o.Replies[0].Content != reply || o.Replies[0].Round != 1 {
		t.Fatalf("after the reply: %+v", o)
	}
	webtest.MustContain(t, f.Get(t, f.czj, "/unit", http.StatusOK), "已答复")
	// Not satisfied: a second round under supervision (督办), the first reply kept.
	if _, err := f.H.MoveOpinion(committeeCtx, f.Mine.ID, hub.OpinionPatch{Status: "closed", Evaluation: "unsatisfied"}); err != nil {
		t.Fatal(err)
	}
	webtest.MustContain(t, f.Get(t, f.czj, "/unit", http.StatusOK), "第 2 轮 · <strong>督办</strong>")
	body = f.Get(t, f.czj, page, http.StatusOK)
	webtest.MustContain(t, body, "第 2 轮", "督办", "第 1 轮 · 市财政局", reply, "不满意，重新办理（督办）", "评价：不满意", "签收这条意见", `name="grade"`)

	// Returned past 7 working days: the page says why instead of the form;
	// a POST is refused with the hub's message, nothing changed.
	late := "/unit/opinions/" + f.Late.ID
	body = f.Get(t, f.czj, late, http.StatusOK)
	webtest.MustContain(t, body, "超过 7 个工作日不能退回", `id="return-late"`)
	webtest.MustNotContain(t, body, `action="`+late+`/return"`)
	_, b = f.Post(t, f.czj, late+"/return", url.Values{"csrf": {tok}, "reason": {"不属于本单位职责"}}, http.StatusUnprocessableEntity)
	webtest.MustContain(t, b, "这条意见没有改动", "超过 7 个工作日不能退回", `id="err-return"`)
	if o := f.status(t, f.Late.ID); o.Status != "forwarded" || o.Lead != "czj" {
		t.Fatalf("a late return changed it: %+v", o)
	}

	// A return within them: the reason is required; then back to the committee.
	other := hubOpinion(6, "建议优化公交线路")
	f.ingest(t, "hongta", 2, 1, other)
	f.assign(t, other.ID, hub.Assignment{Lead: "czj"})
	op := "/unit/opinions/" + other.ID
	webtest.MustContain(t, f.Get(t, f.czj, op, http.StatusOK), "退回理由", "已过 0 个工作日")
	_, b = f.Post(t, f.czj, op+"/return", url.Values{"csrf": {tok}, "reason": {"  "}}, http.StatusUnprocessableEntity)
	webtest.MustContain(t, b, "请写明退回理由", `id="err-reason"`)
	if o := f.status(t, other.ID); o.Status != "forwarded" {
		t.Fatalf("a return without reason changed it: %s", o.Status)
	}
	res, _ = f.Post(t, f.czj, op+"/return", url.Values{"csrf": {tok}, "reason": {"公交线路属市交通运输局职责"}}, http.StatusSeeOther)
	if res.Header.Get("Location") != "/unit" {
		t.Fatalf("after 退回: to %s", res.Header.Get("Location"))
	}
	o = f.status(t, other.ID)
	if o.Status != "reported" || o.Lead != "" {
		t.Fatalf("after the return: %+v", o)
	}
	inbox := f.Get(t, f.czj, "/unit", http.StatusOK)
	webtest.MustContain(t, inbox, "已退回预工委")
	webtest.MustNotContain(t, inbox, other.Content)
	f.Get(t, f.czj, op, http.StatusNotFound)
	// The committee sees the reason in the history it keeps.
	if h := o.History[len(o.History)-1]; h.Action != "return" || h.Detail["reason"] != "公交线路属市交通运输局职责" || h.Actor != "czj1" {
		t.Errorf("the return's step: %+v", h)
	}
}

// TestUnitPagesInEnglishAndAccessible: a unit's pages, crawled in Chinese
// and in English (with errors), pass the accessibility checks, and the
// English ones write no Chinese punctuation where a person sees text.
func TestUnitPagesInEnglishAndAccessible(t *testing.T) {
	f := newUnitFixture(t)
	tok := f.csrf(t, f.czj)
	f.Post(t, f.czj, "/unit/opinions/"+f.Late.ID+"/accept", url.Values{"csrf": {tok}}, http.StatusSeeOther)
	f.Post(t, f.czj, "/unit/opinions/"+f.Late.ID+"/reply", url.Values{"csrf": {tok}, "grade": {"C"}, "content": {"Planned for 2028"}}, http.StatusSeeOther)
	jtok := f.csrf(t, f.jtj)
	f.Post(t, f.jtj, "/unit/opinions/"+f.Mine.ID+"/views", url.Values{"csrf": {jtok}, "content": {"Plan it with the rural roads plan"}}, http.StatusSeeOther)
	pages := []string{"/unit/opinions/" + f.Mine.ID, "/unit/opinions/" + f.Late.ID, "/account"}
	for _, lang := range []string{"zh", "en"} {
		for name, c := range map[string]*http.Client{"czj": f.czj, "jtj": f.jtj} {
			t.Run(name+"/"+lang, func(t *testing.T) {
				if lang == "en" {
					f.english(t, c)
				}
				cr := webtest.NewCrawl(t, f.URL, c, true)
				if lang == "en" {
					cr.Check = func(page string, doc *html.Node) {
						for _, s := range webtest.CJKPunctShown(doc) {
							t.Errorf("%s (English): Chinese punctuation in %q", page, s)
						}
					}
				}
				start := []string{"/unit"}
				if name == "czj" {
					start = append(start, pages...)
				}
				cr.Run(start...)
				cr.Summary(name + "/" + lang)
				if name == "czj" {
					cr.MustHave(pages...)
				}
			})
		}
	}
	f.english(t, f.czj)
	f.english(t, f.jtj)
	webtest.MustContain(t, f.Get(t, f.czj, "/unit/opinions/"+f.Mine.ID, http.StatusOK), "Views of the assisting units", "Plan it with the rural roads plan", "Follow-up date", "A: solved", "assigned")
	webtest.MustContain(t, f.Get(t, f.czj, "/unit/opinions/"+f.Late.ID, http.StatusOK), "grade C: planned", "This reply is followed up on")
	for _, c := range []struct {
		c    *http.Client
		path string
		form url.Values
		want int
		msg  string
	}{
		{f.czj, "/unit/opinions/" + f.Mine.ID + "/reply", url.Values{"csrf": {tok}, "content": {"x"}}, http.StatusUnprocessableEntity, "choose the grade: A, B, C or D"},
		{f.czj, "/unit/opinions/" + f.Mine.ID + "/reply", url.Values{"csrf": {tok}, "grade": {"A"}, "content": {"x"}, "follow_up": {"2099-01-05"}}, http.StatusUnprocessableEntity, "only a B or C reply has a follow-up date"},
		{f.czj, "/unit/opinions/" + f.Mine.ID + "/return", url.Values{"csrf": {tok}}, http.StatusUnprocessableEntity, "write why it is returned"},
		{f.czj, "/unit/opinions/" + f.Late.ID + "/accept", url.Values{"csrf": {tok}}, http.StatusConflict, "cannot be handled so"},
		{f.czj, "/unit/opinions/" + f.Mine.ID + "/views", url.Values{"csrf": {tok}, "content": {"x"}}, http.StatusForbidden, "the lead unit replies; views come from the assisting units"},
		{f.jtj, "/unit/opinions/" + f.Mine.ID + "/views", url.Values{"csrf": {jtok}}, http.StatusUnprocessableEntity, "write the view"},
		{f.jtj, "/unit/opinions/" + f.Late.ID + "/views", url.Values{"csrf": {jtok}, "content": {"x"}}, http.StatusNotFound, ""},
	} {
		b := f.CheckPost(t, c.c, c.path, c.form, c.want, true)
		webtest.MustContain(t, b, c.msg)
		for _, s := range webtest.CJKPunctShown(webtest.CheckPage(t, c.path, b, f.Host(), true)) {
			t.Errorf("POST %s (English): Chinese punctuation in %q", c.path, s)
		}
	}
	// Every step of the history and every grade has its words in both
	// languages, and the English ones are English.
	for _, a := range []string{"assign", "accept", "return", "view", "reply", "answer", "forward", "close", "reopen", "merge", "merged", "move"} {
		w, ok := unitMessages["unit.act."+a]
		if !ok || w[0] == "" || w[1] == "" || hasCJK(w[1]) {
			t.Errorf("the step %s has no words in both languages: %q", a, w)
		}
	}
	for k, w := range unitMessages {
		if w[0] == "" || w[1] == "" || hasCJK(w[1]) {
			t.Errorf("%s: %q", k, w)
		}
	}
}

// TestUnitViews: an assisting unit sends its view (协办意见) to the lead
// unit, which reads it with the unit's name on its page before it replies;
// the lead unit gets no such form and a forged POST is refused (403),
// nothing changed; an empty view is 422 beside the field; once the lead
// has replied a view is 409 with the hub's message.
func TestUnitViews(t *testing.T) {
	f := newUnitFixture(t)
	page := "/unit/opinions/" + f.Mine.ID
	jb := f.Get(t, f.jtj, page, http.StatusOK)
	webtest.MustContain(t, jb, `action="`+page+`/views"`, "提出协办意见", "协办意见内容", `id="views-h"`, "协办单位还没有送来协办意见")
	// The lead unit: the section, no form.
	cb := f.Get(t, f.czj, page, http.StatusOK)
	webtest.MustContain(t, cb, `id="views-h"`, "协办单位还没有送来协办意见")
	webtest.MustNotContain(t, cb, `action="`+page+`/views"`, "提出协办意见")

	jtok, ctok := f.csrf(t, f.jtj), f.csrf(t, f.czj)
	// Empty: 422 beside the field, nothing kept.
	_, b := f.Post(t, f.jtj, page+"/views", url.Values{"csrf": {jtok}, "content": {"   "}}, http.StatusUnprocessableEntity)
	webtest.MustContain(t, b, "请填写协办意见", `id="err-view"`, `aria-invalid="true"`)
	// Too long: 422, what was typed kept.
	long := strings.Repeat("路", maxReply+1)
	_, b = f.Post(t, f.jtj, page+"/views", url.Values{"csrf": {jtok}, "content": {long}}, http.StatusUnprocessableEntity)
	webtest.MustContain(t, b, "不能超过 10000 个字", `id="err-view"`, long)
	// The lead unit's forged view: 403, nothing changed.
	_, b = f.Post(t, f.czj, page+"/views", url.Values{"csrf": {ctok}, "content": {"主办单位自己的意见"}}, http.StatusForbidden)
	webtest.MustContain(t, b, "主办单位直接答复，协办意见由协办单位提出")
	// Another unit's opinion: not found.
	f.Post(t, f.czj, "/unit/opinions/"+f.Other.ID+"/views", url.Values{"csrf": {ctok}, "content": {"不是本单位的"}}, http.StatusNotFound)
	// Without the token: refused.
	f.Post(t, f.jtj, page+"/views", url.Values{"content": {"没有令牌"}}, http.StatusForbidden)
	if o := f.status(t, f.Mine.ID); len(o.Views) != 0 || o.Status != "forwarded" {
		t.Fatalf("refused views changed it: %+v", o.Views)
	}

	const view = "建议结合农村公路“十五五”规划统筹安排养护资金。"
	res, _ := f.Post(t, f.jtj, page+"/views", url.Values{"csrf": {jtok}, "content": {view}}, http.StatusSeeOther)
	if res.Header.Get("Location") != page {
		t.Fatalf("after 协办意见: to %s", res.Header.Get("Location"))
	}
	jb = f.Get(t, f.jtj, page, http.StatusOK)
	webtest.MustContain(t, jb, "协办意见已送主办单位", view, "市交通运输局（本单位）")
	o := f.status(t, f.Mine.ID)
	if len(o.Views) != 1 || o.Views[0].Unit != "jtj" || o.Views[0].Content != view || o.Status != "forwarded" {
		t.Fatalf("after the view: %+v, %s", o.Views, o.Status)
	}
	// The lead unit reads it, with the unit's name, before its reply form;
	// the history says 协办意见 in words.
	cb = f.Get(t, f.czj, page, http.StatusOK)
	webtest.MustContain(t, cb, view, "第 1 轮 · 市交通运输局", "协办单位送来的意见")
	webtest.MustNotContain(t, cb, "unit.act.", "unit.d.", "grade.")
	if iv, ir := strings.Index(cb, view), strings.Index(cb, `id="reply-h"`); iv < 0 || ir < 0 || iv > ir {
		t.Errorf("the view (at %d) is not before the reply form (at %d)", iv, ir)
	}
	if i := strings.Index(cb, `class="unit-history"`); i < 0 || !strings.Contains(cb[i:], "<td>协办意见</td>") || strings.Contains(cb[i:], "<td>view</td>") {
		t.Errorf("the history does not say 协办意见 in words")
	}

	// The lead replies: a view is then too late (409, the hub's message).
	f.Post(t, f.czj, page+"/reply", url.Values{"csrf": {ctok}, "grade": {"A"}, "content": {"已解决。"}}, http.StatusSeeOther)
	jb = f.Get(t, f.jtj, page, http.StatusOK)
	webtest.MustContain(t, jb, "主办单位已答复，不再收协办意见", view)
	webtest.MustNotContain(t, jb, `action="`+page+`/views"`)
	_, b = f.Post(t, f.jtj, page+"/views", url.Values{"csrf": {jtok}, "content": {"迟到的意见"}}, http.StatusConflict)
	webtest.MustContain(t, b, "不再收协办意见", "这条意见没有改动")
	if o := f.status(t, f.Mine.ID); len(o.Views) != 1 {
		t.Fatalf("a late view was kept: %+v", o.Views)
	}
}

// TestUnitFollowUp: a B reply without a follow-up date (跟踪日期) gets
// three months on, shown on the page; one with a date gets that date; an
// A reply with a date, a C reply with a date in the past, one not a
// working day or not a date are refused (422) beside the field, what was
// typed kept, nothing changed.
func TestUnitFollowUp(t *testing.T) {
	f := newUnitFixture(t)
	tok := f.csrf(t, f.czj)
	page := "/unit/opinions/" + f.Mine.ID
	want := f.H.Calendar.Months(time.Now(), hub.DefaultDueMonths).Format(time.DateOnly)
	webtest.MustContain(t, f.Get(t, f.czj, page, http.StatusOK), `name="follow_up"`, `type="date"`, "不填则为三个月后（"+want+"）")

	holiday := time.Now().In(workdays.China).AddDate(0, 0, 2)
	for f.H.Calendar.Working(holiday) {
		holiday = holiday.AddDate(0, 0, 1)
	}
	for name, c := range map[string]struct {
		grade, date, msg string
	}{
		"an A reply with a date": {"A", f.H.Calendar.Add(time.Now(), 3).Format(time.DateOnly), "只有 B、C 类答复才有跟踪日期"},
		"a D reply with a date":  {"D", f.H.Calendar.Add(time.Now(), 3).Format(time.DateOnly), "只有 B、C 类答复才有跟踪日期"},
		"a C reply in the past":  {"C", "2020-01-06", "跟踪日期应在今天之后"},
		"a B reply today":        {"B", time.Now().In(workdays.China).Format(time.DateOnly), "跟踪日期应在今天之后"},
		"a C reply on a holiday": {"C", holiday.Format(time.DateOnly), "跟踪日期应是工作日"},
		"a B reply not a date":   {"B", "下个月", "应为 2027-03-01 这样的日期"},
	} {
		_, b := f.Post(t, f.czj, page+"/reply", url.Values{"csrf": {tok}, "grade": {c.grade}, "content": {"答复的内容"}, "follow_up": {c.date}}, http.StatusUnprocessableEntity)
		webtest.MustContain(t, b, c.msg, `id="err-follow_up"`, `aria-invalid="true"`, `value="`+c.date+`"`, "答复的内容")
		if o := f.status(t, f.Mine.ID); o.Status != "forwarded" || len(o.Replies) != 0 || o.FollowUp != "" {
			t.Fatalf("%s changed it: %+v", name, o)
		}
	}

	// B without a date: three months on.
	f.Post(t, f.czj, page+"/reply", url.Values{"csrf": {tok}, "grade": {"B"}, "content": {"正在解决，2027年6月底前完成。"}}, http.StatusSeeOther)
	if o := f.status(t, f.Mine.ID); o.FollowUp != want || o.Grade != "B" {
		t.Fatalf("a B reply: follow-up %q grade %q, want %s", o.FollowUp, o.Grade, want)
	}
	body := f.Get(t, f.czj, page, http.StatusOK)
	webtest.MustContain(t, body, `id="follow-up-date">`+want+"<", "这条意见的答复将于 "+want+" 跟踪落实", "跟踪日期："+want, "B 类：正在解决")
	webtest.MustNotContain(t, body, `name="follow_up"`)

	// C with a date: that date.
	date := f.H.Calendar.Add(time.Now(), 5).Format(time.DateOnly)
	lp := "/unit/opinions/" + f.Late.ID
	f.Post(t, f.czj, lp+"/reply", url.Values{"csrf": {tok}, "grade": {"C"}, "content": {"列入2028年计划。"}, "follow_up": {date}}, http.StatusSeeOther)
	if o := f.status(t, f.Late.ID); o.FollowUp != date || o.Grade != "C" {
		t.Fatalf("a C reply: follow-up %q, want %s", o.FollowUp, date)
	}
	webtest.MustContain(t, f.Get(t, f.czj, lp, http.StatusOK), `id="follow-up-date">`+date+"<", "C 类：列入计划")

	// A without a date: none.
	other := hubOpinion(7, "建议公开三公经费")
	f.ingest(t, "hongta", 2, 1, other)
	f.assign(t, other.ID, hub.Assignment{Lead: "czj"})
	f.Post(t, f.czj, "/unit/opinions/"+other.ID+"/reply", url.Values{"csrf": {tok}, "grade": {"A"}, "content": {"已公开。"}, "follow_up": {""}}, http.StatusSeeOther)
	if o := f.status(t, other.ID); o.FollowUp != "" || o.Status != "answered" {
		t.Fatalf("an A reply: %+v", o)
	}
	webtest.MustNotContain(t, f.Get(t, f.czj, "/unit/opinions/"+other.ID, http.StatusOK), `id="follow-up-date"`)
}

// hasCJK says whether s writes a Chinese character or mark.
func hasCJK(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) || strings.ContainsRune(webtest.CJKPunct, r) {
			return true
		}
	}
	return false
}

// TestUnitMergedHidden: an opinion the committee merged (并案) into one
// assigned to a unit is not shown to the unit on its own (not in its inbox,
// its page not found, no step on it), and the one it was merged into says
// so in its history in words.
func TestUnitMergedHidden(t *testing.T) {
	f := newUnitFixture(t)
	dup := hubOpinion(8, "建议加大乡村道路养护投入")
	f.ingest(t, "tonghai", 1, 1, dup)
	if _, err := f.H.MergeOpinion(committeeCtx, dup.ID, f.Mine.ID); err != nil {
		t.Fatal(err)
	}
	if o := f.status(t, dup.ID); o.MergedInto != f.Mine.ID || o.Lead != "czj" {
		t.Fatalf("merged: %+v", o)
	}
	for _, c := range []*http.Client{f.czj, f.jtj} {
		webtest.MustNotContain(t, f.Get(t, c, "/unit", http.StatusOK), dup.ID, dup.Content)
		f.Get(t, c, "/unit/opinions/"+dup.ID, http.StatusNotFound)
	}
	tok := f.csrf(t, f.czj)
	f.Post(t, f.czj, "/unit/opinions/"+dup.ID+"/accept", url.Values{"csrf": {tok}}, http.StatusNotFound)
	f.Post(t, f.jtj, "/unit/opinions/"+dup.ID+"/views", url.Values{"csrf": {f.csrf(t, f.jtj)}, "content": {"x"}}, http.StatusNotFound)
	body := f.Get(t, f.czj, "/unit/opinions/"+f.Mine.ID, http.StatusOK)
	webtest.MustContain(t, body, "并案：另一条意见并入本条")
	webtest.MustNotContain(t, body, "<td>merged</td>")
}
