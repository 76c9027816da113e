package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
	"github.com/xuri/excelize/v2"

	"budgetpoint/db"
	"budgetpoint/internal/testutil"
	"budgetpoint/models"
	"budgetpoint/web/internal/webtest"
)

// skipPaperQ is a questionnaire with skip logic for paper entry: 原因 is
// asked only after 不满意, 评分 always.
func skipPaperQ(t *testing.T, ts *testSite) db.PaperBatch {
	t.Helper()
	ctx := context.Background()
	def := models.Definition{ID: "q-paper-skip", TopicID: draftT, Title: "座谈会满意度", Questions: []models.Question{
		{Key: "overall", Type: models.SingleChoice, Label: "您对座谈会是否满意", Required: true,
			Options: []models.Option{{Value: "good", Label: "满意"}, {Value: "bad", Label: "不满意"}}},
		{Key: "why", Type: models.Text, Label: "不满意的原因", Required: true, Relevant: &models.Relevance{Key: "overall", In: []string{"bad"}}},
		{Key: "score", Type: models.Rating, Label: "会议组织评分"},
	}}
	if _, _, err := ts.DB.SaveQuestionnaire(ctx, def, "local"); err != nil {
		t.Fatal(err)
	}
	b := db.PaperBatch{Name: "座谈会 2026-12-01", QuestionnaireID: def.ID, Expected: 3, RespondentKind: "public", CreatedBy: "staff"}
	if err := ts.DB.CreatePaperBatch(ctx, &b); err != nil {
		t.Fatal(err)
	}
	return b
}

// askedAnswered reads question why's asked and answered counts from the summary.
func askedAnswered(t *testing.T, ts *testSite) (asked, answered int64) {
	t.Helper()
	s, err := ts.DB.Summary(context.Background(), draftT, "hongta")
	if err != nil {
		t.Fatal(err)
	}
	for _, qs := range s.Questionnaires {
		for _, q := range qs.Questions {
			if qs.ID == "q-paper-skip" && q.Key == "why" {
				if q.Asked == nil {
					t.Fatal("the summary has no asked count for a question with skip logic")
				}
				return *q.Asked, q.Answered
			}
		}
	}
	t.Fatal("question why is not in the summary")
	return 0, 0
}

// TestBrowserPaperSkipLogic: on the keyboard entry page a question that
// the earlier answer skips is greyed out and Enter passes it by (满意: from
// question 1 straight to 评分); after 不满意 it is typed; the summary counts
// it asked once and answered once, and the summary page says so.
func TestBrowserPaperSkipLogic(t *testing.T) {
	ts := newTestSite(t)
	b := skipPaperQ(t, ts)
	br := newPaperBrowser(t, ts.URL, "paper-skip")
	br.login("staff")
	br.do(chromedp.Navigate(ts.URL + "/paper/" + b.ID + "/entry"))
	br.wait(`document.getElementById("entry-form").dataset.ready && document.activeElement.id === "serial"`)
	if br.eval(`String(document.getElementById("a-why").disabled)`) != "true" {
		t.Error("the follow-up is open before question 1 is typed")
	}
	br.keys("1\r1\r")
	if f := br.focused(); f != "a-score" {
		br.shot("skip-focus")
		t.Fatalf("after 满意 and Enter the focus is on %q, want a-score (the follow-up skipped)", f)
	}
	br.shot("satisfied-skips")
	br.mark()
	br.keys("4\r")
	br.waitNew(`document.activeElement && document.activeElement.id === "serial"`)

	br.keys("\r2") // the serial offered (2), then 不满意
	if br.eval(`String(document.getElementById("a-why").disabled)`) != "false" {
		br.shot("follow-up-closed")
		t.Fatal("the follow-up stays closed after 不满意")
	}
	br.keys("\r")
	if f := br.focused(); f != "a-why" {
		t.Fatalf("after 不满意 and Enter the focus is on %q, want a-why", f)
	}
	br.keys("会议通知太晚\r")
	br.shot("unsatisfied-asks")
	br.mark()
	br.keys("\r") // 评分 left empty: Enter on the last question saves
	br.waitNew(`document.activeElement && document.activeElement.id === "serial"`)
	if got := br.text("#progress"); got != "第 3 / 3 份" {
		t.Errorf("progress %q after two forms", got)
	}
	if asked, answered := askedAnswered(t, ts); asked != 1 || answered != 1 {
		t.Errorf("why asked %d, answered %d; want 1 and 1", asked, answered)
	}
	testutil.CheckCounters(t, ts.DB, draftT)
	staff := ts.Login(t, "staff")
	page := ts.Get(t, staff, "/topics/"+draftT+"/summary", http.StatusOK)
	webtest.MustContain(t, page, "填空题：1 人作答，内容见意见建议。按前面的回答，应答此题的有 1 人。")
}

