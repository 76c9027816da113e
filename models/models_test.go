package models

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
)

func fl(v float64) *float64 { return &v }

func sample() Definition {
	return Definition{ID: "q1", TopicID: "t1", Title: "问卷", Questions: []Question{
		{Key: "overall", Type: SingleChoice, Label: "总体评价", Required: true, Options: []Option{{"satisfied", "满意", ""}, {"basic", "基本满意", ""}, {"unsatisfied", "不满意", ""}}},
		{Key: "priorities", Type: MultipleChoice, Label: "优先", MaxChoices: 2, Options: []Option{{"a", "甲", ""}, {"b", "乙", ""}, {"c", "丙", ""}}},
		{Key: "score", Type: Rating, Label: "评分"},
		{Key: "amount", Type: Number, Label: "金额", Min: fl(-10.5), Max: fl(1000)},
		{Key: "advice", Type: Text, Label: "建议", MaxLength: 10, Opinion: true},
	}}
}

func rawAnswers(m map[string]any) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	for k, v := range m {
		if s, ok := v.(json.RawMessage); ok {
			out[k] = s
			continue
		}
		b, _ := json.Marshal(v)
		out[k] = b
	}
	return out
}

func TestValidateNamesEachBadField(t *testing.T) {
	d := sample()
	d.Normalize()
	if err := d.Validate(); err != nil {
		t.Fatalf("sample: %v", err)
	}
	cases := []struct {
		name   string
		edit   func(d *Definition)
		fields []string
	}{
		{"bad id", func(d *Definition) { d.ID = "a b" }, []string{"id"}},
		{"no topic, no title", func(d *Definition) { d.TopicID, d.Title = "", "" }, []string{"topic_id", "title"}},
		{"title too long", func(d *Definition) { d.Title = strings.Repeat("题", MaxLabel+1) }, []string{"title"}},
		{"no questions", func(d *Definition) { d.Questions = nil }, []string{"questions"}},
		{"bad key", func(d *Definition) { d.Questions[0].Key = "1st" }, []string{"questions[0].key"}},
		{"duplicate key", func(d *Definition) { d.Questions[2].Key = "overall" }, []string{"questions[2].key"}},
		{"no label", func(d *Definition) { d.Questions[1].Label = "" }, []string{"questions[1].label"}},
		{"one option", func(d *Definition) { d.Questions[0].Options = d.Questions[0].Options[:1] }, []string{"questions[0].options"}},
		{"bad option value", func(d *Definition) { d.Questions[0].Options[1].Value = "基本" }, []string{"questions[0].options[1].value"}},
		{"max_choices over options", func(d *Definition) { d.Questions[1].MaxChoices = 4 }, []string{"questions[1].max_choices"}},
		{"rating min over max", func(d *Definition) { d.Questions[2].Min, d.Questions[2].Max = fl(5), fl(1) }, []string{"questions[2].min"}},
		{"rating not whole", func(d *Definition) { d.Questions[2].Max = fl(4.5) }, []string{"questions[2].min"}},
		{"rating too wide", func(d *Definition) { d.Questions[2].Min, d.Questions[2].Max = fl(0), fl(100) }, []string{"questions[2].max"}},
		{"number min over max", func(d *Definition) { d.Questions[3].Min, d.Questions[3].Max = fl(10), fl(1) }, []string{"questions[3].min"}},
		{"number bound too precise", func(d *Definition) { d.Questions[3].Max = fl(1.0001) }, []string{"questions[3].max"}},
		{"text limit too high", func(d *Definition) { d.Questions[4].MaxLength = MaxTextLength + 1 }, []string{"questions[4].max_length"}},
		{"unknown type", func(d *Definition) { d.Questions[4].Type = "essay" }, []string{"questions[4].type", "questions[4].opinion"}},
		{"opinion not on text", func(d *Definition) { d.Questions[0].Opinion = true }, []string{"questions[0].opinion"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := sample()
			c.edit(&d)
			d.Normalize()
			err := d.Validate()
			e, ok := AsError(err)
			if !ok || e.Code != EInvalid {
				t.Fatalf("%v, want validation_failed", err)
			}
			for _, f := range c.fields {
				if !strings.Contains(e.Fields[f], " / ") {
					t.Fatalf("field %s not named: %v", f, e.Fields)
				}
			}
			if len(e.Fields) != len(c.fields) {
				t.Fatalf("named %v, want only %v", e.Fields, c.fields)
			}
		})
	}
}

