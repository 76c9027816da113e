package web

// Paper entry pages (纸质问卷录入): batches, the keyboard entry page, the
// side-by-side resolution of double entry mismatches, the history, and the
// Excel template and import (paper_import.go). The rules of what is counted
// when are in db/paper.go.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"budgetpoint/db"
	"budgetpoint/handlers"
	"budgetpoint/models"
)

type batchForm struct {
	Name, QuestionnaireID, Expected, RespondentKind string
	DoubleEntry                                     bool
}

type paperListData struct {
	Batches        []db.PaperBatch
	Questionnaires []models.Questionnaire
	Kinds          []string
	Form           batchForm
}

// allQuestionnaires reads the latest version of every questionnaire.
func (a *App) allQuestionnaires(c *gin.Context) ([]models.Questionnaire, error) {
	return a.questionnairesOf(c, "")
}

func (a *App) paperList(c *gin.Context) {
	a.renderPaperList(c, http.StatusOK, batchForm{Expected: "", RespondentKind: "public", QuestionnaireID: c.Query("q")}, nil)
}

func (a *App) renderPaperList(c *gin.Context, status int, f batchForm, errs map[string]string) {
	bs, err := a.S.DB.PaperBatches(c.Request.Context())
	if err != nil {
		a.Error(c, err)
		return
	}
	qs, err := a.allQuestionnaires(c)
	if err != nil {
		a.Error(c, err)
		return
	}
	v := a.View(c, "paper.title", &paperListData{Batches: bs, Questionnaires: qs, Kinds: models.RespondentKinds, Form: f})
	v.Nav = "paper"
	v.Errors = errs
	a.Render(c, status, "paper_list.html", v)
}

func (a *App) paperCreate(c *gin.Context) {
	sess, _ := handlers.SessionOf(c)
	f := batchForm{Name: c.PostForm("name"), QuestionnaireID: c.PostForm("questionnaire_id"), Expected: strings.TrimSpace(c.PostForm("expected")),
		RespondentKind: c.PostForm("respondent_kind"), DoubleEntry: c.PostForm("double_entry") != ""}
	n, err := strconv.Atoi(f.Expected)
	if err != nil {
		n = -1
	}
	b := db.PaperBatch{Name: f.Name, QuestionnaireID: f.QuestionnaireID, Expected: n, DoubleEntry: f.DoubleEntry, RespondentKind: f.RespondentKind, CreatedBy: sess.User.Name}
	if err := a.S.DB.CreatePaperBatch(c.Request.Context(), &b); err != nil {
		if fe := FieldErrors(err); fe != nil {
			a.renderPaperList(c, http.StatusUnprocessableEntity, f, fe)
			return
		}
		a.Error(c, err)
		return
	}
	a.Redirect(c, "/paper/"+b.ID, "ok", Translate(LangOf(c), "paper.created"))
}

type batchData struct {
	B          db.PaperBatch
	Forms      []db.PaperForm
	Mismatches []db.PaperForm
	TopicID    string
	SameTypist map[string]string // serial → the one login that typed both passes
}

func (a *App) batchAndDef(c *gin.Context) (db.PaperBatch, *models.Definition, bool) {
	b, err := a.S.DB.PaperBatch(c.Request.Context(), c.Param("id"))
	if err != nil {
		a.Error(c, err)
		return b, nil, false
	}
	def, _, err := a.S.DB.Definition(c.Request.Context(), b.QuestionnaireID, b.Version)
	if err != nil {
		a.Error(c, err)
		return b, nil, false
	}
	return b, def, true
}

func (a *App) paperBatch(c *gin.Context) {
	b, def, ok := a.batchAndDef(c)
	if !ok {
		return
	}
	fs, err := a.S.DB.PaperForms(c.Request.Context(), b.ID)
	if err != nil {
		a.Error(c, err)
		return
	}
	d := &batchData{B: b, Forms: fs, TopicID: def.TopicID, SameTypist: map[string]string{}}
	for _, f := range fs {
		if f.Status == db.PaperMismatch {
			d.Mismatches = append(d.Mismatches, f)
		}
		e1, ok1 := f.Entries[1]
		e2, ok2 := f.Entries[2]
		if b.DoubleEntry && ok1 && ok2 && e1.EnteredBy == e2.EnteredBy {
			d.SameTypist[f.Serial] = e1.EnteredBy
		}
	}
	v := a.View(c, "paper.title", d)
	v.Title = b.Name
	v.Nav = "paper"
	a.Render(c, http.StatusOK, "paper_batch.html", v)
}

