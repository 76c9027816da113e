package models

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Num is an exact decimal kept in thousandths; it reads and writes as a JSON number.
type Num int64

// MarshalJSON writes the number without trailing zeros.
func (n Num) MarshalJSON() ([]byte, error) { return []byte(FormatMilli(int64(n))), nil }

// UnmarshalJSON reads a JSON number with at most 3 decimals exactly.
func (n *Num) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	ip, fp, _ := strings.Cut(s, ".")
	if len(fp) > 3 {
		f, err := strconv.ParseFloat(string(b), 64)
		if err != nil {
			return err
		}
		*n = Num(math.Round(f * NumberScale))
		return nil
	}
	fp += strings.Repeat("0", 3-len(fp))
	i, err := strconv.ParseInt(ip, 10, 64)
	if err != nil {
		return err
	}
	f, err := strconv.ParseInt(fp, 10, 64)
	if err != nil {
		return err
	}
	v := i*NumberScale + f
	if neg {
		v = -v
	}
	*n = Num(v)
	return nil
}

// Summary is what a point reports upward for one topic (contract.md, "Summary").
type Summary struct {
	TopicID string `json:"topic_id"`
	PointID string `json:"point_id"`
	Seq     int64  `json:"seq"`
	// Instance names the point's database: made anew when it is created
	// or restored from a backup, so that the hub can tell a restored point
	// (whose seq starts lower) from a stale summary.
	Instance       string                 `json:"instance,omitempty"`
	AsOf           time.Time              `json:"as_of"`
	Responses      ResponseCounts         `json:"responses"`
	Questionnaires []QuestionnaireSummary `json:"questionnaires"`
	Activities     ActivityCounts         `json:"activities"`
	Opinions       OpinionCounts          `json:"opinions"`
	ByPoint        []Summary              `json:"by_point,omitempty"`
}

// ResponseCounts counts responses by respondent kind and channel.
type ResponseCounts struct {
	Total     int64            `json:"total"`
	ByKind    map[string]int64 `json:"by_kind"`
	ByChannel map[string]int64 `json:"by_channel"`
}

// QuestionnaireSummary sums one questionnaire's responses over all its versions.
type QuestionnaireSummary struct {
	ID        string            `json:"id"`
	Title     string            `json:"title,omitempty"`
	Responses int64             `json:"responses"`
	Questions []QuestionSummary `json:"questions"`
}

// QuestionSummary is one question's distribution or statistics.
type QuestionSummary struct {
	Key      string   `json:"key"`
	Type     string   `json:"type"`
	Label    string   `json:"label,omitempty"`
	Options  []Option `json:"options,omitempty"`
	Answered int64    `json:"answered"`
	// Asked, for a question with skip logic: how many responses it was
	// asked in (answered counts those that answered it).
	Asked  *int64           `json:"asked,omitempty"`
	Counts map[string]int64 `json:"counts,omitempty"`
	Sum    *Num             `json:"sum,omitempty"`
	Min    *Num             `json:"min,omitempty"`
	Max    *Num             `json:"max,omitempty"`
	Mean   *float64         `json:"mean,omitempty"`
}

// ActivityCounts counts activities by kind and their participants.
type ActivityCounts struct {
	Forum         int64        `json:"forum"`
	FieldResearch int64        `json:"field_research"`
	Written       int64        `json:"written"`
	Participants  Participants `json:"participants"`
}

// OpinionCounts counts opinions by source.
type OpinionCounts struct {
	Total    int64            `json:"total"`
	BySource map[string]int64 `json:"by_source"`
}

// CounterKey names one counter of a topic: topic-level counters have an empty
// questionnaire and question.
type CounterKey struct {
	Questionnaire string
	Question      string
	Bucket        string
}

// Counter operations: most counters add; min and max keep the extreme.
const (
	OpAdd = iota
	OpMin
	OpMax
)

// Delta is one change to one counter.
type Delta struct {
	CounterKey
	Op int
	N  int64
}

// Counters is a topic's counters by key.
type Counters map[CounterKey]int64

// Apply applies deltas to in-memory counters the way the database does.
func (c Counters) Apply(ds []Delta) {
	for _, d := range ds {
		old, ok := c[d.CounterKey]
		switch {
		case d.Op == OpAdd:
			c[d.CounterKey] = old + d.N
		case !ok, d.Op == OpMin && d.N < old, d.Op == OpMax && d.N > old:
			c[d.CounterKey] = d.N
		}
	}
}

// OpOf returns how a counter with this bucket combines.
func OpOf(bucket string) int {
	switch bucket {
	case "min":
		return OpMin
	case "max":
		return OpMax
	}
	return OpAdd
}

func add(qid, key, bucket string, n int64) Delta {
	return Delta{CounterKey: CounterKey{qid, key, bucket}, Op: OpAdd, N: n}
}

