// Package committee serves the committee's pages at the hub (预工委):
// 六个联系点一览, 事项汇总, 意见建议办理 (with 交办 to the units of 承办单位),
// 督办, 办理统计, 发布事项与问卷 and 导出Excel, and
// the questionnaire builder for publishing. It stands on the foundation of
// package web (layout, words, sign-in, CSRF, rendering, static files, the
// builder and the preview), which it tells at construction what its layout
// shows; its data comes from the hub's service (*hub.Hub). Routes lists its
// routes and messages its words, each in one place.
package committee

import (
	"context"
	"embed"
	"io/fs"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"budgetpoint/handlers"
	"budgetpoint/hub"
	"budgetpoint/web"
)

// templateFS holds the committee's page templates.
//
//go:embed templates/*.html
var templateFS embed.FS

// Pages are the committee's pages: the foundation (web.Site) and the hub.
type Pages struct {
	*web.Site
	H *hub.Hub
}

// The committee's name where the hub's settings give none (committee_name,
// committee_name_en).
const (
	DefaultName   = "玉溪市人大常委会预算工作委员会"
	DefaultNameEN = "Budget Work Committee, Yuxi Municipal People's Congress"
)

// committeeName is the name at the top of the committee's pages.
var committeeName = web.NameSetting{Key: "committee_name", DefaultZH: DefaultName, DefaultEN: DefaultNameEN}

// nav is the committee's main navigation.
var nav = []web.NavItem{
	{ID: "hub-points", Path: "/", Key: "hub.nav.points", Roles: handlers.Committee},
	{ID: "hub-topics", Path: "/hub/topics", Key: "hub.nav.topics", Roles: handlers.Committee},
	{ID: "hub-opinions", Path: "/hub/opinions", Key: "hub.nav.opinions", Roles: handlers.Committee},
	{ID: "hub-units", Path: "/hub/units", Key: "hub.nav.units", Roles: handlers.Committee},
	{ID: "hub-supervision", Path: "/hub/supervision", Key: "hub.nav.supervision", Roles: handlers.Committee},
	{ID: "hub-stats", Path: "/hub/stats", Key: "hub.nav.stats", Roles: handlers.Committee},
	{ID: "hub-publish", Path: "/hub/publish", Key: "hub.nav.publish", Roles: handlers.Committee},
	{ID: "hub-export", Path: "/hub/export", Key: "hub.nav.export", Roles: handlers.Committee},
	{ID: "users", Path: "/users", Key: "nav.users", Roles: handlers.AdminOnly},
	{ID: "audit", Path: "/audit", Key: "nav.audit", Roles: handlers.AdminOnly},
	// A unit's logins (unit.go) see their own pages only.
	{ID: "unit-inbox", Path: "/unit", Key: "unit.nav.inbox", Roles: handlers.UnitRole},
	{ID: "account", Path: "/account", Key: "unit.nav.account", Roles: handlers.UnitRole},
}

// layoutMessages are the words of the layout at the hub.
var layoutMessages = web.Messages{
	"hub.system":          {"预算工作基层联系点 · 汇总", "Budget-work contact points · committee hub"},
	"hub.nav.points":      {"六个联系点一览", "The six points"},
	"hub.nav.topics":      {"事项汇总", "Topic summaries"},
	"hub.nav.opinions":    {"意见建议办理", "Opinions workbench"},
	"hub.nav.units":       {"承办单位", "Handling units"},
	"hub.nav.supervision": {"督办", "Supervision"},
	"hub.nav.stats":       {"办理统计", "Handling statistics"},
	"hub.nav.publish":     {"发布事项与问卷", "Publish topics and questionnaires"},
	"hub.nav.export":      {"导出Excel", "Export to Excel"},
}

// messages are the words of the committee's pages, a map per file, listed here.
var messages = []web.Messages{
	layoutMessages,      // this file
	pointsMessages,      // points.go
	summaryMessages,     // summary.go
	activityMessages,    // activities.go
	opinionMessages,     // opinions.go
	assignMessages,      // assign.go
	mergeMessages,       // merge.go
	unitsMessages,       // units.go
	supervisionMessages, // supervision.go
	statsMessages,       // stats.go
	publishMessages,     // publish.go
	unitMessages,        // unit.go
}

