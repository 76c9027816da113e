package web

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	qrcode "github.com/skip2/go-qrcode"

	"budgetpoint/db"
	"budgetpoint/models"
)

var questionnaireMessages = map[string][2]string{
	"q.title":               {"调查问卷", "Questionnaires"},
	"q.new":                 {"新建问卷", "New questionnaire"},
	"q.edit":                {"修改问卷", "Edit questionnaire"},
	"q.none":                {"还没有问卷。", "No questionnaires yet."},
	"q.topic":               {"征求意见事项", "Topic"},
	"q.qtitle":              {"问卷标题", "Questionnaire title"},
	"q.qtitle_en":           {"英文标题（可不填）", "English title (optional)"},
	"q.description":         {"填写说明（可不填）", "Introduction (optional)"},
	"q.once":                {"每位代表只填一次", "Each deputy answers once"},
	"q.once_hint":           {"登录的代表第二次提交时会被告知已填写过；纸质问卷和公开链接不受此限。", "A signed-in deputy who submits again is told they already answered; paper forms and public links are not limited."},
	"q.id":                  {"问卷编号（可不填，自动生成）", "Questionnaire id (optional, generated)"},
	"q.version":             {"版本", "Version"},
	"q.public":              {"公开填写", "Open to the public"},
	"q.open":                {"公开中", "open"},
	"q.closed":              {"未公开", "not open"},
	"q.preview":             {"预览", "Preview"},
	"q.responses":           {"导出答卷", "Export responses"},
	"q.responses_csv":       {"导出 CSV", "Export as CSV"},
	"q.responses_csv_hint":  {"答卷很多时用：边读边下载，可用 Excel 打开", "for many responses: sent as it is read; opens in Excel"},
	"q.question":            {"第 %d 题", "Question %d"},
	"q.qtype":               {"题型", "Type"},
	"q.qlabel":              {"题目", "Question"},
	"q.qlabel_en":           {"英文题目（可不填）", "Question in English (optional)"},
	"q.required":            {"必答题", "Required"},
	"q.opinion":             {"把回答记为意见建议", "Record each answer as an opinion"},
	"q.options":             {"选项（每行一个）", "Options (one per line)"},
	"q.ovals_bad":           {"无法读取选项原来的编号，请重新打开此问卷再修改", "the options' earlier values could not be read: open the questionnaire again and edit it there"},
	"q.min":                 {"最小值", "Minimum"},
	"q.max":                 {"最大值", "Maximum"},
	"q.maxc":                {"最多选几项（0 为不限）", "At most how many choices (0: no limit)"},
	"q.maxlen":              {"最多字数", "At most how many characters"},
	"q.add":                 {"添加题目", "Add a question"},
	"q.del":                 {"删除第 %d 题", "Remove question %d"},
	"q.up":                  {"上移第 %d 题", "Move question %d up"},
	"q.down":                {"下移第 %d 题", "Move question %d down"},
	"q.save":                {"保存并发布新版本", "Save and publish a new version"},
	"q.save_draft":          {"保存草稿", "Save draft"},
	"q.stay":                {"不保存", "Do not save"},
	"q.publish":             {"发布", "Publish"},
	"q.publish_hint":        {"“保存草稿”不会发布，代表和公众看不到草稿。“发布”后成为第 %d 版：代表和公众即可看到并填写，已提交的答卷仍按原版本保存。", "Save draft publishes nothing: deputies and the public do not see a draft. Publish makes it version %d: deputies and the public can then see and fill it; responses already in keep their version."},
	"q.builder_hint_drafts": {"在这里编写问卷，随时保存草稿；检查无误后再点“发布”。在输入框中按回车只保存草稿。改变已有题目的题型需要新建一道题。", "Write the questionnaire here and save drafts as often as you like; publish once it is right. Enter in a field only saves the draft. To change a question's type, add a new question."},
	"q.draft_note":          {"这是草稿（保存于 %s），尚未发布：代表和公众看不到。", "This is a draft (saved %s), not published: deputies and the public do not see it."},
	"q.draft_saved":         {"草稿已保存（尚未发布，代表和公众看不到）", "Draft saved (not published: deputies and the public do not see it)"},
	"q.draft":               {"草稿", "Draft"},
	"q.paste":               {"粘贴问卷（从 Word 复制）", "Paste a questionnaire (from Word)"},
	"q.paste_hint":          {"把 Word 里的问卷全文粘贴到这里：第一行是标题，题目前有编号（1．2、3.），选项另起一行（A．B、□）或写在题目后面；题目里的“（多选）”“（最多选3项）”“（必答）”“1-5分”都能识别。生成后请逐题检查，再保存草稿。", "Paste the whole questionnaire from Word: the title first, numbered questions (“1.”, “2、”), options on their own lines (“A.”, “B、”, “□”) or after the question; “（多选）”, “（最多选3项）”, “（必答）” and “1-5分” are understood. Check each question afterwards, then save the draft."},
	"q.paste_do":            {"生成题目", "Make the questions"},
	"q.pasted":              {"已根据粘贴的内容生成 %d 道题目，请逐题检查后保存草稿。", "%d questions made from the pasted text: check each, then save the draft."},
	"q.paste_problems":      {"以下内容没有识别，没有放进问卷（行号：内容）：", "These lines were not understood and are not in the questionnaire (line: text):"},
	"q.rel":                 {"何时提问", "When asked"},
	"q.rel_always":          {"总是提问", "Always"},
	"q.rel_on":              {"依据第 %d 题：%s", "By question %d: %s"},
	"q.rel_in":              {"前面那道题选择这些回答时才提问（每行一个选项，照抄选项文字）", "Asked only after these answers (one option per line, as written)"},
	"q.rel_unknown":         {"前面那道题没有选项“%s”", "that question has no option “%s”"},
	"q.drafts":              {"草稿（尚未发布）", "Drafts (not published)"},
	"q.has_draft":           {"有未发布的草稿", "unpublished draft"},
	"q.saved_at":            {"保存时间", "Saved"},
	"q.saved":               {"已发布第 %d 版", "Version %d published"},
	"q.unchanged":           {"问卷没有改动，仍为第 %d 版", "Nothing changed: still version %d"},
	"q.committee":           {"此问卷由预工委发布，不能在联系点修改，可以预览和公开填写。", "This questionnaire was published by the committee: it cannot be changed here, but it can be previewed and opened to the public."},
	"q.builder_hint":        {"每次保存都会发布一个新版本，已提交的答卷仍按原版本保存。改变已有题目的题型需要新建一道题。", "Each save publishes a new version; responses already in keep their version. To change a question's type, add a new question."},
	"share.title":           {"公开填写", "Open to the public"},
	"share.is_open":         {"此问卷已公开填写。任何人都可以用下面的链接或二维码填写，不需要登录。", "This questionnaire is open: anyone with the link or QR code below can fill it in without signing in."},
	"share.is_closed":       {"此问卷未公开填写。公开后会生成一个不易猜到的链接和二维码。", "This questionnaire is not open to the public. Opening it makes a hard-to-guess link and a QR code."},
	"share.open":            {"公开填写", "Open to the public"},
	"share.close":           {"停止公开填写", "Close public filling"},
	"share.link":            {"填写链接", "Link"},
	"share.qr":              {"二维码（可打印或在屏幕上展示）", "QR code (print it or show it on screen)"},
	"share.print":           {"打印二维码", "Print the QR code"},
	"share.opened":          {"已公开填写", "Now open to the public"},
	"share.closed_ok":       {"已停止公开填写", "Public filling closed"},
	"share.scan":            {"请用手机扫码填写", "Scan with a phone to fill in"},
	"share.not_public":      {"此问卷未公开填写", "this questionnaire is not open to the public"},
}

