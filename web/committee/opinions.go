package committee

// 意见建议办理: the opinions the points reported, forwarded, answered and
// closed here; the hub sends each change back to its point.

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"budgetpoint/hub"
	"budgetpoint/models"
	"budgetpoint/web"
)

var opinionMessages = web.Messages{
	"hub.op.title":        {"意见建议办理", "Opinions workbench"},
	"hub.op.lead":         {"各联系点报送的意见建议：交办、答复，按提出人的评价办结。办理结果会同步回提出意见的联系点。", "Opinions the points reported: forward them, answer them, and close them with the proposer's evaluation. What you do goes back to the point the opinion came from."},
	"hub.op.count":        {"本页 %d 条", "%d on this page"},
	"hub.op.recorded_at":  {"记录于 %s", "recorded %s"},
	"hub.op.forward":      {"交办", "Forward"},
	"hub.op.forward_hint": {"交办：转有关部门办理（状态改为“已交办”）。", "Forward: send it to the department concerned (status becomes “forwarded”)."},
	"hub.op.answer":       {"答复内容", "Answer"},
	"hub.op.answer_btn":   {"答复", "Answer"},
	"hub.op.reanswer_btn": {"修改答复", "Correct the answer"},
	"hub.op.eval":         {"提出人的评价", "The proposer's evaluation"},
	"hub.op.close_btn":    {"办结", "Close"},
	"hub.op.closed_note":  {"已办结，不能再改动。", "Closed: it cannot change any more."},
	"hub.op.the_answer":   {"答复", "Answer"},
	"hub.op.forwarded_ok": {"已交办", "Forwarded"},
	"hub.op.answered_ok":  {"已答复，答复会同步到联系点", "Answered: the answer goes back to the point"},
	"hub.op.closed_ok":    {"已办结", "Closed"},
	"hub.op.error":        {"这条意见没有改动：%s", "This opinion was not changed: %s"},
	"hub.op.bad_op":       {"请选择要做的办理操作", "choose what to do with the opinion"},
	"hub.op.need_answer":  {"请填写答复内容后再点“答复”", "write the answer before pressing Answer"},
	"hub.op.need_eval":    {"请选择提出人的评价：满意、基本满意或不满意", "choose the proposer's evaluation: satisfied, basically satisfied or not satisfied"},
	// Why a move cannot be made: 这条意见现在是“已报送”，不能办结：请先答复…
	"hub.op.cannot":           {"这条意见现在是“%s”，不能%s：%s", "this opinion is %s: it cannot be %s now: %s"},
	"hub.op.act.forwarded":    {"交办", "forwarded"},
	"hub.op.act.answered":     {"答复", "answered"},
	"hub.op.act.closed":       {"办结", "closed"},
	"hub.op.why.closed":       {"已办结的意见不能再改动", "a closed opinion does not change any more"},
	"hub.op.why.answer_first": {"请先答复，再按提出人的评价办结", "answer it first, then close it with the proposer's evaluation"},
	"hub.op.why.forwarded":    {"它已经交办过了", "it has been forwarded already"},
	"hub.op.why.reload":       {"请刷新页面看它现在的状态", "reload the page to see where it stands"},
	"hub.op.one_title":        {"意见建议办理详情", "An opinion's handling"},
	"hub.op.voided":           {"这条意见已在联系点撤销", "this opinion was taken back at its point"},
	"hub.op.back":             {"返回意见建议办理", "Back to the opinions workbench"},
	"hub.op.open":             {"详情", "Details"},
	"hub.op.forward_nounit":   {"还没有承办单位时，可以先只标记为“已交办”；添加承办单位后请用交办表单。", "While there is no unit yet, you can mark it forwarded only; once units are added, use the assign form."},
}

