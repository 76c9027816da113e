package committee

// 六个联系点一览: when each point last synced and what it has sent.

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"budgetpoint/hub"
	"budgetpoint/web"
)

var pointsMessages = map[string][2]string{
	"hub.points.title":   {"六个联系点一览", "The six contact points at a glance"},
	"hub.points.lead":    {"每个联系点上次同步的时间和收到的内容。超过一天没有同步的联系点标为“超过一天未同步”。", "When each point last synced and what it has sent. A point that has not synced for more than a day is marked “silent for over a day”."},
	"hub.point":          {"联系点", "Contact point"},
	"hub.sync_state":     {"同步状态", "Sync state"},
	"hub.never":          {"从未同步", "never synced"},
	"hub.silent":         {"超过一天未同步", "silent for over a day"},
	"hub.silent_never":   {"从未同步，请联系该联系点", "never synced: contact the point"},
	"hub.ok":             {"正常", "on time"},
	"hub.silent_count":   {"有 %d 个联系点超过一天未同步或从未同步，已在下表中标出。", "%d points have not synced for more than a day (or never): they are marked below."},
	"hub.all_ok":         {"所有联系点都在一天之内同步过。", "Every point has synced within the last day."},
	"hub.topics_n":       {"事项", "Topics"},
	"hub.total":          {"合计", "Total"},
	"hub.points_caption": {"各联系点的同步情况和数量", "Each point's sync and totals"},
}

// silentAfter is how long a point may go without a batch before the
// overview marks it.
const silentAfter = 24 * time.Hour

type pointRow struct {
	hub.PointStatus
	Name   string
	Age    string
	Silent bool
}

type pointsData struct {
	Rows   []pointRow
	Silent int
	Total  hub.Totals
}

func (p *Pages) pointsPage(c *gin.Context) {
	ps, err := p.H.PointStatuses(c.Request.Context())
	if err != nil {
		p.Error(c, err)
		return
	}
	lang := web.LangOf(c)
	now := p.S.DB.Now()
	d := &pointsData{}
	for _, s := range ps {
		r := pointRow{PointStatus: s, Name: p.pointName(lang, s.ID)}
		if s.LastBatchAt == nil {
			r.Silent = true
		} else {
			r.Age = web.Age(lang, *s.LastBatchAt, now)
			r.Silent = now.Sub(*s.LastBatchAt) > silentAfter
		}
		if r.Silent {
			d.Silent++
		}
		d.Total.Topics += s.Totals.Topics
		d.Total.Responses += s.Totals.Responses
		d.Total.Activities += s.Totals.Activities
		d.Total.Opinions += s.Totals.Opinions
		d.Rows = append(d.Rows, r)
	}
	p.Render(c, http.StatusOK, "points.html", p.view(c, "hub.points.title", "hub-points", d))
}
