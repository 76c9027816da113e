package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"budgetpoint/db"
	"budgetpoint/handlers"
	"budgetpoint/models"
)

var fillMessages = map[string][2]string{
	"fill.asker":          {"%s 征求您的意见", "%s asks for your views"},
	"fill.reqmark":        {"（必答）", " (required)"},
	"fill.submit":         {"提交", "Submit"},
	"fill.sending":        {"正在提交…", "Sending…"},
	"fill.choose_max":     {"最多选 %d 项", "choose at most %d"},
	"fill.range":          {"%s 到 %s", "%s to %s"},
	"fill.rating_hint":    {"%d 分最低，%d 分最高", "%d is lowest, %d is highest"},
	"fill.maxlen":         {"最多 %d 个字", "at most %d characters"},
	"fill.who":            {"您的身份", "You are"},
	"fill.desc":           {"身份说明（可不填，例如“教师”“个体工商户”）", "About you (optional, e.g. “teacher”, “shop owner”)"},
	"fill.missing":        {"还有 %d 处需要填写或修改，请看标出的题目。", "%d answers need attention: see the marked questions."},
	"fill.closed":         {"此问卷已停止公开填写，或链接有误。", "This questionnaire is no longer open to the public, or the link is wrong."},
	"fill.preview":        {"预览：这是填写人看到的样子，提交按钮在预览中不可用。", "Preview: this is what respondents see; the submit button does not work in a preview."},
	"fill.noscript":       {"", ""},
	"done.title":          {"已提交", "Submitted"},
	"done.thanks":         {"已提交，感谢您的参与", "Submitted — thank you for taking part"},
	"done.once":           {"您的答卷已保存。再次点击提交也只计算一次。", "Your response is saved. Submitting again counts only once."},
	"done.back":           {"返回我的问卷", "Back to my questionnaires"},
	"my.title":            {"我的问卷", "My questionnaires"},
	"my.fill":             {"填写", "Fill in"},
	"my.none":             {"目前没有需要填写的问卷。", "There is no questionnaire to fill in at the moment."},
	"my.done":             {"已填写", "Answered"},
	"my.closed":           {"征求意见已截止", "Feedback has closed"},
	"fill.relevant":       {"第 %d 题选%s时回答", "Answer if question %d is %s"},
	"fill.or":             {"或", " or "},
	"fill.who_missing":    {"请选择您的身份", "choose who you are"},
	"fill.queued_closed":  {"您在本机保存、尚未提交的答卷没有能提交：本事项的征求意见已截止。如仍有意见，请告诉联系点的工作人员。", "The answers kept on this device and not yet sent could not be sent: feedback on this topic has closed. If you still want to be heard, tell the contact point's staff."},
	"fill.saved_local":    {"当前没有网络：您的答卷已保存在本机，联网后自动提交。请不要清除浏览器数据。", "No network now: your answers are kept on this device and will be sent by themselves once the network is back. Do not clear the browser's data."},
	"fill.restored":       {"已恢复您上次在本机填写的内容，请检查后提交。", "What you typed here last time is back: check it and submit."},
	"fill.sending_queued": {"已联网，正在提交保存在本机的答卷…", "The network is back: sending the answers kept on this device…"},
	"fill.relogin":        {"登录已过期：请重新登录，您填写的内容仍保存在本机。", "Your sign-in has expired: sign in again; what you typed is still kept on this device."},
	"my.view":             {"查看我填写的内容", "See what I sent"},
	"my.again":            {"再填一份", "Answer again"},
	"my.already":          {"您已经填写过这份问卷，每位代表只填一次。可以在“我的问卷”中查看您填写的内容。", "You have already answered this questionnaire: each deputy answers it once. See what you sent under My questionnaires."},
	"my.sent":             {"我填写的内容", "What I sent"},
	"my.sent_at":          {"提交时间：%s", "Sent: %s"},
	"myop.title":          {"我提出的意见", "My opinions"},
	"myop.none":           {"您还没有提出过意见建议。", "You have not raised any opinion yet."},
}

// fillData is what the questionnaire page shows: one version of a
// questionnaire, the answers given so far and the response id fixed when
// the page was first shown.
type fillData struct {
	Q       models.Questionnaire
	Action  string
	RID     string
	Answers url.Values
	Public  bool
	Preview bool
	Kind    string
	Desc    string
	Missing int
}

