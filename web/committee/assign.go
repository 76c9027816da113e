package committee

// 交办 on the workbench: an opinion assigned to a lead unit and assisting
// units with a due date (hub.Hub.AssignOpinion), one at a time or many at
// once; and how a row shows its handling (rounds, units, due date, the
// replies of every round and the history of its steps).

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"budgetpoint/hub"
	"budgetpoint/internal/workdays"
	"budgetpoint/models"
	"budgetpoint/web"
)

var assignMessages = web.Messages{
	"hub.as.assign":       {"交办承办单位", "Assign to units"},
	"hub.as.reassign":     {"重新交办", "Assign again"},
	"hub.as.lead":         {"主办单位", "Lead unit"},
	"hub.as.assist":       {"协办单位（可多选，可不选）", "Assisting units (any, or none)"},
	"hub.as.assist_short": {"协办单位", "Assisting"},
	"hub.as.due":          {"办理期限", "Due date"},
	"hub.as.due_hint":     {"留空则为三个月后：%s（遇节假日顺延至工作日）", "Empty: three months on, %s (the next working day if that is a holiday)"},
	"hub.as.btn":          {"交办", "Assign"},
	"hub.as.no_units":     {"还没有承办单位：请先到“承办单位”页面添加，再交办。", "No unit yet: add the units on the Handling units page first, then assign."},
	"hub.as.ok":           {"已交办%s，办理期限 %s", "Assigned to %s, due %s"},
	"hub.as.bulk":         {"交办所选", "Assign the ones ticked"},
	"hub.as.bulk_hint":    {"在下面勾选要交办的意见建议（已记录、已报送或已交办的），再选承办单位和期限。", "Tick the opinions to assign below (recorded, reported or forwarded ones), then choose the units and the due date."},
	"hub.as.select":       {"选择此条交办", "Tick to assign"},
	"hub.as.need_some":    {"请先勾选要交办的意见建议", "tick the opinions to assign first"},
	"hub.as.need_lead":    {"请选择主办单位", "choose the lead unit"},
	"hub.as.bulk_ok":      {"已交办 %d 条给%s，办理期限 %s", "%d assigned to %s, due %s"},
	"hub.as.bulk_failed":  {"%d 条没有交办：%s", "%d not assigned: %s"},
	"hub.as.bulk_more":    {"等 %d 条", "and %d more"},
	"hub.as.bulk_mixed":   {"%s；%s", "%s; %s"},
	"hub.as.one_failed":   {"“%s”：%s", "“%s”: %s"},
	"hub.as.error":        {"没有交办：%s", "Not assigned: %s"},
	"hub.as.round":        {"第 %d 轮", "round %d"},
	"hub.as.overdue":      {"超期", "overdue"},
	"hub.as.supervised":   {"督办", "supervised"},
	"hub.as.handling":     {"办理情况", "Handling"},
	"hub.as.replies":      {"承办单位的答复", "The units' replies"},
	"hub.as.reply_of":     {"第 %d 轮 · %s · %s · 答复类别 %s", "round %d · %s · %s · grade %s"},
	"hub.as.history":      {"办理记录", "History"},
	"hub.as.history_of":   {"办理记录（%d 步）", "History (%d steps)"},
	"hub.as.step_when":    {"办理时间", "When done"},
	"hub.as.step_who":     {"操作人", "Who"},
	"hub.as.step_what":    {"办理", "What"},
	"hub.step.assign":     {"交办给%s%s，期限 %s", "assigned to %s%s, due %s"},
	"hub.step.assist":     {"，协办：%s", ", assisted by %s"},
	"hub.step.accept":     {"%s签收", "signed for by %s"},
	"hub.step.return":     {"%s退回：%s", "returned by %s: %s"},
	"hub.step.reply":      {"%s答复（%s）", "replied by %s (%s)"},
	"hub.step.reopen":     {"提出人不满意，重新办理（督办），期限 %s", "the proposer was not satisfied: handled again under supervision, due %s"},
	"hub.op.reopened_ok":  {"提出人不满意：已进入第 %d 轮办理（督办），仍由%s主办，办理期限 %s", "Not satisfied: round %d of handling has begun under supervision, still led by %s, due %s"},
	"hub.as.assisted":     {"协办：%s", "assisted by %s"},
}

// assignForm is what an assign form posted (or what the row offers).
type assignForm struct {
	Lead   string
	Assist []string
	Due    string
	Errs   map[string]string // by field: lead, assist, due
}

func readAssign(c *gin.Context) assignForm {
	return assignForm{Lead: c.PostForm("lead"), Assist: c.PostFormArray("assist"), Due: strings.TrimSpace(c.PostForm("due"))}
}

func (a assignForm) assignment() hub.Assignment {
	var assist []string
	for _, u := range a.Assist {
		if u != "" && !models.In(u, assist) {
			assist = append(assist, u)
		}
	}
	return hub.Assignment{Lead: a.Lead, Assist: assist, Due: a.Due}
}

