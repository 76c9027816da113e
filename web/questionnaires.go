package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	qrcode "github.com/skip2/go-qrcode"

	"budgetpoint/models"
)

var questionnaireMessages = map[string][2]string{
	"q.title":         {"调查问卷", "Questionnaires"},
	"q.new":           {"新建问卷", "New questionnaire"},
	"q.edit":          {"修改问卷", "Edit questionnaire"},
	"q.none":          {"还没有问卷。", "No questionnaires yet."},
	"q.topic":         {"征求意见事项", "Topic"},
	"q.qtitle":        {"问卷标题", "Questionnaire title"},
	"q.qtitle_en":     {"英文标题（可不填）", "English title (optional)"},
	"q.description":   {"填写说明（可不填）", "Introduction (optional)"},
	"q.id":            {"问卷编号（可不填，自动生成）", "Questionnaire id (optional, generated)"},
	"q.version":       {"版本", "Version"},
	"q.public":        {"公开填写", "Open to the public"},
	"q.open":          {"公开中", "open"},
	"q.closed":        {"未公开", "not open"},
	"q.preview":       {"预览", "Preview"},
	"q.responses":     {"导出答卷", "Export responses"},
	"q.question":      {"第 %d 题", "Question %d"},
	"q.qtype":         {"题型", "Type"},
	"q.qlabel":        {"题目", "Question"},
	"q.qlabel_en":     {"英文题目（可不填）", "Question in English (optional)"},
	"q.required":      {"必答题", "Required"},
	"q.opinion":       {"把回答记为意见建议", "Record each answer as an opinion"},
	"q.options":       {"选项（每行一个）", "Options (one per line)"},
	"q.min":           {"最小值", "Minimum"},
	"q.max":           {"最大值", "Maximum"},
	"q.maxc":          {"最多选几项（0 为不限）", "At most how many choices (0: no limit)"},
	"q.maxlen":        {"最多字数", "At most how many characters"},
	"q.add":           {"添加题目", "Add a question"},
	"q.del":           {"删除第 %d 题", "Remove question %d"},
	"q.up":            {"上移第 %d 题", "Move question %d up"},
	"q.down":          {"下移第 %d 题", "Move question %d down"},
	"q.save":          {"保存并发布新版本", "Save and publish a new version"},
	"q.saved":         {"已发布第 %d 版", "Version %d published"},
	"q.unchanged":     {"问卷没有改动，仍为第 %d 版", "Nothing changed: still version %d"},
	"q.committee":     {"此问卷由预工委发布，不能在联系点修改，可以预览和公开填写。", "This questionnaire was published by the committee: it cannot be changed here, but it can be previewed and opened to the public."},
	"q.builder_hint":  {"每次保存都会发布一个新版本，已提交的答卷仍按原版本保存。改变已有题目的题型需要新建一道题。", "Each save publishes a new version; responses already in keep their version. To change a question's type, add a new question."},
	"share.title":     {"公开填写", "Open to the public"},
	"share.is_open":   {"此问卷已公开填写。任何人都可以用下面的链接或二维码填写，不需要登录。", "This questionnaire is open: anyone with the link or QR code below can fill it in without signing in."},
	"share.is_closed": {"此问卷未公开填写。公开后会生成一个不易猜到的链接和二维码。", "This questionnaire is not open to the public. Opening it makes a hard-to-guess link and a QR code."},
	"share.open":      {"公开填写", "Open to the public"},
	"share.close":     {"停止公开填写", "Close public filling"},
	"share.link":      {"填写链接", "Link"},
	"share.qr":        {"二维码（可打印或在屏幕上展示）", "QR code (print it or show it on screen)"},
	"share.print":     {"打印二维码", "Print the QR code"},
	"share.opened":    {"已公开填写", "Now open to the public"},
	"share.closed_ok": {"已停止公开填写", "Public filling closed"},
	"share.scan":      {"请用手机扫码填写", "Scan with a phone to fill in"},
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
	d := &qListData{Qs: qs, Topics: map[string]string{}}
	for _, t := range ts {
		d.Topics[t.ID] = t.Title
	}
	v := a.View(c, "q.title", d)
	v.Nav = "questionnaires"
	a.Render(c, http.StatusOK, "questionnaires.html", v)
}

// bq is one question as the builder form holds it.
type bq struct {
	Key, Type, Label, LabelEN string
	Required, Opinion         bool
	Options                   string // one label per line
	OVals                     string // earlier options as JSON, so that values stay stable
	Min, Max, MaxC, MaxLen    string
}

type builderData struct {
	IsNew                              bool
	ReadOnly                           bool
	ID, TopicID, Title, TitleEN, Descr string
	Version                            int
	Qs                                 []bq
	Topics                             []models.Topic
	Types                              []string
}