// questionnairesOf reads the latest version of every questionnaire of a topic ("": of all).
func (a *App) questionnairesOf(c *gin.Context, topic string) ([]models.Questionnaire, error) {
	return allPages(func(after string) (models.Page[models.Questionnaire], error) {
		return a.S.DB.Questionnaires(c.Request.Context(), topic, 500, after)
	})
}

type qListData struct {
	Qs     []models.Questionnaire
	Topics map[string]string
	// Drafts: the questionnaires with a draft, by id (a draft of one never
	// published is listed as such).
	Drafts map[string]db.Draft
	New    []db.Draft // drafts never published
}

func (a *App) questionnairesList(c *gin.Context) {
	qs, err := a.questionnairesOf(c, "")
	if err != nil {
		a.Error(c, err)
		return
	}
	ts, err := a.allTopics(c)
	if err != nil {
		a.Error(c, err)
		return
	}
	drafts, err := a.S.DB.Drafts(c.Request.Context())
	if err != nil {
		a.Error(c, err)
		return
	}
	d := &qListData{Qs: qs, Topics: map[string]string{}, Drafts: map[string]db.Draft{}}
	for _, x := range drafts {
		d.Drafts[x.ID] = x
		if x.LatestVersion == 0 {
			d.New = append(d.New, x)
		}
	}
	for _, t := range ts {
		d.Topics[t.ID] = LocalTitle(LangOf(c), t.Title, t.TitleEN)
	}
	v := a.View(c, "q.title", d)
	v.Nav = "questionnaires"
	a.Render(c, http.StatusOK, "questionnaires.html", v)
}

