package web

// Accessibility of every page (issue 4: "Every form field has a label; every
// page works with the keyboard alone"). Each role signs in, the test crawls
// the pages reachable from the nav and from links on those pages (same
// origin, breadth first, bounded), adds the pages that need an id and a few
// pages as they come back with errors, and checks each page's HTML:
//
//   - every input/select/textarea a person fills in has an accessible name
//     (<label for>, a wrapping <label>, aria-label, aria-labelledby);
//   - label for=, aria-labelledby and aria-describedby point at ids that exist;
//   - no id twice on a page;
//   - every <img> has alt; every link and button has text or aria-label;
//   - every POST form of a signed-in page carries the csrf field;
//   - no positive tabindex (it breaks the keyboard order);
//   - no src/href/action to another host;
//   - <html lang> and a non-empty <title>.
//
// The same checker is run over known-bad snippets first, so it cannot pass
// by finding nothing.

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"budgetpoint/db"
	"budgetpoint/models"
)

// a11yPage is one checked page.
type a11yPage struct {
	URL    string // path and query
	From   string // the page that linked here ("" for a start page)
	Status int
}

// a11yCrawl visits pages as one client: breadth first from the start pages,
// same origin only, at most max pages and at most perPath query variants of
// one path (filters and paging would otherwise never end).
type a11yCrawl struct {
	t        *testing.T
	base     *url.URL
	c        *http.Client
	signedIn bool
	max      int
	perPath  int

	seen    map[string]bool
	variant map[string]int
	Pages   []a11yPage
	queue   []a11yPage
}

func newA11yCrawl(t *testing.T, base string, c *http.Client, signedIn bool) *a11yCrawl {
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	return &a11yCrawl{t: t, base: u, c: c, signedIn: signedIn, max: 250, perPath: 4, seen: map[string]bool{}, variant: map[string]int{}}
}

// a11yDownload: files, not pages.
var a11yDownload = regexp.MustCompile(`(?i)\.(xlsx|xls|csv|png|jpe?g|gif|svg|pdf|zip|json|ico|txt)$`)

// skip says whether a same-origin path is not a page to GET here: signing
// out, the language switch (it sets a cookie), static files, the API, downloads.
func a11ySkip(p string) bool {
	switch {
	case p == "/logout", strings.HasPrefix(p, "/lang/"), strings.HasPrefix(p, "/static/"), strings.HasPrefix(p, "/api/"),
		p == "/sync/status", p == "/favicon.ico", a11yDownload.MatchString(p):
		return true
	}
	return false
}

// add queues a link found on page from (ref is the link as written).
func (cr *a11yCrawl) add(from, ref string) {
	u, err := url.Parse(strings.TrimSpace(ref))
	if err != nil {
		return
	}
	if from != "" {
		fu, _ := url.Parse(cr.base.String() + from)
		u = fu.ResolveReference(u)
	} else {
		u = cr.base.ResolveReference(u)
	}
	if u.Scheme != cr.base.Scheme || u.Host != cr.base.Host || a11ySkip(u.Path) {
		return
	}
	u.Fragment = ""
	key := u.RequestURI()
	if cr.seen[key] {
		return
	}
	if u.RawQuery != "" {
		if cr.variant[u.Path] >= cr.perPath {
			return
		}
		cr.variant[u.Path]++
	}
	cr.seen[key] = true
	cr.queue = append(cr.queue, a11yPage{URL: key, From: from})
}

// run crawls and checks every page, returning the pages visited.
func (cr *a11yCrawl) run(starts ...string) {
	t := cr.t
	t.Helper()
	for _, s := range starts {
		cr.add("", s)
	}
	for len(cr.queue) > 0 && len(cr.Pages) < cr.max {
		p := cr.queue[0]
		cr.queue = cr.queue[1:]
		res, err := cr.c.Get(cr.base.String() + p.URL)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatalf("%s: %v", p.URL, err)
		}
		p.Status = res.StatusCode
		cr.Pages = append(cr.Pages, p)
		switch {
		case res.StatusCode == http.StatusSeeOther || res.StatusCode == http.StatusFound || res.StatusCode == http.StatusMovedPermanently:
			if loc := res.Header.Get("Location"); loc != "" {
				cr.add(p.URL, loc)
			}
			continue
		case res.StatusCode >= 400:
			t.Errorf("%s: status %d (linked from %q)", p.URL, res.StatusCode, p.From)
		}
		if mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); mt != "text/html" {
			continue
		}
		doc := a11yCheckPage(t, p.URL, string(b), cr.base.Host, cr.signedIn)
		if doc == nil {
			continue
		}
		for n := range doc.Descendants() {
			if n.Type != html.ElementNode {
				continue
			}
			switch n.DataAtom {
			case atom.A, atom.Area:
				if h, ok := attr(n, "href"); ok && !hasAttr(n, "download") && !hasAttr(n, "data-download") {
					cr.add(p.URL, h)
				}
			case atom.Form:
				// A GET form (filters, "type the code") goes where its action says.
				if m, _ := attr(n, "method"); !strings.EqualFold(m, "post") {
					if act, ok := attr(n, "action"); ok {
						cr.add(p.URL, act)
					}
				}
			}
		}
	}
	if len(cr.queue) > 0 {
		t.Logf("crawl stopped at %d pages with %d more queued", len(cr.Pages), len(cr.queue))
	}
}

