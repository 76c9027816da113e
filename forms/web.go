package forms

import (
	"strings"
	"time"

	"budgetpoint/models"
)

// Forms of the HTML pages (package web). Dynamic forms (the questionnaire
// builder, the fill-in page, an activity's opinion rows) are read field by
// field in package web; the fixed ones are declared here.

// TopicForm is the topic page's form; dates come as 2006-01-02.
type TopicForm struct {
	Kind       string `form:"kind" label:"类别,kind" binding:"required,oneof=budget_draft budget_execution final_accounts state_assets other"`
	FiscalYear int    `form:"fiscal_year" label:"年度,fiscal year" binding:"required,gte=2000,lte=2100"`
	Title      string `form:"title" label:"标题,title" binding:"required,max=200"`
	TitleEN    string `form:"title_en" label:"英文标题,English title" binding:"max=200"`
	Summary    string `form:"summary" label:"说明,summary" binding:"max=2000"`
	OpensAt    string `form:"opens_at" label:"开始日期,opens on" binding:"omitempty,datetime=2006-01-02"`
	ClosesAt   string `form:"closes_at" label:"截止日期,closes on" binding:"omitempty,datetime=2006-01-02"`
}

// Dates returns the form's dates at midnight China time (nil when empty).
func (f *TopicForm) Dates() (opens, closes *time.Time) {
	cst := time.FixedZone("CST", 8*3600)
	parse := func(s string) *time.Time {
		if s == "" {
			return nil
		}
		t, err := time.ParseInLocation("2006-01-02", s, cst)
		if err != nil {
			return nil
		}
		return &t
	}
	return parse(f.OpensAt), parse(f.ClosesAt)
}

// Topic converts a new topic's form.
func (f *TopicForm) Topic() (models.Topic, error) {
	o, c := f.Dates()
	r := TopicRequest{Kind: f.Kind, FiscalYear: f.FiscalYear, Title: f.Title, TitleEN: strings.TrimSpace(f.TitleEN), Summary: strings.TrimSpace(f.Summary), OpensAt: o, ClosesAt: c}
	return r.Topic()
}

// Patch converts an edited topic's form.
func (f *TopicForm) Patch() models.TopicPatch {
	o, c := f.Dates()
	title, en, sum := strings.TrimSpace(f.Title), strings.TrimSpace(f.TitleEN), strings.TrimSpace(f.Summary)
	return models.TopicPatch{Kind: &f.Kind, FiscalYear: &f.FiscalYear, Title: &title, TitleEN: &en, Summary: &sum, OpensAt: o, ClosesAt: c}
}
