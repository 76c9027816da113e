package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gin-gonic/gin/binding"

	"budgetpoint/forms"
	"budgetpoint/handlers"
	"budgetpoint/models"
)

// BindForm reads a posted form into f (by its form tags) and checks it,
// returning validation_failed with each bad field named.
func BindForm(c *gin.Context, what string, f any) error {
	if err := parseForm(c); err != nil {
		return err
	}
	if err := binding.MapFormWithTag(f, c.Request.PostForm, "form"); err != nil {
		return models.Invalid(what, map[string]string{"form": both("err.form_values")})
	}
	return forms.Check(what, f)
}

// parseForm reads the posted form: one over the size limit is too large,
// one that cannot be read otherwise a bad request, each said in both
// languages.
func parseForm(c *gin.Context) error {
	err := c.Request.ParseForm()
	var mbe *http.MaxBytesError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &mbe):
		return models.Errorf(models.ETooLarge, "%s", both("err.too_large", mbe.Limit))
	default:
		return models.Errorf(models.EBadRequest, "%s", both("err.form"))
	}
}

type topicRow struct {
	T          models.Topic
	Responses  int64
	Opinions   int64
	Activities int64
}

type dashData struct {
	Open    []topicRow
	Sync    SyncState
	SyncAge string // since the last push
	PullAge string // since the last pull
	Stale   bool   // no push nor pull for a day
}

// allTopics reads every topic (a point has tens, not thousands).
func (a *App) allTopics(c *gin.Context) ([]models.Topic, error) {
	return allPages(func(after string) (models.Page[models.Topic], error) {
		return a.S.DB.Topics(c.Request.Context(), 500, after)
	})
}

// allPages reads a short list through every page of it.
func allPages[T any](page func(after string) (models.Page[T], error)) ([]T, error) {
	var out []T
	after := ""
	for {
		p, err := page(after)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Items...)
		if p.Next == nil {
			return out, nil
		}
		after = *p.Next
	}
}

func isOpen(t models.Topic, now time.Time) bool { return t.OpenState(now) == models.TopicOpen }

func (a *App) dashboard(c *gin.Context) {
	ts, err := a.allTopics(c)
	if err != nil {
		a.Error(c, err)
		return
	}
	d := &dashData{}
	now := a.S.DB.Now()
	for _, t := range ts {
		if !isOpen(t, now) {
			continue
		}
		sum, err := a.S.DB.Summary(c.Request.Context(), t.ID, a.S.PointID)
		if err != nil {
			a.Error(c, err)
			return
		}
		act := sum.Activities
		d.Open = append(d.Open, topicRow{T: t, Responses: sum.Responses.Total, Opinions: sum.Opinions.Total, Activities: act.Forum + act.FieldResearch + act.Written})
	}
	d.Sync = a.syncState(c)
	lang := LangOf(c)
	// In contact with the hub is a push or a pull: a point with nothing new
	// only pulls.
	var last *time.Time
	if p := d.Sync.LastPush; p != nil {
		d.SyncAge, last = Age(lang, *p, now), p
	}
	if p := d.Sync.LastPull; p != nil {
		d.PullAge = Age(lang, *p, now)
		if last == nil || p.After(*last) {
			last = p
		}
	}
	d.Stale = last != nil && now.Sub(*last) > 24*time.Hour
	v := a.View(c, "dash.title", d)
	v.Nav = "dashboard"
	a.Render(c, http.StatusOK, "dashboard.html", v)
}

func (a *App) topicsList(c *gin.Context) {
	ts, err := a.allTopics(c)
	if err != nil {
		a.Error(c, err)
		return
	}
	v := a.View(c, "topics.title", ts)
	v.Nav = "topics"
	a.Render(c, http.StatusOK, "topics.html", v)
}

type topicFormData struct {
	ID       string
	Form     forms.TopicForm
	ReadOnly bool
	Kinds    []string
}

func (a *App) topicForm(c *gin.Context) {
	d := &topicFormData{Kinds: models.TopicKinds, Form: forms.TopicForm{Kind: "budget_draft", FiscalYear: a.S.DB.Now().Year() + 1}}
	title := "topics.new"
	if id := c.Param("id"); id != "" {
		t, err := a.S.DB.Topic(c.Request.Context(), id)
		if err != nil {
			a.Error(c, err)
			return
		}
		title = "topics.edit"
		d.ID = t.ID
		d.ReadOnly = t.Origin == models.OriginCommittee
		d.Form = forms.TopicForm{Kind: t.Kind, FiscalYear: t.FiscalYear, Title: t.Title, TitleEN: t.TitleEN, Summary: t.Summary,
			OpensAt: datePtr(t.OpensAt), ClosesAt: datePtr(t.ClosesAt)}
	}
	v := a.View(c, title, d)
	v.Nav = "topics"
	a.Render(c, http.StatusOK, "topic_form.html", v)
}

func (a *App) topicSave(c *gin.Context) {
	d := &topicFormData{Kinds: models.TopicKinds, ID: c.Param("id")}
	err := BindForm(c, "事项", &d.Form)
	if err == nil {
		if d.ID == "" {
			var t models.Topic
			if t, err = d.Form.Topic(); err == nil {
				err = a.S.DB.CreateTopic(c.Request.Context(), &t)
				d.ID = t.ID
			}
		} else {
			_, err = a.S.DB.PatchTopic(c.Request.Context(), d.ID, d.Form.Patch())
		}
	}
	if err != nil {
		fe := FieldErrors(err)
		if fe == nil {
			a.Error(c, err)
			return
		}
		title := "topics.new"
		if c.Param("id") != "" {
			title = "topics.edit"
		}
		v := a.View(c, title, d)
		v.Nav, v.Errors = "topics", fe
		a.Render(c, http.StatusUnprocessableEntity, "topic_form.html", v)
		return
	}
	a.Redirect(c, "/topics", "ok", Translate(LangOf(c), "flash.saved"))
}

// sessionUser is the signed-in user of a page request.
func sessionUser(c *gin.Context) models.User {
	s, _ := handlers.SessionOf(c)
	return s.User
}
