package web

import (
	"fmt"
	"html/template"
	"strings"
)

// hubBarChart draws one horizontal bar per option with its count and share
// written after it, for the committee's cross-point summary. The point's
// barChart (summary.go) splits each bar into online and paper; a summary
// received from the points holds totals only, so the hub draws totals
// (class bar-total of app.css). Plain inline SVG: no script, no other host.
func hubBarChart(title string, rows []optRow) template.HTML {
	const width, labelH, barH, gap, barMax = 640, 22, 22, 12, 470.0
	var max int64
	for _, r := range rows {
		if r.N[2] > max {
			max = r.N[2]
		}
	}
	rowH := labelH + barH + gap
	h := len(rows)*rowH + 8
	esc := template.HTMLEscapeString
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s" preserveAspectRatio="xMinYMin meet">`,
		width, h, width, h, esc(title))
	for i, r := range rows {
		y := i*rowH + 4
		fmt.Fprintf(&b, `<text x="0" y="%d">%s</text>`, y+16, esc(r.Label))
		w := 0.0
		if max > 0 {
			w = float64(r.N[2]) * barMax / float64(max)
		}
		by := y + labelH
		fmt.Fprintf(&b, `<rect class="bar-total" x="0" y="%d" width="%.1f" height="%d"><title>%s：%d（%s）</title></rect>`, by, w, barH, esc(r.Label), r.N[2], esc(r.Pct))
		fmt.Fprintf(&b, `<line class="axis" x1="0" y1="%d" x2="0" y2="%d"/>`, by-2, by+barH+2)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d">%d（%s）</text>`, w+8, by+17, r.N[2], esc(r.Pct))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
