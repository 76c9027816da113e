package committee

// 发布事项与问卷 and 导出Excel: topics and questionnaires published to all
// points or chosen ones (the foundation's builder, saved through the hub),
// and the cross-point workbooks.

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"budgetpoint/forms"
	"budgetpoint/hub"
	"budgetpoint/models"
	"budgetpoint/web"
)

var publishMessages = web.Messages{
	"hub.pub.title":        {"发布事项与问卷", "Publish topics and questionnaires"},
	"hub.pub.lead":         {"发布的事项和问卷在联系点下次同步时送达（联系点无法连网时，恢复后自动补上）。", "What you publish reaches each point at its next sync (a point that is offline gets it when it is back)."},
	"hub.pub.topic":        {"发布征求意见事项", "Publish a topic"},
	"hub.pub.topic_id":     {"事项编号（可不填，自动生成；填已有编号则更新该事项）", "Topic id (optional, generated; an existing id updates that topic)"},
	"hub.pub.topic_btn":    {"发布事项", "Publish the topic"},
	"hub.pub.q":            {"发布调查问卷", "Publish a questionnaire"},
	"hub.pub.q_hint":       {"先选事项和发往的联系点，再在问卷设计页面编写题目；保存即发布。", "Choose the topic and the points, then write the questions on the builder page; saving publishes."},
	"hub.pub.q_btn":        {"设计问卷", "Open the questionnaire builder"},
	"hub.pub.to":           {"发往", "Send to"},
	"hub.pub.to_all":       {"全部联系点", "All points"},
	"hub.pub.to_some":      {"选定的联系点：", "The points chosen:"},
	"hub.pub.points":       {"联系点", "Contact points"},
	"hub.pub.need_points":  {"请至少选择一个联系点，或选“全部联系点”", "choose at least one point, or “All points”"},
	"hub.pub.ambiguous":    {"勾选了联系点，但“发往”选的是“全部联系点”：请改选“选定的联系点”，或取消勾选", "points are ticked but “Send to” says “All points”: choose “The points chosen”, or untick them"},
	"hub.pub.need_topic":   {"请先选择事项；没有合适的事项时先发布一个", "choose the topic first; publish one if none fits"},
	"hub.pub.topic_ok":     {"事项已发布，发往：%s", "Topic published to: %s"},
	"hub.pub.q_ok":         {"问卷第 %d 版已发布，发往：%s", "Version %d of the questionnaire published to: %s"},
	"hub.pub.q_same":       {"问卷没有改动（仍为第 %d 版），已再次发往：%s", "Nothing changed (still version %d); sent again to: %s"},
	"hub.pub.published":    {"已发布的问卷", "Questionnaires published"},
	"hub.pub.none":         {"还没有发布问卷。", "No questionnaire published yet."},
	"hub.pub.new_version":  {"修改并发布新版本", "Edit and publish a new version"},
	"hub.pub.builder":      {"发布问卷", "Publish a questionnaire"},
	"hub.pub.builder_to":   {"发布问卷（发往：%s）", "Publish a questionnaire (to: %s)"},
	"hub.q.share_at_point": {"公开填写的链接和二维码由各联系点生成。", "The public link and QR code are made at each point."},
	"hub.exp.title":        {"导出Excel", "Export to Excel"},
	"hub.exp.lead":         {"每个事项导出一个工作簿：各联系点合计、每个联系点一页、意见建议及其办理状态一页。", "One workbook per topic: all points together, one sheet per point, and one sheet of opinions with their status."},
	"hub.exp.state":        {"进度", "Progress"},
	"hub.exp.nojs":         {"点击后浏览器会下载文件；生成需要几秒钟，请不要重复点击。", "The browser downloads the file; making it takes a few seconds, so click once."},
}

// targets reads the points a publication goes to: to=all (or nothing) means
// every point; to=some needs at least one points value.
func (p *Pages) targets(v url.Values) (some bool, points []string, err error) {
	if v.Get("to") != "some" {
		if len(v["points"]) > 0 {
			// Points ticked under "all points": ask rather than guess.
			return false, nil, models.Invalid("发往", map[string]string{"points": p.Both("hub.pub.ambiguous")})
		}
		return false, nil, nil
	}
	known := map[string]bool{}
	for _, pt := range p.H.Points {
		known[pt.ID] = true
	}
	for _, id := range v["points"] {
		if known[id] && !models.In(id, points) {
			points = append(points, id)
		}
	}
	if len(points) == 0 {
		return true, nil, models.Invalid("发往", map[string]string{"points": p.Both("hub.pub.need_points")})
	}
	return true, points, nil
}