// hubOp is one opinion row of the workbench.
type hubOp struct {
	models.Opinion
	PointName string
	TopicName string
	// Error and the posted values when the last action on it failed.
	Error    string
	Op       string // the action that failed: forward, answer, close or assign
	Answer   string
	Eval     string
	Assign   assignForm // the assign form: what it offers, or what was posted
	CanFwd   bool
	CanAns   bool
	CanClose bool
	// CanAssign: recorded, reported or forwarded (assigned again).
	CanAssign bool
	Checked   bool // ticked for the bulk assignment
	handling
	// 并案: the short content of the one it follows (MergedInto), those
	// merged into it, whether it may be merged, the likely duplicates (on
	// its own page) and the number typed in the merge form.
	IntoShort string
	Merged    []mergedRow
	CanMerge  bool
	Similar   []similarRow
	Into      string
	// The assisting units' views, and the follow-up date of a B or C reply.
	ViewRows     []viewRow
	FollowUpDate string
}

type hubOpsData struct {
	Items                        []hubOp
	Topics                       []hub.TopicInfo
	Points                       [][2]string
	Statuses, Sources, Evals     []string
	Topic, Point, Status, Source string
	Next                         string
	Query                        string // the filters, to come back to
	ErrorID                      string
	Units                        []hub.Unit
	DefaultDue, Today            string
	Bulk                         assignForm // the bulk form, with its mistakes
	BulkError                    string
	CanBulk                      bool // some row can be assigned
	Single                       bool // one opinion's page (/hub/opinions/:id)
}

// opFilter reads the workbench's filters from a query.
func opFilter(q url.Values) models.OpinionFilter {
	f := models.OpinionFilter{Topic: q.Get("topic"), Point: q.Get("point"), Status: q.Get("status"), Source: q.Get("source"), After: q.Get("after"), Limit: 20}
	if !models.In(f.Status, models.OpinionStatuses) {
		f.Status = ""
	}
	if !models.In(f.Source, models.OpinionSources) {
		f.Source = ""
	}
	return f
}

func filterQuery(f models.OpinionFilter) string {
	q := url.Values{}
	for k, v := range map[string]string{"topic": f.Topic, "point": f.Point, "status": f.Status, "source": f.Source, "after": f.After} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q.Encode()
}

func (p *Pages) opinionsPage(c *gin.Context) {
	p.renderOpinions(c, http.StatusOK, opFilter(c.Request.URL.Query()), nil)
}

// renderOpinions shows the workbench; failed, when set, is the opinion whose
// action failed, with its message and what was typed.
func (p *Pages) renderOpinions(c *gin.Context, status int, f models.OpinionFilter, failed *hubOp) {
	if c.PostForm("single") == "1" {
		p.renderOne(c, status, failed.ID, failed)
		return
	}
	p.renderWorkbench(c, status, f, failed, nil)
}

// opinionPage is one opinion's page, /hub/opinions/:id: the workbench's
// row alone, with its handling open.
func (p *Pages) opinionPage(c *gin.Context) {
	p.renderOne(c, http.StatusOK, c.Param("id"), nil)
}

func (p *Pages) renderOne(c *gin.Context, status int, id string, failed *hubOp) {
	o, err := p.H.Opinion(c.Request.Context(), id)
	if err != nil {
		p.Error(c, err)
		return
	}
	if o.Voided {
		p.Error(c, models.Errorf(models.ENotFound, "%s", p.Both("hub.op.voided")))
		return
	}
	p.renderList(c, status, models.OpinionFilter{}, models.Page[models.Opinion]{Items: []models.Opinion{o}}, failed, nil, true)
}

// renderWorkbench shows a page of the workbench; failed is the row whose
// action failed, bulk the bulk form refused.
func (p *Pages) renderWorkbench(c *gin.Context, status int, f models.OpinionFilter, failed *hubOp, bulk *bulkState) {
	page, err := p.H.Opinions(c.Request.Context(), f)
	if err != nil {
		p.Error(c, err)
		return
	}
	p.renderList(c, status, f, page, failed, bulk, false)
}

