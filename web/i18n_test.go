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

// sameWordsAllowed are the keys of this package whose words coincide but
// may part, each group with its reason; any other two keys that hold the
// same words are one key too many (TestSameWordsOnce).
var sameWordsAllowed = [][]string{
	// A navigation entry and the title of the page it opens: the entry may
	// be shortened without the title.
	{"nav.dashboard", "dash.title"}, {"nav.deputies", "dep.title"}, {"nav.my", "my.title"},
	{"nav.myopinions", "myop.title"}, {"nav.paper", "paper.title"}, {"nav.questionnaires", "q.title"},
	{"nav.reports", "sum.reports"}, {"nav.settings", "set.title"}, {"nav.topics", "topics.title"},
	// Entry, page title and a count; for opinions also the summary's
	// section and the sheet of the export; for the summary a link, the
	// page's title and the sheet.
	{"nav.activities", "act.title", "count.activities"},
	{"nav.opinions", "op.title", "count.opinions", "sum.opinions", "xl.opinions"},
	{"count.responses", "xl.responses"},
	{"dash.summary", "sum.title", "xl.summary"},
	// The sign-in page's title and its button.
	{"login.title", "login.submit"},
	// Values of different lists, looked up by value ("akind."+kind): an
	// activity's kind and an opinion's source; the kinds of topics,
	// respondents and sources; a respondent's kind and a login's role.
	{"akind.forum", "source.forum"}, {"akind.field_research", "source.field_research"}, {"akind.written", "source.written"},
	{"kind.other", "rkind.other", "source.other"},
	{"rkind.deputy", "set.role.deputy"},
	// The same word for different things: the status of an opinion and of
	// a paper form; the respondent of a paper batch and the summary's
	// respondents; the sign-in field and the column of the list of logins;
	// the questionnaire's English title and the topic's.
	{"op.status", "paper.status"}, {"paper.kind", "sum.by_kind"}, {"login.name", "set.user_name"},
	{"q.qtitle_en", "topics.name_en"},
	// A form's label and another page's heading of the same thing: the
	// builder's question, bounds, public link and topic beside the paper
	// form's column, the summary's rows, the share page and the report.
	{"paper.question", "q.qlabel"}, {"q.min", "sum.min"}, {"q.max", "sum.max"},
	{"q.public", "share.open", "share.title"}, {"q.topic", "rep.topic"},
	// A column of the Excel export and a label of the paper pages.
	{"paper.serial", "xl.serial"},
}

// Two keys of this package hold the same words only for a reason written
// in sameWordsAllowed; the words of one thing are one key.
func TestSameWordsOnce(t *testing.T) {
	for _, bad := range webtest.SameWords(catalog, nil, sameWordsAllowed) {
		t.Error(bad)
	}
}