func fmtF(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'f', -1, 64)
}

func builderFromDef(q models.Questionnaire) *builderData {
	d := &builderData{ID: q.ID, TopicID: q.TopicID, Title: q.Title, TitleEN: q.TitleEN, Descr: q.Description, Version: q.Version,
		ReadOnly: q.Origin == models.OriginCommittee}
	for _, x := range q.Questions {
		b := bq{Key: x.Key, Type: x.Type, Label: x.Label, LabelEN: x.LabelEN, Required: x.Required, Opinion: x.Opinion,
			Min: fmtF(x.Min), Max: fmtF(x.Max)}
		if x.MaxChoices > 0 {
			b.MaxC = strconv.Itoa(x.MaxChoices)
		}
		if x.MaxLength > 0 {
			b.MaxLen = strconv.Itoa(x.MaxLength)
		}
		var labels []string
		for _, o := range x.Options {
			labels = append(labels, o.Label)
		}
		b.Options = strings.Join(labels, "\n")
		ov, _ := json.Marshal(x.Options)
		b.OVals = string(ov)
		d.Qs = append(d.Qs, b)
	}
	return d
}

func (a *App) builderPage(c *gin.Context) {
	var d *builderData
	title := "q.new"
	if id := c.Param("id"); id != "" {
		q, err := a.S.DB.Questionnaire(c.Request.Context(), id, 0)
		if err != nil {
			a.Error(c, err)
			return
		}
		d = builderFromDef(q)
		title = "q.edit"
	} else {
		d = &builderData{IsNew: true, TopicID: c.Query("topic"), Qs: []bq{{Key: "q1", Type: models.SingleChoice, Required: true, Options: "满意\n基本满意\n不满意"}}}
	}
	a.renderBuilder(c, http.StatusOK, title, d, nil)
}