// RelevantHint says when a question with skip logic is asked ("第 1 题选
// “不满意”时回答"), or "" for one always asked.
func (d *fillData) RelevantHint(q models.Question, lang string) string {
	k, on := decider(d.Q.Questions, &q)
	if k < 0 {
		return ""
	}
	src := &d.Q.Questions[k]
	labels := make([]string, len(on))
	for n, j := range on {
		labels[n] = "“" + OptionLabel(src.Options[j], lang) + "”"
	}
	return Translate(lang, "fill.relevant", k+1, strings.Join(labels, Translate(lang, "fill.or")))
}

// Val is the first value given for a question.
func (d *fillData) Val(key string) string { return d.Answers.Get("a." + key) }

// Has reports whether an option was chosen.
func (d *fillData) Has(key, val string) bool {
	for _, v := range d.Answers["a."+key] {
		if v == val {
			return true
		}
	}
	return false
}

// Scale lists a rating question's scores.
func (d *fillData) Scale(q models.Question) []int {
	lo, hi := q.RatingBounds()
	var out []int
	for i := lo; i <= hi; i++ {
		out = append(out, i)
	}
	return out
}

// Bounds describes a number question's limits, or "".
func (d *fillData) Bounds(q models.Question) string {
	if q.Min == nil && q.Max == nil {
		return ""
	}
	f := func(p *float64, inf string) string {
		if p == nil {
			return inf
		}
		return strconv.FormatFloat(*p, 'f', -1, 64)
	}
	return f(q.Min, "−∞") + " – " + f(q.Max, "∞")
}

// answersFromForm turns the posted form into raw answers the way the API
// receives them (models.FormAnswer); the questionnaire's own check judges them.
func answersFromForm(def *models.Definition, form url.Values) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	for i := range def.Questions {
		q := &def.Questions[i]
		if raw := q.FormAnswer(form["a."+q.Key]); raw != nil {
			out[q.Key] = raw
		}
	}
	return out
}

func (a *App) publicFillPage(c *gin.Context) {
	q, err := a.S.DB.QuestionnaireByToken(c.Request.Context(), c.Param("token"))
	if err != nil {
		a.fillClosed(c)
		return
	}
	if !a.topicOpen(c, q, true) {
		return
	}
	// Nothing chosen for 您的身份: a deputy who skips it must not count as public.
	a.renderFill(c, http.StatusOK, &fillData{Q: q, Action: c.Request.URL.Path, RID: uuid.NewString(), Public: true}, nil)
}

func (a *App) fillClosed(c *gin.Context) {
	v := a.View(c, "error.title", models.Errorf(models.ENotFound, "%s", both("fill.closed")))
	v.Bare = true
	a.Render(c, http.StatusNotFound, "error.html", v)
}

func (a *App) renderFill(c *gin.Context, status int, d *fillData, errs map[string]string) {
	if d.Answers == nil {
		d.Answers = url.Values{}
	}
	v := a.View(c, "", d)
	v.Title = LocalTitle(LangOf(c), d.Q.Title, d.Q.TitleEN)
	v.Bare = d.Public
	v.Nav = "my"
	v.Errors = errs
	d.Missing = len(errs)
	a.Render(c, status, "fill.html", v)
}

func (a *App) publicFillSubmit(c *gin.Context) {
	if !a.S.AllowPublic(c) {
		a.Error(c, models.Errorf(models.ERateLimited, "%s", both("err.rate_limited")))
		return
	}
	// Read first: c.PostForm would parse the form and drop its error.
	if err := parseForm(c); err != nil {
		a.Error(c, err)
		return
	}
	q, err := a.S.DB.QuestionnaireByToken(c.Request.Context(), c.Param("token"))
	if err != nil {
		a.fillClosed(c)
		return
	}
	kind := c.PostForm("rkind")
	d := &fillData{Action: c.Request.URL.Path, Public: true, Kind: kind, Desc: strings.TrimSpace(c.PostForm("rdesc"))}
	if !models.In(kind, models.RespondentKinds) {
		d.Q, d.Answers, d.RID = q, c.Request.PostForm, c.PostForm("rid")
		a.renderFill(c, http.StatusUnprocessableEntity, d, map[string]string{"respondent.kind": both("fill.who_missing")})
		return
	}
	a.submitFill(c, q, d, db.Submission{Channel: "online", Respondent: models.Respondent{Kind: kind, Description: d.Desc}, OpenOnly: true}, "/done")
}