// assignErrors sorts an assignment's refusal: the mistakes of the form
// (lead, assist, due: the same for every opinion) by field, or else what
// is wrong with this opinion (its status, voided, gone), in both languages.
func (p *Pages) assignErrors(err error) (form map[string]string, why string, ok bool) {
	e, isApp := models.AsError(err)
	if !isApp || e.Code == models.EInternal || e.Code == models.EUnavailable {
		return nil, "", false
	}
	form = map[string]string{}
	var other []string
	for k, m := range e.Fields {
		switch {
		case k == "lead" || k == "due":
			form[k] = m
		case strings.HasPrefix(k, "assist"):
			form["assist"] = m
		default:
			other = append(other, m)
		}
	}
	if len(form) > 0 {
		return form, "", true
	}
	if len(other) == 0 {
		other = append(other, e.Message)
	}
	sort.Strings(other)
	return nil, joinBilingual(other), true
}

// opinionAssign is one row's 交办 form.
func (p *Pages) opinionAssign(c *gin.Context) {
	lang := web.LangOf(c)
	back, _ := url.ParseQuery(c.PostForm("back"))
	f := opFilter(back)
	id := c.Param("id")
	af := readAssign(c)
	fail := func(msg string, errs map[string]string) {
		af.Errs = errs
		p.renderOpinions(c, http.StatusUnprocessableEntity, f, &hubOp{Opinion: models.Opinion{ID: id}, Op: "assign", Error: msg, Assign: af})
	}
	if af.Lead == "" {
		fail(p.Both("hub.as.need_lead"), map[string]string{"lead": p.Both("hub.as.need_lead")})
		return
	}
	o, err := p.H.AssignOpinion(c.Request.Context(), id, af.assignment())
	if err != nil {
		form, why, ok := p.assignErrors(err)
		switch {
		case !ok:
			p.Error(c, err)
		case form != nil:
			var msgs []string
			for _, k := range []string{"lead", "assist", "due"} {
				if m, ok := form[k]; ok {
					msgs = append(msgs, m)
				}
			}
			fail(joinBilingual(msgs), form)
		default:
			fail(why, nil)
		}
		return
	}
	names, _, err := p.unitNames(c)
	if err != nil {
		p.Error(c, err)
		return
	}
	to := workbench(f) + "#op-" + id
	if c.PostForm("single") == "1" {
		to = "/hub/opinions/" + url.PathEscape(id)
	}
	p.Redirect(c, to, "ok", p.Translate(lang, "hub.as.ok", unitList(p.Translate, lang, names, o.Lead, o.Assist), o.Due))
}

// workbench is the workbench's address with the filters.
func workbench(f models.OpinionFilter) string {
	if q := filterQuery(f); q != "" {
		return "/hub/opinions?" + q
	}
	return "/hub/opinions"
}

// unitList names the lead unit, then the assisting ones in brackets.
func unitList(translate func(lang, key string, args ...any) string, lang string, names map[string]string, lead string, assist []string) string {
	s := unitName(names, lead)
	if len(assist) > 0 {
		var n []string
		for _, u := range assist {
			n = append(n, unitName(names, u))
		}
		s += web.PunctOf(lang).Paren(translate(lang, "hub.as.assisted", web.PunctOf(lang).Join(n)))
	}
	return s
}

// bulkAssign assigns every opinion ticked with the same units and due
// date, each with hub.Hub.AssignOpinion: a mistake of the form is said
// beside it and nothing is assigned; otherwise the page says which were
// assigned and which were not, and why.
func (p *Pages) bulkAssign(c *gin.Context) {
	lang := web.LangOf(c)
	back, _ := url.ParseQuery(c.PostForm("back"))
	f := opFilter(back)
	af := readAssign(c)
	var ids []string
	for _, id := range c.PostFormArray("ids") {
		if id != "" && !models.In(id, ids) {
			ids = append(ids, id)
		}
	}
	refuse := func(msg string, errs map[string]string) {
		af.Errs = errs
		p.renderBulk(c, f, af, msg)
	}
	switch {
	case len(ids) == 0:
		refuse(p.Both("hub.as.need_some"), nil)
		return
	case af.Lead == "":
		refuse(p.Both("hub.as.need_lead"), map[string]string{"lead": p.Both("hub.as.need_lead")})
		return
	}
	ctx := c.Request.Context()
	var done int
	var due string
	var failed []string
	for _, id := range ids {
		o, err := p.H.AssignOpinion(ctx, id, af.assignment())
		if err == nil {
			done++
			due = o.Due
			continue
		}
		form, why, ok := p.assignErrors(err)
		switch {
		case !ok:
			p.Error(c, err)
			return
		case form != nil && done == 0:
			// The form is wrong, for every one alike: nothing was assigned.
			var msgs []string
			for _, k := range []string{"lead", "assist", "due"} {
				if m, ok := form[k]; ok {
					msgs = append(msgs, m)
				}
			}
			refuse(joinBilingual(msgs), form)
			return
		case form != nil:
			why = joinBilingual(mapValues(form))
		}
		what := id
		if old, err := p.H.Opinion(ctx, id); err == nil {
			what = short(old.Content, 20)
		}
		failed = append(failed, p.Translate(lang, "hub.as.one_failed", what, web.Bilingual(lang, why)))
	}
	names, _, err := p.unitNames(c)
	if err != nil {
		p.Error(c, err)
		return
	}
	var okMsg string
	if done > 0 {
		okMsg = p.Translate(lang, "hub.as.bulk_ok", done, unitList(p.Translate, lang, names, af.Lead, af.assignment().Assist), due)
	}
	if len(failed) == 0 {
		p.Redirect(c, workbench(f), "ok", okMsg)
		return
	}
	// The flash is a cookie: name five, count the rest; one message, as
	// a second would replace the first.
	shown := failed
	if len(shown) > 5 {
		shown = append(shown[:5:5], p.Translate(lang, "hub.as.bulk_more", len(failed)-5))
	}
	msg := p.Translate(lang, "hub.as.bulk_failed", len(failed), web.PunctOf(lang).Join(shown))
	if okMsg != "" {
		msg = p.Translate(lang, "hub.as.bulk_mixed", okMsg, msg)
	}
	p.Redirect(c, workbench(f), "error", msg)
}

