package web

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"budgetpoint/db"
	"budgetpoint/handlers"
	"budgetpoint/internal/xlprint"
	"budgetpoint/models"
)

var exportMessages = map[string][2]string{
	"xl.summary":   {"汇总", "Summary"},
	"xl.responses": {"答卷", "Responses"},
	"xl.opinions":  {"意见建议", "Opinions"},
	"xl.no":        {"序号", "No."},
	"xl.rid":       {"答卷编号", "Response id"},
	"xl.channel":   {"填写方式", "Channel"},
	"xl.kind":      {"答卷人", "Respondent"},
	"xl.desc":      {"身份说明", "About the respondent"},
	"xl.serial":    {"问卷编号", "Serial number"},
	"xl.entered":   {"录入人", "Typed in by"},
	"xl.time":      {"提交时间", "Submitted at"},
	"xl.version":   {"问卷版本", "Version"},
	"xl.failed":    {"导出没有成功：工作表“%s”的第 %d 行无法生成，请联系管理员。", "The export did not succeed: row %[2]d of the sheet “%[1]s” could not be made. Tell the administrator."},
}

// sendWorkbook sends a workbook, made whole before (so that a failure is an
// error page, not half a file), as an attachment with a UTF-8 file name.
// Every export is audited; one that cannot be is not sent.
func (st *Site) sendWorkbook(c *gin.Context, f *excelize.File, name string) {
	err := st.S.SendMade(c, name, handlers.XLSX, func(w *bytes.Buffer) error { return f.Write(w) }, func() error {
		return st.S.DB.Audit(c.Request.Context(), "export", "export", c.Request.URL.Path, models.AuditOK, map[string]any{"file": name})
	})
	if err != nil {
		st.Error(c, err)
	}
}

// exportError is an export that could not be made at a row of a sheet: the
// person is told where (to tell the administrator), the log gets the cause.
func exportError(sheet string, row int, err error) error {
	return &models.Error{Code: models.EInternal, Message: both("xl.failed", sheet, row),
		Err: fmt.Errorf("export: sheet %q, row %d: %w", sheet, row, err)}
}

// sheetWriter streams the rows of one sheet, keeping the first error with
// the row it happened at; the rows after it are not written.
type sheetWriter struct {
	sw    *excelize.StreamWriter
	sheet string
	row   int // the row put writes next
	err   error
}

// newSheet adds a sheet (or renames the workbook's first, "Sheet1") and
// streams it, set up for print (xlprint: A4, one page wide, its first
// titleRows rows again on each page); it has ncols columns, widths as
// given (set before any row, as the stream writer wants).
func newSheet(f *excelize.File, sheet string, first bool, ncols, titleRows int, widths ...xlprint.Cols) (*sheetWriter, error) {
	var err error
	if first {
		err = f.SetSheetName("Sheet1", sheet)
	} else {
		_, err = f.NewSheet(sheet)
	}
	if err != nil {
		return nil, exportError(sheet, 0, err)
	}
	sw, err := xlprint.Stream(f, sheet, ncols, titleRows, widths...)
	if err != nil {
		return nil, exportError(sheet, 0, err)
	}
	return &sheetWriter{sw: sw, sheet: sheet, row: 1}, nil
}

// put writes the next row.
func (w *sheetWriter) put(vals []any, opts ...excelize.RowOpts) {
	if w.err != nil {
		return
	}
	cell, err := excelize.CoordinatesToCellName(1, w.row)
	if err == nil {
		err = w.sw.SetRow(cell, vals, opts...)
	}
	if err != nil {
		w.err = exportError(w.sheet, w.row, err)
		return
	}
	w.row++
}

// fail stops the sheet at the row put would write next, for a cell that
// cannot be made.
func (w *sheetWriter) fail(err error) {
	if w.err == nil {
		w.err = exportError(w.sheet, w.row, err)
	}
}

// flush ends the sheet: the first error of its rows, or of ending it.
func (w *sheetWriter) flush() error {
	if w.err != nil {
		return w.err
	}
	if err := w.sw.Flush(); err != nil {
		return exportError(w.sheet, w.row, err)
	}
	return nil
}

func cellRow(vals ...any) []any { return vals }

