package web

import (
	"fmt"
	"html/template"
	"math"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"budgetpoint/db"
	"budgetpoint/models"
)

var summaryMessages = map[string][2]string{
	"sum.title":      {"汇总", "Summary"},
	"sum.reports":    {"汇总与报表", "Summaries and reports"},
	"sum.totals":     {"答卷总数", "Responses"},
	"sum.by_kind":    {"答卷人", "Respondents"},
	"sum.activities": {"活动与参加人数", "Activities and participants"},
	"sum.opinions":   {"意见建议", "Opinions"},
	"sum.answered":   {"作答人数", "Answered"},
	"sum.asked":      {"应答人数（按前面的回答需要回答此题的人数）", "Asked (the respondents whose earlier answers ask this question)"},
	"sum.asked_of":   {"按前面的回答，应答此题的有 %d 人。", "By the earlier answers, %d were asked this question."},
	"sum.option":     {"选项", "Option"},
	"sum.score":      {"%d 分", "%d points"},
	"sum.mean":       {"平均分", "Mean"},
	"sum.min":        {"最小值", "Minimum"},
	"sum.max":        {"最大值", "Maximum"},
	"sum.avg":        {"平均值", "Mean"},
	"sum.sum":        {"合计", "Sum"},
	"sum.text":       {"填空题：%d 人作答，内容见意见建议。", "Text question: %d answers; see the opinions."},
	"sum.print":      {"打印报表", "Print the report"},
	"sum.report":     {"报表（A4 打印）", "Report (A4, printable)"},
	"sum.export":     {"导出汇总 Excel", "Export the summary to Excel"},
	"sum.none":       {"还没有答卷。", "No responses yet."},
	"sum.noop":       {"还没有意见建议。", "No opinions yet."},
	"sum.chart":      {"第 %d 题统计图", "Chart of question %d"},
	"sum.legend":     {"图例", "Legend"},
	"sum.mismatch":   {"线上与纸质之和与合计不一致，请联系管理员重新计数。", "Online and paper do not add up to the total: ask the administrator to recount."},
	"rep.title":      {"征求意见情况报告", "Feedback report"},
	"rep.date":       {"报告日期", "Date of report"},
	"rep.point":      {"联系点", "Contact point"},
	"rep.topic":      {"征求意见事项", "Topic"},
	"rep.sign":       {"联系点负责人（签字）", "Head of the contact point (signature)"},
	"rep.seal":       {"单位盖章", "Seal"},
	"rep.signdate":   {"日期：　　年　　月　　日", "Date:"},
	"rep.signseal":   {"签字盖章", "Signature and seal"},
	"rep.print_hint": {"用浏览器的“打印”即可得到 A4 报表；打印时页面的导航不会印出。", "Use the browser's Print to get the A4 report; the navigation is not printed."},
	"rep.back":       {"返回汇总", "Back to the summary"},
	"rep.forums":     {"座谈会 %d 次，实地调研 %d 次，书面征求意见 %d 次；参加的人大代表 %d 人次、群众 %d 人次、其他 %d 人次。", "%d forums, %d field research visits, %d written solicitations; %d deputies, %d members of the public and %d others took part."},
}

// optRow is one bar of a chart: its label and its counts online, on paper and in total.
type optRow struct {
	Label string
	N     [3]int64
	Pct   string
}

type numStat struct {
	Answered            int64
	Min, Max, Mean, Sum string
}

type qView struct {
	No       int
	Key      string
	Type     string
	Label    string
	Answered [3]int64
	Asked    *[3]int64 // a question with skip logic: online, paper, total
	Rows     []optRow
	Mean     [3]string
	Num      [3]numStat
	Chart    template.HTML
}

type qnView struct {
	ID, Title string
	Responses [3]int64
	Questions []qView
}

type summaryData struct {
	Topic    models.Topic
	Sum      models.Summary
	Channel  [3]int64
	Kinds    []kindCount
	Qns      []qnView
	Opinions []models.Opinion
	Date     string
	Mismatch bool
}