// entryOption is one numbered option on the entry page.
type entryOption struct {
	N     int
	Label string
}

// entryQuestion is one question on the entry page, with what was typed.
type entryQuestion struct {
	Key, Label, Type, Hint, Typed, Err, Shown string
	Required                                  bool
	Options                                   []entryOption
	Labels                                    string // "1=满意|2=基本满意" for the script's echo
	Multi, Separated                          bool
	// Skip logic: typed only when question SkipKey's typed numbers include
	// one of SkipIn ("2 3"); the script greys it out and Enter passes it by.
	SkipKey, SkipIn, SkipHint string
}

type entryData struct {
	B          db.PaperBatch
	Pass       int
	PassName   string
	N          int // the form being typed
	Entered    int // forms typed in this pass
	AllDone    bool
	Serial     string
	SerialErr  string
	Replace    bool
	Questions  []entryQuestion
	Mismatches []db.PaperForm
	// OtherPassMine counts the forms whose other pass this login typed: one
	// person typing both passes checks nothing, and the page says so.
	OtherPassMine int
}

// suggestSerial offers the serial of the next form of a pass: in the second
// pass, the first form of the first pass (in the order typed) that the
// second has not reached; otherwise the serial after the last one typed in
// this pass ("017" → "018"), when it ends in digits and is not taken.
func suggestSerial(fs []db.PaperForm, double bool, pass int) string {
	typed := map[string]bool{}
	var last db.PaperForm
	var lastAt time.Time
	for _, f := range fs {
		if e, ok := f.Entries[pass]; ok {
			typed[f.Serial] = true
			if !e.EnteredAt.Before(lastAt) {
				last, lastAt = f, e.EnteredAt
			}
		}
	}
	if double && pass == 2 {
		var next string
		var nextAt time.Time
		for _, f := range fs {
			if e, ok := f.Entries[1]; ok && !typed[f.Serial] && (next == "" || e.EnteredAt.Before(nextAt)) {
				next, nextAt = f.Serial, e.EnteredAt
			}
		}
		if next != "" {
			return next
		}
	}
	if last.Serial == "" {
		return ""
	}
	s := last.Serial
	for range 100 {
		if s = nextSerial(s); s == "" || !typed[s] {
			return s
		}
	}
	return ""
}

// nextSerial adds one to the number a serial ends with, keeping its width
// ("A-009" → "A-010", "99" → "100"); "" when it does not end in a digit.
func nextSerial(s string) string {
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	if i == len(s) {
		return ""
	}
	digits := []byte(s[i:])
	for k := len(digits) - 1; k >= 0; k-- {
		if digits[k] < '9' {
			digits[k]++
			return s[:i] + string(digits)
		}
		digits[k] = '0'
	}
	return s[:i] + "1" + string(digits)
}