// targetNames names the points of a publication (all when none).
func (p *Pages) targetNames(lang string, ids []string) string {
	if len(ids) == 0 {
		return p.Translate(lang, "hub.pub.to_all")
	}
	var n []string
	for _, id := range ids {
		n = append(n, p.pointName(lang, id))
	}
	return web.PunctOf(lang).Join(n)
}

type publishData struct {
	Form    forms.TopicForm
	TopicID string
	Kinds   []string
	Points  [][2]string
	Some    bool
	Chosen  []string
	Topics  []models.Topic
	Qs      []models.Questionnaire
	QTopic  string
	TNames  map[string]string
}

func (p *Pages) publishData(c *gin.Context) (*publishData, error) {
	lang := web.LangOf(c)
	d := &publishData{Kinds: models.TopicKinds, Form: forms.TopicForm{Kind: "budget_draft", FiscalYear: p.S.DB.Now().Year() + 1}, TNames: map[string]string{}}
	for _, pt := range p.H.Points {
		d.Points = append(d.Points, [2]string{pt.ID, p.pointName(lang, pt.ID)})
	}
	ts, err := p.allTopics(c)
	if err != nil {
		return nil, err
	}
	d.Topics = ts
	for _, t := range ts {
		d.TNames[t.ID] = web.LocalTitle(lang, t.Title, t.TitleEN)
	}
	if d.Qs, err = p.H.Store.Questionnaires(c.Request.Context()); err != nil {
		return nil, err
	}
	return d, nil
}

// allTopics are the committee's own topics (the point pages' allTopics reads a point's).
func (p *Pages) allTopics(c *gin.Context) ([]models.Topic, error) {
	return p.H.Store.Topics(c.Request.Context())
}

// previewPage shows a committee questionnaire as the public will see it.
func (p *Pages) previewPage(c *gin.Context) {
	v, _ := strconv.Atoi(c.Query("version"))
	q, err := p.H.Store.Questionnaire(c.Request.Context(), c.Param("id"), v)
	if err != nil {
		p.Error(c, err)
		return
	}
	p.RenderPreview(c, q, "hub-publish")
}

func (p *Pages) publishPage(c *gin.Context) {
	d, err := p.publishData(c)
	if err != nil {
		p.Error(c, err)
		return
	}
	d.QTopic = c.Query("topic")
	p.Render(c, http.StatusOK, "publish.html", p.view(c, "hub.pub.title", "hub-publish", d))
}

// publishTopic publishes a topic through the hub (hub.Hub.PublishTopic,
// after the checks of the committee API's request) to all points or the
// chosen ones.
func (p *Pages) publishTopic(c *gin.Context) {
	lang := web.LangOf(c)
	d, err := p.publishData(c)
	if err != nil {
		p.Error(c, err)
		return
	}
	d.TopicID = strings.TrimSpace(c.PostForm("id"))
	err = web.BindForm(c, "事项", &d.Form)
	some, points, terr := p.targets(c.Request.PostForm)
	if terr != nil {
		// Both kinds of mistakes at once, each beside its field.
		fe := map[string]string{}
		for k, v := range web.FieldErrors(err) {
			fe[k] = v
		}
		for k, v := range web.FieldErrors(terr) {
			fe[k] = v
		}
		err = models.Invalid("事项", fe)
	}
	d.Some, d.Chosen = some || c.PostForm("to") == "some", c.PostFormArray("points")
	if err == nil {
		var t models.Topic
		if t, err = d.Form.Topic(); err == nil {
			// The same request type and checks as POST /api/v1/committee/topics.
			req := hub.TopicPublication{TopicRequest: forms.TopicRequest{ID: d.TopicID, Kind: t.Kind, FiscalYear: t.FiscalYear,
				Title: t.Title, TitleEN: t.TitleEN, Summary: t.Summary, OpensAt: t.OpensAt, ClosesAt: t.ClosesAt}, Points: points}
			if err = forms.Check("事项", &req); err == nil {
				if t, err = req.Topic(); err == nil {
					_, _, err = p.H.PublishTopic(c.Request.Context(), t, req.Points)
				}
			}
		}
	}
	if err != nil {
		fe := web.FieldErrors(err)
		if fe == nil {
			p.Error(c, err)
			return
		}
		v := p.view(c, "hub.pub.title", "hub-publish", d)
		v.Errors = fe
		p.Render(c, http.StatusUnprocessableEntity, "publish.html", v)
		return
	}
	p.Redirect(c, "/hub/publish", "ok", p.Translate(lang, "hub.pub.topic_ok", p.targetNames(lang, points)))
}

