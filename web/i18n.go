package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"budgetpoint/handlers"
)

// Languages of the pages; Chinese is the default.
const (
	LangZH = "zh"
	LangEN = "en"
)

// LangCookie remembers the language a person chose with the switch.
const LangCookie = "bp_lang"

// Messages are words of the pages: key → {中文, English}. Each file keeps its
// own in a package-level map; messages.go lists the maps of the package.
type Messages = map[string][2]string

// mergeMessages builds one catalogue out of several maps; a key given twice
// is an error (each word is written once).
func mergeMessages(maps ...Messages) (Messages, error) {
	out := Messages{}
	for _, m := range maps {
		for k, v := range m {
			if _, dup := out[k]; dup {
				return nil, fmt.Errorf("message %q is defined twice", k)
			}
			out[k] = v
		}
	}
	return out, nil
}

// Translate returns the message of key in lang, formatted with args; an
// unknown key is returned as it is (so that a missing entry shows, not hides).
func Translate(lang, key string, args ...any) string {
	return translate(catalog, lang, key, args...)
}

func translate(cat Messages, lang, key string, args ...any) string {
	v, ok := cat[key]
	s := key
	if ok {
		s = v[0]
		if lang == LangEN && v[1] != "" {
			s = v[1]
		}
	}
	if len(args) > 0 {
		s = fmt.Sprintf(s, args...)
	}
	return s
}

// both is the message of key in both languages, "中文 / English" (args
// formatted in each), for what travels as an error or a field's message and
// is shown later through Bilingual, as the messages of models, db and hub are.
func both(key string, args ...any) string { return bothIn(catalog, key, args...) }

func bothIn(cat Messages, key string, args ...any) string {
	return translate(cat, LangZH, key, args...) + " / " + translate(cat, LangEN, key, args...)
}

// Bilingual picks one half of a "中文 / English" message as the API writes
// them; a message without " / " is returned as it is.
func Bilingual(lang, msg string) string {
	zh, en, ok := strings.Cut(msg, " / ")
	if !ok {
		// Some messages write "…（--hub）/ no hub…": a slash right after Chinese.
		i := strings.Index(msg, "/ ")
		if i <= 0 {
			return msg
		}
		if r, _ := utf8.DecodeLastRuneInString(msg[:i]); r < 0x2E80 && r != '）' {
			return msg
		}
		zh, en = msg[:i], msg[i+2:]
	}
	if lang == LangEN {
		return strings.TrimSpace(en)
	}
	return strings.TrimSpace(zh)
}

// Punct are the punctuation marks that the pages write between words, in
// one language: Chinese full-width marks, or English ones with their spaces.
// Nothing shown on an English page writes a Chinese mark itself.
type Punct struct {
	Colon string // after a label: "：", ": "
	Open  string // before words in brackets: "（", " ("
	Close string // after them: "）", ")"
	Sep   string // between the items of a list: "、", ", "
	Comma string // between clauses: "，", ", "
	Semi  string // between groups that hold commas: "；", "; "
}

var puncts = map[string]Punct{
	LangZH: {Colon: "：", Open: "（", Close: "）", Sep: "、", Comma: "，", Semi: "；"},
	LangEN: {Colon: ": ", Open: " (", Close: ")", Sep: ", ", Comma: ", ", Semi: "; "},
}

// PunctOf is the punctuation of lang (Chinese for anything but English).
func PunctOf(lang string) Punct {
	if lang == LangEN {
		return puncts[LangEN]
	}
	return puncts[LangZH]
}

// Paren is s in brackets: "（s）", " (s)".
func (p Punct) Paren(s any) string { return p.Open + fmt.Sprint(s) + p.Close }

// Join joins items with the list separator.
func (p Punct) Join(items []string) string { return strings.Join(items, p.Sep) }

// LocalTitle is the English title on an English page where one is given,
// the Chinese one otherwise (topics and questionnaires carry both; the
// committee's always do).
func LocalTitle(lang, zh, en string) string {
	if lang == LangEN && strings.TrimSpace(en) != "" {
		return en
	}
	return zh
}

// LangOf is the language of a request: the remembered switch, then
// Accept-Language (the first of zh or en by preference), then Chinese.
func LangOf(c *gin.Context) string {
	if v, err := c.Cookie(LangCookie); err == nil && (v == LangZH || v == LangEN) {
		return v
	}
	return langFromAccept(c.GetHeader("Accept-Language"))
}

func langFromAccept(h string) string {
	best, bestQ := LangZH, -1.0
	for _, part := range strings.Split(h, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		tag = strings.ToLower(strings.TrimSpace(tag))
		q := 1.0
		if p, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(p, 64); err == nil {
				q = f
			}
		}
		var l string
		switch {
		case tag == "zh" || strings.HasPrefix(tag, "zh-"):
			l = LangZH
		case tag == "en" || strings.HasPrefix(tag, "en-"):
			l = LangEN
		default:
			continue
		}
		if q > bestQ {
			best, bestQ = l, q
		}
	}
	return best
}

// switchLang remembers the chosen language for a year and goes back to the page.
func (st *Site) switchLang(c *gin.Context) {
	l := c.Param("lang")
	if l != LangZH && l != LangEN {
		l = LangZH
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: LangCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: handlers.IsHTTPS(c)})
	c.Redirect(http.StatusSeeOther, localPath(c.Query("next"), "/"))
}

// localPath accepts only a path on this server (no scheme, no host, no //).
func localPath(p, def string) string {
	// Browsers drop tabs and newlines from a URL ("/\t/evil" becomes
	// "//evil"), so no control character may appear at all.
	if p == "" || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") ||
		strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return def
	}
	return p
}
