package web

// Browser tests of paper entry and evaluation codes: Debian's Chromium driven
// by chromedp against the real router with demo data (webtest.Browser).
// Screenshots of each visited page go to test-artifacts/ at the module root.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
	"github.com/xuri/excelize/v2"

	"budgetpoint/db"
	"budgetpoint/demo"
	"budgetpoint/internal/testutil"

	"budgetpoint/web/internal/webtest"
)

const paperQID = "q-2027-budget-draft"

// paperBrowser is one Chromium for a test, with a fresh profile.
type paperBrowser struct {
	t    *testing.T
	ctx  context.Context
	base string
	n    int
	name string
}

func newPaperBrowser(t *testing.T, base, name string) *paperBrowser {
	t.Helper()
	ctx := webtest.Browser(t)
	// Chinese pages, as people at a point see them: the language switch is remembered.
	webtest.Run(t, ctx, "open the point", chromedp.Navigate(base+"/lang/zh?next=/login"))
	return &paperBrowser{t: t, ctx: ctx, base: base, name: name}
}

func (b *paperBrowser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.shot("failure")
		b.t.Fatal(err)
	}
}

func (b *paperBrowser) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.shot("failure")
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func (b *paperBrowser) eval(expr string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return s
}

// wait waits until a JavaScript expression is true (the page's own state,
// never a clock: the deadline only keeps a broken page from hanging the test).
// Evaluation errors while a page is being replaced are retried.
func (b *paperBrowser) wait(expr string) {
	b.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`!!(function(){try{return (`+expr+`)}catch(e){return false}})()`))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.shot("failure")
			b.t.Fatalf("waiting for %s: %v\npage: %s", expr, err, b.eval(`document.body ? document.body.innerText.slice(0, 2000) : ""`))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// shot saves a full-page screenshot under test-artifacts/, numbered.
func (b *paperBrowser) shot(what string) {
	b.n++
	webtest.Shot(b.t, b.ctx, fmt.Sprintf("%02d-%s", b.n, what))
}

// navigated marks the current page so that waitNew can tell the next one.
func (b *paperBrowser) mark() { b.eval(`(window.__old = "1")`) }

func (b *paperBrowser) waitNew(expr string) {
	b.t.Helper()
	b.wait(`!window.__old && document.readyState === "complete" && (` + expr + `)`)
}

func (b *paperBrowser) login(user string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.base+"/login"),
		chromedp.SendKeys(chromedp.CSS("#name"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), demo.DemoPassword))
	b.mark()
	b.do(chromedp.Click(chromedp.CSS("form button[type=submit]")))
	b.waitNew(`location.pathname === "/"`)
}

// keys types into whatever has the focus, as a clerk does.
func (b *paperBrowser) keys(s string) {
	b.t.Helper()
	b.do(chromedp.KeyEvent(s))
}

func (b *paperBrowser) focused() string {
	return b.eval(`document.activeElement ? document.activeElement.id : ""`)
}

func paperCount(t *testing.T, d *db.DB) int64 {
	t.Helper()
	s, err := d.Summary(context.Background(), "t-2027-budget-draft", "hongta")
	if err != nil {
		t.Fatal(err)
	}
	return s.Responses.ByChannel["paper"]
}

// createBatch fills the new batch form and returns the batch page's id.
func (b *paperBrowser) createBatch(name, expected string, double bool) string {
	b.t.Helper()
	b.do(chromedp.Navigate(b.base + "/paper"))
	b.shot("paper-list")
	b.do(chromedp.SendKeys(chromedp.CSS("#name"), name),
		chromedp.SetValue(chromedp.CSS("#questionnaire_id"), paperQID),
		chromedp.SendKeys(chromedp.CSS("#expected"), expected))
	if double {
		b.do(chromedp.Click(chromedp.CSS("#double_entry")))
	}
	b.mark()
	b.do(chromedp.Click(chromedp.CSS("form[action='/paper'] button[type=submit]")))
	b.waitNew(`location.pathname.startsWith("/paper/")`)
	b.shot("batch")
	return strings.TrimPrefix(b.eval(`location.pathname`), "/paper/")
}