type kindCount struct {
	Kind string
	N    int64
}

// buildSummary gathers a topic's summary (the contract's counts, the
// total column), the same split by channel (from the responses), and its
// opinions; charts are drawn in lang.
func (a *App) buildSummary(c *gin.Context, topicID, lang string) (*summaryData, error) {
	ctx := c.Request.Context()
	t, err := a.S.DB.Topic(ctx, topicID)
	if err != nil {
		return nil, err
	}
	sum, err := a.S.DB.Summary(ctx, topicID, a.S.PointID)
	if err != nil {
		return nil, err
	}
	stats, resp, err := a.S.DB.ChannelSummary(ctx, topicID)
	if err != nil {
		return nil, err
	}
	d := &summaryData{Topic: t, Sum: sum, Date: a.S.DB.Now().In(db.CST).Format("2006-01-02")}
	d.Channel = [3]int64{sum.Responses.ByChannel["online"], sum.Responses.ByChannel["paper"], sum.Responses.Total}
	if d.Channel[0]+d.Channel[1] != d.Channel[2] {
		d.Mismatch = true
	}
	for _, k := range models.RespondentKinds {
		d.Kinds = append(d.Kinds, kindCount{k, sum.Responses.ByKind[k]})
	}
	for _, qs := range sum.Questionnaires {
		qn := qnView{ID: qs.ID, Title: qs.Title}
		qn.Responses = [3]int64{resp[qs.ID]["online"], resp[qs.ID]["paper"], qs.Responses}
		if qn.Responses[0]+qn.Responses[1] != qn.Responses[2] {
			d.Mismatch = true
		}
		for i, q := range qs.Questions {
			ch := stats[qs.ID][q.Key]
			get := func(channel string) *db.ChannelStats {
				if s := ch[channel]; s != nil {
					return s
				}
				return &db.ChannelStats{Counts: map[string]int64{}}
			}
			on, pa := get("online"), get("paper")
			qv := qView{No: i + 1, Key: q.Key, Type: q.Type, Label: q.Label, Answered: [3]int64{on.Answered, pa.Answered, q.Answered}}
			if on.Answered+pa.Answered != q.Answered {
				d.Mismatch = true
			}
			if q.Asked != nil {
				qv.Asked = &[3]int64{on.Asked, pa.Asked, *q.Asked}
				if on.Asked+pa.Asked != *q.Asked {
					d.Mismatch = true
				}
			}
			for _, r := range AnswerRows(lang, q) {
				qv.Rows = append(qv.Rows, optRow{Label: r.Label, N: [3]int64{on.Counts[r.Value], pa.Counts[r.Value], q.Counts[r.Value]}})
			}
			switch q.Type {
			case models.Rating:
				qv.Mean = [3]string{meanOf(on.Sum, on.Answered), meanOf(pa.Sum, pa.Answered), MeanText(q.Mean)}
			case models.Number:
				qv.Num[0] = numOf(on)
				qv.Num[1] = numOf(pa)
				tot := numStat{Answered: q.Answered, Mean: MeanText(q.Mean)}
				if q.Sum != nil {
					tot.Sum = models.FormatMilli(int64(*q.Sum))
				}
				if q.Min != nil {
					tot.Min = models.FormatMilli(int64(*q.Min))
				}
				if q.Max != nil {
					tot.Max = models.FormatMilli(int64(*q.Max))
				}
				qv.Num[2] = tot
			}
			for j := range qv.Rows {
				// Share of the people who answered (multiple choice may add up over 100%).
				qv.Rows[j].Pct = Pct(qv.Rows[j].N[2], q.Answered)
			}
			if len(qv.Rows) > 0 {
				qv.Chart = barChart(lang, Translate(lang, "sum.chart", i+1)+PunctOf(lang).Colon+q.Label, qv.Rows)
			}
			qn.Questions = append(qn.Questions, qv)
		}
		d.Qns = append(d.Qns, qn)
	}
	ops, err := allPages(func(after string) (models.Page[models.Opinion], error) {
		return a.S.DB.Opinions(ctx, models.OpinionFilter{Topic: topicID, Limit: 500, After: after})
	})
	if err != nil {
		return nil, err
	}
	d.Opinions = append(d.Opinions, ops...)
	a.showTitles(c, d, lang)
	return d, nil
}