// exportSummary writes a topic's summary (totals, each question's
// distribution online / paper / total) and its opinions as a workbook.
func (a *App) exportSummary(c *gin.Context) {
	lang := LangOf(c)
	T := func(k string, args ...any) string { return Translate(lang, k, args...) }
	d, err := a.buildSummary(c, c.Param("id"), lang)
	if err != nil {
		a.Error(c, err)
		return
	}
	f := excelize.NewFile()
	defer closeWorkbook(a.S.Log, f)
	sw, err := newSheet(f, T("xl.summary"), true, 5, 1, xlprint.Cols{First: 1, Last: 1, Width: 40}, xlprint.Cols{First: 2, Last: 5, Width: 12})
	if err != nil {
		a.Error(c, err)
		return
	}
	put := func(vals ...any) { sw.put(vals) }
	put(a.pointName().In(c.Request.Context(), a.S.DB, a.S.Log, lang))
	put(T("rep.topic"), d.Topic.Title)
	put(T("rep.date"), d.Date)
	put()
	put("", T("channel.online"), T("channel.paper"), T("channel.total"))
	put(T("sum.totals"), d.Channel[0], d.Channel[1], d.Channel[2])
	for _, k := range d.Kinds {
		put(T("rkind."+k.Kind), "", "", k.N)
	}
	putAsked := func(q qView) {
		if a := q.Asked; a != nil {
			put(T("sum.asked"), a[0], a[1], a[2])
		}
	}
	for _, qn := range d.Qns {
		put()
		put(qn.Title, qn.Responses[0], qn.Responses[1], qn.Responses[2])
		for _, q := range qn.Questions {
			put()
			put(strconv.Itoa(q.No) + ". " + q.Label + PunctOf(lang).Paren(T("qtype."+q.Type)))
			switch {
			case len(q.Rows) > 0:
				put(T("sum.option"), T("channel.online"), T("channel.paper"), T("channel.total"), "%")
				for _, r := range q.Rows {
					put(r.Label, r.N[0], r.N[1], r.N[2], r.Pct)
				}
				putAsked(q)
				put(T("sum.answered"), q.Answered[0], q.Answered[1], q.Answered[2])
				if q.Type == models.Rating {
					put(T("sum.mean"), q.Mean[0], q.Mean[1], q.Mean[2])
				}
			case q.Type == models.Number:
				put("", T("channel.online"), T("channel.paper"), T("channel.total"))
				putAsked(q)
				put(T("sum.answered"), q.Num[0].Answered, q.Num[1].Answered, q.Num[2].Answered)
				put(T("sum.min"), q.Num[0].Min, q.Num[1].Min, q.Num[2].Min)
				put(T("sum.max"), q.Num[0].Max, q.Num[1].Max, q.Num[2].Max)
				put(T("sum.avg"), q.Num[0].Mean, q.Num[1].Mean, q.Num[2].Mean)
				put(T("sum.sum"), q.Num[0].Sum, q.Num[1].Sum, q.Num[2].Sum)
			default:
				putAsked(q)
				put(T("sum.answered"), q.Answered[0], q.Answered[1], q.Answered[2])
			}
		}
	}
	if err := sw.flush(); err != nil {
		a.Error(c, err)
		return
	}
	ow, err := newSheet(f, T("xl.opinions"), false, 10, 1, xlprint.Cols{First: 1, Last: 1, Width: 6}, xlprint.Cols{First: 2, Last: 2, Width: 60},
		xlprint.Cols{First: 3, Last: 9, Width: 16}, xlprint.Cols{First: 10, Last: 10, Width: 17})
	if err != nil {
		a.Error(c, err)
		return
	}
	// What the committee did with each, as the hub told it.
	ow.put(cellRow(T("xl.no"), T("op.content"), T("op.source"), T("op.proposer"), T("op.status"), T("story.lead"), T("story.due"), T("story.grade"), T("op.answer"), T("op.recorded")))
	for i, o := range d.Opinions {
		grade := ""
		if o.Grade != "" {
			grade = T("grade." + o.Grade)
		}
		status := T("status." + o.Status)
		if o.Round > 1 {
			status += " · " + T("story.round", o.Round)
		}
		ow.put(cellRow(i+1, o.Content, T("source."+o.Source), proposerText(lang, o.Proposer), status, o.LeadName, o.Due, grade, o.Answer, o.RecordedAt.In(db.CST).Format("2006-01-02 15:04")))
	}
	if err := ow.flush(); err != nil {
		a.Error(c, err)
		return
	}
	a.sendWorkbook(c, f, d.Topic.Title+"-"+T("xl.summary")+"-"+d.Date+".xlsx")
}

