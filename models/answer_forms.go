package models

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// How the pages turn what people type or tick into answers, and answers back
// into words. The checking itself is CheckAnswers' alone.

// FormAnswer is the raw JSON answer, as CheckAnswers reads it, of the values
// a form gave for q: the option values ticked, a score, a number (thousands
// separators dropped) or the text; nil when nothing was given. A value of
// the wrong form is passed on as text, so that CheckAnswers names it.
func (q *Question) FormAnswer(vals []string) json.RawMessage {
	var clean []string
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			clean = append(clean, v)
		}
	}
	if len(clean) == 0 {
		return nil
	}
	str := func(s string) json.RawMessage { b, _ := json.Marshal(s); return b }
	switch q.Type {
	case MultipleChoice:
		b, _ := json.Marshal(clean)
		return b
	case Rating, Number:
		s := strings.NewReplacer(",", "", "，", "").Replace(clean[0])
		if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return json.RawMessage(strconv.FormatFloat(f, 'f', -1, 64))
		}
		return str(clean[0])
	case Text:
		return str(strings.Join(vals, "\n"))
	}
	return str(clean[0])
}

// AnswerWords reads one stored answer of q for people: the option values
// chosen (choice questions), in the order of the options, or else the
// score, the number or the text as written. Both are empty when there is no
// answer; an answer q does not accept comes back as its JSON, to be seen.
func (q *Question) AnswerWords(raw json.RawMessage) (chosen []string, text string) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, ""
	}
	a, empty, msg := checkAnswer(q, raw)
	switch {
	case msg != "":
		return nil, string(raw)
	case empty:
		return nil, ""
	}
	switch q.Type {
	case SingleChoice:
		return []string{a.Choice}, ""
	case MultipleChoice:
		for _, o := range q.Options {
			for _, v := range a.Choices {
				if v == o.Value {
					chosen = append(chosen, v)
				}
			}
		}
		return chosen, ""
	case Rating:
		return nil, strconv.Itoa(a.Int)
	case Number:
		return nil, FormatMilli(a.Milli)
	}
	return nil, a.Text
}
