package web

// Excel template and import of paper forms. An import runs as a job in the
// background: the upload answers at once with a redirect to the job's page,
// which says what is being done (reading, checking row i of n, saving) and
// refreshes itself until it is done; the same page answers JSON for scripts.
// Nothing is stored unless every row is valid (db.ImportPaper).

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"budgetpoint/db"
	"budgetpoint/handlers"
	"budgetpoint/internal/xlprint"
	"budgetpoint/models"
)

// maxImportBytes is the largest Excel file accepted.
const maxImportBytes = 8 << 20

// BodyLimits are the point's page routes that take more than handlers.MaxBody.
func BodyLimits() map[string]int64 { return map[string]int64{"/paper/:id/import": maxImportBytes} }

const (
	sheetAnswers = "答卷"
	sheetHelp    = "说明"
	serialHeader = "问卷编号"
)

// importError is one problem of an imported file, at a row and column.
type importError struct {
	Row int
	Col string
	Msg string // "中文 / English"
}

// importJob is one import in progress or done.
type importJob struct {
	mu       sync.Mutex
	ID       string
	BatchID  string
	UserID   int64
	Stage    string // reading, checking, saving, done, failed
	Row      int
	Rows     int
	Imported int
	Errors   []importError
	Fatal    string // "中文 / English", when the file could not be read at all
	started  time.Time
}

// importSnapshot is a copy of a job for rendering.
type importSnapshot struct {
	ID, BatchID, Stage, Fatal string
	Row, Rows, Imported       int
	Errors                    []importError
	Done                      bool
}

func (j *importJob) snapshot() importSnapshot {
	j.mu.Lock()
	defer j.mu.Unlock()
	return importSnapshot{ID: j.ID, BatchID: j.BatchID, Stage: j.Stage, Fatal: j.Fatal, Row: j.Row, Rows: j.Rows, Imported: j.Imported,
		Errors: append([]importError(nil), j.Errors...), Done: j.Stage == "done" || j.Stage == "failed"}
}

func (j *importJob) set(f func(j *importJob)) {
	j.mu.Lock()
	f(j)
	j.mu.Unlock()
}

var (
	jobsMu sync.Mutex
	jobs   = map[string]*importJob{}
)

// importJobTTL is how long a finished import can still be looked at.
const importJobTTL = time.Hour

func newImportJob(batchID string, userID int64) *importJob {
	j := &importJob{ID: db.RandomToken(12), BatchID: batchID, UserID: userID, Stage: "reading", started: time.Now()}
	jobsMu.Lock()
	defer jobsMu.Unlock()
	for id, old := range jobs {
		if time.Since(old.started) > importJobTTL {
			delete(jobs, id)
		}
	}
	jobs[j.ID] = j
	return j
}

func findImportJob(id string) *importJob {
	jobsMu.Lock()
	defer jobsMu.Unlock()
	return jobs[id]
}

