package web

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"budgetpoint/db"
	"budgetpoint/handlers"
	"budgetpoint/models"
)

// View is what every page template gets as its root: the request's
// language, who is signed in, the CSRF token, the name at the top (the
// point's or the committee's), the navigation, flash messages, and the
// page's own Data.
type View struct {
	Lang     string
	Title    string // already translated
	Name     string // Options.Name
	Subtitle string // Options.Subtitle, translated
	Footer   string
	NavItems []NavItem // the entries the signed-in person sees
	User     *models.User
	CSRF     string
	Flash    []Flash
	Nav      string // which nav entry is current (NavItem.ID)
	Path     string // the request path, for the language switch
	Bare     bool   // the fill-in page: no staff navigation
	Asset    string // static asset version
	Errors   map[string]string
	Data     any

	words Messages
}

// Flash is a one-time message shown at the top of the next page.
type Flash struct {
	Kind string `json:"k"` // ok | error | info
	Msg  string `json:"m"`
}

// T translates a catalogue key in the page's language.
func (v *View) T(key string, args ...any) string { return translate(v.words, v.Lang, key, args...) }

// B picks the page's language out of a "中文 / English" message.
func (v *View) B(msg string) string { return Bilingual(v.Lang, msg) }

// Colon is the colon after a label in the page's language: "：" in
// Chinese, ": " in English.
func (v *View) Colon() string { return PunctOf(v.Lang).Colon }

// P is the punctuation of the page's language (Punct): {{$.P.Open}}…{{$.P.Close}}
// around words in brackets, {{$.P.Sep}} between the items of a list.
func (v *View) P() Punct { return PunctOf(v.Lang) }

// Paren is s in brackets in the page's language: "（s）" in Chinese,
// " (s)" in English.
func (v *View) Paren(s any) string { return PunctOf(v.Lang).Paren(s) }

// L is the title to show of something with a Chinese and an English title
// (a topic, a questionnaire): LocalTitle in the page's language.
func (v *View) L(zh, en string) string { return LocalTitle(v.Lang, zh, en) }

// CSRFField is the hidden form field every POST form of a signed-in page carries.
func (v *View) CSRFField() template.HTML {
	return template.HTML(`<input type="hidden" name="csrf" value="` + template.HTMLEscapeString(v.CSRF) + `">`)
}

// Err is the message for a field (by its name), in the page's language, or "".
func (v *View) Err(field string) string {
	if v.Errors == nil {
		return ""
	}
	return Bilingual(v.Lang, v.Errors[field])
}

// View prepares the page view of a request: title is a catalogue key.
func (st *Site) View(c *gin.Context, titleKey string, data any) *View {
	lang := LangOf(c)
	v := &View{Lang: lang, Data: data, Path: c.Request.URL.RequestURI(), Asset: st.asset, words: st.words}
	v.Title = v.T(titleKey)
	v.Name = st.opts.Name(c, lang)
	if st.opts.Subtitle != "" {
		v.Subtitle = v.T(st.opts.Subtitle)
	}
	v.Footer = v.Name
	if st.opts.Footer != nil {
		v.Footer = st.opts.Footer(v)
	}
	if sess, ok := handlers.SessionOf(c); ok {
		u := sess.User
		v.User = &u
		v.CSRF = handlers.MaskCSRF(sess.CSRF) // new for every page: BREACH (handlers/compress.go)
		for _, n := range st.opts.Nav {
			if models.In(u.Role, n.Roles) {
				v.NavItems = append(v.NavItems, n)
			}
		}
	}
	v.Flash = takeFlash(c)
	return v
}

