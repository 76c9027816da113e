// Package web serves budgetpoint's HTML pages at a contact point: sign-in,
// the staff pages, the questionnaire fill-in page for phones, summaries and
// printable reports. Templates and static files are embedded in the binary;
// no page loads anything from another host. See README.md for how to add a page.
package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"

	"budgetpoint/handlers"
	"budgetpoint/syncer"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// App holds what the pages need: the API server (its DB, its auth) and the
// parsed page templates, one template set per page.
type App struct {
	S     *handlers.Server
	pages map[string]*template.Template
	// Sync is the point's sync engine, for the dashboard's sync box and
	// 立即同步; nil where pages run without one.
	Sync *syncer.Syncer
	// Hub is true for the committee's pages at the hub (web/hub.go): the
	// layout then shows the committee's name and the hub's navigation.
	Hub bool

	engine *gin.Engine
}

// New parses the templates and prepares the pages of a server; sy is the
// point's sync engine (nil at the hub, or without sync).
func New(s *handlers.Server, sy *syncer.Syncer) (*App, error) {
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	return &App{S: s, Sync: sy, pages: pages}, nil
}

// parsePages builds one template set per page: layout.html and every
// partial (_*.html) together with one page file, so that pages may all
// define "title" and "content" without colliding.
func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	var shared []string
	var pageFiles []string
	for _, n := range names {
		b := path.Base(n)
		if b == "layout.html" || strings.HasPrefix(b, "_") {
			shared = append(shared, n)
		} else {
			pageFiles = append(pageFiles, n)
		}
	}
	sort.Strings(shared)
	out := map[string]*template.Template{}
	for _, p := range pageFiles {
		t := template.New(path.Base(p)).Funcs(funcs)
		files := append(append([]string{}, shared...), p)
		t, err := t.ParseFS(templateFS, files...)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", p, err)
		}
		out[path.Base(p)] = t
	}
	return out, nil
}

// assetVersion changes when any static file changes, for cache busting.
var assetVersion = func() string {
	h := sha256.New()
	fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := staticFS.ReadFile(p)
			h.Write(b)
		}
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:10]
}()

// Routes lists every route of the point's pages, in one place.
func (a *App) Routes(r *gin.Engine) {
	a.engine = r
	sub, _ := fs.Sub(staticFS, "static")
	files := http.StripPrefix("/static/", http.FileServer(http.FS(sub)))
	r.GET("/static/*filepath", func(c *gin.Context) {
		c.Header("Cache-Control", "public, max-age=86400")
		c.Header("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(c.Writer, c.Request)
	})
	r.GET("/favicon.ico", func(c *gin.Context) { c.Status(http.StatusNoContent) })

	r.GET("/login", a.loginPage)
	r.POST("/login", a.loginSubmit)
	r.POST("/logout", a.Page(AnyRole...), a.logout)
	r.GET("/lang/:lang", a.switchLang)

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

	r.GET("/activities", staff, a.activitiesList)
	r.GET("/activities/new", staff, a.activityForm)
	r.POST("/activities/new", staff, a.activitySubmit)
	r.GET("/activities/:id", staff, a.activityView)

	r.GET("/opinions", staff, a.opinionsList)
	r.GET("/deputies", staff, a.deputiesList)
	r.POST("/deputies", staff, a.deputyCreate)
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
	r.GET("/paper/:id/template.xlsx", staff, a.paperTemplate)
	r.POST("/paper/:id/import", staff, a.paperImport)
	r.GET("/paper/:id/import/:job", staff, a.paperImportStatus)

	// 测评码 (eval.go): issued by staff, answered with a code and no login.
	r.GET("/codes", staff, a.evalSets)
	r.POST("/codes", staff, a.evalIssue)
	r.GET("/e", a.evalEnter)
	r.GET("/e/:code", a.evalFill)
	r.POST("/e/:code", a.evalSubmit)
	// The same for programs.
	r.POST("/api/v1/questionnaires/:id/eval-codes", a.S.Require(handlers.Staff...), a.apiIssueCodes)
	r.POST("/api/v1/eval/:code/responses", a.apiEvalSubmit)

	// 系统设置 (settings.go), administrators only.
	admin := a.Page("admin")
	r.GET("/settings", admin, a.settingsPage)
	r.POST("/settings", admin, a.settingsSave)
	r.POST("/settings/users", admin, a.settingsAddUser)

	// Deputies, signed in.
	deputy := a.Page("deputy")
	r.GET("/my", deputy, a.myHome)
	r.GET("/my/opinions", deputy, a.myOpinions)
	r.GET("/fill/:id", deputy, a.fillPage)
	r.POST("/fill/:id", deputy, a.fillSubmit)

	// The public, through a questionnaire's public link.
	r.GET("/p/:token", a.publicFillPage)
	r.POST("/p/:token", a.publicFillSubmit)
	r.GET("/done", a.donePage)
}