// enterForm types one paper form by keyboard alone, starting on the serial
// number: each answer then Enter; the last Enter saves. It checks that the
// next form opens with the cursor on the serial number.
func (b *paperBrowser) enterForm(serial string, answers []string, wantProgress string) {
	b.t.Helper()
	if f := b.focused(); f != "serial" {
		b.shot("focus")
		b.t.Fatalf("focus is on %q, want the serial number", f)
	}
	b.keys(serial + "\r")
	for i, a := range answers {
		if i == len(answers)-1 {
			b.keys(a)
			b.mark()
			b.keys("\r")
		} else {
			b.keys(a + "\r")
		}
	}
	b.waitNew(`document.activeElement && document.activeElement.id === "serial" && document.getElementById("entry-form").dataset.ready`)
	if got := b.text("#progress"); got != wantProgress {
		b.t.Errorf("progress after serial %s = %q, want %q", serial, got, wantProgress)
	}
}

func TestPaperDoubleEntryBrowser(t *testing.T) {
	site := newTestSite(t)
	br := newPaperBrowser(t, site.URL, "paper-double")
	before := paperCount(t, site.DB)
	br.login("staff")
	id := br.createBatch("座谈会 2026-11-18, 3 份", "3", true)

	// Answers in the questionnaire's order: overall, priorities, transparency,
	// performance, road_budget, advice. Form 3's second pass differs in overall.
	forms := map[string][]string{
		"1": {"1", "13", "4", "5", "1200", "建议加大乡村道路投入"},
		"2": {"2", "2", "3", "", "", ""},
		"3": {"1", "245", "5", "4", "300", "公开更多明细"},
	}
	br.do(chromedp.Click(chromedp.CSS("#start-pass1")))
	br.wait(`document.readyState === "complete" && document.getElementById("entry-form").dataset.ready && document.activeElement.id === "serial"`)
	br.shot("entry-pass1")
	if got := br.text("#progress"); got != "第 1 / 3 份" {
		t.Fatalf("progress %q", got)
	}
	br.enterForm("1", forms["1"], "第 2 / 3 份")
	br.shot("entry-pass1-saved")
	// The next serial is offered, selected: typing replaces it, Enter takes it.
	if v, sel := br.eval(`document.getElementById("serial").value`), br.eval(`String(document.getElementById("serial").selectionEnd - document.getElementById("serial").selectionStart)`); v != "2" || sel != "1" {
		t.Errorf("the serial offered after form 1 is %q (%s characters selected), want 2, selected", v, sel)
	}
	br.enterForm("2", forms["2"], "第 3 / 3 份")
	br.enterForm("3", forms["3"], "已录入 3 / 3 份")
	if note := br.text("#all-done"); !strings.Contains(note, "3 份已全部录入") {
		t.Errorf("after the last form: %q", note)
	}
	if n := paperCount(t, site.DB); n != before {
		t.Fatalf("after the first pass the summary counts %d paper responses, want %d (nothing verified yet)", n, before)
	}

	br.do(chromedp.Navigate(site.URL + "/paper/" + id + "/entry?pass=2"))
	br.wait(`document.readyState === "complete" && document.getElementById("entry-form").dataset.ready && document.activeElement.id === "serial"`)
	if got := br.text("#pass-name"); got != "第二遍录入" {
		t.Fatalf("pass name %q", got)
	}
	// One login typing both passes is told that it checks nothing.
	if note := br.text("#same-typist"); !strings.Contains(note, "另一遍中有 3 份是您录入的") {
		t.Errorf("the same typist's second pass: %q", note)
	}
	br.shot("entry-pass2-same-typist")
	// The second pass is offered the first pass's forms in their order.
	if v := br.eval(`document.getElementById("serial").value`); v != "1" {
		t.Errorf("the second pass offers serial %q, want 1", v)
	}
	br.enterForm("1", forms["1"], "第 2 / 3 份")
	if flash := br.text(".flash-ok"); !strings.Contains(flash, "两遍都是 staff 录入") {
		t.Errorf("the flash after a form typed twice by staff: %q", flash)
	}
	if v := br.eval(`document.getElementById("serial").value`); v != "2" {
		t.Errorf("the second pass offers serial %q after form 1, want 2", v)
	}
	br.enterForm("2", forms["2"], "第 3 / 3 份")
	planted := append([]string{"2"}, forms["3"][1:]...) // 基本满意 instead of 满意
	br.enterForm("3", planted, "已录入 3 / 3 份")
	br.shot("entry-pass2-mismatch")
	if flash := br.text(".flash-error"); !strings.Contains(flash, "问卷编号 3") || !strings.Contains(flash, "不一致") {
		t.Errorf("mismatch flash %q", flash)
	}
	if n := paperCount(t, site.DB); n != before+2 {
		t.Fatalf("with one mismatch the summary counts %d paper responses, want %d", n, before+2)
	}

	// The mismatch side by side; the paper says 满意 (the first pass).
	br.do(chromedp.Navigate(site.URL + "/paper/" + id))
	br.shot("batch-with-mismatch")
	if n := br.eval(`String(document.querySelectorAll("#forms-table .same-typist").length)`); n != "3" {
		t.Errorf("the batch marks %s forms as typed twice by one login, want 3", n)
	}
	br.mark()
	br.do(chromedp.Click(chromedp.CSS(".paper-mismatches a")))
	br.waitNew(`!!document.getElementById("resolve-form")`)
	br.shot("resolve")
	if p1, p2 := br.text("#row-overall td:nth-of-type(1)"), br.text("#row-overall td:nth-of-type(2)"); p1 != "1 满意" || p2 != "2 基本满意" {
		t.Errorf("side by side: %q | %q", p1, p2)
	}
	if n := br.eval(`String(document.querySelectorAll("tr.paper-differs").length)`); n != "1" {
		t.Errorf("%s rows differ, want 1", n)
	}
	// Saving without choosing is refused beside the question.
	br.mark()
	br.do(chromedp.Click(chromedp.CSS("#resolve-save")))
	br.waitNew(`!!document.querySelector(".field-error")`)
	br.shot("resolve-unchosen")
	if n := paperCount(t, site.DB); n != before+2 {
		t.Fatalf("an unresolved mismatch was counted: %d", n)
	}
	// By keyboard: focus the first pass's choice, select it with Space, submit with Enter.
	br.do(chromedp.Focus(chromedp.CSS("#pick-overall-1")))
	br.keys(" ")
	br.mark()
	br.do(chromedp.Click(chromedp.CSS("#resolve-save")))
	br.waitNew(`location.pathname === "/paper/` + id + `"`)
	br.shot("batch-resolved")
	if got := br.text("#batch-counted"); got != "3" {
		t.Errorf("batch page counts %q verified forms, want 3", got)
	}
	if n := paperCount(t, site.DB); n != before+3 {
		t.Fatalf("after resolving, the summary counts %d paper responses, want %d", n, before+3)
	}
	// The stored response has the paper's value; the history names who chose it.
	form, err := site.DB.PaperForm(context.Background(), id, "3")
	if err != nil {
		t.Fatal(err)
	}
	var got struct{ Answers map[string]json.RawMessage }
	p, err := site.DB.Responses(context.Background(), paperQID, db.ResponseFilter{Limit: 500, After: ""})
	if err != nil {
		t.Fatal(err)
	}
	if p.Next != nil {
		t.Fatal("more than 500 responses: the resolved one may be on a later page")
	}
	for _, r := range p.Items {
		if r.ID == form.ResponseID {
			if err := json.Unmarshal(r.Answers, &got.Answers); err != nil {
				t.Fatal(err)
			}
		}
	}
	if string(got.Answers["overall"]) != `"satisfied"` {
		t.Errorf("resolved response overall = %s, want satisfied (as on the paper)", got.Answers["overall"])
	}
	actions := []string{}
	for _, a := range form.Audit {
		actions = append(actions, a.Action+":"+a.UserName)
	}
	if strings.Join(actions, ",") != "enter:staff,enter:staff,mismatch:staff,resolve:staff" {
		t.Errorf("history %v", actions)
	}
	br.do(chromedp.Navigate(site.URL + "/paper/" + id + "/form?serial=3"))
	br.shot("form-history")
	br.do(chromedp.Navigate(site.URL + "/topics/t-2027-budget-draft/summary"))
	br.shot("summary")
	assertRecount(t, site.DB)
}