// Render writes a page with the given status. page is the template file name
// ("dashboard.html"); the page defines "title" (optional) and "content".
func (st *Site) Render(c *gin.Context, status int, page string, v *View) {
	lp, ok := st.pages[page]
	if !ok {
		st.S.Log.Error("no such page template", "page", page)
		c.String(http.StatusInternalServerError, "page not found: %s", page)
		return
	}
	t, err := lp.get()
	if err != nil { // parsed once at the start: cannot happen
		st.S.Log.Error("page template", "page", page, "err", err)
		c.String(http.StatusInternalServerError, "%s", both("err.internal"))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		st.S.Log.Error("rendering page", "page", page, "err", err)
		c.String(http.StatusInternalServerError, "%s", both("err.internal"))
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Header("X-Frame-Options", "DENY")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Referrer-Policy", "same-origin")
	// Nothing from any other host: the policy says so to the browser too.
	c.Header("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
	c.Abort()
}

// Error renders an error page for err: application errors with their
// status and message, anything else as internal. As handlers.Fail does, what
// is not an application error is logged, and so is an application error
// with a cause (unavailable: the database cannot take data), with it.
func (st *Site) Error(c *gin.Context, err error) {
	e, ok := models.AsError(err)
	switch {
	case ok && e.Err != nil:
		st.S.Log.Error("page failed", "code", e.Code, "method", c.Request.Method, "path", c.Request.URL.Path, "err", err)
	case !ok:
		st.S.Log.Error("page error", "method", c.Request.Method, "path", c.Request.URL.Path, "err", err)
		e = models.Errorf(models.EInternal, "%s", both("err.internal_later"))
	}
	v := st.View(c, "error.title", e)
	st.Render(c, handlers.Status(e.Code), "error.html", v)
}

// Forbidden renders the 403 page (a signed-in person whose role may not see the page).
func (st *Site) Forbidden(c *gin.Context) {
	v := st.View(c, "error.forbidden", models.Errorf(models.EForbidden, "%s", both("err.forbidden_page")))
	st.Render(c, http.StatusForbidden, "error.html", v)
}

const flashCookie = "bp_flash"

// SetFlash remembers a message for the next page (after a redirect).
func SetFlash(c *gin.Context, kind, msg string) {
	fs := readFlash(c)
	fs = append(fs, Flash{Kind: kind, Msg: msg})
	b, _ := json.Marshal(fs) // strings only: Marshal cannot fail
	http.SetCookie(c.Writer, &http.Cookie{Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString(b), Path: "/", MaxAge: 60,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: handlers.IsHTTPS(c)})
}

// readFlash reads the flash cookie. One that is not what SetFlash wrote
// (the browser's to send: changed, cut, from elsewhere) holds no messages;
// the next SetFlash or takeFlash replaces it.
func readFlash(c *gin.Context) []Flash {
	ck, err := c.Request.Cookie(flashCookie)
	if err != nil || ck.Value == "" {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(ck.Value)
	if err != nil {
		return nil
	}
	var fs []Flash
	if err := json.Unmarshal(b, &fs); err != nil {
		return nil
	}
	return fs
}

// takeFlash reads the flash messages and forgets them.
func takeFlash(c *gin.Context) []Flash {
	if ck, err := c.Request.Cookie(flashCookie); err != nil || ck.Value == "" {
		return nil
	}
	fs := readFlash(c)
	http.SetCookie(c.Writer, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	return fs
}

// Redirect answers 303 See Other to a path on this server, with an optional flash message.
func (st *Site) Redirect(c *gin.Context, to, kind, msg string) {
	if msg != "" {
		SetFlash(c, kind, msg)
	}
	c.Redirect(http.StatusSeeOther, localPath(to, "/"))
	c.Abort()
}

// FieldErrors returns the bad fields of a validation error, or nil.
func FieldErrors(err error) map[string]string {
	if e, ok := models.AsError(err); ok && e.Code == models.EInvalid {
		return e.Fields
	}
	return nil
}

// funcs are the helpers every template may call.
var funcs = template.FuncMap{
	"add": func(a, b int) int { return a + b },
	"seq": func(n int) []int {
		s := make([]int, n)
		for i := range s {
			s[i] = i
		}
		return s
	},
	"date":     func(t time.Time) string { return formatTime(t, "2006-01-02") },
	"datetime": DateTime,
	"dateptr":  datePtr,
	"query":    url.QueryEscape,
	"deref": func(t *time.Time) time.Time {
		if t == nil {
			return time.Time{}
		}
		return *t
	},
	"has":  func(list []string, s string) bool { return models.In(s, list) },
	"join": strings.Join,
	"list": func(s ...string) []string { return s },
	"pct": func(n, total int64) string {
		if total == 0 {
			return "0%"
		}
		return fmt.Sprintf("%.1f%%", float64(n)*100/float64(total))
	},
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return m
	},
}

// DateTime is a time as the pages show it, in China Standard Time ("" for none).
func DateTime(t time.Time) string { return formatTime(t, "2006-01-02 15:04") }

func datePtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return formatTime(*t, "2006-01-02")
}

func formatTime(t time.Time, layout string) string {
	if t.IsZero() {
		return ""
	}
	return t.In(db.CST).Format(layout)
}
