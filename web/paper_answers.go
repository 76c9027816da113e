package web

import (
	"encoding/json"
	"fmt"
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
// answer (models.FormAnswer), the option numbers of a choice into their
// values; byLabel also accepts option labels (Excel import). It returns nil
// for an empty answer and a "中文 / English" message when an option is
// wrong; everything else is for CheckAnswers to judge.
func typedAnswer(q *models.Question, s string, byLabel bool) (json.RawMessage, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, ""
	}
	if q.Type != models.SingleChoice && q.Type != models.MultipleChoice {
		return q.FormAnswer([]string{s}), ""
	}
	n := len(q.Options)
	option := func(part string) (string, string) {
		part = strings.TrimSpace(part)
		if i, err := strconv.Atoi(part); err == nil {
			if i >= 1 && i <= n {
				return q.Options[i-1].Value, ""
			}
			return "", both("paper.option_range", i, n)
		}
		if byLabel {
			for _, o := range q.Options {
				if o.Label == part || o.Value == part || (o.LabelEN != "" && strings.EqualFold(o.LabelEN, part)) {
					return o.Value, ""
				}
			}
			return "", both("paper.option_unknown", part)
		}
		return "", both("paper.option_number", n)
	}
	parts := []string{s}
	if q.Type == models.MultipleChoice {
		if byLabel || digitsSeparated(q) || strings.ContainsAny(s, "、,，;； \t　") {
			parts = splitList(s)
		} else {
			parts = strings.Split(s, "")
		}
	}
	seen := map[string]bool{}
	var vals []string
	for _, p := range parts {
		v, msg := option(p)
		if msg != "" {
			return nil, msg
		}
		if seen[v] {
			return nil, both("paper.option_twice", p)
		}
		seen[v] = true
		vals = append(vals, v)
	}
	return q.FormAnswer(vals), ""
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

// typedOf writes a stored answer back as a clerk types it: option numbers
// (models.AnswerWords gives the values), the score, the number, the text.
func typedOf(q *models.Question, raw json.RawMessage) string {
	chosen, text := q.AnswerWords(raw)
	if chosen == nil {
		return text
	}
	parts := make([]string, len(chosen))
	for i, v := range chosen {
		parts[i] = strconv.Itoa(optionIndex(q, v) + 1)
	}
	sep := ""
	if digitsSeparated(q) {
		sep = " "
	}
	return strings.Join(parts, sep)
}

// shownOf writes a stored answer for people to read: option numbers with
// their labels (as on the paper form), the score, the number, the text; ""
// when not answered.
func shownOf(q *models.Question, raw json.RawMessage, lang string) string {
	return answerWords(q, raw, lang, true)
}

// answerWords is shownOf, with the options' numbers or without them (as the
// person who filled online saw them).
func answerWords(q *models.Question, raw json.RawMessage, lang string, numbered bool) string {
	chosen, text := q.AnswerWords(raw)
	if chosen == nil {
		return text
	}
	parts := make([]string, len(chosen))
	for i, v := range chosen {
		k := optionIndex(q, v)
		parts[i] = OptionLabel(q.Options[k], lang)
		if numbered {
			parts[i] = fmt.Sprintf("%d %s", k+1, parts[i])
		}
	}
	return PunctOf(lang).Join(parts)
}

// decider finds the question that decides whether q is asked (skip logic):
// its place among qs and the places of its options that ask q; k is -1 when
// q is always asked or its decider is not among qs.
func decider(qs []models.Question, q *models.Question) (k int, opts []int) {
	if q.Relevant == nil {
		return -1, nil
	}
	for k := range qs {
		if src := &qs[k]; src.Key == q.Relevant.Key {
			for _, v := range q.Relevant.In {
				if j := optionIndex(src, v); j >= 0 {
					opts = append(opts, j)
				}
			}
			return k, opts
		}
	}
	return -1, nil
}

// optionIndex is the place of a chosen value among q's options (AnswerWords
// gives only values that are there).
func optionIndex(q *models.Question, v string) int {
	for i, o := range q.Options {
		if o.Value == v {
			return i
		}
	}
	return -1
}

// questionLabel is a question's label in the page's language.
func questionLabel(q *models.Question, lang string) string {
	if lang == LangEN && q.LabelEN != "" {
		return q.LabelEN
	}
	return q.Label
}

// OptionLabel is an option's label in the page's language.
func OptionLabel(o models.Option, lang string) string {
	if lang == LangEN && o.LabelEN != "" {
		return o.LabelEN
	}
	return o.Label
}
