package committee

// 六个联系点一览: when each point last synced and what it has sent.

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"budgetpoint/hub"
	"budgetpoint/web"
)

var pointsMessages = map[string][2]string{
	"hub.points.title":   {"六个联系点一览", "The six contact points at a glance"},
	"hub.points.lead":    {"每个联系点最近一次联系（推送或拉取）和最近一次推送的时间，以及收到的内容。联系点没有新内容时只拉取不推送，也算联系；超过一天没有任何联系的联系点标为“超过一天未联系”。", "When each point was last in contact (a push or a pull), when it last pushed, and what it has sent. A point with nothing new only pulls, which counts as contact; a point without any contact for more than a day is marked “no contact for over a day”."},
	"hub.last_contact":   {"最近联系", "Last contact"},
	"hub.last_push":      {"最近推送", "Last push"},
	"hub.never_pushed":   {"尚未推送", "nothing pushed yet"},
	"hub.point":          {"联系点", "Contact point"},
	"hub.sync_state":     {"同步状态", "Sync state"},
	"hub.never":          {"从未联系", "never in contact"},
	"hub.silent":         {"超过一天未联系", "no contact for over a day"},
	"hub.silent_never":   {"从未联系，请联系该联系点", "never in contact: call the point"},
	"hub.ok":             {"正常", "on time"},
	"hub.silent_count":   {"有 %d 个联系点超过一天没有联系或从未联系，已在下表中标出。", "%d points have not been in contact for more than a day (or never): they are marked below."},
	"hub.all_ok":         {"所有联系点都在一天之内联系过。", "Every point has been in contact within the last day."},
	"hub.topics_n":       {"事项", "Topics"},
	"hub.total":          {"合计", "Total"},
	"hub.restored":       {"%s 于 %s 从备份恢复了数据库：“%s”的答卷由 %d 份变为 %d 份（%s），意见建议由 %d 条变为 %d 条。汇总已采用恢复后的数字；请与该联系点核实恢复后是否有答卷需要补录。", "%s restored its database from a backup on %s: “%s” went from %d to %d responses (%s), opinions from %d to %d. The summary now uses the restored figures: check with the point whether responses need to be typed in again."},
	"hub.points_caption": {"各联系点的同步情况和数量", "Each point's sync and totals"},
}

// silentAfter is how long a point may go without contact (a batch or a
// pull) before the overview marks it.
const silentAfter = 24 * time.Hour

type pointRow struct {
	hub.PointStatus
	Name    string
	Age     string // since the last contact
	PushAge string // since the last batch
	Silent  bool
}

type pointsData struct {
	Rows     []pointRow
	Silent   int
	Total    hub.Totals
	Restores []restoreRow
}

// restoreRow is a point restored from a backup, as the overview tells it.
type restoreRow struct {
	hub.Restore
	Name, Topic, At string
}

// Diff is how the responses moved (−20, +3).
func (r restoreRow) Diff() string {
	d := r.NewResponses - r.OldResponses
	if d > 0 {
		return "+" + strconv.FormatInt(d, 10)
	}
	return strings.Replace(strconv.FormatInt(d, 10), "-", "−", 1)
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
		contact := s.LastContactAt
		if contact == nil || s.LastBatchAt != nil && s.LastBatchAt.After(*contact) {
			contact = s.LastBatchAt // batches from before contacts were recorded
		}
		if contact == nil {
			r.Silent = true
		} else {
			r.Age = web.Age(lang, *contact, now)
			r.Silent = now.Sub(*contact) > silentAfter
			r.LastContactAt = contact
		}
		if s.LastBatchAt != nil {
			r.PushAge = web.Age(lang, *s.LastBatchAt, now)
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
	rs, err := p.H.Store.Restores(c.Request.Context())
	if err != nil {
		p.Error(c, err)
		return
	}
	for _, r := range rs {
		name := r.TopicID
		if t, err := p.H.Topic(c.Request.Context(), r.TopicID); err == nil {
			name = web.LocalTitle(lang, t.Title, t.TitleEN)
		}
		d.Restores = append(d.Restores, restoreRow{Restore: r, Name: p.pointName(lang, r.PointID), Topic: name, At: web.DateTime(r.At)})
	}
	p.Render(c, http.StatusOK, "points.html", p.view(c, "hub.points.title", "hub-points", d))
}
