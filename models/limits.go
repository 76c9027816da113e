package models

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The sizes a point takes for what it sends up (forms' binding tags hold
// the same numbers for what people send); the hub checks them again for
// everything a batch carries, item by item (contract.md, "Sync, version 2").
const (
	MaxIDLength          = 64
	MaxTitleLength       = 200
	MaxSummaryLength     = 2000 // a topic's summary
	MaxOpinionLength     = MaxTextLength
	MaxMinutesLength     = 20000
	MaxNameLength        = 50
	MaxDescriptionLength = 200
	MaxListLength        = 500      // deputies of an activity, its opinions, questionnaires of a summary
	MaxLabelLength       = MaxLabel // a questionnaire's title, a question's label or an option's, in a summary (as Definition.Validate)
)

// limit adds a problem when s is empty (and required) or longer than max runes.
func limit(f map[string]string, field, s string, max int, required bool) {
	switch n := utf8.RuneCountInString(s); {
	case required && strings.TrimSpace(s) == "":
		f[field] = MsgRequired
	case n > max:
		f[field] = fmt.Sprintf("最长 %d 个字符（这里有 %d 个） / at most %d characters (this has %d)", max, n, max, n)
	}
}

// Problems says what in an opinion a point sent is not within the limits,
// by field ("" for none).
func (o *Opinion) Problems() map[string]string {
	f := map[string]string{}
	limit(f, "id", o.ID, MaxIDLength, true)
	limit(f, "topic_id", o.TopicID, MaxIDLength, true)
	limit(f, "activity_id", o.ActivityID, MaxIDLength, false)
	limit(f, "response_id", o.ResponseID, MaxIDLength, false)
	limit(f, "question_key", o.QuestionKey, MaxIDLength, false)
	limit(f, "content", o.Content, MaxOpinionLength, true)
	o.Proposer.problems(f, "proposer.")
	if !In(o.Source, OpinionSources) {
		f["source"] = "未知来源 / unknown source"
	}
	if o.Status != "" && !In(o.Status, OpinionStatuses) {
		f["status"] = "未知状态 / unknown status"
	}
	return f
}

func (p *Proposer) problems(f map[string]string, prefix string) {
	limit(f, prefix+"deputy_id", p.DeputyID, MaxIDLength, false)
	limit(f, prefix+"name", p.Name, MaxNameLength, false)
	limit(f, prefix+"level", p.Level, MaxIDLength, false)
	limit(f, prefix+"description", p.Description, MaxDescriptionLength, false)
	if !In(p.Kind, RespondentKinds) {
		f[prefix+"kind"] = "应为 deputy、public 或 other / must be deputy, public or other"
	}
}

// Problems says what in an activity a point sent is not within the limits.
func (a *Activity) Problems() map[string]string {
	f := map[string]string{}
	limit(f, "id", a.ID, MaxIDLength, true)
	limit(f, "topic_id", a.TopicID, MaxIDLength, true)
	limit(f, "title", a.Title, MaxTitleLength, true)
	limit(f, "held_on", a.HeldOn, 10, false)
	limit(f, "location", a.Location, MaxTitleLength, false)
	limit(f, "host", a.Host, MaxTitleLength, false)
	limit(f, "minutes", a.Minutes, MaxMinutesLength, false)
	if !In(a.Kind, ActivityKinds) {
		f["kind"] = "未知类别 / unknown kind"
	}
	if p := a.Participants; p.Deputies < 0 || p.Public < 0 || p.Other < 0 {
		f["participants"] = "人数不能为负 / counts cannot be negative"
	}
	if len(a.DeputyIDs) > MaxListLength {
		f["deputy_ids"] = fmt.Sprintf("最多 %d 项 / at most %d", MaxListLength, MaxListLength)
	}
	for i, id := range a.DeputyIDs {
		limit(f, "deputy_ids["+strconv.Itoa(i)+"]", id, MaxIDLength, true)
	}
	if len(a.Opinions) > MaxListLength {
		f["opinions"] = fmt.Sprintf("最多 %d 项 / at most %d", MaxListLength, MaxListLength)
	}
	for i := range a.Opinions {
		for k, m := range a.Opinions[i].Problems() {
			f["opinions["+strconv.Itoa(i)+"]."+k] = m
		}
	}
	return f
}

// Problems says what in a summary a point sent is not within the limits.
func (s *Summary) Problems() map[string]string {
	f := map[string]string{}
	limit(f, "topic_id", s.TopicID, MaxIDLength, true)
	limit(f, "instance", s.Instance, MaxIDLength, false)
	if s.Seq < 0 {
		f["seq"] = "不能为负 / cannot be negative"
	}
	if len(s.Questionnaires) > MaxListLength {
		f["questionnaires"] = fmt.Sprintf("最多 %d 项 / at most %d", MaxListLength, MaxListLength)
	}
	for i, q := range s.Questionnaires {
		p := "questionnaires[" + strconv.Itoa(i) + "]."
		limit(f, p+"id", q.ID, MaxIDLength, true)
		limit(f, p+"title", q.Title, MaxLabelLength, false)
		if len(q.Questions) > MaxListLength {
			f[p+"questions"] = fmt.Sprintf("最多 %d 项 / at most %d", MaxListLength, MaxListLength)
		}
		for j, qq := range q.Questions {
			pq := p + "questions[" + strconv.Itoa(j) + "]."
			limit(f, pq+"key", qq.Key, MaxIDLength, true)
			limit(f, pq+"label", qq.Label, MaxLabelLength, false)
			if len(qq.Options) > MaxListLength || len(qq.Counts) > MaxListLength {
				f[pq+"options"] = fmt.Sprintf("最多 %d 项 / at most %d", MaxListLength, MaxListLength)
			}
			for k, o := range qq.Options {
				limit(f, pq+"options["+strconv.Itoa(k)+"].label", o.Label, MaxLabelLength, false)
			}
		}
	}
	return f
}

// Problems says what in a topic a point sent is not within the limits.
func (t *Topic) Problems() map[string]string {
	f := map[string]string{}
	limit(f, "id", t.ID, MaxIDLength, true)
	limit(f, "title", t.Title, MaxTitleLength, true)
	limit(f, "title_en", t.TitleEN, MaxTitleLength, false)
	limit(f, "summary", t.Summary, MaxSummaryLength, false)
	if !In(t.Kind, TopicKinds) {
		f["kind"] = "未知类别 / unknown kind"
	}
	return f
}

// ProblemsText writes problems as one message, fields in order:
// "content: 最长 … / at most …; id: 必填 / required".
func ProblemsText(f map[string]string) string {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + f[k]
	}
	return strings.Join(parts, "; ")
}