// Pct is n as a share of total ("0%" of none), to one decimal.
func Pct(n, total int64) string {
	if total == 0 {
		return "0%"
	}
	return strconv.FormatFloat(math.Round(float64(n)*1000/float64(total))/10, 'f', -1, 64) + "%"
}

func meanOf(sum, n int64) string {
	return MeanText(models.Mean(models.Num(sum), n))
}

// MeanText writes a mean, or "—" where there is none.
func MeanText(m *float64) string {
	if m == nil {
		return "—"
	}
	return strconv.FormatFloat(*m, 'f', -1, 64)
}

func numOf(s *db.ChannelStats) numStat {
	out := numStat{Answered: s.Answered, Mean: meanOf(s.Sum, s.Answered), Sum: models.FormatMilli(s.Sum), Min: "—", Max: "—"}
	if s.Answered > 0 {
		out.Min, out.Max = models.FormatMilli(s.Min), models.FormatMilli(s.Max)
	}
	return out
}

// barChart draws a question's bars, each split into its online and paper
// parts (BarChart).
func barChart(lang, title string, rows []optRow) template.HTML {
	bars := make([]Bar, len(rows))
	online, paper := Translate(lang, "channel.online"), Translate(lang, "channel.paper")
	for i, r := range rows {
		on, pa := r.N[0], r.N[1]
		// The parts may differ from the total only if counters drift; draw what the total says.
		if on+pa != r.N[2] {
			on, pa = r.N[2], 0
		}
		bars[i] = Bar{Label: r.Label, Total: r.N[2], Pct: r.Pct, Parts: []BarPart{
			{Class: "bar-online", N: on, Title: fmt.Sprintf("%s %d", online, r.N[0])},
			{Class: "bar-paper", N: pa, Title: fmt.Sprintf("%s %d", paper, r.N[1])}}}
	}
	return BarChart(lang, title, bars)
}

func (a *App) summaryPage(c *gin.Context) {
	lang := LangOf(c)
	d, err := a.buildSummary(c, c.Param("id"), lang)
	if err != nil {
		a.Error(c, err)
		return
	}
	v := a.View(c, "sum.title", d)
	v.Title = d.Topic.Title + " · " + Translate(lang, "sum.title")
	v.Nav = "reports"
	a.Render(c, http.StatusOK, "summary.html", v)
}

func (a *App) reportPage(c *gin.Context) {
	lang := LangOf(c)
	d, err := a.buildSummary(c, c.Param("id"), lang)
	if err != nil {
		a.Error(c, err)
		return
	}
	v := a.View(c, "rep.title", d)
	v.Nav = "reports"
	a.Render(c, http.StatusOK, "report.html", v)
}

type reportsData struct {
	Topics []models.Topic
	Qs     map[string][]models.Questionnaire
}

func (a *App) reportsList(c *gin.Context) {
	ts, err := a.allTopics(c)
	if err != nil {
		a.Error(c, err)
		return
	}
	qs, err := a.questionnairesOf(c, "")
	if err != nil {
		a.Error(c, err)
		return
	}
	d := &reportsData{Topics: ts, Qs: map[string][]models.Questionnaire{}}
	for _, q := range qs {
		d.Qs[q.TopicID] = append(d.Qs[q.TopicID], q)
	}
	v := a.View(c, "sum.reports", d)
	v.Nav = "reports"
	a.Render(c, http.StatusOK, "reports.html", v)
}