func (p *Pages) renderList(c *gin.Context, status int, f models.OpinionFilter, page models.Page[models.Opinion], failed *hubOp, bulk *bulkState, single bool) {
	lang := web.LangOf(c)
	ctx := c.Request.Context()
	unames, units, err := p.unitNames(c)
	if err != nil {
		p.Error(c, err)
		return
	}
	ts, err := p.topicInfos(c)
	if err != nil {
		p.Error(c, err)
		return
	}
	names := map[string]string{}
	for _, t := range ts {
		names[t.ID] = t.Title
		if lang == web.LangEN && t.TitleEN != "" {
			names[t.ID] = t.TitleEN
		}
		if names[t.ID] == "" {
			names[t.ID] = t.ID
		}
	}
	d := &hubOpsData{Topics: ts, Statuses: models.OpinionStatuses, Sources: models.OpinionSources, Evals: models.Evaluations,
		Topic: f.Topic, Point: f.Point, Status: f.Status, Source: f.Source, Query: filterQuery(f),
		Units: units, DefaultDue: p.defaultDue(), Today: p.today(), Single: single}
	if bulk != nil {
		d.Bulk, d.BulkError = bulk.Form, bulk.Error
	}
	for _, pt := range p.H.Points {
		d.Points = append(d.Points, [2]string{pt.ID, p.pointName(lang, pt.ID)})
	}
	if page.Next != nil {
		n := f
		n.After = *page.Next
		d.Next = filterQuery(n)
	}
	for _, o := range page.Items {
		if !single {
			// The list has no replies and history: one read each brings them.
			full, err := p.H.Opinion(ctx, o.ID)
			if err != nil {
				p.Error(c, err)
				return
			}
			o = full
		}
		r := hubOp{Opinion: o, PointName: p.pointName(lang, o.PointID), TopicName: names[o.TopicID]}
		r.handling = p.handlingOf(lang, unames, o)
		r.CanAssign = models.In(o.Status, []string{"recorded", "reported", "forwarded"}) && !o.Voided
		r.Assign = assignForm{Lead: o.Lead, Assist: o.Assist}
		r.Checked = bulk != nil && models.In(o.ID, bulk.IDs)
		if r.TopicName == "" {
			r.TopicName = o.TopicID
		}
		r.CanFwd = models.ValidTransition(o.Status, "forwarded")
		// One assigned to a unit is answered by its lead unit, not here.
		r.CanAns = (models.ValidTransition(o.Status, "answered") || o.Status == "answered") && o.Lead == ""
		r.CanClose = models.ValidTransition(o.Status, "closed")
		r.ViewRows, r.FollowUpDate = p.viewRows(lang, unames, o), followUpOf(o)
		if err := p.mergeInfo(c, lang, &r, single); err != nil {
			p.Error(c, err)
			return
		}
		if o.MergedInto != "" {
			// It follows the other: no forms of its own.
			r.CanAssign, r.CanFwd, r.CanAns, r.CanClose = false, false, false, false
		}
		d.CanBulk = d.CanBulk || r.CanAssign
		if failed != nil && failed.ID == o.ID {
			r.Error, r.Op, r.Answer, r.Eval, r.Into = failed.Error, failed.Op, failed.Answer, failed.Eval, failed.Into
			if failed.Op == "assign" {
				r.Assign = failed.Assign
			}
			d.ErrorID = o.ID
		}
		d.Items = append(d.Items, r)
	}
	v := p.view(c, "hub.op.title", "hub-opinions", d)
	if single {
		v.Title = p.Translate(lang, "hub.op.one_title")
	}
	if failed != nil {
		// At the top too: the opinion may not be on this page any more.
		key := "hub.op.error"
		switch failed.Op {
		case "assign":
			key = "hub.as.error"
		case "merge":
			key = "hub.mg.error"
		}
		v.Flash = append(v.Flash, web.Flash{Kind: "error", Msg: p.Translate(lang, key, web.Bilingual(lang, failed.Error))})
	}
	if bulk != nil {
		v.Flash = append(v.Flash, web.Flash{Kind: "error", Msg: p.Translate(lang, "hub.as.error", web.Bilingual(lang, bulk.Error))})
	}
	p.Render(c, status, "opinions.html", v)
}

