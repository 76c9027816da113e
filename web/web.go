// Package web serves budgetpoint's HTML pages. It holds two things:
//
//   - the foundation every package of pages stands on (site.go: Site and
//     its Options; the layout, words and languages, sign-in and CSRF,
//     rendering, static files, the shared partials, and the questionnaire
//     builder and fill-in page that both the point and the committee show);
//   - the pages of a contact point (App): sign-in, the staff pages, the
//     questionnaire fill-in page for phones, summaries and printable reports.
//
// The committee's pages at the hub are package web/committee, on the same
// foundation. Templates and static files are embedded in the binary; no page
// loads anything from another host. See README.md for how to add a page.
package web

import (
	"embed"
	"io/fs"
	"net/http"

	"github.com/gin-gonic/gin"

	"budgetpoint/handlers"
	"budgetpoint/syncer"
)

// pointPages are the templates of the point's pages (and its partials).
//
//go:embed pages/*.html
var pointPages embed.FS

// App is the pages of a contact point, on the foundation (Site).
type App struct {
	*Site
	// Sync is the point's sync engine, for the dashboard's sync box and
	// 立即同步; nil where pages run without one.
	Sync *syncer.Syncer
}

// pointNav is the main navigation of a point: the staff's, the
// administrator's settings, the deputy's own pages.
var pointNav = []NavItem{
	{ID: "dashboard", Path: "/", Key: "nav.dashboard", Roles: StaffRoles},
	{ID: "topics", Path: "/topics", Key: "nav.topics", Roles: StaffRoles},
	{ID: "questionnaires", Path: "/questionnaires", Key: "nav.questionnaires", Roles: StaffRoles},
	{ID: "paper", Path: "/paper", Key: "nav.paper", Roles: StaffRoles},
	{ID: "activities", Path: "/activities", Key: "nav.activities", Roles: StaffRoles},
	{ID: "opinions", Path: "/opinions", Key: "nav.opinions", Roles: StaffRoles},
	{ID: "deputies", Path: "/deputies", Key: "nav.deputies", Roles: StaffRoles},
	{ID: "reports", Path: "/reports", Key: "nav.reports", Roles: StaffRoles},
	{ID: "settings", Path: "/settings", Key: "nav.settings", Roles: handlers.AdminOnly},
	{ID: "users", Path: "/users", Key: "nav.users", Roles: handlers.AdminOnly},
	{ID: "audit", Path: "/audit", Key: "nav.audit", Roles: handlers.AdminOnly},
	{ID: "my", Path: "/my", Key: "nav.my", Roles: []string{"deputy"}},
	{ID: "myopinions", Path: "/my/opinions", Key: "nav.myopinions", Roles: []string{"deputy"}},
}

