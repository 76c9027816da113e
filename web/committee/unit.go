package committee

// A unit's pages (承办单位, issue 11): a login of role unit signs in at the
// hub and works through the opinions the committee assigned to its unit —
// 待办意见 (its inbox) and one opinion with 签收, 退回 and 答复 (with its
// 跟踪日期 for a B or C reply) for the lead unit, and 协办意见 for an
// assisting one. Every step goes through the hub's service
// (Store.UnitOpinions, UnitOpinion, Hub.UnitAct), which checks again what
// the pages check.

import (
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"budgetpoint/handlers"
	"budgetpoint/hub"
	"budgetpoint/internal/workdays"
	"budgetpoint/models"
	"budgetpoint/web"
)

var unitMessages = web.Messages{
	"unit.nav.inbox":        {"待办意见", "Opinions to handle"},
	"unit.nav.account":      {"账号", "Account"},
	"unit.inbox.lead":       {"预工委交办给%s的意见建议：签收后办理，并在办理期限内答复；交办有误的，可在交办后 %d 个工作日内退回。", "The opinions the committee assigned to %s: sign for each, handle it and reply by its due date; one assigned wrongly may be returned within %d working days of the assignment."},
	"unit.inbox.none":       {"目前没有交办给本单位的意见建议。", "No opinions are assigned to your unit now."},
	"unit.inbox.jump":       {"按类查看", "Sections"},
	"unit.sec.count":        {"%d 条", "(%d)"},
	"unit.sec.empty":        {"没有。", "None."},
	"unit.sec.overdue":      {"已超期", "Overdue"},
	"unit.sec.soon":         {"即将到期", "Due soon"},
	"unit.sec.new":          {"新交办", "Newly assigned"},
	"unit.sec.accepted":     {"已签收", "Signed for"},
	"unit.sec.done":         {"已答复、已办结", "Answered or closed"},
	"unit.sec.overdue_hint": {"已过办理期限仍未答复，请尽快答复。", "Past the due date and not answered: reply as soon as you can."},
	"unit.sec.soon_hint":    {"%d 个工作日内到期。", "Due within %d working days."},
	"unit.sec.new_hint":     {"请签收；交办有误的请退回。", "Sign for each, or return one assigned wrongly."},
	"unit.open":             {"查看与办理", "Open"},
	"unit.topic":            {"所属事项", "Topic"},
	"unit.left":             {"还剩 %d 个工作日", "%d working days left"},
	"unit.due_today":        {"今天到期", "due today"},
	"unit.as_lead":          {"主办", "lead"},
	"unit.as_assist":        {"协办", "assisting"},
	"unit.wait_sign":        {"待签收", "waiting to be signed for"},
	"unit.assist_units":     {"协办单位", "Assisting units"},
	"unit.this_unit":        {"本单位", "Your unit"},
	"unit.op.title":         {"意见办理", "Handling an opinion"},
	"unit.op.back":          {"回到待办意见", "Back to the opinions to handle"},
	"unit.op.assignment":    {"交办情况", "Assignment"},
	"unit.op.replies":       {"答复记录", "Replies"},
	"unit.op.history":       {"办理经过", "History"},
	"unit.op.at":            {"办理时间", "When"},
	"unit.op.actor":         {"操作人", "By"},
	"unit.op.step":          {"步骤", "Step"},
	"unit.op.detail":        {"说明", "Details"},
	"unit.act.assign":       {"交办", "assigned"},
	"unit.act.accept":       {"签收", "signed for"},
	"unit.act.return":       {"退回", "returned"},
	"unit.act.reply":        {"答复", "replied"},
	"unit.act.reopen":       {"不满意，重新办理（督办）", "not satisfied: handled again under supervision"},
	"unit.act.view":         {"协办意见", "assisting unit's view"},
	"unit.act.answer":       {"预工委答复", "answered by the committee"},
	"unit.act.forward":      {"转办", "passed on to the units"},
	"unit.act.close":        {"预工委办结", "closed by the committee"},
	"unit.act.merge":        {"并入另一条意见（并案）", "merged into another opinion"},
	"unit.act.merged":       {"并案：另一条意见并入本条", "another opinion merged into this one"},
	"unit.act.move":         {"预工委变更状态", "status changed by the committee"},
	"unit.d.lead":           {"主办单位：%s", "lead unit: %s"},
	"unit.d.assist":         {"协办单位：%s", "assisting: %s"},
	"unit.d.due":            {"办理期限：%s", "due %s"},
	"unit.d.unit":           {"承办单位：%s", "unit: %s"},
	"unit.d.reason":         {"理由：%s", "reason: %s"},
	"unit.d.grade":          {"%s", "grade %s"},
	"unit.d.eval":           {"评价：%s", "evaluation: %s"},
	"unit.d.follow_up":      {"跟踪日期：%s", "follow-up on %s"},
	"unit.d.status":         {"改为：%s", "to: %s"},
	"unit.accept.h":         {"签收这条意见", "Sign for this opinion"},
	"unit.accept.hint":      {"签收表示本单位承办这条意见，并在办理期限内答复。", "Signing for it says your unit takes it on and will reply by the due date."},
	"unit.accept.btn":       {"签收", "Sign for it"},
	"unit.return.h":         {"退回预工委", "Return it to the committee"},
	"unit.return.hint":      {"交办有误的，可在交办后 %d 个工作日内退回，写明理由，由预工委重新交办（已过 %d 个工作日）。", "An opinion assigned wrongly may be returned within %d working days of the assignment, with the reason; the committee assigns it again (%d working days have passed)."},
	"unit.return.reason":    {"退回理由", "Why it is returned"},
	"unit.return.btn":       {"退回", "Return it"},
	"unit.return.late":      {"交办已过 %d 个工作日，超过 %d 个工作日不能退回；如交办有误，请与预工委联系。", "Assigned %d working days ago: an opinion can be returned within %d only; if it was assigned wrongly, talk to the committee."},
	"unit.reply.h":          {"答复这条意见", "Reply to this opinion"},
	"unit.reply.content":    {"答复内容", "The reply"},
	"unit.reply.hint":       {"答复会转给提出意见的联系点，由提出人评价。", "The reply goes to the point the opinion came from, for the proposer to evaluate."},
	"unit.reply.btn":        {"提交答复", "Send the reply"},
	"unit.follow_up":        {"跟踪日期", "Follow-up date"},
	"unit.follow_up.hint":   {"B、C 类答复需要跟踪落实：不填则为三个月后（%s）；A、D 类不填。", "A B or C reply is followed up: left empty, three months on (%s); leave it empty for A or D."},
	"unit.follow_up.note":   {"这条意见的答复将于 %s 跟踪落实。", "This reply is followed up on %s."},
	"unit.views.h":          {"协办意见", "Views of the assisting units"},
	"unit.views.hint":       {"协办单位送来的意见，供主办单位答复时参考。", "What the assisting units sent, for the lead unit to read before it replies."},
	"unit.views.none":       {"协办单位还没有送来协办意见。", "No assisting unit has sent its view yet."},
	"unit.view.h":           {"提出协办意见", "Send your unit's view"},
	"unit.view.hint":        {"协办意见送主办单位%s，供其答复时参考；主办单位答复前可以送多次。", "Your view goes to the lead unit, %s, to read before it replies; you may send more than one until it replies."},
	"unit.view.content":     {"协办意见内容", "Your unit's view"},
	"unit.view.btn":         {"送主办单位", "Send it to the lead unit"},
	"unit.view.closed":      {"主办单位已答复，不再收协办意见。", "The lead unit has replied: it takes no more views."},
	"unit.viewed_ok":        {"协办意见已送主办单位", "Your view was sent to the lead unit"},
	"unit.need_view":        {"请填写协办意见", "write the view"},
	"unit.only_assist":      {"主办单位直接答复，协办意见由协办单位提出", "the lead unit replies; views come from the assisting units"},
	"unit.answered_note":    {"本单位已答复，等待提出人评价。", "Your unit has replied: the proposer's evaluation is awaited."},
	"unit.closed_note":      {"已办结，不需要再办理。", "Closed: nothing more to do."},
	"unit.assist_note":      {"本单位是这条意见的协办单位：请把协办意见送主办单位%s。签收、退回和答复由主办单位办理。", "Your unit assists with this opinion: send your views to the lead unit, %s. The lead unit signs for it, returns it or replies."},
	"unit.accepted_ok":      {"已签收，请在办理期限内答复", "Signed for: reply by the due date"},
	"unit.returned_ok":      {"已退回预工委，由预工委重新交办", "Returned to the committee, which will assign it again"},
	"unit.replied_ok":       {"已答复，答复会转给提出意见的联系点", "Replied: the reply goes to the point the opinion came from"},
	"unit.need_reason":      {"请写明退回理由", "write why it is returned"},
	"unit.need_grade":       {"请选择答复类别：A、B、C 或 D", "choose the grade: A, B, C or D"},
	"unit.need_content":     {"请填写答复内容", "write the reply"},
	"unit.too_long":         {"不能超过 %d 个字", "at most %d characters"},
	"unit.only_lead":        {"只有主办单位才能签收、退回或答复", "only the lead unit signs for, returns or replies"},
	"unit.no_unit":          {"此账号没有所属的承办单位，请联系管理员", "this login belongs to no unit: ask the administrator"},
}

