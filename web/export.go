package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"budgetpoint/db"
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
	"xl.question":  {"题目", "Question"},
}

// sendWorkbook streams a workbook as an attachment with a UTF-8 file name.
func sendWorkbook(c *gin.Context, f *excelize.File, name string) {
	c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Header("Content-Disposition", "attachment; filename=\"export.xlsx\"; filename*=UTF-8''"+url.PathEscape(name))
	c.Header("Cache-Control", "no-store")
	c.Status(http.StatusOK)
	f.Write(c.Writer)
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
	defer f.Close()
	sheet := T("xl.summary")
	f.SetSheetName("Sheet1", sheet)
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		a.Error(c, err)
		return
	}
	sw.SetColWidth(1, 1, 40)
	sw.SetColWidth(2, 5, 12)
	row := 1
	put := func(vals ...any) {
		cell, _ := excelize.CoordinatesToCellName(1, row)
		sw.SetRow(cell, vals)
		row++
	}
	put(a.pointName().In(c.Request.Context(), a.S.DB, a.S.Log, lang))
	put(T("rep.topic"), d.Topic.Title)
	put(T("rep.date"), d.Date)
	put()
	put("", T("channel.online"), T("channel.paper"), T("channel.total"))
	put(T("sum.totals"), d.Channel[0], d.Channel[1], d.Channel[2])
	for _, k := range d.Kinds {
		put(T("rkind."+k.Kind), "", "", k.N)
	}
	for _, qn := range d.Qns {
		put()
		put(qn.Title, qn.Responses[0], qn.Responses[1], qn.Responses[2])
		for _, q := range qn.Questions {
			put()
			put(strconv.Itoa(q.No) + ". " + q.Label + "（" + T("qtype."+q.Type) + "）")
			switch {
			case len(q.Rows) > 0:
				put(T("sum.option"), T("channel.online"), T("channel.paper"), T("channel.total"), "%")
				for _, r := range q.Rows {
					put(r.Label, r.N[0], r.N[1], r.N[2], r.Pct)
				}
				put(T("sum.answered"), q.Answered[0], q.Answered[1], q.Answered[2])
				if q.Type == models.Rating {
					put(T("sum.mean"), q.Mean[0], q.Mean[1], q.Mean[2])
				}
			case q.Type == models.Number:
				put("", T("channel.online"), T("channel.paper"), T("channel.total"))
				put(T("sum.answered"), q.Num[0].Answered, q.Num[1].Answered, q.Num[2].Answered)
				put(T("sum.min"), q.Num[0].Min, q.Num[1].Min, q.Num[2].Min)
				put(T("sum.max"), q.Num[0].Max, q.Num[1].Max, q.Num[2].Max)
				put(T("sum.avg"), q.Num[0].Mean, q.Num[1].Mean, q.Num[2].Mean)
				put(T("sum.sum"), q.Num[0].Sum, q.Num[1].Sum, q.Num[2].Sum)
			default:
				put(T("sum.answered"), q.Answered[0], q.Answered[1], q.Answered[2])
			}
		}
	}
	if err := sw.Flush(); err != nil {
		a.Error(c, err)
		return
	}
	osheet := T("xl.opinions")
	f.NewSheet(osheet)
	ow, err := f.NewStreamWriter(osheet)
	if err != nil {
		a.Error(c, err)
		return
	}
	ow.SetColWidth(2, 2, 60)
	ow.SetColWidth(3, 6, 16)
	ow.SetRow("A1", cellRow(T("xl.no"), T("op.content"), T("op.source"), T("op.proposer"), T("op.status"), T("op.answer"), T("op.recorded")))
	for i, o := range d.Opinions {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		ow.SetRow(cell, cellRow(i+1, o.Content, T("source."+o.Source), proposerText(lang, o.Proposer), T("status."+o.Status), o.Answer, o.RecordedAt.In(db.CST).Format("2006-01-02 15:04")))
	}
	if err := ow.Flush(); err != nil {
		a.Error(c, err)
		return
	}
	sendWorkbook(c, f, d.Topic.Title+"-"+T("xl.summary")+"-"+d.Date+".xlsx")
}

func proposerText(lang string, p models.Proposer) string {
	if p.Kind == "deputy" && p.Name != "" {
		s := p.Name
		if p.Level != "" {
			s += "（" + Translate(lang, "level."+p.Level) + "）"
		}
		return s
	}
	s := Translate(lang, "rkind."+p.Kind)
	if p.Description != "" {
		s += "（" + p.Description + "）"
	}
	return s
}

// answerText shows a stored answer with labels, not codes.
func answerText(q *models.Question, raw json.RawMessage) string {
	if q == nil || len(raw) == 0 {
		return ""
	}
	switch q.Type {
	case models.SingleChoice:
		var v string
		json.Unmarshal(raw, &v)
		return q.OptionLabel(v)
	case models.MultipleChoice:
		var vs []string
		json.Unmarshal(raw, &vs)
		ls := make([]string, len(vs))
		for i, v := range vs {
			ls[i] = q.OptionLabel(v)
		}
		return strings.Join(ls, "；")
	case models.Text:
		var s string
		json.Unmarshal(raw, &s)
		return s
	}
	return string(raw) // rating and number: the number itself
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
	// Columns: the newest version's questions, then questions only older versions had.
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
	f := excelize.NewFile()
	defer f.Close()
	sheet := T("xl.responses")
	f.SetSheetName("Sheet1", sheet)
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		a.Error(c, err)
		return
	}
	header := []any{T("xl.no"), T("xl.rid"), T("xl.channel"), T("xl.kind"), T("xl.desc"), T("xl.serial"), T("xl.entered"), T("xl.time"), T("xl.version")}
	for _, q := range cols {
		header = append(header, q.Label)
	}
	sw.SetColWidth(2, 2, 38)
	sw.SetColWidth(10, 9+len(cols), 24)
	sw.SetRow("A1", header, excelize.RowOpts{Height: 36})
	n := 0
	err = a.S.DB.EachResponse(c.Request.Context(), qid, func(r db.ExportRow) error {
		n++
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
			if q.Type == models.Rating || q.Type == models.Number {
				if fv, err := strconv.ParseFloat(string(raw), 64); err == nil {
					vals = append(vals, fv)
					continue
				}
			}
			vals = append(vals, answerText(q, raw))
		}
		cell, _ := excelize.CoordinatesToCellName(1, n+1)
		return sw.SetRow(cell, vals)
	})
	if err == nil {
		err = sw.Flush()
	}
	if err != nil {
		a.Error(c, err)
		return
	}
	title := qid
	if len(versions) > 0 {
		title = versions[0].Title
	}
	sendWorkbook(c, f, title+"-"+T("xl.responses")+".xlsx")
}
