package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"budgetpoint/db"
	"budgetpoint/models"

	"budgetpoint/web/internal/webtest"
)

func TestTypedAnswer(t *testing.T) {
	multi := &models.Question{Key: "m", Type: models.MultipleChoice, Options: []models.Option{{Value: "a", Label: "教育"}, {Value: "b", Label: "医疗卫生"}, {Value: "c", Label: "交通"}}}
	single := &models.Question{Key: "s", Type: models.SingleChoice, Options: multi.Options}
	for _, c := range []struct {
		q       *models.Question
		in      string
		byLabel bool
		want    string
		bad     bool
	}{
		{single, "2", false, `"b"`, false},
		{single, "4", false, "", true},
		{single, "教育", false, "", true}, // on the entry page only numbers
		{single, "教育", true, `"a"`, false},
		{single, "很好", true, "", true},
		{multi, "13", false, `["a","c"]`, false},
		{multi, "1 3", false, `["a","c"]`, false},
		{multi, "教育、交通", true, `["a","c"]`, false},
		{multi, "1,2", true, `["a","b"]`, false},
		{multi, "11", false, "", true},
		{&models.Question{Type: models.Number}, "1,200.5", false, "1200.5", false},
		{&models.Question{Type: models.Rating}, "4", false, "4", false},
		{&models.Question{Type: models.Text}, " 修路 ", false, `"修路"`, false},
	} {
		got, msg := typedAnswer(c.q, c.in, c.byLabel)
		if (msg != "") != c.bad || string(got) != c.want {
			t.Errorf("%s %q (labels %v) = %s %q", c.q.Type, c.in, c.byLabel, got, msg)
		}
		if c.bad && !strings.Contains(msg, " / ") {
			t.Errorf("message %q is not “中文 / English”", msg)
		}
	}
}

// Without JavaScript the entry page is a plain form: it posts, counts, and
// a serial typed twice in the same pass is refused beside the field.
func TestPaperEntryWithoutScript(t *testing.T) {
	site := newTestSite(t)
	ctx := context.Background()
	b := db.PaperBatch{Name: "实地调研 2026-11-19", QuestionnaireID: paperQID, Expected: 2}
	if err := site.DB.CreatePaperBatch(ctx, &b); err != nil {
		t.Fatal(err)
	}
	before := paperCount(t, site.DB)

	dep := site.Login(t, "deputy")
	site.Get(t, dep, "/paper", http.StatusForbidden)
	site.Get(t, dep, "/codes", http.StatusForbidden)

	c := site.Login(t, "staff")
	page := site.Get(t, c, "/paper/"+b.ID+"/entry", http.StatusOK)
	webtest.MustContain(t, page, "第 1 / 2 份", `id="serial"`, "autofocus", "<kbd>1</kbd> 满意")
	csrf := webtest.CSRFRe.FindStringSubmatch(page)[1]
	form := url.Values{"csrf": {csrf}, "pass": {"1"}, "serial": {"17"}, "a.overall": {"3"}, "a.priorities": {"15"}, "a.transparency": {"2"}}
	res, _ := site.Post(t, c, "/paper/"+b.ID+"/entry", form, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/paper/"+b.ID+"/entry?pass=1" {
		t.Errorf("after saving: %s", loc)
	}
	if n := paperCount(t, site.DB); n != before+1 {
		t.Fatalf("counted %d", n-before)
	}
	webtest.MustContain(t, site.Get(t, c, "/paper/"+b.ID+"/entry?pass=1", http.StatusOK), "第 2 / 2 份")

	// The same serial again: refused, with the choice to type it again.
	_, body := site.Post(t, c, "/paper/"+b.ID+"/entry", form, http.StatusConflict)
	webtest.MustContain(t, body, "已核对并计入汇总", `value="17"`)
	// Bad digits and a missing answer are named, and what was typed is kept.
	bad := url.Values{"csrf": {csrf}, "pass": {"1"}, "serial": {"18"}, "a.overall": {"7"}, "a.priorities": {"19"}}
	_, body = site.Post(t, c, "/paper/"+b.ID+"/entry", bad, http.StatusUnprocessableEntity)
	webtest.MustContain(t, body, "选项编号 7 不在 1 到 3 之间", "选项编号 9 不在 1 到 7 之间", "必答题", `value="19"`)
	if n := paperCount(t, site.DB); n != before+1 {
		t.Fatalf("an invalid form was counted")
	}
	// Without the CSRF token nothing is stored.
	form.Del("csrf")
	form.Set("serial", "19")
	site.Post(t, c, "/paper/"+b.ID+"/entry", form, http.StatusForbidden)
	if n := paperCount(t, site.DB); n != before+1 {
		t.Fatalf("a form without CSRF token was counted")
	}
}

// Stored entries or history that cannot be read fail the pages that show
// them (the error page, the cause logged naming the form), instead of
// showing them as blank.
func TestPaperCorruptStoredValues(t *testing.T) {
	site := newTestSite(t)
	b := db.PaperBatch{Name: "损坏的录入", QuestionnaireID: paperQID, Expected: 2}
	if err := site.DB.CreatePaperBatch(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	c := site.Login(t, "staff")
	csrf := webtest.CSRFRe.FindStringSubmatch(site.Get(t, c, "/paper/"+b.ID+"/entry", http.StatusOK))[1]
	site.Post(t, c, "/paper/"+b.ID+"/entry", url.Values{"csrf": {csrf}, "pass": {"1"}, "serial": {"17"}, "a.overall": {"3"}, "a.priorities": {"15"}, "a.transparency": {"2"}}, http.StatusSeeOther)
	site.Get(t, c, "/paper/"+b.ID+"/form?serial=17", http.StatusOK)
	site.Get(t, c, "/paper/"+b.ID+"/history", http.StatusOK)

	site.exec(t, `UPDATE paper_entries SET answers='{"overall":' WHERE batch_id=? AND serial='17'`, b.ID)
	for _, p := range []string{"/form?serial=17", "/entry?pass=1&serial=17&replace=1"} {
		webtest.MustContain(t, site.Get(t, c, "/paper/"+b.ID+p, http.StatusInternalServerError), "服务器内部错误")
	}
	if logs := site.Logs.String(); !strings.Contains(logs, "paper form 17") || !strings.Contains(logs, "pass 1") || !strings.Contains(logs, "stored answers") {
		t.Errorf("the log does not name the form: %s", logs)
	}
	site.exec(t, `UPDATE paper_audit SET new_value='{"overall":' WHERE batch_id=? AND serial='17' AND question_key=''`, b.ID)
	webtest.MustContain(t, site.Get(t, c, "/paper/"+b.ID+"/history", http.StatusInternalServerError), "服务器内部错误")
	if logs := site.Logs.String(); !strings.Contains(logs, "paper history of form 17") {
		t.Errorf("the log does not name the history's form: %s", logs)
	}
}
