package web

// The committee's pages at the hub (预工委): sign-in, 六个联系点一览, 事项汇总,
// 意见建议办理, 发布事项与问卷 and 导出Excel. They are built on the same
// foundation as a point's pages (layout, words, View, Render, CSRF, Page),
// with App.Hub set so that the layout shows the committee's name and the
// hub's navigation. The data comes from package hub: its exported functions
// where it has them, its committee API in-process (same session, same CSRF
// token, same validation) where it has not.

import (
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"budgetpoint/handlers"
	"budgetpoint/hub"
)

var hubMessages = map[string][2]string{
	"hub.system":         {"预算工作基层联系点 · 汇总", "Budget-work contact points · committee hub"},
	"hub.nav.points":     {"六个联系点一览", "The six points"},
	"hub.nav.topics":     {"事项汇总", "Topic summaries"},
	"hub.nav.opinions":   {"意见建议办理", "Opinions workbench"},
	"hub.nav.publish":    {"发布事项与问卷", "Publish topics and questionnaires"},
	"hub.nav.export":     {"导出Excel", "Export to Excel"},
	"hub.points.title":   {"六个联系点一览", "The six contact points at a glance"},
	"hub.points.lead":    {"每个联系点上次同步的时间和收到的内容。超过一天没有同步的联系点标为“超过一天未同步”。", "When each point last synced and what it has sent. A point that has not synced for more than a day is marked “silent for over a day”."},
	"hub.point":          {"联系点", "Contact point"},
	"hub.last_sync":      {"上次同步", "Last sync"},
	"hub.sync_state":     {"同步状态", "Sync state"},
	"hub.never":          {"从未同步", "never synced"},
	"hub.silent":         {"超过一天未同步", "silent for over a day"},
	"hub.silent_never":   {"从未同步，请联系该联系点", "never synced: contact the point"},
	"hub.ok":             {"正常", "on time"},
	"hub.silent_count":   {"有 %d 个联系点超过一天未同步或从未同步，已在下表中标出。", "%d points have not synced for more than a day (or never): they are marked below."},
	"hub.all_ok":         {"所有联系点都在一天之内同步过。", "Every point has synced within the last day."},
	"hub.topics_n":       {"事项", "Topics"},
	"hub.responses":      {"答卷", "Responses"},
	"hub.activities":     {"活动", "Activities"},
	"hub.opinions":       {"意见建议", "Opinions"},
	"hub.total":          {"合计", "Total"},
	"hub.points_caption": {"各联系点的同步情况和数量", "Each point's sync and totals"},
}

// hubPages are the committee's pages: the web foundation (App) and the hub.
type hubPages struct {
	*App
	H *hub.Hub
}

// CommitteePages are the committee's pages at the hub.
type CommitteePages struct{ p *hubPages }

// NewCommittee prepares the committee's pages over the hub's service.
func NewCommittee(s *handlers.Server, h *hub.Hub) (*CommitteePages, error) {
	a, err := New(s, nil)
	if err != nil {
		return nil, err
	}
	a.Hub = true
	return &CommitteePages{p: &hubPages{App: a, H: h}}, nil
}

// Routes adds the committee's pages to the hub's router.
func (cp *CommitteePages) Routes(r *gin.Engine) { cp.p.routes(r) }

// App is the pages' foundation (for tests).
func (cp *CommitteePages) App() *App { return cp.p.App }

// routes lists the hub's page routes in one place.
func (p *hubPages) routes(r *gin.Engine) {
	a := p.App
	a.engine = r
	// The shared part of the foundation: static files, sign-in, language.
	r.GET("/static/*filepath", a.static())
	r.GET("/favicon.ico", func(c *gin.Context) { c.Status(http.StatusNoContent) })
	r.GET("/login", a.loginPage)
	r.POST("/login", a.loginSubmit)
	r.POST("/logout", a.Page(handlers.Committee...), a.logout)
	r.GET("/lang/:lang", a.switchLang)

	cm := a.Page(handlers.Committee...)
	r.GET("/", cm, p.pointsPage)
	r.GET("/hub/topics", cm, p.topicsPage)
	r.GET("/hub/topics/:id", cm, p.summaryPage)
	r.GET("/hub/opinions", cm, p.opinionsPage)
	r.POST("/hub/opinions/:id", cm, p.opinionMove)
	r.GET("/hub/publish", cm, p.publishPage)
	r.POST("/hub/publish/topic", cm, p.publishTopic)
	r.GET("/hub/export", cm, p.exportPage)
	// The point's questionnaire builder, reused: the same page and form,
	// saved by publishing through the committee API.
	r.GET("/questionnaires", cm, func(c *gin.Context) { c.Redirect(http.StatusSeeOther, "/hub/publish") })
	r.GET("/questionnaires/new", cm, p.builderPage)
	r.POST("/questionnaires/new", cm, p.builderSubmit)
	r.GET("/questionnaires/:id/edit", cm, p.builderPage)
	r.POST("/questionnaires/:id/edit", cm, p.builderSubmit)
	r.GET("/questionnaires/:id/preview", cm, p.previewPage)
	r.GET("/questionnaires/:id/share", cm, func(c *gin.Context) {
		a.Redirect(c, "/questionnaires/"+url.PathEscape(c.Param("id"))+"/edit", "info", Translate(LangOf(c), "hub.q.share_at_point"))
	})
}

// static serves the embedded static files (as Routes does at a point).
func (a *App) static() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Header("Cache-Control", "public, max-age=86400")
		c.Header("X-Content-Type-Options", "nosniff")
		c.Request.URL.Path = "/static" + c.Param("filepath")
		staticHandler.ServeHTTP(c.Writer, c.Request)
	}
}

var staticHandler = func() http.Handler {
	return http.FileServer(http.FS(staticFS))
}()

// view is a.View with the hub's nav entry set.
func (p *hubPages) view(c *gin.Context, titleKey, nav string, data any) *View {
	v := p.View(c, titleKey, data)
	v.Nav = nav
	return v
}

// api calls the hub's committee API in-process as the signed-in person
// (same cookie or token, same CSRF token) and decodes a 2xx answer into

// pointName is a point's name in the page's language, from the points
// file (name, name_en), or its id when the file does not list it.
func (p *hubPages) pointName(lang, id string) string {
	for _, pt := range p.H.Points {
		if pt.ID == id {
			if lang == LangEN && pt.NameEN != "" {
				return pt.NameEN
			}
			return pt.Name
		}
	}
	return id
}

// The committee's name where the hub's settings give none (committee_name,
// committee_name_en).
const (
	DefaultCommitteeName   = "玉溪市人大常委会预算工作委员会"
	DefaultCommitteeNameEN = "Budget Work Committee, Yuxi Municipal People's Congress"
)

// committeeName is the committee's name setting at the hub.
func (a *App) committeeName() NameSetting {
	return NameSetting{Key: "committee_name", DefaultZH: DefaultCommitteeName, DefaultEN: DefaultCommitteeNameEN}
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

func (p *hubPages) pointsPage(c *gin.Context) {
	ps, err := p.H.PointStatuses(c.Request.Context())
	if err != nil {
		p.Error(c, err)
		return
	}
	lang := LangOf(c)
	now := p.S.DB.Now()
	d := &pointsData{}
	for _, s := range ps {
		r := pointRow{PointStatus: s, Name: p.pointName(lang, s.ID)}
		if s.LastBatchAt == nil {
			r.Silent = true
		} else {
			r.Age = Age(lang, *s.LastBatchAt, now)
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
	p.Render(c, http.StatusOK, "hub_points.html", p.view(c, "hub.points.title", "hub-points", d))
}