// entryQuestions prepares the questions of the entry page in the page's language.
func entryQuestions(def *models.Definition, lang string, typed map[string]string, errs map[string]string) []entryQuestion {
	out := make([]entryQuestion, 0, len(def.Questions))
	for i := range def.Questions {
		q := &def.Questions[i]
		eq := entryQuestion{Key: q.Key, Label: questionLabel(q, lang), Type: q.Type, Required: q.Required, Typed: typed[q.Key],
			Err: Bilingual(lang, errs["answers."+q.Key])}
		var labels []string
		for j, o := range q.Options {
			eq.Options = append(eq.Options, entryOption{N: j + 1, Label: OptionLabel(o, lang)})
			labels = append(labels, fmt.Sprintf("%d=%s", j+1, OptionLabel(o, lang)))
		}
		eq.Labels = strings.Join(labels, "|")
		switch q.Type {
		case models.SingleChoice:
			eq.Hint = Translate(lang, "paper.hint.single", len(q.Options))
		case models.MultipleChoice:
			eq.Multi, eq.Separated = true, digitsSeparated(q)
			eq.Hint = Translate(lang, "paper.hint.multi")
			if eq.Separated {
				eq.Hint = Translate(lang, "paper.hint.multi_sep")
			}
		case models.Rating:
			lo, hi := q.RatingBounds()
			eq.Hint = Translate(lang, "paper.hint.rating", lo, hi)
		case models.Number:
			eq.Hint = Translate(lang, "paper.hint.number")
		default:
			eq.Hint = Translate(lang, "paper.hint.text")
		}
		if k, opts := decider(def.Questions[:i], q); k >= 0 {
			nums := make([]string, len(opts))
			for n, j := range opts {
				nums[n] = strconv.Itoa(j + 1)
			}
			eq.SkipKey, eq.SkipIn = def.Questions[k].Key, strings.Join(nums, " ")
			eq.SkipHint = Translate(lang, "paper.skip", k+1, strings.Join(nums, Translate(lang, "fill.or")))
		}
		if eq.Typed != "" && eq.Err == "" && len(q.Options) > 0 {
			if raw, msg := typedAnswer(q, eq.Typed, false); msg == "" {
				eq.Shown = shownOf(q, raw, lang)
			}
		}
		out = append(out, eq)
	}
	return out
}

func passOf(b *db.PaperBatch, s string) int {
	if b.DoubleEntry && s == "2" {
		return 2
	}
	return 1
}

func (a *App) paperEntry(c *gin.Context) {
	b, def, ok := a.batchAndDef(c)
	if !ok {
		return
	}
	pass := passOf(&b, c.Query("pass"))
	typed := map[string]string{}
	serial := ""
	replace := false
	// "Type this pass again" opens the entry page filled with what was typed.
	if s := c.Query("serial"); s != "" && c.Query("replace") == "1" {
		if f, err := a.S.DB.PaperForm(c.Request.Context(), b.ID, s); err == nil {
			if e, ok := f.Entries[pass]; ok {
				serial, replace = s, true
				m, err := rawOf(e.Answers)
				if err != nil {
					a.Error(c, fmt.Errorf("paper form %s of batch %s, pass %d: %w", s, b.ID, pass, err))
					return
				}
				for i := range def.Questions {
					q := &def.Questions[i]
					typed[q.Key] = typedOf(q, m[q.Key])
				}
			}
		}
	}
	a.renderEntry(c, http.StatusOK, &b, def, pass, serial, replace, typed, nil)
}

func (a *App) renderEntry(c *gin.Context, status int, b *db.PaperBatch, def *models.Definition, pass int, serial string, replace bool, typed map[string]string, errs map[string]string) {
	lang := LangOf(c)
	d := &entryData{B: *b, Pass: pass, Serial: serial, Replace: replace, Questions: entryQuestions(def, lang, typed, errs),
		SerialErr: Bilingual(lang, errs["serial"])}
	d.PassName = Translate(lang, "paper.pass1")
	if pass == 2 {
		d.PassName = Translate(lang, "paper.pass2")
	}
	d.Entered = b.Entered(pass)
	d.N = d.Entered + 1
	d.AllDone = d.N > b.Expected
	fs, err := a.S.DB.PaperForms(c.Request.Context(), b.ID)
	if err != nil {
		a.Error(c, err)
		return
	}
	if b.DoubleEntry {
		user := ""
		if sess, ok := handlers.SessionOf(c); ok {
			user = sess.User.Name
		}
		for _, f := range fs {
			if f.Status == db.PaperMismatch {
				d.Mismatches = append(d.Mismatches, f)
			}
			if e, ok := f.Entries[3-pass]; ok && user != "" && e.EnteredBy == user {
				d.OtherPassMine++
			}
		}
	}
	// A new form's serial is offered, selected so that typing replaces it.
	if serial == "" && !replace && errs == nil {
		d.Serial = suggestSerial(fs, b.DoubleEntry, pass)
	}
	v := a.View(c, "paper.title", d)
	v.Title = b.Name
	v.Nav = "paper"
	v.Errors = errs
	a.Render(c, status, "paper_entry.html", v)
}