// assertRecount checks the kept counters against a recount of the rows.
func assertRecount(t *testing.T, d *db.DB) {
	t.Helper()
	kept, err := d.StoredCounters(context.Background(), "t-2027-budget-draft")
	if err != nil {
		t.Fatal(err)
	}
	re, err := d.Recount(context.Background(), "t-2027-budget-draft")
	if err != nil {
		t.Fatal(err)
	}
	if len(kept) != len(re) {
		t.Fatalf("kept %d counters, recount %d", len(kept), len(re))
	}
	for k, v := range re {
		if kept[k] != v {
			t.Errorf("counter %v kept %d, recount %d", k, kept[k], v)
		}
	}
}

// closeXLSX lets go of a workbook; an error doing so fails the test.
func closeXLSX(t *testing.T, f *excelize.File) {
	t.Helper()
	if err := f.Close(); err != nil {
		t.Error(err)
	}
}

// paperXLSX writes a workbook with the given header and rows.
func paperXLSX(t *testing.T, header []string, rows [][]any) string {
	t.Helper()
	f := excelize.NewFile()
	defer closeXLSX(t, f)
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	check(f.SetSheetName("Sheet1", "答卷"))
	check(f.SetSheetRow("答卷", "A1", &header))
	for i, r := range rows {
		check(f.SetSheetRow("答卷", fmt.Sprintf("A%d", i+2), &r))
	}
	p := filepath.Join(t.TempDir(), "paper.xlsx")
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPaperImportBrowser(t *testing.T) {
	site := newTestSite(t)
	br := newPaperBrowser(t, site.URL, "paper-import")
	before := paperCount(t, site.DB)
	br.login("staff")
	id := br.createBatch("书面征求意见 2026-11-20", "4", false)

	// The template the page offers: 问卷编号, then each question's label.
	c := site.Login(t, "staff")
	res, err := c.Get(site.URL + "/paper/" + id + "/template.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	webtest.CloseBody(t, res)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("template: status %d (%v)", res.StatusCode, err)
	}
	tf, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := tf.GetRows("答卷")
	closeXLSX(t, tf)
	if err != nil {
		t.Fatal(err)
	}
	def, _, err := site.DB.Definition(context.Background(), paperQID, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"问卷编号"}
	for _, q := range def.Questions {
		want = append(want, q.Label)
	}
	if len(rows) != 1 || strings.Join(rows[0], "|") != strings.Join(want, "|") {
		t.Fatalf("template header %v, want %v", rows, want)
	}
	header := rows[0]

	upload := func(path, stage string) {
		t.Helper()
		br.do(chromedp.Navigate(site.URL+"/paper/"+id),
			chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{path}))
		br.mark()
		br.do(chromedp.Click(chromedp.CSS("#import-submit")))
		br.waitNew(`location.pathname.includes("/import/")`)
		br.shot("import-progress")
		// The page reloads itself until the job is done.
		br.wait(`(function(){var s=document.getElementById("import-status");return s && s.dataset.stage === "` + stage + `";})()`)
		br.shot("import-" + stage)
	}

	// A file with errors: nothing is stored, every error named by row and column.
	bad := paperXLSX(t, header, [][]any{
		{"1", "满意", "教育、医疗卫生", 4, "", 100, "意见一"},
		{"2", "很好", "1,2", 3},
		{"3", "基本满意", "教育、火箭", 9, "", -5},
		{"1", "不满意", "", 2},
	})
	upload(bad, "failed")
	errs := br.text("#import-errors")
	for _, w := range []string{
		"第 3 行 B 列（您对2027年市级预算草案的总体评价）：选项“很好”不在列表中",
		"第 4 行 C 列（您认为应优先保障的支出领域（最多选3项））：选项“火箭”不在列表中",
		"第 4 行 D 列（您对预算公开透明程度的评分（1-5分））：应在 1 到 5 之间",
		"第 4 行 F 列（您认为乡村道路硬化每年宜安排多少资金（万元））：应在 0 到 100000 之间",
		"第 5 行 A 列（问卷编号）：问卷编号 1 与第 2 行重复",
	} {
		if !strings.Contains(errs, w) {
			t.Errorf("errors do not name %q:\n%s", w, errs)
		}
	}
	if n := paperCount(t, site.DB); n != before {
		t.Fatalf("a file with errors stored %d paper responses", n-before)
	}

	good := paperXLSX(t, header, [][]any{
		{"1", "满意", "教育、医疗卫生", 4, 5, 100, "建议公开三公经费明细"},
		{"2", "2", "1,3", 3},
		{"3", "不满意", "交通运输", "5", "", "2500.5"},
	})
	upload(good, "done")
	if got := br.text("#import-status"); got != "导入完成：3 份答卷已计入汇总。" {
		t.Errorf("status %q", got)
	}
	if n := paperCount(t, site.DB); n != before+3 {
		t.Fatalf("after the import the summary counts %d more paper responses, want 3", n-before)
	}
	br.do(chromedp.Navigate(site.URL + "/paper/" + id))
	br.shot("batch-imported")
	if got := br.text("#batch-counted"); got != "3" {
		t.Errorf("batch counted %q", got)
	}
	assertRecount(t, site.DB)
}