// paperTemplate answers the Excel template of a batch's questionnaire:
// 问卷编号 then one column per question (its label), and a sheet 说明
// listing each question's numbered options and how to type answers.
func (a *App) paperTemplate(c *gin.Context) {
	b, def, ok := a.batchAndDef(c)
	if !ok {
		return
	}
	data, err := templateWorkbook(def)
	if err != nil {
		a.Error(c, fmt.Errorf("paper template of batch %s: %w", b.ID, err))
		return
	}
	handlers.Attachment(c, "纸质问卷导入模板-"+b.Name+".xlsx")
	c.Data(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", data)
}

// templateWorkbook makes the template of a questionnaire: the first error
// of making it is returned, naming the sheet.
func templateWorkbook(def *models.Definition) (_ []byte, err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	sheet := sheetAnswers
	check := func(e error) {
		if err == nil && e != nil {
			err = fmt.Errorf("sheet %s: %w", sheet, e)
		}
	}
	check(f.SetSheetName("Sheet1", sheetAnswers))
	header := []any{serialHeader}
	for _, q := range def.Questions {
		header = append(header, q.Label)
	}
	check(f.SetSheetRow(sheetAnswers, "A1", &header))
	bold, e := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#EEEEEE"}}})
	check(e)
	last, e := excelize.ColumnNumberToName(len(header))
	check(e)
	check(f.SetCellStyle(sheetAnswers, "A1", last+"1", bold))
	check(f.SetColWidth(sheetAnswers, "A", "A", 12))
	if len(header) > 1 {
		check(f.SetColWidth(sheetAnswers, "B", last, 24))
	}
	check(f.SetPanes(sheetAnswers, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}))

	sheet = sheetHelp
	_, e = f.NewSheet(sheetHelp)
	check(e)
	check(f.SetSheetRow(sheetHelp, "A1", &[]any{"列", "题目", "题型", "必答", "选项（可填文字或编号）", "填写方法"}))
	check(f.SetCellStyle(sheetHelp, "A1", "F1", bold))
	check(f.SetSheetRow(sheetHelp, "A2", &[]any{"A", serialHeader, "", "是", "", "纸质问卷上的编号，每行一份问卷，同一批次内不能重复"}))
	typeNames := map[string]string{models.SingleChoice: "单选题", models.MultipleChoice: "多选题", models.Rating: "评分题", models.Number: "数字题", models.Text: "填空题"}
	for i, q := range def.Questions {
		col, e := excelize.ColumnNumberToName(i + 2)
		check(e)
		var opts []string
		for j, o := range q.Options {
			opts = append(opts, fmt.Sprintf("%d %s", j+1, o.Label))
		}
		how := ""
		switch q.Type {
		case models.SingleChoice:
			how = "填一个选项的文字或编号，例如“" + q.Options[0].Label + "”或 1"
		case models.MultipleChoice:
			how = "填多个选项，用、或 , 分隔，例如“" + q.Options[0].Label + "、" + q.Options[1].Label + "”或 1,2"
			if q.MaxChoices > 0 {
				how += fmt.Sprintf("；最多选 %d 项", q.MaxChoices)
			}
		case models.Rating:
			lo, hi := q.RatingBounds()
			how = fmt.Sprintf("填 %d 到 %d 的整数分值", lo, hi)
		case models.Number:
			how = "填数字"
			if q.Min != nil || q.Max != nil {
				how += "，范围 " + fmtBound(q.Min, "-∞") + " 到 " + fmtBound(q.Max, "∞")
			}
		default:
			how = "照抄文字"
		}
		req := ""
		if q.Required {
			req = "是"
		}
		if k, on := decider(def.Questions[:i], &def.Questions[i]); k >= 0 {
			src := &def.Questions[k]
			labels := make([]string, len(on))
			for n, j := range on {
				labels[n] = "“" + src.Options[j].Label + "”"
			}
			srcCol, e := excelize.ColumnNumberToName(k + 2)
			check(e)
			how = fmt.Sprintf("仅当第 %d 题（%s 列）填%s时填写，否则留空。", k+1, srcCol, strings.Join(labels, "或")) + how
			if req != "" {
				req = "是（需填写时）"
			}
		}
		check(f.SetSheetRow(sheetHelp, fmt.Sprintf("A%d", i+3), &[]any{col, q.Label, typeNames[q.Type], req, strings.Join(opts, "；"), how}))
	}
	check(f.SetColWidth(sheetHelp, "B", "B", 36))
	check(f.SetColWidth(sheetHelp, "E", "F", 48))
	// Printed, blank, for people to fill by hand, or as the key beside them.
	check(xlprint.Setup(f, sheetAnswers, xlprint.Width(len(header), xlprint.Cols{First: 1, Last: 1, Width: 12}, xlprint.Cols{First: 2, Last: len(header), Width: 24}), 1))
	check(xlprint.Setup(f, sheetHelp, xlprint.Width(6, xlprint.Cols{First: 2, Last: 2, Width: 36}, xlprint.Cols{First: 5, Last: 6, Width: 48}), 1))
	f.SetActiveSheet(0)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func fmtBound(v *float64, inf string) string {
	if v == nil {
		return inf
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

// paperImport takes the uploaded file and starts checking it in the background.
func (a *App) paperImport(c *gin.Context) {
	b, def, ok := a.batchAndDef(c)
	if !ok {
		return
	}
	if b.DoubleEntry {
		a.Redirect(c, "/paper/"+b.ID, "error", Translate(LangOf(c), "import.double"))
		return
	}
	fh, err := c.FormFile("file")
	if err != nil {
		a.Redirect(c, "/paper/"+b.ID+"#import", "error", Translate(LangOf(c), "import.nofile"))
		return
	}
	file, err := fh.Open()
	if err != nil {
		a.Error(c, err)
		return
	}
	data, err := io.ReadAll(io.LimitReader(file, maxImportBytes+1))
	if cerr := file.Close(); cerr != nil {
		a.S.Log.Warn("closing an uploaded file", "batch", b.ID, "err", cerr) // read already: the import goes on
	}
	if err != nil {
		a.Error(c, err)
		return
	}
	if len(data) > maxImportBytes {
		a.Redirect(c, "/paper/"+b.ID+"#import", "error", Translate(LangOf(c), "import.too_big", maxImportBytes>>20))
		return
	}
	sess, _ := handlers.SessionOf(c)
	j := newImportJob(b.ID, sess.User.ID)
	go a.runImport(j, b, def, data, sess.User.Name, sess.User.ID)
	c.Redirect(http.StatusSeeOther, "/paper/"+b.ID+"/import/"+j.ID)
}

// cellMsg writes an error at a row and column, naming the question.
func cellMsg(row int, col, label, msg string) string {
	in := func(lang string) string { return Translate(lang, "import.cell", row, col, label, Bilingual(lang, msg)) }
	return in(LangZH) + " / " + in(LangEN)
}

// runImport reads, checks and (when every row is valid) stores a file.
func (a *App) runImport(j *importJob, b db.PaperBatch, def *models.Definition, data []byte, user string, userID int64) {
	defer func() {
		if p := recover(); p != nil {
			a.S.Log.Error("panic in import", "panic", p)
			j.set(func(j *importJob) { j.Stage, j.Fatal = "failed", both("err.internal") })
		}
	}()
	ctx := context.Background()
	fail := func(msg string) { j.set(func(j *importJob) { j.Stage, j.Fatal = "failed", msg }) }
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 128 << 20, UnzipXMLSizeLimit: 64 << 20})
	if err != nil {
		fail(both("import.unreadable"))
		return
	}
	defer closeWorkbook(a.S.Log, f)
	sheets := f.GetSheetList()
	sheet := sheets[0]
	for _, s := range sheets {
		if s == sheetAnswers {
			sheet = s
		}
	}
	rows, err := f.GetRows(sheet)
	if err != nil {
		fail(both("import.sheet"))
		return
	}
	var errs []importError
	add := func(row, col int, label, msg string) {
		name, _ := excelize.ColumnNumberToName(col + 1)
		errs = append(errs, importError{Row: row, Col: name, Msg: cellMsg(row, name, label, msg)})
	}
	if len(rows) == 0 {
		fail(both("import.empty"))
		return
	}
	// The header row: 问卷编号, then questions by label (in any order).
	colOf := map[string]int{}
	header := rows[0]
	if len(header) == 0 || strings.TrimSpace(header[0]) != serialHeader {
		got := ""
		if len(header) > 0 {
			got = header[0]
		}
		add(1, 0, serialHeader, both("import.first_header", got))
	}
	for i := 1; i < len(header); i++ {
		h := strings.TrimSpace(header[i])
		if h == "" {
			continue
		}
		var q *models.Question
		for k := range def.Questions {
			if dq := &def.Questions[k]; dq.Label == h || dq.Key == h || (dq.LabelEN != "" && dq.LabelEN == h) {
				q = dq
			}
		}
		switch {
		case q == nil:
			add(1, i, h, both("import.not_question", h))
		case colOf[q.Key] != 0:
			add(1, i, h, both("import.column_twice"))
		default:
			colOf[q.Key] = i
		}
	}
	for _, q := range def.Questions {
		if q.Required && colOf[q.Key] == 0 {
			add(1, 0, q.Label, both("import.no_column", q.Label))
		}
	}
	if len(errs) > 0 {
		j.set(func(j *importJob) { j.Stage, j.Errors = "failed", errs })
		return
	}
	taken, err := a.S.DB.PaperSerialsTaken(ctx, b.ID)
	if err != nil {
		fail(both("err.internal"))
		return
	}
	j.set(func(j *importJob) { j.Stage, j.Rows = "checking", len(rows)-1 })
	cell := func(r []string, i int) string {
		if i < len(r) {
			return strings.TrimSpace(r[i])
		}
		return ""
	}
	var out []db.PaperImportRow
	seen := map[string]int{}
	for i := 1; i < len(rows); i++ {
		j.set(func(j *importJob) { j.Row = i })
		r, rowNo := rows[i], i+1
		blank := true
		for _, v := range r {
			if strings.TrimSpace(v) != "" {
				blank = false
			}
		}
		if blank {
			continue
		}
		if len(out) >= db.MaxBatchForms {
			add(rowNo, 0, serialHeader, both("import.max_forms", db.MaxBatchForms))
			break
		}
		serial := cell(r, 0)
		switch {
		case serial == "":
			add(rowNo, 0, serialHeader, both("import.no_serial"))
		case seen[serial] != 0:
			add(rowNo, 0, serialHeader, both("import.serial_repeats", serial, seen[serial]))
		case taken[serial]:
			add(rowNo, 0, serialHeader, both("import.serial_taken", serial))
		case len([]rune(serial)) > db.MaxSerial:
			add(rowNo, 0, serialHeader, both("import.serial_long", db.MaxSerial))
		}
		if serial != "" && seen[serial] == 0 {
			seen[serial] = rowNo
		}
		typed := map[string]string{}
		for _, q := range def.Questions {
			if col, ok := colOf[q.Key]; ok {
				typed[q.Key] = cell(r, col)
			}
		}
		answers, bad := typedAnswers(def, typed, true)
		_, more := def.CheckAnswers(answers)
		for k, m := range more {
			if _, ok := bad[k]; !ok {
				bad[k] = m
			}
		}
		for _, q := range def.Questions {
			if m, ok := bad["answers."+q.Key]; ok {
				add(rowNo, colOf[q.Key], q.Label, m)
			}
		}
		out = append(out, db.PaperImportRow{Row: rowNo, Serial: serial, Answers: answers})
	}
	if len(errs) == 0 && len(out) == 0 {
		fail(both("import.no_forms"))
		return
	}
	if len(errs) > 0 {
		sort.SliceStable(errs, func(x, y int) bool { return errs[x].Row < errs[y].Row })
		j.set(func(j *importJob) { j.Stage, j.Errors = "failed", errs })
		return
	}
	j.set(func(j *importJob) { j.Stage, j.Rows = "saving", len(out) })
	n, err := a.S.DB.ImportPaper(ctx, b.ID, out, user, userID)
	if err != nil {
		if fe := FieldErrors(err); fe != nil {
			// Found only inside the transaction (a form typed meanwhile):
			// fields are "[row].serial" or "[row].answers.key".
			for k, m := range fe {
				var row int
				var field string
				if _, e := fmt.Sscanf(k, "[%d].", &row); e == nil {
					field = k[strings.Index(k, "].")+2:]
				}
				col, label := 0, serialHeader
				if key, ok := strings.CutPrefix(field, "answers."); ok {
					col = colOf[key]
					if q := def.Question(key); q != nil {
						label = q.Label
					}
				}
				add(row, col, label, m)
			}
			sort.SliceStable(errs, func(x, y int) bool { return errs[x].Row < errs[y].Row })
			j.set(func(j *importJob) { j.Stage, j.Errors = "failed", errs })
			return
		}
		if e, ok := models.AsError(err); ok {
			fail(e.Message)
			return
		}
		a.S.Log.Error("import", "err", err)
		fail(both("import.nothing_stored"))
		return
	}
	j.set(func(j *importJob) { j.Stage, j.Imported = "done", n })
}

type importData struct {
	B   db.PaperBatch
	J   importSnapshot
	Msg string
}

func (a *App) paperImportStatus(c *gin.Context) {
	j := findImportJob(c.Param("job"))
	sess, _ := handlers.SessionOf(c)
	if j == nil || j.BatchID != c.Param("id") || j.UserID != sess.User.ID {
		a.Error(c, models.Errorf(models.ENotFound, "%s", both("import.gone")))
		return
	}
	s := j.snapshot()
	lang := LangOf(c)
	msg := ""
	switch s.Stage {
	case "reading":
		msg = Translate(lang, "import.reading")
	case "checking":
		msg = Translate(lang, "import.checking", s.Row, s.Rows)
	case "saving":
		msg = Translate(lang, "import.saving", s.Rows)
	case "done":
		msg = Translate(lang, "import.done", s.Imported)
	case "failed":
		if s.Fatal != "" {
			msg = Translate(lang, "import.failed1", Bilingual(lang, s.Fatal))
		} else {
			msg = Translate(lang, "import.failed", len(s.Errors))
		}
	}
	if c.Query("format") == "json" || strings.Contains(c.GetHeader("Accept"), "application/json") {
		errs := make([]string, len(s.Errors))
		for i, e := range s.Errors {
			errs[i] = e.Msg
		}
		c.Header("Cache-Control", "no-store")
		c.JSON(http.StatusOK, gin.H{"stage": s.Stage, "done": s.Done, "row": s.Row, "rows": s.Rows, "imported": s.Imported, "message": msg, "errors": errs})
		return
	}
	b, err := a.S.DB.PaperBatch(c.Request.Context(), s.BatchID)
	if err != nil {
		a.Error(c, err)
		return
	}
	v := a.View(c, "import.title", &importData{B: b, J: s, Msg: msg})
	v.Nav = "paper"
	if !s.Done {
		// Without script, the page asks again in a second (see the template).
		c.Header("Refresh", "1")
	}
	a.Render(c, http.StatusOK, "paper_import.html", v)
}
