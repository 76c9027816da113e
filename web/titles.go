package web

import (
	"github.com/gin-gonic/gin"
)

// showTitles puts the titles of a summary as its pages show them in lang:
// the topic's and each questionnaire's English title on an English page
// where one is given (the committee's always carry one), the Chinese one
// otherwise (LocalTitle). The summary itself keeps only the Chinese titles;
// a questionnaire that cannot be read keeps its Chinese title (logged).
func (a *App) showTitles(c *gin.Context, d *summaryData, lang string) {
	if lang != LangEN {
		return
	}
	d.Topic.Title = LocalTitle(lang, d.Topic.Title, d.Topic.TitleEN)
	for i := range d.Qns {
		q, err := a.S.DB.Questionnaire(c.Request.Context(), d.Qns[i].ID, 0)
		if err != nil {
			a.S.Log.Warn("questionnaire title", "id", d.Qns[i].ID, "err", err)
			continue
		}
		d.Qns[i].Title = LocalTitle(lang, d.Qns[i].Title, q.TitleEN)
	}
}
