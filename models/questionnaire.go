package models

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Question types.
const (
	SingleChoice   = "single_choice"
	MultipleChoice = "multiple_choice"
	Rating         = "rating"
	Number         = "number"
	Text           = "text"
)

// QuestionTypes lists the known question types in display order.
var QuestionTypes = []string{SingleChoice, MultipleChoice, Rating, Number, Text}

// Limits on definitions and answers.
const (
	MaxQuestions     = 200
	MaxOptions       = 100
	MaxLabel         = 500
	DefaultMaxLength = 2000
	MaxTextLength    = 10000
	MaxRatingSpan    = 10
	NumberScale      = 1000 // number answers keep at most 3 decimals, summed exactly in thousandths
	// MaxNumber bounds number answers so that millions of them still sum
	// exactly in an int64 of thousandths.
	MaxNumber = 1e9
)

var keyRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,63}$`)
var valueRe = regexp.MustCompile(`^[A-Za-z0-9_\-]{1,64}$`)

// Option is one choice of a single or multiple choice question.
type Option struct {
	Value   string `json:"value"`
	Label   string `json:"label"`
	LabelEN string `json:"label_en,omitempty"`
}

// Question is one question of a questionnaire. Its key is stable across versions.
type Question struct {
	Key        string   `json:"key"`
	Type       string   `json:"type"`
	Label      string   `json:"label"`
	LabelEN    string   `json:"label_en,omitempty"`
	Required   bool     `json:"required,omitempty"`
	Options    []Option `json:"options,omitempty"`
	MaxChoices int      `json:"max_choices,omitempty"`
	Min        *float64 `json:"min,omitempty"`
	Max        *float64 `json:"max,omitempty"`
	MaxLength  int      `json:"max_length,omitempty"`
	Opinion    bool     `json:"opinion,omitempty"`
	// Relevant: asked only when an earlier choice question's answer is one
	// of In (for a multiple choice: when any is). Nil: always asked.
	Relevant *Relevance `json:"relevant,omitempty"`
}

// Relevance is the condition under which a question is asked (skip logic).
type Relevance struct {
	Key string   `json:"key"`
	In  []string `json:"in"`
}

// Asked reports whether a question is asked, given the answers to the
// questions before it.
func (q *Question) Asked(a Answers) bool {
	if q.Relevant == nil {
		return true
	}
	got, ok := a[q.Relevant.Key]
	if !ok {
		return false
	}
	for _, v := range q.Relevant.In {
		if got.Choice == v {
			return true
		}
		for _, c := range got.Choices {
			if c == v {
				return true
			}
		}
	}
	return false
}

// AskedStored is Asked over stored answers (canonical JSON by question
// key), for reading responses without checking them again.
func (q *Question) AskedStored(m map[string]json.RawMessage) bool {
	if q.Relevant == nil {
		return true
	}
	raw, ok := m[q.Relevant.Key]
	if !ok {
		return false
	}
	var one string
	var many []string
	if json.Unmarshal(raw, &one) == nil {
		many = []string{one}
	} else if json.Unmarshal(raw, &many) != nil {
		return false
	}
	for _, v := range many {
		for _, w := range q.Relevant.In {
			if v == w {
				return true
			}
		}
	}
	return false
}

// Definition is what a questionnaire's author writes: its questions and texts.
type Definition struct {
	ID          string `json:"id"`
	TopicID     string `json:"topic_id"`
	Title       string `json:"title"`
	TitleEN     string `json:"title_en,omitempty"`
	Description string `json:"description,omitempty"`
	// OncePerDeputy: a signed-in deputy answers it once (another response
	// is refused with already_answered).
	OncePerDeputy bool       `json:"once_per_deputy,omitempty"`
	Questions     []Question `json:"questions"`
}

// Questionnaire is one published version of a questionnaire, as the API shows it.
type Questionnaire struct {
	Definition
	Version       int       `json:"version"`
	LatestVersion int       `json:"latest_version"`
	Origin        string    `json:"origin"`
	Public        bool      `json:"public"`
	PublicURL     string    `json:"public_url,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
}