// TestPaperSkipWithoutScript: without the script every question shows with
// when it is typed; an answer typed to a question not asked is refused
// beside it and nothing is counted; left empty, the form counts.
func TestPaperSkipWithoutScript(t *testing.T) {
	ts := newTestSite(t)
	b := skipPaperQ(t, ts)
	c := ts.Login(t, "staff")
	page := ts.Get(t, c, "/paper/"+b.ID+"/entry", http.StatusOK)
	webtest.MustContain(t, page, `data-skip-key="overall" data-skip-in="2"`, "第 1 题填 2 时才录入，否则跳过")
	csrf := webtest.CSRFRe.FindStringSubmatch(page)[1]
	form := url.Values{"csrf": {csrf}, "pass": {"1"}, "serial": {"1"}, "a.overall": {"1"}, "a.why": {"太长"}, "a.score": {"3"}}
	_, body := ts.Post(t, c, "/paper/"+b.ID+"/entry", form, http.StatusUnprocessableEntity)
	webtest.MustContain(t, body, "此题不需要回答")
	if asked, answered := askedAnswered(t, ts); asked != 0 || answered != 0 {
		t.Fatalf("a refused form moved the summary: asked %d answered %d", asked, answered)
	}
	form.Set("a.why", "")
	ts.Post(t, c, "/paper/"+b.ID+"/entry", form, http.StatusSeeOther)
	if asked, answered := askedAnswered(t, ts); asked != 0 || answered != 0 {
		t.Fatalf("满意: asked %d answered %d, want 0 and 0", asked, answered)
	}
	testutil.CheckCounters(t, ts.DB, draftT)

	// The summary page and its workbook show asked beside answered for
	// follow-ups of every kind, by channel.
	ctx := context.Background()
	def := models.Definition{ID: "q-skip-kinds", TopicID: draftT, Title: "追问", Questions: []models.Question{
		{Key: "overall", Type: models.SingleChoice, Label: "总体", Required: true, Options: []models.Option{{Value: "good", Label: "好"}, {Value: "bad", Label: "差"}}},
		{Key: "which", Type: models.MultipleChoice, Label: "哪些方面", Relevant: &models.Relevance{Key: "overall", In: []string{"bad"}}, Options: []models.Option{{Value: "a", Label: "甲"}, {Value: "b", Label: "乙"}}},
		{Key: "how_much", Type: models.Number, Label: "差多少", Relevant: &models.Relevance{Key: "overall", In: []string{"bad"}}},
	}}
	if _, _, err := ts.DB.SaveQuestionnaire(ctx, def, "local"); err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{`{"overall":"bad","which":["a"]}`, `{"overall":"bad","how_much":3}`, `{"overall":"good"}`} {
		var answers map[string]json.RawMessage
		if err := json.Unmarshal([]byte(a), &answers); err != nil {
			t.Fatal(err)
		}
		if _, _, err := ts.DB.SubmitResponse(ctx, def.ID, db.Submission{ID: uuid.NewString(), Respondent: models.Respondent{Kind: "public"}, Channel: "online", Answers: answers}); err != nil {
			t.Fatal(err)
		}
	}
	page = ts.Get(t, c, "/topics/"+draftT+"/summary", http.StatusOK)
	asked := `<tr class="asked"><th>应答人数（按前面的回答需要回答此题的人数）</th><td class="num">2</td><td class="num">0</td><td class="num">2</td>`
	if n := strings.Count(page, asked); n != 2 {
		t.Errorf("the summary page shows asked 2 for %d follow-ups, want 2 (a multiple choice and a number)", n)
	}
	testutil.CheckCounters(t, ts.DB, draftT)
}