// ok counts the pages that answered 200.
func (cr *a11yCrawl) ok() int {
	n := 0
	for _, p := range cr.Pages {
		if p.Status == http.StatusOK {
			n++
		}
	}
	return n
}

// mustHave fails unless every path was visited and answered 200.
func (cr *a11yCrawl) mustHave(paths ...string) {
	cr.t.Helper()
	got := map[string]int{}
	for _, p := range cr.Pages {
		got[p.URL] = p.Status
	}
	for _, p := range paths {
		if got[p] != http.StatusOK {
			cr.t.Errorf("page %s was not visited (status %d)", p, got[p])
		}
	}
}

func (cr *a11yCrawl) summary(role string) {
	cr.t.Helper()
	var ps []string
	for _, p := range cr.Pages {
		ps = append(ps, strconv.Itoa(p.Status)+" "+p.URL)
	}
	sort.Strings(ps)
	cr.t.Logf("%s: %d pages (%d answered 200)\n  %s", role, len(cr.Pages), cr.ok(), strings.Join(ps, "\n  "))
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func hasAttr(n *html.Node, key string) bool { _, ok := attr(n, key); return ok }

// describe names an element for a message: its tag and identifying attributes.
func describe(n *html.Node) string {
	var sb strings.Builder
	sb.WriteString("<" + n.Data)
	for _, k := range []string{"id", "name", "type", "class", "href", "src", "action", "for"} {
		if v, ok := attr(n, k); ok {
			if len(v) > 60 {
				v = v[:60] + "…"
			}
			fmt.Fprintf(&sb, " %s=%q", k, v)
		}
	}
	sb.WriteString(">")
	if txt := strings.Join(strings.Fields(textOf(n)), " "); txt != "" && n.DataAtom != atom.Form && n.DataAtom != atom.Select {
		if r := []rune(txt); len(r) > 30 {
			txt = string(r[:30]) + "…"
		}
		sb.WriteString(" " + strconv.Quote(txt))
	}
	return sb.String()
}

// textOf is the text an element gives assistive technology: its text, the
// alt of its images, the aria-label of its children (hidden children aside).
func textOf(n *html.Node) string {
	var sb strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			sb.WriteString(n.Data)
		case html.ElementNode:
			if v, _ := attr(n, "aria-hidden"); v == "true" {
				return
			}
			if n.DataAtom == atom.Script || n.DataAtom == atom.Style || n.DataAtom == atom.Template {
				return
			}
			if v, ok := attr(n, "aria-label"); ok && strings.TrimSpace(v) != "" {
				sb.WriteString(" " + v + " ")
				return
			}
			if n.DataAtom == atom.Img {
				v, _ := attr(n, "alt")
				sb.WriteString(" " + v + " ")
			}
			if n.DataAtom == atom.Input {
				v, _ := attr(n, "value")
				sb.WriteString(" " + v + " ")
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c)
	}
	return strings.TrimSpace(sb.String())
}