// submitFill stores a response from the fill-in page. The response id comes
// from the page (fixed when it was first shown), so a double tap or a
// resubmission is counted once and still ends on the confirmation.
func (a *App) submitFill(c *gin.Context, q models.Questionnaire, d *fillData, sub db.Submission, done string) {
	if err := parseForm(c); err != nil {
		a.Error(c, err)
		return
	}
	d.Answers = c.Request.PostForm
	d.RID = c.PostForm("rid")
	if _, err := uuid.Parse(d.RID); err != nil {
		d.RID = uuid.NewString()
	}
	version, _ := strconv.Atoi(c.PostForm("v"))
	if version < 1 {
		version = q.Version
	}
	def, _, err := a.S.DB.Definition(c.Request.Context(), q.ID, version)
	if err != nil {
		a.Error(c, err)
		return
	}
	d.Q = q
	d.Q.Definition = *def
	d.Q.Version = version
	sub.ID, sub.Version = d.RID, version
	sub.Answers = answersFromForm(def, c.Request.PostForm)
	_, _, err = a.S.DB.SubmitResponse(c.Request.Context(), q.ID, sub)
	if err != nil {
		if models.ErrorCode(err) == models.EAlreadyAnswered {
			a.Redirect(c, "/my", "error", both("my.already"))
			return
		}
		if models.ErrorCode(err) == models.ETopicClosed {
			a.notOpen(c, err, d.Public)
			return
		}
		if models.ErrorCode(err) == models.EConflict {
			// The same page was sent before with other answers: the first counts.
			a.Redirect(c, done, "", "")
			return
		}
		if fe := FieldErrors(err); fe != nil {
			a.renderFill(c, http.StatusUnprocessableEntity, d, fe)
			return
		}
		a.Error(c, err)
		return
	}
	a.Redirect(c, done, "", "")
}

func (a *App) donePage(c *gin.Context) {
	signedIn := false
	if _, err := a.S.Identify(c); err == nil {
		signedIn = true
	}
	v := a.View(c, "done.title", signedIn)
	v.Bare = !signedIn
	a.Render(c, http.StatusOK, "done.html", v)
}

// fillPage is a signed-in deputy's own fill-in page.
func (a *App) fillPage(c *gin.Context) {
	q, err := a.S.DB.Questionnaire(c.Request.Context(), c.Param("id"), 0)
	if err != nil {
		a.Error(c, err)
		return
	}
	if q.OncePerDeputy {
		done, err := a.S.DB.AnsweredBy(c.Request.Context(), sessionUser(c).ID)
		if err != nil {
			a.Error(c, err)
			return
		}
		if _, ok := done[q.ID]; ok {
			a.Redirect(c, "/my", "error", both("my.already"))
			return
		}
	}
	if !a.topicOpen(c, q, false) {
		return
	}
	a.renderFill(c, http.StatusOK, &fillData{Q: q, Action: c.Request.URL.Path, RID: uuid.NewString(), Kind: "deputy"}, nil)
}

// topicOpen reports whether q's topic takes feedback now; when it does not,
// it answers a page saying since or until when (bare for the public).
func (a *App) topicOpen(c *gin.Context, q models.Questionnaire, public bool) bool {
	t, err := a.S.DB.Topic(c.Request.Context(), q.TopicID)
	if models.ErrorCode(err) == models.ENotFound {
		return true // a topic not (yet) here has no dates to keep to
	}
	if err != nil {
		a.Error(c, err)
		return false
	}
	if err := t.NotOpen(a.S.DB.Now()); err != nil {
		a.notOpen(c, err, public)
		return false
	}
	return true
}

// notOpen answers the page of a refusal for a topic not open. It names the
// fill page's address, so that answers kept on the device for it while
// offline are said to be unsent (app.js), not kept silently.
func (a *App) notOpen(c *gin.Context, err error, public bool) {
	e, _ := models.AsError(err)
	v := a.View(c, "error.title", &closedData{Message: e.Message, Action: c.Request.URL.Path})
	v.Bare = public
	a.Render(c, handlers.Status(e.Code), "closed.html", v)
}

type closedData struct{ Message, Action string }

func (a *App) fillSubmit(c *gin.Context) {
	q, err := a.S.DB.Questionnaire(c.Request.Context(), c.Param("id"), 0)
	if err != nil {
		a.Error(c, err)
		return
	}
	u := sessionUser(c)
	d := &fillData{Action: c.Request.URL.Path, Kind: "deputy"}
	a.submitFill(c, q, d, db.Submission{Channel: "online", Respondent: models.Respondent{Kind: "deputy", DeputyID: u.DeputyID}, SubmittedBy: u.ID, ByDeputy: true, OpenOnly: true}, "/done")
}

