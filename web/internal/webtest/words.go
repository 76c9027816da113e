package webtest

import (
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"
	"testing"
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
