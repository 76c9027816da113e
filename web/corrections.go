package web

// 更正答卷 (/responses/{id}/correct), staff and admins: a stored response
// (typed from paper or sent online) corrected with a reason, question by
// question as a clerk types a paper form, or voided with a reason; its
// earlier contents are listed. The store keeps each as a revision and moves
// the summary by exactly the difference (db.CorrectResponse, VoidResponse).

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"budgetpoint/db"
	"budgetpoint/models"
)

var correctionMessages = Messages{
	"fix.title":       {"更正答卷", "Correct a response"},
	"fix.lead":        {"按纸质原件或本人的说明改正下面的回答，写明原因后保存。原来的内容会保留在更正记录里，汇总会按差额调整。", "Put the answers right from the paper form or the respondent's word, give the reason and save. What was there stays in the record of corrections, and the summary moves by the difference."},
	"fix.typed":       {"选择题填选项编号（多选用空格分开），评分填分值，其余照写；不答的留空。", "For choice questions type the option numbers (several separated by spaces), for ratings the score, otherwise the answer; leave unanswered ones empty."},
	"fix.reason":      {"更正原因", "Reason"},
	"fix.save":        {"保存更正", "Save the correction"},
	"fix.saved":       {"已更正，汇总已按差额调整", "Corrected: the summary moved by the difference"},
	"fix.unchanged":   {"回答没有改动", "Nothing changed"},
	"fix.void":        {"作废这份答卷", "Void this response"},
	"fix.void_hint":   {"作废后这份答卷不再计入汇总，但会保留；它的编号不能再用。例如同一份纸质问卷录入了两次。", "A voided response no longer counts, but is kept, and its id cannot be used again: for example a paper form typed twice."},
	"fix.void_do":     {"作废", "Void"},
	"fix.void_ask":    {"确定作废这份答卷？", "Void this response?"},
	"fix.voided":      {"已作废，不再计入汇总", "Voided: it no longer counts"},
	"fix.is_voided":   {"这份答卷已于 %s 作废：%s", "This response was voided on %s: %s"},
	"fix.history":     {"更正记录", "Corrections"},
	"fix.rev":         {"%s 由 %s %s：%s", "%[1]s, %[3]s by %[2]s: %[4]s"},
	"fix.act.correct": {"更正", "corrected"},
	"fix.act.void":    {"作废", "voided"},
	"fix.was":         {"更正前：%s", "Before: %s"},
	"fix.options":     {"选项：%s", "Options: %s"},
}

type fixRow struct {
	Key, Label, Options, Value string
}

type fixData struct {
	R       db.ResponseRecord
	Q       *models.Definition
	Rows    []fixRow
	History []fixRev
	Reason  string
}

type fixRev struct {
	db.Revision
	Was string
}

func (a *App) responseCorrectPage(c *gin.Context) {
	a.renderCorrect(c, http.StatusOK, nil, nil, "")
}

func (a *App) renderCorrect(c *gin.Context, status int, typed map[string]string, errs map[string]string, reason string) {
	rec, def, ok := a.responseAndDef(c)
	if !ok {
		return
	}
	lang := LangOf(c)
	cur, err := rawAnswers(rec.Answers)
	if err != nil {
		a.Error(c, fmt.Errorf("response %s: %w", rec.ID, err))
		return
	}
	d := &fixData{R: rec, Q: def, Reason: reason}
	for i := range def.Questions {
		q := &def.Questions[i]
		row := fixRow{Key: q.Key, Label: fmt.Sprintf("%d. %s", i+1, questionLabel(q, lang))}
		if len(q.Options) > 0 {
			var opts []string
			for k, o := range q.Options {
				opts = append(opts, fmt.Sprintf("%d %s", k+1, OptionLabel(o, lang)))
			}
			row.Options = Translate(lang, "fix.options", joinWords(opts, lang))
		}
		if typed != nil {
			row.Value = typed[q.Key]
		} else if v, ok := cur[q.Key]; ok {
			row.Value = typedOf(q, v)
		}
		d.Rows = append(d.Rows, row)
	}
	for _, r := range rec.Revisions {
		was, err := rawAnswers(r.Answers)
		if err != nil {
			a.Error(c, fmt.Errorf("response %s revision %d: %w", rec.ID, r.Revision, err))
			return
		}
		var parts []string
		for i := range def.Questions {
			q := &def.Questions[i]
			if v, ok := was[q.Key]; ok {
				parts = append(parts, questionLabel(q, lang)+" "+shownOf(q, v, lang))
			}
		}
		d.History = append(d.History, fixRev{Revision: r, Was: joinWords(parts, lang)})
	}
	v := a.View(c, "fix.title", d)
	v.Nav = "paper"
	v.Errors = errs
	a.Render(c, status, "response_correct.html", v)
}

// responseAndDef reads the response of the page and the version of its
// questionnaire; on failure the error page is shown and ok is false.
func (a *App) responseAndDef(c *gin.Context) (db.ResponseRecord, *models.Definition, bool) {
	ctx := c.Request.Context()
	rec, err := a.S.DB.ResponseWithHistory(ctx, c.Param("id"))
	if err != nil {
		a.Error(c, err)
		return rec, nil, false
	}
	def, _, err := a.S.DB.Definition(ctx, rec.QuestionnaireID, rec.Version)
	if err != nil {
		a.Error(c, err)
		return rec, nil, false
	}
	return rec, def, true
}

func rawAnswers(b json.RawMessage) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("stored answers: %w", err)
	}
	return m, nil
}

// joinWords joins words with the language's list separator.
func joinWords(ws []string, lang string) string {
	return strings.Join(ws, PunctOf(lang).Semi)
}

func (a *App) responseCorrect(c *gin.Context) {
	if err := parseForm(c); err != nil {
		a.Error(c, err)
		return
	}
	ctx := c.Request.Context()
	rec, def, ok := a.responseAndDef(c)
	if !ok {
		return
	}
	typed := map[string]string{}
	for _, q := range def.Questions {
		typed[q.Key] = c.PostForm("a." + q.Key)
	}
	reason := c.PostForm("reason")
	raw, bad := typedAnswers(def, typed, false)
	if len(bad) > 0 {
		a.renderCorrect(c, http.StatusUnprocessableEntity, typed, bad, reason)
		return
	}
	changed, err := a.S.DB.CorrectResponse(ctx, rec.ID, raw, reason)
	if fe := FieldErrors(err); fe != nil {
		a.renderCorrect(c, http.StatusUnprocessableEntity, typed, fe, reason)
		return
	}
	if err != nil {
		a.Error(c, err)
		return
	}
	msg := "fix.saved"
	if !changed {
		msg = "fix.unchanged"
	}
	a.Redirect(c, "/responses/"+rec.ID+"/correct", "ok", both(msg))
}

func (a *App) responseVoid(c *gin.Context) {
	if err := parseForm(c); err != nil {
		a.Error(c, err)
		return
	}
	_, err := a.S.DB.VoidResponse(c.Request.Context(), c.Param("id"), c.PostForm("reason"))
	if fe := FieldErrors(err); fe != nil {
		a.renderCorrect(c, http.StatusUnprocessableEntity, nil, map[string]string{"void_reason": fe["reason"]}, "")
		return
	}
	if err != nil {
		a.Error(c, err)
		return
	}
	a.Redirect(c, "/responses/"+c.Param("id")+"/correct", "ok", both("fix.voided"))
}
