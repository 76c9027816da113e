package web

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"budgetpoint/demo"
	"budgetpoint/models"
	"budgetpoint/web/internal/webtest"
)

// pdfPageRe matches a page object of a PDF (/Type /Page, not /Pages).
var pdfPageRe = regexp.MustCompile(`/Type\s*/Page\b`)

// printA4 prints the page shown on A4 (its CSS @page size preferred), saves
// the PDF as name.pdf among the test's artifacts and returns its pages.
func printA4(t *testing.T, ctx context.Context, name string) int {
	t.Helper()
	pdf := webtest.Read(t, ctx, "print "+name+" to A4", chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4),
		func(p *page.PrintToPDFParams) { yes := true; p.PreferCSSPageSize = &yes }))
	if len(pdf) < 1000 || string(pdf[:4]) != "%PDF" {
		t.Fatalf("%s does not print: %d bytes", name, len(pdf))
	}
	if err := os.WriteFile(filepath.Join(webtest.Artifacts(t), name+".pdf"), pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	return len(pdfPageRe.FindAll(pdf, -1))
}

// emulatePrint makes the page's CSS apply its @media print rules on screen
// (what is measured in the DOM is then what is printed).
func emulatePrint(media string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: media})
		return err
	})
}

// shortQuestionnaire stores a topic with a questionnaire of five short
// questions (one of each kind but text, and a text question) and 30 varied
// responses, and returns the topic's id.
func shortQuestionnaire(t *testing.T, ts *testSite) string {
	t.Helper()
	ctx := context.Background()
	const tid = "t-print-5"
	if err := ts.DB.CreateTopic(ctx, &models.Topic{ID: tid, Kind: "budget_execution", FiscalYear: 2026, Title: "2026年上半年预算执行情况"}); err != nil {
		t.Fatal(err)
	}
	opts := func(labels ...string) []models.Option {
		var os []models.Option
		for i, l := range labels {
			os = append(os, models.Option{Value: string(rune('a' + i)), Label: l})
		}
		return os
	}
	lo, hi := 0.0, 100000.0
	def := models.Definition{ID: "q-print-5", TopicID: tid, Title: "预算执行情况满意度调查", Questions: []models.Question{
		{Key: "overall", Type: models.SingleChoice, Label: "您对上半年预算执行情况的总体评价", Required: true, Options: opts("满意", "基本满意", "不满意")},
		{Key: "areas", Type: models.MultipleChoice, Label: "您最关注哪些支出", Options: opts("教育", "医疗卫生", "社会保障", "农业农村")},
		{Key: "open", Type: models.Rating, Label: "预算公开的清楚程度"},
		{Key: "spend", Type: models.Number, Label: "您认为村组道路每公里应投入多少万元", Min: &lo, Max: &hi},
		{Key: "advice", Type: models.Text, Label: "其他意见建议", Opinion: true},
	}}
	if _, _, err := ts.DB.SaveQuestionnaire(ctx, def, models.OriginLocal); err != nil {
		t.Fatal(err)
	}
	stored, err := ts.DB.Questionnaire(ctx, def.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 2026))
	for range 30 {
		if _, _, err := ts.DB.SubmitResponse(ctx, def.ID, demo.RandomSubmission(rng, &stored.Definition, "hongta")); err != nil {
			t.Fatal(err)
		}
	}
	return tid
}