// a11yIssues returns the problems of one HTML document (host is the
// server's own host; signedIn: POST forms need the csrf field).
func a11yIssues(doc *html.Node, host string, signedIn bool) []string {
	var out []string
	bad := func(n *html.Node, format string, args ...any) {
		out = append(out, describe(n)+": "+fmt.Sprintf(format, args...))
	}
	ids := map[string]*html.Node{}
	labelFor := map[string][]*html.Node{}
	inTemplate := func(n *html.Node) bool {
		for p := n.Parent; p != nil; p = p.Parent {
			if p.Type == html.ElementNode && p.DataAtom == atom.Template {
				return true
			}
		}
		return false
	}
	var title, lang string
	var haveHTML bool
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		if id, ok := attr(n, "id"); ok && !inTemplate(n) {
			if strings.TrimSpace(id) == "" {
				bad(n, "empty id")
			} else if first, dup := ids[id]; dup {
				bad(n, "duplicate id %q (first on %s)", id, describe(first))
			} else {
				ids[id] = n
			}
		}
		if n.DataAtom == atom.Label {
			if f, ok := attr(n, "for"); ok {
				labelFor[f] = append(labelFor[f], n)
			}
		}
		switch n.DataAtom {
		case atom.Html:
			haveHTML = true
			lang, _ = attr(n, "lang")
		case atom.Title:
			title = textOf(n)
		}
	}
	if haveHTML && strings.TrimSpace(lang) == "" {
		out = append(out, "<html> has no lang")
	}
	// The layout's title is "{{.Title}} · {{.PointName}}": the page's own part must not be empty.
	if title = strings.TrimSpace(title); haveHTML && (title == "" || strings.HasPrefix(title, "·")) {
		out = append(out, "<title> is empty")
	}
	// idsExist checks an id-list attribute (aria-labelledby, aria-describedby)
	// and returns the text of the elements it names.
	idsExist := func(n *html.Node, key string) (string, bool) {
		v, ok := attr(n, key)
		if !ok {
			return "", false
		}
		var texts []string
		if len(strings.Fields(v)) == 0 {
			bad(n, "empty %s", key)
		}
		for _, id := range strings.Fields(v) {
			t, found := ids[id]
			if !found {
				bad(n, "%s names id %q, which is not on the page", key, id)
				continue
			}
			texts = append(texts, textOf(t))
		}
		return strings.TrimSpace(strings.Join(texts, " ")), true
	}
	// nameOf is the accessible name of a control: aria-labelledby,
	// aria-label, <label for>, a wrapping <label>.
	nameOf := func(n *html.Node) string {
		if t, ok := idsExist(n, "aria-labelledby"); ok && t != "" {
			return t
		}
		if v, _ := attr(n, "aria-label"); strings.TrimSpace(v) != "" {
			return v
		}
		if id, ok := attr(n, "id"); ok {
			for _, l := range labelFor[id] {
				if t := textOf(l); t != "" {
					return t
				}
			}
		}
		for p := n.Parent; p != nil; p = p.Parent {
			if p.Type == html.ElementNode && p.DataAtom == atom.Label {
				if _, ok := attr(p, "for"); !ok || attr1(p, "for") == attr1(n, "id") {
					return textOf(p)
				}
			}
		}
		return ""
	}
	other := func(ref string) bool {
		ref = strings.TrimSpace(ref)
		if ref == "" || strings.HasPrefix(ref, "#") {
			return false
		}
		u, err := url.Parse(ref)
		if err != nil {
			return true
		}
		switch strings.ToLower(u.Scheme) {
		case "":
			return u.Host != "" && u.Host != host
		case "data", "mailto", "tel":
			return false
		case "http", "https":
			return u.Host != host
		}
		return true // javascript:, file:, …
	}
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		if _, ok := attr(n, "aria-describedby"); ok {
			idsExist(n, "aria-describedby")
		}
		if v, ok := attr(n, "tabindex"); ok {
			if i, err := strconv.Atoi(strings.TrimSpace(v)); err != nil || i > 0 {
				bad(n, "tabindex=%q (a positive tabindex breaks the keyboard order)", v)
			}
		}
		for _, k := range []string{"src", "href", "action", "formaction", "poster", "data"} {
			if v, ok := attr(n, k); ok && other(v) {
				bad(n, "%s refers to another host", k)
			}
		}
		if v, ok := attr(n, "srcset"); ok && other(strings.Fields(v + " x")[0]) {
			bad(n, "srcset refers to another host")
		}
		switch n.DataAtom {
		case atom.Input, atom.Select, atom.Textarea:
			typ, _ := attr(n, "type")
			typ = strings.ToLower(typ)
			if n.DataAtom == atom.Input {
				switch typ {
				case "hidden", "submit", "reset", "button":
					continue
				case "image":
					if alt, _ := attr(n, "alt"); strings.TrimSpace(alt) == "" {
						bad(n, "image button without alt")
					}
					continue
				}
			}
			if nameOf(n) == "" {
				bad(n, "form field without a label (no <label for>, wrapping <label>, aria-label or aria-labelledby)")
			}
		case atom.Label:
			if f, ok := attr(n, "for"); ok {
				if target, found := ids[f]; !found {
					bad(n, "label for=%q names no element", f)
				} else if !labelable(target) {
					bad(n, "label for=%q names %s, which cannot be labelled", f, describe(target))
				}
			}
			if textOf(n) == "" {
				bad(n, "empty label")
			}
		case atom.Img:
			if _, ok := attr(n, "alt"); !ok {
				bad(n, "image without alt")
			}
		case atom.Button:
			if nameOf(n) == "" && textOf(n) == "" {
				bad(n, "button without text or aria-label")
			}
		case atom.A:
			if _, ok := attr(n, "href"); ok && nameOf(n) == "" && textOf(n) == "" {
				bad(n, "link without text or aria-label")
			}
		case atom.Form:
			if m, _ := attr(n, "method"); signedIn && strings.EqualFold(m, "post") && !a11yPublicAction(attr1(n, "action")) && !hasCSRF(n) {
				bad(n, "POST form without the csrf hidden field")
			}
		}
	}
	// An error message beside a field is read with the field: some element
	// names it in aria-describedby, and a field marked invalid says why.
	described := map[string]bool{}
	for n := range doc.Descendants() {
		if n.Type == html.ElementNode {
			for _, id := range strings.Fields(attr1(n, "aria-describedby")) {
				described[id] = true
			}
		}
	}
	radios := map[string][]*html.Node{}
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		if id := attr1(n, "id"); id != "" && hasClass(n, "field-error") && !described[id] {
			bad(n, "error message that no field names in aria-describedby")
		}
		if attr1(n, "aria-invalid") == "true" && attr1(n, "aria-describedby") == "" {
			bad(n, "aria-invalid without aria-describedby naming the message")
		}
		if n.DataAtom == atom.Input && strings.EqualFold(attr1(n, "type"), "radio") {
			radios[attr1(n, "name")] = append(radios[attr1(n, "name")], n)
		}
	}
	// Radio buttons of one question are a group with a name (fieldset and
	// legend): "满意" alone does not say what is satisfying.
	for name, rs := range radios {
		if len(rs) < 2 {
			continue
		}
		if !inNamedGroup(rs[0]) {
			bad(rs[0], "radio group %q without a <fieldset> and <legend> (or a named role=radiogroup)", name)
		}
	}
	return out
}

