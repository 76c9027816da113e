package committee

// 办理统计: per unit, what was assigned to it and how it was handled
// (hub.Store.UnitStatistics), and per topic (hub.Hub.TopicStatistics), with
// 办复率 and 满意率.

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"budgetpoint/hub"
	"budgetpoint/web"
)

var statsMessages = web.Messages{
	"hub.st.title":       {"办理统计", "Handling statistics"},
	"hub.st.lead":        {"按主办单位统计交办给它的意见建议（不含已撤销的）。办复率 = 已答复 ÷ 交办；满意率 = 满意和基本满意 ÷ 已评价。提出人不满意而重新办理（督办）的，新一轮答复前不计为已答复，其不满意的评价计入满意率。", "Per lead unit, the opinions assigned to it (taken-back ones not counted). Answer rate = answered ÷ assigned; satisfaction rate = satisfied or basically satisfied ÷ evaluated. One reopened under supervision after an unsatisfied evaluation counts as not answered until its next reply, and its unsatisfied evaluation counts in the satisfaction rate."},
	"hub.st.by_unit":     {"按承办单位", "By unit"},
	"hub.st.caption":     {"各承办单位办理情况", "Each unit's handling"},
	"hub.st.unit":        {"承办单位", "Unit"},
	"hub.st.assigned":    {"交办", "Assigned"},
	"hub.st.answered":    {"已答复", "Answered"},
	"hub.st.on_time":     {"按期答复", "Answered on time"},
	"hub.st.overdue":     {"超期", "Overdue"},
	"hub.st.evaluated":   {"已评价", "Evaluated"},
	"hub.st.satisfied":   {"满意（含基本满意）", "Satisfied or basically satisfied"},
	"hub.st.answer_rate": {"办复率", "Answer rate"},
	"hub.st.satisfy":     {"满意率", "Satisfaction rate"},
	"hub.st.none":        {"还没有承办单位。", "No unit yet."},
	"hub.st.na":          {"—", "—"},
	"hub.st.by_topic":    {"按事项", "By topic"},
	"hub.st.topic_lead":  {"每个事项交办的意见建议；并案的意见每条都计，因为每位提出人都得到答复。", "The opinions of each topic that were assigned; each of those merged counts, since each proposer is answered."},

	"hub.st.no_topic": {"还没有交办任何意见。", "Nothing assigned yet."},
}

// statRow is a unit's line, its rates written out.
type statRow struct {
	hub.UnitStats
	AnswerRate, SatisfyRate string
}

type statsData struct {
	Units  []statRow
	Total  statRow
	Topics []topicStatRow
}

// topicStatRow is a topic's line, its rates written out.
type topicStatRow struct {
	hub.TopicStats
	AnswerRate, SatisfyRate string
}

func (p *Pages) statsPage(c *gin.Context) {
	lang := web.LangOf(c)
	st, err := p.H.Store.UnitStatistics(c.Request.Context())
	if err != nil {
		p.Error(c, err)
		return
	}
	na := p.Translate(lang, "hub.st.na")
	d := &statsData{}
	var t hub.UnitStats
	for _, u := range st {
		d.Units = append(d.Units, statRow{UnitStats: u, AnswerRate: percent(u.AnswerRate, na), SatisfyRate: percent(u.SatisfyRate, na)})
		t.Assigned += u.Assigned
		t.Answered += u.Answered
		t.OnTime += u.OnTime
		t.Overdue += u.Overdue
		t.Evaluated += u.Evaluated
		t.Satisfied += u.Satisfied
	}
	d.Total = statRow{UnitStats: t, AnswerRate: ratio(t.Answered, t.Assigned, na), SatisfyRate: ratio(t.Satisfied, t.Evaluated, na)}
	ts, err := p.H.TopicStatistics(c.Request.Context())
	if err != nil {
		p.Error(c, err)
		return
	}
	titles := map[string]string{}
	if lang == web.LangEN {
		infos, err := p.topicInfos(c)
		if err != nil {
			p.Error(c, err)
			return
		}
		for _, ti := range infos {
			if ti.TitleEN != "" {
				titles[ti.ID] = ti.TitleEN
			}
		}
	}
	for _, x := range ts {
		if en := titles[x.Topic]; en != "" {
			x.Title = en
		}
		d.Topics = append(d.Topics, topicStatRow{TopicStats: x, AnswerRate: percent(x.AnswerRate, na), SatisfyRate: percent(x.SatisfyRate, na)})
	}
	p.Render(c, http.StatusOK, "stats.html", p.view(c, "hub.st.title", "hub-stats", d))
}

// percent writes a rate (0 to 1) as a percentage with one decimal, or na.
func percent(r *float64, na string) string {
	if r == nil {
		return na
	}
	return fmt.Sprintf("%.1f%%", *r*100)
}

func ratio(n, of int64, na string) string {
	if of == 0 {
		return na
	}
	r := float64(n) / float64(of)
	return percent(&r, na)
}