func (a *App) builderPage(c *gin.Context) {
	var d *Builder
	title := "q.new"
	if id := c.Param("id"); id != "" {
		var err error
		if d, err = a.storedBuilder(c, id); err != nil {
			a.Error(c, err)
			return
		}
		title = "q.edit"
	} else {
		d = NewBuilder(c.Query("topic"))
	}
	d.Drafts = true
	a.renderBuilder(c, http.StatusOK, title, d, nil)
}

// storedBuilder is the builder of a stored questionnaire: its draft when it
// has one (on top of the published version, if any), else its latest
// published version.
func (a *App) storedBuilder(c *gin.Context, id string) (*Builder, error) {
	ctx := c.Request.Context()
	q, err := a.S.DB.Questionnaire(ctx, id, 0)
	if err != nil && models.ErrorCode(err) != models.ENotFound {
		return nil, err
	}
	published := err == nil
	dr, derr := a.S.DB.Draft(ctx, id)
	switch {
	case derr == nil:
		q.Definition = dr.Definition
		if !published {
			q.Origin = models.OriginLocal
		}
		d := BuilderFromDef(q)
		d.DraftSaved = dr.SavedAt
		return d, nil
	case models.ErrorCode(derr) != models.ENotFound:
		return nil, derr
	case !published:
		return nil, err
	}
	return BuilderFromDef(q), nil
}

func (a *App) renderBuilder(c *gin.Context, status int, title string, d *Builder, errs map[string]string) {
	ts, err := a.allTopics(c)
	if err != nil {
		a.Error(c, err)
		return
	}
	d.Topics, d.Types = ts, models.QuestionTypes
	v := a.View(c, title, d)
	v.Nav, v.Errors = "questionnaires", errs
	a.Render(c, status, "builder.html", v)
}

