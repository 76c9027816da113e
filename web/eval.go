package web

// One-time evaluation codes (测评码): staff issue codes for a questionnaire
// and print them as slips (or one link per deputy); a person opens /e, types
// the code and answers once. Only hashes of the codes are stored, the
// response keeps nothing of the code or the person (db.SubmitWithEvalCode),
// and the per-deputy list exists only on the printed page.

import (
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	qrcode "github.com/skip2/go-qrcode"

	"budgetpoint/db"
	"budgetpoint/handlers"
	"budgetpoint/models"
)

// EvalPath is where a code is answered.
func EvalPath(code string) string { return "/e/" + db.FormatEvalCode(code) }

type evalSetsData struct {
	Sets           []db.EvalCodeSet
	Titles         map[string]string
	Questionnaires []models.Questionnaire
	Deputies       []models.Deputy
	Kinds          []string
	SetID          string
	Form           evalForm
}

type evalForm struct {
	QuestionnaireID, Name, Count, Kind, Mode string
	DeputyIDs                                []string
}

func (a *App) evalSets(c *gin.Context) {
	a.renderEvalSets(c, http.StatusOK, evalForm{QuestionnaireID: c.Query("q"), Kind: "deputy", Mode: "slips", Count: "30"}, nil)
}

func (a *App) renderEvalSets(c *gin.Context, status int, f evalForm, errs map[string]string) {
	sets, err := a.S.DB.EvalCodeSets(c.Request.Context(), "")
	if err != nil {
		a.Error(c, err)
		return
	}
	qs, err := a.allQuestionnaires(c)
	if err != nil {
		a.Error(c, err)
		return
	}
	deps, err := a.S.DB.Deputies(c.Request.Context(), 500, "")
	if err != nil {
		a.Error(c, err)
		return
	}
	d := &evalSetsData{Sets: sets, Titles: map[string]string{}, Questionnaires: qs, Deputies: deps.Items, Kinds: models.RespondentKinds,
		SetID: uuid.NewString(), Form: f}
	for _, q := range qs {
		d.Titles[q.ID] = LocalTitle(LangOf(c), q.Title, q.TitleEN)
	}
	v := a.View(c, "eval.title", d)
	v.Nav = "questionnaires"
	v.Errors = errs
	a.Render(c, status, "eval_sets.html", v)
}

// slip is one printed code.
type slip struct {
	Code, Link, Deputy string
	QR                 template.URL // data: URL of a PNG made here, safe to use as img src
}

type slipsData struct {
	Set   db.EvalCodeSet
	Title string
	Entry string // the address where codes are typed
	Slips []slip
}

// evalIssue issues a set of codes and shows them once, as printable slips.
func (a *App) evalIssue(c *gin.Context) {
	sess, _ := handlers.SessionOf(c)
	if err := parseForm(c); err != nil {
		a.Error(c, err)
		return
	}
	f := evalForm{QuestionnaireID: c.PostForm("questionnaire_id"), Name: c.PostForm("name"), Count: strings.TrimSpace(c.PostForm("count")),
		Kind: c.PostForm("respondent_kind"), Mode: c.PostForm("mode"), DeputyIDs: c.PostFormArray("deputy")}
	var names []string
	n, err := strconv.Atoi(f.Count)
	if err != nil {
		n = -1
	}
	if f.Mode == "deputies" {
		for _, id := range f.DeputyIDs {
			d, err := a.S.DB.Deputy(c.Request.Context(), id)
			if err != nil {
				continue
			}
			names = append(names, d.Name)
		}
		n = len(names)
		if n == 0 {
			a.renderEvalSets(c, http.StatusUnprocessableEntity, f, map[string]string{"deputy": both("eval.need_deputies")})
			return
		}
	}
	set := db.EvalCodeSet{ID: c.PostForm("set_id"), QuestionnaireID: f.QuestionnaireID, Name: f.Name, RespondentKind: f.Kind, CreatedBy: sess.User.Name}
	codes, err := a.S.DB.IssueEvalCodes(c.Request.Context(), set, n)
	if err != nil {
		if fe := FieldErrors(err); fe != nil {
			a.renderEvalSets(c, http.StatusUnprocessableEntity, f, fe)
			return
		}
		a.Error(c, err)
		return
	}
	q, err := a.S.DB.Questionnaire(c.Request.Context(), f.QuestionnaireID, 0)
	if err != nil {
		a.Error(c, err)
		return
	}
	d := &slipsData{Set: set, Title: LocalTitle(LangOf(c), q.Title, q.TitleEN), Entry: a.absURL(c, "/e")}
	d.Set.Issued = n
	for i, code := range codes {
		s := slip{Code: db.FormatEvalCode(code), Link: a.absURL(c, EvalPath(code))}
		if i < len(names) {
			s.Deputy = names[i]
		}
		if png, err := qrcode.Encode(s.Link, qrcode.Medium, 256); err == nil {
			s.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
		}
		d.Slips = append(d.Slips, s)
	}
	v := a.View(c, "eval.slips", d)
	v.Nav = "questionnaires"
	// Shown once: the page must not be kept by the browser or a proxy.
	a.Render(c, http.StatusOK, "eval_slips.html", v)
}