// builderPage is the point's questionnaire builder (builder.html), opened
// at the hub with the publication's targets in the query string (?to=some&points=…),
// which the builder's form keeps, as it posts to its own address.
func (p *Pages) builderPage(c *gin.Context) {
	lang := web.LangOf(c)
	_, points, err := p.targets(c.Request.URL.Query())
	if err != nil {
		p.Redirect(c, "/hub/publish", "error", targetsMessage(lang, err))
		return
	}
	var d *web.Builder
	if id := c.Param("id"); id != "" {
		q, err := p.H.Store.Questionnaire(c.Request.Context(), id, 0)
		if err != nil {
			p.Error(c, err)
			return
		}
		d = web.BuilderFromDef(q)
	} else {
		d = web.NewBuilder(c.Query("topic"))
	}
	p.renderBuilder(c, http.StatusOK, points, d, nil)
}

func (p *Pages) renderBuilder(c *gin.Context, status int, points []string, d *web.Builder, errs map[string]string) {
	ts, err := p.allTopics(c)
	if err != nil {
		p.Error(c, err)
		return
	}
	// At the hub every questionnaire is the committee's own: editable.
	d.ReadOnly = false
	d.Topics, d.Types = ts, models.QuestionTypes
	lang := web.LangOf(c)
	v := p.view(c, "hub.pub.builder", "hub-publish", d)
	v.Title = p.Translate(lang, "hub.pub.builder_to", p.targetNames(lang, points))
	v.Errors = errs
	p.Render(c, status, "builder.html", v)
}

// builderSubmit handles the builder's buttons as at a point (add, remove,
// move re-show the form); save publishes through the hub
// (hub.Hub.PublishQuestionnaire).
func (p *Pages) builderSubmit(c *gin.Context) {
	lang := web.LangOf(c)
	_, points, err := p.targets(c.Request.URL.Query())
	if err != nil {
		p.Redirect(c, "/hub/publish", "error", targetsMessage(lang, err))
		return
	}
	d := web.BuilderFromForm(c)
	if !d.IsNew {
		q, err := p.H.Store.Questionnaire(c.Request.Context(), d.ID, 0)
		if err != nil {
			p.Error(c, err)
			return
		}
		d.Version = q.Version
	}
	if d.ApplyEdit(c.PostForm("op")) {
		p.renderBuilder(c, http.StatusOK, points, d, nil)
		return
	}
	if d.ID == "" {
		d.ID = "q-" + uuid.NewString()[:8]
	}
	def, bad := d.Definition()
	if len(bad) > 0 {
		p.renderBuilder(c, http.StatusUnprocessableEntity, points, d, bad)
		return
	}
	if d.TopicID == "" {
		p.renderBuilder(c, http.StatusUnprocessableEntity, points, d, map[string]string{"topic_id": p.Both("hub.pub.need_topic")})
		return
	}
	before := d.Version
	q, _, _, err := p.H.PublishQuestionnaire(c.Request.Context(), def, points)
	if err != nil {
		fe := web.FieldErrors(err)
		if fe == nil {
			p.Error(c, err)
			return
		}
		if d.IsNew {
			d.ID = c.PostForm("id")
		}
		p.renderBuilder(c, http.StatusUnprocessableEntity, points, d, web.BuilderErrors(fe))
		return
	}
	msg := p.Translate(lang, "hub.pub.q_ok", q.Version, p.targetNames(lang, points))
	if q.Version == before {
		msg = p.Translate(lang, "hub.pub.q_same", before, p.targetNames(lang, points))
	}
	p.Redirect(c, "/hub/publish", "ok", msg)
}

func (p *Pages) exportPage(c *gin.Context) {
	ts, err := p.topicInfos(c)
	if err != nil {
		p.Error(c, err)
		return
	}
	p.Render(c, http.StatusOK, "export.html", p.view(c, "hub.exp.title", "hub-export", ts))
}

// targetsMessage is the message of a targets error in lang.
func targetsMessage(lang string, err error) string {
	if fe := web.FieldErrors(err); fe["points"] != "" {
		return web.Bilingual(lang, fe["points"])
	}
	return web.Bilingual(lang, err.Error())
}