func (a *App) renderBuilder(c *gin.Context, status int, title string, d *builderData, errs map[string]string) {
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

// builderFromForm reads the builder's posted form.
func builderFromForm(c *gin.Context) *builderData {
	d := &builderData{IsNew: c.Param("id") == "", ID: strings.TrimSpace(c.PostForm("id")), TopicID: c.PostForm("topic_id"),
		Title: c.PostForm("title"), TitleEN: c.PostForm("title_en"), Descr: c.PostForm("description")}
	if !d.IsNew {
		d.ID = c.Param("id")
	}
	n, _ := strconv.Atoi(c.PostForm("n"))
	if n > models.MaxQuestions {
		n = models.MaxQuestions
	}
	for i := 0; i < n; i++ {
		p := fmt.Sprintf("q%d_", i)
		d.Qs = append(d.Qs, bq{Key: c.PostForm(p + "key"), Type: c.PostForm(p + "type"), Label: c.PostForm(p + "label"), LabelEN: c.PostForm(p + "label_en"),
			Required: c.PostForm(p+"required") != "", Opinion: c.PostForm(p+"opinion") != "", Options: c.PostForm(p + "options"), OVals: c.PostForm(p + "ovals"),
			Min: c.PostForm(p + "min"), Max: c.PostForm(p + "max"), MaxC: c.PostForm(p + "maxc"), MaxLen: c.PostForm(p + "maxlen")})
	}
	return d
}

var optValueRe = regexp.MustCompile(`^o(\d+)$`)

// definition turns the builder's state into a questionnaire definition;
// bad numbers are reported by field.
func (d *builderData) definition() (models.Definition, map[string]string) {
	bad := map[string]string{}
	def := models.Definition{ID: d.ID, TopicID: d.TopicID, Title: d.Title, TitleEN: d.TitleEN, Description: d.Descr}
	num := func(s, field string) *float64 {
		s = strings.TrimSpace(s)
		if s == "" {
			return nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			bad[field] = "应为数字 / must be a number"
			return nil
		}
		return &f
	}
	integer := func(s, field string) int {
		s = strings.TrimSpace(s)
		if s == "" {
			return 0
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			bad[field] = "应为不小于 0 的整数 / must be a whole number, 0 or more"
		}
		return n
	}
	for i, b := range d.Qs {
		p := fmt.Sprintf("questions[%d].", i)
		q := models.Question{Key: b.Key, Type: b.Type, Label: b.Label, LabelEN: b.LabelEN, Required: b.Required}
		switch b.Type {
		case models.SingleChoice, models.MultipleChoice:
			var old []models.Option
			json.Unmarshal([]byte(b.OVals), &old)
			byLabel := map[string]string{}
			next := 1
			for _, o := range old {
				byLabel[o.Label] = o.Value
				if m := optValueRe.FindStringSubmatch(o.Value); m != nil {
					if k, _ := strconv.Atoi(m[1]); k >= next {
						next = k + 1
					}
				}
			}
			used := map[string]bool{}
			for _, line := range strings.Split(b.Options, "\n") {
				line = strings.TrimSpace(line)
				if line == "" {
					continue
				}
				v, ok := byLabel[line]
				if !ok || used[v] {
					v = "o" + strconv.Itoa(next)
					next++
				}
				used[v] = true
				q.Options = append(q.Options, models.Option{Value: v, Label: line})
			}
			if b.Type == models.MultipleChoice {
				q.MaxChoices = integer(b.MaxC, p+"max_choices")
			}
		case models.Rating:
			q.Min, q.Max = num(b.Min, p+"min"), num(b.Max, p+"max")
		case models.Number:
			q.Min, q.Max = num(b.Min, p+"min"), num(b.Max, p+"max")
			if q.Min != nil && q.Max != nil && *q.Min > *q.Max {
				bad[p+"max"] = "最大值不能小于最小值 / the maximum must not be below the minimum"
			}
		case models.Text:
			q.MaxLength = integer(b.MaxLen, p+"max_length")
			q.Opinion = b.Opinion
		}
		def.Questions = append(def.Questions, q)
	}
	return def, bad
}

// applyEdit applies a builder button that changes the form without saving
// it ("add", "del:i", "up:i", "down:i") and reports whether op was one.
func (d *builderData) applyEdit(op string) bool {
	op, arg, _ := strings.Cut(op, ":")
	i, _ := strconv.Atoi(arg)
	switch op {
	case "add":
		d.Qs = append(d.Qs, bq{Key: d.nextKey(), Type: models.SingleChoice})
	case "del":
		if i >= 0 && i < len(d.Qs) {
			d.Qs = append(d.Qs[:i], d.Qs[i+1:]...)
		}
	case "up", "down":
		j := i - 1
		if op == "down" {
			j = i + 1
		}
		if i >= 0 && j >= 0 && i < len(d.Qs) && j < len(d.Qs) {
			d.Qs[i], d.Qs[j] = d.Qs[j], d.Qs[i]
		}
	default:
		return false
	}
	return true
}

// nextKey is a question key not used yet in the form.
func (d *builderData) nextKey() string {
	used := map[string]bool{}
	for _, q := range d.Qs {
		used[q.Key] = true
	}
	for i := len(d.Qs) + 1; ; i++ {
		k := "q" + strconv.Itoa(i)
		if !used[k] {
			return k
		}
	}
}

// builderSubmit handles the builder's buttons: add, remove and move a
// question (re-showing the form, no JavaScript needed), or save, which
// publishes a new version through DB.SaveQuestionnaire.
func (a *App) builderSubmit(c *gin.Context) {
	d := builderFromForm(c)
	title := "q.new"
	if !d.IsNew {
		title = "q.edit"
		q, err := a.S.DB.Questionnaire(c.Request.Context(), d.ID, 0)
		if err != nil {
			a.Error(c, err)
			return
		}
		d.Version = q.Version
		d.ReadOnly = q.Origin == models.OriginCommittee
	}
	if d.applyEdit(c.PostForm("op")) {
		a.renderBuilder(c, http.StatusOK, title, d, nil)
		return
	}
	if d.ID == "" {
		d.ID = "q-" + uuid.NewString()[:8]
	}
	def, bad := d.definition()
	if len(bad) > 0 {
		a.renderBuilder(c, http.StatusUnprocessableEntity, title, d, bad)
		return
	}
	q, created, err := a.S.DB.SaveQuestionnaire(c.Request.Context(), def, models.OriginLocal)
	if err != nil {
		fe := FieldErrors(err)
		if fe == nil {
			a.Error(c, err)
			return
		}
		// Show option errors once, beside the options box.
		out := map[string]string{}
		for k, v := range fe {
			if i := strings.Index(k, ".options["); i >= 0 {
				k = k[:i] + ".options"
			}
			out[k] = v
		}
		if d.IsNew {
			d.ID = c.PostForm("id")
		}
		a.renderBuilder(c, http.StatusUnprocessableEntity, title, d, out)
		return
	}
	lang := LangOf(c)
	msg := Translate(lang, "q.unchanged", q.Version)
	if created {
		msg = Translate(lang, "q.saved", q.Version)
	}
	a.Redirect(c, "/questionnaires/"+q.ID+"/edit", "ok", msg)
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
		a.Error(c, models.Errorf(models.ENotFound, "此问卷未公开填写 / this questionnaire is not open to the public"))
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
