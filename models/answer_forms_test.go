package models

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestFormAnswer: form values become the raw answers CheckAnswers reads,
// and what is of the wrong form reaches the check as text, to be named.
func TestFormAnswer(t *testing.T) {
	d := Definition{ID: "q", TopicID: "t", Title: "问卷", Questions: []Question{
		{Key: "s", Type: SingleChoice, Label: "单选", Options: []Option{{Value: "a", Label: "甲"}, {Value: "b", Label: "乙"}}},
		{Key: "m", Type: MultipleChoice, Label: "多选", Options: []Option{{Value: "a", Label: "甲"}, {Value: "b", Label: "乙"}, {Value: "c", Label: "丙"}}},
		{Key: "r", Type: Rating, Label: "评分", Min: fl(1), Max: fl(5)},
		{Key: "n", Type: Number, Label: "金额"},
		{Key: "x", Type: Text, Label: "建议"},
	}}
	for _, c := range []struct {
		key  string
		vals []string
		raw  string // "" for nil
		bad  bool   // CheckAnswers refuses it
	}{
		{"s", []string{" b "}, `"b"`, false},
		{"s", []string{"", " "}, "", false},
		{"m", []string{"a", " ", "c"}, `["a","c"]`, false},
		{"r", []string{"4"}, "4", false},
		{"r", []string{"4.0"}, "4", false},
		{"r", []string{"很好"}, `"很好"`, true},
		{"r", []string{"4.5"}, "4.5", true},
		{"n", []string{"1,200.5"}, "1200.5", false},
		{"n", []string{"1，200"}, "1200", false},
		{"n", []string{"abc"}, `"abc"`, true},
		{"n", []string{"Inf"}, `"Inf"`, true},
		{"x", []string{"修路", "和桥"}, `"修路\n和桥"`, false},
	} {
		q := d.Question(c.key)
		raw := q.FormAnswer(c.vals)
		if got := string(raw); got != c.raw {
			t.Errorf("%s %q: %s, want %s", c.key, c.vals, got, c.raw)
			continue
		}
		if raw == nil {
			continue
		}
		_, bad := d.CheckAnswers(map[string]json.RawMessage{c.key: raw})
		if (bad["answers."+c.key] != "") != c.bad {
			t.Errorf("%s %q: checked %q, want refused %v", c.key, c.vals, bad, c.bad)
		}
	}
}

// TestAnswerWords reads stored answers back: choices in the options'
// order, the rest as written.
func TestAnswerWords(t *testing.T) {
	m := &Question{Key: "m", Type: MultipleChoice, Options: []Option{{Value: "z", Label: "甲"}, {Value: "a", Label: "乙"}, {Value: "c", Label: "丙"}}}
	s := &Question{Key: "s", Type: SingleChoice, Options: m.Options}
	for _, c := range []struct {
		q      *Question
		raw    string
		chosen []string
		text   string
	}{
		{m, `["a","z"]`, []string{"z", "a"}, ""},
		{s, `"c"`, []string{"c"}, ""},
		{s, ``, nil, ""},
		{s, `null`, nil, ""},
		{s, `"gone"`, nil, `"gone"`}, // not an option of q: shown as it is
		{&Question{Type: Rating, Min: fl(1), Max: fl(5)}, `3`, nil, "3"},
		{&Question{Type: Number}, `1200.5`, nil, "1200.5"},
		{&Question{Type: Text}, `"修路"`, nil, "修路"},
	} {
		chosen, text := c.q.AnswerWords(json.RawMessage(c.raw))
		if !reflect.DeepEqual(chosen, c.chosen) || text != c.text {
			t.Errorf("%s %s: %q %q, want %q %q", c.q.Type, c.raw, chosen, text, c.chosen, c.text)
		}
	}
}
