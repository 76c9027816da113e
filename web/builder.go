package web

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"budgetpoint/models"
)

// BuilderQuestion is one question as the builder form holds it.
type BuilderQuestion struct {
	Key, Type, Label, LabelEN string
	Required, Opinion         bool
	Options                   string // one label per line
	OVals                     string // earlier options as JSON, so that values stay stable
	Min, Max, MaxC, MaxLen    string
	// Skip logic: asked only when the earlier question RelKey is answered
	// with one of the option labels in RelIn (one per line); "": always.
	RelKey, RelIn string
}

// Builder is the questionnaire builder's form (builder.html, a page of the
// foundation): the point's 调查问卷 and the committee's 发布问卷 both edit
// questionnaires with it, each saving the Definition its own way. Its
// buttons add, remove and move questions without JavaScript (ApplyEdit).
type Builder struct {
	IsNew    bool
	ReadOnly bool
	// Drafts: the builder saves drafts (Enter and 保存草稿) and publishes
	// only with 发布 (a point's); without, Enter saves nothing (the hub's).
	Drafts bool
	// DraftSaved: what is shown is a draft, saved then (zero: the published version).
	DraftSaved time.Time
	// Pasted: questions were just made from pasted text (ParsePasted), with
	// the lines it did not understand.
	Pasted        bool
	PasteProblems []PasteProblem
	// Focus is the question (1-based) whose label gets the focus, 0: none.
	Focus                              int
	ID, TopicID, Title, TitleEN, Descr string
	Once                               bool // once_per_deputy
	Version                            int
	Qs                                 []BuilderQuestion
	Topics                             []models.Topic
	Types                              []string
}

func fmtF(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'f', -1, 64)
}

// BuilderFromDef is the form of a stored questionnaire (read only where the
// committee published it to a point).
func BuilderFromDef(q models.Questionnaire) *Builder {
	d := &Builder{ID: q.ID, TopicID: q.TopicID, Title: q.Title, TitleEN: q.TitleEN, Descr: q.Description, Version: q.Version,
		Once: q.OncePerDeputy, ReadOnly: q.Origin == models.OriginCommittee}
	for _, x := range q.Questions {
		b := BuilderQuestion{Key: x.Key, Type: x.Type, Label: x.Label, LabelEN: x.LabelEN, Required: x.Required, Opinion: x.Opinion,
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
		if r := x.Relevant; r != nil {
			b.RelKey = r.Key
			if src := q.Question(r.Key); src != nil {
				var in []string
				for _, v := range r.In {
					for _, o := range src.Options {
						if o.Value == v {
							in = append(in, o.Label)
						}
					}
				}
				b.RelIn = strings.Join(in, "\n")
			}
		}
		ov, _ := json.Marshal(x.Options)
		b.OVals = string(ov)
		d.Qs = append(d.Qs, b)
	}
	return d
}

// BuilderFromForm reads the builder's posted form.
func BuilderFromForm(c *gin.Context) *Builder {
	d := &Builder{IsNew: c.Param("id") == "", ID: strings.TrimSpace(c.PostForm("id")), TopicID: c.PostForm("topic_id"),
		Title: c.PostForm("title"), TitleEN: c.PostForm("title_en"), Descr: c.PostForm("description"), Once: c.PostForm("once") != ""}
	if !d.IsNew {
		d.ID = c.Param("id")
	}
	n, _ := strconv.Atoi(c.PostForm("n"))
	if n > models.MaxQuestions {
		n = models.MaxQuestions
	}
	for i := 0; i < n; i++ {
		p := fmt.Sprintf("q%d_", i)
		d.Qs = append(d.Qs, BuilderQuestion{Key: c.PostForm(p + "key"), Type: c.PostForm(p + "type"), Label: c.PostForm(p + "label"), LabelEN: c.PostForm(p + "label_en"),
			Required: c.PostForm(p+"required") != "", Opinion: c.PostForm(p+"opinion") != "", Options: c.PostForm(p + "options"), OVals: c.PostForm(p + "ovals"),
			Min: c.PostForm(p + "min"), Max: c.PostForm(p + "max"), MaxC: c.PostForm(p + "maxc"), MaxLen: c.PostForm(p + "maxlen"),
			RelKey: c.PostForm(p + "relkey"), RelIn: c.PostForm(p + "relin")})
	}
	return d
}

var optValueRe = regexp.MustCompile(`^o(\d+)$`)

// Definition turns the builder's state into a questionnaire definition;
// bad numbers are reported by field.
func (d *Builder) Definition() (models.Definition, map[string]string) {
	bad := map[string]string{}
	def := models.Definition{ID: d.ID, TopicID: d.TopicID, Title: d.Title, TitleEN: d.TitleEN, Description: d.Descr, OncePerDeputy: d.Once}
	num := func(s, field string) *float64 {
		s = strings.TrimSpace(s)
		if s == "" {
			return nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			bad[field] = both("err.number")
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
			bad[field] = both("err.whole")
		}
		return n
	}
	for i, b := range d.Qs {
		p := fmt.Sprintf("questions[%d].", i)
		q := models.Question{Key: b.Key, Type: b.Type, Label: b.Label, LabelEN: b.LabelEN, Required: b.Required}
		switch b.Type {
		case models.SingleChoice, models.MultipleChoice:
			// The values of the options as the page was given them (none for
			// a new question); unreadable, they cannot be kept: say so.
			var old []models.Option
			if b.OVals != "" {
				if err := json.Unmarshal([]byte(b.OVals), &old); err != nil {
					bad[p+"options"] = both("q.ovals_bad")
				}
			}
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
				bad[p+"max"] = both("err.max_below_min")
			}
		case models.Text:
			q.MaxLength = integer(b.MaxLen, p+"max_length")
			q.Opinion = b.Opinion
		}
		def.Questions = append(def.Questions, q)
	}
	for i, b := range d.Qs {
		if b.RelKey == "" {
			continue
		}
		def.Questions[i].Relevant = relevanceOf(def.Questions[:i], b, fmt.Sprintf("questions[%d].relevant", i), bad)
	}
	return def, bad
}

