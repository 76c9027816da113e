package web

// The foundation of the pages (Site): what the point's pages (this package)
// and the committee's (web/committee) share. Each package builds its Site
// with NewSite, telling it what its layout shows (Options), and lists its
// own routes after Site.Routes.

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"

	"budgetpoint/handlers"
	"budgetpoint/models"
)

// templateFS holds the foundation's templates: layout.html, the shared
// partials (_*.html) and the pages every package shows (sign-in, error, the
// questionnaire builder and the fill-in page with its preview).
//
//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Site is the foundation of one package of pages: the API server it stands
// on, its page templates and its words.
type Site struct {
	// S is the API server: its database, sign-in and sessions.
	S     *handlers.Server
	opts  Options
	pages map[string]*lazyPage
	words Messages
	asset string // the static files' version (staticVersion)
}

// Options are what a package of pages tells the foundation about itself.
type Options struct {
	// Pages holds the package's templates at its root: one file per page
	// (<page>.html, defining "content" and, optionally, "title") and the
	// package's own partials (_*.html). Every page is parsed in a set of its
	// own with the foundation's layout and partials, so that block names
	// never collide; the foundation's pages come along.
	Pages fs.FS
	// Messages are the package's words (key → {中文, English}), a map per
	// file, beside the foundation's; a key given twice is an error.
	Messages []Messages
	// Name is the name at the top of every page and in its title, in the
	// page's language: the point's, or the committee's.
	Name func(c *gin.Context, lang string) string
	// Subtitle is the catalogue key of a line under the name ("" for none).
	Subtitle string
	// Footer is the footer's text (nil: the name).
	Footer func(v *View) string
	// Nav are the entries of the main navigation, each shown to its roles.
	Nav []NavItem
	// Roles are the roles that sign in to these pages (and may sign out).
	Roles []string
	// Home is the start page of a role whose start is not / (the hub's
	// unit logins: /unit): where it lands after signing in, and where / sends it.
	Home map[string]string
	// AddLogins: 账号管理 has the form that adds a login (the hub's; a
	// point adds them in its settings, with the deputies registry).
	AddLogins bool
	// Units lists the units (id, name) a unit login may belong to (the
	// hub's 承办单位), for that form; nil: no unit logins are added there.
	Units func(ctx context.Context) ([][2]string, error)
}

// NavItem is one entry of the main navigation.
type NavItem struct {
	ID    string   // a page sets View.Nav to it to be marked current
	Path  string   // where it goes
	Key   string   // its words in the catalogue
	Roles []string // who sees it
}

// NewSite parses the foundation's templates with the package's, merges
// the words and hashes the static files.
func NewSite(s *handlers.Server, o Options) (*Site, error) {
	words, err := mergeMessages(append([]Messages{catalog}, o.Messages...)...)
	if err != nil {
		return nil, err
	}
	pages, err := parsePages(o.Pages)
	if err != nil {
		return nil, err
	}
	asset, err := staticVersion(staticDir)
	if err != nil {
		return nil, err
	}
	return &Site{S: s, opts: o, pages: pages, words: words, asset: asset}, nil
}

// Routes adds what every package of pages serves, before its own routes:
// the static files, sign-in and sign-out, and the language switch.
func (st *Site) Routes(r *gin.Engine) {
	// A mistyped address is a page saying so, not the API's JSON (which
	// /api/ paths keep).
	r.NoRoute(func(c *gin.Context) {
		if strings.HasPrefix(c.Request.URL.Path, "/api/") {
			st.S.Fail(c, models.Errorf(models.ENotFound, "没有这个地址 / no such path"))
			return
		}
		st.Error(c, models.Errorf(models.ENotFound, "%s", both("error.notfound")))
	})
	r.GET("/static/*filepath", serveStatic)
	r.GET("/favicon.ico", func(c *gin.Context) { c.Status(http.StatusNoContent) })
	r.GET("/login", st.loginPage)
	r.POST("/login", st.loginSubmit)
	r.POST("/logout", st.Page(st.opts.Roles...), st.logout)
	r.GET("/lang/:lang", st.switchLang)
	// 审计日志 (audit.go), administrators only, at a point and at the hub.
	r.GET("/audit", st.Page("admin"), st.auditPage)
	r.GET("/audit.xlsx", st.Page("admin"), st.auditExport)
	// 我的账号 and 账号管理 (account.go), at a point and at the hub.
	r.GET("/account", st.Page(st.opts.Roles...), st.accountPage)
	r.POST("/account/password", st.Page(st.opts.Roles...), st.accountPassword)
	r.POST("/account/tokens/:id/end", st.Page(st.opts.Roles...), st.accountEnd)
	r.POST("/account/sessions/end", st.Page(st.opts.Roles...), st.accountEndAll)
	r.GET("/users", st.Page("admin"), st.usersPage)
	r.POST("/users/:id/:action", st.Page("admin"), st.userAction)
	if st.opts.AddLogins {
		r.POST("/users", st.Page("admin"), st.usersAdd)
	}
}