// RatingBounds returns a rating question's min and max (1..5 by default).
func (q *Question) RatingBounds() (int, int) {
	lo, hi := 1, 5
	if q.Min != nil {
		lo = int(*q.Min)
	}
	if q.Max != nil {
		hi = int(*q.Max)
	}
	return lo, hi
}

// TextLimit returns the maximum length in characters of a text answer.
func (q *Question) TextLimit() int {
	if q.MaxLength > 0 {
		return q.MaxLength
	}
	return DefaultMaxLength
}

// OptionLabel returns the label of an option value, or the value itself.
func (q *Question) OptionLabel(v string) string {
	for _, o := range q.Options {
		if o.Value == v {
			return o.Label
		}
	}
	return v
}

// Normalize trims texts of a definition so that the same definition hashes the same.
func (d *Definition) Normalize() {
	d.ID = strings.TrimSpace(d.ID)
	d.TopicID = strings.TrimSpace(d.TopicID)
	d.Title = strings.TrimSpace(d.Title)
	d.TitleEN = strings.TrimSpace(d.TitleEN)
	d.Description = strings.TrimSpace(d.Description)
	for i := range d.Questions {
		q := &d.Questions[i]
		q.Key = strings.TrimSpace(q.Key)
		q.Label = strings.TrimSpace(q.Label)
		q.LabelEN = strings.TrimSpace(q.LabelEN)
		if q.Type == Rating {
			// Fill in the default scale, but keep what was given as it is:
			// a bound like 4.5 must reach Validate, not be truncated to 4.
			lo, hi := q.RatingBounds()
			if q.Min == nil {
				flo := float64(lo)
				q.Min = &flo
			}
			if q.Max == nil {
				fhi := float64(hi)
				q.Max = &fhi
			}
		}
		if q.Type == Text && q.MaxLength == 0 {
			q.MaxLength = DefaultMaxLength
		}
		for j := range q.Options {
			q.Options[j].Value = strings.TrimSpace(q.Options[j].Value)
			q.Options[j].Label = strings.TrimSpace(q.Options[j].Label)
		}
	}
}

// Validate checks a definition: unique keys, known types, options for choice
// types, sane limits. It returns validation_failed naming each bad field.
// checkRelevance checks question i's condition: an earlier choice
// question, and values among its options.
func (d *Definition) checkRelevance(i int) string {
	r := d.Questions[i].Relevant
	for j := 0; j < i; j++ {
		e := &d.Questions[j]
		if e.Key != r.Key {
			continue
		}
		if e.Type != SingleChoice && e.Type != MultipleChoice {
			return "只能按前面的选择题的回答决定是否提问 / only an earlier choice question's answer can decide it"
		}
		if len(r.In) == 0 {
			return "请选择前面那道题的哪些回答需要回答此题 / choose which answers of that question lead to this one"
		}
		for _, v := range r.In {
			if !hasOption(e, v) {
				return fmt.Sprintf("第 %d 题没有选项 %q / question %d has no option %q", j+1, v, j+1, v)
			}
		}
		return ""
	}
	return fmt.Sprintf("%q 不是前面的题目 / %q is not an earlier question", r.Key, r.Key)
}