// evalEnter is where a person types the code from a slip.
func (a *App) evalEnter(c *gin.Context) {
	if code := c.Query("code"); code != "" {
		if n := db.NormalizeEvalCode(code); n != "" {
			c.Redirect(http.StatusSeeOther, EvalPath(n))
			return
		}
		a.renderEvalEnter(c, http.StatusUnprocessableEntity, code, both("eval.bad_code"))
		return
	}
	a.renderEvalEnter(c, http.StatusOK, "", "")
}

type evalEnterData struct {
	Code    string
	Refused *models.Error
}

func (a *App) renderEvalEnter(c *gin.Context, status int, code, msg string) {
	v := a.View(c, "eval.enter", &evalEnterData{Code: code})
	v.Bare = true
	if msg != "" {
		v.Errors = map[string]string{"code": msg}
	}
	a.Render(c, status, "eval_enter.html", v)
}

// evalRefused shows why a code cannot answer (unknown, or used already).
func (a *App) evalRefused(c *gin.Context, err error) {
	e, ok := models.AsError(err)
	if !ok {
		a.Error(c, err)
		return
	}
	title := "error.title"
	if e.Code == models.EConflict {
		title = "eval.used_title"
	}
	v := a.View(c, title, &evalEnterData{Refused: e})
	v.Bare = true
	a.Render(c, handlers.Status(e.Code), "eval_enter.html", v)
}

// evalFill shows the questionnaire of a code, with the fill-in page of the
// public link (fill.html), without asking who answers.
func (a *App) evalFill(c *gin.Context) {
	set, err := a.S.DB.EvalCode(c.Request.Context(), c.Param("code"))
	if err != nil {
		a.evalRefused(c, err)
		return
	}
	q, err := a.S.DB.Questionnaire(c.Request.Context(), set.QuestionnaireID, 0)
	if err != nil {
		a.Error(c, err)
		return
	}
	a.renderEvalFill(c, http.StatusOK, &fillData{Q: q, Action: c.Request.URL.Path, RID: uuid.NewString(), Answers: url.Values{}}, nil)
}

func (a *App) renderEvalFill(c *gin.Context, status int, d *fillData, errs map[string]string) {
	v := a.View(c, "", d)
	v.Title = LocalTitle(LangOf(c), d.Q.Title, d.Q.TitleEN)
	v.Bare = true
	v.User = nil // not signed in as anyone here, even on a staff browser
	v.Errors = errs
	d.Missing = len(errs)
	v.Flash = append(v.Flash, Flash{Kind: "info", Msg: both("eval.anon")})
	a.Render(c, status, "fill.html", v)
}

// evalSubmit stores the answers of a code. A used code is refused with a
// clear message; the same page sent twice (a double tap) ends on the
// confirmation and is counted once.
func (a *App) evalSubmit(c *gin.Context) {
	if !a.S.AllowPublic(c) {
		a.Error(c, models.Errorf(models.ERateLimited, "%s", both("err.rate_limited")))
		return
	}
	code := c.Param("code")
	set, err := a.S.DB.EvalCode(c.Request.Context(), code)
	if err != nil && models.ErrorCode(err) != models.EConflict {
		a.evalRefused(c, err)
		return
	}
	if err := parseForm(c); err != nil {
		a.Error(c, err)
		return
	}
	d := &fillData{Action: c.Request.URL.Path, Answers: c.Request.PostForm, RID: c.PostForm("rid")}
	if _, err := uuid.Parse(d.RID); err != nil {
		d.RID = uuid.NewString()
	}
	version, _ := strconv.Atoi(c.PostForm("v"))
	q, qerr := a.S.DB.Questionnaire(c.Request.Context(), set.QuestionnaireID, version)
	if qerr != nil {
		if err != nil {
			a.evalRefused(c, err)
			return
		}
		a.Error(c, qerr)
		return
	}
	d.Q = q
	_, _, err = a.S.DB.SubmitWithEvalCode(c.Request.Context(), code, d.RID, q.Version, answersFromForm(&q.Definition, c.Request.PostForm))
	if err != nil {
		if fe := FieldErrors(err); fe != nil {
			a.renderEvalFill(c, http.StatusUnprocessableEntity, d, fe)
			return
		}
		a.evalRefused(c, err)
		return
	}
	a.Redirect(c, "/done", "", "")
}
