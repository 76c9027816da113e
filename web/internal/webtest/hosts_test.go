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