// TestPaperImportSkipLogic: the template's 说明 says when a question with
// skip logic is filled; an import with an answer to a question not asked is
// refused at its cell, and nothing is stored; without it every row counts
// and asked/answered follow the rows.
func TestPaperImportSkipLogic(t *testing.T) {
	ts := newTestSite(t)
	b := skipPaperQ(t, ts)
	c := ts.Login(t, "staff")
	def, _, err := ts.DB.Definition(context.Background(), "q-paper-skip", 0)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := templateWorkbook(def)
	if err != nil {
		t.Fatal(err)
	}
	tf, err := excelize.OpenReader(bytes.NewReader(tpl))
	if err != nil {
		t.Fatal(err)
	}
	if p := testutil.PrintProblems(tf, sheetHelp); len(p) > 0 {
		t.Errorf("the template does not print on A4: %v", p)
	}
	closeXLSX(t, tf)
	help := readSheet(t, tpl, sheetHelp)
	if got := strings.Join(help[3], "|"); !strings.Contains(got, "仅当第 1 题（B 列）填“不满意”时填写，否则留空。") || !strings.Contains(got, "是（需填写时）") {
		t.Errorf("the template's 说明 of the follow-up: %s", got)
	}

	header := []string{"问卷编号", "您对座谈会是否满意", "不满意的原因", "会议组织评分"}
	job := func(rows [][]any) map[string]any {
		t.Helper()
		path := paperXLSX(t, header, rows)
		res := uploadImport(t, ts, c, b.ID, path)
		for range 600 {
			var j map[string]any
			r, err := c.Get(ts.URL + res + "?format=json")
			if err != nil {
				t.Fatal(err)
			}
			err = json.NewDecoder(r.Body).Decode(&j)
			webtest.CloseBody(t, r)
			if err != nil {
				t.Fatal(err)
			}
			if j["done"] == true {
				return j
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatal("the import did not finish")
		return nil
	}
	j := job([][]any{{"1", "满意", "太长", 4}, {"2", "不满意", "通知太晚", 3}})
	errs, _ := json.Marshal(j["errors"])
	if j["stage"] != "failed" || !strings.Contains(string(errs), "第 2 行 C 列（不满意的原因）") || !strings.Contains(string(errs), "此题不需要回答") {
		t.Fatalf("an answer to a question not asked: %v", j)
	}
	if asked, answered := askedAnswered(t, ts); asked != 0 || answered != 0 {
		t.Fatalf("a refused import moved the summary: asked %d answered %d", asked, answered)
	}
	j = job([][]any{{"1", "满意", "", 4}, {"2", "不满意", "通知太晚", 3}, {"3", "2", "会场太远"}})
	if j["stage"] != "done" {
		t.Fatalf("import: %v", j)
	}
	if asked, answered := askedAnswered(t, ts); asked != 2 || answered != 2 {
		t.Errorf("after the import why asked %d, answered %d; want 2 and 2", asked, answered)
	}
	testutil.CheckCounters(t, ts.DB, draftT)
}

// readSheet reads the rows of one sheet of a workbook.
func readSheet(t *testing.T, data []byte, sheet string) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer closeXLSX(t, f)
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// uploadImport posts a workbook to a batch's import and returns the job's page.
func uploadImport(t *testing.T, ts *testSite, c *http.Client, batch, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	if err := w.WriteField("csrf", ts.csrf(t, c)); err != nil {
		t.Fatal(err)
	}
	fw, err := w.CreateFormFile("file", "paper.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest("POST", ts.URL+"/paper/"+batch+"/import", &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Origin", ts.URL)
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	webtest.CloseBody(t, res)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: status %d", res.StatusCode)
	}
	return res.Header.Get("Location")
}