func (a *App) paperEntrySave(c *gin.Context) {
	b, def, ok := a.batchAndDef(c)
	if !ok {
		return
	}
	sess, _ := handlers.SessionOf(c)
	lang := LangOf(c)
	pass := passOf(&b, c.PostForm("pass"))
	serial := strings.TrimSpace(c.PostForm("serial"))
	replace := c.PostForm("replace") != ""
	typed := map[string]string{}
	for _, q := range def.Questions {
		typed[q.Key] = c.PostForm("a." + q.Key)
	}
	answers, bad := typedAnswers(def, typed, false)
	if len(bad) > 0 || serial == "" {
		// Name every problem at once: the typing errors, then what the
		// questionnaire itself says (required answers, ranges).
		_, more := def.CheckAnswers(answers)
		for k, m := range more {
			if _, seen := bad[k]; !seen {
				bad[k] = m
			}
		}
		if serial == "" {
			bad["serial"] = both("paper.need_serial")
		}
		a.renderEntry(c, http.StatusUnprocessableEntity, &b, def, pass, serial, replace, typed, bad)
		return
	}
	res, err := a.S.DB.EnterPaper(c.Request.Context(), db.PaperEntryInput{BatchID: b.ID, Serial: serial, Pass: pass, Answers: answers,
		UserName: sess.User.Name, UserID: sess.User.ID, Replace: replace})
	if err != nil {
		e, ok := models.AsError(err)
		if !ok {
			a.Error(c, err)
			return
		}
		fields := e.Fields
		if fields == nil {
			fields = map[string]string{"serial": e.Message}
		}
		a.renderEntry(c, handlers.Status(e.Code), &b, def, pass, serial, replace, typed, fields)
		return
	}
	next := "/paper/" + b.ID + "/entry?pass=" + strconv.Itoa(pass)
	// Both passes by one login check nothing: said at once, not refused
	// (a point may have one clerk on the day).
	same := ""
	if b.DoubleEntry && res.Status != db.PaperPending {
		if f, err := a.S.DB.PaperForm(c.Request.Context(), b.ID, serial); err == nil && f.Entries[1].EnteredBy == f.Entries[2].EnteredBy {
			same = Translate(lang, "paper.same_typist_one", serial, f.Entries[1].EnteredBy)
		}
	}
	switch res.Status {
	case db.PaperCounted:
		a.Redirect(c, next, "ok", Translate(lang, "paper.saved.counted", serial)+sentence(lang, same))
	case db.PaperPending:
		a.Redirect(c, next, "ok", Translate(lang, "paper.saved.pending", serial, Translate(lang, "paper.pass"+strconv.Itoa(pass))))
	default:
		a.Redirect(c, next, "error", Translate(lang, "paper.saved.mismatch", serial, labelsOf(def, res.Differs, lang))+sentence(lang, same))
	}
}

// sentence is s as a further sentence after one without its full stop;
// nothing for "".
func sentence(lang, s string) string {
	switch {
	case s == "":
		return ""
	case lang == LangEN:
		return ". " + s
	}
	return "。" + s
}

// labelsOf names questions by their labels, joined by 、 (", " in English).
func labelsOf(def *models.Definition, keys []string, lang string) string {
	var out []string
	for _, k := range keys {
		if q := def.Question(k); q != nil {
			out = append(out, questionLabel(q, lang))
		}
	}
	return PunctOf(lang).Join(out)
}

// resolveRow is one question on the form page: both passes side by side.
type resolveRow struct {
	Key, Label       string
	Pass1, Pass2     string // as people read them
	Agree            bool
	Pick, Other, Err string
	Hint             string
	Options          []entryOption
}

type formData struct {
	B        db.PaperBatch
	F        db.PaperForm
	By1, By2 string
	Rows     []resolveRow
	History  []historyRow
}

type historyRow struct {
	db.PaperAudit
	Action, Question, Old, New string
}