// previewPage shows a questionnaire as respondents see it.
func (a *App) previewPage(c *gin.Context) {
	if c.Query("draft") != "" {
		dr, err := a.S.DB.Draft(c.Request.Context(), c.Param("id"))
		if err != nil {
			a.Error(c, err)
			return
		}
		a.RenderPreview(c, models.Questionnaire{Definition: dr.Definition, Version: dr.LatestVersion + 1}, "questionnaires")
		return
	}
	v, _ := strconv.Atoi(c.Query("version"))
	q, err := a.S.DB.Questionnaire(c.Request.Context(), c.Param("id"), v)
	if err != nil {
		a.Error(c, err)
		return
	}
	a.RenderPreview(c, q, "questionnaires")
}

// RenderPreview shows a questionnaire as the public sees it (fill.html, a
// page of the foundation), posting nowhere: the point's preview and the
// committee's. nav is the navigation entry to mark.
func (st *Site) RenderPreview(c *gin.Context, q models.Questionnaire, nav string) {
	d := &fillData{Q: q, Action: "", RID: uuid.NewString(), Preview: true, Public: true, Kind: "public", Answers: url.Values{}}
	view := st.View(c, "", d)
	view.Title = LocalTitle(LangOf(c), q.Title, q.TitleEN)
	view.Nav = nav
	st.Render(c, http.StatusOK, "fill.html", view)
}

type myData struct {
	Qs []models.Questionnaire
	// Answered maps a questionnaire to the deputy's response to it.
	Answered map[string]string
	// Closed: a questionnaire answered whose topic no longer takes feedback.
	Closed map[string]bool
}

func (a *App) myHome(c *gin.Context) {
	p, err := a.S.DB.Questionnaires(c.Request.Context(), "", 500, "")
	if err != nil {
		a.Error(c, err)
		return
	}
	done, err := a.S.DB.AnsweredBy(c.Request.Context(), sessionUser(c).ID)
	if err != nil {
		a.Error(c, err)
		return
	}
	// The questionnaires of open topics, and those of other topics the
	// deputy answered (to see what was sent).
	states, err := a.S.DB.TopicStates(c.Request.Context())
	if err != nil {
		a.Error(c, err)
		return
	}
	d := &myData{Answered: done, Closed: map[string]bool{}}
	for _, q := range p.Items {
		st, ok := states[q.TopicID]
		open := !ok || st == models.TopicOpen
		if _, sent := done[q.ID]; open || sent {
			d.Qs = append(d.Qs, q)
			d.Closed[q.ID] = !open
		}
	}
	v := a.View(c, "my.title", d)
	v.Nav = "my"
	a.Render(c, http.StatusOK, "my.html", v)
}

func (a *App) myOpinions(c *gin.Context) {
	u := sessionUser(c)
	f := models.OpinionFilter{DeputyID: u.DeputyID, CreatedBy: u.ID, Limit: 500}
	if f.DeputyID == "" {
		f.DeputyID = "\x00"
	}
	p, err := a.S.DB.Opinions(c.Request.Context(), f)
	if err != nil {
		a.Error(c, err)
		return
	}
	v := a.View(c, "myop.title", p.Items)
	v.Nav = "myopinions"
	a.Render(c, http.StatusOK, "my_opinions.html", v)
}

type sentData struct {
	Q       models.Questionnaire
	R       models.Response
	Answers []sentAnswer
}

type sentAnswer struct{ Label, Shown string }

// mySent shows a response the deputy sent, as it is stored; another's is
// not found.
func (a *App) mySent(c *gin.Context) {
	ctx := c.Request.Context()
	id := c.Param("id")
	by, err := a.S.DB.ResponseOwner(ctx, id)
	if err == nil && by != sessionUser(c).ID {
		err = models.NotFound("答卷", "response")
	}
	if err != nil {
		a.Error(c, err)
		return
	}
	r, err := a.S.DB.Response(ctx, id)
	if err != nil {
		a.Error(c, err)
		return
	}
	def, _, err := a.S.DB.Definition(ctx, r.QuestionnaireID, r.Version)
	if err != nil {
		a.Error(c, err)
		return
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(r.Answers, &raw); err != nil {
		a.Error(c, fmt.Errorf("response %s: stored answers: %w", id, err))
		return
	}
	lang := LangOf(c)
	d := &sentData{Q: models.Questionnaire{Definition: *def, Version: r.Version}, R: r}
	for i := range def.Questions {
		q := &def.Questions[i]
		if v, ok := raw[q.Key]; ok {
			d.Answers = append(d.Answers, sentAnswer{Label: questionLabel(q, lang), Shown: answerWords(q, v, lang, false)})
		}
	}
	v := a.View(c, "my.sent", d)
	v.Nav = "my"
	a.Render(c, http.StatusOK, "my_sent.html", v)
}