// closeWorkbook lets go of a workbook's temporary files; one that cannot
// be removed is logged (the answer is not affected).
func closeWorkbook(log *slog.Logger, f *excelize.File) {
	if err := f.Close(); err != nil {
		log.Warn("closing a workbook", "err", err)
	}
}

func proposerText(lang string, p models.Proposer) string {
	if p.Kind == "deputy" && p.Name != "" {
		s := p.Name
		if p.Level != "" {
			s += PunctOf(lang).Paren(Translate(lang, "level."+p.Level))
		}
		return s
	}
	s := Translate(lang, "rkind."+p.Kind)
	if p.Description != "" {
		s += PunctOf(lang).Paren(p.Description)
	}
	return s
}

// answerCell is a stored answer as a cell: labels, not codes, for choices;
// the number itself for ratings and numbers. An answer that cannot be read
// as its question's type is an error, not an empty cell.
func answerCell(q *models.Question, raw json.RawMessage) (any, error) {
	var err error
	switch q.Type {
	case models.SingleChoice:
		var v string
		if err = json.Unmarshal(raw, &v); err == nil {
			return q.OptionLabel(v), nil
		}
	case models.MultipleChoice:
		var vs []string
		if err = json.Unmarshal(raw, &vs); err == nil {
			ls := make([]string, len(vs))
			for i, v := range vs {
				ls[i] = q.OptionLabel(v)
			}
			return strings.Join(ls, "；"), nil
		}
	case models.Text:
		var s string
		if err = json.Unmarshal(raw, &s); err == nil {
			return s, nil
		}
	case models.Rating, models.Number:
		var v float64
		if err = json.Unmarshal(raw, &v); err == nil {
			return v, nil
		}
	default:
		err = fmt.Errorf("unknown question type %q", q.Type)
	}
	return nil, fmt.Errorf("answer to %s (%s) %s: %w", q.Key, q.Type, raw, err)
}

// exportResponses writes every response of a questionnaire, one row each and
// one column per question (labels, not codes), streamed row by row.
func (a *App) exportResponses(c *gin.Context) {
	lang := LangOf(c)
	T := func(k string, args ...any) string { return Translate(lang, k, args...) }
	qid := c.Param("id")
	versions, err := a.S.DB.AllVersions(c.Request.Context(), qid)
	if err != nil {
		a.Error(c, err)
		return
	}
	cols, byVersion := responseColumns(versions)
	f := excelize.NewFile()
	defer closeWorkbook(a.S.Log, f)
	sw, err := newSheet(f, T("xl.responses"), true, 9+len(cols), 1, xlprint.Cols{First: 1, Last: 1, Width: 6}, xlprint.Cols{First: 2, Last: 2, Width: 38},
		xlprint.Cols{First: 3, Last: 7, Width: 10}, xlprint.Cols{First: 8, Last: 8, Width: 19}, xlprint.Cols{First: 9, Last: 9, Width: 8}, xlprint.Cols{First: 10, Last: 9 + len(cols), Width: 24})
	if err != nil {
		a.Error(c, err)
		return
	}
	sw.put(responseHeader(T, cols), excelize.RowOpts{Height: 36})
	n := 0
	err = a.S.DB.EachResponse(c.Request.Context(), qid, func(r db.ExportRow) error {
		n++
		vals, err := responseCells(T, n, r, cols, byVersion)
		if err != nil {
			sw.fail(err)
			return sw.err
		}
		sw.put(vals)
		return sw.err
	})
	if err == nil {
		err = sw.flush()
	}
	if err != nil {
		a.Error(c, err)
		return
	}
	a.sendWorkbook(c, f, exportTitle(lang, qid, versions)+"-"+T("xl.responses")+".xlsx")
}