// historyRows writes the history for people: actions and questions by
// their names, values as they read them. A stored value that cannot be read
// is an error naming its entry.
func historyRows(def *models.Definition, log []db.PaperAudit, lang string) ([]historyRow, error) {
	out := make([]historyRow, 0, len(log))
	for _, h := range log {
		r := historyRow{PaperAudit: h, Action: Translate(lang, "paper.action."+h.Action)}
		if h.Pass > 0 && (h.Action == "enter" || h.Action == "reenter") {
			r.Action += " · " + Translate(lang, "paper.pass"+strconv.Itoa(h.Pass))
		}
		if h.Action == "mismatch" {
			r.Question = labelsOf(def, strings.Split(h.QuestionKey, ","), lang)
		} else if q := def.Question(h.QuestionKey); q != nil {
			r.Question = questionLabel(q, lang)
			if h.Action == "resolve" {
				var old map[string]string
				if err := json.Unmarshal([]byte(h.OldValue), &old); err != nil {
					return nil, fmt.Errorf("paper history of form %s, %s at %s: the values resolved: %w", h.Serial, h.Action, h.At.Format(time.RFC3339), err)
				}
				r.Old = Translate(lang, "paper.pass1") + PunctOf(lang).Colon + orBlank(shownOf(q, json.RawMessage(old["pass1"]), lang), lang) +
					PunctOf(lang).Semi + Translate(lang, "paper.pass2") + PunctOf(lang).Colon + orBlank(shownOf(q, json.RawMessage(old["pass2"]), lang), lang)
			} else {
				r.Old = orBlank(shownOf(q, json.RawMessage(h.OldValue), lang), lang)
			}
			r.New = orBlank(shownOf(q, json.RawMessage(h.NewValue), lang), lang)
		}
		if h.QuestionKey == "" && h.NewValue != "" {
			line, err := answersLine(def, json.RawMessage(h.NewValue), lang)
			if err != nil {
				return nil, fmt.Errorf("paper history of form %s, %s at %s: %w", h.Serial, h.Action, h.At.Format(time.RFC3339), err)
			}
			r.New = line
		}
		out = append(out, r)
	}
	return out, nil
}

// answersLine writes a whole form's answers on one line.
func answersLine(def *models.Definition, canon json.RawMessage, lang string) (string, error) {
	m, err := rawOf(canon)
	if err != nil {
		return "", err
	}
	var parts []string
	for i := range def.Questions {
		q := &def.Questions[i]
		if v, ok := m[q.Key]; ok {
			parts = append(parts, questionLabel(q, lang)+PunctOf(lang).Colon+shownOf(q, v, lang))
		}
	}
	return strings.Join(parts, PunctOf(lang).Semi), nil
}

func orBlank(s, lang string) string {
	if s == "" {
		return Translate(lang, "paper.empty")
	}
	return s
}

func (a *App) paperFormPage(c *gin.Context) {
	a.renderForm(c, http.StatusOK, nil, nil)
}

func (a *App) renderForm(c *gin.Context, status int, posted url.Values, errs map[string]string) {
	b, def, ok := a.batchAndDef(c)
	if !ok {
		return
	}
	lang := LangOf(c)
	serial := c.Query("serial")
	f, err := a.S.DB.PaperForm(c.Request.Context(), b.ID, serial)
	if err != nil {
		a.Error(c, err)
		return
	}
	d := &formData{B: b, F: f, By1: f.Entries[1].EnteredBy, By2: f.Entries[2].EnteredBy}
	p1, p2, err := passesOf(f)
	if err != nil {
		a.Error(c, fmt.Errorf("batch %s: %w", b.ID, err))
		return
	}
	for i := range def.Questions {
		q := &def.Questions[i]
		r := resolveRow{Key: q.Key, Label: questionLabel(q, lang),
			Pass1: orBlank(shownOf(q, p1[q.Key], lang), lang), Pass2: orBlank(shownOf(q, p2[q.Key], lang), lang),
			Agree: string(p1[q.Key]) == string(p2[q.Key]), Err: Bilingual(lang, errs["answers."+q.Key])}
		if posted != nil {
			r.Pick, r.Other = posted.Get("pick."+q.Key), posted.Get("other."+q.Key)
		}
		for j, o := range q.Options {
			r.Options = append(r.Options, entryOption{N: j + 1, Label: OptionLabel(o, lang)})
		}
		r.Hint = entryQuestions(&models.Definition{Questions: []models.Question{*q}}, lang, nil, nil)[0].Hint
		d.Rows = append(d.Rows, r)
	}
	if d.History, err = historyRows(def, f.Audit, lang); err != nil {
		a.Error(c, fmt.Errorf("batch %s: %w", b.ID, err))
		return
	}
	v := a.View(c, "paper.title", d)
	v.Title = Translate(lang, "paper.form", serial)
	if f.Status == db.PaperMismatch {
		v.Title = Translate(lang, "paper.resolve_title", serial)
	}
	v.Nav = "paper"
	v.Errors = errs
	a.Render(c, status, "paper_form.html", v)
}

