package web

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"budgetpoint/models"
)

// How a clerk types answers on the paper entry page: option numbers
// (1, 2, 3…), several digits for a multiple choice ("135"), the score for a
// rating, the number for a number question, the text for a text question.

// digitsSeparated reports whether a multiple choice question needs its
// option numbers separated (more than nine options: "1 10" is not "110").
func digitsSeparated(q *models.Question) bool { return len(q.Options) > 9 }

// splitList splits a typed list at 、 , ， ; ； and spaces.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == '、' || r == ',' || r == '，' || r == ';' || r == '；' || r == ' ' || r == '\t' || r == '　'
	})
}

// typedAnswer converts what was typed for one question into its raw JSON
// answer. byLabel also accepts option labels (Excel import). It returns nil
// for an empty answer and a "中文 / English" message when the input is wrong.
func typedAnswer(q *models.Question, s string, byLabel bool) (json.RawMessage, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, ""
	}
	n := len(q.Options)
	option := func(part string) (string, string) {
		part = strings.TrimSpace(part)
		if i, err := strconv.Atoi(part); err == nil {
			if i >= 1 && i <= n {
				return q.Options[i-1].Value, ""
			}
			return "", fmt.Sprintf("选项编号 %d 不在 1 到 %d 之间 / option number %d is not between 1 and %d", i, n, i, n)
		}
		if byLabel {
			for _, o := range q.Options {
				if o.Label == part || o.Value == part || (o.LabelEN != "" && strings.EqualFold(o.LabelEN, part)) {
					return o.Value, ""
				}
			}
			return "", fmt.Sprintf("选项“%s”不在列表中 / option “%s” is not in the list", part, part)
		}
		return "", fmt.Sprintf("请输入选项编号 1 到 %d / type an option number from 1 to %d", n, n)
	}
	switch q.Type {
	case models.SingleChoice:
		v, msg := option(s)
		if msg != "" {
			return nil, msg
		}
		b, _ := json.Marshal(v)
		return b, ""
	case models.MultipleChoice:
		var parts []string
		if byLabel || digitsSeparated(q) || strings.ContainsAny(s, "、,，;； \t　") {
			parts = splitList(s)
		} else {
			for _, r := range s {
				parts = append(parts, string(r))
			}
		}
		seen := map[string]bool{}
		vals := []string{}
		for _, p := range parts {
			v, msg := option(p)
			if msg != "" {
				return nil, msg
			}
			if seen[v] {
				return nil, fmt.Sprintf("选项“%s”重复 / option “%s” given twice", p, p)
			}
			seen[v] = true
			vals = append(vals, v)
		}
		b, _ := json.Marshal(vals)
		return b, ""
	case models.Rating:
		i, err := strconv.Atoi(s)
		if err != nil {
			if f, ferr := strconv.ParseFloat(s, 64); ferr == nil && f == math.Trunc(f) {
				i = int(f)
			} else {
				lo, hi := q.RatingBounds()
				return nil, fmt.Sprintf("请输入 %d 到 %d 之间的整数分值 / type a whole score from %d to %d", lo, hi, lo, hi)
			}
		}
		return json.RawMessage(strconv.Itoa(i)), ""
	case models.Number:
		s = strings.ReplaceAll(s, ",", "")
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, "请输入数字 / type a number"
		}
		return json.RawMessage(strconv.FormatFloat(f, 'f', -1, 64)), ""
	default:
		b, _ := json.Marshal(s)
		return b, ""
	}
}

// typedAnswers converts typed values (by question key) into raw answers,
// naming each bad field "answers.<key>".
func typedAnswers(def *models.Definition, typed map[string]string, byLabel bool) (map[string]json.RawMessage, map[string]string) {
	out := map[string]json.RawMessage{}
	bad := map[string]string{}
	for i := range def.Questions {
		q := &def.Questions[i]
		raw, msg := typedAnswer(q, typed[q.Key], byLabel)
		if msg != "" {
			bad["answers."+q.Key] = msg
			continue
		}
		if raw != nil {
			out[q.Key] = raw
		}
	}
	return out, bad
}

// inOptionOrder sorts chosen option values as the options are listed
// (stored answers keep them sorted by value).
func inOptionOrder(q *models.Question, vals []string) []string {
	out := make([]string, 0, len(vals))
	for _, o := range q.Options {
		for _, v := range vals {
			if v == o.Value {
				out = append(out, v)
			}
		}
	}
	for _, v := range vals {
		if !hasValue(q, v) {
			out = append(out, v)
		}
	}
	return out
}

func hasValue(q *models.Question, v string) bool {
	for _, o := range q.Options {
		if o.Value == v {
			return true
		}
	}
	return false
}

// typedOf writes a stored (canonical) answer back as a clerk types it:
// option numbers, the score, the number, the text.
func typedOf(q *models.Question, raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	num := func(v string) string {
		for i, o := range q.Options {
			if o.Value == v {
				return strconv.Itoa(i + 1)
			}
		}
		return v
	}
	switch q.Type {
	case models.SingleChoice:
		var s string
		json.Unmarshal(raw, &s)
		return num(s)
	case models.MultipleChoice:
		var ss []string
		json.Unmarshal(raw, &ss)
		ss = inOptionOrder(q, ss)
		parts := make([]string, len(ss))
		for i, s := range ss {
			parts[i] = num(s)
		}
		sep := ""
		if digitsSeparated(q) {
			sep = " "
		}
		return strings.Join(parts, sep)
	case models.Text:
		var s string
		json.Unmarshal(raw, &s)
		return s
	default:
		return string(raw)
	}
}

// shownOf writes a stored answer for people to read: option numbers with
// their labels, the score, the number, the text; "" when not answered.
func shownOf(q *models.Question, raw json.RawMessage, lang string) string {
	if len(raw) == 0 {
		return ""
	}
	label := func(v string) string {
		for i, o := range q.Options {
			if o.Value == v {
				l := o.Label
				if lang == LangEN && o.LabelEN != "" {
					l = o.LabelEN
				}
				return fmt.Sprintf("%d %s", i+1, l)
			}
		}
		return v
	}
	switch q.Type {
	case models.SingleChoice:
		var s string
		json.Unmarshal(raw, &s)
		return label(s)
	case models.MultipleChoice:
		var ss []string
		json.Unmarshal(raw, &ss)
		ss = inOptionOrder(q, ss)
		parts := make([]string, len(ss))
		for i, s := range ss {
			parts[i] = label(s)
		}
		return strings.Join(parts, "、")
	case models.Text:
		var s string
		json.Unmarshal(raw, &s)
		return s
	default:
		return string(raw)
	}
}

// questionLabel is a question's label in the page's language.
func questionLabel(q *models.Question, lang string) string {
	if lang == LangEN && q.LabelEN != "" {
		return q.LabelEN
	}
	return q.Label
}

// optionLabel is an option's label in the page's language.
func optionLabel(o models.Option, lang string) string {
	if lang == LangEN && o.LabelEN != "" {
		return o.LabelEN
	}
	return o.Label
}
