package web

import (
	"fmt"
	"html/template"
	"sort"
	"strconv"
	"strings"

	"budgetpoint/models"
)

// AnswerRow is one row of a question's summary (one bar of its chart): the
// value counted, an option's or a score, and its label in the page's
// language.
type AnswerRow struct {
	Value, Label string
}

// AnswerRows lists the rows of a question's summary, the point's and the
// committee's: a choice's options in their order, then the values only
// older versions had (sorted, shown as they are); a rating's scores in
// order, a count key that is not a score left out (as
// models.DefinitionsFromSummaries does). Other types have none.
func AnswerRows(lang string, q models.QuestionSummary) []AnswerRow {
	var rows []AnswerRow
	switch q.Type {
	case models.SingleChoice, models.MultipleChoice:
		seen := map[string]bool{}
		for _, o := range q.Options {
			seen[o.Value] = true
			rows = append(rows, AnswerRow{Value: o.Value, Label: OptionLabel(o, lang)})
		}
		var extra []string
		for v := range q.Counts {
			if !seen[v] {
				extra = append(extra, v)
			}
		}
		sort.Strings(extra)
		for _, v := range extra {
			rows = append(rows, AnswerRow{Value: v, Label: v})
		}
	case models.Rating:
		type score struct {
			n   int
			key string
		}
		var scores []score
		for v := range q.Counts {
			n, err := strconv.Atoi(v)
			if err != nil {
				continue // not a score: no row of the scale
			}
			scores = append(scores, score{n, v})
		}
		sort.Slice(scores, func(i, j int) bool { return scores[i].n < scores[j].n })
		for _, s := range scores {
			rows = append(rows, AnswerRow{Value: s.key, Label: Translate(lang, "sum.score", s.n)})
		}
	}
	return rows
}

// Bar is one bar of a chart: its label, its parts from left to right, and
// the total and share written after it.
type Bar struct {
	Label string
	Parts []BarPart
	Total int64
	Pct   string
}

// BarPart is one coloured stretch of a bar: its class of app.css
// (bar-online, bar-paper, bar-total), its length in counts and its tooltip.
type BarPart struct {
	Class string
	N     int64
	Title string
}

// BarChart draws horizontal bars, one per option, scaled to the largest
// total, with the total and share written after each. It is plain inline
// SVG: no script, no file from anywhere, printable. The point's summary
// splits each bar into online and paper; the committee's shows totals.
func BarChart(lang, title string, bars []Bar) template.HTML {
	const width, labelH, barH, gap, barMax = 640, 22, 22, 12, 470.0
	var max int64
	for _, r := range bars {
		if r.Total > max {
			max = r.Total
		}
	}
	scale := 0.0
	if max > 0 {
		scale = barMax / float64(max)
	}
	rowH := labelH + barH + gap
	h := len(bars)*rowH + 8
	esc := template.HTMLEscapeString
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s" preserveAspectRatio="xMinYMin meet">`,
		width, h, width, h, esc(title))
	for i, r := range bars {
		y := i*rowH + 4
		fmt.Fprintf(&b, `<text x="0" y="%d">%s</text>`, y+16, esc(r.Label))
		by := y + labelH
		x := 0.0
		for _, p := range r.Parts {
			w := float64(p.N) * scale
			fmt.Fprintf(&b, `<rect class="%s" x="%.1f" y="%d" width="%.1f" height="%d"><title>%s</title></rect>`, p.Class, x, by, w, barH, esc(p.Title))
			x += w
		}
		fmt.Fprintf(&b, `<line class="axis" x1="0" y1="%d" x2="0" y2="%d"/>`, by-2, by+barH+2)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d">%d%s</text>`, x+8, by+17, r.Total, esc(PunctOf(lang).Paren(r.Pct)))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