// dueSoon is how many working days before its due date an opinion is
// 即将到期.
const dueSoon = 10

// The longest reason and reply (hub/api.go checks the same for the API).
const (
	maxReason = 2000
	maxReply  = 10000
)

func (p *Pages) unitRoutes(r *gin.Engine) {
	un := p.Page(handlers.UnitRole...)
	r.GET("/unit", un, p.unitInbox)
	r.GET("/unit/opinions/:id", un, p.unitOpinionPage)
	r.POST("/unit/opinions/:id/accept", un, p.unitStep("accept"))
	r.POST("/unit/opinions/:id/return", un, p.unitStep("return"))
	r.POST("/unit/opinions/:id/reply", un, p.unitStep("reply"))
	r.POST("/unit/opinions/:id/views", un, p.unitStep("view"))
}

// unitRow is an opinion as a unit's pages show it.
type unitRow struct {
	models.Opinion
	TopicName, PointName string
	LeadName             string
	AssistNames          []string
	IsLead               bool
	Open                 bool // forwarded or accepted: still to be answered
	Late                 bool // past due, not answered
	Soon                 bool // due within dueSoon working days
	DaysLeft, DaysOver   int  // working days
}

// Excerpt is the start of the content, for a heading.
func (r unitRow) Excerpt() string {
	s := strings.Join(strings.Fields(r.Content), " ")
	if utf8.RuneCountInString(s) <= 40 {
		return s
	}
	return string([]rune(s)[:40]) + "…"
}

