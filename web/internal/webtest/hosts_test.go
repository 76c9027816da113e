package webtest

import "testing"

// The scanners must catch what they are for.
func TestHostScannersCatch(t *testing.T) {
	for _, bad := range []string{`<script src="https://cdn.example.com/x.js">`, `url(//fonts.example.org/a.woff)`, `href="http://x"`} {
		if !externalRe.MatchString(bad) {
			t.Errorf("scanner misses %q", bad)
		}
	}
	for _, bad := range []string{`<img src="//cdn.example.com/x.png">`, `<a href="https://example.org/">`} {
		if !OtherHostRe.MatchString(bad) {
			t.Errorf("page scanner misses %q", bad)
		}
	}
	for _, good := range []string{`<a href="/topics">`, `<img src="/static/x.png">`} {
		if OtherHostRe.MatchString(good) || externalRe.MatchString(good) {
			t.Errorf("scanner flags %q", good)
		}
	}
}

// The word scanner must find what it is for.
func TestWordScannerFinds(t *testing.T) {
	src := `{{.T "a.one"}} {{$.T "a.two" 3}} Translate(lang, "a.three") both("a.four", x) p.Both("a.eight") bothIn(cat, "a.no") p.view(c, "a.five", "nav", d) {Key: "a.six"} Subtitle: "a.seven" Translate(lang, "status."+s) Translate(lang, "level.")`
	var found []string
	for _, re := range wordRes {
		for _, m := range re.FindAllStringSubmatch(src, -1) {
			found = append(found, m[1])
		}
	}
	if len(found) != 8 {
		t.Errorf("found %q, want the eight keys a.one … a.eight", found)
	}
}

// BadHalves catches a message hidden in one half and a missing half, and
// passes "第 %d / %d 份".
func TestBadHalves(t *testing.T) {
	got := BadHalves(map[string][2]string{"x": {"请选择 / choose", ""}, "y": {"第 %d / %d 份", "form %d of %d"}, "z": {"", ""}})
	if len(got) != 2 || got[0] != "x: a half is missing" || got[1] != "x: the Chinese half holds an English message too" {
		t.Errorf("BadHalves: %q", got)
	}
}