func TestEvalCodeOnceBrowser(t *testing.T) {
	site := newTestSite(t)
	br := newPaperBrowser(t, site.URL, "eval-code")
	total := func() int64 {
		s, err := site.DB.Summary(context.Background(), "t-2027-budget-draft", "hongta")
		if err != nil {
			t.Fatal(err)
		}
		return s.Responses.Total
	}
	before := total()
	br.login("staff")
	br.do(chromedp.Navigate(site.URL + "/codes"))
	br.shot("codes")
	br.do(chromedp.SetValue(chromedp.CSS("#questionnaire_id"), paperQID),
		chromedp.SendKeys(chromedp.CSS("#name"), "2027年预算草案满意度测评"),
		chromedp.SetValue(chromedp.CSS("#count"), "2"))
	br.mark()
	br.do(chromedp.Click(chromedp.CSS("#issue-codes")))
	br.waitNew(`document.querySelectorAll(".eval-code").length === 2`)
	br.shot("slips")
	var codes []string
	if err := json.Unmarshal([]byte(br.eval(`JSON.stringify(Array.from(document.querySelectorAll(".eval-code")).map(function(e){return e.textContent}))`)), &codes); err != nil {
		t.Fatal(err)
	}

	// Signed out, as the deputy with the slip: type the code, answer, submit.
	br.mark()
	br.do(chromedp.Click(chromedp.CSS(".logout button")))
	br.waitNew(`location.pathname === "/login"`)
	br.do(chromedp.Navigate(site.URL + "/e"))
	br.shot("enter-code")
	br.do(chromedp.SendKeys(chromedp.CSS("#code"), strings.ToLower(codes[0])))
	br.mark()
	br.keys("\r")
	br.waitNew(`!!document.querySelector("form[method=post]")`)
	br.shot("fill")
	fill := func() {
		br.do(chromedp.Click(chromedp.CSS("label[for=q-overall-2]")), chromedp.Click(chromedp.CSS("label[for=q-transparency-2]")))
		br.mark()
		br.do(chromedp.Click(chromedp.CSS(".sticky-submit button")))
	}
	fill()
	br.waitNew(`location.pathname === "/done"`)
	br.shot("done")
	if got := br.text("h1"); got == "" {
		t.Error("no confirmation")
	}
	if n := total(); n != before+1 {
		t.Fatalf("after one code, %d more responses, want 1", n-before)
	}

	// The same code again is refused with a clear message.
	br.do(chromedp.Navigate(site.URL + "/e/" + codes[0]))
	br.shot("used-code")
	if msg := br.text("#eval-refused"); !strings.Contains(msg, "此测评码已经使用过") {
		t.Errorf("second use: %q", msg)
	}
	// The second code: the page is open, then the code is used elsewhere
	// (here by the API) before this page is sent: the page is refused.
	br.do(chromedp.Navigate(site.URL + "/e/" + codes[1]))
	br.wait(`!!document.querySelector(".sticky-submit button")`)
	api, _ := json.Marshal(map[string]any{"id": uuid.NewString(), "answers": map[string]any{"overall": "basic", "transparency": 3}})
	res, err := http.Post(site.URL+"/api/v1/eval/"+codes[1]+"/responses", "application/json", bytes.NewReader(api))
	if err != nil {
		t.Fatal(err)
	}
	webtest.CloseBody(t, res)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("API answer with a code: %d", res.StatusCode)
	}
	fill()
	br.waitNew(`!!document.getElementById("eval-refused")`)
	br.shot("used-on-submit")
	if msg := br.text("#eval-refused"); !strings.Contains(msg, "每个测评码只能提交一次") {
		t.Errorf("second use on submit: %q", msg)
	}
	if n := total(); n != before+2 {
		t.Fatalf("two codes gave %d responses, want 2", n-before)
	}
	// Nothing in the stored responses points to a code or a person.
	var all, n int
	if err := testutil.RawOf(t, site.DB).QueryRow(`SELECT count(*), coalesce(sum(deputy_id IS NOT NULL OR submitted_by IS NOT NULL OR serial != ''),0) FROM responses
		WHERE channel='online' AND created_at >= (SELECT max(created_at) FROM eval_code_sets)`).Scan(&all, &n); err != nil {
		t.Fatal(err)
	}
	if all != 2 || n != 0 {
		t.Errorf("%d code responses, %d of them keep a person; want 2 and none", all, n)
	}
}