// ResponseDeltas returns the counter changes of one stored response.
func ResponseDeltas(d *Definition, kind, channel string, a Answers) []Delta {
	// Every question asked and answered adds three or four.
	ds := make([]Delta, 0, 8+4*len(d.Questions))
	ds = append(ds,
		add("", "", "responses", 1),
		add("", "", "kind:"+kind, 1),
		add("", "", "channel:"+channel, 1),
		add(d.ID, "", "responses", 1))
	for _, q := range d.Questions {
		// Asked is counted for every question, with skip logic or not, so
		// that versions that asked it of everyone count too.
		if q.Asked(a) {
			ds = append(ds, add(d.ID, q.Key, "asked", 1))
		}
		v, ok := a[q.Key]
		if !ok {
			continue
		}
		ds = append(ds, add(d.ID, q.Key, "answered", 1))
		switch q.Type {
		case SingleChoice:
			ds = append(ds, add(d.ID, q.Key, "opt:"+v.Choice, 1))
		case MultipleChoice:
			for _, c := range v.Choices {
				ds = append(ds, add(d.ID, q.Key, "opt:"+c, 1))
			}
		case Rating:
			ds = append(ds, add(d.ID, q.Key, "opt:"+strconv.Itoa(v.Int), 1),
				add(d.ID, q.Key, "sum", int64(v.Int)*NumberScale))
		case Number:
			ds = append(ds, add(d.ID, q.Key, "sum", v.Milli),
				Delta{CounterKey{d.ID, q.Key, "min"}, OpMin, v.Milli},
				Delta{CounterKey{d.ID, q.Key, "max"}, OpMax, v.Milli})
		}
	}
	return ds
}

// ActivityDeltas returns the counter changes of one stored activity.
func ActivityDeltas(kind string, p Participants) []Delta {
	return []Delta{add("", "", "activity:"+kind, 1),
		add("", "", "participants:deputies", p.Deputies),
		add("", "", "participants:public", p.Public),
		add("", "", "participants:other", p.Other)}
}

// OpinionDeltas returns the counter changes of one stored opinion.
func OpinionDeltas(source string) []Delta {
	return []Delta{add("", "", "opinions", 1), add("", "", "source:"+source, 1)}
}

// BuildSummary renders a topic's counters as a summary. defs holds every
// version of the topic's questionnaires, newest version first within each
// questionnaire, questionnaires in display order; questions keep the order of
// the newest version, then questions only older versions had.
func BuildSummary(topicID, pointID string, seq int64, asOf time.Time, c Counters, defs [][]*Definition) Summary {
	s := Summary{TopicID: topicID, PointID: pointID, Seq: seq, AsOf: asOf,
		Responses:      ResponseCounts{Total: c[CounterKey{"", "", "responses"}], ByKind: map[string]int64{}, ByChannel: map[string]int64{}},
		Opinions:       OpinionCounts{Total: c[CounterKey{"", "", "opinions"}], BySource: map[string]int64{}},
		Questionnaires: []QuestionnaireSummary{}}
	for k, n := range c {
		if k.Questionnaire != "" {
			continue
		}
		name, val, _ := strings.Cut(k.Bucket, ":")
		switch name {
		case "kind":
			s.Responses.ByKind[val] = n
		case "channel":
			s.Responses.ByChannel[val] = n
		case "source":
			s.Opinions.BySource[val] = n
		case "activity":
			switch val {
			case "forum":
				s.Activities.Forum = n
			case "field_research":
				s.Activities.FieldResearch = n
			case "written":
				s.Activities.Written = n
			}
		case "participants":
			switch val {
			case "deputies":
				s.Activities.Participants.Deputies = n
			case "public":
				s.Activities.Participants.Public = n
			case "other":
				s.Activities.Participants.Other = n
			}
		}
	}
	for _, versions := range defs {
		if len(versions) == 0 {
			continue
		}
		latest := versions[0]
		qs := QuestionnaireSummary{ID: latest.ID, Title: latest.Title, Responses: c[CounterKey{latest.ID, "", "responses"}], Questions: []QuestionSummary{}}
		// A question shows asked when some version has skip logic for it.
		skip := map[string]bool{}
		for _, v := range versions {
			for i := range v.Questions {
				skip[v.Questions[i].Key] = skip[v.Questions[i].Key] || v.Questions[i].Relevant != nil
			}
		}
		seen := map[string]bool{}
		for _, v := range versions {
			for i := range v.Questions {
				q := &v.Questions[i]
				if seen[q.Key] {
					continue
				}
				seen[q.Key] = true
				qs.Questions = append(qs.Questions, questionSummary(latest.ID, q, c, skip[q.Key]))
			}
		}
		s.Questionnaires = append(s.Questionnaires, qs)
	}
	return s
}