// rawOf reads stored answers (canonical JSON, or nothing) by question key.
func rawOf(canon json.RawMessage) (map[string]json.RawMessage, error) {
	m := map[string]json.RawMessage{}
	if len(canon) > 0 {
		if err := json.Unmarshal(canon, &m); err != nil {
			return nil, fmt.Errorf("stored answers: %w", err)
		}
	}
	return m, nil
}

// passesOf reads the stored answers of a form's two passes.
func passesOf(f db.PaperForm) (p1, p2 map[string]json.RawMessage, err error) {
	if p1, err = rawOf(f.Entries[1].Answers); err != nil {
		return nil, nil, fmt.Errorf("paper form %s, pass 1: %w", f.Serial, err)
	}
	if p2, err = rawOf(f.Entries[2].Answers); err != nil {
		return nil, nil, fmt.Errorf("paper form %s, pass 2: %w", f.Serial, err)
	}
	return p1, p2, nil
}

// paperResolve settles a mismatch: for each question whose passes differ,
// the person picks pass 1, pass 2, or types the paper's answer.
func (a *App) paperResolve(c *gin.Context) {
	b, def, ok := a.batchAndDef(c)
	if !ok {
		return
	}
	sess, _ := handlers.SessionOf(c)
	serial := c.Query("serial")
	f, err := a.S.DB.PaperForm(c.Request.Context(), b.ID, serial)
	if err != nil {
		a.Error(c, err)
		return
	}
	if err := parseForm(c); err != nil {
		a.Error(c, err)
		return
	}
	p1, p2, err := passesOf(f)
	if err != nil {
		a.Error(c, fmt.Errorf("batch %s: %w", b.ID, err))
		return
	}
	answers := map[string]json.RawMessage{}
	bad := map[string]string{}
	for i := range def.Questions {
		q := &def.Questions[i]
		var v json.RawMessage
		switch {
		case string(p1[q.Key]) == string(p2[q.Key]):
			v = p1[q.Key]
		case c.PostForm("pick."+q.Key) == "1":
			v = p1[q.Key]
		case c.PostForm("pick."+q.Key) == "2":
			v = p2[q.Key]
		case c.PostForm("pick."+q.Key) == "other":
			raw, msg := typedAnswer(q, c.PostForm("other."+q.Key), false)
			if msg != "" {
				bad["answers."+q.Key] = msg
				continue
			}
			v = raw
		default:
			bad["answers."+q.Key] = both("paper.pick")
			continue
		}
		if len(v) > 0 {
			answers[q.Key] = v
		}
	}
	if len(bad) > 0 {
		a.renderForm(c, http.StatusUnprocessableEntity, c.Request.PostForm, bad)
		return
	}
	if _, err := a.S.DB.ResolvePaper(c.Request.Context(), b.ID, serial, answers, sess.User.Name, sess.User.ID); err != nil {
		if fe := FieldErrors(err); fe != nil {
			a.renderForm(c, http.StatusUnprocessableEntity, c.Request.PostForm, fe)
			return
		}
		a.Error(c, err)
		return
	}
	a.Redirect(c, "/paper/"+b.ID, "ok", Translate(LangOf(c), "paper.resolved", serial))
}

type historyData struct {
	B    db.PaperBatch
	Rows []historyRow
}

func (a *App) paperHistory(c *gin.Context) {
	b, def, ok := a.batchAndDef(c)
	if !ok {
		return
	}
	log, err := a.S.DB.PaperAuditLog(c.Request.Context(), b.ID, "")
	if err != nil {
		a.Error(c, err)
		return
	}
	rows, err := historyRows(def, log, LangOf(c))
	if err != nil {
		a.Error(c, fmt.Errorf("batch %s: %w", b.ID, err))
		return
	}
	v := a.View(c, "paper.history_all", &historyData{B: b, Rows: rows})
	v.Nav = "paper"
	a.Render(c, http.StatusOK, "paper_history.html", v)
}
