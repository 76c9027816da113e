package web

import (
	"encoding/csv"
	"io"
	"net/http"
	"strconv"
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
	id := corruptFifth(t, ts)
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

// The CSV export has the workbook's rows, sent as they are read: the
// byte-order mark Excel looks for, the header, one row per response not
// voided in the order stored, a text that a spreadsheet would take for a
// formula kept as text, and an audit entry for the file.
func TestExportResponsesCSV(t *testing.T) {
	ts := newTestSite(t)
	c := ts.Login(t, "staff")
	raw := testutil.RawOf(t, ts.DB)
	var first string
	if err := raw.QueryRow(`SELECT id FROM responses WHERE questionnaire_id=? AND voided_at IS NULL ORDER BY rowid LIMIT 1`, draftQ).Scan(&first); err != nil {
		t.Fatal(err)
	}
	ts.exec(t, `UPDATE responses SET respondent_desc='=HYPERLINK("http://x")' WHERE id=?`, first)
	res, err := c.Get(ts.URL + "/questionnaires/" + draftQ + "/responses.csv")
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(res.Header.Get("Content-Disposition"), ".csv") {
		t.Fatalf("CSV export: %d %q %q", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"))
	}
	body := webtest.ReadAll(t, res)
	rest, ok := strings.CutPrefix(body, "\ufeff")
	if !ok {
		t.Fatal("no byte-order mark")
	}
	rows, err := csv.NewReader(strings.NewReader(rest)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := testutil.ResponseIDs(t, raw, draftQ)
	if len(want) < 2 || len(rows) != len(want)+1 || rows[0][0] != "序号" || rows[0][1] != "答卷编号" {
		t.Fatalf("%d rows (header %q), want a header and %d responses", len(rows), rows[0], len(want))
	}
	for i, id := range want {
		if rows[i+1][0] != strconv.Itoa(i+1) || rows[i+1][1] != id {
			t.Fatalf("row %d: %q, want number %d and response %s", i+1, rows[i+1][:2], i+1, id)
		}
	}
	if got := rows[1][4]; got != `'=HYPERLINK("http://x")` {
		t.Errorf("a description that looks like a formula: %q, want it kept as text", got)
	}
	var n int
	if err := raw.QueryRow(`SELECT count(*) FROM audit_log WHERE action='export' AND detail LIKE '%.csv%'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d audit entries of the export (%v), want 1", n, err)
	}
}

// A response that cannot be exported half-way through: the rows before it
// are already sent, so the connection is broken off and the client sees
// the file incomplete, never a short file that looks whole.
func TestExportResponsesCSVBreaksOff(t *testing.T) {
	ts := newTestSite(t)
	c := ts.Login(t, "staff")
	id := corruptFifth(t, ts)
	res, err := c.Get(ts.URL + "/questionnaires/" + draftQ + "/responses.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err == nil {
		t.Fatalf("the export ended as if complete (%d bytes), want it broken off", len(b))
	}
	if logs := ts.Logs.String(); !strings.Contains(logs, "responses export broke off") || !strings.Contains(logs, id) {
		t.Errorf("the log does not say so, naming the response: %s", logs)
	}
}

// corruptFifth stores an answer that cannot be read as its question's type
// in the fifth response of draftQ, and returns that response's id.
func corruptFifth(t *testing.T, ts *testSite) string {
	t.Helper()
	var id string
	if err := testutil.RawOf(t, ts.DB).QueryRow(`SELECT id FROM responses WHERE questionnaire_id=? ORDER BY rowid LIMIT 1 OFFSET 4`, draftQ).Scan(&id); err != nil {
		t.Fatal(err)
	}
	ts.exec(t, `UPDATE responses SET answers=json_set(answers, '$.overall', 7) WHERE id=?`, id)
	return id
}