// relevanceOf reads a question's skip logic from the builder: the earlier
// question it depends on and the labels of the answers that ask it.
func relevanceOf(earlier []models.Question, b BuilderQuestion, field string, bad map[string]string) *models.Relevance {
	r := &models.Relevance{Key: b.RelKey}
	for _, e := range earlier {
		if e.Key != b.RelKey {
			continue
		}
		for _, line := range strings.FieldsFunc(b.RelIn, func(c rune) bool { return c == '\n' || c == '、' || c == '\r' }) {
			line = strings.TrimSpace(line)
			found := false
			for _, o := range e.Options {
				if o.Label == line {
					r.In, found = append(r.In, o.Value), true
				}
			}
			if !found && line != "" {
				bad[field] = both("q.rel_unknown", line)
			}
		}
		return r
	}
	return r // not an earlier question: Validate names it
}

// Earlier lists the choice questions before question i, for its skip logic.
func (d *Builder) Earlier(i int) []BuilderQuestion {
	var out []BuilderQuestion
	for _, q := range d.Qs[:i] {
		if q.Type == models.SingleChoice || q.Type == models.MultipleChoice {
			out = append(out, q)
		}
	}
	return out
}

// ApplyEdit applies a builder button that changes the form without saving
// it ("add", "del:i", "up:i", "down:i") and reports whether op was one.
func (d *Builder) ApplyEdit(op string) bool {
	op, arg, _ := strings.Cut(op, ":")
	i, _ := strconv.Atoi(arg)
	switch op {
	case "stay": // Enter in a field: nothing is saved, the form comes back
	case "add":
		// Required, as question 1 is; focused, so that the page comes back
		// at it rather than at the top.
		d.Qs = append(d.Qs, BuilderQuestion{Key: d.nextKey(), Type: models.SingleChoice, Required: true})
		d.Focus = len(d.Qs)
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
func (d *Builder) nextKey() string {
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

// NewBuilder is the form of a new questionnaire of a topic: one required
// single choice to begin with.
func NewBuilder(topicID string) *Builder {
	return &Builder{IsNew: true, TopicID: topicID, Once: true, Qs: []BuilderQuestion{{Key: "q1", Type: models.SingleChoice, Required: true, Options: "满意\n基本满意\n不满意"}}}
}

// BuilderErrors places the field errors of a refused definition for the
// form: an option's error once, beside its question's options box.
func BuilderErrors(fe map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range fe {
		if i := strings.Index(k, ".options["); i >= 0 {
			k = k[:i] + ".options"
		}
		out[k] = v
	}
	return out
}
