package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"budgetpoint/web/internal/webtest"
)

// TestCompression (issue 9, "pages and assets are sent uncompressed"): over
// the real router, a page, app.css, app.js and the OpenAPI document come
// gzipped to a client that accepts gzip and plain to one that does not,
// both with Vary: Accept-Encoding; the gzipped body is the plain one
// (the page's masked CSRF token aside) and at most 60% as long (a 3 KB page of Chinese; the builder's 25 KB
// page comes to a fifth), with no
// Content-Length that would be the plain length; the static files keep their
// cache lifetime. A workbook, a PNG and a 204 go out as they are. The CSRF
// token is masked anew for every page (BREACH), and every masking of it is
// taken.
func TestCompression(t *testing.T) {
	ts := newTestSite(t)
	staff := ts.Login(t, "staff")
	// A client of the same session that sees the answer as sent (Go's
	// transport would otherwise ask for gzip and undo it by itself).
	raw := &http.Client{Jar: staff.Jar, Transport: &http.Transport{DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string, gz bool) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest("GET", ts.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if gz {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		res, err := raw.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(res.Body)
		webtest.CloseBody(t, res)
		if err != nil {
			t.Fatal(err)
		}
		if cl := res.Header.Get("Content-Length"); cl != "" && cl != strconv.Itoa(len(b)) {
			t.Errorf("%s (gzip %v): Content-Length %s for %d bytes", path, gz, cl, len(b))
		}
		return res, b
	}
	gunzip := func(what string, b []byte) []byte {
		t.Helper()
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		out, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return out
	}
	csrfRe := regexp.MustCompile(`name="csrf" value="[^"]+"`)
	home := ts.Get(t, staff, "/", http.StatusOK)
	asset := regexp.MustCompile(`/static/app\.css\?v=([0-9a-f]+)`).FindStringSubmatch(home)[1]
	for _, tc := range []struct {
		path, ctype string
		page        bool
	}{
		{"/topics", "text/html", true}, {"/", "text/html", true}, {"/questionnaires/" + draftQ + "/edit", "text/html", true},
		{"/static/app.css?v=" + asset, "text/css", false}, {"/static/app.js?v=" + asset, "javascript", false},
		{"/api/v1/openapi.json", "application/json", false},
	} {
		pres, plain := get(tc.path, false)
		zres, zb := get(tc.path, true)
		if pres.StatusCode != 200 || zres.StatusCode != 200 {
			t.Fatalf("%s: status %d, %d", tc.path, pres.StatusCode, zres.StatusCode)
		}
		if ce := pres.Header.Get("Content-Encoding"); ce != "" {
			t.Errorf("%s without Accept-Encoding: Content-Encoding %q", tc.path, ce)
		}
		if ce := zres.Header.Get("Content-Encoding"); ce != "gzip" {
			t.Errorf("%s with Accept-Encoding: gzip: Content-Encoding %q", tc.path, ce)
			continue
		}
		for _, r := range []*http.Response{pres, zres} {
			if !strings.Contains(r.Header.Get("Vary"), "Accept-Encoding") {
				t.Errorf("%s: Vary %q", tc.path, r.Header.Values("Vary"))
			}
			if !strings.Contains(r.Header.Get("Content-Type"), tc.ctype) {
				t.Errorf("%s: Content-Type %q", tc.path, r.Header.Get("Content-Type"))
			}
		}
		if pres.Header.Get("Cache-Control") != zres.Header.Get("Cache-Control") {
			t.Errorf("%s: Cache-Control %q plain, %q gzipped", tc.path, pres.Header.Get("Cache-Control"), zres.Header.Get("Cache-Control"))
		}
		unz := gunzip(tc.path, zb)
		if tc.page {
			plain, unz = csrfRe.ReplaceAll(plain, []byte("csrf")), csrfRe.ReplaceAll(unz, []byte("csrf"))
		}
		if !bytes.Equal(plain, unz) {
			t.Errorf("%s: the gzipped body (%d bytes once unzipped) is not the plain one (%d bytes)", tc.path, len(unz), len(plain))
		}
		if len(zb)*10 > len(plain)*6 {
			t.Errorf("%s: %d bytes gzipped for %d plain, want at most 60%%", tc.path, len(zb), len(plain))
		}
		t.Logf("%s: %d bytes plain, %d gzipped", tc.path, len(plain), len(zb))
	}
	if cc := func() string { r, _ := get("/static/app.css?v="+asset, true); return r.Header.Get("Cache-Control") }(); !strings.Contains(cc, "immutable") {
		t.Errorf("app.css gzipped: Cache-Control %q", cc)
	}

	// Already compressed, or nothing to compress: as they were.
	for path, want := range map[string]int{"/topics/" + draftT + "/summary.xlsx": 200, "/questionnaires/" + draftQ + "/qr.png": 0, "/favicon.ico": 204} {
		res, _ := get(path, true)
		if ce := res.Header.Get("Content-Encoding"); ce != "" || (want != 0 && res.StatusCode != want) {
			t.Errorf("%s: status %d, Content-Encoding %q", path, res.StatusCode, ce)
		}
	}

	// The CSRF token differs on every page, and each one is taken.
	t1 := webtest.CSRFRe.FindStringSubmatch(ts.Get(t, staff, "/topics", http.StatusOK))[1]
	t2 := webtest.CSRFRe.FindStringSubmatch(ts.Get(t, staff, "/topics", http.StatusOK))[1]
	if t1 == t2 {
		t.Errorf("two pages carry the same CSRF token %q", t1)
	}
	for i, tok := range []string{t1, t2} {
		ts.Post(t, staff, "/topics/new", url.Values{"csrf": {tok}, "kind": {"other"}, "fiscal_year": {"2027"}, "title": {"Masked " + strconv.Itoa(i)}}, http.StatusSeeOther)
	}
	ts.Post(t, staff, "/topics/new", url.Values{"csrf": {t1[:len(t1)-2] + "AA"}, "kind": {"other"}, "fiscal_year": {"2027"}, "title": {"Forged"}}, http.StatusForbidden)
}
