package committee

// 事项汇总: the topics, and one topic's summary across the points and per point.

import (
	"fmt"
	"html/template"
	"net/http"

	"github.com/gin-gonic/gin"

	"budgetpoint/hub"
	"budgetpoint/models"
	"budgetpoint/web"
)

var summaryMessages = web.Messages{
	"hub.topics.title":    {"事项汇总", "Topic summaries"},
	"hub.topics.lead":     {"选一个征求意见事项，查看各联系点合在一起的汇总和每个联系点的情况。", "Choose a topic to see all points together, then each point."},
	"hub.topics.none":     {"还没有事项：先在“发布事项与问卷”中发布一个，或等联系点同步。", "No topics yet: publish one under “Publish topics and questionnaires”, or wait for the points to sync."},
	"hub.topics.points":   {"已报送的联系点", "Points reporting"},
	"hub.topics.local":    {"联系点自行设立（预工委只有编号）", "set up by a point (the committee knows its id only)"},
	"hub.topics.by_point": {"联系点自行设立", "set up by a point"},
	"hub.sum.title":       {"事项汇总", "Topic summary"},
	"hub.sum.all":         {"各联系点合计", "All points together"},
	"hub.sum.each":        {"各联系点情况", "Each point"},
	"hub.sum.none_point":  {"还没有联系点报送这个事项的汇总。", "No point has reported a summary of this topic yet."},
	"hub.sum.as_of":       {"截至 %s", "as of %s"},
	"hub.sum.points_n":    {"%d 个联系点已报送", "%d points reporting"},
	"hub.sum.question":    {"题目", "Question"},
	"hub.sum.answer":      {"回答", "Answer"},
	"hub.sum.count":       {"人数", "Count"},
	"hub.sum.share":       {"占作答人数", "Share of answers"},
	"hub.sum.stats":       {"作答 %d 人；最小值 %s，最大值 %s，平均值 %s，合计 %s", "%d answers; minimum %s, maximum %s, mean %s, sum %s"},
	"hub.sum.text":        {"填空题：%d 人作答，内容见意见建议办理。", "Text question: %d answers; see the opinions workbench."},
	"hub.sum.asked":       {"应答人数", "asked"},
	"hub.sum.mean":        {"平均分 %s", "mean %s"},
	"hub.sum.table":       {"第 %d 题数据表", "Data of question %d"},
	"hub.sum.opinions":    {"查看此事项的意见建议", "See this topic's opinions"},
	"hub.sum.export":      {"导出此事项的 Excel", "Export this topic to Excel"},
	"hub.sum.kinds":       {"人大代表 %d，群众 %d，其他 %d", "deputies %d, public %d, other %d"},
	"hub.sum.channels":    {"%s %d，%s %d", "%s %d, %s %d"}, // the channels' words (channel.online, channel.paper), then their counts
	"hub.sum.acts":        {"座谈会 %d 次，实地调研 %d 次，书面征求意见 %d 次", "%d forums, %d field research visits, %d written solicitations"},
	"hub.sum.parts":       {"参加：人大代表 %d 人次，群众 %d 人次，其他 %d 人次", "taking part: %d deputies, %d members of the public, %d others"},
	"hub.sum.point_table": {"%s：各题回答", "%s: answers by question"},
	"hub.sum.channel":     {"填写方式", "Channel"},
}

type hubTopicsData struct {
	Items []hub.TopicInfo
	Names map[string]string
}

// topicInfos lists the committee's topics and those the points report.
func (p *Pages) topicInfos(c *gin.Context) ([]hub.TopicInfo, error) {
	return p.H.Topics(c.Request.Context())
}

func (p *Pages) topicsPage(c *gin.Context) {
	ts, err := p.topicInfos(c)
	if err != nil {
		p.Error(c, err)
		return
	}
	d := &hubTopicsData{Items: ts, Names: map[string]string{}}
	lang := web.LangOf(c)
	for _, pt := range p.H.Points {
		d.Names[pt.ID] = p.pointName(lang, pt.ID)
	}
	p.Render(c, http.StatusOK, "topics.html", p.view(c, "hub.topics.title", "hub-topics", d))
}

// optRow is one answer of a question: its label, its count and share.
type optRow struct {
	Label string
	N     int64
	Pct   string
}

// hubQ is one question of the summary as the page shows it.
type hubQ struct {
	No       int
	Label    string
	Type     string
	Answered int64
	Asked    *int64 // a question with skip logic
	Rows     []optRow
	Mean     string
	Stats    string
	Chart    template.HTML
}

type hubQn struct {
	ID, Title string
	Responses int64
	Questions []hubQ
}

// hubSum is one summary (all points, or one point) ready for the page.
type hubSum struct {
	PointID, Name string
	S             models.Summary
	Qns           []hubQn
	Rows          int // rows of the point's table
}

type hubSummaryData struct {
	Topic  models.Topic
	Known  bool
	All    hubSum
	Points []hubSum
	AsOf   string
	Acts   *hubActsData
}