func hasClass(n *html.Node, c string) bool {
	for _, f := range strings.Fields(attr1(n, "class")) {
		if f == c {
			return true
		}
	}
	return false
}

// inNamedGroup: n is inside a fieldset with a legend, or a role=group/radiogroup with a name.
func inNamedGroup(n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type != html.ElementNode {
			continue
		}
		if p.DataAtom == atom.Fieldset {
			for c := p.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == html.ElementNode && c.DataAtom == atom.Legend && textOf(c) != "" {
					return true
				}
			}
		}
		if r := attr1(p, "role"); (r == "radiogroup" || r == "group") && (attr1(p, "aria-label") != "" || attr1(p, "aria-labelledby") != "") {
			return true
		}
	}
	return false
}

// a11yPublicAction: the answers of the public link and of an evaluation
// code are sent without a session, so without the csrf field.
func a11yPublicAction(action string) bool {
	return strings.HasPrefix(action, "/p/") || strings.HasPrefix(action, "/e/")
}

func attr1(n *html.Node, k string) string { v, _ := attr(n, k); return v }

func labelable(n *html.Node) bool {
	switch n.DataAtom {
	case atom.Input:
		return !strings.EqualFold(attr1(n, "type"), "hidden")
	case atom.Select, atom.Textarea, atom.Button, atom.Meter, atom.Output, atom.Progress:
		return true
	}
	return false
}

func hasCSRF(form *html.Node) bool {
	for n := range form.Descendants() {
		if n.Type == html.ElementNode && n.DataAtom == atom.Input && attr1(n, "name") == "csrf" &&
			strings.EqualFold(attr1(n, "type"), "hidden") && attr1(n, "value") != "" {
			return true
		}
	}
	return false
}

// a11yCheckPage parses and checks one page, reporting each problem with the page's address.
func a11yCheckPage(t *testing.T, page, body, host string, signedIn bool) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Errorf("%s: %v", page, err)
		return nil
	}
	for _, p := range a11yIssues(doc, host, signedIn) {
		t.Errorf("%s: %s", page, p)
	}
	return doc
}

