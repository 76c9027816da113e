package web

import (
	"reflect"
	"strings"
	"testing"

	"budgetpoint/models"
)

// TestBarChart: bars are scaled to the largest total, parts stand side by
// side, and every label and tooltip is escaped.
func TestBarChart(t *testing.T) {
	svg := string(BarChart(LangZH, `第 1 题 <"总体">`, []Bar{
		{Label: "满意", Total: 4, Pct: "66.7%", Parts: []BarPart{{Class: "bar-online", N: 3, Title: "线上填写 3"}, {Class: "bar-paper", N: 1, Title: "纸质录入 1"}}},
		{Label: "<b>不满意</b>", Total: 2, Pct: "33.3%", Parts: []BarPart{{Class: "bar-total", N: 2, Title: "合计 2"}}},
	}))
	for _, want := range []string{
		`aria-label="第 1 题 &lt;&#34;总体&#34;&gt;"`,
		`<rect class="bar-online" x="0.0" y="26" width="352.5" height="22"><title>线上填写 3</title></rect>`,
		`<rect class="bar-paper" x="352.5" y="26" width="117.5" height="22"><title>纸质录入 1</title></rect>`,
		`<text x="478.0" y="43">4（66.7%）</text>`,
		`<text x="0" y="76">&lt;b&gt;不满意&lt;/b&gt;</text>`,
		`<rect class="bar-total" x="0.0" y="82" width="235.0" height="22">`,
	} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %s\n%s", want, svg)
		}
	}
	if strings.Contains(svg, "<b>") {
		t.Error("a label is not escaped")
	}
	// Nothing to scale by: bars of no length, no division by zero.
	if svg := string(BarChart(LangZH, "空", []Bar{{Label: "满意", Parts: []BarPart{{Class: "bar-total"}}}})); !strings.Contains(svg, `width="0.0"`) {
		t.Errorf("an empty chart: %s", svg)
	}
}

// The rows of a question's summary: options in their order (in the page's
// language), then values only older versions had, sorted; scores in
// numeric order, a count key that is not a score left out; none for a
// number.
func TestAnswerRows(t *testing.T) {
	choice := models.QuestionSummary{Type: models.SingleChoice,
		Options: []models.Option{{Value: "yes", Label: "是", LabelEN: "Yes"}, {Value: "no", Label: "否"}},
		Counts:  map[string]int64{"yes": 3, "old-b": 1, "old-a": 2}}
	rating := models.QuestionSummary{Type: models.Rating, Counts: map[string]int64{"10": 1, "9": 2, "2": 1, "x": 5}}
	for _, c := range []struct {
		lang string
		q    models.QuestionSummary
		want []AnswerRow
	}{
		{LangZH, choice, []AnswerRow{{"yes", "是"}, {"no", "否"}, {"old-a", "old-a"}, {"old-b", "old-b"}}},
		{LangEN, choice, []AnswerRow{{"yes", "Yes"}, {"no", "否"}, {"old-a", "old-a"}, {"old-b", "old-b"}}},
		{LangZH, rating, []AnswerRow{{"2", "2 分"}, {"9", "9 分"}, {"10", "10 分"}}},
		{LangEN, models.QuestionSummary{Type: models.Number, Counts: map[string]int64{"1": 1}}, nil},
	} {
		if got := AnswerRows(c.lang, c.q); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s %s: %v, want %v", c.lang, c.q.Type, got, c.want)
		}
	}
}