func TestCheckAnswers(t *testing.T) {
	d := sample()
	d.Normalize()
	good := map[string]any{"overall": "basic", "priorities": []string{"c", "a"}, "score": 5, "amount": -10.5, "advice": "  十个字以内的建议  "}
	a, bad := d.CheckAnswers(rawAnswers(good))
	if len(bad) != 0 {
		t.Fatalf("good answers refused: %v", bad)
	}
	want := Answers{"overall": {Choice: "basic"}, "priorities": {Choices: []string{"a", "c"}}, "score": {Int: 5}, "amount": {Milli: -10500}, "advice": {Text: "十个字以内的建议"}}
	if !reflect.DeepEqual(a, want) {
		t.Fatalf("checked answers %+v, want %+v", a, want)
	}
	// Empty and null answers are no answers.
	a, bad = d.CheckAnswers(rawAnswers(map[string]any{"overall": "satisfied", "priorities": []string{}, "advice": "   ", "amount": json.RawMessage("null")}))
	if len(bad) != 0 || len(a) != 1 {
		t.Fatalf("empty answers: %v %v", a, bad)
	}
	cases := map[string]map[string]any{
		"answers.overall":    {"overall": "great"},
		"answers.priorities": {"overall": "basic", "priorities": []string{"a", "b", "c"}},
		"answers.score":      {"overall": "basic", "score": 6},
		"answers.amount":     {"overall": "basic", "amount": 1000.001},
		"answers.advice":     {"overall": "basic", "advice": strings.Repeat("字", 11)},
		"answers.nope":       {"overall": "basic", "nope": 1},
	}
	for field, ans := range cases {
		_, bad := d.CheckAnswers(rawAnswers(ans))
		if len(bad) != 1 || bad[field] == "" {
			t.Fatalf("%v: bad %v, want only %s", ans, bad, field)
		}
	}
	// Every bad field at once, the missing required one included.
	_, bad = d.CheckAnswers(rawAnswers(map[string]any{"priorities": "a", "score": "5", "amount": "x", "advice": 3, "x": 1}))
	for _, f := range []string{"answers.overall", "answers.priorities", "answers.score", "answers.amount", "answers.advice", "answers.x"} {
		if bad[f] == "" {
			t.Fatalf("%s not named: %v", f, bad)
		}
	}
}

// Equivalent answers marshal the same, so that a resubmission is recognised.
func TestMarshalAnswersIsCanonical(t *testing.T) {
	d := sample()
	d.Normalize()
	a1, bad1 := d.CheckAnswers(rawAnswers(map[string]any{"overall": "basic", "priorities": []string{"c", "a"}, "amount": json.RawMessage("12.50"), "advice": "建议 "}))
	a2, bad2 := d.CheckAnswers(rawAnswers(map[string]any{"advice": " 建议", "amount": json.RawMessage("12.5"), "priorities": []string{"a", "c"}, "overall": "basic"}))
	if len(bad1) != 0 || len(bad2) != 0 {
		t.Fatalf("answers refused: %v %v", bad1, bad2)
	}
	m1, m2 := d.MarshalAnswers(a1), d.MarshalAnswers(a2)
	if string(m1) != string(m2) {
		t.Fatalf("%s != %s", m1, m2)
	}
	if string(m1) != `{"advice":"建议","amount":12.5,"overall":"basic","priorities":["a","c"]}` {
		t.Fatalf("canonical form %s", m1)
	}
}

func TestNumRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		m := rng.Int64N(2e15) - 1e15
		if i < 2000 {
			m = rng.Int64N(4000) - 2000
		}
		s := FormatMilli(m)
		var n Num
		if err := n.UnmarshalJSON([]byte(s)); err != nil || int64(n) != m {
			t.Fatalf("%d → %q → %d (%v)", m, s, n, err)
		}
		b, _ := json.Marshal(Num(m))
		if string(b) != s {
			t.Fatalf("%d marshals as %s, want %s", m, b, s)
		}
	}
	for in, want := range map[string]int64{"0": 0, "-0.5": -500, "1.25": 1250, "100": 100000, "0.001": 1, "-1.2345": -1235, "7.0": 7000} {
		var n Num
		if err := n.UnmarshalJSON([]byte(in)); err != nil || int64(n) != want {
			t.Fatalf("%s → %d (%v), want %d", in, n, err, want)
		}
	}
}

func TestCountersApplyAndMerge(t *testing.T) {
	c := Counters{}
	c.Apply([]Delta{add("", "", "responses", 2), {CounterKey{"q", "n", "min"}, OpMin, 5}, {CounterKey{"q", "n", "max"}, OpMax, 5}})
	c.Apply([]Delta{add("", "", "responses", 1), {CounterKey{"q", "n", "min"}, OpMin, -3}, {CounterKey{"q", "n", "max"}, OpMax, 2}})
	if c[CounterKey{"", "", "responses"}] != 3 || c[CounterKey{"q", "n", "min"}] != -3 || c[CounterKey{"q", "n", "max"}] != 5 {
		t.Fatalf("apply: %v", c)
	}
	o := Counters{{"", "", "responses"}: 4, {"q", "n", "min"}: -1, {"q", "n", "max"}: 9}
	c.Merge(o)
	if c[CounterKey{"", "", "responses"}] != 7 || c[CounterKey{"q", "n", "min"}] != -3 || c[CounterKey{"q", "n", "max"}] != 9 {
		t.Fatalf("merge: %v", c)
	}
}