func (d *Definition) Validate() error {
	f := map[string]string{}
	if !keyIDRe.MatchString(d.ID) {
		f["id"] = "编号只能含字母、数字、- 和 _，最长 64 个字符 / id: letters, digits, - and _, at most 64"
	}
	if d.TopicID == "" {
		f["topic_id"] = MsgRequired
	}
	if d.Title == "" {
		f["title"] = MsgRequired
	} else if utf8.RuneCountInString(d.Title) > MaxLabel {
		f["title"] = fmt.Sprintf(MsgTooLong, MaxLabel, MaxLabel)
	}
	if len(d.Questions) == 0 {
		f["questions"] = "至少需要一道题目 / at least one question"
	}
	if len(d.Questions) > MaxQuestions {
		f["questions"] = fmt.Sprintf("最多 %d 道题目 / at most %d questions", MaxQuestions, MaxQuestions)
	}
	seen := map[string]bool{}
	for i, q := range d.Questions {
		p := fmt.Sprintf("questions[%d].", i)
		if q.Relevant != nil {
			if msg := d.checkRelevance(i); msg != "" {
				f[p+"relevant"] = msg
			}
		}
		if !keyRe.MatchString(q.Key) {
			f[p+"key"] = "题目编号以字母开头，只含字母、数字和 _ / key: a letter, then letters, digits or _"
		} else if seen[q.Key] {
			f[p+"key"] = "题目编号重复 / duplicate key"
		}
		seen[q.Key] = true
		if q.Label == "" {
			f[p+"label"] = MsgRequired
		} else if utf8.RuneCountInString(q.Label) > MaxLabel {
			f[p+"label"] = fmt.Sprintf(MsgTooLong, MaxLabel, MaxLabel)
		}
		switch q.Type {
		case SingleChoice, MultipleChoice:
			if len(q.Options) < 2 {
				f[p+"options"] = "选择题至少需要两个选项 / a choice question needs at least two options"
			} else if len(q.Options) > MaxOptions {
				f[p+"options"] = fmt.Sprintf("最多 %d 个选项 / at most %d options", MaxOptions, MaxOptions)
			}
			vals := map[string]bool{}
			for j, o := range q.Options {
				op := fmt.Sprintf("%soptions[%d].", p, j)
				if !valueRe.MatchString(o.Value) {
					f[op+"value"] = "选项值只含字母、数字、- 和 _ / value: letters, digits, - and _"
				} else if vals[o.Value] {
					f[op+"value"] = "选项值重复 / duplicate value"
				}
				vals[o.Value] = true
				if o.Label == "" {
					f[op+"label"] = MsgRequired
				} else if utf8.RuneCountInString(o.Label) > MaxLabel {
					f[op+"label"] = fmt.Sprintf(MsgTooLong, MaxLabel, MaxLabel)
				}
			}
			if q.Type == MultipleChoice && (q.MaxChoices < 0 || q.MaxChoices > len(q.Options)) {
				f[p+"max_choices"] = "应在 0 到选项数之间 / must be between 0 and the number of options"
			}
		case Rating:
			lo, hi := q.RatingBounds()
			if (q.Min != nil && *q.Min != math.Trunc(*q.Min)) || (q.Max != nil && *q.Max != math.Trunc(*q.Max)) {
				f[p+"min"] = "评分上下限应为整数 / rating bounds must be whole numbers"
			} else if lo > hi {
				f[p+"min"] = MsgMinOverMax
			} else if lo < 0 || hi-lo > MaxRatingSpan {
				f[p+"max"] = fmt.Sprintf("评分范围应在 0 以上且不超过 %d 档 / rating range: from 0, at most %d steps", MaxRatingSpan+1, MaxRatingSpan+1)
			}
		case Number:
			if q.Min != nil && q.Max != nil && *q.Min > *q.Max {
				f[p+"min"] = MsgMinOverMax
			}
			for name, v := range map[string]*float64{"min": q.Min, "max": q.Max} {
				if v != nil && (math.Abs(*v) > MaxNumber || !exactThousandths(*v)) {
					f[p+name] = "最多三位小数，绝对值不超过 10^9 / at most 3 decimals, |x| ≤ 10^9"
				}
			}
		case Text:
			if q.MaxLength < 0 || q.MaxLength > MaxTextLength {
				f[p+"max_length"] = fmt.Sprintf("应在 1 到 %d 之间 / must be between 1 and %d", MaxTextLength, MaxTextLength)
			}
		default:
			f[p+"type"] = "未知题型，应为 single_choice、multiple_choice、rating、number 或 text / unknown type"
		}
		if q.Opinion && q.Type != Text {
			f[p+"opinion"] = "只有填空题可以标记为意见建议 / only a text question can be marked opinion"
		}
	}
	if len(f) > 0 {
		return Invalid("问卷", f)
	}
	return nil
}

var keyIDRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$`)

// ValidID reports whether s can be the id of a topic, questionnaire or record.
func ValidID(s string) bool { return keyIDRe.MatchString(s) }

func exactThousandths(v float64) bool {
	m := v * NumberScale
	if math.Abs(m-math.Round(m)) < 1e-6 {
		return true
	}
	// Above about 10^7, v*1000 can miss an integer by more than 1e-6 even
	// when v was written with three decimals: judge by the shortest
	// decimal that reads back as v, that is by what the client wrote.
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return false
	}
	s := strconv.FormatFloat(v, 'f', -1, 64)
	_, frac, _ := strings.Cut(s, ".")
	return len(frac) <= 3
}

// Question returns the question with the given key.
func (d *Definition) Question(key string) *Question {
	for i := range d.Questions {
		if d.Questions[i].Key == key {
			return &d.Questions[i]
		}
	}
	return nil
}

// CompatibleWith checks that a new version keeps each kept key's type, so that
// summaries add up across versions.
func (d *Definition) CompatibleWith(prev *Definition) error {
	f := map[string]string{}
	for i, q := range d.Questions {
		if old := prev.Question(q.Key); old != nil && old.Type != q.Type {
			f[fmt.Sprintf("questions[%d].type", i)] = fmt.Sprintf("题目 %s 在旧版本中是 %s，不能改变题型；请换一个编号 / question %s was %s in an earlier version; use a new key to change its type", q.Key, old.Type, q.Key, old.Type)
		}
	}
	if prev.TopicID != d.TopicID {
		f["topic_id"] = "问卷的事项不能改变 / a questionnaire cannot move to another topic"
	}
	if len(f) > 0 {
		return Invalid("问卷", f)
	}
	return nil
}

// Answer is one checked answer: exactly one of its fields is meaningful, by question type.
type Answer struct {
	Choice  string   // single_choice
	Choices []string // multiple_choice, sorted, unique
	Int     int      // rating
	Milli   int64    // number, in thousandths
	Text    string   // text
}

// Answers holds the checked answers of a response by question key.
type Answers map[string]Answer

// CheckAnswers checks raw answers against the definition. It returns the
// normalized answers (missing and empty answers left out) and the bad fields.
func (d *Definition) CheckAnswers(raw map[string]json.RawMessage) (Answers, map[string]string) {
	out := Answers{}
	f := map[string]string{}
	for k := range raw {
		if d.Question(k) == nil {
			f["answers."+k] = "问卷中没有这道题目 / no such question in this questionnaire version"
		}
	}
	for i := range d.Questions {
		q := &d.Questions[i]
		name := "answers." + q.Key
		r, ok := raw[q.Key]
		r = bytes.TrimSpace(r)
		given := ok && len(r) > 0 && string(r) != "null"
		if !q.Asked(out) {
			// Skipped by an earlier answer: required does not hold, and an
			// answer is refused rather than counted.
			if given && !emptyAnswer(r) {
				f[name] = MsgNotAsked
			}
			continue
		}
		if !given {
			if q.Required {
				f[name] = MsgAnswerRequired
			}
			continue
		}
		a, empty, msg := checkAnswer(q, r)
		if msg != "" {
			f[name] = msg
			continue
		}
		if empty {
			if q.Required {
				f[name] = MsgAnswerRequired
			}
			continue
		}
		out[q.Key] = a
	}
	return out, f
}

// emptyAnswer reports whether a raw answer says nothing ("", [], blanks).
func emptyAnswer(r json.RawMessage) bool {
	var s string
	if json.Unmarshal(r, &s) == nil {
		return strings.TrimSpace(s) == ""
	}
	var ss []string
	return json.Unmarshal(r, &ss) == nil && len(ss) == 0
}

// MsgNotAsked refuses an answer to a question that an earlier answer skips.
const MsgNotAsked = "根据前面的回答，此题不需要回答，请清空此题 / by an earlier answer this question is not asked: leave it empty"

func checkAnswer(q *Question, r json.RawMessage) (a Answer, empty bool, msg string) {
	switch q.Type {
	case SingleChoice:
		var s string
		if json.Unmarshal(r, &s) != nil {
			return a, false, "应为一个选项值（字符串） / must be one option value (a string)"
		}
		if s == "" {
			return a, true, ""
		}
		if !hasOption(q, s) {
			return a, false, fmt.Sprintf(MsgNotInList, s, s)
		}
		a.Choice = s
	case MultipleChoice:
		var ss []string
		if json.Unmarshal(r, &ss) != nil {
			return a, false, "应为选项值的列表 / must be a list of option values"
		}
		set := map[string]bool{}
		for _, s := range ss {
			if !hasOption(q, s) {
				return a, false, fmt.Sprintf(MsgNotInList, s, s)
			}
			if set[s] {
				return a, false, fmt.Sprintf("选项 %q 重复 / option %q chosen twice", s, s)
			}
			set[s] = true
		}
		if len(ss) == 0 {
			return a, true, ""
		}
		if q.MaxChoices > 0 && len(ss) > q.MaxChoices {
			return a, false, fmt.Sprintf("最多选 %d 项 / at most %d choices", q.MaxChoices, q.MaxChoices)
		}
		a.Choices = append([]string(nil), ss...)
		sort.Strings(a.Choices)
	case Rating:
		var v float64
		if json.Unmarshal(r, &v) != nil || v != math.Trunc(v) {
			return a, false, "应为整数分值 / must be a whole number"
		}
		lo, hi := q.RatingBounds()
		if v < float64(lo) || v > float64(hi) {
			return a, false, fmt.Sprintf("应在 %d 到 %d 之间 / must be between %d and %d", lo, hi, lo, hi)
		}
		a.Int = int(v)
	case Number:
		var v float64
		if json.Unmarshal(r, &v) != nil {
			return a, false, "应为数字 / must be a number"
		}
		if q.Min != nil && v < *q.Min || q.Max != nil && v > *q.Max || math.Abs(v) > MaxNumber {
			return a, false, fmt.Sprintf("应在 %s 到 %s 之间 / must be between %s and %s", fmtBound(q.Min, "-∞"), fmtBound(q.Max, "∞"), fmtBound(q.Min, "-∞"), fmtBound(q.Max, "∞"))
		}
		if !exactThousandths(v) {
			return a, false, "最多三位小数 / at most 3 decimals"
		}
		a.Milli = int64(math.Round(v * NumberScale))
	case Text:
		var s string
		if json.Unmarshal(r, &s) != nil {
			return a, false, "应为文字 / must be text"
		}
		s = strings.TrimSpace(s)
		if s == "" {
			return a, true, ""
		}
		if n := utf8.RuneCountInString(s); n > q.TextLimit() {
			return a, false, fmt.Sprintf("不能超过 %d 个字符（现有 %d 个） / at most %d characters (has %d)", q.TextLimit(), n, q.TextLimit(), n)
		}
		a.Text = s
	}
	return a, false, ""
}

func fmtBound(v *float64, inf string) string {
	if v == nil {
		return inf
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

func hasOption(q *Question, v string) bool {
	for _, o := range q.Options {
		if o.Value == v {
			return true
		}
	}
	return false
}

// MarshalAnswers writes checked answers as canonical JSON (sorted keys), the
// form in which they are stored and compared.
func (d *Definition) MarshalAnswers(a Answers) json.RawMessage {
	m := make(map[string]any, len(a))
	for k, v := range a {
		q := d.Question(k)
		if q == nil {
			continue
		}
		switch q.Type {
		case SingleChoice:
			m[k] = v.Choice
		case MultipleChoice:
			m[k] = v.Choices
		case Rating:
			m[k] = v.Int
		case Number:
			m[k] = json.Number(FormatMilli(v.Milli))
		case Text:
			m[k] = v.Text
		}
	}
	b, _ := json.Marshal(m) // map keys are sorted by encoding/json
	return b
}

// FormatMilli formats a number kept in thousandths without trailing zeros.
func FormatMilli(m int64) string {
	neg := m < 0
	if neg {
		m = -m
	}
	s := strconv.FormatInt(m/NumberScale, 10)
	if frac := m % NumberScale; frac != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%03d", frac), "0")
	}
	if neg {
		s = "-" + s
	}
	return s
}