// Long says whether the content is longer than its Excerpt.
func (r unitRow) Long() bool { return r.Excerpt() != r.Content }

// unitCtx is what every unit page needs: the unit and the names.
type unitCtx struct {
	unit, name string
	lang       string
	units      map[string]string // id → name
	topics     map[string]string // id → title in lang
	today      time.Time
}

// unitContext reads the signed-in login's unit and the names of units and
// topics; false when it has answered (a login without a unit, an error).
func (p *Pages) unitContext(c *gin.Context) (*unitCtx, bool) {
	sess, _ := handlers.SessionOf(c)
	u := &unitCtx{unit: sess.User.UnitID, lang: web.LangOf(c), units: map[string]string{}, topics: map[string]string{}, today: p.H.Store.Now()}
	if u.unit == "" {
		// UnitOpinions would read lead='' as every opinion not assigned.
		p.Error(c, models.Errorf(models.EForbidden, "%s", p.Both("unit.no_unit")))
		return nil, false
	}
	us, err := p.H.Store.Units(c.Request.Context())
	if err != nil {
		p.Error(c, err)
		return nil, false
	}
	for _, x := range us {
		u.units[x.ID] = x.Name
	}
	u.name = u.unitName(u.unit)
	ts, err := p.topicInfos(c)
	if err != nil {
		p.Error(c, err)
		return nil, false
	}
	for _, t := range ts {
		u.topics[t.ID] = web.LocalTitle(u.lang, t.Title, t.TitleEN)
	}
	return u, true
}

func (u *unitCtx) unitName(id string) string {
	if n := u.units[id]; n != "" {
		return n
	}
	return id
}

// row prepares an opinion for the pages: names, the unit's part in it and
// the working days to or past its due date (by the hub's calendar).
func (p *Pages) row(u *unitCtx, o models.Opinion) unitRow {
	r := unitRow{Opinion: o, PointName: p.pointName(u.lang, o.PointID), TopicName: u.topics[o.TopicID], LeadName: u.unitName(o.Lead), IsLead: o.Lead == u.unit}
	if r.TopicName == "" {
		r.TopicName = o.TopicID
	}
	for _, a := range o.Assist {
		r.AssistNames = append(r.AssistNames, u.unitName(a))
	}
	r.Open = o.Status == "forwarded" || o.Status == "accepted"
	if due, err := time.ParseInLocation(time.DateOnly, o.Due, workdays.China); err == nil && r.Open {
		today := u.today.In(workdays.China).Format(time.DateOnly)
		if today > o.Due {
			r.Late, r.DaysOver = true, p.H.Calendar.Between(due, u.today)
		} else {
			r.DaysLeft = p.H.Calendar.Between(u.today, due)
			r.Soon = r.DaysLeft <= dueSoon
		}
	}
	return r
}