// opinionMove is the workbench's buttons: op=forward, answer or close.
func (p *Pages) opinionMove(c *gin.Context) {
	lang := web.LangOf(c)
	back, _ := url.ParseQuery(c.PostForm("back"))
	f := opFilter(back)
	id := c.Param("id")
	patch := hub.OpinionPatch{Answer: strings.TrimSpace(c.PostForm("answer")), Evaluation: c.PostForm("evaluation")}
	failed := &hubOp{Opinion: models.Opinion{ID: id}, Op: c.PostForm("op"), Answer: c.PostForm("answer"), Eval: patch.Evaluation}
	fail := func(msg string) {
		failed.Error = msg
		p.renderOpinions(c, http.StatusUnprocessableEntity, f, failed)
	}
	switch c.PostForm("op") {
	case "forward":
		patch.Status, patch.Answer, patch.Evaluation = "forwarded", "", ""
	case "answer":
		patch.Status, patch.Evaluation = "answered", ""
		if patch.Answer == "" {
			fail(p.Translate(lang, "hub.op.need_answer"))
			return
		}
	case "close":
		patch.Status, patch.Answer = "closed", ""
		if !models.In(patch.Evaluation, models.Evaluations) {
			fail(p.Translate(lang, "hub.op.need_eval"))
			return
		}
	default:
		fail(p.Translate(lang, "hub.op.bad_op"))
		return
	}
	// Say plainly why a move is impossible (a stale page, a colleague was
	// quicker); MoveOpinion checks again inside its transaction.
	o, err := p.H.Opinion(c.Request.Context(), id)
	if err != nil {
		p.Error(c, err)
		return
	}
	correction := o.Status == "answered" && patch.Status == "answered"
	if !correction && !models.ValidTransition(o.Status, patch.Status) {
		fail(p.cannotMessage(lang, o.Status, patch.Status))
		return
	}
	moved, err := p.H.MoveOpinion(c.Request.Context(), id, patch)
	if err != nil {
		if e, ok := models.AsError(err); ok && e.Code == models.EInvalid {
			var msgs []string
			for _, m := range e.Fields {
				msgs = append(msgs, m)
			}
			if len(msgs) == 0 {
				msgs = append(msgs, e.Message)
			}
			fail(joinBilingual(msgs))
			return
		}
		p.Error(c, err)
		return
	}
	key := map[string]string{"forwarded": "hub.op.forwarded_ok", "answered": "hub.op.answered_ok", "closed": "hub.op.closed_ok"}[patch.Status]
	msg := p.Translate(lang, key)
	if patch.Status == "closed" && moved.Status != "closed" {
		// Not satisfied with a unit's reply: the next round, under supervision.
		names, _, err := p.unitNames(c)
		if err != nil {
			p.Error(c, err)
			return
		}
		msg = p.Translate(lang, "hub.op.reopened_ok", moved.Round, unitName(names, moved.Lead), moved.Due)
	}
	to := workbench(f) + "#op-" + id
	if c.PostForm("single") == "1" {
		to = "/hub/opinions/" + url.PathEscape(id)
	}
	p.Redirect(c, to, "ok", msg)
}

// cannotMessage explains an impossible move, in lang.
func (p *Pages) cannotMessage(lang, from, to string) string {
	why := "hub.op.why.reload"
	switch {
	case from == "closed":
		why = "hub.op.why.closed"
	case to == "closed":
		why = "hub.op.why.answer_first"
	case to == "forwarded":
		why = "hub.op.why.forwarded"
	}
	return p.Translate(lang, "hub.op.cannot", web.Translate(lang, "status."+from), p.Translate(lang, "hub.op.act."+to), p.Translate(lang, why))
}

// joinBilingual joins "中文 / English" messages into one such message.
func joinBilingual(msgs []string) string {
	var zh, en []string
	for _, m := range msgs {
		z, e, ok := strings.Cut(m, " / ")
		if !ok {
			e = m
		}
		zh, en = append(zh, strings.TrimSpace(z)), append(en, strings.TrimSpace(e))
	}
	return strings.Join(zh, "；") + " / " + strings.Join(en, "; ")
}
