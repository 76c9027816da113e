package web

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"budgetpoint/demo"
	"budgetpoint/models"
	"budgetpoint/web/internal/webtest"
)

// TestBrowserPasteQuestionnaire: staff paste a questionnaire of eight
// questions as drafted in Word into the builder, make the questions, and
// save the draft: it holds the eight questions with their types, options,
// limits and required marks; the line not understood is shown.
func TestBrowserPasteQuestionnaire(t *testing.T) {
	ts := newTestSite(t)
	text := wordQuestionnaire
	ctx := webtest.Browser(t)
	webtest.SignIn(t, ctx, ts.URL, "staff", demo.DemoPassword)
	webtest.Run(t, ctx, "paste",
		chromedp.Navigate(ts.URL+"/questionnaires/new?topic="+draftT),
		chromedp.WaitVisible(chromedp.ID("paste-box")),
		chromedp.Click(chromedp.CSS("#paste-box summary")),
		chromedp.SetValue(chromedp.ID("paste"), text),
		chromedp.Click(chromedp.ID("paste-do")))
	webtest.WaitFor(t, ctx, "#pasted")
	webtest.Shot(t, ctx, "1-pasted")
	if p := webtest.Read(t, ctx, "problems", chromedp.Text(chromedp.ID("paste-problems"))); p != "23：以上内容请于12月10日前交回" {
		t.Errorf("the lines not understood: %q", p)
	}
	webtest.Run(t, ctx, "save the draft", chromedp.SetValue(chromedp.ID("id"), "q-pasted"), chromedp.Click(chromedp.ID("save-draft")))
	webtest.WaitFor(t, ctx, "#draft-note")
	d, err := ts.DB.Draft(context.Background(), "q-pasted")
	if err != nil {
		t.Fatal(err)
	}
	if d.Title != "2027年市级预算草案征求意见问卷" || len(d.Questions) != 8 {
		t.Fatalf("the draft: %q with %d questions", d.Title, len(d.Questions))
	}
	types := []string{models.SingleChoice, models.MultipleChoice, models.MultipleChoice, models.Rating, models.Number, models.Text, models.SingleChoice, models.Rating}
	for i, q := range d.Questions {
		if q.Type != types[i] {
			t.Errorf("question %d (%s): %s, want %s", i+1, q.Label, q.Type, types[i])
		}
	}
	if q := d.Questions[1]; q.MaxChoices != 3 || len(q.Options) != 4 {
		t.Errorf("question 2: %+v", q)
	}
	if !d.Questions[0].Required || !d.Questions[6].Required || d.Questions[5].Required {
		t.Error("required marks not kept")
	}
	if q := d.Questions[7]; q.Min == nil || q.Max == nil || *q.Min != 1 || *q.Max != 10 {
		t.Errorf("question 8's scale: %+v", q)
	}
}