// unitSection is one section of the inbox.
type unitSection struct {
	ID, Key, Hint string
	Items         []unitRow
}

type unitInboxData struct {
	Unit          string
	Sections      []unitSection
	Total, Within int
}

func (p *Pages) unitInbox(c *gin.Context) {
	u, ok := p.unitContext(c)
	if !ok {
		return
	}
	os, err := p.H.Store.UnitOpinions(c.Request.Context(), u.unit, 500)
	if err != nil {
		p.Error(c, err)
		return
	}
	d := &unitInboxData{Unit: u.name, Total: len(os), Within: hub.ReturnWithin, Sections: []unitSection{
		{ID: "overdue", Key: "unit.sec.overdue", Hint: p.Translate(u.lang, "unit.sec.overdue_hint")},
		{ID: "soon", Key: "unit.sec.soon", Hint: p.Translate(u.lang, "unit.sec.soon_hint", dueSoon)},
		{ID: "new", Key: "unit.sec.new", Hint: p.Translate(u.lang, "unit.sec.new_hint")},
		{ID: "accepted", Key: "unit.sec.accepted"},
		{ID: "done", Key: "unit.sec.done"},
	}}
	for _, o := range os {
		r := p.row(u, o)
		i := 4 // answered or closed
		switch {
		case r.Late:
			i = 0
		case r.Soon:
			i = 1
		case o.Status == "forwarded":
			i = 2
		case o.Status == "accepted":
			i = 3
		}
		d.Sections[i].Items = append(d.Sections[i].Items, r)
	}
	p.Render(c, http.StatusOK, "unit_inbox.html", p.view(c, "unit.nav.inbox", "unit-inbox", d))
}

// unitViewRow is an assisting unit's view as the page shows it.
type unitViewRow struct {
	models.View
	Mine bool // this unit's own
}

// unitStepView is one step of an opinion's history as the page shows it.
type unitStepView struct {
	At            time.Time
	Actor, Action string
	Details       []string
}

type unitOpData struct {
	unitRow
	Unit      string
	Replies   []models.Reply
	Views     []unitViewRow
	History   []unitStepView
	CanAccept bool
	CanReturn bool // the return form (false when too late: ReturnLate)
	CanReply  bool
	CanView   bool // an assisting unit's form for its view
	// FollowUpDefault is the follow-up date of a B or C reply left
	// without one (three months on), Tomorrow the earliest one may give.
	FollowUpDefault, Tomorrow string
	// ReturnLate is why it can no longer be returned ("" when it can).
	ReturnLate string
	Passed     int // working days since the assignment
	Within     int
	Grades     []string
	// After a step refused: which form, its message, the field it is
	// about ("" for the form as a whole), what was typed.
	Form, Error, Field                           string
	Reason, Grade, ReplyText, FollowUpText, View string
}

// Row is the opinion's row, for the partial unit-meta.
func (d *unitOpData) Row() unitRow { return d.unitRow }

// gradeName is a grade with its name: "B 类：正在解决" (grade.B).
func (p *Pages) gradeName(lang, g string) string {
	if !models.In(g, models.Grades) {
		return g
	}
	return p.Translate(lang, "grade."+g)
}

// actionName is a step of the history in words; one it does not know is
// shown as it is.
func (p *Pages) actionName(lang, action string) string {
	key := "unit.act." + action
	if s := p.Translate(lang, key); s != key {
		return s
	}
	return action
}

func (p *Pages) unitOpinionPage(c *gin.Context) {
	p.renderUnitOpinion(c, http.StatusOK, nil)
}

