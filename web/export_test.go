package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"budgetpoint/internal/testutil"
	"budgetpoint/web/internal/webtest"
)

// A stored answer that cannot be read as its question's type fails the
// export with an error page naming the sheet and the row (not a file with
// an empty cell); the log names the response and the question.
func TestExportCorruptAnswer(t *testing.T) {
	ts := newTestSite(t)
	c := ts.Login(t, "staff")
	var id string
	if err := testutil.RawOf(t, ts.DB).QueryRow(`SELECT id FROM responses WHERE questionnaire_id=? ORDER BY rowid LIMIT 1 OFFSET 4`, draftQ).Scan(&id); err != nil {
		t.Fatal(err)
	}
	ts.exec(t, `UPDATE responses SET answers=json_set(answers, '$.overall', 7) WHERE id=?`, id)
	res, err := c.Get(ts.URL + "/questionnaires/" + draftQ + "/responses.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	body := webtest.ReadAll(t, res)
	if res.StatusCode != http.StatusInternalServerError || res.Header.Get("Content-Disposition") != "" {
		t.Fatalf("export with a corrupt answer: %d %q, want the error page", res.StatusCode, res.Header.Get("Content-Disposition"))
	}
	webtest.MustContain(t, body, "导出没有成功：工作表“答卷”的第 6 行无法生成") // the header, then the 5th response
	if logs := ts.Logs.String(); !strings.Contains(logs, "response "+id+": answer to overall") {
		t.Errorf("the log does not name the response and the question: %s", logs)
	}
	// In English, the same place.
	en := ts.Login(t, "staff")
	a11yEnglish(t, ts, en)
	webtest.MustContain(t, ts.Get(t, en, "/questionnaires/"+draftQ+"/responses.xlsx", http.StatusInternalServerError),
		"row 6 of the sheet “Responses” could not be made")
}

// TestExportsPrintOnA4: every workbook of the point (a topic's summary, a
// questionnaire's responses, the audit log) prints on A4, one page wide,
// its first row again on each page, the wide sheets across the page.
func TestExportsPrintOnA4(t *testing.T) {
	ts := newTestSite(t)
	staff, admin := ts.Login(t, "staff"), ts.Login(t, "admin")
	for _, x := range []struct {
		c    *http.Client
		path string
		wide []string
	}{
		{staff, "/topics/" + draftT + "/summary.xlsx", []string{"意见建议"}},
		{staff, "/questionnaires/" + draftQ + "/responses.xlsx", []string{"答卷"}},
		{admin, "/audit.xlsx", []string{"审计日志"}},
	} {
		body := ts.Get(t, x.c, x.path, http.StatusOK)
		f, err := excelize.OpenReader(strings.NewReader(body))
		if err != nil {
			t.Fatalf("%s: %v", x.path, err)
		}
		for _, p := range testutil.PrintProblems(f, x.wide...) {
			t.Errorf("%s: %s", x.path, p)
		}
		f.Close()
	}
}