func questionSummary(qid string, q *Question, c Counters, skip bool) QuestionSummary {
	k := func(b string) CounterKey { return CounterKey{qid, q.Key, b} }
	qs := QuestionSummary{Key: q.Key, Type: q.Type, Label: q.Label, Answered: c[k("answered")]}
	if skip {
		n := c[k("asked")]
		qs.Asked = &n
	}
	switch q.Type {
	case SingleChoice, MultipleChoice:
		qs.Options = q.Options
		qs.Counts = map[string]int64{}
		for _, o := range q.Options {
			qs.Counts[o.Value] = 0
		}
		// Options only older versions had still count.
		for key, n := range c {
			if key.Questionnaire == qid && key.Question == q.Key && strings.HasPrefix(key.Bucket, "opt:") {
				qs.Counts[key.Bucket[4:]] = n
			}
		}
	case Rating:
		lo, hi := q.RatingBounds()
		qs.Counts = map[string]int64{}
		for i := lo; i <= hi; i++ {
			qs.Counts[strconv.Itoa(i)] = c[k("opt:"+strconv.Itoa(i))]
		}
		for key, n := range c {
			if key.Questionnaire == qid && key.Question == q.Key && strings.HasPrefix(key.Bucket, "opt:") {
				qs.Counts[key.Bucket[4:]] = n
			}
		}
		sum := Num(c[k("sum")])
		qs.Sum = &sum
		qs.Mean = Mean(sum, qs.Answered)
	case Number:
		sum := Num(c[k("sum")])
		qs.Sum = &sum
		if qs.Answered > 0 {
			mn, mx := Num(c[k("min")]), Num(c[k("max")])
			qs.Min, qs.Max = &mn, &mx
		}
		qs.Mean = Mean(sum, qs.Answered)
	}
	return qs
}

// Mean returns sum/n rounded to 3 decimals, or nil when n is 0.
func Mean(sum Num, n int64) *float64 {
	if n == 0 {
		return nil
	}
	m := math.Round(float64(sum)/float64(n)) / NumberScale
	return &m
}

// Counters returns the summary as counters again, so that summaries from
// several points can be added exactly.
func (s *Summary) Counters() Counters {
	c := Counters{}
	c[CounterKey{"", "", "responses"}] = s.Responses.Total
	for k, n := range s.Responses.ByKind {
		c[CounterKey{"", "", "kind:" + k}] = n
	}
	for k, n := range s.Responses.ByChannel {
		c[CounterKey{"", "", "channel:" + k}] = n
	}
	c[CounterKey{"", "", "opinions"}] = s.Opinions.Total
	for k, n := range s.Opinions.BySource {
		c[CounterKey{"", "", "source:" + k}] = n
	}
	a := s.Activities
	for k, n := range map[string]int64{"activity:forum": a.Forum, "activity:field_research": a.FieldResearch, "activity:written": a.Written,
		"participants:deputies": a.Participants.Deputies, "participants:public": a.Participants.Public, "participants:other": a.Participants.Other} {
		c[CounterKey{"", "", k}] = n
	}
	for _, q := range s.Questionnaires {
		c[CounterKey{q.ID, "", "responses"}] = q.Responses
		for _, qq := range q.Questions {
			c[CounterKey{q.ID, qq.Key, "answered"}] = qq.Answered
			if qq.Asked != nil {
				c[CounterKey{q.ID, qq.Key, "asked"}] = *qq.Asked
			}
			for v, n := range qq.Counts {
				c[CounterKey{q.ID, qq.Key, "opt:" + v}] = n
			}
			if qq.Sum != nil {
				c[CounterKey{q.ID, qq.Key, "sum"}] = int64(*qq.Sum)
			}
			if qq.Min != nil {
				c[CounterKey{q.ID, qq.Key, "min"}] = int64(*qq.Min)
			}
			if qq.Max != nil {
				c[CounterKey{q.ID, qq.Key, "max"}] = int64(*qq.Max)
			}
		}
	}
	return c
}

// Merge adds other counters into c: sums add, min and max keep the extreme.
func (c Counters) Merge(o Counters) {
	for k, n := range o {
		c.Apply([]Delta{{CounterKey: k, Op: OpOf(k.Bucket), N: n}})
	}
}

// DefinitionsFromSummaries recovers questionnaire shapes (keys, types,
// labels, options) from summaries, for rendering a merged summary at the hub.
func DefinitionsFromSummaries(ss []Summary) [][]*Definition {
	byID := map[string]*Definition{}
	var order []string
	for _, s := range ss {
		for _, q := range s.Questionnaires {
			d, ok := byID[q.ID]
			if !ok {
				d = &Definition{ID: q.ID, Title: q.Title}
				byID[q.ID] = d
				order = append(order, q.ID)
			}
			for _, qq := range q.Questions {
				if d.Question(qq.Key) != nil {
					continue
				}
				nq := Question{Key: qq.Key, Type: qq.Type, Label: qq.Label, Options: qq.Options}
				if qq.Asked != nil {
					// Skip logic whose condition the summary does not carry:
					// enough for the merged summary to show asked.
					nq.Relevant = &Relevance{}
				}
				if qq.Type == Rating {
					lo, hi := 0, 0
					first := true
					for v := range qq.Counts {
						i, err := strconv.Atoi(v)
						if err != nil {
							continue // not a score: no part of the scale
						}
						if first || i < lo {
							lo = i
						}
						if first || i > hi {
							hi = i
						}
						first = false
					}
					flo, fhi := float64(lo), float64(hi)
					nq.Min, nq.Max = &flo, &fhi
				}
				d.Questions = append(d.Questions, nq)
			}
		}
	}
	out := make([][]*Definition, 0, len(order))
	for _, id := range order {
		out = append(out, []*Definition{byID[id]})
	}
	return out
}