// TestBrowserReportPrintsCompactly: the A4 report of a questionnaire of five
// short questions prints on two pages at most (it took five, a question a
// page), no heading is left alone at the foot of a page, and a question's
// table may break between rows with its header again on the next page.
func TestBrowserReportPrintsCompactly(t *testing.T) {
	ts := newTestSite(t)
	tid := shortQuestionnaire(t, ts)
	ctx := webtest.Browser(t)
	webtest.SignIn(t, ctx, ts.URL, "staff", demo.DemoPassword)
	webtest.Run(t, ctx, "report", chromedp.Navigate(ts.URL+"/topics/"+tid+"/report"), chromedp.WaitVisible(chromedp.CSS(`.sign`)))
	blocks := webtest.Read(t, ctx, "questions", chromedp.Evaluate[int](`document.querySelectorAll("section.chart-block").length`))
	if blocks != 5 {
		t.Fatalf("the report shows %d questions, want 5", blocks)
	}
	pages := printA4(t, ctx, "report")
	t.Logf("the report of 5 short questions prints on %d A4 pages", pages)
	if pages > 2 {
		t.Errorf("the report of 5 short questions prints on %d A4 pages, want at most 2", pages)
	}

	// The width of A4's text (210 mm less the margins of 16 mm), in CSS px.
	webtest.Run(t, ctx, "print media", chromedp.EmulateViewport(673, 1000), emulatePrint("print"))
	type rules struct {
		HeadingAfter, HeaderGroup, RowInside, TableInside, WrapOverflow string
		ChartMM                                                         float64
	}
	got := webtest.Read(t, ctx, "print rules", chromedp.Evaluate[rules](`(function(){
		var b = document.querySelector("section.chart-block"), css = function(e){ return getComputedStyle(e) },
		    svg = b.querySelector("svg");
		return {HeadingAfter: css(b.querySelector("h3")).breakAfter, HeaderGroup: css(b.querySelector("thead")).display,
		        RowInside: css(b.querySelector("tbody tr")).breakInside, TableInside: css(b.querySelector("table")).breakInside,
		        WrapOverflow: css(b.querySelector(".table-wrap")).overflowX,
		        ChartMM: svg ? svg.getBoundingClientRect().height * 25.4 / 96 : 0};
	})()`))
	if got.HeadingAfter != "avoid" && got.HeadingAfter != "avoid-page" {
		t.Errorf("a question's heading may stay alone at the foot of a page: break-after %q", got.HeadingAfter)
	}
	if got.TableInside == "avoid" || got.WrapOverflow != "visible" {
		t.Errorf("a long table cannot break between its rows: break-inside %q, its box's overflow %q (a scroll box is not broken)", got.TableInside, got.WrapOverflow)
	}
	if got.HeaderGroup != "table-header-group" {
		t.Errorf("a table's header is not repeated on the next page: thead is display %q", got.HeaderGroup)
	}
	if got.RowInside != "avoid" {
		t.Errorf("a table row may be cut across pages: break-inside %q", got.RowInside)
	}
	if got.ChartMM <= 0 || got.ChartMM > 40 {
		t.Errorf("the chart of 3 options prints %.0f mm high, want at most 40 mm", got.ChartMM)
	}
}

// TestBrowserSharePosterPrintsOnOnePage: the printed QR poster of a public
// link is one A4 page with the questionnaire's title once (it was printed
// twice), the QR code 8 to 10 cm wide and centred, the address under it and
// the point's name.
func TestBrowserSharePosterPrintsOnOnePage(t *testing.T) {
	ts := newTestSite(t)
	openPublic(t, ts, ts.Login(t, "staff"), draftQ)
	q, err := ts.DB.Questionnaire(context.Background(), draftQ, 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx := webtest.Browser(t)
	webtest.SignIn(t, ctx, ts.URL, "staff", demo.DemoPassword)
	webtest.Run(t, ctx, "share page", chromedp.Navigate(ts.URL+"/questionnaires/"+draftQ+"/share"), chromedp.WaitVisible(chromedp.ID("public-link")))
	webtest.Read(t, ctx, "the QR code", chromedp.Poll[bool](`document.querySelector(".qr img").complete`))
	if pages := printA4(t, ctx, "poster"); pages != 1 {
		t.Errorf("the QR poster prints on %d A4 pages, want 1", pages)
	}

	webtest.Run(t, ctx, "print media", chromedp.EmulateViewport(673, 1000), emulatePrint("print"))
	webtest.Shot(t, ctx, "poster-print-media")
	type poster struct {
		Titles            int
		QRmm, OffCentreMM float64
		AddressBelow      bool
		Point             bool
	}
	got := webtest.Read(t, ctx, "poster", chromedp.Evaluate[poster](`(function(title, point){
		var shown = function(e){ return e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden" };
		var mm = function(px){ return px * 25.4 / 96 };
		var w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT), n, titles = 0, points = 0;
		while ((n = w.nextNode())) {
			if (!shown(n.parentElement)) continue;
			if (n.nodeValue.indexOf(title) >= 0) titles++;
			if (n.nodeValue.indexOf(point) >= 0) points++;
		}
		var img = document.querySelector(".qr img"), r = img.getBoundingClientRect(), m = document.querySelector("main").getBoundingClientRect();
		var below = Array.from(document.querySelectorAll("main *")).some(function(e){
			return shown(e) && e.children.length === 0 && e.textContent.indexOf("/p/") >= 0 && e.getBoundingClientRect().top >= r.bottom;
		});
		return {Titles: titles, QRmm: mm(r.width), OffCentreMM: mm(Math.abs((r.left + r.right) / 2 - (m.left + m.right) / 2)),
		        AddressBelow: below, Point: points > 0};
	})(`+strconv.Quote(q.Title)+`, "红塔区人大常委会预算工作基层联系点")`))
	if got.Titles != 1 {
		t.Errorf("the poster prints the questionnaire's title %d times, want once", got.Titles)
	}
	if got.QRmm < 80 || got.QRmm > 100 {
		t.Errorf("the QR code prints %.0f mm wide, want 80 to 100 mm", got.QRmm)
	}
	if got.OffCentreMM > 3 {
		t.Errorf("the QR code prints %.0f mm off the page's centre", got.OffCentreMM)
	}
	if !got.AddressBelow {
		t.Error("the poster does not print the link's address under the QR code")
	}
	if !got.Point {
		t.Error("the poster does not print the point's name")
	}
}
