package webtest

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// externalRe finds a reference to another host: a scheme, or //host.tld.
var externalRe = regexp.MustCompile(`(?i)(https?:)?//[a-z0-9][a-z0-9.-]*\.[a-z]{2,}|https?:`)

// NoOtherHosts scans every file of the embedded file systems (templates,
// static files) for a reference to another host, failing for each, and
// returns how many files it read.
func NoOtherHosts(t *testing.T, fss ...fs.FS) int {
	t.Helper()
	n := 0
	for _, fsys := range fss {
		err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			n++
			for _, line := range strings.Split(string(b), "\n") {
				if m := externalRe.FindString(line); m != "" {
					t.Errorf("%s refers to another host: %q in %q", p, m, strings.TrimSpace(line))
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return n
}

// OtherHostRe finds an absolute src or href in a rendered page.
var OtherHostRe = regexp.MustCompile(`(src|href)="(https?:)?//`)
