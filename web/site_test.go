package web

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The static files' version changes with their contents; a file that
// cannot be read is an error (NewSite fails with it), not left out.
func TestStaticVersion(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("app.css", "body{}")
	v1, err := staticVersion(os.DirFS(dir))
	if err != nil || len(v1) != 10 {
		t.Fatalf("version %q, %v", v1, err)
	}
	write("app.css", "body{margin:0}")
	if v2, err := staticVersion(os.DirFS(dir)); err != nil || v2 == v1 {
		t.Errorf("after a change: %q (was %q), %v", v2, v1, err)
	}
	if err := os.Symlink(filepath.Join(dir, "gone.js"), filepath.Join(dir, "app.js")); err != nil {
		t.Fatal(err)
	}
	if v, err := staticVersion(os.DirFS(dir)); err == nil || !strings.Contains(err.Error(), "app.js") {
		t.Errorf("a file that cannot be read: %q, %v, want an error naming it", v, err)
	}
}