// renderBulk shows the workbench again with the bulk form's mistake.
func (p *Pages) renderBulk(c *gin.Context, f models.OpinionFilter, af assignForm, msg string) {
	p.renderWorkbench(c, http.StatusUnprocessableEntity, f, nil, &bulkState{Form: af, Error: msg, IDs: c.PostFormArray("ids")})
}

type bulkState struct {
	Form  assignForm
	Error string
	IDs   []string // ticked
}

func mapValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// short is s cut to n characters, with an ellipsis when cut.
func short(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// stepText says in lang what a step of an opinion's history did.
func (p *Pages) stepText(lang string, names map[string]string, s models.OpinionStep) string {
	str := func(k string) string {
		v, _ := s.Detail[k].(string)
		return v
	}
	switch s.Action {
	case "assign":
		var assist []string
		if xs, ok := s.Detail["assist"].([]any); ok {
			for _, x := range xs {
				if u, ok := x.(string); ok {
					assist = append(assist, unitName(names, u))
				}
			}
		}
		extra := ""
		if len(assist) > 0 {
			extra = p.Translate(lang, "hub.step.assist", web.PunctOf(lang).Join(assist))
		}
		return p.Translate(lang, "hub.step.assign", unitName(names, str("lead")), extra, str("due"))
	case "accept":
		return p.Translate(lang, "hub.step.accept", unitName(names, str("unit")))
	case "return":
		return p.Translate(lang, "hub.step.return", unitName(names, str("unit")), str("reason"))
	case "reply":
		return p.Translate(lang, "hub.step.reply", unitName(names, str("unit")), p.Translate(lang, "grade."+str("grade")))
	case "reopen":
		return p.Translate(lang, "hub.step.reopen", str("due"))
	case "view":
		return p.Translate(lang, "hub.step.view", unitName(names, str("unit")))
	}
	// The committee's own moves (forward, answer, close), in the words of
	// the unit's history; merge and merged are told by mergeInfo.
	return p.actionName(lang, s.Action)
}

// handling is what a row shows of an opinion's handling.
type handling struct {
	LeadUnit    string
	AssistNames []string
	ReplyRows   []replyRow
	StepRows    []stepRow
}

type replyRow struct {
	Head    string // round, unit, when, grade
	Content string
}

type stepRow struct {
	At, Actor, What string
}

func (p *Pages) handlingOf(lang string, names map[string]string, o models.Opinion) handling {
	h := handling{}
	if o.Lead != "" {
		h.LeadUnit = unitName(names, o.Lead)
	}
	for _, u := range o.Assist {
		h.AssistNames = append(h.AssistNames, unitName(names, u))
	}
	for _, r := range o.Replies {
		h.ReplyRows = append(h.ReplyRows, replyRow{Head: p.Translate(lang, "hub.as.reply_of", r.Round, unitName(names, r.Unit), web.DateTime(r.At), p.Translate(lang, "grade."+r.Grade)), Content: r.Content})
	}
	for _, s := range o.History {
		h.StepRows = append(h.StepRows, stepRow{At: web.DateTime(s.At), Actor: s.Actor, What: p.stepText(lang, names, s)})
	}
	return h
}

// defaultDue is the due date of an assignment given none, today.
func (p *Pages) defaultDue() string {
	return p.H.Calendar.Months(p.H.Store.Now(), hub.DefaultDueMonths).Format(time.DateOnly)
}

// today is today's date in China.
func (p *Pages) today() string {
	return p.H.Store.Now().In(workdays.China).Format(time.DateOnly)
}
