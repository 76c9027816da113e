// Package webtest holds what the tests of the page packages (web and
// web/committee) share: HTTP clients of a server under test, the
// accessibility checker and crawler, and Chromium through chromedp.
package webtest

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

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Page is one checked page.
type Page struct {
	URL    string // path and query
	From   string // the page that linked here ("" for a start page)
	Status int
}

// Crawl visits pages as one client: breadth first from the start pages,
// same origin only, at most max pages and at most perPath query variants of
// one path (filters and paging would otherwise never end).
type Crawl struct {
	t        *testing.T
	base     *url.URL
	c        *http.Client
	signedIn bool
	max      int
	perPath  int

	seen    map[string]bool
	variant map[string]int
	Pages   []Page
	queue   []Page

	// Check, when set, is also run on every HTML page visited, after the
	// accessibility checks (a test's own look at what each page shows).
	Check func(page string, doc *html.Node)
}

func NewCrawl(t *testing.T, base string, c *http.Client, signedIn bool) *Crawl {
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	return &Crawl{t: t, base: u, c: c, signedIn: signedIn, max: 250, perPath: 4, seen: map[string]bool{}, variant: map[string]int{}}
}

// downloadRe: files, not pages.
var downloadRe = regexp.MustCompile(`(?i)\.(xlsx|xls|csv|png|jpe?g|gif|svg|pdf|zip|json|ico|txt)$`)

// skipPath says whether a same-origin path is not a page to GET here: signing
// out, the language switch (it sets a cookie), static files, the API, downloads.
func skipPath(p string) bool {
	switch {
	case p == "/logout", strings.HasPrefix(p, "/lang/"), strings.HasPrefix(p, "/static/"), strings.HasPrefix(p, "/api/"),
		p == "/sync/status", p == "/favicon.ico", downloadRe.MatchString(p):
		return true
	}
	return false
}

// add queues a link found on page from (ref is the link as written).
func (cr *Crawl) add(from, ref string) {
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
	if u.Scheme != cr.base.Scheme || u.Host != cr.base.Host || skipPath(u.Path) {
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
	cr.queue = append(cr.queue, Page{URL: key, From: from})
}

// Run crawls and checks every page, returning the pages visited.
func (cr *Crawl) Run(starts ...string) {
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
		CloseBody(t, res)
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
		doc := CheckPage(t, p.URL, string(b), cr.base.Host, cr.signedIn)
		if doc == nil {
			continue
		}
		if cr.Check != nil {
			cr.Check(p.URL, doc)
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

// OK counts the pages that answered 200.
func (cr *Crawl) OK() int {
	n := 0
	for _, p := range cr.Pages {
		if p.Status == http.StatusOK {
			n++
		}
	}
	return n
}

// MustHave fails unless every path was visited and answered 200.
func (cr *Crawl) MustHave(paths ...string) {
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

// Summary logs the pages visited, with their status.
func (cr *Crawl) Summary(role string) {
	cr.t.Helper()
	var ps []string
	for _, p := range cr.Pages {
		ps = append(ps, strconv.Itoa(p.Status)+" "+p.URL)
	}
	sort.Strings(ps)
	cr.t.Logf("%s: %d pages (%d answered 200)\n  %s", role, len(cr.Pages), cr.OK(), strings.Join(ps, "\n  "))
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

// Issues returns the problems of one HTML document (host is the
// server's own host; signedIn: POST forms need the csrf field).
func Issues(doc *html.Node, host string, signedIn bool) []string {
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
			if m, _ := attr(n, "method"); signedIn && strings.EqualFold(m, "post") && !publicAction(attr1(n, "action")) && !hasCSRF(n) {
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

// publicAction: the answers of the public link and of an evaluation
// code are sent without a session, so without the csrf field.
func publicAction(action string) bool {
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

// CheckPage parses and checks one page, reporting each problem with the page's address.
func CheckPage(t *testing.T, page, body, host string, signedIn bool) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Errorf("%s: %v", page, err)
		return nil
	}
	for _, p := range Issues(doc, host, signedIn) {
		t.Errorf("%s: %s", page, p)
	}
	return doc
}

// CheckPost checks the page a POST answers (a form sent back with its
// errors; nothing is stored), which must have the wanted status.
func (s *Site) CheckPost(t *testing.T, c *http.Client, p string, form url.Values, want int, signedIn bool) string {
	t.Helper()
	_, body := s.Post(t, c, p, form, want)
	CheckPage(t, "POST "+p, body, s.Host(), signedIn)
	return body
}