// New prepares the pages of a contact point; sy is its sync engine (nil
// without sync).
func New(s *handlers.Server, sy *syncer.Syncer) (*App, error) {
	a := &App{Sync: sy}
	pages, err := fs.Sub(pointPages, "pages")
	if err != nil {
		return nil, err
	}
	a.Site, err = NewSite(s, Options{
		Pages: pages,
		Name: func(c *gin.Context, lang string) string {
			return a.pointName().In(c.Request.Context(), s.DB, s.Log, lang)
		},
		Footer: func(v *View) string { return v.Name + " · " + v.T("layout.footer") },
		Nav:    pointNav,
		Roles:  AnyRole,
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// Routes lists every route of the point's pages, in one place.
func (a *App) Routes(r *gin.Engine) {
	a.Site.Routes(r) // static files, sign-in and sign-out, the language switch

	staff := a.Page(StaffRoles...)
	r.GET("/", a.Page(AnyRole...), a.home)
	r.GET("/sync/status", staff, a.syncStatusJSON)
	r.POST("/sync/run", staff, a.syncRun)

	r.GET("/topics", staff, a.topicsList)
	r.GET("/topics/new", staff, a.topicForm)
	r.POST("/topics/new", staff, a.topicSave)
	r.GET("/topics/:id/edit", staff, a.topicForm)
	r.POST("/topics/:id/edit", staff, a.topicSave)
	r.GET("/topics/:id/summary", staff, a.summaryPage)
	r.GET("/topics/:id/report", staff, a.reportPage)
	r.GET("/topics/:id/summary.xlsx", staff, a.exportSummary)

	r.GET("/questionnaires", staff, a.questionnairesList)
	r.GET("/questionnaires/new", staff, a.builderPage)
	r.POST("/questionnaires/new", staff, a.builderSubmit)
	r.GET("/questionnaires/:id/edit", staff, a.builderPage)
	r.POST("/questionnaires/:id/edit", staff, a.builderSubmit)
	r.GET("/questionnaires/:id/preview", staff, a.previewPage)
	r.GET("/questionnaires/:id/share", staff, a.sharePage)
	r.POST("/questionnaires/:id/share", staff, a.shareSubmit)
	r.GET("/questionnaires/:id/qr.png", staff, a.qrPNG)
	r.GET("/questionnaires/:id/responses.xlsx", staff, a.exportResponses)
	r.GET("/questionnaires/:id/responses.csv", staff, a.exportResponsesCSV)

	r.GET("/activities", staff, a.activitiesList)
	r.GET("/activities/new", staff, a.activityForm)
	r.POST("/activities/new", staff, a.activitySubmit)
	r.GET("/activities/:id", staff, a.activityView)
	r.POST("/activities/:id/correct", staff, a.activityCorrect)

	r.GET("/opinions", staff, a.opinionsList)
	r.GET("/deputies", staff, a.deputiesList)
	r.POST("/deputies", staff, a.deputyCreate)
	r.GET("/deputies/:id", staff, a.deputyView)
	r.GET("/reports", staff, a.reportsList)

	// 纸质问卷录入 (paper.go, paper_import.go).
	r.GET("/paper", staff, a.paperList)
	r.POST("/paper", staff, a.paperCreate)
	r.GET("/paper/:id", staff, a.paperBatch)
	r.GET("/paper/:id/entry", staff, a.paperEntry)
	r.POST("/paper/:id/entry", staff, a.paperEntrySave)
	r.GET("/paper/:id/form", staff, a.paperFormPage)
	r.POST("/paper/:id/form", staff, a.paperResolve)
	r.GET("/paper/:id/history", staff, a.paperHistory)
	// 更正答卷 (corrections.go).
	r.GET("/responses/:id/correct", staff, a.responseCorrectPage)
	r.POST("/responses/:id/correct", staff, a.responseCorrect)
	r.POST("/responses/:id/void", staff, a.responseVoid)
	r.GET("/paper/:id/template.xlsx", staff, a.paperTemplate)
	r.POST("/paper/:id/import", staff, a.paperImport)
	r.GET("/paper/:id/import/:job", staff, a.paperImportStatus)

	// 测评码 (eval.go): issued by staff, answered with a code and no login.
	r.GET("/codes", staff, a.evalSets)
	r.POST("/codes", staff, a.evalIssue)
	r.GET("/e", a.evalEnter)
	r.GET("/e/:code", a.evalFill)
	r.POST("/e/:code", a.evalSubmit)
	// (The same for programs is in the API: handlers/eval.go.)

	// 系统设置 (settings.go), administrators only.
	admin := a.Page("admin")
	r.GET("/settings", admin, a.settingsPage)
	r.POST("/settings", admin, a.settingsSave)
	r.POST("/settings/users", admin, a.settingsAddUser)

	// Deputies, signed in.
	deputy := a.Page("deputy")
	r.GET("/my", deputy, a.myHome)
	r.GET("/my/opinions", deputy, a.myOpinions)
	r.GET("/my/responses/:id", deputy, a.mySent)
	r.GET("/fill/:id", deputy, a.fillPage)
	r.POST("/fill/:id", deputy, a.fillSubmit)

	// The public, through a questionnaire's public link.
	r.GET("/p/:token", a.publicFillPage)
	r.POST("/p/:token", a.publicFillSubmit)
	r.GET("/done", a.donePage)
}

// home is the dashboard for staff and the deputy's own page for deputies.
func (a *App) home(c *gin.Context) {
	sess, _ := handlers.SessionOf(c)
	if sess.User.Role == "deputy" {
		c.Redirect(http.StatusSeeOther, "/my")
		return
	}
	a.dashboard(c)
}