// TestA11yCheckerCatches runs the checker over known-bad snippets: each must
// be caught, and a good page must pass.
func TestA11yCheckerCatches(t *testing.T) {
	const host = "127.0.0.1:1"
	page := func(body string) string {
		return `<!doctype html><html lang="zh-CN"><head><title>页面</title></head><body>` + body + `</body></html>`
	}
	good := page(`<a class="skip" href="#main">跳到正文</a><main id="main" tabindex="-1">
<form method="post" action="/topics/new"><input type="hidden" name="csrf" value="x">
<label for="title">标题</label><input id="title" name="title">
<label>年度 <select name="y"><option>2027</option></select></label>
<textarea name="m" aria-label="纪要"></textarea><span id="l1">金额</span><input name="a" aria-labelledby="l1" aria-describedby="l1">
<input type="submit" value="保存"><button type="submit"><img src="/static/x.png" alt="保存"></button></form>
<img src="data:image/png;base64,AA==" alt=""><a href="/topics?x=1" aria-label="事项"></a></main>`)
	doc, _ := html.Parse(strings.NewReader(good))
	if got := a11yIssues(doc, host, true); len(got) != 0 {
		t.Errorf("a good page has problems: %q", got)
	}
	for want, body := range map[string]string{
		"form field without a label":  `<input id="x" name="x">`,
		"label for=\"y\" names no":    `<label for="y">名称</label><input id="x" name="x" aria-label="x">`,
		"duplicate id":                `<p id="a">1</p><p id="a">2</p>`,
		"image without alt":           `<img src="/static/x.png">`,
		"button without text":         `<button type="submit"> </button>`,
		"link without text":           `<a href="/topics"><img src="/x.png" alt=""></a>`,
		"POST form without the csrf":  `<form method="post" action="/x"><button>保存</button></form>`,
		"positive tabindex":           `<a href="/x" tabindex="2">x</a>`,
		"src refers to another host":  `<script src="https://cdn.example.com/x.js"></script>`,
		"href refers to another host": `<a href="//evil.example/">x</a>`,
		"aria-labelledby names id":    `<input name="x" aria-labelledby="nope">`,
		"aria-describedby names id":   `<input name="x" aria-label="x" aria-describedby="err-x">`,
		"select":                      `<select name="s"><option>1</option></select>`,
		"textarea":                    `<label for="other">备注</label><textarea id="t" name="t"></textarea><input id="other" aria-label="o">`,
		"error message that no field": `<label for="x">名称</label><input id="x" name="x"><p class="field-error" id="err-x">必填</p>`,
		"aria-invalid without":        `<label for="x">名称</label><input id="x" name="x" aria-invalid="true">`,
		"radio group \"r\" without":   `<label><input type="radio" name="r" value="1"> 满意</label><label><input type="radio" name="r" value="2"> 不满意</label>`,
	} {
		doc, _ := html.Parse(strings.NewReader(page(body)))
		got := strings.Join(a11yIssues(doc, host, true), "\n")
		if !strings.Contains(got, want) {
			t.Errorf("checker misses %q in %s; it says:\n%s", want, body, got)
		}
	}
	doc, _ = html.Parse(strings.NewReader(`<html><head><title> · 联系点</title></head><body></body></html>`))
	if got := strings.Join(a11yIssues(doc, host, false), "\n"); !strings.Contains(got, "no lang") || !strings.Contains(got, "<title> is empty") {
		t.Errorf("checker misses a missing lang or title: %s", got)
	}
}

// a11yPost checks the page a POST answers (a form sent back with its errors;
// nothing is stored), which must have the wanted status.
func a11yPost(t *testing.T, ts *testSite, c *http.Client, p string, form url.Values, want int, signedIn bool) string {
	t.Helper()
	_, body := ts.post(t, c, p, form, want)
	u, _ := url.Parse(ts.URL)
	a11yCheckPage(t, "POST "+p, body, u.Host, signedIn)
	return body
}

// a11yEnglish makes the client ask for English pages (the remembered
// language switch, set in the jar without the GET /lang/en that sets it).
func a11yEnglish(t *testing.T, base string, c *http.Client) {
	u, _ := url.Parse(base)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: LangCookie, Value: "en", Path: "/"}})
}