// questionRows turns one question's counts into rows (web.AnswerRows) with
// their counts and shares.
func questionRows(lang string, q models.QuestionSummary) []optRow {
	var rows []optRow
	for _, r := range web.AnswerRows(lang, q) {
		rows = append(rows, optRow{Label: r.Label, N: q.Counts[r.Value], Pct: web.Pct(q.Counts[r.Value], q.Answered)})
	}
	return rows
}

func numText(n *models.Num) string {
	if n == nil {
		return "—"
	}
	return models.FormatMilli(int64(*n))
}

// buildHubSum prepares a summary; charts are drawn only when withCharts.
func (p *Pages) buildHubSum(lang string, s models.Summary, withCharts bool) hubSum {
	out := hubSum{PointID: s.PointID, S: s}
	for _, qs := range s.Questionnaires {
		qn := hubQn{ID: qs.ID, Title: qs.Title, Responses: qs.Responses}
		for i, q := range qs.Questions {
			hq := hubQ{No: i + 1, Label: q.Label, Type: q.Type, Answered: q.Answered, Asked: q.Asked}
			if hq.Label == "" {
				hq.Label = q.Key
			}
			hq.Rows = questionRows(lang, q)
			switch q.Type {
			case models.Rating:
				hq.Mean = p.Translate(lang, "hub.sum.mean", web.MeanText(q.Mean))
			case models.Number:
				hq.Stats = p.Translate(lang, "hub.sum.stats", q.Answered, numText(q.Min), numText(q.Max), web.MeanText(q.Mean), numText(q.Sum))
			case models.Text:
				hq.Stats = p.Translate(lang, "hub.sum.text", q.Answered)
			}
			if withCharts && len(hq.Rows) > 0 {
				hq.Chart = totalsChart(lang, p.Translate(lang, "sum.chart", i+1)+web.PunctOf(lang).Colon+hq.Label, hq.Rows)
			}
			if n := len(hq.Rows); n > 0 {
				out.Rows += n
			} else {
				out.Rows++
			}
			qn.Questions = append(qn.Questions, hq)
		}
		out.Qns = append(out.Qns, qn)
	}
	return out
}

func (p *Pages) summaryPage(c *gin.Context) {
	ctx := c.Request.Context()
	id := c.Param("id")
	lang := web.LangOf(c)
	s, _, err := p.H.TopicSummary(ctx, id)
	if err != nil {
		p.Error(c, err)
		return
	}
	d := &hubSummaryData{Topic: models.Topic{ID: id, Title: id}}
	if t, err := p.H.Topic(ctx, id); err == nil {
		d.Topic, d.Known = t, true
	}
	d.All = p.buildHubSum(lang, s, true)
	d.All.Name = p.Translate(lang, "hub.sum.all")
	if len(s.ByPoint) > 0 {
		d.AsOf = web.DateTime(s.AsOf)
	}
	for _, ps := range s.ByPoint {
		hs := p.buildHubSum(lang, ps, false)
		hs.Name = p.pointName(lang, ps.PointID)
		d.Points = append(d.Points, hs)
	}
	if d.Acts, err = p.topicActivities(ctx, lang, id, c.Query("point")); err != nil {
		p.Error(c, err)
		return
	}
	// The questionnaires' English titles are those the committee published
	// (a point's summary carries the Chinese one only).
	if lang == web.LangEN {
		for _, hs := range append([]*hubSum{&d.All}, pointers(d.Points)...) {
			for i := range hs.Qns {
				if q, err := p.H.Store.Questionnaire(ctx, hs.Qns[i].ID, 0); err == nil {
					hs.Qns[i].Title = web.LocalTitle(lang, hs.Qns[i].Title, q.TitleEN)
				}
			}
		}
	}
	v := p.view(c, "hub.sum.title", "hub-topics", d)
	v.Title = web.LocalTitle(lang, d.Topic.Title, d.Topic.TitleEN) + " · " + p.Translate(lang, "hub.sum.title")
	p.Render(c, http.StatusOK, "summary.html", v)
}

// totalsChart draws a question's bars as totals only (BarChart): a summary
// received from the points holds no split by channel.
func totalsChart(lang, title string, rows []optRow) template.HTML {
	pt := web.PunctOf(lang)
	bars := make([]web.Bar, len(rows))
	for i, r := range rows {
		bars[i] = web.Bar{Label: r.Label, Total: r.N, Pct: r.Pct,
			Parts: []web.BarPart{{Class: "bar-total", N: r.N, Title: fmt.Sprintf("%s%s%d%s", r.Label, pt.Colon, r.N, pt.Paren(r.Pct))}}}
	}
	return web.BarChart(lang, title, bars)
}

// pointers are the addresses of the elements of s.
func pointers[T any](s []T) []*T {
	out := make([]*T, len(s))
	for i := range s {
		out[i] = &s[i]
	}
	return out
}
