package web

import (
	"os"
	"strings"
	"testing"

	"budgetpoint/web/internal/webtest"
)

// Every key the templates and the code write out has words, and the
// catalogue holds each message once, in two halves: no "中文 / English"
// message hides in one half, no half is missing.
func TestCatalogue(t *testing.T) {
	known := func(k string) bool { _, ok := catalog[k]; return ok }
	if n := webtest.UnknownWords(t, known, webtest.FilesIn{FS: templateFS, Pattern: "templates/*.html"},
		webtest.FilesIn{FS: pointPages, Pattern: "pages/*.html"}, webtest.FilesIn{FS: os.DirFS("."), Pattern: "*.go"}); n < 500 {
		t.Errorf("found only %d keys", n)
	}
	for _, bad := range webtest.BadHalves(catalog) {
		t.Error(bad)
	}
}

// mergeMessages refuses a key given twice, and so does NewSite.
func TestMessagesOnce(t *testing.T) {
	if _, err := mergeMessages(Messages{"a": {"甲", "A"}}, Messages{"b": {"乙", "B"}, "a": {"甲", "A"}}); err == nil || !strings.Contains(err.Error(), `"a"`) {
		t.Errorf("a key given twice: %v", err)
	}
	if _, err := NewSite(nil, Options{Messages: []Messages{{"nav.topics": {"事项", "Topics"}}}}); err == nil {
		t.Error("NewSite takes a package word that the foundation has")
	}
	m, err := mergeMessages(Messages{"a": {"甲", "A"}}, Messages{"b": {"乙 %d", "B %d"}})
	if err != nil || translate(m, LangEN, "b", 2) != "B 2" || bothIn(m, "b", 3) != "乙 3 / B 3" || translate(m, LangZH, "nope") != "nope" {
		t.Errorf("merged: %v %v", m, err)
	}
}