// renderUnitOpinion shows one opinion of the unit; failed, when set, is the
// form whose step was refused, with its message and what was typed.
func (p *Pages) renderUnitOpinion(c *gin.Context, status int, failed *unitOpData) {
	u, ok := p.unitContext(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	id := c.Param("id")
	o, err := p.H.Store.UnitOpinion(ctx, u.unit, id)
	if err != nil {
		p.Error(c, err)
		return
	}
	d := &unitOpData{unitRow: p.row(u, o), Unit: u.name, Replies: o.Replies, Grades: models.Grades, Within: hub.ReturnWithin}
	for i := range d.Replies {
		d.Replies[i].Unit = u.unitName(d.Replies[i].Unit)
		d.Replies[i].Grade = p.Translate(u.lang, "unit.d.grade", p.gradeName(u.lang, d.Replies[i].Grade))
	}
	for _, v := range o.Views {
		r := unitViewRow{View: v, Mine: v.Unit == u.unit}
		r.Unit = u.unitName(v.Unit)
		d.Views = append(d.Views, r)
	}
	for _, s := range o.History {
		d.History = append(d.History, unitStepView{At: s.At, Actor: s.Actor, Action: p.actionName(u.lang, s.Action), Details: p.stepDetails(u, s.Action, s.Detail)})
	}
	d.CanView = !d.IsLead && d.Open
	if d.IsLead && d.Open {
		now := p.H.Store.Now()
		d.FollowUpDefault = p.H.Calendar.Months(now, hub.DefaultDueMonths).Format(time.DateOnly)
		d.Tomorrow = now.In(workdays.China).AddDate(0, 0, 1).Format(time.DateOnly)
		d.CanAccept = o.Status == "forwarded"
		d.CanReply = true
		at, err := p.H.Store.UnitAssignedAt(ctx, u.unit, id)
		if err != nil {
			p.Error(c, err)
			return
		}
		d.Passed = p.H.Calendar.Between(at, p.H.Store.Now())
		if d.Passed > hub.ReturnWithin {
			d.ReturnLate = p.Translate(u.lang, "unit.return.late", d.Passed, hub.ReturnWithin)
		} else {
			d.CanReturn = true
		}
	}
	v := p.view(c, "unit.op.title", "unit-inbox", d)
	if failed != nil {
		d.Form, d.Error, d.Field, d.Reason, d.Grade, d.ReplyText = failed.Form, failed.Error, failed.Field, failed.Reason, failed.Grade, failed.ReplyText
		d.FollowUpText, d.View = failed.FollowUpText, failed.View
		if d.Field != "" {
			v.Errors = map[string]string{d.Field: d.Error}
		}
		v.Flash = append(v.Flash, web.Flash{Kind: "error", Msg: p.Translate(u.lang, "hub.op.error", web.Bilingual(u.lang, failed.Error))})
	}
	p.Render(c, status, "unit_opinion.html", v)
}

// stepDetails says what a step of the history carried, in the page's language.
func (p *Pages) stepDetails(u *unitCtx, action string, detail map[string]any) []string {
	var out []string
	str := func(k string) string { s, _ := detail[k].(string); return s }
	if l := str("lead"); l != "" {
		out = append(out, p.Translate(u.lang, "unit.d.lead", u.unitName(l)))
	}
	if as, _ := detail["assist"].([]any); len(as) > 0 {
		var names []string
		for _, a := range as {
			if s, ok := a.(string); ok {
				names = append(names, u.unitName(s))
			}
		}
		out = append(out, p.Translate(u.lang, "unit.d.assist", strings.Join(names, web.PunctOf(u.lang).Sep)))
	}
	if due := str("due"); due != "" {
		out = append(out, p.Translate(u.lang, "unit.d.due", due))
	}
	if un := str("unit"); un != "" {
		out = append(out, p.Translate(u.lang, "unit.d.unit", u.unitName(un)))
	}
	if g := str("grade"); g != "" {
		out = append(out, p.Translate(u.lang, "unit.d.grade", p.gradeName(u.lang, g)))
	}
	if f := str("follow_up"); f != "" {
		out = append(out, p.Translate(u.lang, "unit.d.follow_up", f))
	}
	if to := str("to"); to != "" && action == "move" {
		out = append(out, p.Translate(u.lang, "unit.d.status", p.Translate(u.lang, "status."+to)))
	}
	if e := str("evaluation"); e != "" {
		out = append(out, p.Translate(u.lang, "unit.d.eval", web.Translate(u.lang, "eval."+e)))
	}
	if r := str("reason"); r != "" {
		out = append(out, p.Translate(u.lang, "unit.d.reason", r))
	}
	return out
}

// unitStep is the POST of one form: accept (签收), return (退回, with a
// reason), reply (答复, with a grade, the content and for B or C a
// follow-up date) or view (协办意见, an assisting unit's). A refused step
// shows the opinion again with the message beside the form or its field
// (422 for what was typed, 403 for the wrong unit, 409 when the opinion has
// moved), what was typed kept, nothing changed.
func (p *Pages) unitStep(action string) gin.HandlerFunc {
	// fields are the page's fields of the hub's field names, per form.
	fields := map[string]map[string]string{
		"reply":  {"grade": "grade", "content": "content", "follow_up": "follow_up"},
		"return": {}, // a late return's reason: beside the form, which is gone
		"view":   {"content": "view"},
	}[action]
	return func(c *gin.Context) {
		lang := web.LangOf(c)
		sess, _ := handlers.SessionOf(c)
		unit, id := sess.User.UnitID, c.Param("id")
		if unit == "" {
			p.Error(c, models.Errorf(models.EForbidden, "%s", p.Both("unit.no_unit")))
			return
		}
		step := hub.UnitStep{Action: action, Reason: strings.TrimSpace(c.PostForm("reason")), Grade: c.PostForm("grade"),
			Content: strings.TrimSpace(c.PostForm("content")), FollowUp: strings.TrimSpace(c.PostForm("follow_up"))}
		failed := &unitOpData{Form: action, Reason: c.PostForm("reason"), Grade: step.Grade, ReplyText: c.PostForm("content"), FollowUpText: c.PostForm("follow_up")}
		if action == "view" {
			failed.ReplyText, failed.View = "", c.PostForm("content")
		}
		fail := func(status int, msg string) {
			failed.Error = msg
			p.renderUnitOpinion(c, status, failed)
		}
		bad := func(field, msg string) {
			failed.Field = field
			fail(http.StatusUnprocessableEntity, msg)
		}
		// missing answers a required text left empty or too long, beside its field.
		missing := func(field, v, need string, most int) bool {
			switch {
			case v == "":
				bad(field, p.Both(need))
			case utf8.RuneCountInString(v) > most:
				bad(field, p.Both("unit.too_long", most))
			default:
				return false
			}
			return true
		}
		o, err := p.H.Store.UnitOpinion(c.Request.Context(), unit, id)
		if err != nil {
			p.Error(c, err) // another unit's, or none: not found
			return
		}
		switch {
		case action == "view" && o.Lead == unit:
			fail(http.StatusForbidden, p.Both("unit.only_assist"))
			return
		case action != "view" && o.Lead != unit:
			fail(http.StatusForbidden, p.Both("unit.only_lead"))
			return
		}
		switch action {
		case "return":
			if missing("reason", step.Reason, "unit.need_reason", maxReason) {
				return
			}
			step = hub.UnitStep{Action: action, Reason: step.Reason}
		case "reply":
			if !models.In(step.Grade, models.Grades) {
				bad("grade", p.Both("unit.need_grade"))
				return
			}
			if missing("content", step.Content, "unit.need_content", maxReply) {
				return
			}
			// The follow-up date is the hub's to check (Hub.UnitAct): its
			// message comes back beside the field.
			step.Reason = ""
		case "view":
			if missing("view", step.Content, "unit.need_view", maxReply) {
				return
			}
			step = hub.UnitStep{Action: action, Content: step.Content}
		default:
			step = hub.UnitStep{Action: action}
		}
		if _, err := p.H.UnitAct(c.Request.Context(), unit, id, step); err != nil {
			e, ok := models.AsError(err)
			if !ok || e.Code == models.ENotFound || e.Code == models.EInternal || e.Code == models.EUnavailable {
				p.Error(c, err)
				return
			}
			msg := e.Message
			if len(e.Fields) > 0 {
				var msgs []string
				for k, m := range e.Fields {
					msgs = append(msgs, m)
					if f := fields[k]; f != "" && len(e.Fields) == 1 {
						failed.Field = f
					}
				}
				msg = joinBilingual(msgs)
			}
			fail(handlers.Status(e.Code), msg)
			return
		}
		key := map[string]string{"accept": "unit.accepted_ok", "return": "unit.returned_ok", "reply": "unit.replied_ok", "view": "unit.viewed_ok"}[action]
		to := "/unit/opinions/" + id
		if action == "return" {
			to = "/unit" // no longer the unit's
		}
		p.Redirect(c, to, "ok", p.Translate(lang, key))
	}
}