func TestA11yPointPages(t *testing.T) {
	ts := newTestSite(t)
	ctx := context.Background()
	staff := ts.login(t, "staff")
	tok := ts.csrf(t, staff)

	// Content the id pages need: a public link, a double-entry batch with a
	// mismatch to resolve, and evaluation codes.
	public := openPublic(t, ts, staff, draftQ)
	b := db.PaperBatch{Name: "无障碍检查批次", QuestionnaireID: paperQID, Expected: 3, DoubleEntry: true}
	if err := ts.DB.CreatePaperBatch(ctx, &b); err != nil {
		t.Fatal(err)
	}
	for pass, overall := range map[string]string{"1": "3", "2": "2"} {
		ts.post(t, staff, "/paper/"+b.ID+"/entry", url.Values{"csrf": {tok}, "pass": {pass}, "serial": {"1"}, "a.overall": {overall}, "a.priorities": {"15"}, "a.transparency": {"2"}}, http.StatusSeeOther)
	}
	_, slips := ts.post(t, staff, "/codes", url.Values{"csrf": {tok}, "set_id": {uuid.NewString()}, "questionnaire_id": {paperQID}, "name": {"无障碍测评"},
		"count": {"2"}, "respondent_kind": {"deputy"}, "mode": {"slips"}}, http.StatusOK)
	codes := regexp.MustCompile(`class="eval-code">([^<]+)<`).FindAllStringSubmatch(slips, -1)
	if len(codes) != 2 {
		t.Fatalf("issued %d codes, want 2", len(codes))
	}
	u, _ := url.Parse(ts.URL)
	a11yCheckPage(t, "POST /codes (slips)", slips, u.Host, true)

	// A single-entry batch with one form entered: the page of a counted form.
	b1 := db.PaperBatch{Name: "无障碍检查单人录入", QuestionnaireID: paperQID, Expected: 2}
	if err := ts.DB.CreatePaperBatch(ctx, &b1); err != nil {
		t.Fatal(err)
	}
	ts.post(t, staff, "/paper/"+b1.ID+"/entry", url.Values{"csrf": {tok}, "pass": {"1"}, "serial": {"5"}, "a.overall": {"1"}, "a.priorities": {"2"}, "a.transparency": {"4"}}, http.StatusSeeOther)

	var actID string
	if p, err := ts.DB.Activities(ctx, "", "", 1, ""); err != nil || len(p.Items) == 0 {
		t.Fatalf("no demo activity: %v", err)
	} else {
		actID = p.Items[0].ID
	}
	idPages := []string{
		"/topics/" + draftT + "/edit", "/topics/" + draftT + "/summary", "/topics/" + draftT + "/report",
		"/questionnaires/" + draftQ + "/edit", "/questionnaires/" + draftQ + "/preview", "/questionnaires/" + draftQ + "/share",
		"/activities/new", "/activities/" + actID,
		"/paper/" + b.ID, "/paper/" + b.ID + "/entry?pass=1", "/paper/" + b.ID + "/entry?pass=2", "/paper/" + b.ID + "/form?serial=1", "/paper/" + b.ID + "/history",
		"/paper/" + b1.ID, "/paper/" + b1.ID + "/form?serial=5",
		"/codes", "/reports",
		// Filters and pre-chosen values, as other pages link to them.
		"/opinions?status=recorded&source=forum", "/opinions?topic=" + draftT, "/activities?topic=" + draftT,
		"/activities/new?topic=" + draftT, "/questionnaires/new?topic=" + draftT, "/paper?q=" + paperQID, "/codes?q=" + draftQ,
	}
	navPages := []string{"/", "/topics", "/questionnaires", "/paper", "/activities", "/opinions", "/deputies", "/reports"}

	// The crawl only GETs: nothing may change (the outbox grows with every stored change).
	outbox, err := ts.DB.OutboxLength(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if n, err := ts.DB.OutboxLength(ctx); err != nil || n != outbox {
			t.Errorf("the outbox went from %d to %d (%v) during the crawl: a GET changed something", outbox, n, err)
		}
	}()
	for _, lang := range []string{"zh", "en"} {
		for _, tc := range []struct {
			role string
			min  int
		}{{"staff", 40}, {"admin", 40}} {
			t.Run(tc.role+"/"+lang, func(t *testing.T) {
				c := ts.login(t, tc.role)
				if lang == "en" {
					a11yEnglish(t, ts.URL, c)
				}
				cr := newA11yCrawl(t, ts.URL, c, true)
				cr.run(append(append([]string{}, navPages...), idPages...)...)
				cr.summary(tc.role + "/" + lang)
				cr.mustHave(navPages...)
				cr.mustHave(idPages...)
				if n := cr.ok(); n < tc.min {
					t.Errorf("%s visited %d pages, want at least %d", tc.role, n, tc.min)
				}
			})
		}
		t.Run("deputy/"+lang, func(t *testing.T) {
			c := ts.login(t, "deputy")
			if lang == "en" {
				a11yEnglish(t, ts.URL, c)
			}
			cr := newA11yCrawl(t, ts.URL, c, true)
			cr.run("/", "/my", "/my/opinions")
			cr.summary("deputy/" + lang)
			cr.mustHave("/my", "/my/opinions", "/fill/q-2026-state-assets")
			if n := cr.ok(); n < 4 {
				t.Errorf("deputy visited %d pages, want at least 4", n)
			}
		})
		t.Run("public/"+lang, func(t *testing.T) {
			c := ts.client(t)
			if lang == "en" {
				a11yEnglish(t, ts.URL, c)
			}
			cr := newA11yCrawl(t, ts.URL, c, false)
			starts := []string{"/login", public, "/done", "/e", "/e/" + codes[0][1], "/e/" + codes[1][1]}
			cr.run(starts...)
			cr.summary("public/" + lang)
			cr.mustHave(starts...)
			if n := cr.ok(); n < len(starts) {
				t.Errorf("public visited %d pages, want at least %d", n, len(starts))
			}
		})
	}

	// Pages as they come back with errors (nothing is stored): the
	// messages beside the fields must be named by the fields.
	t.Run("errors", func(t *testing.T) {
		a11yPost(t, ts, staff, "/topics/new", url.Values{"csrf": {tok}, "kind": {"other"}, "fiscal_year": {"1800"}, "title": {""}}, http.StatusUnprocessableEntity, true)
		a11yPost(t, ts, staff, "/questionnaires/new", url.Values{"csrf": {tok}, "id": {"q-a11y"}, "topic_id": {draftT}, "title": {""}, "n": {"1"}, "op": {"save"},
			"q0_key": {"q1"}, "q0_type": {"single_choice"}, "q0_label": {""}, "q0_options": {"了解"}}, http.StatusUnprocessableEntity, true)
		a11yPost(t, ts, staff, "/activities/new", url.Values{"csrf": {tok}, "id": {uuid.NewString()}, "kind": {"forum"}, "topic_id": {draftT}, "title": {""}, "held_on": {""},
			"rows": {"1"}, "op": {"save"}, "o0_content": {"建议"}, "o0_kind": {"deputy"}, "o0_deputy": {""}}, http.StatusUnprocessableEntity, true)
		a11yPost(t, ts, staff, "/questionnaires/new", url.Values{"csrf": {tok}, "id": {"q-a11y"}, "topic_id": {draftT}, "title": {"数字"}, "n": {"3"}, "op": {"save"},
			"q0_key": {"q1"}, "q0_type": {"number"}, "q0_label": {"金额"}, "q0_min": {"x"}, "q0_max": {"y"},
			"q1_key": {"q2"}, "q1_type": {"text"}, "q1_label": {"建议"}, "q1_maxlen": {"x"},
			"q2_key": {"q3"}, "q2_type": {"multiple_choice"}, "q2_label": {"领域"}, "q2_options": {"教育\n医疗"}, "q2_maxc": {"x"}}, http.StatusUnprocessableEntity, true)
		a11yPost(t, ts, staff, "/activities/new", url.Values{"csrf": {tok}, "id": {uuid.NewString()}, "kind": {"nonsense"}, "topic_id": {draftT}, "title": {"座谈会"}, "held_on": {"2026-11-18"},
			"p_deputies": {"x"}, "p_public": {"-1"}, "p_other": {"y"}, "rows": {"1"}, "op": {"save"}, "o0_content": {strings.Repeat("长", 20001)}, "o0_kind": {"public"}}, http.StatusUnprocessableEntity, true)
		a11yPost(t, ts, staff, "/paper", url.Values{"csrf": {tok}, "name": {""}, "questionnaire_id": {paperQID}, "expected": {"x"}, "respondent_kind": {"public"}}, http.StatusUnprocessableEntity, true)
		a11yPost(t, ts, staff, "/paper/"+b.ID+"/entry", url.Values{"csrf": {tok}, "pass": {"1"}, "serial": {""}, "a.overall": {"7"}, "a.priorities": {"19"}}, http.StatusUnprocessableEntity, true)
		a11yPost(t, ts, staff, "/paper/"+b.ID+"/form?serial=1", url.Values{"csrf": {tok}}, http.StatusUnprocessableEntity, true)
		a11yPost(t, ts, staff, "/codes", url.Values{"csrf": {tok}, "set_id": {uuid.NewString()}, "questionnaire_id": {paperQID}, "name": {""}, "count": {"x"},
			"respondent_kind": {"deputy"}, "mode": {"deputies"}}, http.StatusUnprocessableEntity, true)
		a11yPost(t, ts, staff, "/deputies", url.Values{"csrf": {tok}, "name": {""}, "phone": {strings.Repeat("1", 40)}, "id_number": {"x"}}, http.StatusUnprocessableEntity, true)
		a11yPost(t, ts, staff, "/topics/new", url.Values{"csrf": {tok}, "kind": {"other"}, "fiscal_year": {"2027"}, "title": {"日期"}, "opens_at": {"2027-02-01"}, "closes_at": {"2027-01-01"}}, http.StatusUnprocessableEntity, true)
		a11yPost(t, ts, staff, "/topics/new", url.Values{"csrf": {tok}, "kind": {"other"}, "fiscal_year": {"2027"}, "title": {"日期"}, "opens_at": {"x"}}, http.StatusUnprocessableEntity, true)
		a11yPost(t, ts, staff, "/paper", url.Values{"csrf": {tok}, "name": {"批次"}, "questionnaire_id": {"q-nope"}, "expected": {"3"}, "respondent_kind": {"nope"}}, http.StatusUnprocessableEntity, true)
		a11yPost(t, ts, staff, "/codes", url.Values{"csrf": {tok}, "set_id": {uuid.NewString()}, "questionnaire_id": {"q-nope"}, "name": {"测评"}, "count": {"2"},
			"respondent_kind": {"nope"}, "mode": {"slips"}}, http.StatusUnprocessableEntity, true)
		anon := ts.client(t)
		body := ts.get(t, anon, public, http.StatusOK)
		rid := regexp.MustCompile(`name="rid" value="([^"]+)"`).FindStringSubmatch(body)[1]
		a11yPost(t, ts, anon, public, url.Values{"rid": {rid}, "v": {"1"}, "a.transparency": {"9"}}, http.StatusUnprocessableEntity, false)
		a11yPost(t, ts, anon, "/e/"+codes[0][1], url.Values{"rid": {uuid.NewString()}, "v": {"1"}}, http.StatusUnprocessableEntity, false)
		dep := ts.login(t, "deputy")
		fill := ts.get(t, dep, "/fill/q-2026-state-assets", http.StatusOK)
		a11yPost(t, ts, dep, "/fill/q-2026-state-assets", url.Values{"csrf": {csrfRe.FindStringSubmatch(fill)[1]}, "rid": {uuid.NewString()}}, http.StatusUnprocessableEntity, true)
		a11yCheckPage(t, "/e?code=bad", ts.get(t, anon, "/e?code=bad", http.StatusUnprocessableEntity), u.Host, false)
		a11yCheckPage(t, "/e/AAAAAAAAAA", ts.get(t, anon, "/e/AAAAAAAAAA", http.StatusNotFound), u.Host, false)
		a11yCheckPage(t, "/topics/no-such-topic/edit", ts.get(t, staff, "/topics/no-such-topic/edit", http.StatusNotFound), u.Host, true)
		a11yCheckPage(t, "/deputies (deputy: 403)", ts.get(t, ts.login(t, "deputy"), "/deputies", http.StatusForbidden), u.Host, true)
		lc := ts.client(t)
		m := csrfRe.FindStringSubmatch(ts.get(t, lc, "/login", http.StatusOK))
		a11yPost(t, ts, lc, "/login", url.Values{"csrf": {m[1]}, "name": {"staff"}, "password": {"wrong-password"}}, http.StatusUnauthorized, false)
	})
}