// Translate is Translate with the package's words too.
func (st *Site) Translate(lang, key string, args ...any) string {
	return translate(st.words, lang, key, args...)
}

// Both is the message of key in both languages, "中文 / English" (see
// both), with the package's words too.
func (st *Site) Both(key string, args ...any) string { return bothIn(st.words, key, args...) }

// Words are the site's words, the foundation's and the package's (a
// copy): for the tests of a package of pages.
func (st *Site) Words() Messages {
	out := make(Messages, len(st.words))
	for k, v := range st.words {
		out[k] = v
	}
	return out
}

// templateFiles are the page files and the partials of one FS.
type templateFiles struct {
	fsys            fs.FS
	shared, pageSet []string
}

// lazyPage is one page's template set, parsed when the page is first
// shown: all of them take some 4 MB, which a point that nobody is looking
// at need not hold (NewSite has parsed each once, so none can fail later).
type lazyPage struct {
	once  sync.Once
	parse func() (*template.Template, error)
	t     *template.Template
	err   error
}

func (p *lazyPage) get() (*template.Template, error) {
	p.once.Do(func() { p.t, p.err = p.parse() })
	return p.t, p.err
}

// parsePages builds one template set per page, of the foundation's and of
// own: the layout and the partials of both, then the page file. Each set
// is parsed here once, so that a broken template stops the start, and
// dropped again until the page is shown.
func parsePages(own fs.FS) (map[string]*lazyPage, error) {
	base, err := fs.Sub(templateFS, "templates")
	if err != nil {
		return nil, err
	}
	var all []templateFiles
	for _, fsys := range []fs.FS{base, own} {
		if fsys == nil {
			continue
		}
		names, err := fs.Glob(fsys, "*.html")
		if err != nil {
			return nil, err
		}
		tf := templateFiles{fsys: fsys}
		for _, n := range names {
			if n == "layout.html" || strings.HasPrefix(n, "_") {
				tf.shared = append(tf.shared, n)
			} else {
				tf.pageSet = append(tf.pageSet, n)
			}
		}
		all = append(all, tf)
	}
	out := map[string]*lazyPage{}
	for _, tf := range all {
		for _, p := range tf.pageSet {
			if _, dup := out[p]; dup {
				return nil, fmt.Errorf("template %s: a page of the foundation has that name", p)
			}
			parse := func() (*template.Template, error) {
				t := template.New(p).Funcs(funcs)
				for _, s := range all {
					if len(s.shared) == 0 {
						continue
					}
					if _, err := t.ParseFS(s.fsys, s.shared...); err != nil {
						return nil, fmt.Errorf("template %s: %w", p, err)
					}
				}
				if _, err := t.ParseFS(tf.fsys, p); err != nil {
					return nil, fmt.Errorf("template %s: %w", p, err)
				}
				return t, nil
			}
			if _, err := parse(); err != nil {
				return nil, err
			}
			out[p] = &lazyPage{parse: parse}
		}
	}
	return out, nil
}

// staticVersion is a hash of the static files, for cache busting: it
// changes when any of them does. A file that cannot be read is an error.
func staticVersion(fsys fs.FS) (string, error) {
	h := sha256.New()
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		h.Write(b) // a hash takes every write
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("static files: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil))[:10], nil
}

// staticDir is static/ of the binary.
var staticDir = func() fs.FS {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err) // fs.Sub fails only for an invalid name: "static" is not
	}
	return sub
}()

// staticFiles serves static/ under /static/.
var staticFiles = http.StripPrefix("/static/", http.FileServer(http.FS(staticDir)))

// serveStatic is the one static file server of every package of pages.
func serveStatic(c *gin.Context) {
	// Pages name the files with their content's hash (?v=…): a changed
	// file has a new address, so a copy may be kept for a year.
	if c.Query("v") != "" {
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Header("Cache-Control", "public, max-age=86400")
	}
	c.Header("X-Content-Type-Options", "nosniff")
	staticFiles.ServeHTTP(c.Writer, c.Request)
}