// exportResponsesCSV streams the same rows as exportResponses, as CSV
// (UTF-8 with the byte-order mark Excel looks for), each row sent as it is
// read: the first byte leaves at once and memory stays flat however many
// responses there are, where the workbook is made whole before it is sent.
// The export is audited before its first byte. A failure after that cannot
// become an error page: the connection is broken off instead, so that a
// partial file never looks complete.
func (a *App) exportResponsesCSV(c *gin.Context) {
	lang := LangOf(c)
	T := func(k string, args ...any) string { return Translate(lang, k, args...) }
	ctx := c.Request.Context()
	qid := c.Param("id")
	versions, err := a.S.DB.AllVersions(ctx, qid)
	if err != nil {
		a.Error(c, err)
		return
	}
	cols, byVersion := responseColumns(versions)
	name := exportTitle(lang, qid, versions) + "-" + T("xl.responses") + ".csv"
	if err := a.S.DB.Audit(ctx, "export", "export", c.Request.URL.Path, models.AuditOK, map[string]any{"file": name}); err != nil {
		a.Error(c, err)
		return
	}
	handlers.Attachment(c, name)
	c.Header("Cache-Control", "no-store")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Status(http.StatusOK)
	bw := bufio.NewWriterSize(c.Writer, 32<<10)
	bw.WriteString("\ufeff")
	w := csv.NewWriter(bw)
	rec := make([]string, 0, 9+len(cols))
	put := func(vals []any) error {
		rec = rec[:0]
		for _, v := range vals {
			rec = append(rec, csvCell(v))
		}
		return w.Write(rec)
	}
	err = put(responseHeader(T, cols))
	if err == nil {
		w.Flush()
		err = errors.Join(w.Error(), bw.Flush())
		c.Writer.Flush() // the first byte, now
	}
	n := 0
	if err == nil {
		err = a.S.DB.EachResponse(ctx, qid, func(r db.ExportRow) error {
			n++
			vals, err := responseCells(T, n, r, cols, byVersion)
			if err != nil {
				return err
			}
			return put(vals)
		})
	}
	if err == nil {
		w.Flush()
		err = errors.Join(w.Error(), bw.Flush())
	}
	if err != nil {
		a.S.Log.Error("responses export broke off", "questionnaire", qid, "rows", n, "err", err)
		handlers.BreakOff(c)
	}
}

// csvCell is a cell of the CSV export: numbers as Go writes them, the rest
// as text. A text starting with = + - or @ is kept from being taken for a
// formula by a spreadsheet (CWE-1236), as a leading apostrophe.
func csvCell(v any) string {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case int:
		return strconv.Itoa(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	default:
		s = fmt.Sprint(x)
	}
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// responseColumns are the answer columns of a questionnaire's exports: the
// newest version's questions, then questions only older versions had; and
// each version's definition by its number.
func responseColumns(versions []*models.Definition) ([]models.Question, map[int]*models.Definition) {
	var cols []models.Question
	seen := map[string]bool{}
	for _, v := range versions {
		for _, q := range v.Questions {
			if !seen[q.Key] {
				seen[q.Key] = true
				cols = append(cols, q)
			}
		}
	}
	byVersion := map[int]*models.Definition{}
	for i, v := range versions {
		byVersion[len(versions)-i] = v
	}
	return cols, byVersion
}

func responseHeader(T func(string, ...any) string, cols []models.Question) []any {
	header := []any{T("xl.no"), T("xl.rid"), T("xl.channel"), T("xl.kind"), T("xl.desc"), T("xl.serial"), T("xl.entered"), T("xl.time"), T("xl.version")}
	for _, q := range cols {
		header = append(header, q.Label)
	}
	return header
}

// responseCells is the n-th exported response's row.
func responseCells(T func(string, ...any) string, n int, r db.ExportRow, cols []models.Question, byVersion map[int]*models.Definition) ([]any, error) {
	vals := []any{n, r.ID, T("channel." + r.Channel), T("rkind." + r.Kind), r.Desc, r.Serial, r.EnteredBy, r.CreatedAt.In(db.CST).Format("2006-01-02 15:04:05"), r.Version}
	def := byVersion[r.Version]
	for _, col := range cols {
		q := &col
		if def != nil {
			if dq := def.Question(col.Key); dq != nil {
				q = dq
			}
		}
		raw, ok := r.Answers[col.Key]
		if !ok {
			vals = append(vals, "")
			continue
		}
		v, err := answerCell(q, raw)
		if err != nil {
			return nil, fmt.Errorf("response %s: %w", r.ID, err)
		}
		vals = append(vals, v)
	}
	return vals, nil
}

func exportTitle(lang, qid string, versions []*models.Definition) string {
	if len(versions) > 0 {
		return LocalTitle(lang, versions[0].Title, versions[0].TitleEN)
	}
	return qid
}