// A summary turned back into counters renders the same summary, so the hub
// can add points' summaries exactly.
func TestSummaryCountersRoundTrip(t *testing.T) {
	d := sample()
	d.Questions = append(d.Questions, Question{Key: "why", Type: Text, Label: "原因", Relevant: &Relevance{Key: "overall", In: []string{"unsatisfied"}}})
	d.Normalize()
	var asked, answered int64
	rng := rand.New(rand.NewPCG(3, 4))
	c := Counters{}
	for i := 0; i < 500; i++ {
		ans := map[string]any{"overall": d.Questions[0].Options[rng.IntN(3)].Value}
		if rng.IntN(2) == 0 {
			ans["priorities"] = []string{"a", "b", "c"}[:1+rng.IntN(2)]
		}
		if rng.IntN(3) > 0 {
			ans["score"] = 1 + rng.IntN(5)
		}
		if rng.IntN(3) > 0 {
			ans["amount"] = float64(rng.IntN(20000)-210) / 20
		}
		if ans["overall"] == "unsatisfied" {
			asked++
			if rng.IntN(2) == 0 {
				ans["why"] = "太慢"
				answered++
			}
		}
		a, bad := d.CheckAnswers(rawAnswers(ans))
		if len(bad) > 0 {
			t.Fatal(bad)
		}
		c.Apply(ResponseDeltas(&d, RespondentKinds[rng.IntN(3)], Channels[rng.IntN(2)], a))
		if _, ok := a["advice"]; ok {
			c.Apply(OpinionDeltas("questionnaire"))
		}
	}
	c.Apply(ActivityDeltas("forum", Participants{3, 10, 1}))
	c.Apply(OpinionDeltas("forum"))
	defs := [][]*Definition{{&d}}
	at := time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)
	s := BuildSummary("t1", "hongta", 7, at, c, defs)
	if s.Responses.Total != 500 || s.Questionnaires[0].Responses != 500 {
		t.Fatalf("totals: %+v", s.Responses)
	}
	var sumKinds int64
	for _, n := range s.Responses.ByKind {
		sumKinds += n
	}
	if sumKinds != 500 {
		t.Fatalf("by kind adds to %d", sumKinds)
	}
	s2 := BuildSummary("t1", "hongta", 7, at, s.Counters(), defs)
	if !reflect.DeepEqual(s, s2) {
		a, _ := json.Marshal(s)
		b, _ := json.Marshal(s2)
		t.Fatalf("round trip:\n%s\n%s", a, b)
	}
	// Through JSON too, as the hub receives it.
	b, _ := json.Marshal(s)
	var s3 Summary
	if err := json.Unmarshal(b, &s3); err != nil {
		t.Fatal(err)
	}
	s4 := BuildSummary("t1", "hongta", 7, at, s3.Counters(), defs)
	if !reflect.DeepEqual(s, s4) {
		t.Fatal("round trip through JSON changes the summary")
	}
	// Two points merged: every count doubles, min and max stay.
	m := s.Counters()
	m.Merge(s.Counters())
	s5 := BuildSummary("t1", "", 0, at, m, defs)
	if s5.Responses.Total != 1000 || *s5.Questionnaires[0].Questions[3].Min != *s.Questionnaires[0].Questions[3].Min ||
		int64(*s5.Questionnaires[0].Questions[3].Sum) != 2*int64(*s.Questionnaires[0].Questions[3].Sum) {
		t.Fatalf("merge of two points: %+v", s5.Questionnaires[0].Questions[3])
	}
	// Asked, for the question with skip logic only, adds up too, also where
	// the shapes come from the summaries alone (at the hub).
	why := s.Questionnaires[0].Questions[5]
	if why.Key != "why" || why.Asked == nil || *why.Asked != asked || why.Answered != answered || asked == 0 || answered == asked {
		t.Fatalf("skip logic: %+v asked %v, want asked %d answered %d", why, why.Asked, asked, answered)
	}
	if s.Questionnaires[0].Questions[0].Asked != nil {
		t.Fatal("a question always asked has an asked count")
	}
	hub := BuildSummary("t1", "", 0, at, m, DefinitionsFromSummaries([]Summary{s, s}))
	if w := hub.Questionnaires[0].Questions[5]; w.Asked == nil || *w.Asked != 2*asked || w.Answered != 2*answered {
		t.Fatalf("skip logic at the hub: %+v", w)
	}
	if hub.Questionnaires[0].Questions[0].Asked != nil {
		t.Fatal("at the hub, a question always asked has an asked count")
	}
}

func TestMean(t *testing.T) {
	if Mean(0, 0) != nil {
		t.Fatal("mean of nothing")
	}
	if m := Mean(Num(461000), 118); *m != 3.907 {
		t.Fatalf("mean %v, want 3.907", *m)
	}
}

func TestValidTransition(t *testing.T) {
	ok := map[[2]string]bool{{"recorded", "forwarded"}: true, {"reported", "forwarded"}: true, {"recorded", "answered"}: true,
		{"reported", "answered"}: true, {"forwarded", "answered"}: true, {"answered", "closed"}: true,
		{"forwarded", "accepted"}: true, {"accepted", "answered"}: true}
	for _, from := range OpinionStatuses {
		for _, to := range OpinionStatuses {
			if got := ValidTransition(from, to); got != ok[[2]string{from, to}] {
				t.Fatalf("%s → %s: %v", from, to, got)
			}
		}
	}
}

func TestCompatibleWith(t *testing.T) {
	prev := sample()
	d := sample()
	d.Questions[2].Type = Number
	d.TopicID = "t2"
	e, ok := AsError(d.CompatibleWith(&prev))
	if !ok || e.Fields["questions[2].type"] == "" || e.Fields["topic_id"] == "" {
		t.Fatalf("%v", e)
	}
	d = sample()
	d.Questions = append(d.Questions[:1], Question{Key: "new", Type: Text, Label: "新"})
	if err := d.CompatibleWith(&prev); err != nil {
		t.Fatalf("adding and removing questions: %v", err)
	}
}