// New prepares the committee's pages over the hub's service.
func New(s *handlers.Server, h *hub.Hub) (*Pages, error) {
	pages, err := fs.Sub(templateFS, "templates")
	if err != nil {
		return nil, err
	}
	p := &Pages{H: h}
	p.Site, err = web.NewSite(s, web.Options{
		Pages:    pages,
		Messages: messages,
		Name: func(c *gin.Context, lang string) string {
			return committeeName.In(c.Request.Context(), s.DB, s.Log, lang)
		},
		Subtitle: "hub.system",
		Nav:      nav,
		// The committee's logins, and the units' (their own pages, unit.go).
		Roles: append(append([]string{}, handlers.Committee...), handlers.UnitRole...),
		Home:  map[string]string{"unit": "/unit"},
		// The committee's logins are added on 账号管理, and the units'.
		AddLogins: true,
		Units: func(ctx context.Context) ([][2]string, error) {
			us, err := h.Store.Units(ctx)
			out := make([][2]string, len(us))
			for i, u := range us {
				out[i] = [2]string{u.ID, u.Name}
			}
			return out, err
		},
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Routes lists every route of the committee's pages, in one place.
func (p *Pages) Routes(r *gin.Engine) {
	p.Site.Routes(r) // static files, sign-in and sign-out, the language switch

	cm := p.Page(handlers.Committee...)
	r.GET("/", cm, p.pointsPage)
	r.GET("/hub/topics", cm, p.topicsPage)
	r.GET("/hub/topics/:id", cm, p.summaryPage)
	r.GET("/hub/opinions", cm, p.opinionsPage)
	r.GET("/hub/opinions/:id", cm, p.opinionPage)
	r.POST("/hub/opinions/:id", cm, p.opinionMove)
	r.POST("/hub/opinions/:id/assign", cm, p.opinionAssign)
	r.POST("/hub/opinions/:id/merge", cm, p.opinionMerge)
	r.POST("/hub/assign", cm, p.bulkAssign)
	r.GET("/hub/units", cm, p.unitsPage)
	r.POST("/hub/units", cm, p.unitAdd)
	r.GET("/hub/supervision", cm, p.supervisionPage)
	r.GET("/hub/supervision.xlsx", cm, p.supervisionExport)
	r.GET("/hub/stats", cm, p.statsPage)
	r.GET("/hub/publish", cm, p.publishPage)
	r.POST("/hub/publish/topic", cm, p.publishTopic)
	r.GET("/hub/export", cm, p.exportPage)
	// The foundation's questionnaire builder: the same page and form as at
	// a point, saved by publishing to the points.
	r.GET("/questionnaires", cm, func(c *gin.Context) { c.Redirect(http.StatusSeeOther, "/hub/publish") })
	r.GET("/questionnaires/new", cm, p.builderPage)
	r.POST("/questionnaires/new", cm, p.builderSubmit)
	r.GET("/questionnaires/:id/edit", cm, p.builderPage)
	r.POST("/questionnaires/:id/edit", cm, p.builderSubmit)
	r.GET("/questionnaires/:id/preview", cm, p.previewPage)
	r.GET("/questionnaires/:id/share", cm, func(c *gin.Context) {
		p.Redirect(c, "/questionnaires/"+url.PathEscape(c.Param("id"))+"/edit", "info", p.Translate(web.LangOf(c), "hub.q.share_at_point"))
	})
	p.unitRoutes(r)
}

// view is View with the page's nav entry set.
func (p *Pages) view(c *gin.Context, titleKey, nav string, data any) *web.View {
	v := p.View(c, titleKey, data)
	v.Nav = nav
	return v
}

// pointName is a point's name in the page's language (the hub's: from
// the points file, or its id when the file does not list it).
func (p *Pages) pointName(lang, id string) string {
	if lang == web.LangEN {
		return p.H.PointNameEN(id)
	}
	return p.H.PointName(id)
}