// builderSubmit handles the builder's buttons: add, remove and move a
// question (re-showing the form, no JavaScript needed), or save, which
// publishes a new version through DB.SaveQuestionnaire.
func (a *App) builderSubmit(c *gin.Context) {
	d := BuilderFromForm(c)
	d.Drafts = true
	title := "q.new"
	if !d.IsNew {
		title = "q.edit"
		stored, err := a.storedBuilder(c, d.ID)
		if err != nil {
			a.Error(c, err)
			return
		}
		d.Version, d.ReadOnly, d.DraftSaved = stored.Version, stored.ReadOnly, stored.DraftSaved
	}
	op := c.PostForm("op")
	if op == "paste" {
		// 粘贴问卷: the questions come from the text; nothing is saved yet.
		pTitle, qs, problems := ParsePasted(c.PostForm("paste"))
		if d.Title == "" {
			d.Title = pTitle
		}
		if len(qs) > 0 {
			d.Qs = qs
		}
		d.Pasted, d.PasteProblems = true, problems
		a.renderBuilder(c, http.StatusOK, title, d, nil)
		return
	}
	if d.ApplyEdit(op) {
		a.renderBuilder(c, http.StatusOK, title, d, nil)
		return
	}
	if d.ID == "" {
		d.ID = "q-" + uuid.NewString()[:8]
	}
	def, bad := d.Definition()
	if len(bad) > 0 {
		a.renderBuilder(c, http.StatusUnprocessableEntity, title, d, bad)
		return
	}
	if op != "publish" {
		// 保存草稿, and Enter in a field: a draft, published to nobody.
		if _, err := a.S.DB.SaveDraft(c.Request.Context(), def); err != nil {
			a.builderRefused(c, title, d, err)
			return
		}
		a.Redirect(c, "/questionnaires/"+def.ID+"/edit", "ok", Translate(LangOf(c), "q.draft_saved"))
		return
	}
	q, created, err := a.S.DB.SaveQuestionnaire(c.Request.Context(), def, models.OriginLocal)
	if err != nil {
		a.builderRefused(c, title, d, err)
		return
	}
	lang := LangOf(c)
	msg := Translate(lang, "q.unchanged", q.Version)
	if created {
		msg = Translate(lang, "q.saved", q.Version)
	}
	a.Redirect(c, "/questionnaires/"+q.ID+"/edit", "ok", msg)
}

// builderRefused shows the builder again with the store's refusal beside
// its fields (or the error page for anything else).
func (a *App) builderRefused(c *gin.Context, title string, d *Builder, err error) {
	fe := FieldErrors(err)
	if fe == nil {
		a.Error(c, err)
		return
	}
	if d.IsNew {
		d.ID = c.PostForm("id")
	}
	a.renderBuilder(c, http.StatusUnprocessableEntity, title, d, BuilderErrors(fe))
}

type shareData struct {
	Q   models.Questionnaire
	URL string // the public link as phones open it (absURL)
	// Loopback is the link's host when phones cannot reach it (127.0.0.1, localhost).
	Loopback string
	// FromSettings: the link uses the public address of 系统设置.
	FromSettings bool
}

func (a *App) sharePage(c *gin.Context) {
	q, err := a.S.DB.Questionnaire(c.Request.Context(), c.Param("id"), 0)
	if err != nil {
		a.Error(c, err)
		return
	}
	d := &shareData{Q: q}
	if q.PublicURL != "" {
		d.URL = a.absURL(c, q.PublicURL)
		d.Loopback = loopbackHost(d.URL)
		d.FromSettings = a.publicBase(c.Request.Context()) != ""
	}
	v := a.View(c, "share.title", d)
	v.Nav = "questionnaires"
	a.Render(c, http.StatusOK, "share.html", v)
}

func (a *App) shareSubmit(c *gin.Context) {
	open := c.PostForm("public") == "1"
	if _, err := a.S.DB.SetPublic(c.Request.Context(), c.Param("id"), open); err != nil {
		a.Error(c, err)
		return
	}
	key := "share.closed_ok"
	if open {
		key = "share.opened"
	}
	a.Redirect(c, "/questionnaires/"+c.Param("id")+"/share", "ok", Translate(LangOf(c), key))
}

// qrPNG draws the public link's QR code, made by the binary itself.
func (a *App) qrPNG(c *gin.Context) {
	q, err := a.S.DB.Questionnaire(c.Request.Context(), c.Param("id"), 0)
	if err != nil {
		a.Error(c, err)
		return
	}
	if q.PublicURL == "" {
		a.Error(c, models.Errorf(models.ENotFound, "%s", both("share.not_public")))
		return
	}
	png, err := qrcode.Encode(a.absURL(c, q.PublicURL), qrcode.Medium, 512)
	if err != nil {
		a.Error(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "image/png", png)
}