func TestA11yHubPages(t *testing.T) {
	hs := newHubSite(t)
	op := hubOpinion(1, "建议加大乡村道路投入")
	hs.ingest(t, "hongta", 1, 6, op, hubOpinion(2, "建议公开三公经费"))
	hs.ingest(t, "tonghai", 1, 3, hubOpinion(3, "建议压减一般性支出"))
	hs.pushActivities(t, "hongta", []models.Activity{hubActivity("forum", "2027年预算草案座谈会", "2026-11-18", "研和街道", models.Participants{Deputies: 7, Public: 15})})
	c := hs.login(t, "committee")
	tok := hs.hubCSRF(t, c)
	// A published topic and questionnaire, for the builder's edit and preview.
	hs.post(t, c, "/hub/publish/topic", url.Values{"csrf": {tok}, "id": {"t-2028-assets"}, "kind": {"state_assets"}, "fiscal_year": {"2028"},
		"title": {"2028年国有资产管理情况"}, "to": {"all"}}, http.StatusSeeOther)
	hs.post(t, c, "/questionnaires/new?topic=t-2028-assets&to=all", url.Values{"csrf": {tok}, "id": {"q-2028-assets"}, "topic_id": {"t-2028-assets"},
		"title": {"国有资产管理问卷"}, "n": {"1"}, "op": {"save"}, "q0_key": {"q1"}, "q0_type": {"single_choice"}, "q0_label": {"您对国有资产管理情况的评价"},
		"q0_required": {"1"}, "q0_options": {"满意\n基本满意\n不满意"}}, http.StatusSeeOther)
	// One opinion answered, so the workbench shows every kind of row.
	hs.post(t, c, "/hub/opinions/"+op.ID, url.Values{"csrf": {tok}, "op": {"forward"}}, http.StatusSeeOther)
	hs.post(t, c, "/hub/opinions/"+op.ID, url.Values{"csrf": {tok}, "op": {"answer"}, "answer": {"已纳入2027年预算安排"}}, http.StatusSeeOther)

	idPages := []string{"/hub/topics/" + hubTopic, "/hub/opinions", "/hub/publish", "/hub/export", "/questionnaires/new",
		"/questionnaires/q-2028-assets/edit", "/questionnaires/q-2028-assets/preview"}
	for _, lang := range []string{"zh", "en"} {
		for _, role := range []string{"committee", "admin"} {
			t.Run(role+"/"+lang, func(t *testing.T) {
				c := hs.login(t, role)
				if lang == "en" {
					a11yEnglish(t, hs.URL, c)
				}
				cr := newA11yCrawl(t, hs.URL, c, true)
				cr.run(append([]string{"/", "/hub/topics"}, idPages...)...)
				cr.summary(role + "/" + lang)
				cr.mustHave(idPages...)
				if n := cr.ok(); n < 12 {
					t.Errorf("%s visited %d pages, want at least 12", role, n)
				}
			})
		}
	}
	t.Run("errors", func(t *testing.T) {
		a11yPost(t, hs.testSite, c, "/hub/publish/topic", url.Values{"csrf": {tok}, "kind": {"other"}, "fiscal_year": {"2027"}, "title": {""}, "to": {"some"}}, http.StatusUnprocessableEntity, true)
		a11yPost(t, hs.testSite, c, "/hub/opinions/"+op.ID, url.Values{"csrf": {tok}, "op": {"answer"}, "answer": {" "}}, http.StatusUnprocessableEntity, true)
		a11yPost(t, hs.testSite, c, "/hub/opinions/"+op.ID, url.Values{"csrf": {tok}, "op": {"close"}}, http.StatusUnprocessableEntity, true)
		a11yPost(t, hs.testSite, c, "/questionnaires/new", url.Values{"csrf": {tok}, "id": {"q-bad"}, "topic_id": {"t-2028-assets"}, "title": {""}, "n": {"1"}, "op": {"save"},
			"q0_key": {"q1"}, "q0_type": {"single_choice"}, "q0_label": {""}, "q0_options": {""}}, http.StatusUnprocessableEntity, true)
	})
}
