package webtest

import (
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// wordRes find the catalogue keys that templates and Go code write out:
// {{.T "key"}}, Translate(lang, "key"), both("key"), View(c, "key", …),
// a NavItem's Key: and Options' Subtitle:. Keys put together at run time
// ("status."+s) are not seen.
var wordRes = func() []*regexp.Regexp {
	const key = `"([a-z0-9_]+\.[a-z0-9_.]*[a-z0-9_])"[,)\s}]` // "x.y", not "status."+s
	var out []*regexp.Regexp
	for _, before := range []string{`\.T `, `Translate\([^,()]+, `, `\b[bB]oth\(`, `[vV]iew\(c, `, `(?:Key|Subtitle): +`} {
		out = append(out, regexp.MustCompile(before+key))
	}
	return out
}()

// FilesIn names the files of fsys that match a pattern (fs.Glob).
type FilesIn struct {
	FS      fs.FS
	Pattern string
}

// UnknownWords fails for every key the files write out that known does not
// know, and returns how many keys it found (so that a caller can tell it
// read something). Test files are left out.
func UnknownWords(t *testing.T, known func(key string) bool, files ...FilesIn) int {
	t.Helper()
	n := 0
	for _, f := range files {
		names, err := fs.Glob(f.FS, f.Pattern)
		if err != nil {
			t.Fatal(err)
		}
		sort.Strings(names)
		for _, name := range names {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			b, err := fs.ReadFile(f.FS, name)
			if err != nil {
				t.Fatal(err)
			}
			for _, re := range wordRes {
				for _, m := range re.FindAllStringSubmatch(string(b), -1) {
					n++
					if !known(m[1]) {
						t.Errorf("%s: no words for %q in the catalogue", name, m[1])
					}
				}
			}
		}
	}
	return n
}

// BadHalves lists the catalogue entries (key → {中文, English}) with one half
// missing, or with an English message after " / " in the Chinese half.
func BadHalves(cat map[string][2]string) []string {
	var out []string
	for k, v := range cat {
		if (v[0] == "") != (v[1] == "") {
			out = append(out, k+": a half is missing")
		}
		if _, after, ok := strings.Cut(v[0], " / "); ok && strings.IndexFunc(verbRe.ReplaceAllString(after, ""), isASCIILetter) >= 0 {
			out = append(out, k+": the Chinese half holds an English message too")
		}
	}
	sort.Strings(out)
	return out
}

// verbRe is a formatting verb (%d, %s), not words.
var verbRe = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z]`)

func isASCIILetter(r rune) bool { return r < 0x80 && (r|0x20 >= 'a' && r|0x20 <= 'z') }

// SameWords lists the keys of cat that hold the same words (both halves)
// as another key, group by group, unless the group is one of allow (the
// same keys exactly, in any order). A group of allow whose keys no longer
// hold the same words is listed too, so that the allow-list stays true.
// Only the groups with a key that own reports are looked at (own nil: all).
func SameWords(cat map[string][2]string, own func(key string) bool, allow [][]string) []string {
	by := map[[2]string][]string{}
	for k, v := range cat {
		by[v] = append(by[v], k)
	}
	allowed := map[string]bool{}
	for _, g := range allow {
		allowed[groupKey(g)] = true
	}
	found := map[string]bool{}
	var out []string
	for v, keys := range by {
		if len(keys) < 2 {
			continue
		}
		mine := own == nil
		for _, k := range keys {
			mine = mine || own(k)
		}
		if !mine {
			continue
		}
		g := groupKey(keys)
		found[g] = true
		if !allowed[g] {
			out = append(out, fmt.Sprintf("%s hold the same words %q: one key, or a reason in the allow-list", g, v))
		}
	}
	for _, g := range allow {
		if k := groupKey(g); !found[k] {
			out = append(out, fmt.Sprintf("allow-list: %s do not hold the same words (any more)", k))
		}
	}
	sort.Strings(out)
	return out
}

// groupKey writes a group of keys in order: "a, b, c".
func groupKey(keys []string) string {
	s := append([]string(nil), keys...)
	sort.Strings(s)
	return strings.Join(s, ", ")
}

// CJKPunct are the Chinese punctuation marks that an English page must not
// write itself (issue 9): brackets, colon, list comma, semicolon, comma, full
// stop, corner quotes.
const CJKPunct = "（）：、；，。「」"

// shownAttrs are the attributes whose words a person sees or hears: a
// tooltip, an accessible name, a hint in an empty field, an image's text,
// and what the pages' script writes in place of a link (data-busy…).
var shownAttrs = []string{"title", "aria-label", "placeholder", "alt", "data-busy", "data-done", "data-fail"}

// CJKPunctShown lists each piece of text of a page that a person sees (text
// outside script and style, the shownAttrs, the value of a button) holding
// a mark of CJKPunct, once each. Words in curly quotes (“…”) are quoted
// material, such as the Chinese marks a hint says may be typed, and are
// left out.
func CJKPunctShown(doc *html.Node) []string {
	var out []string
	seen := map[string]bool{}
	check := func(s string) {
		s = quotedRe.ReplaceAllString(s, "")
		if strings.ContainsAny(s, CJKPunct) {
			s = strings.Join(strings.Fields(s), " ")
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			check(n.Data)
		case html.ElementNode:
			if n.DataAtom == atom.Script || n.DataAtom == atom.Style {
				return
			}
			for _, a := range n.Attr {
				if slices.Contains(shownAttrs, a.Key) || (a.Key == "value" && n.DataAtom == atom.Input && (attr1(n, "type") == "submit" || attr1(n, "type") == "button")) {
					check(a.Val)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}

var quotedRe = regexp.MustCompile(`“[^”]*”`)

// Text is the text of a page as a person sees it: its text nodes (script
// and style aside) and the <title>, joined by spaces.
func Text(doc *html.Node) string {
	var sb strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			sb.WriteString(n.Data + " ")
		case html.ElementNode:
			if n.DataAtom == atom.Script || n.DataAtom == atom.Style {
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return strings.Join(strings.Fields(sb.String()), " ")
}
